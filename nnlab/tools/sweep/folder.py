"""A sweep's folder: its study, its trials' run directories and ``sweep.json``.

Layout of ``runs/<name>-<UTC time>-<id>/``: ``study.journal`` (the embedded Optuna study, when
no ``--storage`` is given), ``sweep.json`` (the space and every trial with its status, rewritten
atomically after each change: the view `nnlab runs` reads), one run directory per trial
(``t000-…``, ``t001-…``), ``t000.log`` with a trial's stderr when it printed anything, and
``plots/``. A sweep is identified by a hash of its base experiment (merged with the files of
its ``base:`` chain), its space, seeds, sampler, pruner and name, so running the same command
again finds the folder and continues its study: completed, pruned and diverged trials are
kept, interrupted ones continue with ``nnlab train --resume``, and crashed ones run again.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from optuna.trial import FrozenTrial, TrialState

from ...errors import NnlabError
from ...files import write_json
from ...runs.rundir import RunDir
from .. import compare
from .engine import SweepStudy, redact
from .oslock import locked
from .plan import Sweep, Trial
from .trials import run_status, train_args, trial_dirs

SWEEP_FILE = compare.SWEEP_FILE
LOCK = "sweep.lock"


class SweepRun:
    """A sweep's folder and study: its trials (runs) with their status."""

    def __init__(self, sweep: Sweep, path: Path, created: str, study: SweepStudy) -> None:
        self.sweep, self.path, self.created, self.study = sweep, path, created, study
        self.trials: list[Trial] = []
        self.interrupted = False
        self.refresh()

    # ----- state

    def refresh(self) -> None:
        """Each trial's values from the study and its status from its run directory on disk
        (the truth), or from the study when it has none here."""
        latest = self.study.latest()
        plan = self.sweep.points() if self.sweep.planned else None
        trials = []
        for point in range(self.sweep.n_points()):
            ft = latest.get(point)
            values = (ft.user_attrs.get("values") if ft is not None else None) or (
                plan[point] if plan is not None else {})
            for trial in self.sweep.runs_of(point, values):
                trial.status, trial.run_dir = _status(self.path, trial.id, ft)
                trials.append(trial)
        self.trials = trials

    def save(self) -> None:
        """Rewrite sweep.json (atomically)."""
        sw = self.sweep
        write_json(self.path / SWEEP_FILE, {
            "nnlab_sweep": 2, "name": sw.name, "key": sw.key(), "created": self.created,
            "updated": _now(), "base": None if sw.base is None else str(sw.base),
            "metric": sw.metric, "space": sw.space(), "study": self.study.name,
            "storage": "embedded" if self.study.url is None else redact(self.study.url),
            "trials": [asdict(t) for t in self.trials],
        })

    def todo(self) -> list[tuple[Trial, Path | None]]:
        """Runs still to do, each with the run directory to resume (None: start afresh)."""
        out = []
        for t in self.trials:
            if t.status in ("completed", "failed", "pruned"):
                continue
            run = self.path / t.run_dir if t.run_dir else None
            out.append((t, run if run is not None and t.status == "interrupted" else None))
        return out

    def commands(self) -> list[str]:
        """One `nnlab train` command per pending run of a planned sweep (shlex-quoted)."""
        import shlex

        return [shlex.join(["nnlab", *train_args(t, self.sweep.base, self.path, r)])
                for t, r in self.todo()]

    def lock(self) -> Any:
        """The lock one `nnlab sweep` (not a ``--worker``) holds on this folder for its life."""
        return locked(self.path / LOCK, wait=False)


def _status(folder: Path, trial_id: str, ft: FrozenTrial | None) -> tuple[str, str | None]:
    dirs = trial_dirs(folder, trial_id) if folder.is_dir() else []
    if dirs:
        status = run_status(dirs[-1])
        if status == "interrupted" and ft is not None and ft.state == TrialState.PRUNED:
            status = "pruned"
        elif status == "interrupted" and ft is not None and ft.state == TrialState.FAIL \
                and ft.user_attrs.get("status") == "error":
            status = "error"  # it could not go on (its --resume was refused): see its .log
        return status, dirs[-1].name
    if ft is not None and ft.state in (TrialState.PRUNED, TrialState.COMPLETE):
        return ("pruned" if ft.state == TrialState.PRUNED else "completed"), None  # elsewhere
    if ft is not None and ft.state == TrialState.FAIL and ft.user_attrs.get("status") == "failed":
        return "failed", None
    return "pending", None


def open_sweep(sweep: Sweep, storage: str | None = None) -> SweepRun:
    """The folder of this sweep (same key) in ``runs_dir`` if there is one, else a new
    ``<runs_dir>/<name>-<time>-<id>/``; its study created or joined. Two processes started
    at the same moment find the same folder: the runs folder is locked while one looks."""
    try:
        sweep.runs_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise NnlabError(f"{sweep.runs_dir}: cannot create the runs folder ({err.strerror}); "
                         "choose another with --runs-dir or run.runs_dir") from None
    with locked(sweep.runs_dir):
        found = _find(sweep)
        if found is not None:
            path, created = found
        else:
            path, created = RunDir.create(sweep.runs_dir, sweep.name,
                                          checkpoints=False).path, _now()
        study = SweepStudy(sweep, storage, path)
        study.open()
        run = SweepRun(sweep, path, created, study)
        run.save()
    return run


def _find(sweep: Sweep) -> tuple[Path, str] | None:
    key, found = sweep.key(), []
    for sj in sweep.runs_dir.glob(f"*/{SWEEP_FILE}"):
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(sj.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("key") == key:
                found.append((sj.parent.name, sj.parent, str(data.get("created") or _now())))
    if not found:
        return None
    _, path, created = max(found)
    return path, created


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
