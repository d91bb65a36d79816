"""The first-layer weight columns of a 784-input network as 28×28 images."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from ...core.network import Network
from ...errors import NnlabError
from ...runs.rundir import RunDir
from .source import MNIST_SIDE, checkpoint_name
from .style import STYLE, figure, save, top_margin, wrap_title

MAX_WEIGHT_IMAGES = 100


def weights_size(n_images: int, title_lines: int = 2) -> tuple[int, int]:
    """Pixel size of the weights picture for ``n_images`` tiles (10 per row, 72 px each)."""
    cols = min(n_images, 10)
    rows = math.ceil(n_images / cols)
    return max(cols * 72 + 124, 560), rows * 72 + top_margin(title_lines) + 12


def plot_weights(source: Network | str | Path, out: str | Path, *,
                 max_images: int = MAX_WEIGHT_IMAGES) -> Path:
    """The first-layer weight columns of a 784-input network as 28×28 images.

    One tile per first-layer unit (at most ``max_images``, row by row), all on one colour scale
    symmetric around 0 (red positive, blue negative), so what each unit responds to is visible.
    ``source`` is a `Network` or a run directory (its best checkpoint).
    """
    return save(draw_weights(source, max_images=max_images), out)


def mosaic(images: np.ndarray, cols: int, side: int = MNIST_SIDE) -> np.ndarray:
    """``images`` (n, side²) as one array of tiles, ``cols`` per row, NaN between tiles."""
    n = len(images)
    rows = math.ceil(n / cols)
    step = side + 1  # one blank pixel between tiles
    out = np.full((rows * step - 1, cols * step - 1), np.nan)
    for j in range(n):
        r, c = divmod(j, cols)
        out[r * step:r * step + side, c * step:c * step + side] = images[j].reshape(side, side)
    return out


def draw_weights(source: Network | str | Path, *, max_images: int = MAX_WEIGHT_IMAGES) -> Figure:
    if isinstance(source, Network):
        net, name = source, None
    else:
        run = RunDir.open(source).path
        net, name = Network.load(RunDir(run).checkpoint_path(checkpoint_name(run))), run.name
    w = np.asarray(net.layers[0].W, dtype=float)
    if w.shape[0] != MNIST_SIDE ** 2:
        raise NnlabError(f"weights needs a network with 784 inputs (28×28 images); "
                         f"{net!r} has {w.shape[0]}")
    n = min(w.shape[1], max_images)
    cols = min(n, 10)
    rows = math.ceil(n / cols)
    tiles = mosaic(w[:, :n].T, cols)
    vmax = float(np.nanmax(np.abs(tiles))) or 1.0
    from matplotlib import colormaps

    cmap = colormaps["RdBu_r"].with_extremes(bad="white")
    units = w.shape[1]
    shown = f"units 1–{n} of {units}" if n < units else f"all {units} units"
    head = (f"{name}\n" if name else "") + \
        f"first-layer weights as 28×28 images ({shown}, row by row)"
    head, lines = wrap_title(head, weights_size(n)[0] - 20)
    w_px, h_px = weights_size(n, max(lines, 2))
    grid_w, grid_h = cols * 72, rows * 72
    x0 = (w_px - grid_w - 112) // 2 + 12  # image grid plus colour bar, centred
    with rc_context(STYLE):
        fig = figure((w_px, h_px))
        ax = fig.add_axes((x0 / w_px, 12 / h_px, grid_w / w_px, grid_h / h_px))
        im = ax.imshow(tiles, cmap=cmap, vmin=-vmax, vmax=vmax, aspect="auto")
        ax.set_axis_off()
        cax = fig.add_axes(((x0 + grid_w + 12) / w_px, 12 / h_px, 14 / w_px, grid_h / h_px))
        fig.colorbar(im, cax=cax, label="weight")
        fig.suptitle(head, fontsize=10, y=1 - 8 / h_px, va="top")
        return fig
