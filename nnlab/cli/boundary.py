"""The one error boundary of the command line: every failure becomes one line and an exit code.

=====================================================  ====  ===================================
what went wrong                                        exit  the line
=====================================================  ====  ===================================
`NnlabError` (bad config, data, run file, …)            2    its own message
a fault while training (disk full, out of memory, …)    1    what failed, the run marked failed
the loss became NaN/inf                                 1    where the last good checkpoint is
OSError, MemoryError, RecursionError, UnicodeError,     2    the file (when known) and the fix
malformed JSON/YAML/zip met anywhere else
a usage error (unknown option, missing argument, …)     2    click's message, and where --help is
Ctrl-C / SIGTERM                                      130    what was kept
anything else (a bug in nnlab)                          1    the exception, and how to report it
=====================================================  ====  ===================================

``--debug`` (before the command) or ``NNLAB_DEBUG=1`` re-raises instead, so Python prints the
traceback. Everything is printed literally (user text such as ``[/x]`` is never rich markup).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer

from .manners import Group as _Polished

try:  # typer ≥ 0.26 carries its own copy of click; its exceptions are the ones raised
    from typer import _click as click
except ImportError:  # pragma: no cover - older typer uses click itself
    import click  # type: ignore[no-redef]

from ..errors import NnlabError, fault_line

MAX_LINE = 1000  # characters of one error line; a 100 kB --set value is cut, not echoed whole
_debug = [False]



def set_debug(on: bool) -> None:
    _debug[0] = on


def debugging() -> bool:
    """True with ``--debug`` or ``NNLAB_DEBUG`` set to anything but 0/empty."""
    return _debug[0] or os.environ.get("NNLAB_DEBUG", "") not in ("", "0")


def explain(e: BaseException) -> tuple[str, int]:
    """The one line and the exit code for an exception that reached the boundary."""
    if isinstance(e, NnlabError):
        return str(e), e.exit_code
    if isinstance(e, KeyboardInterrupt):
        return "interrupted", 130
    if isinstance(e, MemoryError):
        return fault_line(e), 2
    if isinstance(e, RecursionError):
        return ("the input is nested too deeply to read (RecursionError); flatten it"), 2
    if isinstance(e, UnicodeDecodeError):
        return (f"a file is not UTF-8 text ({e.reason} at byte {e.start}); save it as UTF-8"), 2
    if isinstance(e, UnicodeEncodeError):
        return ("cannot print text that is not valid UTF-8; use a UTF-8 locale such as "
                "LANG=C.UTF-8"), 2
    if isinstance(e, OSError):
        return fault_line(e), 2
    line = _format_error(e)
    if line is not None:
        return line, 2
    return (f"internal error: {type(e).__name__}: {e}; please report it with the traceback "
            "that `nnlab --debug …` prints"), 1


def _format_error(e: BaseException) -> str | None:
    """Malformed JSON, YAML or zip data met outside the readers that name their file."""
    import json
    import zipfile

    if isinstance(e, json.JSONDecodeError):
        return f"malformed JSON ({e.msg} at line {e.lineno} column {e.colno}); fix or delete it"
    if isinstance(e, zipfile.BadZipFile):
        return f"a damaged .npz file ({e}); use the other checkpoint or retrain"
    yaml = sys.modules.get("yaml")
    if yaml is not None and isinstance(e, yaml.YAMLError):
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        return f"invalid YAML: {problem}"
    return None


def _printable(text: str) -> str:
    """One line the terminal can show: newlines folded, unencodable characters escaped."""
    text = " ".join(text.splitlines())
    if len(text) > MAX_LINE:
        text = f"{text[:MAX_LINE]}… ({len(text) - MAX_LINE} more characters)"
    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    return text.encode(encoding, "backslashreplace").decode(encoding, "replace")


def print_error(line: str, prefix: str = "error:") -> None:
    """``error: <line>`` on stderr, the line printed literally (never as rich markup)."""
    from rich.console import Console
    from rich.text import Text

    message = Text(f"{prefix} ", style="bold red") if prefix else Text()
    message.append(_printable(line))
    try:
        Console(stderr=True, highlight=False).print(message, soft_wrap=True)
    except (OSError, ValueError):  # stderr closed or broken: nothing left to tell
        pass


_CLICK_TYPES = (("is not a valid int range", "is not a whole number"),
                ("is not a valid float range", "is not a number"),
                ("is not a valid int", "is not a whole number"),
                ("is not a valid float", "is not a number"))
"""click's type names in its messages, in plain words."""


def usage_line(e: click.ClickException) -> str:
    """click's message in nnlab's style, with where to find the help."""
    message = e.format_message().strip().rstrip(".")
    for tag, words in _CLICK_TYPES:
        message = message.replace(tag, words)
    message = message[:1].lower() + message[1:] if message[1:2].islower() else message
    ctx = getattr(e, "ctx", None)
    path = ctx.command_path if ctx is not None else "nnlab"
    return f"{message}; see `{path} --help`"


class Group(_Polished):
    """The root command (placeholders and completion as every group, `manners.Group`): click's
    usage errors and anything that escaped a command become one line (`explain`) instead of a
    usage box or a traceback."""

    def main(self, args: Any = None, prog_name: str | None = None,  # type: ignore[override]
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as e:
            e.show()
            code = e.exit_code
        except click.ClickException as e:
            print_error(usage_line(e))
            code = e.exit_code
        except typer.Abort:
            print_error("interrupted", prefix="")
            code = 130
        except Exception as e:  # the last line of defence: one line, never a traceback
            if debugging():
                raise
            line, code = explain(e)
            print_error(line)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)
