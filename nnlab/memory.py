"""How much memory the machine has free, and refusing work that would need more.

A run that needs 100 GiB does not get to allocate it and swap the machine to a halt: its
needs are estimated first (`nnlab.runs.budget`) and compared with `available()`; the same
check guards arrays read from files whose header declares their size (`nnlab.files.load_npz`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .errors import NnlabError

_CGROUP = Path("/sys/fs/cgroup")


class OutOfMemory(NnlabError):
    """A request for more memory than the machine has free (raised before allocating)."""


def size_text(n: float) -> str:
    """Bytes for people: ``512 B``, ``3.2 MiB``, ``116.4 TiB``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def available() -> int | None:
    """Bytes this process may still allocate without swapping: the kernel's MemAvailable,
    lowered by a cgroup (container) limit when there is one; None when it cannot be told."""
    free = _meminfo_available()
    limit = _cgroup_room()
    known = [v for v in (free, limit) if v is not None]
    return min(known) if known else None


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:  # other POSIX systems: free physical pages
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _cgroup_room() -> int | None:
    """cgroup v2 ``memory.max − memory.current`` of this process's group, if limited."""
    try:
        rel = Path("/proc/self/cgroup").read_text(encoding="ascii").split("::", 1)[1].strip()
        group = _CGROUP / rel.lstrip("/")
        limit = (group / "memory.max").read_text(encoding="ascii").strip()
        if limit == "max":
            return None
        return int(limit) - int((group / "memory.current").read_text(encoding="ascii"))
    except (OSError, ValueError, IndexError):
        return None


def check(needed: int, what: str, parts: Mapping[str, int] | None = None,
          fix: str = "") -> None:
    """Raise `OutOfMemory` when ``needed`` bytes exceed what is `available`, naming how much
    was asked, the largest ``parts`` and the ``fix``."""
    free = available()
    if free is None or needed <= free:
        return
    biggest = sorted((parts or {}).items(), key=lambda kv: -kv[1])[:3]
    detail = (" (" + ", ".join(f"{name} {size_text(n)}" for name, n in biggest if n) + ")"
              if biggest else "")
    raise OutOfMemory(f"{what} needs about {size_text(needed)} of memory{detail}, but only "
                      f"{size_text(free)} is free" + (f"; {fix}" if fix else ""))
