"""Grid and random search over ``--set`` paths; every trial is a normal run directory.

    sweep = make_sweep("configs/sweeps/activations.yaml")    # a sweep file, or an experiment
    sw = open_sweep(sweep)     # the folder of this same sweep if it exists (resume), else a new one
    sw.run(jobs=2)             # each pending trial: `python -m nnlab.cli train … --json` subprocess
    sw.table(), sw.groups()    # compare rows sorted by the metric; mean ± std over the seeds

Layout of ``runs/<name>-<UTC time>-<id>/``: ``sweep.json`` (the space, the trials and their
status, rewritten atomically after every change), one run directory per trial (``t000-…``,
``t001-…``) and ``t000.log`` with a trial's stderr when it printed anything. A sweep is identified
by a hash of its base config's text, its space, seeds and name, so running the same command again
finds the folder and resumes: finished trials (completed, or failed because the loss diverged —
re-running would diverge again) are skipped, interrupted ones continue with ``nnlab train
--resume``, and missing or crashed ones start afresh. Nothing here prints.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import itertools
import json
import math
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..config import load_config, load_yaml, resolve
from ..data import catalog
from ..errors import ConfigError, NnlabError, closest
from ..files import write_json
from ..runs.rundir import RunDir
from ..runs.signals import on_signals
from . import compare

SWEEP_FILE = compare.SWEEP_FILE
SPEC_KEYS = ("base", "name", "metric", "repeat", "seeds", "grid", "random", "trials", "seed",
             "set", "runs_dir")
DEFAULT_TRIALS = 10
_DIST = re.compile(r"\s*([A-Za-z_]+)\s*\((.*)\)\s*", re.S)
_TRIAL_DIR = re.compile(r"-\d{8}-\d{6}-[0-9a-f]{6}")


# --------------------------------------------------------------------------- values

def parse_value(text: str) -> Any:
    """One value as YAML (``1e-4`` is a number, as in YAML 1.2); unparsable text stays text."""
    text = text.strip()
    try:
        return load_yaml(text) if text else None
    except yaml.YAMLError:
        return text


def split_top(text: str) -> list[str]:
    """Split at the commas that are not inside brackets, braces, parentheses or quotes."""
    parts, current, depth, quote = [], [], 0, ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    parts.append("".join(current).strip())
    return parts


def flow(value: Any) -> str:
    """A value as one line of YAML that `parse_value` and ``--set`` read back unchanged."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False,
                          allow_unicode=True).strip()
    return text[:-3].strip() if text.endswith("\n...") else text


@dataclass(frozen=True)
class Distribution:
    """``uniform(a, b)``, ``loguniform(a, b)``, ``randint(a, b)`` (both ends included) or
    ``choice(v1, v2, …)``; floats are rounded to 4 significant digits."""

    kind: str
    args: tuple[Any, ...]

    def sample(self, rng: np.random.Generator) -> Any:
        a = self.args
        if self.kind == "uniform":
            return _round(rng.uniform(a[0], a[1]))
        if self.kind == "loguniform":
            return _round(math.exp(rng.uniform(math.log(a[0]), math.log(a[1]))))
        if self.kind == "randint":
            return int(rng.integers(a[0], a[1] + 1))
        return copy.deepcopy(a[int(rng.integers(len(a)))])

    def __str__(self) -> str:
        return f"{self.kind}({', '.join(flow(a) for a in self.args)})"


def _round(x: float) -> float:
    return float(f"{x:.4g}")


def parse_distribution(text: Any, where: str) -> Distribution:
    """``"loguniform(1e-4, 1)"`` → Distribution; a YAML list means ``choice`` of its items."""
    if isinstance(text, list):
        if not text:
            raise ConfigError(f"{where}: an empty list has nothing to choose from")
        return Distribution("choice", tuple(text))
    m = _DIST.fullmatch(str(text))
    usage = ("expected uniform(a, b), loguniform(a, b), randint(a, b) or choice(v1, v2, ...), "
             "e.g. loguniform(1e-4, 1)")
    if not m:
        raise ConfigError(f"{where}: {usage}")
    kind, body = m.group(1), m.group(2)
    if kind not in ("uniform", "loguniform", "randint", "choice"):
        hint = closest(kind, ["uniform", "loguniform", "randint", "choice"])
        raise ConfigError(f"{where}: unknown distribution '{kind}'{hint}; {usage}")
    args = tuple(parse_value(a) for a in split_top(body)) if body.strip() else ()
    if kind == "choice":
        if not args:
            raise ConfigError(f"{where}: choice() needs at least one value")
        return Distribution(kind, args)
    real = all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args)
    if len(args) != 2 or not real:
        raise ConfigError(f"{where}: {kind} takes two numbers (low, high), got {body.strip()!r}")
    lo, hi = args
    if kind == "randint" and not all(isinstance(a, int) for a in args):
        raise ConfigError(f"{where}: randint takes two integers, got {body.strip()!r}")
    if (lo > hi) if kind == "randint" else (lo >= hi):
        raise ConfigError(f"{where}: low must be below high, got {body.strip()!r}")
    if kind == "loguniform" and lo <= 0:
        raise ConfigError(f"{where}: loguniform needs 0 < low < high, got {body.strip()!r}")
    return Distribution(kind, args)


def parse_grid_option(text: str) -> tuple[str, list[Any]]:
    """``--grid optimizer.lr=0.01,0.1`` → ('optimizer.lr', [0.01, 0.1]); ``[32],[64,64]`` → two
    lists (commas inside brackets do not split)."""
    key, sep, values = text.partition("=")
    if not sep or not key.strip() or not values.strip():
        raise ConfigError(f"--grid {text}: expected KEY.PATH=v1,v2,..., e.g. "
                          "--grid optimizer.lr=0.01,0.1")
    items = split_top(values)
    if any(not item for item in items):
        raise ConfigError(f"--grid {text}: empty value between commas")
    return key.strip(), [parse_value(item) for item in items]


def parse_random_option(text: str) -> tuple[str, Distribution]:
    """``--random optimizer.lr=loguniform(1e-4,1)`` → ('optimizer.lr', Distribution)."""
    key, sep, dist = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--random {text}: expected KEY.PATH=dist(...), e.g. "
                          "--random optimizer.lr=loguniform(1e-4,1)")
    return key.strip(), parse_distribution(dist, f"--random {text}")


# --------------------------------------------------------------------------- the space

@dataclass
class Trial:
    """One run of the sweep: a point of the space with one seed."""

    id: str
    point: int
    values: dict[str, Any]
    seed: int | None
    overrides: list[str]
    status: str = "pending"      # pending running completed failed interrupted error
    run_dir: str | None = None   # inside the sweep folder
    returncode: int | None = None


@dataclass
class Sweep:
    """What to run: a base config, fixed overrides, a grid and/or random space, seeds."""

    base: Path | None = None
    name: str = "sweep"
    grid: dict[str, list[Any]] = field(default_factory=dict)
    random: dict[str, Distribution] = field(default_factory=dict)
    trials: int = DEFAULT_TRIALS
    seeds: list[int] | None = None
    seed: int = 0
    fixed: list[str] = field(default_factory=list)
    metric: str = "val_loss"
    runs_dir: Path = Path("runs")
    base_text: str | None = field(default=None, repr=False)  # read once, for the identity

    def space(self) -> dict[str, Any]:
        return {"grid": self.grid, "random": {k: str(d) for k, d in self.random.items()},
                "trials": self.trials if self.random else None, "seeds": self.seeds,
                "seed": self.seed if self.random else None, "set": self.fixed}

    def key(self) -> str:
        """Identity for resuming: the base config's text, the space, the seeds and the name."""
        if self.base_text is None and self.base is not None:
            self.base_text = self.base.read_text(encoding="utf-8")
        blob = json.dumps({"base": self.base_text, "name": self.name, **self.space()},
                          sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def expand(self) -> list[Trial]:
        """Grid points × random samples (drawn from a Generator seeded with ``seed``), each with
        every seed (``train.seed`` set only when seeds are given)."""
        grid = [dict(zip(self.grid, combo)) for combo in itertools.product(*self.grid.values())]
        samples: list[dict[str, Any]] = [{}]
        if self.random:
            rng = np.random.default_rng(self.seed)
            samples = [{k: d.sample(rng) for k, d in self.random.items()}
                       for _ in range(self.trials)]
        points = [{**g, **s} for s in samples for g in grid]
        seeds: list[int | None] = list(self.seeds) if self.seeds else [None]
        width = max(3, len(str(len(points) * len(seeds) - 1)))
        trials: list[Trial] = []
        for p, values in enumerate(points):
            for seed in seeds:
                overrides = [*self.fixed, *(f"{k}={flow(v)}" for k, v in values.items())]
                if seed is not None:
                    overrides.append(f"train.seed={seed}")
                trials.append(Trial(f"t{len(trials):0{width}d}", p, values, seed, overrides))
        return trials


def is_sweep_file(path: str | Path) -> bool:
    """A YAML mapping with sweep keys (``grid``, ``base``, …) rather than config sections."""
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and bool(set(data) & set(SPEC_KEYS))


def read_sweep_file(path: str | Path) -> dict[str, Any]:
    """A sweep file's fields, checked; ``base`` made relative to the current directory."""
    path = Path(path)
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except OSError:
        raise ConfigError(f"{path}: sweep file not found") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: invalid YAML: {str(e).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a sweep file is a mapping (base, grid, random, ...)")
    out: dict[str, Any] = {}
    for key, value in data.items():
        where = f"{path}: {key}"
        if key not in SPEC_KEYS:
            hint = (" (a sweep file names its experiment with `base:` and fixes fields with "
                    "`set:`)" if key in ("data", "model", "optimizer", "train", "loss")
                    else closest(str(key), list(SPEC_KEYS)))
            raise ConfigError(f"{path}: unknown key '{key}'{hint}; valid keys: "
                              f"{', '.join(SPEC_KEYS)}")
        if key in ("base", "name", "metric", "runs_dir"):
            if not isinstance(value, str):
                raise ConfigError(f"{where}: expected a string, got {value!r}")
            out[key] = Path(os.path.normpath(path.parent / value)) if key == "base" else value
        elif key in ("repeat", "trials", "seed"):
            if not isinstance(value, int) or isinstance(value, bool) or value < (key != "seed"):
                raise ConfigError(f"{where}: expected an integer >= {int(key != 'seed')}, "
                                  f"got {value!r}")
            out[key] = value
        elif key == "seeds":
            if not (isinstance(value, list) and value
                    and all(isinstance(s, int) and s >= 0 for s in value)):
                raise ConfigError(f"{where}: expected a list of integers >= 0, got {value!r}")
            out[key] = value
        elif key == "set":
            value = [value] if isinstance(value, str) else value
            if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
                raise ConfigError(f"{where}: expected a list of KEY.PATH=VALUE strings")
            out[key] = value
        elif key in ("grid", "random"):
            if not isinstance(value, dict) or not value:
                raise ConfigError(f"{where}: expected a mapping of KEY.PATH: values")
            out[key] = {}
            for k, v in value.items():
                if key == "random":
                    out[key][str(k)] = parse_distribution(v, f"{where}.{k}")
                elif isinstance(v, str):
                    out[key][str(k)] = parse_grid_option(f"{k}={v}")[1]
                elif isinstance(v, list) and v:
                    out[key][str(k)] = v
                else:
                    raise ConfigError(f"{where}.{k}: expected a list of values, got {v!r}")
    if "repeat" in out and "seeds" in out:
        raise ConfigError(f"{path}: give repeat or seeds, not both")
    return out


def make_sweep(
    target: str | Path | None = None,
    *,
    grid: Sequence[str] = (),
    random: Sequence[str] = (),
    trials: int | None = None,
    repeat: int | None = None,
    seed: int | None = None,
    fixed: Sequence[str] = (),
    name: str | None = None,
    runs_dir: str | Path | None = None,
    metric: str | None = None,
) -> Sweep:
    """A checked `Sweep` from a sweep file or an experiment config (``target``) plus CLI options.

    Options add to (``grid``, ``random``, ``fixed``) or replace (the rest) the file's values.
    Every trial's config is validated here, so a bad value fails before anything runs.
    """
    spec: dict[str, Any] = {}
    if target is not None and is_sweep_file(target):
        spec = read_sweep_file(target)
        base = spec.get("base")
        default_name = Path(target).stem
    else:
        base = Path(target) if target is not None else None
        default_name = f"{base.stem}-sweep" if base else "sweep"
    if repeat is not None and repeat < 1:
        raise ConfigError(f"--repeat {repeat}: expected an integer >= 1")
    if trials is not None and trials < 1:
        raise ConfigError(f"--trials {trials}: expected an integer >= 1")
    sw = Sweep(base=base, name=name or spec.get("name") or default_name)
    sw.grid = {**spec.get("grid", {}), **dict(parse_grid_option(g) for g in grid)}
    sw.random = {**spec.get("random", {}), **dict(parse_random_option(r) for r in random)}
    both = sorted(set(sw.grid) & set(sw.random))
    if both:
        raise ConfigError(f"{both[0]}: in both the grid and the random space; keep one")
    if (trials is not None or "trials" in spec) and not sw.random:
        raise ConfigError("--trials counts random-search samples; add --random KEY=dist(...)")
    sw.trials = trials or spec.get("trials", DEFAULT_TRIALS)
    sw.seed = seed if seed is not None else spec.get("seed", 0)
    if repeat is not None:
        sw.seeds = list(range(repeat)) if repeat > 1 else None
    elif "seeds" in spec:
        sw.seeds = list(spec["seeds"])
    elif spec.get("repeat", 1) > 1:
        sw.seeds = list(range(spec["repeat"]))
    sw.fixed = [*spec.get("set", []), *fixed]
    if not sw.grid and not sw.random and not sw.seeds:
        raise ConfigError("nothing to sweep: give --grid KEY=v1,v2, --random KEY=dist(...) or "
                          "--repeat N (or a sweep file, see configs/sweeps/)")
    cfg = load_config(sw.base, sw.fixed)
    sw.key()  # reads the base config's text once
    sw.runs_dir = Path(runs_dir or spec.get("runs_dir") or cfg.run.runs_dir)
    sw.metric = _check_metric(metric or spec.get("metric"), resolve(cfg))
    for trial in sw.expand():
        load_config(sw.base, trial.overrides)
    return sw


def _check_metric(metric: str | None, cfg: Any) -> str:
    """The metric to rank trials by; default: the base config's ``train.monitor``."""
    if metric is None:
        return cfg.train.monitor
    has_val = cfg.data.val_split > 0 or catalog.always_validates(cfg.data.name)
    names = ["loss", *(["accuracy"] if cfg.task == "classification" else [])]
    names += [f"val_{m}" for m in names] if has_val else []
    base = metric.split(".", 1)[1] if metric.startswith(("best.", "final.")) else metric
    if base not in (*names, "time", "epochs"):
        raise ConfigError(f"--metric {metric}: not measured for this experiment; choose one of "
                          f"{', '.join(names)} (best value; final.<name> for the last epoch), "
                          "time or epochs")
    return metric


# --------------------------------------------------------------------------- the folder

@dataclass
class _Running:
    """A trial's subprocess, its folders before the start, what it resumes, signals sent."""

    trial: Trial
    proc: subprocess.Popen
    before: set[str]
    resume: Path | None
    signalled: int = 0


Event = Callable[[str, Trial, int, int], None]
"""``on_event(kind, trial, done, total)``; kind is start, resume or end."""


class SweepRun:
    """A sweep's folder: its trials with their status, and the means to run them."""

    def __init__(self, sweep: Sweep, path: Path, created: str) -> None:
        self.sweep, self.path, self.created = sweep, path, created
        self.trials = sweep.expand()
        self.interrupted = False

    # ----- state

    def save(self) -> None:
        """Rewrite sweep.json (atomically)."""
        sw = self.sweep
        write_json(self.path / SWEEP_FILE, {
            "nnlab_sweep": 1, "name": sw.name, "key": sw.key(), "created": self.created,
            "updated": _now(), "base": None if sw.base is None else str(sw.base),
            "metric": sw.metric, "space": sw.space(),
            "trials": [asdict(t) for t in self.trials],
        })

    def refresh(self) -> None:
        """Take each trial's status from its newest run directory (the truth on disk)."""
        for trial in self.trials:
            dirs = trial_dirs(self.path, trial.id)
            if not dirs:
                if trial.status != "error":
                    trial.status, trial.run_dir = "pending", None
                continue
            trial.run_dir = dirs[-1].name
            summary = _summary(dirs[-1])
            trial.status = summary.get("status", "error")
            if trial.status == "failed" and summary.get("stop_reason") != "diverged":
                trial.status = "error"

    def todo(self) -> list[tuple[Trial, Path | None]]:
        """Trials still to run, each with the run directory to resume (None: start afresh)."""
        out = []
        for t in self.trials:
            if t.status in ("completed", "failed"):  # failed = diverged; it would again
                continue
            run = self.path / t.run_dir if t.run_dir else None
            out.append((t, run if run and t.status in ("interrupted", "running")
                        and _resumable(run) else None))
        return out

    def train_args(self, trial: Trial, resume: Path | None) -> list[str]:
        """The ``nnlab train`` arguments for a trial (without the program name)."""
        if resume is not None:
            return ["train", "--resume", str(resume), "--quiet"]
        base = [str(self.sweep.base)] if self.sweep.base else []
        sets = [a for o in trial.overrides for a in ("--set", o)]
        return ["train", *base, *sets, "--runs-dir", str(self.path), "--name", trial.id,
                "--quiet"]

    def commands(self) -> list[str]:
        """One shell command per pending trial (shlex-quoted), for GNU parallel or job arrays."""
        return [shlex.join(["nnlab", *self.train_args(t, r)]) for t, r in self.todo()]

    # ----- running

    def run(self, jobs: int = 1, on_event: Event | None = None,
            handle_signals: bool = True) -> bool:
        """Run the pending trials, ``jobs`` at a time, as subprocesses; returns True when
        stopped by Ctrl-C/SIGTERM (forwarded once to the running trials, which checkpoint and
        stop; a second Ctrl-C is forwarded too and aborts them)."""
        if jobs < 1:
            raise ConfigError(f"--jobs {jobs}: expected an integer >= 1")
        todo = self.todo()
        total, done = len(self.trials), len(self.trials) - len(todo)
        env = _child_env(jobs)
        stops = [0]
        running: list[_Running] = []
        with _lock(self.path), on_signals(lambda signum: stops.__setitem__(0, stops[0] + 1),
                                          handle_signals):
            try:
                while (todo and not stops[0]) or running:
                    while todo and len(running) < jobs and not stops[0]:
                        trial, resume = todo.pop(0)
                        running.append(self._launch(trial, resume, env))
                        self.save()
                        if on_event:
                            on_event("resume" if resume else "start", trial, done, total)
                    for job in list(running):
                        if job.signalled < stops[0]:
                            _interrupt(job.proc)
                            job.signalled = stops[0]
                        if job.proc.poll() is None:
                            continue
                        running.remove(job)
                        self._finished(job, bool(stops[0]))
                        done += 1
                        self.save()
                        if on_event:
                            on_event("end", job.trial, done, total)
                    time.sleep(0.05)
            finally:
                for job in running:  # only after an unexpected error
                    job.proc.kill()
                    job.proc.wait()
                    job.trial.status = "interrupted"
                self._tidy_logs()
                self.save()
        self.interrupted = bool(stops[0])
        return self.interrupted

    def _launch(self, trial: Trial, resume: Path | None, env: dict[str, str]) -> _Running:
        before = {d.name for d in trial_dirs(self.path, trial.id)}
        with open(self.path / f"{trial.id}.log", "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "nnlab.cli", *self.train_args(trial, resume)],
                stdout=subprocess.DEVNULL, stderr=log, stdin=subprocess.DEVNULL, env=env,
                start_new_session=os.name == "posix")  # Ctrl-C reaches the trials via us
        trial.status, trial.returncode = "running", None
        return _Running(trial, proc, before, resume)

    def _finished(self, job: _Running, stopping: bool) -> None:
        trial = job.trial
        trial.returncode = job.proc.returncode
        # the trial's run directory: the one it resumed, or the one it made; its summary.json
        # (written by the trial itself) says how it ended
        new = [d for d in trial_dirs(self.path, trial.id) if d.name not in job.before]
        run_dir = job.resume.name if job.resume is not None else (
            new[-1].name if new else trial.run_dir)
        trial.run_dir = run_dir
        summary = _summary(self.path / run_dir) if run_dir else {}
        status = summary.get("status")
        if status == "completed" or (status == "failed"
                                     and summary.get("stop_reason") == "diverged"):
            trial.status = status
        elif status == "interrupted" or stopping:
            trial.status = "interrupted"
        else:
            trial.status = "error"

    def _tidy_logs(self) -> None:
        for t in self.trials:
            log = self.path / f"{t.id}.log"
            if log.is_file() and log.stat().st_size == 0:
                log.unlink()

    # ----- results

    def runs(self) -> list[compare.RunInfo]:
        return [compare.read_run(self.path / t.run_dir, t.id) for t in self.trials
                if t.run_dir and RunDir.is_run(self.path / t.run_dir)]

    def table(self) -> tuple[list[str], list[dict[str, Any]]]:
        """Compare rows of the trials (name = trial id), best first by the metric."""
        runs = self.runs()
        try:
            return compare.compare_rows(runs, sort=self.sweep.metric)
        except NnlabError:  # no trial measured the metric (e.g. all crashed)
            return compare.compare_rows(runs)

    def groups(self) -> list[dict[str, Any]]:
        """Per point of the space: its values, the trials, and mean ± sample std of the metric
        over the completed ones (std 0 for one); best mean first."""
        columns, rows = self.table()
        by_id = {r["run"]: r for r in rows}
        try:
            column, descending = compare.sort_column(self.sweep.metric, columns)
        except NnlabError:
            column, descending = "", False
        out = []
        for point, members in itertools.groupby(self.trials, key=lambda t: t.point):
            members = list(members)
            values = [by_id[t.id][column] for t in members if t.status == "completed"
                      and t.id in by_id and isinstance(by_id[t.id].get(column), (int, float))]
            arr = np.asarray(values, float)
            out.append({
                "point": point, "values": members[0].values,
                "trials": [t.id for t in members], "n": len(values),
                "mean": float(arr.mean()) if len(arr) else None,
                "std": float(arr.std(ddof=1)) if len(arr) > 1 else (0.0 if len(arr) else None),
            })
        return compare.sort_rows(out, "mean", descending)

    def to_json(self) -> dict[str, Any]:
        columns, rows = self.table()
        return {
            "sweep_dir": str(self.path), "name": self.sweep.name, "key": self.sweep.key(),
            "base": None if self.sweep.base is None else str(self.sweep.base),
            "metric": self.sweep.metric, "space": self.sweep.space(),
            "interrupted": self.interrupted, "trials": [asdict(t) for t in self.trials],
            "table": [{c: r.get(c) for c in columns} for r in rows], "groups": self.groups(),
        }


def open_sweep(sweep: Sweep) -> SweepRun:
    """The folder of this sweep (same key) in ``runs_dir`` if there is one, else a new
    ``<runs_dir>/<name>-<time>-<id>/``; trial states are refreshed from disk and saved."""
    key = sweep.key()
    found = []
    if sweep.runs_dir.is_dir():
        for sj in sweep.runs_dir.glob(f"*/{SWEEP_FILE}"):
            with contextlib.suppress(OSError, ValueError):
                data = json.loads(sj.read_text(encoding="utf-8"))
                if isinstance(data, dict) and data.get("key") == key:
                    found.append((sj.parent.name, sj.parent, data))
    if found:
        _, path, data = max(found, key=lambda f: f[0])
        run = SweepRun(sweep, path, data.get("created") or _now())
        previous = {t.get("id"): t for t in data.get("trials", []) if isinstance(t, dict)}
        for trial in run.trials:
            old = previous.get(trial.id, {})
            if old.get("overrides") == trial.overrides:
                trial.status = old.get("status", "pending")
                trial.returncode = old.get("returncode")
    else:
        path = RunDir.create(sweep.runs_dir, sweep.name, checkpoints=False).path
        run = SweepRun(sweep, path, _now())
    run.refresh()
    run.save()
    return run


def trial_dirs(sweep_dir: Path, trial_id: str) -> list[Path]:
    """Run directories of one trial (``t003-<time>-<id>``), oldest first."""
    prefix = f"{trial_id}-"
    dirs = [d for d in sweep_dir.iterdir() if d.name.startswith(prefix)
            and _TRIAL_DIR.fullmatch(d.name[len(trial_id):]) and RunDir.is_run(d)]
    return sorted(dirs, key=lambda d: (d.name[len(prefix):len(prefix) + 15],
                                       d.stat().st_mtime))


def _summary(run_dir: Path) -> dict[str, Any]:
    return RunDir(run_dir).summary_or_empty()


def _resumable(run_dir: Path) -> bool:
    return RunDir(run_dir).resumable()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _child_env(jobs: int) -> dict[str, str]:
    """The trials import this nnlab; with parallel jobs each gets its share of BLAS threads."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    if jobs > 1:
        threads = str(max(1, (os.cpu_count() or 1) // jobs))
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(var, threads)
    return env


def _interrupt(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, OSError):
        if os.name == "posix":
            proc.send_signal(signal.SIGINT)
        else:
            proc.terminate()


@contextlib.contextmanager
def _lock(sweep_dir: Path) -> Iterator[None]:
    """One running `nnlab sweep` per folder (``sweep.lock`` holds its pid; stale ones expire)."""
    path = sweep_dir / "sweep.lock"
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            with contextlib.suppress(OSError, ValueError):
                pid = int(path.read_text().strip() or 0)
                if pid and pid != os.getpid() and _alive(pid):
                    raise NnlabError(f"{sweep_dir}: this sweep is already running (pid {pid}); "
                                     "wait for it to end or stop it first") from None
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        break
    else:
        raise NnlabError(f"{path}: could not take the sweep lock; remove the file if no sweep "
                         "is running")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def group_label(values: Mapping[str, Any]) -> str:
    """``{'model.activation': 'relu'}`` → ``model.activation=relu``."""
    return " ".join(f"{k}={flow(v)}" for k, v in values.items()) or "(base)"


__all__ = ["Sweep", "SweepRun", "Trial", "Distribution", "make_sweep", "open_sweep",
           "read_sweep_file", "is_sweep_file", "parse_grid_option", "parse_random_option",
           "parse_distribution", "parse_value", "split_top", "flow", "trial_dirs",
           "group_label"]
