"""The ``nnlab`` command line: argument handling and presentation only; the work is in the API.

One module per group of commands, named after it; importing them registers their commands on
`app`. Nothing heavy (NumPy, pydantic, YAML, matplotlib) is imported before a command runs, so
``nnlab --help`` stays fast.

Signals: while the command line is loading, Ctrl-C or SIGTERM ends it at once with exit code
130 (there is nothing to save yet); afterwards both raise KeyboardInterrupt, which `nnlab
train` turns into a checkpoint and every command into the one line ``interrupted`` and 130.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from typing import Any

COMMANDS = ("train", "config", "eval", "gradcheck", "check", "plot", "report", "runs", "sweep",
            "lessons", "data", "export")
"""The command modules, in the order --help lists their commands."""


def commands() -> Any:
    """The typer app with every command registered (importing the modules registers them)."""
    from .app import app

    for module in COMMANDS:
        importlib.import_module(f"{__name__}.{module}")
    globals()["app"] = app  # the Typer app, not the submodule of the same name
    return app


def _stop_while_loading(signum: int, frame: Any) -> None:
    sys.stderr.write("interrupted\n")
    raise SystemExit(130)


def _as_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _unraisable(info: Any) -> None:
    """A Ctrl-C that landed where Python swallows exceptions is recorded, not printed as a
    traceback (`nnlab.runs.signals.missed_interrupt`); anything else as Python reports it."""
    if isinstance(info.exc_value, (KeyboardInterrupt, SystemExit)):  # our handlers' raise
        from ..runs.signals import missed_interrupt

        missed_interrupt()
        return
    sys.__unraisablehook__(info)


def main() -> None:
    """The ``nnlab`` command (and ``python -m nnlab.cli``)."""
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, _stop_while_loading)
    sys.unraisablehook = _unraisable
    try:
        from ..runs import signals  # noqa: F401  (light; loaded before a handler needs it)

        app = commands()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _as_interrupt)  # SIGTERM is a Ctrl-C: checkpoint, exit 130
        app(prog_name="nnlab")
        code = 0
    except SystemExit as e:
        code = _exit_code(e.code)
    except KeyboardInterrupt:  # e.g. while typer builds the command, before nnlab's boundary
        sys.stderr.write("interrupted\n")
        code = 130
    for s in (signal.SIGINT, signal.SIGTERM):  # the exit code is chosen: a late signal must
        signal.signal(s, signal.SIG_IGN)       # not change it
    _exit(code)


def _exit_code(code: Any) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1


def _exit(code: int) -> None:
    """End the process with ``code`` itself. CPython's own exit can still turn it into a death
    by SIGINT: a Ctrl-C that arrived while ``eval`` ran (typer evaluates the commands' string
    annotations) marks the interpreter as interrupted even after nnlab handled it. Everything
    nnlab writes is closed by now; only the standard streams need flushing."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (nnlab … | head): nothing more to say
            pass
    os._exit(code)


def __getattr__(name: str) -> Any:
    if name == "app":
        return commands()
    raise AttributeError(f"module 'nnlab.cli' has no attribute {name!r}")


__all__ = ["app", "commands", "main"]
