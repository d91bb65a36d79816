"""The arithmetic of the unstable gradient (Nielsen, *Neural Networks and Deep Learning*, ch. 5).

Backpropagation multiplies the gradient by one factor w·σ′(z) per sigmoid layer (z = wa + b, a
the layer's input). Since σ′(z) = σ(z)(1 − σ(z)) ≤ ¼, with |w| < 1 each factor is below ¼ — the
gradient vanishes at least 4× per layer; with w = 100 and b chosen so that z = 0, each factor is
100·¼ = 25 — it explodes. In between, |w σ′(wa + b)| ≥ 1 holds only for inputs a in a window:

    σ′(z) ≥ 1/|w|  ⇔  s(1 − s) ≥ 1/|w| with s = σ(z)  ⇔  s₋ ≤ s ≤ s₊,  s± = (1 ± r)/2,
    r = √(1 − 4/|w|),  so it needs |w| ≥ 4, and z ranges over [−ζ, ζ], ζ = ln(s₊/s₋).

In a = (z − b)/w that is an interval of width (b only shifts it)

    W(|w|) = 2ζ/|w| = (2/|w|)·ln((1 + r)/(1 − r)) = (2/|w|)·ln(|w|(1 + r)/2 − 1),

the text's expression. W is 0 at |w| = 4, rises to its maximum ≈ 0.45 near |w| ≈ 6.9 and falls
like 2 ln|w| / |w|: large weights make the factor large only for a sliver of inputs. Here W is
computed from the closed form, located by golden-section search, and cross-checked by
counting grid points (`window_width_on_grid`).
"""

from __future__ import annotations

import math

import numpy as np

GOLDEN = (math.sqrt(5) - 1) / 2


def sigmoid_slope(z: np.ndarray) -> np.ndarray:
    """σ′(z) = σ(z)(1 − σ(z)), overflow-free."""
    s = 0.5 * (1 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))
    return s * (1 - s)


def window_width(w: float) -> float:
    """W(|w|): the width of the interval of inputs a with |w σ′(wa + b)| ≥ 1 (0 for |w| < 4)."""
    w = abs(float(w))
    if w < 4:
        return 0.0
    r = math.sqrt(1 - 4 / w)
    return 2 / w * math.log(w * (1 + r) / 2 - 1)


def window_width_on_grid(w: float, b: float = 0.0, half: float = 3.0,
                         points: int = 600_001) -> float:
    """The same width measured directly: the share of a grid over [−b/w − half, −b/w + half]
    where |w σ′(wa + b)| ≥ 1, times the grid's length (accurate to about 2·half/points)."""
    centre = -b / w if w else 0.0
    a = np.linspace(centre - half, centre + half, points)
    inside = np.abs(w * sigmoid_slope(w * a + b)) >= 1
    return float(np.count_nonzero(inside)) * (2 * half / (points - 1))


def widest(lo: float = 4.0, hi: float = 40.0, tol: float = 1e-10) -> tuple[float, float]:
    """(|w|, W) at the maximum of W, by golden-section search (W is unimodal on [4, ∞))."""
    a, b = lo, hi
    while b - a > tol:
        c, d = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
        if window_width(c) > window_width(d):
            b = d
        else:
            a = c
    w = (a + b) / 2
    return w, window_width(w)


def layer_factor(w: float, z: float = 0.0) -> float:
    """|w σ′(z)|: what one sigmoid layer multiplies the gradient by (25 for w = 100, z = 0)."""
    return abs(w) * float(sigmoid_slope(z))


def table(ws: list[float]) -> list[dict[str, float]]:
    """Per |w|: the factor at z = 0, and the window's width (closed form and on a grid)."""
    return [{"w": w, "factor_at_z0": layer_factor(w), "width": window_width(w),
             "width_grid": window_width_on_grid(w)} for w in ws]
