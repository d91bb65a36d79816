"""Running a point: its runs (one per seed) as `nnlab train` processes, watched from outside.

    job = PointJob(claim, runs, folder, epoch_key="val_loss")
    while not job.step(): time.sleep(0.1)    # launches, reports epochs, prunes, finishes
    job.status, job.value

What a trial did is read from the files its run directory defines (summary.json, and
metrics.jsonl as it trains — the pruner is fed from there), never from its output. A trial
process stops cleanly (checkpoint, then exit) on SIGINT — the same interrupt as Ctrl-C, used
both to prune it and to stop a sweep — and on SIGTERM, which it gets when its sweep dies, so it
never outlives it. Nothing is resumed while the process that trained it is alive.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ...runs.rundir import RunDir
from ...runs.signals import PARENT_ENV
from ...runs.threads import blas_threads
from .engine import Claim
from .plan import Trial

_TRIAL_DIR = re.compile(r"-\d{8}-\d{6}-[0-9a-f]{6}")
LINUX = sys.platform.startswith("linux")


def trial_dirs(sweep_dir: Path, trial_id: str) -> list[Path]:
    """Run directories of one trial (``t003-<time>-<id>``), oldest first."""
    prefix = f"{trial_id}-"
    dirs = [d for d in sweep_dir.iterdir() if d.name.startswith(prefix)
            and _TRIAL_DIR.fullmatch(d.name[len(trial_id):]) and RunDir.is_run(d)]
    return sorted(dirs, key=lambda d: (d.name[len(prefix):len(prefix) + 15],
                                       d.stat().st_mtime))


INTERRUPTED = 130
"""The exit code of a trial stopped by Ctrl-C/SIGTERM (the sweep's interrupt, or pruning)."""


def run_status(run_dir: Path) -> str:
    """A trial's status from its run directory: completed, failed (diverged: it would again),
    interrupted (resumable), running (its process alive) or error."""
    rd = RunDir(run_dir)
    summary = rd.summary_or_empty()
    status = rd.status(summary)
    if status == "failed" and summary.get("stop_reason") == "diverged":
        return "failed"
    if status in ("completed", "running"):
        return status
    if status in ("interrupted", "crashed") and rd.resumable():
        return "interrupted"
    return "error"


def train_args(trial: Trial, base: Path | None, folder: Path, resume: Path | None) -> list[str]:
    """The ``nnlab train`` arguments of a trial (without the program name)."""
    if resume is not None:
        return ["train", "--resume", str(resume), "--quiet"]
    sets = [a for o in trial.overrides for a in ("--set", o)]
    return ["train", *([str(base)] if base else []), *sets, "--runs-dir", str(folder),
            "--name", trial.id, "--quiet"]


def child_env(jobs: int) -> dict[str, str]:
    """The trials import this nnlab; with parallel jobs each gets its share of BLAS threads."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[3])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    if not LINUX:
        env[PARENT_ENV] = str(os.getpid())
    if jobs > 1:
        threads = str(blas_threads(jobs=jobs))
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(var, threads)
    return env


def _die_with_parent(parent: int) -> Any:
    """A preexec function: the kernel sends SIGTERM to the trial when this process dies."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:     # the sweep died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)
    return preexec


class RunProcess:
    """One `nnlab train` of a trial in a child process; its run directory found on disk."""

    def __init__(self, trial: Trial, base: Path | None, folder: Path, resume: Path | None,
                 env: dict[str, str]) -> None:
        self.trial, self.folder, self.resume = trial, folder, resume
        self.before = {d.name for d in trial_dirs(folder, trial.id)}
        self.run_dir: Path | None = resume
        self.seen = 0
        with open(folder / f"{trial.id}.log", "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "nnlab.cli", *train_args(trial, base, folder, resume)],
                stdout=subprocess.DEVNULL, stderr=log, stdin=subprocess.DEVNULL, env=env,
                start_new_session=os.name == "posix",  # Ctrl-C reaches the trials via us
                preexec_fn=_die_with_parent(os.getpid()) if LINUX else None)
        trial.status, trial.returncode = "running", None

    def find_dir(self) -> Path | None:
        if self.run_dir is None:
            new = [d for d in trial_dirs(self.folder, self.trial.id) if d.name not in self.before]
            self.run_dir = new[-1] if new else None
        return self.run_dir

    def new_records(self) -> list[dict[str, Any]]:
        """The epochs metrics.jsonl gained since the last call."""
        run = self.find_dir()
        if run is None:
            return []
        with contextlib.suppress(OSError, ValueError):
            records = RunDir(run).read_metrics()
            fresh, self.seen = records[self.seen:], max(self.seen, len(records))
            return fresh
        return []

    def interrupt(self) -> None:
        with contextlib.suppress(ProcessLookupError, OSError):
            if os.name == "posix":
                self.proc.send_signal(signal.SIGINT)
            else:
                self.proc.terminate()

    def ended(self) -> bool:
        return self.proc.poll() is not None

    def status(self, stopping: bool) -> str:
        """How the run ended, from its summary.json (written by the trial itself)."""
        self.trial.returncode = code = self.proc.returncode
        run = self.find_dir()
        status = run_status(run) if run is not None else "error"
        if status in ("running", "error") and stopping:
            return "interrupted" if run is not None and RunDir(run).resumable() else "error"
        if status == "interrupted" and not stopping and code != INTERRUPTED:
            # nobody interrupted it: it could not go on (e.g. its --resume was refused, exit 2);
            # relaunching it would fail the same way, so it ends as an error of this run
            return "error"
        return "error" if status == "running" else status


class PointJob:
    """A claimed point: its runs one after another; epochs fed to the pruner."""

    def __init__(self, claim: Claim, runs: list[Trial], base: Path | None, folder: Path,
                 env: dict[str, str], epoch_key: str | None) -> None:
        self.claim, self.runs, self.base, self.folder, self.env = claim, runs, base, folder, env
        self.epoch_key = epoch_key
        self.current: RunProcess | None = None
        self.index, self.pruned, self.stopping = 0, False, 0
        self.reported = set(claim.trial.storage.get_trial(claim.trial._trial_id)
                            .intermediate_values)
        self.status: str | None = None
        self.events: list[tuple[str, Trial, dict[str, Any] | None]] = []
        self.last: dict[str, Any] | None = None

    def stop(self, times: int) -> None:
        """Forward Ctrl-C (each one: a second aborts the trial)."""
        while self.stopping < times:
            self.stopping += 1
            if self.current is not None:
                self.current.interrupt()

    def step(self) -> bool:
        """Advance: launch the next run, report new epochs, end a run; True once all ended."""
        if self.status is not None:
            return True
        if self.current is None and not self._launch_next():
            self.status = self._outcome()
            return True
        proc = self.current
        assert proc is not None
        self._report(proc.new_records(), proc)
        if proc.ended():
            self._report(proc.new_records(), proc)
            run = proc.trial
            status = proc.status(bool(self.stopping))
            if self.pruned and status == "completed":
                self.pruned = False  # it finished before the interrupt arrived: keep it
            run.status = "pruned" if self.pruned else status
            run.run_dir = proc.find_dir().name if proc.find_dir() else run.run_dir
            self.events.append(("end", run, None))
            self.current = None
            self.index += 1
            if not self._launch_next():
                self.status = self._outcome()
                return True
        return False

    def _launch_next(self) -> bool:
        while self.index < len(self.runs) and not self.pruned and not self.stopping:
            run = self.runs[self.index]
            dirs = trial_dirs(self.folder, run.id)
            status = run_status(dirs[-1]) if dirs else "pending"
            if status in ("completed", "failed"):  # done before (e.g. by hand): keep it
                run.status, run.run_dir = status, dirs[-1].name
                self.index += 1
                continue
            if status == "running":  # still finishing after its sweep died: wait for it
                return self._wait(dirs[-1])
            resume = dirs[-1] if status == "interrupted" else None
            self.current = RunProcess(run, self.base, self.folder, resume, self.env)
            run.run_dir = resume.name if resume else None
            self.events.append(("resume" if resume else "start", run, None))
            return True
        return False

    def _wait(self, run_dir: Path) -> bool:
        deadline = time.monotonic() + 60
        while RunDir(run_dir).process_alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        return self._launch_next() if not RunDir(run_dir).process_alive() else False

    def _report(self, records: list[dict[str, Any]], proc: RunProcess) -> None:
        for rec in records:
            epoch = rec.get("epoch")
            self.last = rec
            self.events.append(("epoch", proc.trial, rec))
            value = rec.get(self.epoch_key) if self.epoch_key else None
            if not isinstance(epoch, int) or epoch < 1 or not isinstance(value, (int, float)):
                continue
            if epoch in self.reported or value != value:  # NaN: divergence ends it anyway
                continue
            self.claim.trial.report(float(value), epoch)
            self.reported.add(epoch)
        if records and not self.pruned and not self.stopping and self.reported \
                and self.claim.trial.should_prune():
            self.pruned = True
            proc.interrupt()

    def _outcome(self) -> str:
        statuses = [r.status for r in self.runs]
        if self.pruned:
            for r in self.runs:
                r.status = "pruned" if r.status == "pending" else r.status
            return "pruned"
        for status in ("error", "interrupted", "failed"):
            if status in statuses:
                return status
        return "completed" if all(s == "completed" for s in statuses) else "interrupted"

    def epochs(self) -> int:
        """Epochs trained by the point's runs (summary.json of each)."""
        total = 0
        for r in self.runs:
            if r.run_dir:
                epochs = RunDir(self.folder / r.run_dir).summary_or_empty().get("epochs_run")
                total += epochs if isinstance(epochs, int) else 0
        return total
