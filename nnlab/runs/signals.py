"""Ctrl-C and SIGTERM as a request to stop cleanly (the one signal guard runs and sweeps share)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_missed = threading.Event()  # a Ctrl-C whose KeyboardInterrupt Python swallowed


def missed_interrupt() -> None:
    """Record a Ctrl-C/SIGTERM whose KeyboardInterrupt was raised where Python ignores
    exceptions (a weakref callback inside the import system, a ``__del__``): the next
    `stop_requests` block starts as if it had been asked to stop, so the request is not lost."""
    _missed.set()


@contextlib.contextmanager
def on_signals(handler: Callable[[int], None], enabled: bool = True) -> Iterator[None]:
    """Ctrl-C and SIGTERM call ``handler(signum)`` instead of raising, inside the block.

    Only the main thread can set handlers; elsewhere (or with ``enabled=False``) nothing changes.
    """
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: Any) -> None:
        handler(signum)

    old = {s: signal.signal(s, handle) for s in SIGNALS}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@contextlib.contextmanager
def stop_requests(enabled: bool = True) -> Iterator[Callable[[], bool]]:
    """``should_stop()`` for a loop: True after the first Ctrl-C/SIGTERM; a second one aborts
    at once (KeyboardInterrupt)."""
    flag = threading.Event()
    if _missed.is_set():  # asked to stop before this block could hear it
        _missed.clear()
        flag.set()

    def handler(signum: int) -> None:
        if flag.is_set():
            raise KeyboardInterrupt
        flag.set()

    with on_signals(handler, enabled):
        yield flag.is_set


PARENT_ENV = "NNLAB_PARENT_PID"
"""Set by `nnlab sweep` for its trials: the pid whose death stops them (`stop_with_parent`)."""


def stop_with_parent(pid: int, interval: float = 1.0) -> None:
    """Stop this process cleanly (as SIGTERM does: checkpoint, then exit) once its parent
    ``pid`` is gone, so a trial never outlives a sweep killed with SIGKILL. (On Linux the sweep
    asks the kernel instead, with PR_SET_PDEATHSIG; this watch is for the other systems.)"""
    import os
    import time

    def watch() -> None:
        while os.getppid() == pid:
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="stop-with-parent", daemon=True).start()
