"""Pictures of a trained classifier's results: the confusion matrix and misclassified images."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib import colormaps, rc_context
from matplotlib.figure import Figure

from .source import MNIST_SIDE
from .style import STYLE, figure

TILE = 92


def confusion_side(k: int) -> int:
    """The matrix's side in pixels: 36 per class, at least 160, at most 640 (word2vec's 256)."""
    return min(max(36 * k, 160), 640)


def confusion_size(k: int) -> tuple[int, int]:
    side = confusion_side(k)
    return side + 170, side + 110


def draw_confusion(cm: Sequence[Sequence[int]], split: str = "") -> Figure:
    """C[true, predicted] as shades of blue with the counts written in (rows: true class)."""
    m = np.asarray(cm, dtype=float)
    k = len(m)
    w, h = confusion_size(k)
    side = confusion_side(k)
    with rc_context(STYLE | {"axes.grid": False}):
        fig = figure((w, h), left=70, right=w - 70 - side, bottom=56, top=54)
        ax = fig.subplots()
        share = m / np.maximum(m.sum(axis=1, keepdims=True), 1)  # colour = recall per row
        im = ax.imshow(share, cmap=colormaps["Blues"], vmin=0, vmax=1)
        if k <= 15:
            for (i, j), v in np.ndenumerate(m):
                ax.text(j, i, f"{int(v)}", ha="center", va="center", fontsize=8 if k > 8 else 9,
                        color="white" if share[i, j] > 0.6 else "0.1")
        if k <= 30:
            ax.set_xticks(range(k))
            ax.set_yticks(range(k))
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.set_title(f"confusion matrix{f' ({split})' if split else ''}")
        cax = fig.add_axes(((70 + side + 14) / w, 56 / h, 12 / w, side / h))
        fig.colorbar(im, cax=cax, label="share of the true class")
        return fig


def digits_size(n: int, cols: int = 8) -> tuple[int, int]:
    cols = min(n, cols) or 1
    rows = -(-n // cols) or 1
    return cols * TILE + 20, rows * (TILE + 22) + 44


def draw_digits(images: np.ndarray, captions: Sequence[str], title: str,
                cols: int = 8) -> Figure:
    """28×28 images (rows of 784 pixels in [0, 1]) with a caption under each."""
    n = len(images)
    w, h = digits_size(n, cols)
    cols = min(n, cols) or 1
    with rc_context(STYLE | {"axes.grid": False}):
        fig = figure((w, h))
        for j, (img, text) in enumerate(zip(images, captions)):
            r, c = divmod(j, cols)
            x0, y0 = 10 + c * TILE, h - 40 - (r + 1) * (TILE + 22) + 22
            ax = fig.add_axes((x0 / w, y0 / h, (TILE - 12) / w, (TILE - 12) / h))
            ax.imshow(np.asarray(img).reshape(MNIST_SIDE, MNIST_SIDE), cmap="gray_r",
                      vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlabel(text, fontsize=8, labelpad=2)
        fig.suptitle(title, fontsize=10, y=1 - 8 / h, va="top")
        return fig
