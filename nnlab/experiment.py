"""The Python API: config → (dataset, network, loss, optimizer) → trainer → run directory.

    import nnlab
    exp = nnlab.build("configs/sine.yaml", overrides=["optimizer.lr=0.05"])
    result = nnlab.train(exp.config)           # writes runs/sine-…/
    exp.network.predict(x)

The CLI is a thin layer over these functions; nothing here prints.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from . import losses, optimizers, schedules
from .config import Config, load_config, resolve
from .data import Dataset, load_dataset
from .errors import CheckpointError, ConfigError, TrainingDiverged
from .losses import Loss
from .network import PARAM, Network
from .optimizers import Optimizer
from .runs import (
    CONFIG,
    RunWriter,
    create_run_dir,
    epoch_line,
    find_run,
    load_npz,
    read_metrics,
    save_npz,
    versions,
)
from .schedules import Schedule
from .training import Trainer, TrainState, score, targets

CROSS_ENTROPIES = ("binary_crossentropy", "categorical_crossentropy")


@dataclass
class Experiment:
    """Everything built from one resolved config; ``rng`` drives shuffling and dropout."""

    config: Config
    dataset: Dataset
    network: Network
    loss: Loss
    optimizer: Optimizer
    schedule: Schedule
    rng: np.random.Generator

    def trainer(self, **callbacks: Any) -> Trainer:
        """A `Trainer` for this experiment; refuses networks gradient descent cannot train."""
        for i, layer in enumerate(self.network.layers):
            if not layer.activation.differentiable:
                where = "output_activation" if i == len(self.network.layers) - 1 else "activation"
                raise ConfigError(
                    f"model.{where}: '{layer.activation.name}' has zero gradient almost "
                    "everywhere, so gradient descent cannot train it; use sigmoid, its smooth "
                    "version (a step network can still be evaluated with given weights)")
        c = self.config
        es = c.regularization.early_stopping
        return Trainer(
            self.network, self.dataset, self.loss, self.optimizer, self.schedule, self.rng,
            epochs=c.train.epochs, batch_size=c.train.batch_size, shuffle=c.train.shuffle,
            l2=c.regularization.l2, monitor=c.train.monitor, patience=es.patience,
            min_delta=es.min_delta, restore_best=es.restore_best, probe_size=c.train.probe_size,
            checkpoint_every=c.run.checkpoint_every, **callbacks)

    def fit(self, **callbacks: Any) -> list[dict[str, Any]]:
        """Train in memory, without a run directory (for notebooks); returns the epoch records.

        The same `Trainer` as `train`; use `train` when you want checkpoints and resuming.
        """
        records: list[dict[str, Any]] = []
        self.trainer(on_epoch=records.append, **callbacks).fit()
        return records

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Output activations of the network for inputs ``x`` (rows)."""
        return self.network.predict(x)

    def evaluate(self, split: str = "val") -> dict[str, float]:
        """Loss (and accuracy) of the current weights on ``train``, ``val`` or ``test``."""
        x, y = self.dataset.split(split)
        if x is None:
            raise ConfigError(f"the dataset '{self.dataset.name}' has no {split} split")
        t = targets(self.dataset, y, self.network.layers[-1].units, self.network.dtype)
        return score(self.network, self.loss, np.asarray(x, self.network.dtype), t,
                     classification=self.dataset.task == "classification")


def as_config(cfg: Config | str | Path | None, overrides: Sequence[str] = ()) -> Config:
    if isinstance(cfg, Config):
        return load_config(data=cfg.to_dict(), overrides=overrides) if overrides else cfg
    return load_config(cfg, overrides)


def build(cfg: Config | str | Path | None = None, overrides: Sequence[str] = (),
          progress: Callable[[str, int, int | None], None] | None = None) -> Experiment:
    """Build dataset, network, loss, optimizer and schedule from a config (path, object or None).

    Seeding: ``train.seed`` feeds one `numpy.random.SeedSequence` split into three independent
    generators — data generation, weight initialization, and training (shuffling, dropout).
    """
    r = resolve(as_config(cfg, overrides))
    data_rng, init_rng, train_rng = (np.random.default_rng(s) for s in
                                     np.random.SeedSequence(r.train.seed).spawn(3))
    dtype = np.dtype(r.train.dtype)
    dataset = load_dataset(r.data, data_rng, dtype, progress)
    loss = losses.get(r.loss)
    m = r.model
    units = _output_units(r, dataset, loss.name)
    if "accuracy" in r.train.monitor and dataset.task != "classification":
        raise ConfigError(f"train.monitor: '{r.train.monitor}' needs classification data; "
                          "use loss or val_loss")
    network = Network.build(
        [dataset.n_features, *m.hidden, units], m.activation, m.output_activation,
        weight_init=m.weight_init, bias_init=m.bias_init, bias=m.bias, dropout=m.dropout,
        rng=init_rng, dtype=dtype)
    _explicit_weights(network, m.weights, m.biases)
    opt_spec = {k: v for k, v in r.optimizer.items() if k != "schedule"}
    optimizer = optimizers.get(opt_spec)
    if r.regularization.weight_decay:
        if optimizer.weight_decay:
            raise ConfigError("regularization.weight_decay and optimizer.weight_decay are both "
                              "set; set decoupled weight decay in one place")
        optimizer.weight_decay = r.regularization.weight_decay
    return Experiment(r, dataset, network, loss, optimizer,
                      schedules.get(r.optimizer["schedule"]), train_rng)


def _explicit_weights(network: Network, weights: list | None, biases: list | None) -> None:
    """Copy ``model.weights`` / ``model.biases`` (null entries keep the initializer's values).

    Each matrix is (fan_in, fan_out): row i = input i, column j = unit j. The config check has
    verified everything but the input size and the automatic output size, known only now.
    """
    for i, layer in enumerate(network.layers):
        for kind, given, target in (("weights", weights, layer.W), ("biases", biases, layer.b)):
            value = None if given is None else given[i]
            if value is None or target is None:
                continue  # a bias for a bias-free layer was refused by the config check
            arr = np.asarray(value, dtype=network.dtype)
            if arr.shape != target.shape:
                what = ("(fan_in, fan_out): row i = input i, column j = unit j"
                        if kind == "weights" else "one value per unit")
                raise ConfigError(f"model.{kind}.{i}: expected shape {target.shape} {what} "
                                  f"for {network!r}, got {arr.shape}")
            target[...] = arr


def _output_units(r: Config, dataset: Dataset, loss_name: str) -> int:
    classification = dataset.task == "classification"
    if classification and loss_name not in CROSS_ENTROPIES + ("mse", "mae", "huber"):
        raise ConfigError(f"loss '{loss_name}' does not fit classification data")
    if not classification and loss_name in CROSS_ENTROPIES:
        raise ConfigError(f"loss: '{loss_name}' needs classification data, but data.name "
                          f"'{dataset.name}' is regression; use mse, mae or huber")
    auto = dataset.n_outputs
    if classification and dataset.n_classes == 2 and loss_name == "binary_crossentropy":
        auto = 1
    units = auto if r.model.output_units == "auto" else int(r.model.output_units)
    allowed = {auto, dataset.n_outputs} | ({1} if classification and dataset.n_classes == 2
                                           else set())
    if units not in allowed:
        raise ConfigError(f"model.output_units: {units} does not match the data "
                          f"('{dataset.name}' needs {auto}); use auto")
    return units


# --------------------------------------------------------------------------- runs

@dataclass
class RunResult:
    """What `train` returns: where the run is, its summary and the trained network."""

    run_dir: Path
    summary: dict[str, Any]
    network: Network
    state: TrainState
    records: list[dict[str, Any]] = field(default_factory=list)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[Callable[[], bool]]:
    """Ctrl-C / SIGTERM ask the trainer to stop after the current step; a second Ctrl-C aborts."""
    flag = threading.Event()

    def handler(signum: int, frame: Any) -> None:
        if flag.is_set():
            raise KeyboardInterrupt
        flag.set()

    if threading.current_thread() is not threading.main_thread():
        yield flag.is_set
        return
    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag.is_set
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _checkpoint_arrays(trainer: Trainer) -> dict[str, np.ndarray]:
    return {
        **trainer.network.to_arrays(),
        **{f"opt/{k}": v for k, v in trainer.optimizer.state_dict().items()},
        **{f"sched/{k}": v for k, v in trainer.schedule.state_dict().items()},
        "state": np.array(trainer.state.to_json()),
    }


def _summary(exp: Experiment, run_dir: Path, st: TrainState, records: list[dict[str, Any]],
             overrides: Sequence[str], status: str) -> dict[str, Any]:
    def metrics(rec: dict[str, Any] | None) -> dict[str, Any]:
        return {k: v for k, v in (rec or {}).items()
                if not isinstance(v, list) and k not in ("time", "lr")}

    best = next((r for r in records if r["epoch"] == st.best_epoch), None)
    d = exp.dataset
    return {
        "run_dir": str(run_dir), "name": exp.config.run.name, "status": status,
        "stop_reason": st.stop_reason, "epochs_run": st.epoch,
        "epochs": exp.config.train.epochs, "monitor": exp.config.train.monitor,
        "best_epoch": st.best_epoch, "best": metrics(best),
        "final": metrics(records[-1] if records else None),
        "wall_time": round(st.elapsed, 3), "seed": exp.config.train.seed,
        "network": repr(exp.network), "n_params": exp.network.n_params,
        "data": {"name": d.name, "task": d.task, "train": len(d.x_train),
                 "val": 0 if d.x_val is None else len(d.x_val),
                 "test": 0 if d.x_test is None else len(d.x_test)},
        "overrides": list(overrides), "versions": versions(),
    }


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
    handle_signals: bool = True,
) -> RunResult:
    """Train a config into a new run directory, or continue ``resume`` from its last checkpoint.

    Raises `TrainingDiverged` (after writing the summary) when the loss becomes NaN/inf.
    """
    if resume is not None:
        if overrides or cfg is not None:
            raise ConfigError("--resume continues a run with the config it recorded; drop the "
                              "config file and --set, or start a new run")
        run_dir = find_run(resume)
        exp = build(run_dir / CONFIG, progress=progress)
        writer = RunWriter(run_dir)
        trainer = exp.trainer()
        _restore(trainer, run_dir)
        writer.load_records(trainer.state.epoch)
        overrides = list(_previous_overrides(run_dir))
    else:
        c = as_config(cfg, overrides)
        if name or runs_dir:
            c = c.model_copy(deep=True)
            c.run.name = name or c.run.name
            c.run.runs_dir = str(runs_dir) if runs_dir else c.run.runs_dir
        if c.run.name is None:
            c.run.name = Path(cfg).stem if isinstance(cfg, (str, Path)) else "default"
        exp = build(c, progress=progress)
        run_dir = create_run_dir(exp.config.run.runs_dir, exp.config.run.name)
        writer = RunWriter(run_dir)
        header = "# nnlab resolved config" + (
            f" (from {cfg})" if isinstance(cfg, (str, Path)) else "") + "".join(
            f"\n# --set {o}" for o in overrides)
        writer.write_config(header + "\n" + exp.config.to_yaml())
        trainer = exp.trainer()
    if on_start:
        on_start(exp, run_dir)
    d = exp.dataset
    now = datetime.now(timezone.utc)
    writer.log(f"{'resumed' if resume is not None else 'started'} {now:%Y-%m-%d %H:%M:%S} UTC: "
               f"{exp.network!r} on {d.name} ({len(d.x_train)} train), seed {exp.config.train.seed}"
               + (f", at epoch {trainer.state.epoch} step {trainer.state.step}"
                  if resume is not None else ""))
    writer.write_summary(_summary(exp, run_dir, trainer.state, writer.records, overrides,
                                  "running"))

    files = _Flusher(writer, run_dir, exp.config.train.epochs, lambda: writer.write_summary(
        _summary(exp, run_dir, trainer.state, writer.records, overrides, "running")))

    def record(rec: dict[str, Any]) -> None:
        writer.records.append(rec)
        if on_epoch:
            on_epoch(rec)

    trainer.on_epoch, trainer.on_step, trainer.on_checkpoint = record, on_step, files.checkpoint
    guard = stop_on_signals() if handle_signals else contextlib.nullcontext(lambda: False)
    with guard as should_stop:
        trainer.should_stop = should_stop
        try:
            st = trainer.fit()
        finally:
            files.flush()
    status = {"completed": "completed", "early_stopping": "completed",
              "interrupted": "interrupted", "diverged": "failed"}[st.stop_reason or "completed"]
    summary = _summary(exp, run_dir, st, writer.records, overrides, status)
    writer.write_summary(summary)
    writer.log(f"{status}: {st.stop_reason} after {st.epoch} epochs")
    if exp.config.run.plots:
        _draw_plots(run_dir, writer)
    if st.stop_reason == "diverged":
        err = TrainingDiverged(
            f"loss became NaN/inf at epoch {st.epoch}; the last good checkpoint is kept in "
            f"{run_dir}/checkpoints/last.npz. Lower optimizer.lr or check the data")
        err.summary = summary  # type: ignore[attr-defined]
        raise err
    return RunResult(run_dir, summary, exp.network, st, writer.records)


def _draw_plots(run_dir: Path, writer: RunWriter) -> None:
    """``RUN/plots/*.png`` at the end of every run (diverged and interrupted ones too).

    A plotting failure never fails the run: it becomes a line in ``train.log``.
    """
    try:
        from .plots import plot_run  # lazy: matplotlib only when pictures are drawn

        paths = plot_run(run_dir)
        writer.log(f"plots: {', '.join(p.name for p in paths)} in {run_dir / 'plots'}")
    except Exception as e:  # any plotting problem is only logged, never fatal
        writer.log(f"plots: not drawn ({type(e).__name__}: {e})")


class _Flusher:
    """Writes metrics and checkpoints together, at most about once a second (and at the end).

    Metrics files and ``last.npz`` always describe the same epoch, so a run killed at any moment
    resumes consistently; ``best.npz`` is a snapshot taken in memory when the monitor improved.
    """

    def __init__(self, writer: RunWriter, run_dir: Path, epochs: int,
                 on_flush: Callable[[], None], interval: float = 1.0) -> None:
        self.writer, self.dir, self.interval = writer, run_dir / "checkpoints", interval
        self.epochs = epochs
        self.on_flush = on_flush
        self.last: dict[str, np.ndarray] | None = None
        self.best: dict[str, np.ndarray] | None = None
        self.n_written, self.t_flush = len(writer.records), time.monotonic()

    def checkpoint(self, kind: str, trainer: Trainer) -> None:
        arrays = _checkpoint_arrays(trainer)
        if kind == "best":
            self.best = arrays
            return
        self.last = arrays
        if time.monotonic() - self.t_flush >= self.interval or trainer.state.stop_reason:
            self.flush()

    def flush(self) -> None:
        if self.best is not None:
            save_npz(self.dir / "best.npz", self.best)
            self.best = None
        if len(self.writer.records) != self.n_written:
            self.writer.flush()
            epochs = self.epochs
            self.writer.log(*(epoch_line(r, epochs) for r in self.writer.records[self.n_written:]))
            self.n_written = len(self.writer.records)
        if self.last is not None:
            save_npz(self.dir / "last.npz", self.last)
            self.last = None
            self.on_flush()  # summary.json shows progress while the run is going
        self.t_flush = time.monotonic()


def _previous_overrides(run_dir: Path) -> list[str]:
    lines = (run_dir / CONFIG).read_text().splitlines()
    return [line[len("# --set "):] for line in lines if line.startswith("# --set ")]


def _restore(trainer: Trainer, run_dir: Path) -> None:
    """Load weights, optimizer/schedule state, RNG and loop state from ``last.npz``."""
    path = run_dir / "checkpoints" / "last.npz"
    data = load_npz(path)
    if "state" not in data:
        raise CheckpointError(f"{path}: no training state stored; cannot resume")
    trainer.network.load_arrays(data, str(path))
    for prefix, part in (("opt/", trainer.optimizer), ("sched/", trainer.schedule)):
        part.load_state_dict({k[len(prefix):]: v for k, v in data.items()
                              if k.startswith(prefix)})
    st = TrainState.from_json(str(data["state"]))
    if st.stop_reason in ("completed", "early_stopping"):
        raise CheckpointError(f"{run_dir}: the run already finished ({st.stop_reason}); "
                              "start a new run to train more")
    st.stop_reason = None
    trainer.state = st
    if st.rng_state is not None:
        trainer.rng.bit_generator.state = st.rng_state
    best = run_dir / "checkpoints" / "best.npz"
    if trainer.restore_best and trainer.patience and best.is_file():
        bdata = load_npz(best)
        trainer.best_params = [np.array(bdata[f"{PARAM}{k}"]) for k in
                               trainer.network.param_names()]


def load_run(run: str | Path, checkpoint: str = "best",
             overrides: Sequence[str] = ()) -> Experiment:
    """Rebuild a finished run's experiment with the weights of ``checkpoint`` (best or last)."""
    run_dir = find_run(run)
    exp = build(run_dir / CONFIG, overrides=overrides)
    path = run_dir / "checkpoints" / f"{checkpoint}.npz"
    data = load_npz(path)
    exp.network.load_arrays(data, str(path))
    return exp


__all__ = ["Experiment", "RunResult", "build", "train", "load_run", "read_metrics"]
