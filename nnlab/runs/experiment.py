"""An experiment: everything one resolved config builds — dataset, network, loss, optimizer,
schedule and the training generator.

    import nnlab
    exp = nnlab.build("configs/sine.yaml", overrides=["optimizer.lr=0.05"])
    exp.fit()                                  # train in memory (no run directory)
    exp.network.predict(x)

Nothing here prints or touches files (but for reading the config and the data).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Config, load_config, resolve
from ..config.resolve import output_units
from ..core import losses, optimizers, schedules
from ..core.losses import Loss
from ..core.metrics import score
from ..core.network import Network
from ..core.optimizers import Optimizer
from ..core.output_bias import output_bias
from ..core.schedules import Schedule
from ..data import Dataset, load_dataset
from ..data.base import check_learnable
from ..errors import ConfigError
from .budget import check_run
from .threads import blas_threads
from .trainer import Trainer


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
        """A `Trainer` for this experiment (keywords: its callbacks, or ``threads`` instead of
        `threads()`); refuses networks gradient descent cannot train."""
        for i, layer in enumerate(self.network.layers):
            if not layer.activation.differentiable:
                where = "output_activation" if i == len(self.network.layers) - 1 else "activation"
                raise ConfigError(
                    f"model.{where}: '{layer.activation.name}' has zero gradient almost "
                    "everywhere, so gradient descent cannot train it; use sigmoid, its smooth "
                    "version (a step network can still be evaluated with given weights)")
        c = self.config
        d = self.dataset
        check_run(self.network.sizes, len(d.x_train), 0 if d.x_val is None else len(d.x_val),
                  c.train.batch_size, self.network.dtype.itemsize, c.train.epochs,
                  c.train.eval_every)
        es = c.regularization.early_stopping
        return Trainer(
            self.network, self.dataset, self.loss, self.optimizer, self.schedule, self.rng,
            epochs=c.train.epochs, batch_size=c.train.batch_size, shuffle=c.train.shuffle,
            l2=c.regularization.l2, monitor=c.train.monitor, patience=es.patience,
            min_delta=es.min_delta, restore_best=es.restore_best, probe_size=c.train.probe_size,
            checkpoint_every=c.run.checkpoint_every, tolerance=c.train.tolerance,
            eval_every=c.train.eval_every, **({"threads": self.threads()} | callbacks))

    def threads(self) -> int:
        """BLAS threads for this experiment's training (`blas_threads` of its batch size)."""
        n, bs = len(self.dataset.x_train), self.config.train.batch_size
        return blas_threads(n if bs == "full" else min(int(bs), n), self.network.sizes)

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
        t = self.dataset.targets(y, self.network.layers[-1].units, self.network.dtype)
        return score(self.network, self.loss, np.asarray(x, self.network.dtype), t,
                     classification=self.dataset.task == "classification")


def as_config(cfg: Config | str | Path | None, overrides: Sequence[str] = ()) -> Config:
    if isinstance(cfg, Config):
        if not overrides:
            return cfg
        return load_config(data=cfg.to_dict(), overrides=overrides).remember(cfg.source,
                                                                             cfg.chain)
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
    units = _output_units(r, dataset, loss)
    if "accuracy" in r.train.monitor and dataset.task != "classification":
        raise ConfigError(f"train.monitor: '{r.train.monitor}' needs classification data; "
                          "use loss or val_loss")
    check_learnable(dataset)
    sizes = [dataset.n_features, *m.hidden, units]
    check_run(sizes, len(dataset.x_train), 0 if dataset.x_val is None else len(dataset.x_val),
              r.train.batch_size, dtype.itemsize)  # before allocating: refuse what cannot fit
    network = Network.build(
        sizes, m.activation, m.output_activation,
        weight_init=m.weight_init, bias_init=m.bias_init, bias=m.bias, dropout=m.dropout,
        batchnorm=m.batchnorm, rng=init_rng, dtype=dtype)
    m.output_units = units  # the resolved config records every auto decided
    _explicit_weights(network, m.weights, m.biases)
    if m.output_bias_init == "auto":
        set_output_bias(network, dataset)
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


def set_output_bias(network: Network, dataset: Dataset) -> None:
    """``model.output_bias_init: auto``: b of the output layer = f⁻¹(mean training target)."""
    out = network.layers[-1]
    t = dataset.targets(dataset.y_train, out.units, np.float64)
    try:
        out.b[...] = output_bias(out.activation.name, t)
    except ValueError as err:
        raise ConfigError(f"model.output_bias_init: {err}") from None


def _output_units(r: Config, dataset: Dataset, loss: Loss) -> int:
    """The output layer's width: the data's outputs, or 1 for two classes on a sigmoid."""
    classification = dataset.task == "classification"
    if not classification and loss.fused_with is not None:
        raise ConfigError(f"loss: '{loss.name}' needs classification data, but data.name "
                          f"'{dataset.name}' is regression; use mse, mae or huber")
    auto = output_units(dataset.task, dataset.n_outputs, dataset.n_classes, loss.fused_with)
    two_on_one = classification and dataset.n_classes == 2
    units = auto if r.model.output_units == "auto" else int(r.model.output_units)
    if units not in {auto, dataset.n_outputs} | ({1} if two_on_one else set()):
        raise ConfigError(f"model.output_units: {units} does not match the data "
                          f"('{dataset.name}' needs {auto}); use auto")
    return units
