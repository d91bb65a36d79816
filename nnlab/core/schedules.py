"""Epoch-based learning-rate schedules.

``lr(epoch, base_lr, epochs)`` is the learning rate used throughout epoch ``epoch`` (0-based) of a
run of ``epochs`` epochs whose configured rate is ``base_lr`` = η. The trainer calls
``observe(epoch, metrics)`` after each epoch with that epoch's metrics; only
``reduce_on_plateau`` uses them. ``state_dict``/``load_state_dict`` hold numeric arrays only (for
``.npz`` checkpoints with ``allow_pickle=False``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import CheckpointError
from .registry import Component, Registry

SCHEDULES: Registry[Schedule] = Registry("schedule")


class Schedule(Component):
    """Base class: a stateless schedule that ignores the metrics."""

    registry = SCHEDULES

    name: str = "schedule"

    def lr(self, epoch: int, base_lr: float, epochs: int) -> float:
        raise NotImplementedError

    def observe(self, epoch: int, metrics: Mapping[str, float]) -> None:
        """Called after each epoch with its metrics; a no-op unless the schedule adapts."""

    def state_dict(self) -> dict[str, np.ndarray]:
        return {}

    def load_state_dict(self, d: Mapping[str, np.ndarray]) -> None:
        pass



@SCHEDULES.register("constant")
class Constant(Schedule):
    """η_e = η."""

    def lr(self, epoch: int, base_lr: float, epochs: int) -> float:
        return float(base_lr)


@SCHEDULES.register("step")
class Step(Schedule):
    """η_e = η · γ^⌊e / step_size⌋ (multiply by γ every ``step_size`` epochs)."""

    def __init__(self, step_size: int = 10, gamma: float = 0.1) -> None:
        if isinstance(step_size, bool) or int(step_size) != step_size or step_size < 1:
            raise ValueError(f"step_size must be an integer >= 1, got {step_size}")
        self.step_size = int(step_size)
        self.gamma = float(gamma)
        if not self.gamma > 0:
            raise ValueError(f"gamma must be > 0, got {gamma}")

    def lr(self, epoch: int, base_lr: float, epochs: int) -> float:
        return float(base_lr) * self.gamma ** (epoch // self.step_size)


@SCHEDULES.register("exponential")
class Exponential(Schedule):
    """η_e = η · γ^e."""

    def __init__(self, gamma: float = 0.95) -> None:
        self.gamma = float(gamma)
        if not self.gamma > 0:
            raise ValueError(f"gamma must be > 0, got {gamma}")

    def lr(self, epoch: int, base_lr: float, epochs: int) -> float:
        return float(base_lr) * self.gamma**epoch


@SCHEDULES.register("cosine")
class Cosine(Schedule):
    """Cosine annealing (Loshchilov & Hutter, no restarts):

    η_e = η_min + ½(η − η_min)(1 + cos(π · min(e, T) / T)),  T = t_max or the run's epochs,
    so η_0 = η and η_e = η_min for e ≥ T.
    """

    def __init__(self, eta_min: float = 0.0, t_max: int | None = None) -> None:
        self.eta_min = float(eta_min)
        if not self.eta_min >= 0:
            raise ValueError(f"eta_min must be >= 0, got {eta_min}")
        if t_max is not None and (isinstance(t_max, bool) or int(t_max) != t_max or t_max < 1):
            raise ValueError(f"t_max must be an integer >= 1 or null, got {t_max}")
        self.t_max = None if t_max is None else int(t_max)

    def lr(self, epoch: int, base_lr: float, epochs: int) -> float:
        period = max(self.t_max if self.t_max is not None else int(epochs), 1)
        frac = min(epoch, period) / period
        return self.eta_min + 0.5 * (float(base_lr) - self.eta_min) * (1 + math.cos(math.pi * frac))


@SCHEDULES.register("reduce_on_plateau", "plateau")
class ReduceOnPlateau(Schedule):
    """Keras ReduceLROnPlateau: η_e = max(η · factor^k, min_lr), k = reductions so far.

    After each epoch the ``monitor`` metric improves if it beats the best value so far by more
    than ``min_delta`` (below it for ``mode="min"``, above for ``"max"``); after ``patience``
    consecutive epochs without improvement the rate is multiplied by ``factor`` and the count
    restarts. If ``monitor`` is missing from the metrics (e.g. no validation set) a
    ``val_``-prefixed name falls back to the training metric: ``val_loss`` → ``loss`` →
    ``train_loss``; if none is present the epoch is ignored. NaN never counts as an improvement.
    """

    def __init__(
        self,
        factor: float = 0.1,
        patience: int = 10,
        min_delta: float = 0.0,
        monitor: str = "val_loss",
        mode: str = "min",
        min_lr: float = 0.0,
    ) -> None:
        self.factor = float(factor)
        if not 0 < self.factor < 1:
            raise ValueError(f"factor must be in (0, 1), got {factor}")
        if isinstance(patience, bool) or int(patience) != patience or patience < 0:
            raise ValueError(f"patience must be an integer >= 0, got {patience}")
        self.patience = int(patience)
        self.min_delta = float(min_delta)
        if not self.min_delta >= 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta}")
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"monitor must be a metric name, got {monitor!r}")
        self.monitor = monitor
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.mode = mode
        self.min_lr = float(min_lr)
        if not self.min_lr >= 0:
            raise ValueError(f"min_lr must be >= 0, got {min_lr}")
        self.scale = 1.0  # factor^k
        self.best = math.inf if mode == "min" else -math.inf
        self.wait = 0  # epochs since the last improvement

    def _keys(self) -> list[str]:
        keys = [self.monitor]
        if self.monitor.startswith("val_"):
            base = self.monitor[len("val_") :]
            keys += [base, f"train_{base}"]
        return keys

    def lr(self, epoch: int, base_lr: float, epochs: int) -> float:
        return max(float(base_lr) * self.scale, self.min_lr)

    def observe(self, epoch: int, metrics: Mapping[str, float]) -> None:
        key = next((k for k in self._keys() if k in metrics), None)
        if key is None:
            return
        value = float(metrics[key])
        if self.mode == "min":
            improved = value < self.best - self.min_delta
        else:
            improved = value > self.best + self.min_delta
        if improved:
            self.best, self.wait = value, 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.scale *= self.factor
            self.wait = 0

    def state_dict(self) -> dict[str, np.ndarray]:
        return {
            "scale": np.array(self.scale, dtype=np.float64),
            "best": np.array(self.best, dtype=np.float64),
            "wait": np.array(self.wait, dtype=np.int64),
        }

    def load_state_dict(self, d: Mapping[str, np.ndarray]) -> None:
        try:
            scale, best, wait = float(d["scale"]), float(d["best"]), int(d["wait"])
        except (KeyError, TypeError, ValueError) as err:
            raise CheckpointError(f"damaged {self.name} schedule state: {err}") from None
        self.scale, self.best, self.wait = scale, best, wait


def get(spec: str | Mapping[str, Any] | Schedule) -> Schedule:
    """A schedule from a name, a ``{name:, **params}`` mapping, or an instance."""
    return SCHEDULES.get(spec)
