"""Loss functions of the network output.

Convention: the loss of a batch is the MEAN over the n samples of a per-sample loss that SUMS
over the outputs, L = (1/n) Σ_x C_x with C_x = Σ_j ℓ(a_xj, t_xj) (Nielsen's convention). So
``grad`` and ``delta`` are already divided by n.

Arguments: z = output pre-activations, a = f(z) output activations, t = float targets shaped
like a, all (n, outputs). ``delta(z, a, t, activation)`` = dL/dz is the output-layer error δ^L.
The cross-entropies fuse with their natural activation (sigmoid / softmax): the value is
computed from the logits z (finite for any |z|) and δ^L = (a − t)/n. ``value`` and
``per_sample`` take the activation as an optional last argument (an `Activation` or its name);
without it they use the clipped generic formula.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .activations import Activation, const, softplus
from .registry import Component, Registry

LOSSES: Registry[Loss] = Registry("loss")

EPS = 1e-7  # clip for logs of probabilities in the unfused cross-entropies (Keras' epsilon)

ActivationLike = Activation | str | None


def _name(activation: ActivationLike) -> str | None:
    return activation if activation is None or isinstance(activation, str) else activation.name


def _rowsum(x: np.ndarray) -> np.ndarray:
    """Σ over every axis but the batch axis → shape (n,)."""
    return x.sum(axis=tuple(range(1, x.ndim)))


def _rowdot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Σ_j x_ij·y_ij per row, without the product temporary."""
    return np.einsum("ij,ij->i", x.reshape(len(x), -1), y.reshape(len(y), -1))


class Loss(Component):
    """Base class: L = (1/n) Σ_x C_x; subclasses define ``per_sample`` (C_x) and ``grad``."""

    registry = LOSSES
    fused_with: str | None = None  # the output activation whose pairing gives δ = (a − t)/n

    name: str = "loss"
    kinks: tuple[float, ...] = ()  # points of the residual r = a − t where ℓ' jumps

    def per_sample(
        self, z: np.ndarray | None, a: np.ndarray, t: np.ndarray, activation: ActivationLike = None
    ) -> np.ndarray:
        """C_x for every sample, shape (n,)."""
        raise NotImplementedError

    def value(
        self, z: np.ndarray | None, a: np.ndarray, t: np.ndarray, activation: ActivationLike = None
    ) -> float:
        """L = mean of ``per_sample``."""
        return float(self.per_sample(z, a, t, activation).mean())

    def grad(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        """dL/da, already divided by n."""
        raise NotImplementedError

    def delta(
        self, z: np.ndarray, a: np.ndarray, t: np.ndarray, activation: Activation
    ) -> np.ndarray:
        """dL/dz = f'(z)ᵀ · dL/da (chain rule through the output activation).

        Paired with its ``fused_with`` activation (sigmoid for BCE, softmax for categorical CE)
        the product simplifies to δ = (a − t)/n: no division by a(1 − a), stable for any z.
        """
        if self.fused_with is not None and _name(activation) == self.fused_with:
            d = a - t
            d /= len(a)
            return d
        return activation.backward(z, a, self.grad(a, t))

    def delta_inplace(
        self, z: np.ndarray, a: np.ndarray, t: np.ndarray, activation: Activation
    ) -> np.ndarray:
        """`delta`, possibly written over ``a`` (the training step's output buffer)."""
        if self.fuses(activation):
            return self.fused_delta_into(a, t, const(len(a), a.dtype))
        return activation.backward_inplace(z, a, self.grad(a, t))

    def fuses(self, activation: Activation) -> bool:
        """True when δ for this output activation is the fused (a − t)/n."""
        return self.fused_with is not None and activation.name == self.fused_with

    @staticmethod
    def fused_delta_into(a: np.ndarray, t: np.ndarray, n: np.ndarray) -> np.ndarray:
        """δ = (a − t)/n written over ``a``, n a 0-d array of a's dtype (the batch size)."""
        np.subtract(a, t, a)
        a /= n
        return a



@LOSSES.register("mse", "mean_squared_error")
class MSE(Loss):
    """Quadratic cost C_x = ½ Σ_j (a_j − t_j)²; dL/da = (a − t)/n.

    The ½ is the convention of Nielsen (network2.QuadraticCost) and the backpropagation write-ups;
    Keras' MSE instead averages over the outputs without the ½.
    """

    def per_sample(
        self, z: np.ndarray | None, a: np.ndarray, t: np.ndarray, activation: ActivationLike = None
    ) -> np.ndarray:
        r = a - t
        return 0.5 * _rowdot(r, r)

    def value(
        self, z: np.ndarray | None, a: np.ndarray, t: np.ndarray, activation: ActivationLike = None
    ) -> float:
        r = a - t
        r = r.ravel()
        return 0.5 * float(np.dot(r, r)) / len(a)

    def grad(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        g = a - t
        g /= len(a)
        return g


@LOSSES.register("mae", "mean_absolute_error")
class MAE(Loss):
    """C_x = Σ_j |a_j − t_j|; dL/da = sign(a − t)/n (subgradient 0 at a = t)."""

    kinks = (0.0,)

    def per_sample(
        self, z: np.ndarray | None, a: np.ndarray, t: np.ndarray, activation: ActivationLike = None
    ) -> np.ndarray:
        r = a - t
        np.abs(r, r)
        return _rowsum(r)

    def grad(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        g = a - t
        np.sign(g, g)
        g /= len(a)
        return g


@LOSSES.register("huber")
class Huber(Loss):
    """Per output, with r = a − t and threshold δ:

    ℓ(r) = ½r² if |r| ≤ δ else δ(|r| − ½δ);  ℓ'(r) = clip(r, −δ, δ).
    C_x sums ℓ over the outputs. ``delta`` is stored as ``threshold`` (``delta`` is the method).
    """

    def __init__(self, delta: float = 1.0) -> None:
        self.threshold = float(delta)
        if not self.threshold > 0:
            raise ValueError(f"delta must be > 0, got {delta}")
        self.kinks = (-self.threshold, self.threshold)

    def config(self) -> dict[str, Any]:
        return {"delta": self.threshold}

    def per_sample(
        self, z: np.ndarray | None, a: np.ndarray, t: np.ndarray, activation: ActivationLike = None
    ) -> np.ndarray:
        d = self.threshold
        r = a - t
        np.abs(r, r)
        small = np.minimum(r, d)  # ℓ = ½m² + δ(|r| − m) with m = min(|r|, δ)
        r -= small
        r *= d
        small *= small
        small *= 0.5
        r += small
        return _rowsum(r)

    def grad(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        g = a - t
        np.clip(g, -self.threshold, self.threshold, out=g)
        g /= len(a)
        return g


@LOSSES.register("binary_crossentropy", "bce", "cross_entropy")
class BinaryCrossentropy(Loss):
    """Nielsen's cross-entropy C_x = −Σ_j [t_j ln a_j + (1 − t_j) ln(1 − a_j)]; targets in [0, 1].

    dL/da = (a − t) / (a(1 − a)) / n. With a sigmoid output (fused) the value is computed from
    the logits, −t ln σ(z) − (1−t) ln(1−σ(z)) = ln(1 + e^z) − t·z (stable softplus) per output,
    and δ^L = (a − t)/n (the σ' cancels: Nielsen eq. 66). Otherwise a is clipped to
    [EPS, 1 − EPS] in both value and gradient.
    """

    fused_with = "sigmoid"

    def per_sample(
        self, z: np.ndarray | None, a: np.ndarray, t: np.ndarray, activation: ActivationLike = None
    ) -> np.ndarray:
        if _name(activation) == "sigmoid" and z is not None:
            out = softplus(z)
            out -= t * z  # per output, so large terms cancel before the sum
            return _rowsum(out)
        ac = np.clip(a, EPS, 1 - EPS)
        out = np.log(ac)
        out *= t
        np.subtract(1, ac, ac)
        np.log(ac, ac)
        ac *= np.subtract(1, t)
        out += ac
        return -_rowsum(out)

    def grad(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        ac = np.clip(a, EPS, 1 - EPS)
        g = ac - t
        g /= len(a)
        den = np.subtract(1, ac)  # a(1 − a)
        den *= ac
        g /= den
        return g



@LOSSES.register("categorical_crossentropy", "softmax_crossentropy", "crossentropy")
class CategoricalCrossentropy(Loss):
    """C_x = −Σ_j t_j ln a_j for targets whose rows sum to 1 (one-hot or soft labels).

    dL/da = −t / a / n. With a softmax output (fused) the value comes from the logits:
    −Σ t_j ln softmax(z)_j = logsumexp(z) − Σ t_j z_j, computed with z − max z, and
    δ^L = (a − t)/n. Otherwise a is clipped below at EPS.
    """

    fused_with = "softmax"

    def per_sample(
        self, z: np.ndarray | None, a: np.ndarray, t: np.ndarray, activation: ActivationLike = None
    ) -> np.ndarray:
        if _name(activation) == "softmax" and z is not None:
            zs = z - z.max(axis=1, keepdims=True)  # shift cancels when Σ t = 1
            dot = _rowdot(t, zs)
            np.exp(zs, zs)
            return np.log(zs.sum(axis=1)) - dot
        ac = np.maximum(a, EPS)
        np.log(ac, ac)
        return -_rowdot(t, ac)

    def grad(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        g = np.maximum(a, EPS)
        np.divide(t, g, g)
        g /= -len(a)
        return g



def get(spec: str | Mapping[str, Any] | Loss) -> Loss:
    """A loss from a name, a ``{name:, **params}`` mapping, or an instance."""
    return LOSSES.get(spec)
