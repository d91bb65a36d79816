"""MNIST and Fashion-MNIST: find, download, verify, decode and cache the IDX files.

Both datasets share one code path and differ only in their mirrors, checksums and where a system
package may have installed them. The four files (``train-images-idx3-ubyte`` …) are accepted
gzip-compressed or raw, are verified by the SHA-256 of their *uncompressed* bytes (so a
re-compressed copy still verifies), and are decoded once into ``.npy`` files so later loads skip
the gunzip, hashing and parsing. Nothing here prints: downloads report through a ``progress``
callback and every user-fixable problem is a one-line :class:`~nnlab.errors.DataError`.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from . import catalog
from .base import Dataset

ProgressFn = Callable[[str, int, int | None], None]
PathLike = str | os.PathLike[str]

DATASETS = catalog.names(kind="mnist")
TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}

# The four files, by role; both datasets use the same names.
ROLES = ("train_images", "train_labels", "test_images", "test_labels")
FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

# SHA-256 of the UNCOMPRESSED file contents, so any gzip wrapping of the same data verifies.
# Tests swap in their own table with ``monkeypatch.setitem(SHA256, "mnist", {...})``.
SHA256: dict[str, dict[str, str]] = {
    # The widely published digests of the uncompressed LeCun files (the same data every mirror
    # serves, however it is gzipped); checked against a copy of the real files.
    "mnist": {
        "train-images-idx3-ubyte": (
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
        ),
        "train-labels-idx1-ubyte": (
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
        ),
        "t10k-images-idx3-ubyte": (
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
        ),
        "t10k-labels-idx1-ubyte": (
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
        ),
    },
    # Zalando publishes MD5s of its .gz files (README "Get the Data"): train-images
    # 8d4fb7e6c68d591d4c3dfef9ec88bf0d, train-labels 25c81989df183df01b3e8a0aad5dffbe, t10k-images
    # bef4ecab320f06d8554ea6380940ec79, t10k-labels bb300cfdad3c16e7a12a480ee83cd310; TensorFlow
    # Datasets (url_checksums/fashion_mnist.txt) and Keras (datasets/fashion_mnist.py) publish the
    # SHA-256 of the same .gz files (3aede38d…, a04f1713…, 346e55b9…, 67da17c7…). The digests below
    # are of the uncompressed data, as also listed in several public projects; they were confirmed
    # on Debian's dataset-fashion-mnist package, whose .gz files differ from Zalando's only in the
    # gzip header (mtime/name stripped): restoring that header reproduces both the published MD5s
    # and the TFDS/Keras SHA-256s byte for byte, so these cover exactly the published data.
    "fashion_mnist": {
        "train-images-idx3-ubyte": (
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
        ),
        "train-labels-idx1-ubyte": (
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
        ),
        "t10k-images-idx3-ubyte": (
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
        ),
        "t10k-labels-idx1-ubyte": (
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
        ),
    },
}

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

# Folder names accepted inside each searched base dir, and system-wide install locations (Debian's
# dataset-fashion-mnist package installs the four .gz files in /usr/share/datasets/fashion-mnist).
SUBDIRS = {"mnist": ("mnist",), "fashion_mnist": ("fashion_mnist", "fashion-mnist")}
SYSTEM_DIRS: dict[str, list[Path]] = {
    "mnist": [],
    "fashion_mnist": [Path("/usr/share/datasets/fashion-mnist")],
}

TIMEOUT = 30.0  # seconds per HTTP request
RETRIES = 3  # attempts per mirror and file for network errors
BACKOFF = 0.5  # seconds before the 2nd attempt, doubled after
_CHUNK = 1 << 16

SPLITS = ("nielsen", "standard")
NIELSEN_VAL = 10_000  # Nielsen's mnist.pkl.gz: the last 10,000 training images validate
N_CLASSES = 10
_CACHE_FORMAT = 1
_GZIP_MAGIC = b"\x1f\x8b"
_IDX_UBYTE = 0x08
_KINDS = {3: "images", 1: "labels"}


# ----------------------------------------------------------------------------- IDX parsing


def _fix(name: str) -> str:
    return f"delete it and run `nnlab data fetch {name}`"


def _oneline(err: object, limit: int = 160) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _load_bytes(path: Path, name: str = "mnist") -> bytes:
    """The file's contents, gunzipped when it starts with the gzip magic bytes 1f 8b."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DataError(f"{path}: cannot read: {e.strerror or _oneline(e)}") from e
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except EOFError as e:  # the stream stops before its end marker
            raise DataError(f"{path}: truncated gzip stream; {_fix(name)}") from e
        except (OSError, zlib.error) as e:  # BadGzipFile (CRC, header) is an OSError
            raise DataError(f"{path}: corrupt gzip stream ({_oneline(e)}); {_fix(name)}") from e
    return data


def _parse_idx(data: bytes, path: Path, ndim: int | None = None, name: str = "mnist") -> np.ndarray:
    """Decode IDX bytes (already gunzipped) into a uint8 array, validating the header and length."""
    fix = _fix(name)
    if len(data) < 4:
        raise DataError(
            f"{path}: not an IDX file: {len(data)} bytes, too short for a header; {fix}"
        )
    magic = int.from_bytes(data[:4], "big")
    dtype_code, dims = data[2], data[3]
    if data[:2] != b"\0\0":
        raise DataError(
            f"{path}: bad magic number 0x{magic:08X}: expected 0x00000803 (images) or "
            f"0x00000801 (labels); not an IDX file"
        )
    if dtype_code != _IDX_UBYTE:
        raise DataError(
            f"{path}: unsupported IDX data type 0x{dtype_code:02X} (magic 0x{magic:08X}): "
            f"only 0x08 (unsigned byte) is supported"
        )
    if dims not in _KINDS:
        raise DataError(
            f"{path}: magic 0x{magic:08X} declares {dims} dimensions: expected 3 (images, "
            f"0x00000803) or 1 (labels, 0x00000801)"
        )
    if ndim is not None and dims != ndim:
        raise DataError(
            f"{path}: holds {_KINDS[dims]} ({dims} dimensions) where {_KINDS.get(ndim, 'data')} "
            f"({ndim} dimension{'s' if ndim != 1 else ''}) were expected; are the files mixed up?"
        )
    header = 4 + 4 * dims
    if len(data) < header:
        raise DataError(
            f"{path}: truncated header: expected {header} bytes, found {len(data)}; {fix}"
        )
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    expected = 1
    for size in shape:
        expected *= size
    found = len(data) - header
    if found < expected:
        raise DataError(
            f"{path}: truncated: expected {expected} bytes of data for shape "
            f"{'x'.join(map(str, shape))}, found {found}; {fix}"
        )
    if found > expected:
        raise DataError(
            f"{path}: {found - expected} unexpected trailing bytes after the {expected} bytes of "
            f"data for shape {'x'.join(map(str, shape))}; {fix}"
        )
    return np.frombuffer(data, dtype=np.uint8, count=expected, offset=header).reshape(shape)


def read_idx(path: PathLike, *, ndim: int | None = None, name: str = "mnist") -> np.ndarray:
    """Read an IDX file (gzip-compressed or raw, detected by content) into a uint8 array.

    Images (magic 0x00000803) come back as (n, rows, cols), labels (0x00000801) as (n,). ``ndim``
    (3 or 1) additionally requires that kind. Any defect — bad magic, data type other than
    unsigned byte, wrong dimension count, truncated or trailing data, a corrupt gzip stream —
    raises a one-line :class:`DataError` naming the file; ``name`` picks the dataset named in the
    suggested fix. The array is read-only (it views the file's bytes).
    """
    p = Path(path)
    return _parse_idx(_load_bytes(p, name), p, ndim, name)


def _checksum_problem(name: str, role: str, path: Path, data: bytes) -> str | None:
    """None if the uncompressed ``data`` matches the known SHA-256 (or none is known), else why."""
    expected = SHA256.get(name, {}).get(FILES[role])
    if expected is None:
        return None
    actual = hashlib.sha256(data).hexdigest()
    if actual == expected:
        return None
    for other, table in SHA256.items():
        if other != name and table.get(FILES[role]) == actual:  # e.g. MNIST asked as Fashion
            return (
                f"{path}: this is the {TITLES.get(other, other)} file, not {TITLES[name]}: "
                f"point the data path at the {TITLES[name]} files"
            )
    return (
        f"{path}: checksum mismatch: SHA-256 of the data is {actual[:16]}…, expected "
        f"{expected[:16]}…; {_fix(name)}"
    )


def _read_verified(name: str, role: str, path: Path) -> np.ndarray:
    """Read, checksum-verify and parse one of the four files."""
    data = _load_bytes(path, name)
    problem = _checksum_problem(name, role, path, data)
    if problem:
        raise DataError(problem)
    return _parse_idx(data, path, 3 if role.endswith("images") else 1, name)


# ----------------------------------------------------------------------------- finding files


def _canon(name: str) -> str:
    key = str(name).strip().lower().replace("-", "_")
    if key not in DATASETS:
        raise DataError(f"unknown dataset {name!r}: expected one of {', '.join(DATASETS)}")
    return key


def user_cache_dir() -> Path:
    """nnlab's per-user cache dir, read from the environment at call time.

    $XDG_CACHE_HOME/nnlab when that is set (any POSIX system), else ~/.cache/nnlab, on macOS
    ~/Library/Caches/nnlab, on Windows %LOCALAPPDATA%\\nnlab\\Cache.
    """
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(local) / "nnlab" / "Cache"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "nnlab"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "nnlab"
    return Path.home() / ".cache" / "nnlab"


def search_dirs(name: str, path: PathLike | None = None) -> list[Path]:
    """Base dirs searched, in order: ``path``, $NNLAB_DATA_DIR, the user cache, system dirs."""
    name = _canon(name)
    dirs: list[Path] = []
    if path is not None and str(path):
        dirs.append(Path(path).expanduser())
    env = os.environ.get("NNLAB_DATA_DIR", "")
    if env:
        dirs.append(Path(env).expanduser())
    dirs.append(user_cache_dir())
    dirs.extend(SYSTEM_DIRS.get(name, []))
    return dirs


def _file_in(d: Path, base: str) -> Path | None:
    """``d/base`` or ``d/base.gz`` (raw preferred: faster to read), if it is a file."""
    for candidate in (d / base, d / f"{base}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _file_map(d: Path) -> dict[str, Path] | None:
    """The four files in ``d`` by role, or None unless all four are there."""
    found = {role: _file_in(d, FILES[role]) for role in ROLES}
    if any(p is None for p in found.values()):
        return None
    return {role: p for role, p in found.items() if p is not None}


def _candidates(name: str, base: Path) -> list[Path]:
    # The dataset's own subfolder first, so a dir holding both datasets' folders is unambiguous.
    return [base / sub for sub in SUBDIRS[name]] + [base]


def find_files(name: str, path: PathLike | None = None) -> Path | None:
    """The first dir holding all four files of ``name``, searched in :func:`search_dirs` order.

    Within each base dir the files may sit in a subfolder named after the dataset (``mnist/``,
    ``fashion_mnist/``, ``fashion-mnist/``) or directly in it, gzipped or not.
    """
    name = _canon(name)
    for base in search_dirs(name, path):
        for d in _candidates(name, base):
            if _file_map(d) is not None:
                return d
    return None


# ----------------------------------------------------------------------------- downloading


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
            _read_verified(name, role, tmp)
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


def _not_found_message(name: str, reason: str, path: PathLike | None) -> str:
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
            _not_found_message(name, f"not found and could not be downloaded ({why})", path)
        ) from e
    urls = mirrors(name)
    dead: dict[str, str] = {}
    for role in ROLES:
        existing = _file_in(dest, FILES[role])
        if existing is not None:
            try:
                _read_verified(name, role, existing)
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
                _not_found_message(name, f"not found and could not be downloaded ({why})", path)
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
    for role, p in (_file_map(found) or {}).items():
        _read_verified(name, role, p)
    return found


# ----------------------------------------------------------------------------- decoded cache


def _cache_key(name: str, files: dict[str, Path]) -> str:
    """Identity of the sources: dir, names, sizes, mtimes and the digests they are verified with."""
    entries = []
    for role in ROLES:
        p = files[role]
        st = p.stat()
        digest = SHA256.get(name, {}).get(FILES[role], "")
        entries.append([p.name, st.st_size, st.st_mtime_ns, digest])
    blob = json.dumps(
        {
            "format": _CACHE_FORMAT,
            "name": name,
            "dir": str(files[ROLES[0]].parent.resolve()),
            "files": entries,
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _cache_dirs(name: str, src: Path) -> list[Path]:
    """Where decoded arrays may live: next to the sources, then the user cache."""
    dirs = [src / "decoded", user_cache_dir() / name / "decoded"]
    return dirs if dirs[0].resolve() != dirs[1].resolve() else dirs[:1]


def _cache_files(d: Path, name: str, key: str) -> dict[str, Path]:
    return {role: d / f"{name}-{key}-{role}.npy" for role in ROLES}


def _may_write(d: Path) -> bool:
    """Whether nnlab may add files to ``d``. A dir without any write bit (e.g. a shared read-only
    data folder) is left alone even when running as root, who could write it anyway."""
    try:
        return bool(d.stat().st_mode & 0o222) and os.access(d, os.W_OK | os.X_OK)
    except OSError:
        return False


def _read_cache(name: str, src: Path, key: str) -> tuple[dict[str, np.ndarray], Path] | None:
    for d in _cache_dirs(name, src):
        paths = _cache_files(d, name, key)
        if not all(p.is_file() for p in paths.values()):
            continue
        try:
            arrays = {role: np.load(p, allow_pickle=False) for role, p in paths.items()}
        except (OSError, ValueError):
            continue  # damaged: decode again and overwrite
        if all(
            a.dtype == np.uint8 and a.ndim == (3 if r.endswith("images") else 1)
            for r, a in arrays.items()
        ):
            return arrays, d
    return None


def _write_cache(name: str, src: Path, key: str, arrays: dict[str, np.ndarray]) -> Path | None:
    """Save the arrays atomically (temp file + os.replace); returns the dir, or None if no dir
    was writable (loading still works, just without the speed-up)."""
    dirs = _cache_dirs(name, src)
    system = any(d == src or d in src.parents for d in SYSTEM_DIRS.get(name, []))
    if system or not _may_write(src):  # never add files to /usr/share or a read-only folder
        dirs = dirs[1:]
    for d in dirs:
        try:
            d.mkdir(parents=True, exist_ok=True)
            for role, p in _cache_files(d, name, key).items():
                fd, tmp = tempfile.mkstemp(dir=d, prefix=f".{p.name}.", suffix=".tmp")
                try:
                    with os.fdopen(fd, "wb") as f:
                        np.save(f, arrays[role], allow_pickle=False)
                    os.chmod(tmp, 0o644)  # readable by whoever can read the sources
                    os.replace(tmp, p)
                except BaseException:
                    Path(tmp).unlink(missing_ok=True)
                    raise
        except OSError:
            continue
        for stale in d.glob(f"{name}-*-*.npy"):  # arrays decoded from earlier sources
            if not stale.name.startswith(f"{name}-{key}-"):
                stale.unlink(missing_ok=True)
        return d
    return None


def _decode(name: str, src: Path) -> tuple[dict[str, np.ndarray], Path | None]:
    """The four uint8 arrays from ``src``: from the .npy cache, else verified, parsed and cached."""
    files = _file_map(src)
    if files is None:
        raise DataError(f"{src}: the {TITLES[name]} files disappeared while loading")
    key = _cache_key(name, files)
    cached = _read_cache(name, src, key)
    if cached is not None:
        return cached
    arrays = {role: _read_verified(name, role, files[role]) for role in ROLES}
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if len(images) != len(labels):
            raise DataError(
                f"{files[part + '_labels']}: {len(labels)} labels for {len(images)} images in "
                f"{files[part + '_images'].name}; {_fix(name)}"
            )
        if len(labels) and int(labels.max()) >= N_CLASSES:
            raise DataError(
                f"{files[part + '_labels']}: label {int(labels.max())} outside 0..{N_CLASSES - 1}"
            )
    if arrays["train_images"].shape[1:] != arrays["test_images"].shape[1:]:
        raise DataError(f"{src}: train and test images differ in size; {_fix(name)}")
    return arrays, _write_cache(name, src, key, arrays)


# ----------------------------------------------------------------------------- public API


def info(
    name: str = "mnist", path: PathLike | None = None, *, verify: bool = True
) -> dict[str, Any]:
    """What ``nnlab data info`` shows: where the files were found, each file's state, the cache.

    Each entry of ``files`` has ``checksum`` "ok", "bad" (with ``problem``) or "not checked"
    (file absent, or ``verify=False``).
    """
    name = _canon(name)
    src = find_files(name, path)
    fmap = _file_map(src) if src is not None else None
    files: list[dict[str, Any]] = []
    for role in ROLES:
        p = fmap[role] if fmap else None
        entry: dict[str, Any] = {
            "role": role,
            "file": p.name if p else FILES[role] + ".gz",
            "path": str(p) if p else None,
            "present": p is not None,
            "size": p.stat().st_size if p else None,
            "checksum": "not checked",
            "problem": None,
        }
        if p is not None and verify:
            try:
                _read_verified(name, role, p)
                entry["checksum"] = "ok"
            except DataError as e:
                entry["checksum"], entry["problem"] = "bad", str(e)
        files.append(entry)
    cache: dict[str, Any] = {"present": False, "dir": None}
    if src is not None and fmap is not None:
        key = _cache_key(name, fmap)
        for d in _cache_dirs(name, src):
            if all(p.is_file() for p in _cache_files(d, name, key).values()):
                cache = {"present": True, "dir": str(d)}
                break
    return {
        "name": name,
        "title": TITLES[name],
        "found": src is not None,
        "source": str(src) if src is not None else None,
        "searched": [str(d) for d in search_dirs(name, path)],
        "download_dir": str(user_cache_dir() / name),
        "mirrors": mirrors(name),
        "files": files,
        "cache": cache,
    }


def load(
    name: str = "mnist",
    *,
    path: PathLike | None = None,
    split: str = "nielsen",
    val_split: float = 0.1,
    limit: int | None = None,
    download: bool = True,
    progress: ProgressFn | None = None,
    rng: np.random.Generator | None = None,
    dtype: Any = np.float32,
) -> Dataset:
    """Load MNIST or Fashion-MNIST as a classification :class:`Dataset` (x: (n, 784) in [0, 1]).

    Splits: ``"nielsen"`` — the first 50,000 training images train, the last 10,000 validate,
    the 10,000 test images test (Nielsen's mnist.pkl.gz); ``"standard"`` — 60,000 train / 10,000
    test, with the last ``val_split`` fraction of the training images held out for validation
    (0 → none). ``limit`` keeps the first N training images after the split. Both splits are
    deterministic; ``rng`` is accepted for a uniform loader signature and unused. The files are
    searched as in :func:`find_files` and downloaded when missing and ``download`` is true.
    """
    name = _canon(name)
    if split not in SPLITS:
        raise DataError(f"unknown {TITLES[name]} split {split!r}: use one of {', '.join(SPLITS)}")
    if not 0.0 <= float(val_split) < 1.0:
        raise DataError(f"val_split must be in [0, 1), got {val_split}")
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int | np.integer) or limit < 1
    ):
        raise DataError(f"limit must be a positive whole number of images, got {limit!r}")

    src = find_files(name, path)
    if src is None:
        if not download:
            raise DataError(_not_found_message(name, "not found and downloading is off", path))
        src = fetch(name, path, progress)
    arrays, _ = _decode(name, src)

    x_tr, y_tr = arrays["train_images"], arrays["train_labels"]
    x_va: np.ndarray | None = None
    y_va: np.ndarray | None = None
    if split == "nielsen":
        if len(x_tr) <= NIELSEN_VAL:
            raise DataError(
                f"the nielsen split needs more than {NIELSEN_VAL} training images, {src} has "
                f"{len(x_tr)}: use split 'standard'"
            )
        x_tr, x_va = x_tr[:-NIELSEN_VAL], x_tr[-NIELSEN_VAL:]
        y_tr, y_va = y_tr[:-NIELSEN_VAL], y_tr[-NIELSEN_VAL:]
    else:
        n_val = int(round(len(x_tr) * float(val_split)))
        if n_val:
            x_tr, x_va = x_tr[:-n_val], x_tr[-n_val:]
            y_tr, y_va = y_tr[:-n_val], y_tr[-n_val:]
    if limit is not None:
        if limit > len(x_tr):
            raise DataError(
                f"limit {limit} is more than the {len(x_tr)} training images of the {split} split"
            )
        x_tr, y_tr = x_tr[:limit], y_tr[:limit]

    def pixels(x: np.ndarray) -> np.ndarray:
        return np.divide(x.reshape(len(x), -1), 255, dtype=dtype)  # exact: 255 -> 1.0

    def labels(y: np.ndarray) -> np.ndarray:
        return y.astype(np.int64)

    x_te, y_te = arrays["test_images"], arrays["test_labels"]
    sizes = {"train": len(x_tr), "val": 0 if x_va is None else len(x_va), "test": len(x_te)}
    return Dataset(
        name=name,
        task="classification",
        x_train=pixels(x_tr),
        y_train=labels(y_tr),
        x_val=None if x_va is None else pixels(x_va),
        y_val=None if y_va is None else labels(y_va),
        x_test=pixels(x_te),
        y_test=labels(y_te),
        n_classes=N_CLASSES,
        info={"source": str(src), "split": split, "sizes": sizes},
    )
