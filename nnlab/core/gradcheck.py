"""Gradient checking: backpropagation against central finite differences, in float64.

For one entry θᵢ of a parameter tensor the numerical derivative is the central difference

    nᵢ = (C(θ + h eᵢ) − C(θ − h eᵢ)) / 2h          (error O(h²) for a smooth C),

and it is compared with the analytic aᵢ = ∂C/∂θᵢ from the backward pass by the relative error
of CS231n with a floor,

    relᵢ = |aᵢ − nᵢ| / max(|aᵢ|, |nᵢ|, floor).

The floor is there for tiny gradients. In float64 the difference quotient carries a rounding
noise of about ε·S/h, where S is the size of the numbers whose rounding enters C (ε = 2.2e-16;
for a network S = |C| + mean Σ|zᴸ|, since a cross-entropy computed from the logits subtracts
terms of size |zᴸ|); with h = 1e-6 that is ~1e-10·S, so an entry whose gradient is itself ~1e-7
cannot agree to 1e-6 relative. The automatic floor is 4ε·max(1, S)/(h·tol): entries below it
are judged by their absolute error, |a − n| ≤ tol·floor = 4ε·max(1, S)/h ≈ 1e-9·max(1, S),
which is still far below the error of any wrong formula. Two exact zeros agree. A fixed
``floor`` can be given instead.

Networks are checked on a float64 copy, on a few real training samples, without dropout, and
with the L2 term of the config: C = C₀ + (λ/2n) Σ w² (n = training-set size), ∂C/∂W += (λ/n) W.

Kinks. ReLU, leaky ReLU, ELU, step (activations) and MAE, Huber (losses) have points where the
derivative jumps (``Activation.kinks`` in z, ``Loss.kinks`` in the residual a − t). When the
perturbation θ ± h moves any pre-activation z of a kinked layer, or any residual of a kinked
loss, to the other side of a kink, the difference quotient straddles the jump and means
nothing; such entries are counted as ``kinks`` and reported separately instead of failing.

The building blocks one by one (``--components``) are checked in `nnlab.core.component_checks`.

Curvature. The central difference's truncation error is (h²/6)·C‴; in a strongly curved network
(Nielsen's chain with w = 100, where each layer multiplies derivatives by 25) it can exceed the
tolerance at h = 1e-6 although backpropagation is exact. An entry that fails at h is therefore
compared once more at h/10 and judged by the smaller error: truncation error falls 100×, the
error of a wrong formula does not. Such entries are counted as ``refined``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..errors import NnlabError
from .batchnorm import batch_statistics
from .losses import Loss
from .metrics import l2_penalty
from .network import Network

H = 1e-6
TOL = 1e-6
EPS = float(np.finfo(np.float64).eps)
NOISE_K = 4.0
MAX_PER_TENSOR = 200
SAMPLES = 8

Evaluate = Callable[[], tuple[float, np.ndarray]]
"""C at the current parameter values, and the kink sides (a bool vector) at those values."""

NO_SIDES = np.zeros(0, dtype=bool)  # the kink sides of something without kinks


@dataclass(frozen=True)
class Settings:
    """How to check: step ``h``, fail line ``tol`` on the relative error, its ``floor``,
    at most ``max_per_tensor`` entries per tensor (a subset drawn from ``seed``), ``samples``
    training samples for networks."""

    h: float = H
    tol: float = TOL
    floor: float | None = None
    max_per_tensor: int = MAX_PER_TENSOR
    samples: int = SAMPLES
    seed: int = 0

    def __post_init__(self) -> None:
        for key in ("h", "tol", "floor"):
            value = getattr(self, key)
            if key == "floor" and value is None:
                continue
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise NnlabError(f"gradcheck: {key} must be a finite number > 0, got {value!r}")
        for key in ("max_per_tensor", "samples"):
            if int(getattr(self, key)) < 1:
                raise NnlabError(f"gradcheck: {key} must be at least 1, "
                                 f"got {getattr(self, key)!r}")
        if int(self.seed) < 0:
            raise NnlabError(f"gradcheck: seed must be >= 0, got {self.seed!r}")


@dataclass
class TensorCheck:
    """The verdict on one tensor: entries compared, kink entries set aside, errors, PASS/FAIL."""

    group: str                      # "network", "activation", "loss" or "layer"
    name: str                       # W1, b2, … or the component, e.g. "mse + identity"
    tensor: str                     # what was differentiated: "W", "b", "x", "z"
    shape: tuple[int, ...]
    size: int
    checked: int = 0                # entries compared (excluding kinks)
    kinks: int = 0                  # entries whose ±h straddles a kink: counted, not judged
    refined: int = 0                # entries judged at h/10 (their error at h was truncation)
    max_error: float | None = None
    median_error: float | None = None
    floor: float | None = None      # the relative error's smallest denominator
    worst: tuple[int, ...] | None = None
    analytic: float | None = None   # at the worst entry
    numeric: float | None = None
    passed: bool = True
    note: str = ""

    @property
    def status(self) -> str:
        return "PASS" if self.passed else "FAIL"

    @property
    def label(self) -> str:
        """``W1`` for a network, ``relu ∂/∂z`` for a component."""
        return self.name if self.group == "network" else f"{self.name} ∂/∂{self.tensor}"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["shape"], d["status"] = list(self.shape), self.status
        d["worst"] = None if self.worst is None else list(self.worst)
        return d


@dataclass
class Report:
    """All checks of one target (a config, a run or the components) and how they were made."""

    target: str
    checks: list[TensorCheck]
    settings: Settings
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> list[TensorCheck]:
        return [c for c in self.checks if not c.passed]

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "passed": self.passed,
                "failed": [c.label for c in self.failed], **self.info,
                "settings": asdict(self.settings), "checks": [c.to_dict() for c in self.checks]}


# --------------------------------------------------------------------------- the comparison

def noise_floor(scale: float, settings: Settings) -> float:
    """The automatic floor K·ε·max(1, scale)/(h·tol): below it, |a − n| ≤ tol·floor is the
    rounding noise of the difference quotient (K = 4, ε = 2.2e-16)."""
    if settings.floor is not None:
        return settings.floor
    return NOISE_K * EPS * max(1.0, scale) / (settings.h * settings.tol)


def compare(
    group: str,
    name: str,
    tensor: str,
    values: np.ndarray,
    analytic: np.ndarray,
    evaluate: Evaluate,
    settings: Settings,
    rng: np.random.Generator,
    scale: float | None = None,
) -> TensorCheck:
    """Central differences of ``evaluate`` for entries of ``values`` (changed in place and
    restored) against ``analytic``; all entries up to ``max_per_tensor``, else a random subset.

    ``scale`` is the size of the terms C sums (default |C|), which sets the automatic floor.
    """
    check = TensorCheck(group, name, tensor, tuple(values.shape), int(values.size))
    if values.size == 0:
        return check
    if values.size <= settings.max_per_tensor:
        flat = np.arange(values.size)
    else:
        flat = np.sort(rng.choice(values.size, settings.max_per_tensor, replace=False))
    c0, sides0 = evaluate()
    floor = noise_floor(abs(c0) if scale is None else scale, settings)
    check.floor = floor
    errors, where, pairs = [], [], []
    for i in flat:
        idx = np.unravel_index(int(i), values.shape)
        n = _quotient(values, idx, settings.h, evaluate, sides0)
        if n is None:
            check.kinks += 1
            continue
        a = float(analytic[idx])
        err = abs(a - n) / max(abs(a), abs(n), floor)
        if err > settings.tol:  # truncation error is O(h²): at h/10 it falls 100×, a bug's not
            fine = _quotient(values, idx, settings.h / 10, evaluate, sides0)
            fine_err = math.inf if fine is None else abs(a - fine) / max(abs(a), abs(fine),
                                                                          floor)
            if fine_err < err:
                err, n = fine_err, fine
                check.refined += 1
        errors.append(err)
        where.append(tuple(int(j) for j in idx))
        pairs.append((a, n))
    check.checked = len(errors)
    if errors:
        err = np.asarray(errors)
        k = int(np.argmax(np.where(np.isnan(err), np.inf, err)))  # a NaN is the worst
        check.max_error, check.median_error = float(err[k]), float(np.median(err))
        check.worst, (check.analytic, check.numeric) = where[k], pairs[k]
        check.passed = bool(check.max_error <= settings.tol)   # NaN fails
    return check


def _quotient(values: np.ndarray, idx: tuple[int, ...], h: float, evaluate: Evaluate,
              sides0: np.ndarray) -> float | None:
    """(C(θ + h eᵢ) − C(θ − h eᵢ)) / (the step actually taken), or None when a ±h step puts a
    kink between the two points (``values`` changed in place and restored)."""
    old = values[idx]
    values[idx] = old + h
    up = values[idx]                      # the steps actually taken, after rounding
    c_plus, sides_plus = evaluate()
    values[idx] = old - h
    down = values[idx]
    c_minus, sides_minus = evaluate()
    values[idx] = old
    if not (np.array_equal(sides_plus, sides0) and np.array_equal(sides_minus, sides0)):
        return None
    return (c_plus - c_minus) / float(up - down)


# --------------------------------------------------------------------------- networks

def kink_sides(network: Network, t: np.ndarray, loss: Loss) -> np.ndarray:
    """Which side of each kink every z of a kinked layer and every residual a − t lies on,
    for the batch of the last forward pass (an empty vector for smooth networks)."""
    parts = [(layer.z > k).ravel() for layer in network.layers for k in layer.activation.kinks]
    if loss.kinks:
        r = network.layers[-1].a - t
        parts += [(r > k).ravel() for k in loss.kinks]
    return np.concatenate(parts) if parts else NO_SIDES


def check_network(
    network: Network,
    loss: Loss,
    x: np.ndarray,
    t: np.ndarray,
    *,
    l2: float = 0.0,
    n_train: int | None = None,
    settings: Settings | None = None,
) -> list[TensorCheck]:
    """Check ∂C/∂θ of every parameter tensor of ``network`` (used as is: pass a float64 copy)
    at the batch (x, t); C = loss (+ (λ/2n)Σw² with λ = ``l2``, n = ``n_train``), no dropout.
    Batch normalizations use the batch's own statistics: the gradient training follows."""
    with batch_statistics(network):
        return _check_network(network, loss, x, t, l2=l2, n_train=n_train, settings=settings)


def _check_network(network: Network, loss: Loss, x: np.ndarray, t: np.ndarray, *, l2: float,
                   n_train: int | None, settings: Settings | None) -> list[TensorCheck]:
    s = settings or Settings()
    n = n_train or len(x)
    out = network.layers[-1]

    def data_loss() -> tuple[float, np.ndarray]:
        network.forward(x)
        return float(loss.value(out.z, out.a, t, out.activation)), kink_sides(network, t, loss)

    def with_l2(own: Network | None, rest: float) -> Evaluate:
        """C with the L2 term: only ``own`` (the perturbed matrix) changes, the rest is fixed
        (which also spares recomputing Σw² of every matrix for every entry)."""
        def evaluate() -> tuple[float, np.ndarray]:
            c, sides = data_loss()
            return c + rest + (l2_penalty(own, l2, n) if own is not None else 0.0), sides
        return evaluate

    grads = network.gradients(x, t, loss)
    total = l2_penalty(network, l2, n)
    c0, _ = data_loss()
    # the logits' size matters too: a cross-entropy subtracts terms of size |zᴸ|
    scale = abs(c0 + total) + float(np.abs(out.z).sum(axis=1).mean())
    rng = np.random.default_rng(np.random.SeedSequence(s.seed).spawn(2)[1])
    checks = []
    tensors = [(layer, p) for layer in network.layers for p in layer.params()]
    for name, (layer, p), g in zip(network.param_names(), tensors, grads):
        own = None
        if name.startswith("W") and l2:
            g += (l2 / n) * p  # ∂/∂W of (λ/2n)Σw²
            own = Network([layer])
        rest = total - (l2_penalty(own, l2, n) if own is not None else 0.0)
        checks.append(compare("network", name, name.rstrip("0123456789"), p, g,
                              with_l2(own, rest), s, rng, scale))
    return checks


__all__ = ["Settings", "TensorCheck", "Report", "compare", "check_network", "kink_sides",
           "noise_floor", "H", "TOL"]
