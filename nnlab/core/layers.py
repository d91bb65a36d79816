"""Layers. A `Dense` layer keeps its forward and backward pass side by side.

Forward (batch-major, weights (fan_in, fan_out)):
    z = x W + b,    a = f(z),    and in training with dropout rate p: a ← a · m / (1 − p),
    m ~ Bernoulli(1 − p) (inverted dropout, so evaluation needs no rescaling).
Backward, given δ = ∂C/∂z for a batch:
    ∂C/∂W = xᵀ δ,    ∂C/∂b = Σ_batch δ,    ∂C/∂x = δ Wᵀ.

Every layer of a `Network` follows the `Layer` protocol: ``params()``/``grads()`` (two lists in
the same order), ``forward``/``delta``/``backward`` for evaluation and gradient checks (fresh
arrays, nothing overwritten), and the ``train_*`` twins the training step calls (same values bit
for bit, written into buffers the layer reuses from step to step). A stack of plain `Dense`
layers without dropout trains through `nnlab.core.steps.DenseSteps` instead: the same NumPy
calls, unrolled once per epoch.

Hot-path ufuncs take their output positionally (``np.matmul(x, W, z)``): the ``out=`` keyword
costs ≈ 0.45 µs more per matmul at batch 10.
"""

from __future__ import annotations

import numpy as np

from .activations import Activation


class Layer:
    """The protocol of a network layer; the ``train_*`` methods default to the plain ones.

    Backpropagation runs layer by layer from the top: ``delta(∂C/∂a)`` gives δ = ∂C/∂(what the
    layer's activation is applied to), ``backward(δ)`` fills ``grads()`` and returns ∂C/∂x for
    the layer below. The training step (`Network.train_step`) updates a layer's parameters
    right after its ``train_backward``, so a layer must not need its parameters after that.
    """

    def params(self) -> list[np.ndarray]:
        raise NotImplementedError

    def grads(self) -> list[np.ndarray]:
        raise NotImplementedError

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        raise NotImplementedError

    def delta(self, grad_a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, delta: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        raise NotImplementedError

    def train_forward(self, x: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """Training-mode forward; the result may live in a buffer until the next step."""
        return self.forward(x, rng)

    def train_delta(self, grad_a: np.ndarray) -> np.ndarray:
        """`delta` that may overwrite ``grad_a`` and what the forward pass cached."""
        return self.delta(grad_a)

    def train_backward(self, delta: np.ndarray, need_input_grad: bool) -> np.ndarray | None:
        """`backward` whose ∂C/∂x may live in a buffer until the next step."""
        return self.backward(delta, need_input_grad)


class Dense(Layer):
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
        self._z_buf = self._gx_buf = np.empty((0, 0), weights.dtype)  # train_* buffers

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

    @property
    def kinds(self) -> tuple[str, ...]:
        """The names of ``params()`` (a checkpoint calls them kind + layer number: W1, b1)."""
        return ("W",) if self.b is None else ("W", "b")

    def buffers(self) -> dict[str, np.ndarray]:
        """State that is not a parameter but defines the layer (none for a dense layer)."""
        return {}

    def astype(self, dtype: object) -> Dense:
        """A copy with every array cast to ``dtype``."""
        return Dense(self.W.astype(dtype), None if self.b is None else self.b.astype(dtype),
                     self.activation, self.dropout)

    def unit_label(self) -> str:
        """How the network's repr names this layer: ``30 sigmoid``."""
        return f"{self.units} {self.activation!r}"

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """a = f(xW + b); caches x, z, a for `backward`. Dropout is applied only when ``rng``."""
        z = x @ self.W
        if self.b is not None:
            z += self.b
        a = self.activation.forward(z)
        self.x, self.z, self.a, self.mask = x, z, a, None
        return self._drop(a, rng) if rng is not None and self.dropout else a

    def train_forward(self, x: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """`forward` into this layer's z buffer, a written over z where the activation can."""
        z = self._z_buf
        if z.shape[0] != x.shape[0]:
            z = self._z_buf = np.empty((x.shape[0], self.W.shape[1]), self.W.dtype)
        np.matmul(x, self.W, z)
        if self.b is not None:
            z += self.b
        a = self.activation.forward_inplace(z)
        self.x, self.z, self.a, self.mask = x, z, a, None
        return self._drop(a, rng) if rng is not None and self.dropout else a

    def _drop(self, a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Inverted dropout: a · m/(1 − p) with a fresh mask m ~ Bernoulli(1 − p)."""
        keep = 1.0 - self.dropout
        self.mask = (rng.random(a.shape, dtype=a.dtype) < keep) / np.asarray(keep, a.dtype)
        return a * self.mask

    def delta(self, grad_a: np.ndarray) -> np.ndarray:
        """δ = ∂C/∂z from ∂C/∂a (through the dropout mask, then f')."""
        if self.mask is not None:
            grad_a = grad_a * self.mask
        return self.activation.backward(self.z, self.a, grad_a)

    def train_delta(self, grad_a: np.ndarray) -> np.ndarray:
        if self.mask is not None:
            grad_a *= self.mask
        return self.activation.backward_inplace(self.z, self.a, grad_a)

    def backward(self, delta: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Store ∂C/∂W = xᵀδ and ∂C/∂b = Σδ; return ∂C/∂x = δWᵀ (or None for the first layer)."""
        np.matmul(self.x.T, delta, self.gW)
        if self.gb is not None:
            np.add.reduce(delta, 0, None, self.gb)  # = delta.sum(axis=0), without its wrapper
        return delta @ self.W.T if need_input_grad else None

    def train_backward(self, delta: np.ndarray, need_input_grad: bool) -> np.ndarray | None:
        """`backward` with ∂C/∂x in this layer's buffer."""
        np.matmul(self.x.T, delta, self.gW)
        if self.gb is not None:
            np.add.reduce(delta, 0, None, self.gb)
        if not need_input_grad:
            return None
        gx = self._gx_buf
        if gx.shape[0] != delta.shape[0]:
            gx = self._gx_buf = np.empty((delta.shape[0], self.W.shape[0]), self.W.dtype)
        return np.matmul(delta, self.W.T, gx)

    def __repr__(self) -> str:
        drop = f", dropout={self.dropout:g}" if self.dropout else ""
        bias = "" if self.b is not None else ", no bias"
        return f"Dense({self.fan_in} → {self.units} {self.activation!r}{bias}{drop})"
