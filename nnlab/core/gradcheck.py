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
from . import activations, losses
from .activations import Activation
from .batchnorm import BatchNormDense, batch_statistics
from .layers import Dense
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

_NO_SIDES = np.zeros(0, dtype=bool)


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
    return np.concatenate(parts) if parts else _NO_SIDES


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


# --------------------------------------------------------------------------- components

# Extra parameter values checked besides the defaults (other code paths).
ACTIVATION_VARIANTS: dict[str, list[dict[str, Any]]] = {
    "leaky_relu": [{"alpha": 0.2}, {"alpha": 1.5}],
    "elu": [{"alpha": 0.5}],
    "swish": [{"beta": 2.0}],
}
# (loss, output activation, targets): the natural (fused) pairs and unfused ones.
LOSS_CASES: dict[str, list[tuple[Any, str, str]]] = {
    "mse": [("mse", "identity", "real"), ("mse", "sigmoid", "real"),
            ("mse", "softmax", "onehot")],
    "mae": [("mae", "identity", "real")],
    "huber": [("huber", "identity", "real"), ({"name": "huber", "delta": 0.3}, "identity",
                                              "real")],
    "binary_crossentropy": [("binary_crossentropy", "sigmoid", "onehot"),
                            ("binary_crossentropy", "softmax", "onehot")],
    "categorical_crossentropy": [("categorical_crossentropy", "softmax", "onehot"),
                                 ("categorical_crossentropy", "sigmoid", "onehot")],
}
FUSED = {("binary_crossentropy", "sigmoid"), ("categorical_crossentropy", "softmax")}


def _activation_check(act: Activation, s: Settings, rng: np.random.Generator) -> TensorCheck:
    """dL/dz of L = Σ g ⊙ f(z) for a random upstream g: the vector-Jacobian product
    ``backward`` computes (the full Jacobian for softmax)."""
    z = rng.normal(0.0, 2.0, (4, 5))
    for j, k in enumerate(act.kinks):       # put entries on and within h of every kink
        z.flat[2 * j], z.flat[2 * j + 1] = k, k + s.h / 4
    g = rng.normal(size=z.shape)
    analytic = act.backward(z, act.forward(z), g).copy()

    def evaluate() -> tuple[float, np.ndarray]:
        sides = [(z > k).ravel() for k in act.kinks]
        return float(np.vdot(g, act.forward(z))), (np.concatenate(sides) if sides
                                                    else _NO_SIDES)

    scale = float(np.sum(np.abs(g * act.forward(z))))
    check = compare("activation", repr(act), "z", z, analytic, evaluate, s, rng, scale)
    if not act.differentiable:
        check.note = "f' = 0 by definition (not trainable); checked away from the kink"
    return check


def _loss_check(loss: Loss, act: Activation, kind: str, s: Settings,
                rng: np.random.Generator) -> TensorCheck:
    """δᴸ = ∂L/∂z through the output activation, as ``Loss.delta`` computes it (fused or not)."""
    z = rng.normal(0.0, 1.5, (4, 3))
    a = act.forward(z)
    if kind == "onehot":
        t = np.eye(3)[rng.integers(0, 3, 4)]
    else:
        t = a + rng.normal(0.0, 1.0, a.shape)
        for j, k in enumerate(loss.kinks):  # residuals a − t on and within h of every kink
            t.flat[2 * j], t.flat[2 * j + 1] = a.flat[2 * j] - k, a.flat[2 * j + 1] - k + s.h / 4
    analytic = loss.delta(z, a, t, act).copy()

    def evaluate() -> tuple[float, np.ndarray]:
        out = act.forward(z)
        r = out - t
        sides = [(r > k).ravel() for k in loss.kinks]
        return (float(loss.value(z, out, t, act)),
                np.concatenate(sides) if sides else _NO_SIDES)

    fused = " (fused)" if (loss.name, act.name) in FUSED else ""
    check = compare("loss", f"{loss!r} + {act!r}{fused}", "z", z, analytic, evaluate, s, rng)
    return check


def _layer_checks(label: str, layer: Dense, s: Settings,
                  rng: np.random.Generator, train: bool = True) -> list[TensorCheck]:
    """∂L/∂θ for every parameter θ and ∂L/∂x of L = Σ G ⊙ layer(x) for a random upstream G;
    with dropout the mask drawn by the training-mode forward pass is held fixed. A batch
    normalization uses the batch's statistics (``train``) or its running averages."""
    x = rng.normal(size=(5, layer.fan_in))
    out = layer.forward(x, np.random.default_rng(rng.integers(2**32)) if train else None)
    mask = np.ones_like(out) if layer.mask is None else layer.mask.copy()
    g = rng.normal(size=out.shape)
    grad_x = layer.backward(layer.delta(g), need_input_grad=True)
    tensors = [(kind, p, gr.copy()) for kind, p, gr in zip(layer.kinds, layer.params(),
                                                           layer.grads())]
    tensors.append(("x", x, grad_x.copy()))
    kinks = layer.activation.kinks

    def evaluate() -> tuple[float, np.ndarray]:
        a = layer.forward(x) * mask
        sides = [(layer.z > k).ravel() for k in kinks]
        return float(np.vdot(g, a)), np.concatenate(sides) if sides else _NO_SIDES

    scale = float(np.sum(np.abs(g * out)))
    return [compare("layer", label, name, v, an, evaluate, s, rng, scale)
            for name, v, an in tensors]


def _dense(fan_in: int, units: int, rng: np.random.Generator, *, bias: bool = True,
           dropout: float = 0.0, activation: str = "tanh") -> Dense:
    return Dense(rng.normal(0.0, 0.7, (fan_in, units)),
                 rng.normal(0.0, 0.5, units) if bias else None,
                 activations.get(activation), dropout)


def _batchnorm_checks(s: Settings, rng: np.random.Generator) -> list[TensorCheck]:
    """`BatchNormDense` with batch statistics (the training pass: μ, σ² depend on x) and with
    running averages (evaluation: a fixed affine map), γ and β away from 1 and 0."""
    checks = []
    for train, what in ((True, "batch statistics"), (False, "running averages")):
        layer = BatchNormDense(rng.normal(0.0, 0.7, (3, 4)), activations.get("tanh"))
        norm = layer.norm
        norm.gamma[...] = rng.normal(1.0, 0.3, 4)
        norm.beta[...] = rng.normal(0.0, 0.5, 4)
        norm.running_mean[...] = rng.normal(0.0, 0.5, 4)
        norm.running_var[...] = rng.uniform(0.5, 2.0, 4)
        label = f"{layer!r}"[:-1] + f", {what})"
        if train:
            with batch_statistics([layer]):
                checks += _layer_checks(label, layer, s, rng, train=True)
        else:
            checks += _layer_checks(label, layer, s, rng, train=False)
    return checks


def check_components(settings: Settings | None = None) -> Report:
    """Every registered activation, every loss with fitting output activations (fused and not),
    the Dense layer (with and without bias, with a fixed dropout mask) and the batch-normalized
    one (batch statistics and running averages), each in isolation."""
    s = settings or Settings()
    rng = np.random.default_rng(s.seed)
    checks = []
    for name in activations.ACTIVATIONS.names():
        for params in [{}, *ACTIVATION_VARIANTS.get(name, [])]:
            checks.append(_activation_check(activations.get({"name": name, **params}), s, rng))
    for name in losses.LOSSES.names():
        for loss_spec, act, kind in LOSS_CASES.get(name, [(name, "identity", "real")]):
            checks.append(_loss_check(losses.get(loss_spec), activations.get(act), kind, s,
                                      rng))
    for kw in ({}, {"bias": False}, {"dropout": 0.5}):
        layer = _dense(3, 4, rng, **kw)
        label = repr(layer)[:-1] + ", fixed mask)" if layer.dropout else repr(layer)
        checks += _layer_checks(label, layer, s, rng)
    checks += _batchnorm_checks(s, rng)
    return Report("components", checks, s, {"dtype": "float64"})


__all__ = ["Settings", "TensorCheck", "Report", "compare", "check_network", "check_components",
           "kink_sides", "noise_floor", "H", "TOL"]
