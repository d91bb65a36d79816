"""Training dynamics: the fit (1-D) or the decision regions (2-D) at the recorded epochs.

Drawn from the predictions on the fixed grid that ``snapshots.npz`` holds (recorded during
training, so no checkpoint per epoch is needed). The axes, labels, legend and data are drawn
once; each frame restores that background and draws only what moves (blitting), so a frame
costs a small part of a full picture and every frame has exactly the same axes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib import rc_context
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from ...runs.snapshots import fit_domain
from .boundary import class_colors, draw_points
from .fit import draw_data, truth_on, y_range
from .style import PALETTE, STYLE, figure, light

FIT_FRAME = (640, 400)
BOUNDARY_FRAME = (480, 470)


def frames(dataset: Any, snaps: Mapping[str, np.ndarray]) -> list[tuple[int, bytes]]:
    """(epoch, PNG bytes) per recorded epoch; [] when the run recorded no grid."""
    if "pred" not in snaps or "grid" not in snaps:
        return []
    if len(snaps["grid_shape"]) == 1:
        return _fit_frames(dataset, snaps)
    return _boundary_frames(dataset, snaps)


def _png(fig: Figure) -> bytes:
    """The canvas as it is now (no redraw) as a 256-colour PNG; Pillow writes no timestamp.

    A palette is a quarter of the bytes of full colour for these smooth shadings (≈25 kB
    instead of ≈95 kB a boundary frame), and the report holds a dozen frames.
    """
    from PIL import Image

    w, h = fig.canvas.get_width_height()
    rgb = Image.frombuffer("RGBA", (w, h), fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1
                           ).convert("RGB")
    buf = io.BytesIO()
    rgb.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(buf, format="PNG")
    return buf.getvalue()


def _blit(fig: Figure, ax: Any, moving: list[Any]) -> Any:
    """Draw everything but ``moving`` once and keep the axes' pixels as the background."""
    for artist in moving:
        artist.set_visible(False)
    fig.canvas.draw()
    background = fig.canvas.copy_from_bbox(ax.bbox)
    for artist in moving:
        artist.set_visible(True)
    return background


def _label(ax: Any) -> Any:
    return ax.text(0.02, 0.97, "", transform=ax.transAxes, ha="left", va="top", fontsize=10,
                   zorder=6, bbox={"facecolor": "white", "edgecolor": "0.7", "pad": 2})


def _fit_frames(d: Any, snaps: Mapping[str, np.ndarray]) -> list[tuple[int, bytes]]:
    grid = np.asarray(snaps["grid"], dtype=float)[:, 0]
    preds = np.asarray(snaps["pred"], dtype=float)[..., 0]
    lo, hi, x0, x1 = fit_domain(d)
    truth = truth_on(d, grid)
    out = []
    with rc_context(STYLE):
        fig = figure(FIT_FRAME, top=34, right=20, bottom=92)
        ax = fig.subplots()
        shade = draw_data(ax, d, lo, hi, x0, x1, grid, truth)
        (line,) = ax.plot(grid, preds[0], "-", color=PALETTE[3], lw=2, zorder=4,
                          label="network prediction")
        handles, labels = ax.get_legend_handles_labels()
        fig.legend([*handles, shade], [*labels, "outside the training data"],
                   loc="lower center", bbox_to_anchor=(0.5, 2 / FIT_FRAME[1]), ncols=3,
                   frameon=False, fontsize=8)
        ax.set_xlim(x0, x1)
        ax.set_ylim(*y_range(d, truth, preds))
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(f"fit of '{d.name}' during training")
        text = _label(ax)
        background = _blit(fig, ax, [line, text])
        for epoch, pred in zip(snaps["epochs"], preds):
            fig.canvas.restore_region(background)
            line.set_ydata(pred)
            text.set_text(f"epoch {int(epoch)}")
            ax.draw_artist(line)
            ax.draw_artist(text)
            out.append((int(epoch), _png(fig)))
    return out


def _boundary_frames(d: Any, snaps: Mapping[str, np.ndarray]) -> list[tuple[int, bytes]]:
    ny, nx = (int(v) for v in snaps["grid_shape"])
    grid = np.asarray(snaps["grid"], dtype=float)
    gx, gy = grid[:nx, 0], grid[::nx, 1]
    extent = (gx[0], gx[-1], gy[0], gy[-1])
    cc = class_colors(d)
    preds = np.asarray(snaps["pred"], dtype=float)
    two = len(cc) == 2 and preds.shape[2] <= 2
    cmap = LinearSegmentedColormap.from_list("two", [light(cc[0]), "white", light(cc[1])])
    shades = np.array([light(c) for c in cc])
    out = []
    with rc_context(STYLE | {"axes.grid": False}):
        fig = figure(BOUNDARY_FRAME, left=64, right=16, bottom=70, top=34)
        ax = fig.subplots()
        im = ax.imshow(np.zeros((ny, nx)), origin="lower", extent=extent, cmap=cmap, vmin=0,
                       vmax=1, interpolation="bilinear", aspect="auto", zorder=1)
        n_before = len(ax.collections)
        handles = draw_points(ax, d, cc)
        dots = ax.collections[n_before:]
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 2 / fig.bbox.height),
                   ncols=min(len(handles), 5), fontsize=8, frameon=False)
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        ax.set_title(f"decision regions of '{d.name}' during training")
        text = _label(ax)
        background = _blit(fig, ax, [im, *dots, text])
        for epoch, a in zip(snaps["epochs"], preds):
            fig.canvas.restore_region(background)
            p = (a[:, 0] if a.shape[1] == 1 else a[:, -1]).reshape(ny, nx)
            im.set_data(p if two else shades[a.argmax(axis=1).reshape(ny, nx)])
            ax.draw_artist(im)
            if two and np.nanmin(p) < 0.5 < np.nanmax(p):
                contour = ax.contour(gx, gy, p, levels=[0.5], colors="0.15", linewidths=1.2)
                ax.draw_artist(contour)
                contour.remove()
            for artist in (*dots, *ax.spines.values()):
                ax.draw_artist(artist)
            text.set_text(f"epoch {int(epoch)}")
            ax.draw_artist(text)
            out.append((int(epoch), _png(fig)))
    return out
