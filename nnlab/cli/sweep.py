"""``nnlab sweep``: grid, random or TPE search with pruning; workers share one Optuna study."""

from __future__ import annotations

import contextlib
import json
import shlex
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import NnlabError
from ..runs.format import number
from .app import SetOpt, app, err, out, show, user_errors
from .runs import _rows_table

# the options' types, named so the command's signature reads as a list of options
TargetArg = Annotated[Path | None, typer.Argument(
    help="A sweep file (see configs/sweeps/) or an experiment config to sweep over; omit for "
    "the built-in default.")]
GridOpt = Annotated[list[str] | None, typer.Option(
    "--grid", "-g", help="KEY.PATH=v1,v2,... (each value YAML); repeatable, the grid is their "
    "product.")]
RandomOpt = Annotated[list[str] | None, typer.Option(
    "--random", "-r", help="KEY.PATH=uniform(a,b) | loguniform(a,b) | randint(a,b) | "
    "choice(v1,v2,...); repeatable.")]
TrialsOpt = Annotated[int | None, typer.Option(
    min=1, help="Samples of the random space (default 10), per grid combination.")]
RepeatOpt = Annotated[int | None, typer.Option(
    min=1, help="Seeds per point: train.seed = 0..N-1; the table shows mean ± std.")]
SeedOpt = Annotated[int | None, typer.Option(
    min=0, help="Seed of the sampler: the same seed draws the same trials.")]
SamplerOpt = Annotated[str | None, typer.Option(
    help="grid | random | tpe | qmc (default: grid for a grid, random with --random).")]
PrunerOpt = Annotated[str | None, typer.Option(
    help="none | median | successive_halving | hyperband: stop hopeless trials early.")]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", min=1, help="Trials run in parallel.")]
StorageOpt = Annotated[str | None, typer.Option(
    help="Optuna storage shared by workers: postgresql://user@host/db, mysql://…, or a journal "
    "file on a shared filesystem (default: a journal in the sweep folder).")]
WorkerOpt = Annotated[bool, typer.Option(
    "--worker", help="Join the sweep's study from another process or machine and run trials "
    "until none is left (or --timeout).")]
TimeoutOpt = Annotated[float | None, typer.Option(
    min=0, help="Start no new trial after this many seconds.")]
NameOpt = Annotated[str | None, typer.Option(help="Sweep folder prefix.")]
RunsDirOpt = Annotated[Path | None, typer.Option(help="Where the sweep folder goes.")]
MetricOpt = Annotated[str | None, typer.Option(
    help="Rank trials by this (default: the config's train.monitor).")]
PrintOpt = Annotated[bool, typer.Option(
    "--print-commands", help="Print one `nnlab train` command per pending trial (or, with "
    "--workers N, N worker commands) and exit.")]
WorkersOpt = Annotated[int | None, typer.Option(
    min=1, help="With --print-commands: how many worker command lines to print.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No per-trial lines.")]


@app.command()
def sweep(
    target: TargetArg = None, grid: GridOpt = None, random_: RandomOpt = None,
    trials: TrialsOpt = None, repeat: RepeatOpt = None, seed: SeedOpt = None,
    sampler: SamplerOpt = None, pruner: PrunerOpt = None, set_: SetOpt = None,
    jobs: JobsOpt = 1, storage: StorageOpt = None, worker: WorkerOpt = False,
    timeout: TimeoutOpt = None, name: NameOpt = None, runs_dir: RunsDirOpt = None,
    metric: MetricOpt = None, print_commands: PrintOpt = False, workers: WorkersOpt = None,
    as_json: JsonOpt = False, quiet: QuietOpt = False,
) -> None:
    """Search a space of --set values; every trial is a normal run in runs/<name>-…/; rerun to
    continue, add --worker processes (or machines, with --storage) to go faster.

    Example: nnlab sweep configs/sweeps/mnist_tpe.yaml --jobs 2
    """
    from ..tools.sweep import Worker, make_sweep, open_sweep

    with user_errors():
        sw = make_sweep(target, grid=grid or [], random=random_ or [], trials=trials,
                        repeat=repeat, seed=seed, fixed=set_ or [], name=name,
                        runs_dir=runs_dir, metric=metric, sampler=sampler, pruner=pruner)
        run = open_sweep(sw, storage)
        if print_commands:
            again = _command(target, sw, storage, jobs, grid, random_, trials, repeat, seed,
                             set_)
            _print_commands(run, workers, again)
            return
        talk = not quiet and not as_json
        with contextlib.nullcontext(True) if worker else run.lock() as mine:
            if not mine:  # workers share the study; only the sweep itself is one per folder
                raise _already_running(run)
            if talk:
                _announce(run, jobs, worker)
            with _Progress(run, talk) as progress:
                interrupted = Worker(run, jobs, timeout, primary=not worker,
                                     on_event=progress.event).run()
        page = None
        if not worker:  # the sweep's pictures and its page: ranking, curves, pictures
            from ..tools.report import write_report
            from ..tools.sweep.pictures import draw_all

            draw_all(run)
            try:
                page = write_report([run.path])
            except (NnlabError, OSError) as problem:  # the results still count: say it, go on
                why = getattr(problem, "strerror", None) or problem
                err.print(f"note: {run.path / 'report.html'} not written ({why}); the sweep's "
                          "results are complete", markup=False, soft_wrap=True)
    _report(run, as_json)
    if page is not None and not as_json and not quiet:
        out.print(f"report {page}  (open it in a browser)", soft_wrap=True, markup=False)
    _exit(run, interrupted, worker)


def _command(target: Path | None, sw: Any, storage: str | None, jobs: int,
             *lists: Any) -> list[str]:
    """The `nnlab sweep` command that joins this sweep as a worker (absolute paths)."""
    grid, random_, trials, repeat, seed, set_ = lists
    args = ["nnlab", "sweep", *([str(target.resolve())] if target else [])]
    args += [a for g in grid or [] for a in ("--grid", g)]
    args += [a for r in random_ or [] for a in ("--random", r)]
    for flag, value in (("--trials", trials), ("--repeat", repeat), ("--seed", seed)):
        args += [flag, str(value)] if value is not None else []
    args += [a for s in set_ or [] for a in ("--set", s)]
    args += ["--name", sw.name, "--runs-dir", str(sw.runs_dir.resolve()), "--metric",
             sw.metric, "--sampler", sw.algorithm.name if not sw.algorithm.params else
             json.dumps(sw.algorithm.to_json())]
    args += ["--storage", storage] if storage else []
    args += ["--jobs", str(jobs)] if jobs > 1 else []
    return [*args, "--worker"]


def _print_commands(run: Any, workers: int | None, again: list[str]) -> None:
    if workers is not None:
        if workers < 1:
            raise NnlabError(f"--workers {workers}: expected an integer >= 1")
        line = shlex.join(again)
        for _ in range(workers):
            print(line)
        err.print(f"# {workers} workers for study {run.study.name} ({run.study.counts()['waiting']}"
                  " points waiting); on Slurm, e.g.:\n#   sbatch --array=1-"
                  f"{workers} --wrap {shlex.quote(line)}\n# then run this sweep command "
                  "without --print-commands to collect the results", soft_wrap=True,
                  markup=False)
        return
    if not run.sweep.planned:
        raise NnlabError(f"sampler {run.sweep.algorithm.name} chooses each trial from the "
                         "results of the ones before, so there are no trial commands to print; "
                         "print worker commands with --print-commands --workers N")
    commands = run.commands()
    for line in commands:
        print(line)
    err.print(f"# {len(commands)} of {len(run.trials)} trials pending in {run.path}; when they "
              "are done, run this sweep command again without --print-commands to collect "
              "the results", soft_wrap=True, markup=False)


def _already_running(run: Any) -> Exception:
    return NnlabError(f"{run.path}: this sweep is already running in another process; wait "
                      "for it, stop it, or add --worker to help it")


def _announce(run: Any, jobs: int, worker: bool) -> None:
    todo = run.todo()
    sw = run.sweep
    algo = sw.algorithm.name + ("" if sw.pruner.name == "none" else f" + {sw.pruner.name} "
                                "pruning")
    err.print(f"{'worker' if worker else 'sweep'} {run.path}: {len(run.trials)} trials, "
              f"{len(run.trials) - len(todo)} done, {len(todo)} to run"
              + (f", {jobs} at a time" if todo and jobs > 1 else "")
              + (f" ({algo})" if sw.algorithm.name not in ("grid", "random")
                 or sw.pruner.name != "none" else ""), soft_wrap=True, markup=False)


class _Progress:
    """Per-trial lines on stderr; on a terminal also a live line per running trial."""

    def __init__(self, run: Any, talk: bool) -> None:
        self.run, self.talk = run, talk
        self.live: Any = None
        self.console: Any = err  # the live display's own console while there is one
        self.epochs: dict[str, dict[str, Any]] = {}
        self.shown = 0.0

    def __enter__(self) -> _Progress:
        if self.talk and err.is_terminal:
            from rich.console import Console
            from rich.live import Live

            self.console = Console(stderr=True, highlight=False)
            self.live = Live("", console=self.console, transient=True, refresh_per_second=4)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.live is not None:
            self.live.__exit__(*exc)

    def event(self, ev: Any) -> None:
        if not self.talk:
            return
        if ev.kind == "epoch":
            self.epochs[ev.trial.id] = ev.record
        elif ev.kind == "resume":
            self.console.print(f"        {ev.trial.id} resuming {ev.trial.run_dir}",
                               markup=False)
        elif ev.kind == "end":
            self.epochs.pop(ev.trial.id, None)
            self.console.print(_end_line(self.run, ev), markup=False, soft_wrap=True)
        if self.live is not None and (ev.kind != "epoch" or time.monotonic() - self.shown > 0.25):
            self.shown = time.monotonic()
            self.live.update(self._status(ev))

    def _status(self, ev: Any) -> str:
        key = self.run.sweep.metric.split(".")[-1]
        lines = []
        for job in ev.running:
            trial = job.current.trial if job.current is not None else job.runs[0]
            rec = self.epochs.get(trial.id) or {}
            value = rec.get(key)
            lines.append(f"  {trial.id} epoch {rec.get('epoch', 0)}"
                         + (f" {key}={number(value)}" if isinstance(value, (int, float)) else ""))
        c = ev.counts
        lines.append(f"  {c.get('completed', 0)} completed · {c.get('pruned', 0)} pruned · "
                     f"{c.get('failed', 0)} failed · {c.get('running', 0)} running")
        return "\n".join(lines)


def _end_line(run: Any, ev: Any) -> str:
    from ..tools.compare import metric_value, read_run
    from ..tools.sweep.results import group_label

    trial, metric = ev.trial, run.sweep.metric
    value = None
    if trial.run_dir:
        value = metric_value(read_run(run.path / trial.run_dir).summary, metric)
        if trial.status == "pruned":
            value = None
    epochs = ""
    if trial.status == "pruned" and trial.run_dir:
        epochs = f" at epoch {read_run(run.path / trial.run_dir).summary.get('epochs_run')}"
    shown = "" if value is None else f" {metric}={number(value)}"
    return (f"[{ev.done:>{len(str(ev.total))}}/{ev.total}] {trial.id} {trial.status}{epochs}"
            f"{shown}  {group_label(trial.values)}"
            + (f" seed={trial.seed}" if trial.seed is not None else ""))


def _report(run: Any, as_json: bool) -> None:
    from ..tools.sweep import results

    if as_json:
        print(json.dumps(results.to_json(run), default=str))
        return
    columns, rows = results.table(run)
    show(_rows_table([c for c in columns if c != "path"], rows))
    metric = run.sweep.metric
    groups = results.groups(run)
    if any(len(g["trials"]) > 1 for g in groups):
        keys = list(dict.fromkeys(k for g in groups for k in g["values"]))
        shown = [{**{k: g["values"].get(k) for k in keys}, "n": g["n"],
                  f"{metric} mean ± std": "-" if g["mean"] is None else
                  f"{number(g['mean'])} ± {g['std']:.2g}"} for g in groups]
        show(_rows_table([*keys, "n", f"{metric} mean ± std"], shown))
    importances = results.importances(run)
    if importances:
        out.print("importance: " + ", ".join(f"{k} {v:.2f}" for k, v in importances.items()),
                  soft_wrap=True, markup=False)
    statuses = ("completed", "pruned", "failed", "interrupted", "error", "running", "pending")
    counts = {s: sum(t.status == s for t in run.trials) for s in statuses}
    text = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    best = results.best(run)
    if best is not None:
        who = best["trials"][0] if len(best["trials"]) == 1 else f"point {best['point']}"
        text += (f"; best {who} {metric}={number(best['value'])}  "
                 f"{results.group_label(best['values'])}")
    out.print(f"sweep {run.path}: {text}", soft_wrap=True, markup=False)


def _exit(run: Any, interrupted: bool, worker: bool) -> None:
    if interrupted:
        again = shlex.join(["nnlab", *sys.argv[1:]])
        err.print(f"interrupted; running trials were checkpointed. Resume with:\n  {again}",
                  markup=False, soft_wrap=True)
        raise typer.Exit(130)
    failed = [t.id for t in run.trials if t.status == "error"]
    if failed and not worker:
        err.print(f"{len(failed)} trial(s) ended with an error: {', '.join(failed)}; see "
                  f"{run.path}/<trial>.log", markup=False, soft_wrap=True)
        raise typer.Exit(1)
