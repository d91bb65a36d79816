"""Batch normalization (Ioffe & Szegedy, 2015) before the activation of a hidden dense layer.

Per unit, for a batch of n pre-activations u = xW (the layer has no bias b: a constant added
before the normalization would be subtracted again with the mean):

    μ = (1/n) Σ u,   σ² = (1/n) Σ (u − μ)²,   û = (u − μ) / √(σ² + ε),   z = γ ⊙ û + β,   a = f(z).

Training passes normalize by the batch's own μ and σ² and update running averages,

    μ_run ← ρ μ_run + (1 − ρ) μ,   σ²_run ← ρ σ²_run + (1 − ρ) σ² · n/(n − 1)   (ρ = 0.9),

which evaluation uses instead (the unbiased variance, as PyTorch; a batch of one sample leaves
them alone). Backward, given δ = ∂C/∂z from the activation:

    ∂C/∂β = Σ δ,   ∂C/∂γ = Σ δ ⊙ û,
    training:   ∂C/∂u = (γ/√(σ² + ε)) · (δ − (1/n) Σ δ − û ⊙ (1/n) Σ δ ⊙ û)   (μ, σ² depend on u)
    evaluation: ∂C/∂u = (γ/√(σ²_run + ε)) · δ

and then the dense part as usual, ∂C/∂W = xᵀ (∂C/∂u), ∂C/∂x = (∂C/∂u) Wᵀ. γ starts at 1, β at
0, μ_run at 0 and σ²_run at 1.

β sits exactly where the bias sat, so a normalized layer's ``b`` *is* β (``params()`` are
W, γ, β; checkpoints name them ``W1``, ``gamma1``, ``beta1`` and the running averages
``running_mean1``, ``running_var1``), and ∂C/∂β = Σ δ is still Nielsen's speed of learning
‖δˡ‖ (``grad_norm_b``). Both are vectors, so neither L2 nor weight decay touches them.

Which statistics a pass uses: batch ones in training passes (``rng`` given, as the trainer's
step does) and running ones otherwise — unless `batch_statistics` says "batch, and leave the
running averages alone", which the per-epoch gradient norms and the gradient check use, so they
measure the gradient that training follows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from .activations import Activation
from .layers import Dense

MOMENTUM = 0.9
EPS = 1e-5


class BatchNorm:
    """z = γ ⊙ (u − μ)/√(σ² + ε) + β per unit, with running averages for evaluation."""

    def __init__(self, units: int, dtype: Any = np.float32, momentum: float = MOMENTUM,
                 eps: float = EPS) -> None:
        self.gamma = np.ones(units, dtype)
        self.beta = np.zeros(units, dtype)
        self.g_gamma = np.zeros(units, dtype)
        self.g_beta = np.zeros(units, dtype)
        self.running_mean = np.zeros(units, dtype)
        self.running_var = np.ones(units, dtype)
        self.momentum, self.eps = float(momentum), float(eps)
        self.forced: bool | None = None   # `batch_statistics`: batch stats, no running update
        self.u_hat: np.ndarray | None = None
        self.inv_std: np.ndarray | None = None
        self.batch = False                # whether the last forward used batch statistics

    def forward(self, u: np.ndarray, training: bool) -> np.ndarray:
        """z from u; batch statistics when ``training`` (or forced), else the running ones."""
        batch = training if self.forced is None else True
        n = len(u)
        if batch:
            mean = np.add.reduce(u, 0) / n                  # μ (reduce: no wrapper overhead)
            centred = u - mean
            var = np.einsum("ij,ij->j", centred, centred) / n   # σ², one pass, no temporary
            if training and self.forced is None and n > 1:
                self._update_running(mean, var, n)
        else:
            centred, var = u - self.running_mean, self.running_var
        inv = np.sqrt(var + self.eps)
        np.reciprocal(inv, out=inv)
        self.inv_std = inv.astype(u.dtype, copy=False)
        centred *= self.inv_std                             # û, in the centred buffer
        self.u_hat, self.batch = centred, batch
        z = centred * self.gamma
        z += self.beta
        return z

    def _update_running(self, mean: np.ndarray, var: np.ndarray, n: int) -> None:
        rho = self.momentum
        self.running_mean *= rho
        self.running_mean += (1 - rho) * mean
        self.running_var *= rho
        self.running_var += ((1 - rho) * n / (n - 1)) * var

    def backward(self, delta: np.ndarray) -> np.ndarray:
        """Fill ∂C/∂γ, ∂C/∂β from δ = ∂C/∂z; return ∂C/∂u (through μ, σ² in batch mode)."""
        np.add.reduce(delta, 0, None, self.g_beta)
        np.einsum("ij,ij->j", delta, self.u_hat, out=self.g_gamma)
        scale = self.gamma * self.inv_std
        if not self.batch:
            return delta * scale
        n = len(delta)
        du = self.u_hat * (self.g_gamma / n)
        np.subtract(delta, du, out=du)
        du -= self.g_beta / n
        du *= scale
        return du

    def buffers(self) -> dict[str, np.ndarray]:
        return {"running_mean": self.running_mean, "running_var": self.running_var}

    def copy(self, dtype: Any) -> BatchNorm:
        new = BatchNorm(len(self.gamma), dtype, self.momentum, self.eps)
        for name in ("gamma", "beta", "running_mean", "running_var"):
            getattr(new, name)[...] = getattr(self, name)
        return new


class BatchNormDense(Dense):
    """A hidden layer ``a = f(BN(x W))``: dense, batch-normalized, then the activation.

    ``b``/``gb`` are BN's β and ∂C/∂β (see the module doc); dropout, if any, acts on a.
    """

    kinds = ("W", "gamma", "beta")

    def __init__(self, weights: np.ndarray, activation: Activation, dropout: float = 0.0,
                 norm: BatchNorm | None = None) -> None:
        super().__init__(weights, None, activation, dropout)
        self.norm = norm if norm is not None else BatchNorm(weights.shape[1], weights.dtype)
        self.b, self.gb = self.norm.beta, self.norm.g_beta

    def params(self) -> list[np.ndarray]:
        return [self.W, self.norm.gamma, self.norm.beta]

    def grads(self) -> list[np.ndarray]:
        return [self.gW, self.norm.g_gamma, self.norm.g_beta]

    def buffers(self) -> dict[str, np.ndarray]:
        return self.norm.buffers()

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """a = f(γ ⊙ BN(xW) + β): batch statistics in training passes (``rng`` given)."""
        z = self.norm.forward(x @ self.W, training=rng is not None)
        a = self.activation.forward(z)
        self.x, self.z, self.a, self.mask = x, z, a, None
        return self._drop(a, rng) if rng is not None and self.dropout else a

    def train_forward(self, x: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        z = self.norm.forward(x @ self.W, training=True)
        a = self.activation.forward_inplace(z)
        self.x, self.z, self.a, self.mask = x, z, a, None
        return self._drop(a, rng) if rng is not None and self.dropout else a

    def backward(self, delta: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """∂C/∂γ, ∂C/∂β, then ∂C/∂W = xᵀ(∂C/∂u); returns ∂C/∂x = (∂C/∂u)Wᵀ."""
        du = self.norm.backward(delta)
        np.matmul(self.x.T, du, out=self.gW)
        return du @ self.W.T if need_input_grad else None

    def train_backward(self, delta: np.ndarray, need_input_grad: bool) -> np.ndarray | None:
        return self.backward(delta, need_input_grad)

    def astype(self, dtype: Any) -> BatchNormDense:
        return BatchNormDense(self.W.astype(dtype), self.activation, self.dropout,
                              self.norm.copy(dtype))

    def unit_label(self) -> str:
        return f"{self.units} bn {self.activation!r}"

    def __repr__(self) -> str:
        drop = f", dropout={self.dropout:g}" if self.dropout else ""
        return f"BatchNormDense({self.fan_in} → {self.units} {self.activation!r}{drop})"


def norms(network: Any) -> list[BatchNorm]:
    """The batch normalizations of a network's layers (none for a plain network); a list of
    layers works too."""
    layers = getattr(network, "layers", network)
    return [layer.norm for layer in layers if isinstance(layer, BatchNormDense)]


@contextlib.contextmanager
def batch_statistics(network: Any) -> Iterator[None]:
    """Every pass inside normalizes by its batch's own statistics and leaves the running
    averages alone: the gradient as a training step sees it, measured without training."""
    found = norms(network)
    saved = [n.forced for n in found]
    for n in found:
        n.forced = True
    try:
        yield
    finally:
        for n, s in zip(found, saved):
            n.forced = s
