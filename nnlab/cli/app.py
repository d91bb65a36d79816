"""Shared pieces of the command line: the typer app, consoles, options, error handling."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..runs.format import number, status_text
from ..version import __version__
from .boundary import Group, debugging, explain, print_error, set_debug
from .manners import CONTEXT

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

app = typer.Typer(
    help="Train and study NumPy neural networks described by YAML experiment files.",
    no_args_is_help=True, pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: rich's help costs more than importing NumPy
    cls=Group, context_settings=CONTEXT,  # -h, placeholders, completion (cli/manners.py),
)                                         # the error boundary (cli/boundary.py)


def group(name: str, help: str) -> typer.Typer:
    """A group of subcommands (``nnlab runs …``), plain help like the app's."""
    sub = typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None, cls=Group,
                      context_settings=CONTEXT)
    app.add_typer(sub, name=name)
    return sub


config_app = group("config", "Inspect experiment configs.")
data_app = group("data", "Download, verify and locate datasets (MNIST, Fashion-MNIST).")



class _LazyConsole:
    """A rich `Console` made on first use, so ``nnlab --help`` never imports rich's console."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def real(self) -> Console:
        """The console itself (rich's Live and Progress need the object, not a stand-in)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, highlight=False)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


out: Console = _LazyConsole(stderr=False)  # type: ignore[assignment]
err: Console = _LazyConsole(stderr=True)  # type: ignore[assignment]

SetOpt = Annotated[list[str] | None, typer.Option(
    "--set", "-s", help="Override a config field: KEY.PATH=VALUE (VALUE parsed as YAML). "
    "Repeatable, e.g. --set optimizer.lr=0.05 --set model.hidden=[64,64].")]


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """The error boundary of every command: any failure is printed as one literal line and
    exits with its code (`nnlab.cli.boundary.explain`); ``--debug`` shows the traceback."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except (Exception, KeyboardInterrupt) as e:
        if debugging():
            raise
        line, code = explain(e)
        print_error(line, prefix="" if code == 130 else "error:")
        raise typer.Exit(code) from None


def version_callback(value: bool) -> None:
    if value:
        out.print(f"nnlab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=version_callback,
                                                is_eager=True, help="Show the version.")] = False,
          debug: Annotated[bool, typer.Option(
              "--debug", help="Show the Python traceback of an error (also NNLAB_DEBUG=1).")
          ] = False) -> None:
    """nnlab: YAML-described NumPy networks trained from the command line into run directories."""
    set_debug(debug)


def simple_table(*columns: str) -> Table:
    """A table with a rule under the header and no frame (the house style of nnlab's tables)."""
    from rich import box
    from rich.table import Table

    return Table(*columns, box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)


def show(renderable: Any, console: Console | None = None) -> None:
    """Print at the terminal's width, or unfolded (no wrapping) when output is not a terminal."""
    from rich.console import Console

    console = console or out
    if console.is_terminal:
        console.print(renderable)
        return
    wide = Console(width=2000, highlight=False, no_color=True)
    with wide.capture() as text:
        wide.print(renderable)
    console.file.write("".join(line.rstrip() + "\n" for line in text.get().splitlines()))


def summary_table(summary: dict[str, Any]) -> Table:
    from rich.table import Table
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("run", summary["run_dir"])
    table.add_row("network", summary["network"])
    table.add_row("status", status_text(summary))
    table.add_row("epochs", f"{summary['epochs_run']}/{summary['epochs']}")
    best = " ".join(f"{k}={number(v)}" for k, v in summary["best"].items() if k != "epoch")
    final = " ".join(f"{k}={number(v)}" for k, v in summary["final"].items() if k != "epoch")
    table.add_row(f"best (epoch {summary['best_epoch']})", best)
    table.add_row("final", final)
    table.add_row("wall time", f"{summary['wall_time']:.2f} s")
    return table
