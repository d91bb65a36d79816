"""The point clouds and bit tables of the toy classification sets (formulas: `nnlab.data.toy`).

Each point generator takes the labels (n,), the number of classes k and the ``rng`` and
returns the points (n, 2) in float64; `parity` returns all 2^bits bit vectors and their labels.
"""

from __future__ import annotations

import numpy as np

XOR_MARGIN = 0.1


def balanced_labels(n: int, k: int) -> np.ndarray:
    """Labels 0..k-1 in blocks whose sizes differ by at most one."""
    counts = np.full(k, n // k)
    counts[: n % k] += 1
    return np.repeat(np.arange(k, dtype=np.int64), counts)


def _xor(labels: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    n = len(labels)
    mags = rng.uniform(XOR_MARGIN, 1.0, size=(n, 2))
    s1 = rng.integers(0, 2, size=n) * 2 - 1
    s2 = np.where(labels == 1, -s1, s1)
    return mags * np.stack([s1, s2], axis=1)


def _circles(labels: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    n = len(labels)
    inner = labels == 0
    r2 = np.where(inner, rng.uniform(0.0, 0.25, size=n), rng.uniform(0.49, 1.0, size=n))
    angle = rng.uniform(0.0, 2 * np.pi, size=n)
    r = np.sqrt(r2)
    return np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)


def _moons(labels: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    t = rng.uniform(0.0, np.pi, size=len(labels))
    upper = labels == 0
    x1 = np.where(upper, np.cos(t), 1.0 - np.cos(t))
    x2 = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    return np.stack([x1 - 0.5, x2 - 0.25], axis=1) / 1.5


def _spiral(labels: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    u = rng.uniform(0.0, 1.0, size=len(labels))
    angle = 2 * np.pi * labels / k + 3.5 * np.pi * u
    return np.stack([u * np.cos(angle), u * np.sin(angle)], axis=1)


def _blobs(labels: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    theta = 2 * np.pi * np.arange(k) / k
    centres = 0.7 * np.stack([np.cos(theta), np.sin(theta)], axis=1)
    spread = min(0.15, 1.4 * np.sin(np.pi / k) / 6)
    return centres[labels] + spread * rng.standard_normal((len(labels), 2))


POINTS = {"xor": _xor, "circles": _circles, "moons": _moons, "spiral": _spiral, "blobs": _blobs}


def parity(
    bits: int, n: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    codes = np.arange(2**bits)
    x = ((codes[:, None] >> np.arange(bits - 1, -1, -1)) & 1).astype(np.float64)
    labels = (x.sum(axis=1).astype(np.int64) % 2).astype(np.int64)
    return x + noise * rng.standard_normal(x.shape), labels
