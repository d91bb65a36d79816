"""Shared pieces of the command line: the typer app, consoles, options, error handling."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from .. import __version__
from ..errors import NnlabError
from ..runs import number

app = typer.Typer(
    help="Train and study NumPy neural networks described by YAML experiment files.",
    no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
)
config_app = typer.Typer(help="Inspect experiment configs.", no_args_is_help=True)
app.add_typer(config_app, name="config")
data_app = typer.Typer(help="Download, verify and locate datasets (MNIST, Fashion-MNIST).",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

SetOpt = Annotated[list[str] | None, typer.Option(
    "--set", "-s", help="Override a config field: KEY.PATH=VALUE (VALUE parsed as YAML). "
    "Repeatable, e.g. --set optimizer.lr=0.05 --set model.hidden=[64,64].")]


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Print an `NnlabError` as one line and exit with its code (2, or 1 for divergence)."""
    try:
        yield
    except NnlabError as e:
        err.print(f"[bold red]error:[/] {e}", soft_wrap=True)
        raise typer.Exit(e.exit_code) from None


def version_callback(value: bool) -> None:
    if value:
        out.print(f"nnlab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=version_callback,
                                                is_eager=True, help="Show the version.")] = False
          ) -> None:
    """nnlab: YAML-described NumPy networks trained from the command line into run directories."""






def show(renderable: Any, console: Console | None = None) -> None:
    """Print at the terminal's width, or unfolded (no wrapping) when output is not a terminal."""
    console = console or out
    if not console.is_terminal:
        console = Console(file=console.file, width=2000, highlight=False)
    console.print(renderable)


def summary_table(summary: dict[str, Any]) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("run", summary["run_dir"])
    table.add_row("network", summary["network"])
    table.add_row("status", f"{summary['status']} ({summary['stop_reason']})")
    table.add_row("epochs", f"{summary['epochs_run']}/{summary['epochs']}")
    best = " ".join(f"{k}={number(v)}" for k, v in summary["best"].items() if k != "epoch")
    final = " ".join(f"{k}={number(v)}" for k, v in summary["final"].items() if k != "epoch")
    table.add_row(f"best (epoch {summary['best_epoch']})", best)
    table.add_row("final", final)
    table.add_row("wall time", f"{summary['wall_time']:.2f} s")
    return table
