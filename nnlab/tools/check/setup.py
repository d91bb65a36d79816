"""What every check needs once: the experiment's training/validation arrays as the network sees
them, and the reference losses of an output layer that ignores its inputs.

Reference losses, computed with the experiment's own loss and output activation (so every
convention — ½ in MSE, the sum over outputs of the per-output cross-entropy — is the loss's):

* chance — the output layer outputs z = 0 for every input: uniform probabilities for softmax
  (ln C for cross-entropy over C classes), ½ for every sigmoid output (ln 2 each), 0 for
  regression (½·mean Σt² for mse). What a well-initialized network should start near.
* prior — it outputs the best constant, z = f⁻¹(mean target) (`nnlab.core.output_bias`): the
  class prior, the regression mean. What ``model.output_bias_init: auto`` starts from, and the
  best any input-independent model can do.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ...core.losses import Loss
from ...core.network import Network
from ...core.output_bias import INVERSE, output_bias
from ...data.base import Dataset
from ...runs.experiment import Experiment


@dataclass
class Setup:
    """The experiment plus its arrays: ``x``/``t`` training inputs and loss targets (the
    network's dtype), ``x_val``/``t_val`` (None without validation data)."""

    exp: Experiment
    x: np.ndarray
    t: np.ndarray
    x_val: np.ndarray | None
    t_val: np.ndarray | None

    @classmethod
    def of(cls, exp: Experiment) -> Setup:
        d, net = exp.dataset, exp.network
        units, dtype = net.layers[-1].units, net.dtype
        has_val = d.x_val is not None and len(d.x_val) > 0
        return cls(exp, np.asarray(d.x_train, dtype), d.targets(d.y_train, units, dtype),
                   np.asarray(d.x_val, dtype) if has_val else None,
                   d.targets(d.y_val, units, dtype) if has_val else None)

    @property
    def loss(self) -> Loss:
        return self.exp.loss

    @property
    def classification(self) -> bool:
        return self.exp.dataset.task == "classification"

    @property
    def output_activation(self) -> str:
        return self.exp.network.layers[-1].activation.name

    def data_loss(self, net: Network, x: np.ndarray, t: np.ndarray) -> float:
        """The loss of ``net`` on (x, t) without the L2 term."""
        z, a = net.outputs(x)
        return float(self.loss.value(z, a, t, net.layers[-1].activation))

    def constant_loss(self, z_row: np.ndarray, t: np.ndarray) -> float:
        """The loss of an output layer emitting the pre-activation ``z_row`` for every sample."""
        act = self.exp.network.layers[-1].activation
        z = np.broadcast_to(np.asarray(z_row, np.float64), t.shape).copy()
        return float(self.loss.value(z, act.forward(z), np.asarray(t, np.float64), act))

    def chance(self, t: np.ndarray | None = None) -> float:
        t = self.t if t is None else t
        return self.constant_loss(np.zeros(t.shape[1]), t)

    def prior(self, t: np.ndarray | None = None) -> float | None:
        """None when the output activation has no inverse (`nnlab.core.output_bias`)."""
        t = self.t if t is None else t
        if self.output_activation not in INVERSE:
            return None
        return self.constant_loss(output_bias(self.output_activation, self.t), t)

    def chance_words(self) -> str:
        """How the chance loss comes about, in the words of the task."""
        k, act = self.t.shape[1], self.output_activation
        if act == "softmax":
            return f"ln {k}, uniform outputs over {k} classes"
        if act == "sigmoid":
            return (f"{k}·ln 2, all {k} sigmoid outputs at ½" if k > 1
                    else "ln 2, a sigmoid output at ½")
        if self.loss.name == "mse":
            return "½·mean Σt², an output of 0"
        return "outputs z = 0"

    def fresh(self, dataset: Dataset | None = None) -> Experiment:
        """A copy of the experiment at its initial weights, with its own optimizer state and
        training generator (optionally on another ``dataset``) — checks never touch the
        original."""
        e = self.exp
        return replace(e, dataset=dataset or e.dataset, network=copy.deepcopy(e.network),
                       optimizer=copy.deepcopy(e.optimizer), schedule=copy.deepcopy(e.schedule),
                       rng=copy.deepcopy(e.rng))


def subset(d: Dataset, n_train: int, n_val: int) -> Dataset:
    """The first ``n_train`` training and ``n_val`` validation rows (toy sets are drawn at
    random and held out by a shuffle, MNIST's order is mixed: the first rows are a fair
    sample for a quick check)."""
    fields: dict[str, Any] = {"x_train": d.x_train[:n_train], "y_train": d.y_train[:n_train]}
    if d.x_val is not None:
        fields |= {"x_val": d.x_val[:n_val], "y_val": d.y_val[:n_val]}
    return replace(d, **fields)
