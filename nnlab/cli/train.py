"""``nnlab train``: progress on a terminal, plain lines when piped, the summary at the end."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import NnlabError
from .app import SetOpt, app, err, out, show, summary_table, user_errors
from .progress import Display

if TYPE_CHECKING:
    from rich.table import Table


@app.command()
def train(
    config: Annotated[Path | None, typer.Argument(
        help="Experiment YAML; omit for the built-in default (a sine fit).")] = None,
    set_: SetOpt = None,
    name: Annotated[str | None, typer.Option(help="Run name (default: config file stem).")] = None,
    runs_dir: Annotated[Path | None, typer.Option(help="Parent folder of run directories.")] = None,
    resume: Annotated[Path | None, typer.Option(
        help="Continue a run directory from its last checkpoint: an interrupted run goes on; "
        "with --set train.epochs=N a finished or early-stopped one trains on to N epochs.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the summary.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object."
                                          )] = False,
) -> None:
    """Train a network. Example: nnlab train configs/sine.yaml --set optimizer.lr=0.05

    Train a finished run further: nnlab train --resume runs/sine-… --set train.epochs=600
    """
    from ..runs.signals import PARENT_ENV, stop_with_parent
    from ..tools.outputs import train as run_train

    if os.environ.get(PARENT_ENV, "").isdigit():  # a sweep's trial: never outlive the sweep
        stop_with_parent(int(os.environ[PARENT_ENV]))

    mode = "quiet" if quiet or as_json else ("live" if out.is_terminal else "plain")
    with user_errors(), Display(mode, out) as display:
        def on_start(exp: Any, run_dir: Path) -> None:
            display.start(exp, run_dir, first_epoch=resume_epoch(exp, run_dir))

        try:
            result = run_train(config, overrides=set_ or [], name=name, runs_dir=runs_dir,
                               resume=resume, on_start=on_start, on_epoch=display.epoch,
                               on_step=display.step, progress=display.download)
        except NnlabError as e:
            display.finish()
            if as_json and hasattr(e, "summary"):
                print(json.dumps(e.summary))  # scripts still get the failed run's summary
            raise
        display.finish()
    summary = result.summary
    if as_json:
        print(json.dumps(summary))
    else:
        table = summary_table(summary)
        if summary["status"] != "interrupted":
            next_steps(table, Path(result.run_dir))
        show(table)
    if summary["status"] == "interrupted":
        err.print(f"interrupted at epoch {result.state.epoch + 1}, step {result.state.step}; "
                  f"checkpoint saved. Continue with:\n  nnlab train --resume {result.run_dir}")
        raise typer.Exit(130)


def resume_epoch(exp: Any, run_dir: Path) -> int:
    """The epoch a run starts from: 0, or the epochs a resumed run already has."""
    from ..runs.rundir import RunDir

    state = RunDir(run_dir).train_state("last") or {}
    return int(state.get("epoch") or 0)


def next_steps(table: Table, run: Path) -> None:
    """Rows for where the run's pictures and report are, and the commands to look at it next."""
    from ..runs.rundir import RunDir

    rd = RunDir(run)
    pictures = sorted(p.name for p in rd.plots_dir.glob("*.png")) if rd.plots_dir.is_dir() else []
    if pictures:
        table.add_row("pictures", f"{rd.plots_dir}/  ({', '.join(pictures)})")
    report = rd.report_path
    if report.is_file():
        table.add_row("report", str(report))
    commands = [f"nnlab eval {run}", *([f"nnlab report {run}"] if report.is_file() else []),
                f"nnlab runs show {run}"]
    table.add_row("next", "\n".join(commands))
