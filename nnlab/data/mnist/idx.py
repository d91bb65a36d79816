"""IDX parsing: gunzip when gzipped, validate the header and length, verify the SHA-256."""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from pathlib import Path

import numpy as np

from ...errors import DataError
from .files import FILES, SHA256, TITLES, _fix, _oneline

PathLike = str | os.PathLike[str]
_GZIP_MAGIC = b"\x1f\x8b"
_IDX_UBYTE = 0x08
_KINDS = {3: "images", 1: "labels"}


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


def read_verified(name: str, role: str, path: Path) -> np.ndarray:
    """Read, checksum-verify and parse one of the four files."""
    data = _load_bytes(path, name)
    problem = _checksum_problem(name, role, path, data)
    if problem:
        raise DataError(problem)
    return _parse_idx(data, path, 3 if role.endswith("images") else 1, name)
