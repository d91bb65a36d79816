"""Files written whole or not at all, JSON without NaN, and `.npz` arrays without pickles.

Every file nnlab writes goes through `atomic_write`: the bytes go to a temp file beside the
target, which is renamed over it, so a reader (or a crash) sees the old file or the new one,
never half of one.
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

from .errors import CheckpointError

_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to a temp file beside ``path`` and rename it over ``path``.

    os.replace is atomic on POSIX and Windows.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file normal permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def load_npz(path: str | Path) -> dict[str, np.ndarray]:
    """All arrays of an ``.npz`` (``allow_pickle=False``); damage raises CheckpointError."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError) as err:
        raise CheckpointError(f"{path}: damaged or not an nnlab checkpoint ({err}); "
                              "use the other checkpoint (best/last) or retrain") from None
