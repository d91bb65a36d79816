"""What is measured on a network: loss and accuracy, the L2 term, dead units.

L2 regularization uses Nielsen's convention C = C₀ + (λ/2n) Σ w² with n the training-set size, so
∂C/∂w = ∂C₀/∂w + (λ/n) w (biases are not regularized).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .losses import Loss
from .network import Network


def slopes(layer: Any) -> np.ndarray:
    """f'(z) of every sample and unit of the layer's last forward pass (elementwise f)."""
    return layer.activation.backward(layer.z, layer.a, np.ones_like(layer.z))


def dead_units(layer: Any) -> np.ndarray | None:
    """Per unit: f'(z) = 0 on every sample of the last forward pass (None for softmax).

    Such a unit passes no gradient, so it cannot learn: a ReLU whose z ≤ 0 everywhere, or a
    sigmoid saturated to exactly 0/1 in float32. Leaky ReLU units never die.
    """
    if layer.activation.name == "softmax":
        return None
    return np.all(slopes(layer) == 0, axis=0)


def dead_fraction(layer: Any) -> float | None:
    """Fraction of the layer's units that are dead (`dead_units`); None for softmax."""
    dead = dead_units(layer)
    return None if dead is None else float(np.mean(dead))


def l2_penalty(network: Network, l2: float, n_train: int) -> float:
    """(λ/2n) Σ w² over all weight matrices (Nielsen's convention; biases excluded)."""
    if not l2:
        return 0.0
    # einsum stays single-threaded: vdot's threaded BLAS is slow on a busy machine
    return 0.5 * l2 / n_train * sum(float(np.einsum("ij,ij->", w, w))
                                    for w in network.weights())


def score(network: Network, loss: Loss, x: np.ndarray, t: np.ndarray, *,
          classification: bool, penalty: float = 0.0, prefix: str = "") -> dict[str, float]:
    """``{prefix}loss`` (plus the L2 ``penalty``) and, for classification, ``{prefix}accuracy``."""
    z, a = network.outputs(x)
    out = {f"{prefix}loss": float(loss.value(z, a, t, network.layers[-1].activation)) + penalty}
    if classification:
        out[f"{prefix}accuracy"] = accuracy(a, t)
    return out


def accuracy(a: np.ndarray, t: np.ndarray) -> float:
    """Fraction right: argmax for several outputs, threshold ½ for one."""
    if a.shape[1] == 1:
        return float(np.mean((a[:, 0] > 0.5) == (t[:, 0] > 0.5)))
    return float(np.mean(a.argmax(axis=1) == t.argmax(axis=1)))
