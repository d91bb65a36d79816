"""Training into a run directory: start, resume, flush files together, summarize, reload.

    result = train("configs/sine.yaml")             # writes runs/sine-…/
    exp = load_run(result.run_dir, "best")         # the experiment with its best weights

What a run leaves beyond its numbers (pictures, a report) is drawn by a ``finish`` hook the
caller passes in (`nnlab.train` and the CLI pass `nnlab.tools.outputs.finish_run`), so this
layer never imports plotting. Nothing here prints.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Config
from ..core.network import Network
from ..errors import (
    ConfigError,
    Interrupted,
    NnlabError,
    RunFailed,
    TrainingDiverged,
    fault_line,
)
from ..version import __version__
from . import extend
from .experiment import Experiment, as_config, build
from .format import epoch_line
from .rundir import HOST, RunDir
from .signals import stop_requests
from .snapshots import SnapshotRecorder
from .trainer import Trainer, TrainState

Finish = Callable[[RunDir, Experiment], None]
"""Called once a run has ended and its summary is written (pictures, report, ...), with the
experiment's data arrays released: what a hook draws comes from the run directory (`load_run`
rebuilds the data when a picture needs it)."""

STATUS = {"completed": "completed", "early_stopping": "completed", "converged": "completed",
          "interrupted": "interrupted", "diverged": "failed"}


@dataclass
class RunResult:
    """What `train` returns: where the run is, its summary and the trained network."""

    run_dir: Path
    summary: dict[str, Any]
    network: Network
    state: TrainState
    records: list[dict[str, Any]] = field(default_factory=list)


def versions() -> dict[str, str]:
    return {"python": platform.python_version(), "numpy": np.__version__, "nnlab": __version__}


def summarize(exp: Experiment, run: RunDir, st: TrainState, records: list[dict[str, Any]],
              overrides: Sequence[str], status: str) -> dict[str, Any]:
    """The content of summary.json."""
    def metrics(rec: dict[str, Any] | None) -> dict[str, Any]:
        return {k: v for k, v in (rec or {}).items()
                if not isinstance(v, list) and k not in ("time", "lr")}

    best = next((r for r in records if r["epoch"] == st.best_epoch), None)
    d = exp.dataset
    return {
        "run_dir": str(run.path), "name": exp.config.run.name, "status": status,
        "stop_reason": st.stop_reason, "epochs_run": st.epoch,
        "epochs": exp.config.train.epochs, "monitor": exp.config.train.monitor,
        "best_epoch": st.best_epoch, "best": metrics(best),
        "final": metrics(records[-1] if records else None),
        "wall_time": round(st.elapsed, 3), "threads": st.threads, "seed": exp.config.train.seed,
        "network": repr(exp.network), "n_params": exp.network.n_params,
        "data": {"name": d.name, "task": d.task, "train": len(d.x_train),
                 "val": 0 if d.x_val is None else len(d.x_val),
                 "test": 0 if d.x_test is None else len(d.x_test)},
        "overrides": list(overrides), "versions": versions(),
        "pid": os.getpid(), "host": HOST,  # who trains it: `RunDir.process_alive`
    }


def _start(cfg: Config | str | Path | None, overrides: Sequence[str], name: str | None,
           runs_dir: str | Path | None, progress: Any) -> tuple[Experiment, RunDir, Trainer]:
    """A new run directory with its resolved config.yaml, and the trainer for it."""
    c = as_config(cfg, overrides)
    if name or runs_dir:
        c = c.model_copy(deep=True)
        c.run.name = name or c.run.name
        c.run.runs_dir = str(runs_dir) if runs_dir else c.run.runs_dir
    exp = build(c, progress=progress)  # resolving names the run after its file, as the CLI
    trainer = exp.trainer()  # before the folder exists: a config it refuses leaves nothing
    run = RunDir.create(exp.config.run.runs_dir, exp.config.run.name)
    if "preprocessing" in exp.dataset.info:  # your own table: nnlab predict needs it
        run.write_preprocessing(exp.dataset.info["preprocessing"])
    run.write_config(RunDir.config_header(c.source, overrides, c.chain) + "\n"
                     + exp.config.to_yaml())
    # the epoch-0 checkpoint: a run killed in its first second can still be resumed
    trainer.state.rng_state = trainer.rng.bit_generator.state
    run.save_checkpoint("last", RunDir.checkpoint_arrays(trainer))
    return exp, run, trainer


def _resume(path: str | Path, progress: Any, overrides: Sequence[str] = ()
            ) -> tuple[Experiment, RunDir, Trainer]:
    """The experiment of a run, its trainer at the last checkpoint: an interrupted run goes
    on; with ``overrides`` (e.g. more ``train.epochs``) a finished one is extended."""
    run = RunDir.open(path)
    summary = run.summary_or_empty()
    if run.process_alive(summary):
        raise NnlabError(f"{run.path}: still being trained by process {summary.get('pid')} "
                         "on this machine; wait for it to end or stop it first")
    run.remove_temp_files()  # left by a process killed while it wrote (kill -9, power cut)
    cfg = extend.extended_config(run, overrides) if overrides else run.file(RunDir.CONFIG)
    exp = build(cfg, progress=progress)
    trainer = exp.trainer()
    run.restore(trainer, extend=bool(overrides))
    if overrides:
        extend.record(run, exp.config, trainer.state.epoch, overrides)
    return exp, run, trainer


def train(
    cfg: Config | str | Path | None = None,
    *,
    overrides: Sequence[str] = (),
    name: str | None = None,
    runs_dir: str | Path | None = None,
    resume: str | Path | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
    on_step: Callable[[int, int, int], None] | None = None,
    on_start: Callable[[Experiment, Path], None] | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
    finish: Finish | None = None,
    handle_signals: bool = True,
) -> RunResult:
    """Train a config into a new run directory, or continue ``resume`` from its last checkpoint.

    Ctrl-C/SIGTERM stop after the current step with a checkpoint (``handle_signals``). Raises
    `TrainingDiverged` (after writing the summary) when the loss becomes NaN/inf.
    """
    if resume is not None:
        if cfg is not None:
            raise ConfigError("--resume continues a run with the config it recorded; drop the "
                              "config file (--set train.epochs=N trains a finished run further)")
        exp, run, trainer = _resume(resume, progress, overrides)
        overrides = [*run.overrides(), *overrides]
        st = trainer.state
        # from (epoch 0, step 0) — the first checkpoint — the trainer measures epoch 0 again
        records = [r for r in run.read_metrics() if r["epoch"] <= st.epoch
                   and (st.epoch or st.step)]
        if run.metrics_cut:
            run.log(f"{RunDir.METRICS}: its last line was cut off; dropped, the run continues "
                    f"from its checkpoint at epoch {trainer.state.epoch}")
    else:
        exp, run, trainer = _start(cfg, overrides, name, runs_dir, progress)
        records = []
    try:
        if on_start:
            on_start(exp, run.path)
        _log_start(run, exp, trainer.state, resumed=resume is not None)
        st, summary = _fit(exp, run, trainer, records, overrides, on_epoch, on_step,
                           handle_signals)
    except BaseException as err:
        raise _ended_by(err, exp, run, trainer, records, overrides) from err
    if finish is not None:
        del trainer  # the data arrays are now held by exp.dataset alone (the hook may let go)
        _finish(run, exp, finish)
    if st.stop_reason == "diverged":
        err = TrainingDiverged(_diverged(st, run))
        err.summary = summary  # type: ignore[attr-defined]
        raise err
    return RunResult(run.path, summary, exp.network, st, records)


def _fit(exp: Experiment, run: RunDir, trainer: Trainer, records: list[dict[str, Any]],
         overrides: Sequence[str], on_epoch: Callable[[dict[str, Any]], None] | None,
         on_step: Callable[[int, int, int], None] | None,
         handle_signals: bool) -> tuple[TrainState, dict[str, Any]]:
    """Train with the run directory's files, snapshots and stop requests; write the summary."""

    def running_summary() -> None:
        run.write_summary(summarize(exp, run, trainer.state, records, overrides, "running"))

    running_summary()
    snapshot = SnapshotRecorder(exp.dataset, exp.network, trainer.x_probe, exp.config.train.epochs,
                                exp.config.run.snapshots, run.read_snapshots(), trainer.state.epoch)
    files = _Flusher(run, records, exp.config.train.epochs, running_summary, snapshot)

    def record(rec: dict[str, Any]) -> None:
        records.append(rec)
        snapshot(rec["epoch"])
        if on_epoch:
            on_epoch(rec)

    trainer.on_epoch, trainer.on_step, trainer.on_checkpoint = record, on_step, files.checkpoint
    with stop_requests(handle_signals) as should_stop:
        trainer.should_stop = should_stop
        try:
            st = trainer.fit()
        finally:
            files.flush()
            # the callbacks close over this frame (a reference cycle through the trainer):
            # unhook them, so the data can be freed before the finish hook without a gc pass
            trainer.on_epoch = trainer.on_step = trainer.on_checkpoint = None
    status = STATUS[st.stop_reason or "completed"]
    summary = summarize(exp, run, st, records, overrides, status)
    run.write_summary(summary)
    run.log(f"{status}: {st.stop_reason} after {st.epoch} epochs")
    return st, summary


def _ended_by(err: BaseException, exp: Experiment, run: RunDir, trainer: Trainer,
              records: list[dict[str, Any]], overrides: Sequence[str]) -> BaseException:
    """Record how a run ended that was stopped by an exception, never leaving it "running":
    a second Ctrl-C → interrupted (its last checkpoint resumes), anything else (disk full, out
    of memory, a file that vanished) → failed, as a `RunFailed` naming the cause (exit 1)."""
    st = trainer.state
    with contextlib.suppress(TypeError):  # describe the run as its last checkpoint has it
        st = TrainState(**(run.train_state("last") or dataclasses.asdict(st)))
    records = [r for r in records if r["epoch"] <= st.epoch]
    if isinstance(err, KeyboardInterrupt):
        st.stop_reason, status, line = "interrupted", "interrupted", "interrupted"
    else:
        st.stop_reason, status, line = "error", "failed", fault_line(err)
    summary = {**summarize(exp, run, st, records, overrides, status), "error": line}
    run.mark_ended(summary, f"{status}: {line}")
    if isinstance(err, KeyboardInterrupt):
        return err
    saved = run.checkpoint_path("last")
    kept = f"its last good checkpoint is {saved}" if saved.is_file() else "it has no checkpoint"
    failed = RunFailed(f"{line}; the run is marked failed, {kept}")
    failed.summary = summary  # type: ignore[attr-defined]
    return failed


def _finish(run: RunDir, exp: Experiment, finish: Finish) -> None:
    """The end-of-run hook (pictures); Ctrl-C there stops it (exit 130), the run stays done."""
    try:
        finish(run, exp)
    except KeyboardInterrupt:
        with contextlib.suppress(OSError):
            run.log("pictures: interrupted")
        raise Interrupted(f"interrupted while drawing the pictures; the run itself is complete "
                          f"in {run.path} (draw them with `nnlab plot {run.path}`)") from None


def _diverged(st: TrainState, run: RunDir) -> str:
    """Why the loss became NaN/inf: at initialization it is the data or the initial weights
    (a learning rate has not acted yet); later, most often the learning rate."""
    kept = f"the last good checkpoint is kept in {run.checkpoint_path('last')}"
    if st.epoch == 0:
        return ("the loss is NaN/inf already at initialization, before any update: the data or "
                "the initial weights are too large (scale the inputs and targets, or use a "
                f"smaller model.weight_init); {kept}")
    return (f"loss became NaN/inf at epoch {st.epoch}; {kept}. Lower optimizer.lr or check "
            "the data")


def _log_start(run: RunDir, exp: Experiment, st: TrainState, resumed: bool) -> None:
    """train.log's first line of a (resumed) run: when, network, data, seed, where it starts."""
    d, now = exp.dataset, datetime.now(timezone.utc)
    run.log(f"{'resumed' if resumed else 'started'} {now:%Y-%m-%d %H:%M:%S} UTC: "
            f"{exp.network!r} on {d.name} ({len(d.x_train)} train), seed {exp.config.train.seed}"
            + (f", at epoch {st.epoch} step {st.step}" if resumed else ""))


class _Flusher:
    """Writes metrics and checkpoints together, at most about once a second (and at the end).

    Metrics files and ``last.npz`` always describe the same epoch, so a run killed at any moment
    resumes consistently; ``best.npz`` is a snapshot taken in memory when the monitor improved.
    """

    def __init__(self, run: RunDir, records: list[dict[str, Any]], epochs: int,
                 on_flush: Callable[[], None], snapshots: SnapshotRecorder,
                 interval: float = 1.0) -> None:
        self.run, self.records, self.epochs, self.snapshots = run, records, epochs, snapshots
        self.on_flush, self.interval = on_flush, interval
        self.last: dict[str, np.ndarray] | None = None
        self.best: dict[str, np.ndarray] | None = None
        self.n_written, self.t_flush = len(records), time.monotonic()

    def checkpoint(self, kind: str, trainer: Trainer) -> None:
        arrays = RunDir.checkpoint_arrays(trainer)
        if kind == "best":
            self.best = arrays
            return
        self.last = arrays
        if time.monotonic() - self.t_flush >= self.interval or trainer.state.stop_reason:
            self.flush()

    def flush(self) -> None:
        if self.best is not None:
            self.run.save_checkpoint("best", self.best)
            self.best = None
        if len(self.records) != self.n_written:
            self.run.write_metrics(self.records)
            self.run.log(*(epoch_line(r, self.epochs) for r in self.records[self.n_written:]))
            self.n_written = len(self.records)
        if self.snapshots.dirty:
            self.run.save_snapshots(self.snapshots.arrays())
        if self.last is not None:
            self.run.save_checkpoint("last", self.last)
            self.last = None
            self.on_flush()  # summary.json shows progress while the run is going
        self.t_flush = time.monotonic()


def load_run(run: str | Path, checkpoint: str = "best",
             overrides: Sequence[str] = ()) -> Experiment:
    """Rebuild a finished run's experiment with the weights of ``checkpoint`` (best or last)."""
    rd = RunDir.open(run)
    exp = build(rd.file(RunDir.CONFIG), overrides=overrides)
    rd.load_weights(exp.network, checkpoint)  # the architecture it was trained with, checked
    return exp
