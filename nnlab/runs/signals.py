"""Ctrl-C and SIGTERM as a request to stop cleanly (the one signal guard runs and sweeps share)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


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

    def handler(signum: int) -> None:
        if flag.is_set():
            raise KeyboardInterrupt
        flag.set()

    with on_signals(handler, enabled):
        yield flag.is_set
