"""Operating-system locks, released by the kernel when their holder dies (even by SIGKILL).

    with locked(runs_dir):                # wait: find or create a sweep folder, one at a time
        ...
    with locked(folder / "sweep.lock", wait=False) as mine:   # the sweep's life
        if not mine: ...                  # another process holds it

``flock`` on POSIX (a directory can be locked without creating a file in it), ``msvcrt`` on
Windows (a file beside it).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def locked(path: Path, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on ``path`` (a directory, or a file created if missing); yields
    False instead of waiting when ``wait`` is False and another process holds it."""
    if os.name == "posix":
        import fcntl

        flags = os.O_RDONLY if path.is_dir() else os.O_RDWR | os.O_CREAT
        fd = os.open(path, flags, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # closing releases the lock
        return
    yield from _windows(path, wait)  # pragma: no cover - exercised on Windows only


def _windows(path: Path, wait: bool) -> Iterator[bool]:  # pragma: no cover
    import msvcrt

    target = path / ".nnlab.lock" if path.is_dir() else path
    with open(target, "a+b") as f:
        while True:
            try:
                msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
                break
            except OSError:
                if not wait:
                    yield False
                    return
                time.sleep(0.1)
        try:
            yield True
        finally:
            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)
