"""``nnlab sweep``: grid or random search over --set paths, every trial a run directory."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..runs.format import number
from .app import SetOpt, app, err, out, show, user_errors
from .runs import _rows_table


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

    from ..tools.compare import metric_value, read_run
    from ..tools.sweep import group_label, make_sweep, open_sweep

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
