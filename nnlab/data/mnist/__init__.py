"""MNIST and Fashion-MNIST: find, download, verify, decode and cache the IDX files.

Both datasets share one code path and differ only in their mirrors, checksums and where a system
package may have installed them. The four files (``train-images-idx3-ubyte`` …) are accepted
gzip-compressed or raw, are verified by the SHA-256 of their *uncompressed* bytes (so a
re-compressed copy still verifies), and are decoded once into ``.npy`` files so later loads skip
the gunzip, hashing and parsing. Nothing here prints: downloads report through a ``progress``
callback and every user-fixable problem is a one-line :class:`~nnlab.errors.DataError`.

Modules: `files` (names, roles, checksums), `idx` (parsing and verification), `locate`
(where to look), `download` (mirrors), `cache` (decoded arrays); this module loads and reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ...errors import DataError
from ..base import Dataset
from .cache import cache_dirs, cache_files, cache_key, decode
from .download import MIRRORS, ProgressFn, fetch, mirrors, not_found_message
from .files import DATASETS, FILES, N_CLASSES, ROLES, SHA256, TITLES, _canon
from .idx import read_idx, read_verified
from .locate import SYSTEM_DIRS, PathLike, file_map, find_files, search_dirs, user_cache_dir

SPLITS = ("nielsen", "standard")
NIELSEN_VAL = 10_000  # Nielsen's mnist.pkl.gz: the last 10,000 training images validate


def info(
    name: str = "mnist", path: PathLike | None = None, *, verify: bool = True
) -> dict[str, Any]:
    """What ``nnlab data info`` shows: where the files were found, each file's state, the cache.

    Each entry of ``files`` has ``checksum`` "ok", "bad" (with ``problem``) or "not checked"
    (file absent, or ``verify=False``).
    """
    name = _canon(name)
    src = find_files(name, path)
    fmap = file_map(src) if src is not None else None
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
                read_verified(name, role, p)
                entry["checksum"] = "ok"
            except DataError as e:
                entry["checksum"], entry["problem"] = "bad", str(e)
        files.append(entry)
    cache: dict[str, Any] = {"present": False, "dir": None}
    if src is not None and fmap is not None:
        key = cache_key(name, fmap)
        for d in cache_dirs(name, src):
            if all(p.is_file() for p in cache_files(d, name, key).values()):
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
    _check_request(name, split, val_split, limit)
    src = find_files(name, path)
    if src is None:
        if not download:
            raise DataError(not_found_message(name, "not found and downloading is off", path))
        src = fetch(name, path, progress)
    arrays, _ = decode(name, src)

    (x_tr, y_tr), (x_va, y_va) = _split(arrays, split, val_split, src)
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

    sizes = {"train": len(x_tr), "val": 0 if x_va is None else len(x_va),
             "test": len(arrays["test_images"])}
    x_train, x_val = pixels(x_tr), None if x_va is None else pixels(x_va)
    del x_tr, x_va, arrays["train_images"]  # its uint8 pixels go before the test file's come
    return Dataset(
        name=name,
        task="classification",
        x_train=x_train,
        y_train=labels(y_tr),
        x_val=x_val,
        y_val=None if y_va is None else labels(y_va),
        x_test=pixels(arrays.pop("test_images")),
        y_test=labels(arrays["test_labels"]),
        n_classes=N_CLASSES,
        info={"source": str(src), "split": split, "sizes": sizes},
    )


def _check_request(name: str, split: str, val_split: float, limit: int | None) -> None:
    if split not in SPLITS:
        raise DataError(f"unknown {TITLES[name]} split {split!r}: use one of {', '.join(SPLITS)}")
    if not 0.0 <= float(val_split) < 1.0:
        raise DataError(f"val_split must be in [0, 1), got {val_split}")
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int | np.integer) or limit < 1
    ):
        raise DataError(f"limit must be a positive whole number of images, got {limit!r}")


Pair = tuple[np.ndarray | None, np.ndarray | None]


def _split(arrays: dict[str, np.ndarray], split: str, val_split: float,
           src: Path) -> tuple[Pair, Pair]:
    """(train, validation) images and labels of the training file, by the ``split`` rule."""
    x_tr, y_tr = arrays["train_images"], arrays["train_labels"]
    if split == "nielsen":
        if len(x_tr) <= NIELSEN_VAL:
            raise DataError(
                f"the nielsen split needs more than {NIELSEN_VAL} training images, {src} has "
                f"{len(x_tr)}: use split 'standard'"
            )
        return (x_tr[:-NIELSEN_VAL], y_tr[:-NIELSEN_VAL]), (x_tr[-NIELSEN_VAL:],
                                                          y_tr[-NIELSEN_VAL:])
    n_val = int(round(len(x_tr) * float(val_split)))
    if not n_val:
        return (x_tr, y_tr), (None, None)
    return (x_tr[:-n_val], y_tr[:-n_val]), (x_tr[-n_val:], y_tr[-n_val:])


__all__ = ["load", "fetch", "info", "read_idx", "find_files", "search_dirs", "user_cache_dir",
           "mirrors", "DATASETS", "TITLES", "FILES", "ROLES", "SHA256", "MIRRORS", "SYSTEM_DIRS",
           "SPLITS", "N_CLASSES"]
