"""Finding the files: ``data.path``, ``$NNLAB_DATA_DIR``, the user cache, system folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .files import FILES, ROLES, _canon

PathLike = str | os.PathLike[str]

# Folder names accepted inside each searched base dir, and system-wide install locations (Debian's
# dataset-fashion-mnist package installs the four .gz files in /usr/share/datasets/fashion-mnist).
SUBDIRS = {"mnist": ("mnist",), "fashion_mnist": ("fashion_mnist", "fashion-mnist")}
SYSTEM_DIRS: dict[str, list[Path]] = {
    "mnist": [],
    "fashion_mnist": [Path("/usr/share/datasets/fashion-mnist")],
}


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


def file_map(d: Path) -> dict[str, Path] | None:
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
            if file_map(d) is not None:
                return d
    return None
