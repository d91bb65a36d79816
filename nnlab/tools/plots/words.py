"""A map of word vectors: their first two principal components, each point named by its word.

PCA through the SVD of the centred vectors X − x̄ = UΣVᵀ: the coordinates are the first two
columns of UΣ, and σ₁² + σ₂² over Σσ² is the share of the variance the map shows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from .style import PALETTE, STYLE, figure

WORDS_SIZE = (960, 720)


def pca_2d(vectors: np.ndarray) -> tuple[np.ndarray, float]:
    """(n, 2) coordinates on the first two principal axes and the share of variance they hold."""
    x = np.asarray(vectors, dtype=np.float64)
    x = x - x.mean(axis=0)
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    sign = np.sign(vt[:2, :].sum(axis=1, keepdims=True).T)  # fix SVD's arbitrary signs
    sign[sign == 0] = 1
    coords = (u[:, :2] * s[:2]) * sign
    total = float((s ** 2).sum()) or 1.0
    return coords, float((s[:2] ** 2).sum() / total)


def draw_word_map(vocab: Sequence[str], vectors: np.ndarray, title: str = "") -> Figure:
    """Every word at its first two principal components (vectors = rows of W, V × N)."""
    coords, share = pca_2d(vectors)
    if coords.shape[1] < 2:
        coords = np.c_[coords, np.zeros(len(coords))]
    with rc_context(STYLE):
        fig = figure(WORDS_SIZE, top=44, right=20)
        ax = fig.subplots()
        ax.scatter(coords[:, 0], coords[:, 1], s=10, color=PALETTE[0], alpha=0.6, lw=0)
        for word, (x, y) in zip(vocab, coords):
            ax.annotate(word, (x, y), xytext=(2, 2), textcoords="offset points", fontsize=7,
                        color="0.15")
        ax.set_xlabel("principal component 1")
        ax.set_ylabel("principal component 2")
        ax.set_title((f"{title}\n" if title else "") + f"word vectors (rows of W), first two "
                     f"principal components: {share:.0%} of the variance")
        return fig
