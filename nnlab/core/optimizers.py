"""Gradient-descent optimizers: ``step(params, grads, lr)`` updates the parameters in place.

Notation: p a parameter array, g = ∂L/∂p, η the learning rate of this step (a schedule may change
it; ``self.lr`` is the configured base value), t the 1-based step count.

Weight decay is decoupled (Loshchilov & Hutter; PyTorch AdamW): with λ = ``weight_decay`` > 0,
every weight matrix (ndim == 2; never biases) is first scaled p ← (1 − ηλ)·p, then the
optimizer's own update is applied with the undecayed gradient. This holds for every optimizer,
SGD included (for plain SGD it equals L2 regularization with coefficient λ).

State (velocities, moment estimates) is created lazily on the first step, one entry per parameter
in the order given, with the parameter's dtype. ``state_dict()`` returns it as a flat dict of
numeric arrays (``"m.0"``, ``"v.0"``, ..., ``"t"``) that fits an ``.npz`` with
``allow_pickle=False``; ``load_state_dict`` restores it exactly, so a resumed run is bit-identical
to an uninterrupted one. The gradient arrays are used as scratch space and overwritten.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import CheckpointError
from .registry import Component, Registry

OPTIMIZERS: Registry[Optimizer] = Registry("optimizer")


def _check_unit(name: str, value: float) -> float:
    """``value`` as a float in [0, 1), else ValueError."""
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


def _check_positive(name: str, value: float) -> float:
    value = float(value)
    if not value > 0.0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


class Optimizer(Component):
    """Base class: decoupled weight decay, lazy per-parameter state and its (de)serialization.

    Subclasses list their buffers in ``_buffers`` and implement ``_update(p, g, state, lr)``.
    """

    registry = OPTIMIZERS

    name: str = "optimizer"
    _buffers: tuple[str, ...] = ()

    def __init__(self, lr: float, weight_decay: float = 0.0) -> None:
        self.lr = _check_positive("lr", lr)
        self.weight_decay = float(weight_decay)
        if not self.weight_decay >= 0.0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
        self.t = 0  # steps taken
        self._state: list[dict[str, np.ndarray]] | None = None
        self._loaded = False  # state came from load_state_dict: check it on the next step

    # -- the update ---------------------------------------------------------------------------

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], lr: float) -> None:
        """Update every ``params[i]`` in place from ``grads[i]`` with learning rate ``lr``."""
        if len(params) != len(grads):
            raise ValueError(f"{len(params)} parameters but {len(grads)} gradients")
        self.begin_step(params)
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            self.update(i, p, g, lr)

    def begin_step(self, params: Sequence[np.ndarray]) -> None:
        """Start step t + 1 over ``params``; then `update` each of them once, in any order."""
        if self._state is None:
            self._state = [self._init_state(p) for p in params]
        elif self._loaded:
            self._check_state(params)
        self.t += 1

    def update(self, i: int, p: np.ndarray, g: np.ndarray, lr: float) -> None:
        """This step's update of parameter ``i`` (its place in the list `begin_step` got).

        Each parameter's update reads only its own gradient and state, so the training step can
        apply it right after the layer's backward pass: the same numbers as `step`.
        """
        if self.weight_decay > 0.0 and p.ndim == 2:
            p *= 1.0 - lr * self.weight_decay
        self._update(p, g, self._state[i], lr)  # type: ignore[index]

    plain = False  # True when the update is exactly p ← p − η·g (see `apply_scaled`)

    def apply_scaled(self, params: Sequence[np.ndarray], scaled: Sequence[np.ndarray]) -> None:
        """p ← p − s for gradients already multiplied by η (only for ``plain`` optimizers)."""
        raise TypeError(f"{self.name} needs the raw gradients; call step()")

    def _init_state(self, p: np.ndarray) -> dict[str, np.ndarray]:
        return {key: np.zeros_like(p) for key in self._buffers}

    def _update(
        self, p: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], lr: float
    ) -> None:
        raise NotImplementedError

    # -- state ----------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, np.ndarray]:
        """Flat ``{"t": step count, "<buffer>.<param index>": array}``, numeric arrays only."""
        out: dict[str, np.ndarray] = {"t": np.array(self.t, dtype=np.int64)}
        for i, state in enumerate(self._state or []):
            for key, arr in state.items():
                out[f"{key}.{i}"] = arr.copy()
        return out

    def load_state_dict(self, d: Mapping[str, np.ndarray]) -> None:
        """Restore a ``state_dict`` exactly (copies the arrays; checked on the next step)."""
        if "t" not in d:
            raise CheckpointError(f"{self.name} optimizer state has no step count 't'")
        buffers: dict[int, dict[str, np.ndarray]] = {}
        for key, arr in d.items():
            if key == "t":
                continue
            buf, _, index = key.rpartition(".")
            if buf not in self._buffers or not index.isdigit():
                raise CheckpointError(f"unexpected entry '{key}' in {self.name} optimizer state")
            buffers.setdefault(int(index), {})[buf] = np.array(arr, copy=True)
        n = max(buffers, default=-1) + 1
        if self._buffers and (
            sorted(buffers) != list(range(n))
            or any(set(s) != set(self._buffers) for s in buffers.values())
        ):
            raise CheckpointError(f"incomplete {self.name} optimizer state: {sorted(d)}")
        self.t = int(np.asarray(d["t"]))
        # buffer-free optimizers (plain SGD), and any optimizer saved before its first step
        # (the epoch-0 checkpoint), build their state lazily, as a fresh one does
        self._state = [buffers[i] for i in range(n)] if self._buffers and n else None
        self._loaded = True

    def _check_state(self, params: Sequence[np.ndarray]) -> None:
        assert self._state is not None
        if len(self._state) != len(params):
            raise CheckpointError(
                f"{self.name} optimizer state is for {len(self._state)} parameter arrays, "
                f"the model has {len(params)}"
            )
        for i, (p, state) in enumerate(zip(params, self._state, strict=True)):
            for key, arr in state.items():
                if arr.shape != p.shape:
                    raise CheckpointError(
                        f"{self.name} optimizer state '{key}.{i}' has shape {arr.shape}, "
                        f"parameter {i} has {p.shape}"
                    )
                if arr.dtype != p.dtype:
                    state[key] = arr.astype(p.dtype)
        self._loaded = False

    # -- description ----------------------------------------------------------------------------



@OPTIMIZERS.register("sgd")
class SGD(Optimizer):
    """Stochastic gradient descent, in the momentum form of Keras and the backpropagation write-ups:

    μ = 0:       p ← p − η g            (no velocity buffer)
    momentum:    v ← μ v − η g;  p ← p + v
    nesterov:    v ← μ v − η g;  p ← p + μ v − η g
    """

    def __init__(
        self,
        lr: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr, weight_decay)
        self.momentum = _check_unit("momentum", momentum)
        self.nesterov = bool(nesterov)
        if self.nesterov and self.momentum == 0.0:
            raise ValueError("nesterov=true needs momentum > 0")
        self._buffers = ("v",) if self.momentum > 0.0 else ()

    @property
    def plain(self) -> bool:  # type: ignore[override]
        """No momentum and no decay: the update is p ← p − η g, with no state."""
        return not (self.momentum or self.weight_decay)

    def apply_scaled(self, params: Sequence[np.ndarray], scaled: Sequence[np.ndarray]) -> None:
        if not self.plain:
            super().apply_scaled(params, scaled)
        self.t += 1
        for p, g in zip(params, scaled, strict=True):
            p -= g

    def _update(
        self, p: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], lr: float
    ) -> None:
        g *= lr  # g ← η g
        if self.momentum == 0.0:
            p -= g
            return
        v = state["v"]
        v *= self.momentum
        v -= g
        if self.nesterov:
            p -= g
            np.multiply(v, self.momentum, g)
            p += g
        else:
            p += v


@OPTIMIZERS.register("adagrad")
class Adagrad(Optimizer):
    """Adagrad (PyTorch form): G ← G + g²;  p ← p − η g / (√G + ε).

    G starts at ``initial_accumulator``.
    """

    _buffers = ("G",)

    def __init__(
        self,
        lr: float = 0.01,
        eps: float = 1e-10,
        initial_accumulator: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr, weight_decay)
        self.eps = _check_positive("eps", eps)
        self.initial_accumulator = float(initial_accumulator)
        if not self.initial_accumulator >= 0.0:
            raise ValueError(f"initial_accumulator must be >= 0, got {initial_accumulator}")

    def _init_state(self, p: np.ndarray) -> dict[str, np.ndarray]:
        return {"G": np.full_like(p, self.initial_accumulator)}

    def _update(
        self, p: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], lr: float
    ) -> None:
        acc = state["G"]
        tmp = np.multiply(g, g)
        acc += tmp
        np.sqrt(acc, tmp)
        tmp += self.eps
        np.divide(g, tmp, g)
        g *= lr
        p -= g


@OPTIMIZERS.register("rmsprop")
class RMSprop(Optimizer):
    """RMSprop (Keras form):

    s ← ρ s + (1 − ρ) g²;   p ← p − η g / (√s + ε)
    with momentum μ > 0:    v ← μ v + η g / (√s + ε);  p ← p − v
    """

    def __init__(
        self,
        lr: float = 0.001,
        rho: float = 0.9,
        eps: float = 1e-7,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr, weight_decay)
        self.rho = _check_unit("rho", rho)
        self.eps = _check_positive("eps", eps)
        self.momentum = _check_unit("momentum", momentum)
        self._buffers = ("s", "v") if self.momentum > 0.0 else ("s",)

    def _update(
        self, p: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], lr: float
    ) -> None:
        s = state["s"]
        s *= self.rho
        tmp = np.multiply(g, g)
        tmp *= 1.0 - self.rho
        s += tmp
        np.sqrt(s, tmp)
        tmp += self.eps
        np.divide(g, tmp, g)
        g *= lr  # g ← η g / (√s + ε)
        if self.momentum > 0.0:
            v = state["v"]
            v *= self.momentum
            v += g
            p -= v
        else:
            p -= g


@OPTIMIZERS.register("adam")
class Adam(Optimizer):
    """Adam (Kingma & Ba; PyTorch form):

    m ← β₁ m + (1 − β₁) g;   v ← β₂ v + (1 − β₂) g²
    m̂ = m / (1 − β₁ᵗ);       v̂ = v / (1 − β₂ᵗ)
    p ← p − η m̂ / (√v̂ + ε)
    """

    _buffers = ("m", "v")

    def __init__(
        self,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr, weight_decay)
        self.beta1 = _check_unit("beta1", beta1)
        self.beta2 = _check_unit("beta2", beta2)
        self.eps = _check_positive("eps", eps)

    def _update(
        self, p: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], lr: float
    ) -> None:
        m, v = state["m"], state["v"]
        b1, b2 = self.beta1, self.beta2
        # moments without temporaries (g is scratch): with g' = (1 − β₁)g,
        # (1 − β₂)g² = g'² · (1 − β₂)/(1 − β₁)²
        m *= b1
        g *= 1.0 - b1
        m += g
        g *= g
        g *= (1.0 - b2) / (1.0 - b1) ** 2
        v *= b2
        v += g
        # p ← p − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
        np.sqrt(v, g)
        g /= math.sqrt(1.0 - b2**self.t)
        g += self.eps
        np.divide(m, g, g)
        g *= lr / (1.0 - b1**self.t)
        p -= g


@OPTIMIZERS.register("adamw")
class AdamW(Adam):
    """AdamW (Loshchilov & Hutter): Adam plus decoupled weight decay, p ← (1 − ηλ)p first.

    Identical to ``adam`` with ``weight_decay`` > 0; only the default λ = 0.01 differs.
    """

    def __init__(
        self,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(lr, beta1, beta2, eps, weight_decay)


def get(spec: str | Mapping[str, Any] | Optimizer) -> Optimizer:
    """An optimizer from a name, a ``{name:, **params}`` mapping, or an instance."""
    return OPTIMIZERS.get(spec)
