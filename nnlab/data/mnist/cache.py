"""The decoded cache: the four uint8 arrays as ``.npy`` files, so later loads skip gunzip,
hashing and parsing. Written next to the sources when that folder is writable (never into a
system or read-only data folder), else into the user cache."""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import numpy as np

from ...errors import DataError
from ...files import atomic_write
from .files import FILES, N_CLASSES, ROLES, SHA256, TITLES, _fix
from .idx import read_verified
from .locate import SYSTEM_DIRS, file_map, user_cache_dir

_CACHE_FORMAT = 1


def cache_key(name: str, files: dict[str, Path]) -> str:
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


def cache_dirs(name: str, src: Path) -> list[Path]:
    """Where decoded arrays may live: next to the sources, then the user cache."""
    dirs = [src / "decoded", user_cache_dir() / name / "decoded"]
    return dirs if dirs[0].resolve() != dirs[1].resolve() else dirs[:1]


def cache_files(d: Path, name: str, key: str) -> dict[str, Path]:
    return {role: d / f"{name}-{key}-{role}.npy" for role in ROLES}


SYSTEM_PREFIXES = tuple(Path(p) for p in ("/usr", "/opt", "/var", "/srv", "/etc", "/lib",
                                           "/snap", "/nix", "/System", "/Library"))
"""Where system packages keep data: never written to, even as root (who could)."""


def _may_write(d: Path) -> bool:
    """Whether nnlab may add files to ``d``: a folder of the user's own (owned by them, with a
    write bit) outside the system prefixes. A shared or read-only data folder, or one a system
    package installed, is left alone even when running as root, who could write it anyway."""
    try:
        real = d.resolve()
        if any(real == p or p in real.parents for p in SYSTEM_PREFIXES):
            return False
        st = real.stat()
        mine = not hasattr(os, "getuid") or st.st_uid == os.getuid()
        return mine and bool(st.st_mode & 0o222) and os.access(real, os.W_OK | os.X_OK)
    except OSError:
        return False


def _read_cache(name: str, src: Path, key: str) -> tuple[dict[str, np.ndarray], Path] | None:
    for d in cache_dirs(name, src):
        paths = cache_files(d, name, key)
        if not all(p.is_file() for p in paths.values()):
            continue
        try:
            # memory-mapped: `load` converts one file after the other, so at most one file of
            # uint8 pixels is resident next to the float32 images
            arrays = {role: np.load(p, mmap_mode="r", allow_pickle=False)
                      for role, p in paths.items()}
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
    dirs = cache_dirs(name, src)
    real = src.resolve()
    system = any(d == real or d in real.parents for d in SYSTEM_DIRS.get(name, []))
    if system or not _may_write(src):  # never add files to /usr/share or a read-only folder
        dirs = dirs[1:]
    for d in dirs:
        try:
            d.mkdir(parents=True, exist_ok=True)
            for role, p in cache_files(d, name, key).items():
                buf = io.BytesIO()
                np.save(buf, arrays[role], allow_pickle=False)
                atomic_write(p, buf.getvalue())
        except OSError:
            continue
        for stale in d.glob(f"{name}-*-*.npy"):  # arrays decoded from earlier sources
            if not stale.name.startswith(f"{name}-{key}-"):
                stale.unlink(missing_ok=True)
        return d
    return None


def decode(name: str, src: Path) -> tuple[dict[str, np.ndarray], Path | None]:
    """The four uint8 arrays from ``src``: from the .npy cache, else verified, parsed and cached."""
    files = file_map(src)
    if files is None:
        raise DataError(f"{src}: the {TITLES[name]} files disappeared while loading")
    key = cache_key(name, files)
    cached = _read_cache(name, src, key)
    if cached is not None:
        return cached
    arrays = {role: read_verified(name, role, files[role]) for role in ROLES}
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
