"""Weight initializers: ``init(shape, rng, dtype) -> array``.

Weights are shaped (fan_in, fan_out). Fans: a 2-D shape is (fan_in, fan_out); a 1-D shape (n,)
has fan_in = fan_out = n; for higher ranks (Keras convention) the leading axes are a receptive
field r = Π shape[:-2] with fan_in = shape[-2]·r, fan_out = shape[-1]·r. All randomness comes
from the ``numpy.random.Generator`` passed in, so the same seed gives the same array.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.random import Generator
from numpy.typing import DTypeLike

from .registry import Component, Registry

INITIALIZERS: Registry[Initializer] = Registry("initializer")

Shape = tuple[int, ...]

_NATIVE = (np.dtype(np.float32), np.dtype(np.float64))  # dtypes the Generator draws directly


def fans(shape: Shape) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shape (see the module docstring)."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive = math.prod(shape[:-2])
    return int(shape[-2]) * receptive, int(shape[-1]) * receptive


def _uniform(shape: Shape, rng: Generator, dtype: DTypeLike, low: float, high: float) -> np.ndarray:
    """U[low, high) drawn in ``dtype`` (float32 is drawn as float32, not cast from float64)."""
    dt = np.dtype(dtype)
    out = rng.random(shape, dtype=dt) if dt in _NATIVE else rng.random(shape).astype(dt)
    out *= high - low
    out += low
    return out


def _normal(shape: Shape, rng: Generator, dtype: DTypeLike, mean: float, std: float) -> np.ndarray:
    """N(mean, std²) drawn in ``dtype``."""
    dt = np.dtype(dtype)
    if dt in _NATIVE:
        out = rng.standard_normal(shape, dtype=dt)
    else:
        out = rng.standard_normal(shape).astype(dt)
    if std != 1.0:
        out *= std
    if mean != 0.0:
        out += mean
    return out


class Initializer(Component):
    """Base class: ``__call__(shape, rng, dtype=np.float32)`` returns a new array."""

    registry = INITIALIZERS

    name: str = "initializer"

    def __call__(self, shape: Shape, rng: Generator, dtype: DTypeLike = np.float32) -> np.ndarray:
        raise NotImplementedError



@INITIALIZERS.register("zeros")
class Zeros(Initializer):
    """W = 0."""

    def __call__(self, shape: Shape, rng: Generator, dtype: DTypeLike = np.float32) -> np.ndarray:
        return np.zeros(shape, dtype=dtype)


@INITIALIZERS.register("ones")
class Ones(Initializer):
    """W = 1."""

    def __call__(self, shape: Shape, rng: Generator, dtype: DTypeLike = np.float32) -> np.ndarray:
        return np.ones(shape, dtype=dtype)


@INITIALIZERS.register("constant")
class Constant(Initializer):
    """W = value."""

    def __init__(self, value: float = 0.0) -> None:
        self.value = float(value)

    def __call__(self, shape: Shape, rng: Generator, dtype: DTypeLike = np.float32) -> np.ndarray:
        return np.full(shape, self.value, dtype=dtype)


@INITIALIZERS.register("uniform", "random_uniform")
class Uniform(Initializer):
    """W ~ U[low, high)."""

    def __init__(self, low: float = -0.05, high: float = 0.05) -> None:
        self.low, self.high = float(low), float(high)
        if not self.low < self.high:
            raise ValueError(f"low ({low}) must be below high ({high})")

    def __call__(self, shape: Shape, rng: Generator, dtype: DTypeLike = np.float32) -> np.ndarray:
        return _uniform(shape, rng, dtype, self.low, self.high)


@INITIALIZERS.register("normal", "random_normal")
class Normal(Initializer):
    """W ~ N(mean, std²)."""

    def __init__(self, mean: float = 0.0, std: float = 0.05) -> None:
        self.mean, self.std = float(mean), float(std)
        if not self.std >= 0:
            raise ValueError(f"std must be >= 0, got {std}")

    def __call__(self, shape: Shape, rng: Generator, dtype: DTypeLike = np.float32) -> np.ndarray:
        return _normal(shape, rng, dtype, self.mean, self.std)


class _FanUniform(Initializer):
    """W ~ U[−limit, limit) with limit = √(scale / fan), fan chosen by the subclass."""

    scale = 1.0

    def _fan(self, fan_in: int, fan_out: int) -> float:
        return fan_in

    def __call__(self, shape: Shape, rng: Generator, dtype: DTypeLike = np.float32) -> np.ndarray:
        limit = math.sqrt(self.scale / max(self._fan(*fans(shape)), 1))
        return _uniform(shape, rng, dtype, -limit, limit)


class _FanNormal(Initializer):
    """W ~ N(0, scale / fan), fan chosen by the subclass (plain, untruncated normal)."""

    scale = 1.0

    def _fan(self, fan_in: int, fan_out: int) -> float:
        return fan_in

    def __call__(self, shape: Shape, rng: Generator, dtype: DTypeLike = np.float32) -> np.ndarray:
        std = math.sqrt(self.scale / max(self._fan(*fans(shape)), 1))
        return _normal(shape, rng, dtype, 0.0, std)


@INITIALIZERS.register("glorot_uniform", "xavier_uniform")
class GlorotUniform(_FanUniform):
    """W ~ U[−l, l), l = √(6 / (fan_in + fan_out))  (Glorot & Bengio 2010)."""

    scale = 6.0

    def _fan(self, fan_in: int, fan_out: int) -> float:
        return fan_in + fan_out


@INITIALIZERS.register("glorot_normal", "xavier_normal")
class GlorotNormal(_FanNormal):
    """W ~ N(0, 2 / (fan_in + fan_out)).

    A plain normal as in PyTorch's ``xavier_normal_`` (Keras truncates at 2σ and rescales).
    """

    scale = 2.0

    def _fan(self, fan_in: int, fan_out: int) -> float:
        return fan_in + fan_out


@INITIALIZERS.register("he_uniform", "kaiming_uniform")
class HeUniform(_FanUniform):
    """W ~ U[−l, l), l = √(6 / fan_in)  (He et al. 2015, for ReLU)."""

    scale = 6.0


@INITIALIZERS.register("he_normal", "kaiming_normal")
class HeNormal(_FanNormal):
    """W ~ N(0, 2 / fan_in), i.e. std √(2 / fan_in)  (plain normal, as PyTorch)."""

    scale = 2.0


@INITIALIZERS.register("lecun_uniform")
class LecunUniform(_FanUniform):
    """W ~ U[−l, l), l = √(3 / fan_in)  (variance 1/fan_in)."""

    scale = 3.0


@INITIALIZERS.register("lecun_normal")
class LecunNormal(_FanNormal):
    """W ~ N(0, 1 / fan_in)  (plain normal; the SELU pairing)."""

    scale = 1.0


@INITIALIZERS.register("nielsen", "nielsen_default")
class Nielsen(_FanNormal):
    """W ~ N(0, 1) / √fan_in — Nielsen's ``default_weight_initializer`` (network2.py).

    Nielsen draws the biases from N(0, 1); use ``nielsen_large`` for biases to match him exactly.
    """

    scale = 1.0


@INITIALIZERS.register("nielsen_large")
class NielsenLarge(Initializer):
    """W ~ N(0, 1) — Nielsen's ``large_weight_initializer`` (network2.py, chapter 1 style)."""

    def __call__(self, shape: Shape, rng: Generator, dtype: DTypeLike = np.float32) -> np.ndarray:
        return _normal(shape, rng, dtype, 0.0, 1.0)


def get(spec: str | Mapping[str, Any] | Initializer) -> Initializer:
    """An initializer from a name, a ``{name:, **params}`` mapping, or an instance."""
    return INITIALIZERS.get(spec)
