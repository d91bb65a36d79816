"""``nnlab train``: progress on a terminal, plain lines when piped, the summary at the end."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import NnlabError
from ..runs.format import epoch_line, number
from .app import SetOpt, app, err, out, summary_table, user_errors

if TYPE_CHECKING:
    from rich.progress import Progress


def _live(rec: dict[str, Any]) -> str:
    """Compact live metrics for the progress bar: loss, val loss and (val) accuracy."""
    parts = [f"{short} {number(rec[key])}" for key, short in (
        ("loss", "loss"), ("val_loss", "val"), ("accuracy", "acc"), ("val_accuracy", "val acc"))
        if key in rec and rec[key] is not None]
    return "  ".join(parts)


@app.command()
def train(
    config: Annotated[Path | None, typer.Argument(
        help="Experiment YAML; omit for the built-in default (a sine fit).")] = None,
    set_: SetOpt = None,
    name: Annotated[str | None, typer.Option(help="Run name (default: config file stem).")] = None,
    runs_dir: Annotated[Path | None, typer.Option(help="Parent folder of run directories.")] = None,
    resume: Annotated[Path | None, typer.Option(
        help="Continue an interrupted run directory from its last checkpoint.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the summary.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object."
                                          )] = False,
) -> None:
    """Train a network. Example: nnlab train configs/sine.yaml --set optimizer.lr=0.05"""
    from ..runs.signals import PARENT_ENV, stop_with_parent
    from ..tools.outputs import train as run_train

    if os.environ.get(PARENT_ENV, "").isdigit():  # a sweep's trial: never outlive the sweep
        stop_with_parent(int(os.environ[PARENT_ENV]))

    live = not quiet and not as_json and out.is_terminal
    plain = not quiet and not as_json and not live
    with user_errors(), _progress(live) as bar:
        task: dict[str, Any] = {}

        def on_start(exp: Any, run_dir: Path) -> None:
            task["epochs"] = exp.config.train.epochs
            task["run"] = run_dir
            msg = f"{exp.network!r}  data={exp.dataset.name} ({len(exp.dataset.x_train)} train)"
            if plain:
                out.print(f"run {run_dir}\n{msg}")
            elif live:
                out.print(f"[bold]run[/] {run_dir}\n{msg}")
                task["id"] = bar.add_task("train", total=task["epochs"],
                                          completed=0, metrics="")

        def on_epoch(rec: dict[str, Any]) -> None:
            epochs = task["epochs"]
            if live:
                bar.update(task["id"], completed=rec["epoch"],
                           description=f"epoch {rec['epoch']}/{epochs}", metrics=_live(rec))
            elif plain and (rec["epoch"] % max(1, epochs // 10) == 0 or rec["epoch"] == epochs):
                out.print(epoch_line(rec, epochs))

        def on_step(epoch: int, step: int, steps: int) -> None:
            if live:
                bar.update(task["id"], completed=epoch - 1 + step / steps)

        try:
            result = run_train(config, overrides=set_ or [], name=name, runs_dir=runs_dir,
                               resume=resume, on_start=on_start, on_epoch=on_epoch,
                               on_step=on_step, progress=_download_progress(bar if live else None))
        except NnlabError as e:
            if live and "id" in task:
                bar.stop()
            if as_json and hasattr(e, "summary"):
                print(json.dumps(e.summary))  # scripts still get the failed run's summary
            raise
    summary = result.summary
    if as_json:
        print(json.dumps(summary))
    else:
        out.print(summary_table(summary))
    if summary["status"] == "interrupted":
        err.print(f"interrupted at epoch {result.state.epoch + 1}, step {result.state.step}; "
                  f"checkpoint saved. Continue with:\n  nnlab train --resume {result.run_dir}")
        raise typer.Exit(130)


@contextlib.contextmanager
def _progress(live: bool) -> Iterator[Progress | None]:
    if not live:
        yield None
        return
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(TextColumn("[bold blue]{task.description}"), BarColumn(bar_width=24),
                   TimeElapsedColumn(), TimeRemainingColumn(),
                   TextColumn("{task.fields[metrics]}"), console=out)
    with bar:
        yield bar


def _download_progress(bar: Progress | None):  # noqa: ANN202 - small closure factory
    tasks: dict[str, Any] = {}

    def progress(name: str, done: int, total: int | None) -> None:
        if bar is None:
            if name not in tasks:
                tasks[name] = True
                err.print(f"downloading {name} …")
            return
        if name not in tasks:
            tasks[name] = bar.add_task(f"download {name}", total=total, metrics="")
        bar.update(tasks[name], completed=done)

    return progress
