"""The Optuna study behind a sweep: its storage, the plan of trials, claiming, recovery.

    study = SweepStudy(sweep, storage=None, folder=path)   # embedded: path/study.journal
    study.open()                 # create it with its plan, or join it (any number of workers)
    claim = study.claim()        # one waiting point, atomically ours, its values chosen now
    study.finish(claim, "completed", 0.031)

One Optuna trial is one *point* of the space. The plan is fixed when the study is created: one
WAITING trial per point (planned samplers enqueue the point's values; an adaptive sampler
fills them in when the point is claimed). A worker takes a point by moving a WAITING trial to
RUNNING, which the storage does atomically (a row lock in PostgreSQL/MySQL, the journal's
order in a journal file), so the budget is exact and no point runs twice. A point whose
worker died is failed and re-queued as a WAITING copy with the same values and epochs, which
the next worker resumes from its run directories' checkpoints: on this host as soon as the
worker's process is gone, elsewhere once its heartbeat is `GRACE` seconds old.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from ...errors import NnlabError
from ...runs.rundir import HOST, process_running
from .algorithms import make_pruner, make_sampler
from .file import direction
from .plan import Sweep
from .space import choices

JOURNAL = "study.journal"
HEARTBEAT = 20.0
"""Seconds between the heartbeats a worker records on each of its running points."""
GRACE = 300.0
"""A running point on another host whose heartbeat is this old is taken as orphaned."""
PLAN = "nnlab_plan"
FINAL = {"completed", "pruned", "failed"}
"""Statuses a rerun keeps; ``error``, ``interrupted`` and ``crashed`` points are run again."""


def open_storage(url: str | None, folder: Path) -> Any:
    """The embedded journal file in the sweep folder, a journal file (``journal:PATH`` or a
    path), or any SQLAlchemy URL Optuna takes (``postgresql://``, ``mysql://``, ``sqlite://``).
    """
    from optuna.storages import JournalStorage, RDBStorage
    from optuna.storages.journal import JournalFileBackend

    if url is None or url.startswith("journal:") or "://" not in url:
        path = folder / JOURNAL if url is None else Path(url.removeprefix("journal:"))
        return JournalStorage(JournalFileBackend(str(path)))
    for attempt in range(4):
        try:
            return RDBStorage(_driver(url), engine_kwargs={"pool_pre_ping": True})
        except ImportError as e:
            raise NnlabError(f"--storage {redact(url)}: {e.name or 'a database driver'} is "
                             "not installed; pip install 'nnlab[postgres]'") from None
        except Exception as e:  # SQLAlchemy's: refused connection, bad URL, unknown db, ...
            if attempt == 3 or "already exists" not in str(e) and "duplicate" not in str(e):
                raise NnlabError(f"--storage {redact(url)}: cannot open the study database "
                                 f"({str(e).splitlines()[0]})") from None
            # workers that start together on an empty database race to create its tables:
            # the loser finds them made a moment later
            time.sleep(0.5 + attempt)
    raise AssertionError("unreachable")


def _driver(url: str) -> str:
    """``postgresql://`` means psycopg 3 when psycopg2 (SQLAlchemy's default) is absent."""
    if url.startswith(("postgresql://", "postgres://")):
        try:
            import psycopg2  # noqa: F401
        except ImportError:
            return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def redact(url: str) -> str:
    """A storage URL fit to print: the password replaced by ***."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


@dataclass
class Claim:
    """A point this worker runs: its Optuna trial, number in the plan and values."""

    trial: Any          # optuna.Trial
    point: int
    values: dict[str, Any]
    retry_of: int | None
    beat: float = 0.0


class SweepStudy:
    """A sweep's Optuna study: one trial per point of the plan."""

    def __init__(self, sweep: Sweep, storage: str | None, folder: Path) -> None:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.sweep, self.url = sweep, storage
        # one storage object for every study object made from it (Optuna wraps a database
        # in a cache that must see every trial this process touches)
        self.storage = optuna.storages.get_storage(open_storage(storage, folder))
        self.name = f"{sweep.name}-{sweep.key()}"
        self.direction = direction(sweep.metric)
        self.pruner = make_pruner(sweep.pruner)
        self.study_id: int | None = None

    # ------------------------------------------------------------------ creating, joining
    def open(self, wait: float = 120.0) -> None:
        """Create the study with its plan, or join it once its creator has enqueued the plan."""
        try:
            study = optuna.create_study(storage=self.storage, study_name=self.name,
                                        direction=self.direction)
        except optuna.exceptions.DuplicatedStudyError:
            study = self.study()
            deadline = time.monotonic() + wait
            while PLAN not in study.user_attrs:
                if time.monotonic() > deadline:
                    raise NnlabError(f"study {self.name}: it has no plan of trials yet; is the "
                                     "process that created it still starting?") from None
                time.sleep(0.5)
        else:
            self._enqueue_plan(study)
        self.study_id = self.storage.get_study_id_from_name(self.name)

    def _enqueue_plan(self, study: optuna.Study) -> None:
        for point, values in enumerate(self.sweep.points()):
            study.enqueue_trial(self._encode(values),
                                user_attrs={"point": point, "values": values})
        study.set_user_attr(PLAN, {"points": self.sweep.n_points(), "key": self.sweep.key()})

    def _encode(self, values: dict[str, Any]) -> dict[str, Any]:
        """A point's values as Optuna parameters (categoricals by their stored choice)."""
        out = {}
        for k, v in values.items():
            options = self.sweep.grid.get(k)
            dist = self.sweep.random.get(k)
            if dist is not None and dist.kind == "choice":
                options = list(dist.args)
            out[k] = choices(options)[options.index(v)] if options is not None else v
        return out

    def study(self, seed: int | None = None) -> optuna.Study:
        """The study with this sweep's sampler (seeded per point: see `claim`) and pruner."""
        sampler = make_sampler(self.sweep.algorithm, self.sweep.seed if seed is None else seed)
        return optuna.load_study(study_name=self.name, storage=self.storage, sampler=sampler,
                                 pruner=self.pruner)

    # ------------------------------------------------------------------ reading
    def trials(self, states: tuple[TrialState, ...] | None = None) -> list[FrozenTrial]:
        assert self.study_id is not None, "open() first"
        return self.storage.get_all_trials(self.study_id, deepcopy=False, states=states)

    def latest(self) -> dict[int, FrozenTrial]:
        """Each point's newest trial (a re-queued point has several), duplicates left out."""
        out: dict[int, FrozenTrial] = {}
        for ft in self.trials():
            if ft.user_attrs.get("status") != "duplicate" and "point" in ft.user_attrs:
                out[ft.user_attrs["point"]] = ft
        return out

    def counts(self) -> dict[str, int]:
        """Points by state: completed, pruned, failed (incl. errors), running, waiting."""
        names = {TrialState.COMPLETE: "completed", TrialState.PRUNED: "pruned",
                 TrialState.FAIL: "failed", TrialState.RUNNING: "running",
                 TrialState.WAITING: "waiting"}
        out = dict.fromkeys(names.values(), 0)
        for ft in self.latest().values():
            out[names[ft.state]] += 1
        return out

    # ------------------------------------------------------------------ claiming
    def claim(self) -> Claim | None:
        """Take the first waiting point (None when there is none left)."""
        for ft in self.trials((TrialState.WAITING,)):
            try:
                if not self.storage.set_trial_state_values(ft._trial_id, TrialState.RUNNING):
                    continue  # another worker took it first
            except optuna.exceptions.UpdateFinishedTrialError:
                continue
            claim = self._start(ft)
            if claim is not None:
                return claim
        return None

    def _start(self, ft: FrozenTrial) -> Claim | None:
        point = ft.user_attrs["point"]
        # a sampler seeded per point: one worker reproduces the sweep exactly, and workers
        # that claim at the same moment do not draw the same values
        trial = optuna.Trial(self.study((self.sweep.seed * 1_000_003 + point) % 2**32),
                             ft._trial_id)
        trial.set_user_attr("worker", {"host": HOST, "pid": os.getpid()})
        trial.set_user_attr("heartbeat", time.time())
        if self._duplicate(ft):
            trial.set_user_attr("status", "duplicate")
            trial.study.tell(trial, state=TrialState.FAIL)
            return None
        values = dict(ft.user_attrs.get("values", {}))
        for k in self.sweep.grid:
            trial.suggest_categorical(k, choices(self.sweep.grid[k]))
        for k, dist in self.sweep.random.items():
            value = dist.suggest(trial, k)
            values.setdefault(k, value)  # a planned point keeps its enqueued value
        values = {k: values[k] for k in [*self.sweep.grid, *self.sweep.random]}
        trial.set_user_attr("values", values)
        return Claim(trial, point, values, ft.user_attrs.get("retry_of"), time.monotonic())

    def _duplicate(self, mine: FrozenTrial) -> bool:
        """Another trial of the same point is done, or active with a lower number (two
        processes re-queued the same point on different machines): only one runs it."""
        point = mine.user_attrs["point"]
        for ft in self.trials():
            if ft.number == mine.number or ft.user_attrs.get("point") != point:
                continue
            if ft.state in (TrialState.COMPLETE, TrialState.PRUNED) or (
                    ft.state in (TrialState.RUNNING, TrialState.WAITING)
                    and ft.number < mine.number and ft.user_attrs.get("status") != "duplicate"):
                return True
        return False

    def heartbeat(self, claim: Claim) -> None:
        if time.monotonic() - claim.beat >= HEARTBEAT:
            claim.trial.set_user_attr("heartbeat", time.time())
            claim.beat = time.monotonic()

    # ------------------------------------------------------------------ ending
    def finish(self, claim: Claim, status: str, value: float | None, epochs: int) -> None:
        """Record how a point ended: completed (with its value), pruned, failed (diverged),
        error, or interrupted (re-queued at once, so a rerun or another worker resumes it)."""
        trial = claim.trial
        trial.set_user_attr("status", status)
        trial.set_user_attr("epochs", epochs)
        if status == "completed" and value is not None:
            trial.study.tell(trial, value)
        elif status == "pruned":
            trial.study.tell(trial, state=TrialState.PRUNED)
        elif status == "interrupted":
            self.requeue(self.storage.get_trial(trial._trial_id), status)
        else:
            trial.study.tell(trial, state=TrialState.FAIL)

    def requeue(self, ft: FrozenTrial, status: str) -> bool:
        """Fail a running or ended trial and enqueue a copy with its values and epochs; False
        when another process failed it first (it re-queues it, not us)."""
        if ft.state in (TrialState.RUNNING, TrialState.WAITING):
            self.storage.set_trial_user_attr(ft._trial_id, "status", status)
            try:
                if not self.storage.set_trial_state_values(ft._trial_id, TrialState.FAIL):
                    return False
            except optuna.exceptions.UpdateFinishedTrialError:
                return False
        attrs = {k: ft.user_attrs[k] for k in ("point", "values") if k in ft.user_attrs}
        self.study().add_trial(optuna.trial.create_trial(
            state=TrialState.WAITING, params=ft.params, distributions=ft.distributions,
            user_attrs={**attrs, "retry_of": ft.number},
            intermediate_values=dict(ft.intermediate_values)))
        return True

    def recover(self) -> int:
        """Re-queue the running points whose worker is gone; returns how many."""
        now, n = time.time(), 0
        for ft in self.trials((TrialState.RUNNING,)):
            if _orphaned(ft, now):
                n += self.requeue(ft, "crashed")
        return n

    def revive(self) -> int:
        """Re-queue the points that ended with an error or were interrupted (a rerun)."""
        n = 0
        for ft in self.latest().values():
            if ft.state == TrialState.FAIL and ft.user_attrs.get("status") not in FINAL:
                n += self.requeue(ft, ft.user_attrs.get("status", "error"))
        return n

    def running_elsewhere(self) -> int:
        return sum(1 for ft in self.latest().values() if ft.state == TrialState.RUNNING
                   and (ft.user_attrs.get("worker") or {}).get("pid") != os.getpid())

    def waiting(self) -> int:
        return len(self.trials((TrialState.WAITING,)))


def _orphaned(ft: FrozenTrial, now: float) -> bool:
    worker = ft.user_attrs.get("worker") or {}
    alive = process_running(worker.get("host"), worker.get("pid"))
    if alive is not None:
        return not alive
    beat = ft.user_attrs.get("heartbeat")
    if not isinstance(beat, (int, float)):
        start = ft.datetime_start
        beat = start.timestamp() if start is not None else now
    return now - beat > GRACE


@contextlib.contextmanager
def quiet_optuna() -> Any:
    """Optuna's experimental-feature warnings are not the user's business."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        yield
