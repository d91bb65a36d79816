"""Layers. A `Dense` layer keeps its forward and backward pass side by side.

Forward (batch-major, weights (fan_in, fan_out)):
    z = x W + b,    a = f(z),    and in training with dropout rate p: a ← a · m / (1 − p),
    m ~ Bernoulli(1 − p) (inverted dropout, so evaluation needs no rescaling).
Backward, given δ = ∂C/∂z for a batch:
    ∂C/∂W = xᵀ δ,    ∂C/∂b = Σ_batch δ,    ∂C/∂x = δ Wᵀ.
"""

from __future__ import annotations

import numpy as np

from .activations import Activation


class Dense:
    """A fully connected layer ``a = f(x W + b)`` with optional bias and inverted dropout."""

    def __init__(
        self,
        weights: np.ndarray,
        bias: np.ndarray | None,
        activation: Activation,
        dropout: float = 0.0,
    ) -> None:
        self.W = weights
        self.b = bias
        self.activation = activation
        self.dropout = float(dropout)
        self.gW = np.zeros_like(weights)
        self.gb = None if bias is None else np.zeros_like(bias)
        self.x: np.ndarray | None = None
        self.z: np.ndarray | None = None
        self.a: np.ndarray | None = None  # f(z) before dropout
        self.mask: np.ndarray | None = None

    @property
    def fan_in(self) -> int:
        return int(self.W.shape[0])

    @property
    def units(self) -> int:
        return int(self.W.shape[1])

    def params(self) -> list[np.ndarray]:
        return [self.W] if self.b is None else [self.W, self.b]

    def grads(self) -> list[np.ndarray]:
        return [self.gW] if self.gb is None else [self.gW, self.gb]

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """a = f(xW + b); caches x, z, a for `backward`. Dropout is applied only when ``rng``."""
        z = x @ self.W
        if self.b is not None:
            z += self.b
        a = self.activation.forward(z)
        self.x, self.z, self.a, self.mask = x, z, a, None
        if rng is not None and self.dropout > 0:
            keep = 1.0 - self.dropout
            self.mask = (rng.random(a.shape, dtype=a.dtype) < keep) / np.asarray(keep, a.dtype)
            return a * self.mask
        return a

    def delta(self, grad_a: np.ndarray) -> np.ndarray:
        """δ = ∂C/∂z from ∂C/∂a (through the dropout mask, then f')."""
        if self.mask is not None:
            grad_a = grad_a * self.mask
        return self.activation.backward(self.z, self.a, grad_a)

    def backward(self, delta: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Store ∂C/∂W = xᵀδ and ∂C/∂b = Σδ; return ∂C/∂x = δWᵀ (or None for the first layer)."""
        np.matmul(self.x.T, delta, out=self.gW)
        if self.gb is not None:
            delta.sum(axis=0, out=self.gb)  # the method skips np.sum's Python wrapper
        return delta @ self.W.T if need_input_grad else None


    def __repr__(self) -> str:
        drop = f", dropout={self.dropout:g}" if self.dropout else ""
        bias = "" if self.b is not None else ", no bias"
        return f"Dense({self.fan_in} → {self.units} {self.activation!r}{bias}{drop})"
