"""Downloading the files from public mirrors: retries, progress, verified before renaming."""

from __future__ import annotations

import http.client
import os
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from ...errors import DataError
from .files import FILES, ROLES, TITLES, _canon, _oneline
from .idx import read_verified
from .locate import PathLike, _file_in, file_map, find_files, user_cache_dir

ProgressFn = Callable[[str, int, int | None], None]

# Base URLs tried in order; each serves "<file>.gz". The env var overrides the list.
MIRRORS: dict[str, list[str]] = {
    "mnist": [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ],
    "fashion_mnist": [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ],
}
MIRROR_ENV = {"mnist": "NNLAB_MNIST_MIRRORS", "fashion_mnist": "NNLAB_FASHION_MNIST_MIRRORS"}

TIMEOUT = 30.0  # seconds per HTTP request
RETRIES = 3  # attempts per mirror and file for network errors
BACKOFF = 0.5  # seconds before the 2nd attempt, doubled after
_CHUNK = 1 << 16


class _BadFile(Exception):
    """This mirror answered, but not with a good file: try the next mirror."""


class _Unreachable(Exception):
    """This mirror could not be reached after the retries: skip it for the other files too."""


def mirrors(name: str) -> list[str]:
    """Mirror base URLs for ``name``, from NNLAB_MNIST_MIRRORS / NNLAB_FASHION_MNIST_MIRRORS
    (comma-separated) when set, else :data:`MIRRORS`; each ends with a slash."""
    name = _canon(name)
    env = os.environ.get(MIRROR_ENV[name], "")
    urls = [u.strip() for u in env.split(",") if u.strip()] if env.strip() else MIRRORS[name]
    return [u if u.endswith("/") else u + "/" for u in urls]


def _http_get(url: str, dest_dir: Path, file_name: str, progress: ProgressFn | None) -> Path:
    """Stream ``url`` into a temp file in ``dest_dir``; returns its path (caller renames it)."""
    fd, tmp_name = tempfile.mkstemp(dir=dest_dir, prefix=f".{file_name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "nnlab"})
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=TIMEOUT) as resp:
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            if progress:
                progress(file_name, 0, total)
            while chunk := resp.read(_CHUNK):
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(file_name, done, total)
        if total is not None and done != total:
            raise http.client.IncompleteRead(b"", total - done)
        return tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _network_reason(err: BaseException) -> str:
    if isinstance(err, urllib.error.URLError) and not isinstance(err, urllib.error.HTTPError):
        err = err.reason if isinstance(err.reason, BaseException) else err
    if isinstance(err, TimeoutError):
        return "timed out"
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return _oneline(err, 80)


def _download_from(
    mirror: str, name: str, role: str, dest: Path, progress: ProgressFn | None
) -> None:
    """Fetch one file from one mirror with retries, verify it, and move it into place."""
    file_name = FILES[role] + ".gz"
    url = mirror + file_name
    reason = "no attempt"
    for attempt in range(max(1, RETRIES)):
        if attempt:
            time.sleep(BACKOFF * 2 ** (attempt - 1))
        try:
            tmp = _http_get(url, dest, file_name, progress)
        except urllib.error.HTTPError as e:
            if 400 <= e.code < 500:  # this mirror does not have it: no point retrying
                raise _BadFile(f"HTTP {e.code}") from e
            reason = f"HTTP {e.code}"
            continue
        except ValueError as e:  # not a usable URL: retrying cannot help
            raise _Unreachable(f"invalid URL ({_oneline(e, 60)})") from e
        except (OSError, http.client.HTTPException) as e:  # URLError is an OSError
            reason = _network_reason(e)
            continue
        try:
            read_verified(name, role, tmp)
        except DataError as e:
            tmp.unlink(missing_ok=True)
            raise _BadFile(f"bad file ({_problem_kind(str(e))})") from e
        tmp.chmod(0o644)  # mkstemp creates 0600
        os.replace(tmp, dest / file_name)
        return
    raise _Unreachable(reason)


def _problem_kind(message: str) -> str:
    # "…/x.part: checksum mismatch: …; delete it…" -> "checksum mismatch"
    return message.split(": ", 1)[-1].split(":", 1)[0].split(";", 1)[0]


def not_found_message(name: str, reason: str, path: PathLike | None) -> str:
    files = ", ".join(FILES[role] + ".gz" for role in ROLES)
    where = user_cache_dir() / name
    extra = f", in {Path(path).expanduser()}," if path is not None and str(path) else ""
    return (
        f"{TITLES[name]} {reason}: place {files} in {where}{extra} or set NNLAB_DATA_DIR "
        f"(a folder holding a {name}/ subfolder)"
    )


def _download(name: str, path: PathLike | None, progress: ProgressFn | None) -> Path:
    """Download the missing files into the user cache dir, trying each mirror in order."""
    dest = user_cache_dir() / name
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        why = f"cannot create {dest}: {e.strerror or e}"
        raise DataError(
            not_found_message(name, f"not found and could not be downloaded ({why})", path)
        ) from e
    urls = mirrors(name)
    dead: dict[str, str] = {}
    for role in ROLES:
        existing = _file_in(dest, FILES[role])
        if existing is not None:
            try:
                read_verified(name, role, existing)
                continue
            except DataError:
                existing.unlink(missing_ok=True)  # a damaged file in our own cache: replace it
        errors: list[str] = []
        for url in urls:
            if url in dead:
                errors.append(f"{url}: {dead[url]}")
                continue
            try:
                _download_from(url, name, role, dest, progress)
                break
            except _Unreachable as e:
                dead[url] = str(e)
                errors.append(f"{url}: {e}")
            except _BadFile as e:
                errors.append(f"{url}: {e}")
        else:
            why = f"{FILES[role]}.gz: " + ("; ".join(errors) or "no mirrors configured")
            raise DataError(
                not_found_message(name, f"not found and could not be downloaded ({why})", path)
            )
    return dest


def fetch(
    name: str = "mnist", path: PathLike | None = None, progress: ProgressFn | None = None
) -> Path:
    """Make sure the four files are present and verified, downloading them if needed.

    Returns the dir holding them. Files already found (see :func:`find_files`) are checksum-
    verified, a damaged one raising :class:`DataError`; otherwise they are downloaded into
    ``<user cache>/<name>/``. ``progress(file_name, done_bytes, total_bytes)`` is called while
    downloading (``total_bytes`` is None when the server does not say).
    """
    name = _canon(name)
    found = find_files(name, path)
    if found is None:
        return _download(name, path, progress)
    for role, p in (file_map(found) or {}).items():
        read_verified(name, role, p)
    return found
