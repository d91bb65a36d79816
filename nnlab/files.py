"""Files written whole or not at all, text read as UTF-8, JSON without NaN, and `.npz` arrays
without pickles.

Every file nnlab writes goes through `atomic_write`: the bytes go to a temp file beside the
target, are flushed to the disk (fsync), and the temp file is renamed over the target, so a
reader — or a crash, or a power cut — sees the old file or the new one, never half of one.
Every text file nnlab reads goes through `read_text`, and every `.npz` through `load_npz`:
what cannot be read is one `NnlabError` naming the file and the fix.
"""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from . import memory
from .errors import CheckpointError, NnlabError

_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to a temp file beside ``path`` and rename it over ``path``.

    os.replace is atomic on POSIX and Windows.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise _named(err, path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on the disk before the name points at them
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file normal permissions
        os.replace(tmp, path)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise _named(err, path) from None
        raise
    _sync_dir(path.parent)


def overwrite(path: str | Path, text: str) -> bool:
    """Last resort when `atomic_write` fails for want of space: write ``text`` over the
    existing file in place (no temp file, so no new blocks when it is not longer). Not atomic;
    only for recording that something failed. Returns whether it worked."""
    try:
        with open(path, "r+b") as f:
            f.write(text.encode("utf-8"))
            f.truncate()
            f.flush()
            os.fsync(f.fileno())
        return True
    except OSError:
        return False


def _named(err: OSError, path: Path) -> OSError:
    """The OSError with the file it was about: ``path``, not the temp file beside it (and a
    failed write() names none); a parent folder that could not be made stays named."""
    name = err.filename
    if name is None or Path(name).name.startswith(f".{path.name}."):
        return type(err)(err.errno, err.strerror, str(path))
    return err


def _sync_dir(folder: Path) -> None:
    """fsync a folder, so a rename inside it survives a power cut (POSIX; best effort)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_text(path: str | Path, what: str = "file", max_bytes: int | None = None) -> str:
    """A UTF-8 text file (a byte-order mark is allowed), or an `NnlabError` naming it and the fix:
    missing, not a regular file (a folder, /dev/zero), larger than ``max_bytes``, or not UTF-8
    (UTF-16 and Latin-1 are named as such)."""
    path = Path(path)
    if not path.exists():
        raise NnlabError(f"{path}: {what} not found; check the path")
    if not path.is_file():
        raise NnlabError(f"{path}: {what} is not a regular file; give the path of a text file")
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise NnlabError(f"{path}: {what} is {memory.size_text(size)}, more than the "
                             f"{memory.size_text(max_bytes)} nnlab reads; is it the right file?")
        data = path.read_bytes()
    except OSError as err:
        raise _named(err, path) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise NnlabError(f"{path}: {what} is not UTF-8 text ({_encoding_hint(data, err)}); "
                         "save it as UTF-8") from None


def _encoding_hint(data: bytes, err: UnicodeDecodeError) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[1:2] == b"\x00":
        return "it looks like UTF-16"
    if b"\x00" in data[:4096]:
        return "it looks like binary data"
    return f"byte 0x{data[err.start]:02x} at position {err.start}; Latin-1 or Windows-1252?"


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: NaN/±inf → None (JSON has no NaN), NumPy scalars and
    arrays → numbers and lists, paths → strings; mappings and sequences recursively."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def to_json(obj: Any, indent: int | None = None) -> str:
    """Strict JSON text of `jsonable` ``obj`` (never NaN)."""
    return json.dumps(jsonable(obj), indent=indent, allow_nan=False)


def write_json(path: str | Path, obj: Any) -> None:
    atomic_write(path, to_json(obj, indent=2) + "\n")


def save_npz(path: str | Path, arrays: Mapping[str, np.ndarray]) -> None:
    """An uncompressed ``.npz`` written atomically; only plain numeric/str arrays (no pickles)."""
    buf = io.BytesIO()
    np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
    atomic_write(path, buf.getvalue())


def load_npz(path: str | Path, what: str = "checkpoint") -> dict[str, np.ndarray]:
    """All arrays of an ``.npz`` (``allow_pickle=False``); damage raises CheckpointError.

    Each member's header is read first: an array whose header declares more data than the
    member holds (a truncated or forged file, e.g. a 10¹² × 4-byte array in a few bytes) is
    refused before anything is allocated.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: {what} not found")
    fix = "use the other checkpoint (best/last) or retrain" if what == "checkpoint" else \
        "delete it or write it again"
    try:
        with zipfile.ZipFile(path) as z:
            return {info.filename[:-4]: _member(z, info)
                    for info in z.infolist() if info.filename.endswith(".npy")}
    except _Refused as err:
        raise CheckpointError(f"{path}: {err}; {fix}") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError, RuntimeError,
            NotImplementedError) as err:
        raise CheckpointError(f"{path}: damaged or not an nnlab {what} ({err}); {fix}") from None


class _Refused(Exception):
    """A member of an .npz that is not plain data of the size it declares."""


def _member(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    with z.open(info) as f:
        return _read_npy(f, info.file_size, f"array '{info.filename[:-4]}'")


NPY_MAGIC = b"\x93NUMPY"  # the first bytes of every .npy file


def npy_from_bytes(data: bytes, source: str) -> np.ndarray:
    """The array of ``.npy`` bytes (a file, standard input), checked as `load_npz` checks each
    member; any problem is an `NnlabError` naming ``source``."""
    try:
        return _read_npy(io.BytesIO(data), len(data), "the array")
    except _Refused as err:
        raise NnlabError(f"{source}: {err}") from None
    except (ValueError, EOFError) as err:
        raise NnlabError(f"{source}: not a readable .npy file ({err})") from None


def _read_npy(f: Any, size: int, name: str) -> np.ndarray:
    """One .npy stream of ``size`` bytes: header first, then exactly the bytes it declares."""
    fmt = np.lib.format
    version = fmt.read_magic(f)
    read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
    shape, fortran, dtype = read_header(f, max_header_size=10_000)
    if dtype.hasobject:
        raise _Refused(f"{name} holds Python objects (a pickle), which nnlab never loads")
    declared = math.prod(shape) * dtype.itemsize
    header = f.tell()
    if declared != size - header:
        raise _Refused(f"{name} declares shape {shape} ({memory.size_text(declared)}) but "
                       f"holds {memory.size_text(max(size - header, 0))}")
    memory.check(declared, f"reading {name}")
    data = bytearray(declared)
    if f.readinto(data) != declared:
        raise _Refused(f"{name} is cut short")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
