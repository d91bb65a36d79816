"""``nnlab gradcheck --components``: every building block checked in isolation.

Every registered activation (with extra parameter values for other code paths), every loss with
the output activations it meets (fused and not), the dense layer (with and without bias, with a
fixed dropout mask) and the batch-normalized one (batch statistics and running averages), each
against central differences by `nnlab.core.gradcheck.compare`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import activations, losses
from .activations import Activation
from .batchnorm import BatchNormDense, batch_statistics
from .gradcheck import NO_SIDES, Report, Settings, TensorCheck, compare
from .layers import Dense
from .losses import Loss

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
                                                    else NO_SIDES)

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
                np.concatenate(sides) if sides else NO_SIDES)

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
        return float(np.vdot(g, a)), np.concatenate(sides) if sides else NO_SIDES

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


__all__ = ["check_components", "ACTIVATION_VARIANTS", "LOSS_CASES"]
