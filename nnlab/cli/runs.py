"""``nnlab runs``, ``nnlab sweep`` and ``nnlab plot``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ..errors import NnlabError
from ..runs import number
from .common import SetOpt, app, err, out, show, summary_table, user_errors

# --------------------------------------------------------------------------- runs, sweep

runs_app = typer.Typer(help="List, compare and inspect run directories.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")]
SortOpt = Annotated[str | None, typer.Option(
    "--sort", help="Sort by a best metric (loss, val_loss, accuracy, val_accuracy; accuracies "
    "descending), final.<metric>, time, epochs or any column.")]
ReverseOpt = Annotated[bool, typer.Option("--reverse", help="Reverse the order.")]




def _rows_table(columns: list[str], rows: list[dict[str, Any]]) -> Table:
    """Rows as a compact table: ``best.val_loss`` headed ``best`` over ``val_loss``, and the
    stop reason folded into the status when there is one."""
    from rich import box
    from rich.text import Text

    from ..compare import format_cell

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
    from ..compare import to_csv, to_json

    if fmt == "csv":
        sys.stdout.write(to_csv(columns, rows))
    elif fmt == "json":
        print(to_json(columns, rows))
    else:
        show(_rows_table([c for c in columns if c != "path"], rows))


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
    from ..compare import collect, list_rows, sort_column, sort_rows

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
              "best": None if r["best"] is None else f"{r['monitor']}={number(r['best'])}"}
             for r in rows]
    show(_rows_table(["run", "date", "data", "model", "status", "epochs", "best"], shown))


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
    from ..compare import collect, compare_rows

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
    from ..compare import format_value, show_run, sparkline

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
    show(head)
    if info["config_diff"]:
        table = Table("changed from the defaults", "default", "this run", box=None,
                      pad_edge=False, header_style="bold")
        for row in info["config_diff"]:
            table.add_row(*(Text(format_value(row[k])) if k != "key" else row[k]
                            for k in ("key", "default", "value")))
        show(table)
    else:
        out.print("config: the built-in defaults (run.* aside)")
    for name, values in info["curves"].items():
        line, log = sparkline(values, width)
        finite = [v for v in values if v is not None]
        if not finite:
            continue
        low, last = min(finite), values[-1]
        end = "nan" if last is None else number(last)
        out.print(f"{name:<9} {line}  {number(finite[0])} → {end} "
                  f"(min {number(low)} at epoch {values.index(low)}"
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

    from ..compare import metric_value, read_run
    from ..sweep import group_label, make_sweep, open_sweep

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
            shown = "" if value is None else f" {sw.metric}={number(value)}"
            err.print(f"[{done:>{len(str(total))}}/{total}] {trial.id} {trial.status}{shown}  "
                      f"{group_label(trial.values)}"
                      + (f" seed={trial.seed}" if trial.seed is not None else ""),
                      markup=False, soft_wrap=True)

        interrupted = run.run(jobs, on_event)
    if as_json:
        print(json.dumps(run.to_json(), default=str))
    else:
        columns, rows = run.table()
        show(_rows_table([c for c in columns if c != "path"], rows))
        groups = run.groups()
        if any(len(g["trials"]) > 1 for g in groups):
            keys = list(dict.fromkeys(k for g in groups for k in g["values"]))
            shown = [{**{k: g["values"].get(k) for k in keys}, "n": g["n"],
                      f"{sw.metric} mean ± std": "-" if g["mean"] is None else
                      f"{number(g['mean'])} ± {g['std']:.2g}"} for g in groups]
            show(_rows_table([*keys, "n", f"{sw.metric} mean ± std"], shown))
        counts = {s: sum(t.status == s for t in run.trials) for s in
                  ("completed", "failed", "interrupted", "error", "pending")}
        text = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        best = rows[0] if rows and rows[0].get("status") == "completed" else None
        value = metric_value(read_run(best["path"]).summary, sw.metric) if best else None
        out.print(f"sweep {run.path}: {text}"
                  + (f"; best {best['run']} {sw.metric}={number(value)}" if value is not None
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
    from ..plots import plot_curves, plot_run

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
