"""The ``nnlab`` command line: argument handling and presentation only; the work is in the API."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from . import __version__
from .config import defaults_yaml, load_config, resolve
from .errors import NnlabError

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


# --------------------------------------------------------------------------- train

def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"
    return str(value)


def _epoch_line(rec: dict[str, Any], epochs: int) -> str:
    keys = [k for k in ("loss", "accuracy", "val_loss", "val_accuracy") if k in rec]
    parts = " ".join(f"{k}={_fmt(rec[k])}" for k in keys)
    lr = f" lr={_fmt(rec['lr'])}" if rec.get("lr") is not None else ""
    return f"epoch {rec['epoch']:>{len(str(epochs))}}/{epochs} {parts}{lr}"


def _live(rec: dict[str, Any]) -> str:
    """Compact live metrics for the progress bar: loss, val loss and (val) accuracy."""
    parts = [f"{short} {_fmt(rec[key])}" for key, short in (
        ("loss", "loss"), ("val_loss", "val"), ("accuracy", "acc"), ("val_accuracy", "val acc"))
        if key in rec and rec[key] is not None]
    return "  ".join(parts)


def summary_table(summary: dict[str, Any]) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("run", summary["run_dir"])
    table.add_row("network", summary["network"])
    table.add_row("status", f"{summary['status']} ({summary['stop_reason']})")
    table.add_row("epochs", f"{summary['epochs_run']}/{summary['epochs']}")
    best = " ".join(f"{k}={_fmt(v)}" for k, v in summary["best"].items() if k != "epoch")
    final = " ".join(f"{k}={_fmt(v)}" for k, v in summary["final"].items() if k != "epoch")
    table.add_row(f"best (epoch {summary['best_epoch']})", best)
    table.add_row("final", final)
    table.add_row("wall time", f"{summary['wall_time']:.2f} s")
    return table


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
    from .experiment import train as run_train

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
                out.print(_epoch_line(rec, epochs))

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
    """Print the built-in default experiment as YAML (a starting point for a new config)."""
    sys.stdout.write(defaults_yaml())


# --------------------------------------------------------------------------- data

DatasetArg = Annotated[str, typer.Argument(help="mnist or fashion_mnist.")]
PathOpt = Annotated[Path | None, typer.Option("--path", help="Folder to look in first.")]


@data_app.command("fetch")
def data_fetch(name: DatasetArg = "mnist", path: PathOpt = None) -> None:
    """Download (if needed) and verify a dataset ahead of time. Example: nnlab data fetch mnist"""
    from .data import mnist

    with user_errors(), _progress(out.is_terminal) as bar:
        where = mnist.fetch(name, path, progress=_download_progress(bar))
    out.print(f"{name}: verified in {where}")


@data_app.command("info")
def data_info(
    name: DatasetArg = "mnist", path: PathOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as one JSON object.")] = False,
) -> None:
    """Where a dataset is, its files, sizes and checksums. Example: nnlab data info mnist"""
    from .data import mnist

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


# --------------------------------------------------------------------------- runs, sweep
# (runs list/compare/show and sweep commands go here)

runs_app = typer.Typer(help="List, compare and inspect run directories.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")]
SortOpt = Annotated[str | None, typer.Option(
    "--sort", help="Sort by a best metric (loss, val_loss, accuracy, val_accuracy; accuracies "
    "descending), final.<metric>, time, epochs or any column.")]
ReverseOpt = Annotated[bool, typer.Option("--reverse", help="Reverse the order.")]


def _wide(renderable: Any, console: Console | None = None) -> None:
    """Print a table at the terminal's width, or unfolded when the output is not a terminal."""
    console = console or out
    if not console.is_terminal:
        console = Console(file=console.file, width=2000, highlight=False)
    console.print(renderable)


def _rows_table(columns: list[str], rows: list[dict[str, Any]]) -> Table:
    """Rows as a compact table: ``best.val_loss`` headed ``best`` over ``val_loss``, and the
    stop reason folded into the status when there is one."""
    from rich import box
    from rich.text import Text

    from .compare import format_cell

    styles = {"completed": "green", "failed": "red", "error": "red", "interrupted": "yellow",
              "running": "cyan"}
    if "status" in columns and "stop_reason" in columns:
        columns = [c for c in columns if c != "stop_reason"]
        rows = [{**r, "status": r["status"] if r.get("stop_reason") in (None, r["status"])
                 else f"{r['status']} ({r['stop_reason']})"} for r in rows]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for c in columns:
        numeric = all(isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool)
                      for r in rows if r.get(c) is not None)
        head = "\n".join(c.rsplit(".", 1)) if "." in c else c
        table.add_column(head, justify="right" if numeric else "left", overflow="fold")
    for r in rows:
        table.add_row(*(Text(format_cell(c, r.get(c)),
                             style=styles.get(str(r[c]).split()[0], "") if c == "status" else "")
                        for c in columns))
    return table


def _emit(columns: list[str], rows: list[dict[str, Any]], fmt: str) -> None:
    """Rows as a table on screen (without the ``path`` column), CSV or JSON on stdout."""
    from .compare import to_csv, to_json

    if fmt == "csv":
        sys.stdout.write(to_csv(columns, rows))
    elif fmt == "json":
        print(to_json(columns, rows))
    else:
        _wide(_rows_table([c for c in columns if c != "path"], rows))


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "csv", "json"):
        raise NnlabError(f"--format {fmt}: choose table, csv or json")


def _note_skipped(skipped: list[Path]) -> None:
    if not skipped:
        return
    kind = "director" if all(p.is_dir() for p in skipped) else "path"
    what = (f"1 {kind}{'y' if kind == 'director' else ''} that is not an nnlab run"
            if len(skipped) == 1 else
            f"{len(skipped)} {kind}{'ies' if kind == 'director' else 's'} that are not nnlab runs")
    names = ", ".join(map(str, skipped[:5])) + (f", … ({len(skipped) - 5} more)"
                                                if len(skipped) > 5 else "")
    err.print(f"note: skipped {what}: {names}", soft_wrap=True, markup=False)


@runs_app.command("list")
def runs_list(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Run directories or folders of runs (default: runs/).")] = None,
    fmt: FormatOpt = "table", sort: SortOpt = None, reverse: ReverseOpt = False,
) -> None:
    """One line per run: name, date (UTC), data, model, status, epochs, best monitored metric.

    Example: nnlab runs list runs/
    """
    from .compare import collect, list_rows, sort_column, sort_rows

    default = Path("runs")
    with user_errors():
        _check_format(fmt)
    if not paths and not (default.is_dir() and any(default.iterdir())):
        err.print("no runs in runs/ yet; `nnlab train` makes one")
        if fmt != "table":
            _emit(["run"], [], fmt)
        return
    with user_errors():
        runs, skipped = collect(paths or [default])
        rows = list_rows(runs)
        if sort and rows:
            column, descending = sort_column(sort, list(rows[0]))
            rows = sort_rows(rows, column, descending != reverse)
        elif reverse:
            rows.reverse()
    _note_skipped(skipped)
    if fmt != "table":
        _emit(list(rows[0]) if rows else ["run"], rows, fmt)
        return
    if not rows:
        err.print("no runs found")
        return
    shown = [{**r, "epochs": f"{r['epochs'] if r['epochs'] is not None else '?'}/"
                             f"{r['epochs_total'] or '?'}",
              "best": None if r["best"] is None else f"{r['monitor']}={_fmt(r['best'])}"}
             for r in rows]
    _wide(_rows_table(["run", "date", "data", "model", "status", "epochs", "best"], shown))


@runs_app.command("compare")
def runs_compare(
    paths: Annotated[list[Path], typer.Argument(
        help="Run directories, or folders of runs (runs/, a sweep folder) expanded one level.")],
    sort: SortOpt = None, reverse: ReverseOpt = False, fmt: FormatOpt = "table",
) -> None:
    """One row per run: the config fields that differ, status, stop reason, epochs, best and
    final metrics, wall time.

    Example: nnlab runs compare runs/sine-* --sort val_loss
    """
    from .compare import collect, compare_rows

    with user_errors():
        _check_format(fmt)
        runs, skipped = collect(paths)
        _note_skipped(skipped)
        if not runs:
            raise NnlabError(f"no nnlab runs in {' '.join(map(str, paths))}; pass run "
                             "directories or a folder of runs such as runs/")
        columns, rows = compare_rows(runs, sort, reverse)
    _emit(columns, rows, fmt)


@runs_app.command("show")
def runs_show(
    run: Annotated[Path, typer.Argument(help="A run directory.")],
    width: Annotated[int, typer.Option(help="Sparkline width in characters.")] = 60,
    as_json: Annotated[bool, typer.Option("--json", help="Print as one JSON object.")] = False,
) -> None:
    """A run's summary, its config changes vs the built-in defaults, and its loss curves.

    Example: nnlab runs show runs/sine-20261122-081500-3fa9c2
    """
    from .compare import format_value, show_run, sparkline

    with user_errors():
        info = show_run(run)
    if as_json:
        print(json.dumps(info, default=str))
        return
    from rich.text import Text

    try:
        head = summary_table(info["summary"])
    except (KeyError, TypeError, ValueError):  # no summary yet, or a partial one
        head = Table(show_header=False, box=None, pad_edge=False)
        head.add_column(style="bold")
        head.add_column()
        head.add_row("run", Text(info["run"]))
        head.add_row("status", Text(f"{info['status']} (no complete summary)"))
    head.add_row("started", f"{info['started'][:19].replace('T', ' ')} UTC")
    head.add_row("overrides", Text(" ".join(f"--set {o}" for o in info["overrides"]) or "none"))
    _wide(head)
    if info["config_diff"]:
        table = Table("changed from the defaults", "default", "this run", box=None,
                      pad_edge=False, header_style="bold")
        for row in info["config_diff"]:
            table.add_row(*(Text(format_value(row[k])) if k != "key" else row[k]
                            for k in ("key", "default", "value")))
        _wide(table)
    else:
        out.print("config: the built-in defaults (run.* aside)")
    for name, values in info["curves"].items():
        line, log = sparkline(values, width)
        finite = [v for v in values if v is not None]
        if not finite:
            continue
        low, last = min(finite), values[-1]
        end = "nan" if last is None else _fmt(last)
        out.print(f"{name:<9} {line}  {_fmt(finite[0])} → {end} "
                  f"(min {_fmt(low)} at epoch {values.index(low)}"
                  f"{', log scale' if log else ''})", markup=False, soft_wrap=True)


@app.command()
def sweep(
    target: Annotated[Path | None, typer.Argument(
        help="A sweep file (see configs/sweeps/) or an experiment config to sweep over; "
        "omit for the built-in default.")] = None,
    grid: Annotated[list[str] | None, typer.Option(
        "--grid", "-g", help="KEY.PATH=v1,v2,... (each value YAML); repeatable, the grid is "
        "their product.")] = None,
    random_: Annotated[list[str] | None, typer.Option(
        "--random", "-r", help="KEY.PATH=uniform(a,b) | loguniform(a,b) | randint(a,b) | "
        "choice(v1,v2,...); repeatable.")] = None,
    trials: Annotated[int | None, typer.Option(
        help="Random-search samples (default 10).")] = None,
    repeat: Annotated[int | None, typer.Option(
        help="Seeds per point: train.seed = 0..N-1; the table shows mean ± std.")] = None,
    seed: Annotated[int | None, typer.Option(
        help="Seed of the random search: the same seed draws the same trials.")] = None,
    set_: SetOpt = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Trials run in parallel.")] = 1,
    name: Annotated[str | None, typer.Option(help="Sweep folder prefix.")] = None,
    runs_dir: Annotated[Path | None, typer.Option(help="Where the sweep folder goes.")] = None,
    metric: Annotated[str | None, typer.Option(
        help="Rank trials by this (default: the config's train.monitor).")] = None,
    print_commands: Annotated[bool, typer.Option(
        "--print-commands", help="Print one `nnlab train` command per pending trial and exit "
        "(for GNU parallel or job arrays).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object."
                                          )] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No per-trial lines.")] = False,
) -> None:
    """Grid or random search; every trial is a normal run in runs/<name>-…/; rerun to resume.

    Example: nnlab sweep configs/sine.yaml --grid model.activation=sigmoid,tanh,relu --repeat 2
    """
    import shlex

    from .compare import metric_value, read_run
    from .sweep import group_label, make_sweep, open_sweep

    with user_errors():
        sw = make_sweep(target, grid=grid or [], random=random_ or [], trials=trials,
                        repeat=repeat, seed=seed, fixed=set_ or [], name=name,
                        runs_dir=runs_dir, metric=metric)
        run = open_sweep(sw)
        if print_commands:
            commands = run.commands()
            for line in commands:
                print(line)
            err.print(f"# {len(commands)} of {len(run.trials)} trials pending in {run.path}; "
                      "when they are done, run this sweep command again without "
                      "--print-commands to collect the results", soft_wrap=True, markup=False)
            return
        todo = run.todo()
        talk = not quiet and not as_json
        if talk:
            err.print(f"sweep {run.path}: {len(run.trials)} trials, "
                      f"{len(run.trials) - len(todo)} done, {len(todo)} to run"
                      + (f", {jobs} at a time" if todo and jobs > 1 else ""), soft_wrap=True)

        def on_event(kind: str, trial: Any, done: int, total: int) -> None:
            if not talk or kind == "start":
                return
            if kind == "resume":
                err.print(f"        {trial.id} resuming {trial.run_dir}", markup=False)
                return
            value = None
            if trial.run_dir:
                value = metric_value(read_run(run.path / trial.run_dir).summary, sw.metric)
            shown = "" if value is None else f" {sw.metric}={_fmt(value)}"
            err.print(f"[{done:>{len(str(total))}}/{total}] {trial.id} {trial.status}{shown}  "
                      f"{group_label(trial.values)}"
                      + (f" seed={trial.seed}" if trial.seed is not None else ""),
                      markup=False, soft_wrap=True)

        interrupted = run.run(jobs, on_event)
    if as_json:
        print(json.dumps(run.to_json(), default=str))
    else:
        columns, rows = run.table()
        _wide(_rows_table([c for c in columns if c != "path"], rows))
        groups = run.groups()
        if any(len(g["trials"]) > 1 for g in groups):
            keys = list(dict.fromkeys(k for g in groups for k in g["values"]))
            shown = [{**{k: g["values"].get(k) for k in keys}, "n": g["n"],
                      f"{sw.metric} mean ± std": "-" if g["mean"] is None else
                      f"{_fmt(g['mean'])} ± {g['std']:.2g}"} for g in groups]
            _wide(_rows_table([*keys, "n", f"{sw.metric} mean ± std"], shown))
        counts = {s: sum(t.status == s for t in run.trials) for s in
                  ("completed", "failed", "interrupted", "error", "pending")}
        text = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        best = rows[0] if rows and rows[0].get("status") == "completed" else None
        value = metric_value(read_run(best["path"]).summary, sw.metric) if best else None
        out.print(f"sweep {run.path}: {text}"
                  + (f"; best {best['run']} {sw.metric}={_fmt(value)}" if value is not None
                     else ""), soft_wrap=True, markup=False)
    if interrupted:
        again = shlex.join(["nnlab", *sys.argv[1:]])
        err.print(f"interrupted; running trials were checkpointed. Resume with:\n  {again}",
                  markup=False, soft_wrap=True)
        raise typer.Exit(130)
    failed = [t.id for t in run.trials if t.status == "error"]
    if failed:
        err.print(f"{len(failed)} trial(s) ended with an error: {', '.join(failed)}; see "
                  f"{run.path}/<trial>.log", markup=False, soft_wrap=True)
        raise typer.Exit(1)

# --------------------------------------------------------------------------- plot
# (plot command goes here)

@app.command()
def plot(
    runs: Annotated[list[Path], typer.Argument(
        help="Run directories; several: one overlay of their learning curves.")],
    kind: Annotated[list[str] | None, typer.Option(
        "--kind", "-k", help="curves, fit, boundary, speed or weights; repeatable "
        "(default: every kind that applies to the run).")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Folder for the PNGs (one run: default RUN/plots/). Several runs: "
        "default ./compare-curves.png; a path ending in .png names the file.")] = None,
    log: Annotated[bool | None, typer.Option(
        "--log/--no-log", help="Log-scale loss axis (default: when the loss spans more than "
        "two decades).")] = None,
) -> None:
    """Draw pictures of runs as PNG files and print their paths.

    Example: nnlab plot runs/sine-20261122-081500-3fa9c2 --kind fit --kind curves
    """
    from .plots import plot_curves, plot_run

    with user_errors():
        if len(runs) == 1:
            if out_dir is not None and out_dir.suffix.lower() == ".png":
                raise NnlabError(f"--out {out_dir}: for one run --out is a folder (each kind is "
                                 "written as <kind>.png in it)")
            paths = plot_run(runs[0], kind or None, out_dir, log=log)
        else:
            other = sorted(set(kind or ()) - {"curves"})
            if other:
                raise NnlabError(f"--kind {other[0]}: several runs are drawn as one overlay of "
                                 "their learning curves; plot that kind of each run on its own")
            target = out_dir if out_dir is not None else Path(".")
            if target.suffix.lower() != ".png":
                target = target / "compare-curves.png"
            paths = [plot_curves(runs, target, log=log)]
    for path in paths:
        out.print(str(path), markup=False, soft_wrap=True)


# --------------------------------------------------------------------------- lessons
# (trace and embed commands go here)

def _trace_print(tr: dict[str, Any], digits: int) -> None:
    """The trace of `nnlab.trace.trace` as one table of units and one of weights per layer."""
    from rich import box

    def num(v: float) -> str:
        return f"{v:.{digits}g}"

    def table(head: list[str], units: list[str]) -> Table:
        t = Table(*head, box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        for u in units:
            t.add_column(u, justify="right")
        return t

    def show(title: str, t: Table) -> None:
        out.print(f"[bold]{title}[/]", soft_wrap=True)
        _wide(t)

    labels, x, t = tr["labels"], tr["x"], tr["t"]
    many = len(x) > 1

    def tag(name: str, s: int) -> str:
        return f"{name} [{s + 1}]" if many else name

    out.print(f"[bold]{tr['network']}[/]   loss {tr['loss_fn']}   optimizer {tr['optimizer']}   "
              f"batch {len(x)} of {tr['n_train']}", soft_wrap=True)
    out.print("Units are numbered from the inputs as in seed 002 (words for text data); weight "
              "matrices: row = from input i, column = to unit j (w_ij). δ = ∂C/∂z, C = the batch "
              "loss (mean over samples); Δ = after the optimizer step − before.", soft_wrap=True)
    inputs = table([""], labels[0])
    for s, row in enumerate(x):
        inputs.add_row(tag("x", s), *map(num, row))
    show("inputs", inputs)
    for st in tr["steps"]:
        out.rule(f"step {st['step']}   lr {num(st['lr'])}   loss {num(st['loss'])} → "
                 f"{num(st['loss_after'])} after the update")
        for li, rec in enumerate(st["layers"]):
            units = labels[li + 1]
            last = li == len(st["layers"]) - 1
            ut = table([""], units)
            for s in range(len(x)):
                ut.add_row(tag("z", s), *map(num, rec["z"][s]))
                ut.add_row(tag("a = f(z)", s), *map(num, rec["a"][s]))
                if "mask" in rec:
                    ut.add_row(tag("dropout mask", s), *map(num, rec["mask"][s]))
                if last:
                    ut.add_row(tag("t (target)", s), *map(num, t[s]))
                ut.add_row(tag("δ = ∂C/∂z", s), *map(num, rec["delta"][s]), end_section=True)
            if "b" in rec:
                for name, key in (("b", "b"), ("∂C/∂b", "grad_b"), ("Δb", "update_b"),
                                  ("b new", "b_new")):
                    ut.add_row(name, *map(num, rec[key]))
            show(f"layer {li + 1}: {len(labels[li])} → {len(units)} {rec['activation']}"
                 + (" (output)" if last else ""), ut)
            wt = table(["from", ""], units)
            for i, src in enumerate(labels[li]):
                for k, (name, key) in enumerate((("w", "W"), ("∂C/∂w", "grad_W"),
                                                 ("Δw", "update_W"), ("w new", "W_new"))):
                    wt.add_row(src if k == 0 else "", name, *map(num, rec[key][i]),
                               end_section=k == 3)
            show(f"layer {li + 1} weights (row = from, column = to)", wt)


@app.command("trace")
def trace_cmd(
    config: Annotated[Path, typer.Argument(help="Experiment YAML of a small network.")],
    steps: Annotated[int, typer.Option("--steps", "-n", help="Training steps to trace.")] = 1,
    set_: SetOpt = None,
    digits: Annotated[int, typer.Option(help="Significant digits shown.", min=1, max=17)] = 6,
    as_json: Annotated[bool, typer.Option("--json", help="Print the trace as one JSON object."
                                          )] = False,
) -> None:
    """Show every z, a, δ = ∂C/∂z, gradient and weight update of a small network, step by step.

    Example: nnlab trace configs/lessons/backprop_2321.yaml --steps 2
    """
    from .experiment import build
    from .trace import to_jsonable
    from .trace import trace as run_trace

    with user_errors():
        tr = run_trace(build(config, set_ or []), steps)
    if as_json:
        print(json.dumps(to_jsonable(tr)))
        return
    _trace_print(tr, digits)


@app.command()
def embed(
    run: Annotated[Path, typer.Argument(help="Run directory of a word2vec run (data.name: text).")],
    nearest: Annotated[str | None, typer.Option(help="List the words closest to this one.")
                       ] = None,
    words: Annotated[str | None, typer.Option(
        help="Comma-separated words: their pairwise cosine similarities.")] = None,
    top: Annotated[int, typer.Option(help="How many neighbours --nearest lists.", min=1)] = 5,
    checkpoint: Annotated[str, typer.Option(help="best or last.")] = "best",
    as_json: Annotated[bool, typer.Option("--json", help="Print as one JSON object.")] = False,
) -> None:
    """Nearest words by cosine similarity of the learned word vectors (rows of W).

    Example: nnlab embed runs/word2vec-… --nearest king
    """
    from .embed import Embeddings

    with user_errors():
        if nearest is None and words is None:
            raise NnlabError("give --nearest WORD and/or --words a,b,c")
        if checkpoint not in ("best", "last"):
            raise NnlabError(f"--checkpoint {checkpoint}: choose best or last")
        emb = Embeddings.from_run(run, checkpoint)
        result: dict[str, Any] = {"run": str(run), "vocab_size": len(emb.vocab)}
        if nearest is not None:
            result["word"] = nearest.lower()
            result["nearest"] = [{"word": w, "cosine": c} for w, c in emb.nearest(nearest, top)]
        if words is not None:
            names = [w.strip().lower() for w in words.split(",") if w.strip()]
            result["words"], result["cosine"] = names, emb.matrix(names).tolist()
    if as_json:
        print(json.dumps(result))
        return
    if "nearest" in result:
        table = Table("#", "word", "cosine", title=f"closest to '{result['word']}' "
                      f"({len(emb.vocab)} words)", title_justify="left")
        for i, row in enumerate(result["nearest"], 1):
            table.add_row(str(i), row["word"], f"{row['cosine']:.3f}")
        out.print(table)
    if "words" in result:
        table = Table("", *result["words"], title="cosine similarity", title_justify="left")
        for name, row in zip(result["words"], result["cosine"]):
            table.add_row(name, *(f"{c:.3f}" for c in row))
        out.print(table)


# --------------------------------------------------------------------------- eval, predict
# (and gradcheck below)

CheckpointOpt = Annotated[str, typer.Option(
    "--checkpoint", "-c", help="Which weights: best (the best monitored epoch) or last.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
MAX_CLASSES_SHOWN = 20


def _strict_json(value: Any) -> Any:
    """NaN/inf → null, so the printed object is strict JSON."""
    import math

    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(v) for v in value]
    return value


def _show(renderable: Any) -> None:
    """Print at the terminal's width, or unfolded when stdout is not a terminal."""
    console = out if out.is_terminal else Console(file=out.file, width=2000, highlight=False)
    console.print(renderable)


def _table(*columns: str) -> Table:
    from rich import box

    return Table(*columns, box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _eval_report(r: dict[str, Any]) -> None:
    epoch = f" (epoch {r['epoch']})" if r.get("epoch") is not None else ""
    how = (f"{r['loss_name']} {_fmt(r['data_loss'])} + L2 term (λ/2n)Σw² "
           f"{_fmt(r['l2_penalty'])}, as training records it" if r["loss_includes_l2"]
           else f"{r['loss_name']}, no L2 term")
    rows = [("run", r["run"]), ("network", r["network"]),
            ("checkpoint", f"{r['checkpoint']}{epoch}"),
            ("split", f"{r['split']}: {r['n']} samples of {r['data']}"),
            *([("overrides", " ".join(r["overrides"]))] if r["overrides"] else []),
            ("loss", f"{_fmt(r['loss'])}  ({how})")]
    if r["task"] == "classification":
        rows.append(("accuracy", f"{r['accuracy']:.4f}"))
    else:
        rows += [("MSE", f"{_fmt(r['mse'])}  (mean of (output − target)² over samples and "
                  "outputs, not halved)"), ("MAE", _fmt(r["mae"])),
                 ("max error", _fmt(r["max_error"]))]
    for key, value in rows:
        out.print(f"[bold]{key:<11}[/]{value}", soft_wrap=True)
    if r["task"] == "classification":
        classes = r["classes"]
        if len(classes) > MAX_CLASSES_SHOWN:
            out.print(f"{len(classes)} classes: per-class metrics and the confusion matrix are "
                      "in the JSON (--json or the saved file)")
        else:
            per = _table("class", "precision", "recall", "support")
            for c in classes:
                per.add_row(str(c["class"]), _ratio(c["precision"]), _ratio(c["recall"]),
                            str(c["support"]))
            for col in per.columns[1:]:
                col.justify = "right"
            out.print("\n[bold]per class[/]")
            _show(per)
            cm = _table("true \\ pred", *(str(c["class"]) for c in classes))
            for col in cm.columns[1:]:
                col.justify = "right"
            for i, row in enumerate(r["confusion_matrix"]):
                cm.add_row(str(i), *(f"[bold green]{v}[/]" if i == j else
                                     (f"[red]{v}[/]" if v else "[dim]0[/]")
                                     for j, v in enumerate(row)))
            out.print("\n[bold]confusion matrix[/] (rows: true class, columns: predicted "
                      "class)")
            _show(cm)
    if "file" in r:
        out.print(f"saved {r['file']}", markup=False, soft_wrap=True)


@app.command("eval")
def eval_(
    run: Annotated[Path, typer.Argument(help="A run directory made by nnlab train.")],
    checkpoint: CheckpointOpt = "best",
    split: Annotated[str | None, typer.Option(
        "--split", help="train, val or test (default: test when the data have one, as MNIST "
        "does; else val; else train).")] = None,
    set_: SetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Loss and metrics of a trained run on one data split, also saved as
    RUN/eval-<split>-<checkpoint>.json.

    Classification: loss, accuracy, per-class precision/recall, confusion matrix. Regression:
    loss, MSE (mean of (output − target)² over samples and outputs, NOT halved like the mse
    loss), MAE, max error. The loss is computed as training records it (with the L2 term when
    regularization.l2 > 0), so --checkpoint best --split val reproduces summary.json's best
    val_loss. --set changes the rebuilt config, e.g. the data: toy data are regenerated from the
    run's seed.

    Example: nnlab eval runs/sine-20261122-081500-3fa9c2 --set data.domain=[-6,6]
    """
    from .evaluation import evaluate_run

    with user_errors():
        result = evaluate_run(run, checkpoint, split, set_ or [])
    if as_json:
        print(json.dumps(_strict_json(result)))
    else:
        _eval_report(result)


@app.command(context_settings={"ignore_unknown_options": True})
def predict(
    run: Annotated[Path, typer.Argument(help="A run directory made by nnlab train.")],
    values: Annotated[list[str] | None, typer.Argument(
        help="More --x values.", hidden=True)] = None,
    input_: Annotated[str | None, typer.Option(
        "--input", "-i", help="CSV rows (comma or whitespace separated; a first line that is not "
        "numeric is a header) or a .npy array, one sample per row; - reads standard input.")
    ] = None,
    x: Annotated[list[str] | None, typer.Option(
        "--x", help="Inputs of a one-input network: --x 0.5 1.0 2.0 (or 0.5,1,2).")] = None,
    checkpoint: CheckpointOpt = "best",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write a .csv or .npy file instead of printing CSV.")] = None,
) -> None:
    """Predictions of a trained run for new inputs, as CSV with a header line.

    Classification: the predicted class, then one column per class p0, p1, … (softmax
    probabilities, or the sigmoid outputs). Regression: the outputs y (y1, y2, … for several).
    Rows come out in the order they went in.

    Examples: nnlab predict runs/sine-… --x -1 0 0.5;
    nnlab predict runs/moons-… --input points.csv --output pred.npy;
    cat points.csv | nnlab predict runs/moons-… --input -
    """
    from .evaluation import (
        check_inputs,
        open_run,
        parse_inputs,
        parse_x,
        predictions,
        read_inputs,
        to_csv,
        write_predictions,
    )

    with user_errors():
        extra = list(values or [])
        if extra and not x:
            raise NnlabError(f"unexpected argument {extra[0]!r}: put input values after --x, "
                             "or a file after --input")
        if x and input_ is not None:
            raise NnlabError("give either --input or --x, not both")
        if not x and input_ is None:
            raise NnlabError("no inputs: give --input FILE (- for standard input) or "
                             "--x V1 V2 …")
        exp, _ = open_run(run, checkpoint)
        if x:
            rows, source = parse_x(exp, [*x, *extra]), "--x"
        elif input_ == "-":
            source = "standard input"
            rows = parse_inputs(sys.stdin.buffer.read(), source)
        else:
            rows, source = read_inputs(input_), str(input_)
        columns, table = predictions(exp, check_inputs(exp, rows, source))
        if output is not None:
            write_predictions(output, columns, table, exp.network.dtype)
            return
    sys.stdout.write(to_csv(columns, table, exp.network.dtype))


# --------------------------------------------------------------------------- gradcheck

def _gradcheck_table(checks: list[Any], first: str) -> Table:
    network = first == "tensor"
    table = _table(first, *(() if network else ("∂/∂",)), "shape", "checked", "kinks",
                   "max rel. err", "median", "worst index", "result")
    for col in table.columns[2 if network else 3:]:
        col.justify = "right"
    for c in checks:
        err_ = "–" if c.max_error is None else f"{c.max_error:.1e}"
        med = "–" if c.median_error is None else f"{c.median_error:.1e}"
        worst = "–" if c.worst is None else "(" + ", ".join(map(str, c.worst)) + ")"
        result = "[bold green]PASS[/]" if c.passed else "[bold red]FAIL[/]"
        table.add_row(c.name, *(() if network else (c.tensor,)), "×".join(map(str, c.shape)),
                      f"{c.checked}/{c.size}", str(c.kinks), err_, med, worst, result)
    return table


def _gradcheck_report(report: Any) -> None:
    s, info = report.settings, report.info
    if report.target == "components":
        groups = [("activation", "activations: dL/dz of L = Σ g·f(z), random upstream g"),
                  ("loss", "losses: δᴸ = ∂L/∂z through the output activation"),
                  ("layer", "layers: ∂L/∂W, ∂L/∂b, ∂L/∂x of L = Σ G·layer(x)")]
        out.print(f"[bold]gradcheck --components[/]: float64, h={s.h:g}, tol={s.tol:g}")
        for group, title in groups:
            out.print(f"\n[bold]{title}[/]")
            _show(_gradcheck_table([c for c in report.checks if c.group == group], group))
        scale = "S = Σ of the |terms| of L"
    else:
        where = (f", {info['checkpoint']} checkpoint (epoch {info['epoch']})"
                 if "checkpoint" in info else "")
        l2 = f", L2 λ={info['l2']:g} (n={info['n_train']})" if info["l2"] else ""
        drop = ", dropout off" if info["dropout"] == "off" else ""
        out.print(f"[bold]gradcheck[/] {report.target}{where}", soft_wrap=True)
        out.print(f"{info['network']}, loss {info['loss']}{l2}, {info['samples']} training "
                  f"samples, float64{drop}, h={s.h:g}, tol={s.tol:g}", soft_wrap=True)
        _show(_gradcheck_table(report.checks, "tensor"))
        scale = "S = |C| + mean Σ|zᴸ|"
    floors = [c.floor for c in report.checks if c.floor is not None]
    lo, hi = (min(floors), max(floors)) if floors else (0.0, 0.0)
    floor = (f"floor {lo:.1e}" if lo == hi else f"floor {lo:.1e} to {hi:.1e}") + (
        f" (auto: 4ε·max(1, S)/(h·tol), {scale})" if s.floor is None else "")
    out.print(f"relative error = |a − n| / max(|a|, |n|, floor); {floor}", soft_wrap=True)
    for c in report.checks:
        if c.note:
            out.print(f"{c.name}: {c.note}", soft_wrap=True)
    kinks = sum(c.kinks for c in report.checks)
    if kinks:
        out.print(f"kinks: {kinks} entr{'y' if kinks == 1 else 'ies'} whose ±h step crossed a "
                  "kink (of z or a − t) are counted, not judged", soft_wrap=True)
    n = len(report.checks)
    if report.passed:
        worst = max((c.max_error for c in report.checks if c.max_error is not None),
                    default=0.0)
        out.print(f"[bold green]PASS[/]: all {n} tensors, max rel. error {worst:.1e} ≤ "
                  f"{s.tol:g}")
    else:
        names = ", ".join(c.label for c in report.failed)
        out.print(f"[bold red]FAIL[/]: {len(report.failed)} of {n} tensors: {names}",
                  soft_wrap=True)


@app.command()
def gradcheck(
    target: Annotated[Path | None, typer.Argument(
        help="An experiment YAML (its network at initialization) or a run directory (its "
        "trained weights); omit for the built-in default experiment.")] = None,
    components: Annotated[bool, typer.Option(
        "--components", help="Check every registered activation, loss and layer type in "
        "isolation instead of a network.")] = False,
    set_: SetOpt = None,
    checkpoint: CheckpointOpt = "best",
    samples: Annotated[int, typer.Option(
        min=1, help="Training samples in the checked batch.")] = 8,
    h: Annotated[float, typer.Option("--h", help="Finite-difference step.")] = 1e-6,
    tol: Annotated[float, typer.Option(
        "--tol", help="Fail line for the relative error of any entry.")] = 1e-6,
    floor: Annotated[float | None, typer.Option(
        "--floor", help="Smallest denominator of the relative error (default: automatic, "
        "4ε·max(1, S)/(h·tol) with S = |C| + mean Σ|zᴸ|: gradients below it are compared in "
        "absolute terms, |a − n| ≤ tol·floor, the rounding noise of the difference quotient; "
        "two exact zeros agree).")] = None,
    max_per_tensor: Annotated[int, typer.Option(
        min=1, help="Check every entry of tensors up to this size, a seeded random subset of "
        "larger ones.")] = 200,
    seed: Annotated[int, typer.Option(
        min=0, help="Seeds the sample choice and the entry subsets.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Check backpropagation against central differences (C(θ+h) − C(θ−h))/2h, in float64.

    Every weight and bias tensor of the network is checked on a float64 copy with a few real
    training samples, dropout off, and the config's L2 term in the loss. Entries whose ±h step
    moves a pre-activation or a residual across a kink (ReLU, leaky ReLU, ELU, MAE, Huber) are
    counted separately instead of failing. Exit code 0 when every tensor passes, 1 on a failure,
    2 on bad input.

    Examples: nnlab gradcheck configs/mnist_nielsen.yaml; nnlab gradcheck runs/sine-…;
    nnlab gradcheck --components
    """
    from .gradcheck import Settings, check_components, check_config, check_run
    from .runs import is_run_dir

    with user_errors():
        settings = Settings(h=h, tol=tol, floor=floor, max_per_tensor=max_per_tensor,
                            samples=samples, seed=seed)
        if components:
            if target is not None or set_:
                raise NnlabError("--components checks the building blocks on their own; drop "
                                 "the config/run and --set, or drop --components")
            report = check_components(settings)
        elif target is not None and target.is_dir():
            if not is_run_dir(target):
                raise NnlabError(f"{target}: not an nnlab run (no config.yaml); pass a run "
                                 "directory or an experiment YAML")
            report = check_run(target, checkpoint, set_ or [], settings)
        else:
            report = check_config(target, set_ or [], settings)
    if as_json:
        print(json.dumps(_strict_json(report.to_dict())))
    else:
        _gradcheck_report(report)
    if not report.passed:
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
