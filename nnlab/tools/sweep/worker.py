"""One worker's loop: claim points from the study, run them ``jobs`` at a time, report each
epoch to the pruner, record how each ended; Ctrl-C stops cleanly.

    interrupted = Worker(run, jobs=2).run()           # the sweep itself (holds its lock)
    Worker(run, jobs=1, primary=False).run()          # `--worker`: another process or machine

A worker claims points until none is waiting or ``timeout`` seconds have passed. The sweep
itself (``primary``) first re-queues the points a previous run left with an error or
interrupted, and at the end waits for points other workers are still running (re-queueing and
finishing those whose worker died), so a rerun always completes the study.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...errors import ConfigError
from ...runs.rundir import RunDir
from ...runs.signals import on_signals
from ..compare import metric_value
from .file import epoch_key
from .folder import SweepRun
from .plan import Trial
from .trials import PointJob, child_env

POLL = 0.1
IDLE = 1.0
"""Seconds between looks at the study while waiting for other workers' points."""


@dataclass
class Event:
    """What a worker reports: a run started/resumed/ended, or an epoch of a running one."""

    kind: str                     # start resume epoch end
    trial: Trial
    done: int                     # runs finished (completed, pruned, failed)
    total: int
    counts: dict[str, int] = field(default_factory=dict)   # points by state, study-wide
    record: dict[str, Any] | None = None                   # the epoch (kind epoch)
    running: list[PointJob] = field(default_factory=list)  # this worker's points


class Worker:
    """Runs a sweep's points in this process, ``jobs`` at a time."""

    def __init__(self, run: SweepRun, jobs: int = 1, timeout: float | None = None,
                 primary: bool = True, on_event: Callable[[Event], None] | None = None) -> None:
        if jobs < 1:
            raise ConfigError(f"--jobs {jobs}: expected an integer >= 1")
        if timeout is not None and timeout <= 0:
            raise ConfigError(f"--timeout {timeout}: expected a number of seconds > 0")
        self.run_, self.jobs, self.primary, self.on_event = run, jobs, primary, on_event
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.env = child_env(jobs)
        self.active: list[PointJob] = []
        self.stops = 0
        self.counts: dict[str, int] = {}

    def run(self, handle_signals: bool = True) -> bool:
        """Work until the study has nothing left for us; True when stopped by Ctrl-C/SIGTERM
        (forwarded once to the running trials, which checkpoint and stop; a second Ctrl-C is
        forwarded too and aborts them)."""
        study = self.run_.study
        if self.primary:
            study.revive()
        study.recover()
        self._update()
        with on_signals(self._stop, handle_signals):
            try:
                while self._tick():
                    time.sleep(POLL)
            finally:
                for job in self.active:  # only after an unexpected error
                    if job.current is not None:
                        job.current.proc.kill()
                        job.current.proc.wait()
                self._tidy_logs()
                self._update()
        self.run_.interrupted = bool(self.stops)
        return self.run_.interrupted

    def _stop(self, signum: int) -> None:
        self.stops += 1

    def _tick(self) -> bool:
        """One pass of the loop; False when this worker is done."""
        self._claim()
        for job in list(self.active):
            job.stop(self.stops)
            if job.step():
                self.active.remove(job)
                self._finish(job)
            else:
                self.run_.study.heartbeat(job.claim)
                if any(kind == "end" for kind, _, _ in job.events):
                    self._update()
            self._emit(job)
        if self.active:
            return True
        if self._claiming() and self.run_.study.waiting():
            return True
        if self.primary and self._claiming() and self.run_.study.running_elsewhere():
            time.sleep(IDLE)  # other workers' points: wait, and take over a dead one's
            self.run_.study.recover()
            return True
        return False

    def _claiming(self) -> bool:
        return not self.stops and (self.deadline is None or time.monotonic() < self.deadline)

    def _claim(self) -> None:
        while self._claiming() and len(self.active) < self.jobs:
            claim = self.run_.study.claim()
            if claim is None:
                return
            sw = self.run_.sweep
            job = PointJob(claim, sw.runs_of(claim.point, claim.values), sw.base,
                           self.run_.path, self.env, epoch_key(sw.metric))
            self.active.append(job)
            job.step()
            self._update()
            self._emit(job)

    def _finish(self, job: PointJob) -> None:
        status = job.status or "error"
        value = self._value(job) if status == "completed" else None
        if status == "completed" and value is None:
            status = "failed"  # no run measured the metric
        self.run_.study.finish(job.claim, status, value, job.epochs())
        if status == "pruned":
            for r in job.runs:
                if r.run_dir:
                    RunDir(self.run_.path / r.run_dir).log(
                        f"pruned by sweep {self.run_.path.name} after epoch "
                        f"{max(job.reported, default=0)}; resume by hand with nnlab train "
                        "--resume")
        self._update()

    def _value(self, job: PointJob) -> float | None:
        """The point's value: the metric averaged over its seeds."""
        values = [metric_value(RunDir(self.run_.path / r.run_dir).summary_or_empty(),
                               self.run_.sweep.metric) for r in job.runs if r.run_dir]
        numbers = [float(v) for v in values if v is not None]
        return statistics.fmean(numbers) if numbers and len(numbers) == len(job.runs) else None

    def _update(self) -> None:
        self.run_.refresh()
        self.run_.save()
        self.counts = self.run_.study.counts()

    def _emit(self, job: PointJob) -> None:
        events, job.events = job.events, []
        if self.on_event is None:
            return
        trials = self.run_.trials
        done = sum(t.status in ("completed", "failed", "pruned") for t in trials)
        for kind, trial, record in events:
            shown = next((t for t in trials if t.id == trial.id), trial) if kind == "end" \
                else trial
            self.on_event(Event(kind, shown, done, len(trials), self.counts, record,
                                list(self.active)))

    def _tidy_logs(self) -> None:
        for t in self.run_.trials:
            log = self.run_.path / f"{t.id}.log"
            if log.is_file() and log.stat().st_size == 0:
                log.unlink()
