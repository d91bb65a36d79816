"""Activation functions a = f(z), applied to batch-major pre-activations z of shape (batch, units).

Each class has ``forward(z) -> a`` and ``backward(z, a, grad) -> dL/dz`` where ``grad = dL/da``.
For elementwise activations ``backward`` is ``grad * f'(z)``; softmax returns the
Jacobian-vector product. Outputs keep the input dtype (float32 stays float32), and neither method
modifies ``z``, ``a`` or ``grad`` in place.

The training step uses ``forward_inplace(z)`` (may write a over z, when ``backward`` can do
without z) and ``backward_inplace(z, a, grad)`` (may write the result over grad): the same values
bit for bit, without fresh arrays. By default they are ``forward``/``backward``.

``kinks`` lists the points of z where f' is discontinuous (finite-difference checks avoid them);
``differentiable`` is False for activations whose gradient is useless for training (step).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .registry import Component, Registry

ACTIVATIONS: Registry[Activation] = Registry("activation")


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1/(1 + e^(−z)), without overflow warnings for any z.

    e^(−z) overflows to inf for z ≪ 0 and then 1/(1 + inf) = 0 is the correct limit, so the
    overflow is silenced rather than avoided; both tails keep full relative precision.
    """
    z = np.asarray(z)
    out = np.empty_like(z)  # an array even for 0-d input
    with np.errstate(over="ignore"):
        return sigmoid_into(z, out)


def sigmoid_into(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ(z) written into ``out`` (default: over z itself). The caller silences the overflow of
    e^(−z) for z ≪ 0 (the training loop does, once per epoch: np.errstate costs ≈ 1 µs a call).
    """
    out = z if out is None else out
    np.negative(z, out)
    np.exp(out, out)
    out += const(1, out.dtype)
    return np.reciprocal(out, out)


_CONSTS: dict[tuple[float, np.dtype], np.ndarray] = {}


def const(value: float, dtype: np.dtype) -> np.ndarray:
    """``value`` as a 0-d array of ``dtype`` (cached; never write into it).

    The same number as the Python scalar in any ufunc, but the hot path's small arrays take it
    ≈ 0.4 µs faster (NumPy converts a Python scalar on every call).
    """
    key = (value, dtype)
    c = _CONSTS.get(key)
    if c is None:
        c = _CONSTS[key] = np.array(value, dtype)
        if len(_CONSTS) > 256:  # e.g. a schedule's learning rates: keep the cache small
            _CONSTS.clear()
    return c


def softplus(z: np.ndarray) -> np.ndarray:
    """ln(1 + e^z) = max(z, 0) + ln(1 + e^(−|z|)): no overflow, exact in both tails.

    Same values as ``np.logaddexp(0, z)``, which is ~10× slower on float32.
    """
    out = np.abs(z)
    np.negative(out, out)
    np.exp(out, out)
    np.log1p(out, out)
    out += np.maximum(z, 0)
    return out


def softmax(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Row-wise softmax over the last axis: s_i = e^(z_i − max z) / Σ_j e^(z_j − max z)."""
    out = np.subtract(z, z.max(axis=-1, keepdims=True), out)
    np.exp(out, out)
    out /= out.sum(axis=-1, keepdims=True)
    return out


# Piecewise functions use max/min and multiplication by boolean masks rather than np.where, which
# is several times slower; a product with a False mask is exactly 0, so the pieces add exactly.


class Activation(Component):
    """Base class: a = f(z) and its backward pass dL/dz = J_f(z)ᵀ · dL/da."""

    registry = ACTIVATIONS

    name: str = "activation"
    kinks: tuple[float, ...] = ()
    differentiable: bool = True

    def forward(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def forward_inplace(self, z: np.ndarray) -> np.ndarray:
        """``forward(z)``, possibly written over z (then ``backward`` never needs z)."""
        return self.forward(z)

    def backward_inplace(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """``backward(z, a, grad)``, possibly written over grad; z may be a (`forward_inplace`)."""
        return self.backward(z, a, grad)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.forward(z)



@ACTIVATIONS.register("identity", "linear")
class Identity(Activation):
    """f(z) = z, f'(z) = 1.

    ``forward`` returns ``z`` itself and ``backward`` returns ``grad`` itself (no copies).
    """

    def forward(self, z: np.ndarray) -> np.ndarray:
        return z

    def forward_inplace(self, z: np.ndarray) -> np.ndarray:
        return z

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        return grad

    def backward_inplace(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        return grad


@ACTIVATIONS.register("step", "heaviside")
class Step(Activation):
    """Heaviside step: f(z) = 1 if z > 0 else 0.

    f'(z) = 0 almost everywhere (undefined at 0), so ``backward`` returns zeros: a network of
    step units cannot be trained by gradient descent (Nielsen ch. 1 perceptrons).
    """

    kinks = (0.0,)
    differentiable = False

    def forward(self, z: np.ndarray) -> np.ndarray:
        return (z > 0).astype(z.dtype)

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        return np.zeros_like(grad)


@ACTIVATIONS.register("sigmoid")
class Sigmoid(Activation):
    """σ(z) = 1/(1 + e^(−z)); σ'(z) = σ(z)(1 − σ(z)) = a(1 − a).

    Stable for any |z| in float32 and float64 (no overflow warnings).
    """

    def forward(self, z: np.ndarray) -> np.ndarray:
        return sigmoid(z)

    forward_inplace = staticmethod(sigmoid_into)  # overflow silenced by the training loop

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        out = np.subtract(const(1, a.dtype), a)
        out *= a
        out *= grad
        return out

    backward_inplace = backward  # already one fresh array, written in place


@ACTIVATIONS.register("tanh")
class Tanh(Activation):
    """f(z) = tanh z; f'(z) = 1 − tanh² z = 1 − a²."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        return np.tanh(z)

    def forward_inplace(self, z: np.ndarray) -> np.ndarray:
        return np.tanh(z, z)

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        out = np.multiply(a, a)
        np.subtract(const(1, out.dtype), out, out)
        out *= grad
        return out

    backward_inplace = backward


@ACTIVATIONS.register("relu")
class ReLU(Activation):
    """f(z) = max(0, z); f'(z) = 1 if z > 0 else 0 (subgradient 0 at z = 0)."""

    kinks = (0.0,)

    def forward(self, z: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0)

    def forward_inplace(self, z: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0, out=z)

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        return np.multiply(grad, z > 0)

    def backward_inplace(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        return np.multiply(grad, z > 0, grad)  # z may hold a = max(z, 0): same signs


@ACTIVATIONS.register("leaky_relu")
class LeakyReLU(Activation):
    """f(z) = z if z > 0 else α·z; f'(z) = 1 if z > 0 else α (α at z = 0)."""

    kinks = (0.0,)

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = float(alpha)

    def forward(self, z: np.ndarray) -> np.ndarray:
        out = z * self.alpha
        if self.alpha <= 1:  # then z > 0 ⇔ z > αz
            return np.maximum(z, out, out=out)
        return np.minimum(z, out, out=out)

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        mask = z > 0
        out = np.multiply(grad, mask)
        np.logical_not(mask, mask)
        neg = np.multiply(grad, mask)
        neg *= self.alpha
        out += neg
        return out


def _elu(z: np.ndarray, alpha: float) -> np.ndarray:
    """max(z, 0) + α(e^min(z, 0) − 1): e^z only where z ≤ 0, so no overflow for large z."""
    neg = np.minimum(z, 0)
    np.expm1(neg, neg)
    neg *= alpha
    out = np.maximum(z, 0)
    out += neg
    return out


def _elu_backward(
    z: np.ndarray, a: np.ndarray, grad: np.ndarray, pos_slope: float, neg_offset: float
) -> np.ndarray:
    """grad·pos_slope where z > 0, else grad·(a + neg_offset) (= grad·λα·e^z for (s)elu)."""
    mask = z > 0
    out = np.multiply(grad, mask)
    if pos_slope != 1.0:
        out *= pos_slope
    np.logical_not(mask, mask)
    neg = a + neg_offset
    neg *= grad
    neg *= mask
    out += neg
    return out


@ACTIVATIONS.register("elu")
class ELU(Activation):
    """f(z) = z if z > 0 else α(e^z − 1); f'(z) = 1 if z > 0 else α·e^z = a + α.

    f' is continuous at 0 only for α = 1; ``kinks`` lists 0 regardless.
    """

    kinks = (0.0,)

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = float(alpha)

    def forward(self, z: np.ndarray) -> np.ndarray:
        return _elu(z, self.alpha)

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        return _elu_backward(z, a, grad, 1.0, self.alpha)


@ACTIVATIONS.register("selu")
class SELU(Activation):
    """f(z) = λ·z if z > 0 else λα(e^z − 1); f'(z) = λ if z > 0 else λα·e^z = a + λα.

    Fixed constants (Klambauer et al. 2017) λ ≈ 1.0507009873554805, α ≈ 1.6732632423543772.
    """

    kinks = (0.0,)
    scale = 1.0507009873554805
    alpha = 1.6732632423543772

    def forward(self, z: np.ndarray) -> np.ndarray:
        out = _elu(z, self.alpha)
        out *= self.scale
        return out

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        return _elu_backward(z, a, grad, self.scale, self.scale * self.alpha)


@ACTIVATIONS.register("softplus")
class Softplus(Activation):
    """f(z) = ln(1 + e^z) = max(z, 0) + ln(1 + e^(−|z|)); f'(z) = σ(z) = 1 − e^(−a).

    The derivative is taken from the cached a as −expm1(−a), which is exact in both tails.
    """

    def forward(self, z: np.ndarray) -> np.ndarray:
        return softplus(z)

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        out = np.negative(a)
        np.expm1(out, out)
        np.negative(out, out)
        out *= grad
        return out


@ACTIVATIONS.register("gelu")
class GELU(Activation):
    """GELU, tanh approximation (the exact erf form would need scipy):

    f(z) = ½z(1 + tanh u),  u = c(z + k z³),  c = √(2/π), k = 0.044715
    f'(z) = ½(1 + tanh u) + ½z(1 − tanh² u)·c(1 + 3k z²)   (exact for this formula)

    The polynomial uses z clipped to ±10: there tanh u is already ±1 in float64, so the values
    are unchanged and z³ cannot overflow.
    """

    _c = math.sqrt(2.0 / math.pi)
    _k = 0.044715

    def _tanh_u(self, w: np.ndarray) -> np.ndarray:
        t = w * w
        t *= self._k
        t += 1
        t *= w
        t *= self._c
        return np.tanh(t, t)

    def forward(self, z: np.ndarray) -> np.ndarray:
        t = self._tanh_u(np.clip(z, -10.0, 10.0))
        t += 1
        t *= z
        t *= 0.5
        return t

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        w = np.clip(z, -10.0, 10.0)
        t = self._tanh_u(w)
        du = w * w  # → c·w(1 + 3k w²)
        du *= 3 * self._k
        du += 1
        du *= w
        du *= self._c
        np.multiply(t, t, w)  # w → (1 − t²)·du
        np.subtract(1, w, w)
        w *= du
        t += 1
        t += w
        t *= 0.5
        t *= grad
        return t


@ACTIVATIONS.register("swish", "silu")
class Swish(Activation):
    """f(z) = z·σ(βz); f'(z) = σ(βz) + βz·σ(βz)(1 − σ(βz)) = s + β·a(1 − s), s = σ(βz)."""

    def __init__(self, beta: float = 1.0) -> None:
        self.beta = float(beta)

    def forward(self, z: np.ndarray) -> np.ndarray:
        s = sigmoid(self.beta * z if self.beta != 1.0 else z)
        s *= z
        return s

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        s = sigmoid(self.beta * z if self.beta != 1.0 else z)
        out = np.subtract(1, s)
        out *= a
        if self.beta != 1.0:
            out *= self.beta
        out += s
        out *= grad
        return out


@ACTIVATIONS.register("softmax")
class Softmax(Activation):
    """Row-wise over the last axis: s_i = e^(z_i) / Σ_j e^(z_j), computed as e^(z − max z).

    Jacobian ∂s_i/∂z_j = s_i(δ_ij − s_j), so the backward pass is the Jacobian-vector product
    dL/dz = s ⊙ (g − Σ_j g_j s_j) with g = dL/da.
    """

    def forward(self, z: np.ndarray) -> np.ndarray:
        return softmax(z)

    def forward_inplace(self, z: np.ndarray) -> np.ndarray:
        return softmax(z, out=z)

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        dot = np.einsum("...i,...i->...", grad, a)[..., None]
        out = np.subtract(grad, dot)
        out *= a
        return out


def get(spec: str | Mapping[str, Any] | Activation) -> Activation:
    """An activation from a name, a ``{name:, **params}`` mapping, or an instance."""
    return ACTIVATIONS.get(spec)
