"""``nnlab train``, ``nnlab config`` and ``nnlab data``."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from ..config import defaults_yaml, load_config, resolve
from ..errors import NnlabError
from ..runs import epoch_line, number
from .common import SetOpt, app, config_app, data_app, err, out, summary_table, user_errors

# --------------------------------------------------------------------------- train




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
    from ..experiment import train as run_train

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


# --------------------------------------------------------------------------- config

@config_app.command("show")
def config_show(
    config: Annotated[Path | None, typer.Argument(help="Experiment YAML (omit: defaults).")] = None,
    set_: SetOpt = None,
    raw: Annotated[bool, typer.Option("--raw", help="Do not resolve 'auto' values.")] = False,
) -> None:
    """Print the fully resolved config as YAML.

    Example: nnlab config show configs/sine.yaml --set train.epochs=5
    """
    with user_errors():
        cfg = load_config(config, set_ or [])
        text = cfg.to_yaml() if raw else resolve(cfg).to_yaml()
    sys.stdout.write(text)


@config_app.command("defaults")
def config_defaults() -> None:
    """Print the built-in default experiment as YAML (a starting point for a new config).

    Example: nnlab config defaults > my.yaml
    """
    sys.stdout.write(defaults_yaml())


# --------------------------------------------------------------------------- data

DatasetArg = Annotated[str, typer.Argument(help="mnist or fashion_mnist.")]
PathOpt = Annotated[Path | None, typer.Option("--path", help="Folder to look in first.")]


@data_app.command("fetch")
def data_fetch(name: DatasetArg = "mnist", path: PathOpt = None) -> None:
    """Download (if needed) and verify a dataset ahead of time. Example: nnlab data fetch mnist"""
    from ..data import mnist

    with user_errors(), _progress(out.is_terminal) as bar:
        where = mnist.fetch(name, path, progress=_download_progress(bar))
    out.print(f"{name}: verified in {where}")


@data_app.command("info")
def data_info(
    name: DatasetArg = "mnist", path: PathOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as one JSON object.")] = False,
) -> None:
    """Where a dataset is, its files, sizes and checksums. Example: nnlab data info mnist"""
    from ..data import mnist

    with user_errors():
        info = mnist.info(name, path)
    if as_json:
        print(json.dumps(info))
        return
    out.print(f"[bold]{info['title']}[/]: " + (f"found in {info['source']}" if info["found"]
                                                else "not found"))
    table = Table("file", "size", "checksum", "problem")
    for f in info["files"]:
        style = {"ok": "green", "bad": "red"}.get(f["checksum"], "yellow")
        table.add_row(f["file"], "-" if f["size"] is None else f"{f['size']:,}",
                      f"[{style}]{f['checksum']}[/]", f["problem"] or "")
    out.print(table)
    cache = info["cache"]
    out.print(f"decoded cache: {cache['dir'] if cache['present'] else 'not yet written'}")
    if not info["found"]:
        out.print("searched: " + ", ".join(info["searched"]))
        out.print(f"`nnlab data fetch {name}` downloads into {info['download_dir']}")
    if any(f["checksum"] == "bad" for f in info["files"]):
        raise typer.Exit(2)
