"""2-D classification: decision regions of the network with the data points on top.

Two classes: the probability of class 1 as shades with the ½ contour; more: the predicted
class. Training points are filled circles, validation points triangles, coloured by label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import rc_context
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ...errors import NnlabError
from ...runs.snapshots import BOUNDARY_MARGIN, square_box
from .source import experiment
from .style import PALETTE, SIZES, STYLE, figure, light, save, top_margin, wrap_title


def plot_boundary(source: Any, out: str | Path, *, resolution: int = 200,
                  margin: float = BOUNDARY_MARGIN,
                  title: str | None = None) -> Path:
    """2-D classification: decision regions of the network with the data points on top.

    ``source`` is a run directory or an `Experiment`.
    """
    return save(draw_boundary(source, resolution=resolution, margin=margin, title=title), out)


def points(d: Any) -> list[np.ndarray]:
    """The training points, and the validation points when there are any."""
    return [np.asarray(d.x_train, dtype=float)] + (
        [np.asarray(d.x_val, dtype=float)] if d.x_val is not None and len(d.x_val) else [])


def layout(n_handles: int, two: bool, lines: int) -> tuple[int, int, int, int]:
    """(left, right, bottom, top) margins in pixels: room for the legend rows and colour bar."""
    rows = math.ceil(n_handles / 6)
    return 62, 100 if two else 20, 54 + 20 * rows, top_margin(lines)


def draw_regions(fig: Figure, ax: Any, a: np.ndarray, shape: tuple[int, int],
                 extent: tuple[float, float, float, float], class_colors: Sequence[str],
                 two: bool, cax_rect: tuple[float, float, float, float] | None) -> None:
    """Shade P(class 1) (two classes, with the ½ contour) or the predicted class."""
    if two:
        p = (a[:, 0] if a.shape[1] == 1 else a[:, 1]).reshape(shape)
        cmap = LinearSegmentedColormap.from_list(
            "two", [light(class_colors[0]), "white", light(class_colors[1])])
        im = ax.imshow(p, origin="lower", extent=extent, cmap=cmap, vmin=0, vmax=1,
                       interpolation="bilinear", aspect="auto")
        if np.nanmin(p) < 0.5 < np.nanmax(p):
            gx = np.linspace(extent[0], extent[1], shape[1])
            gy = np.linspace(extent[2], extent[3], shape[0])
            ax.contour(gx, gy, p, levels=[0.5], colors="0.15", linewidths=1.2)
        if cax_rect is not None:
            fig.colorbar(im, cax=fig.add_axes(cax_rect), label="P(class 1)")
    else:
        rgb = np.array([light(c) for c in class_colors])[a.argmax(axis=1).reshape(shape)]
        ax.imshow(rgb, origin="lower", extent=extent, interpolation="nearest", aspect="auto")


def draw_points(ax: Any, d: Any, class_colors: Sequence[str]) -> list[Any]:
    """Training circles and validation triangles coloured by label; the legend handles."""
    pts = points(d)
    k = len(class_colors)
    labels = [np.asarray(d.y_train), np.asarray(d.y_val) if len(pts) > 1 else None]
    size = float(np.clip(5000 / sum(len(p) for p in pts), 16, 90))  # few points: bigger
    for x, y, marker, edge, s in ((pts[0], labels[0], "o", "white", size),
                                  (pts[-1], labels[1], "^", "0.1", size * 1.4)):
        if y is not None:
            ax.scatter(x[:, 0], x[:, 1], c=[class_colors[int(c) % k] for c in y], marker=marker,
                       s=s, edgecolors=edge, linewidths=0.6, zorder=3)
    handles = [Patch(color=class_colors[i], label=f"class {i}") for i in range(k)]
    handles.append(Line2D([], [], marker="o", ls="", color="0.5", markeredgecolor="white",
                          label=f"train ({len(pts[0])})"))
    if len(pts) > 1:
        handles.append(Line2D([], [], marker="^", ls="", color="0.5", markeredgecolor="0.1",
                              label=f"validation ({len(pts[1])})"))
    return handles


def check_boundary_data(d: Any) -> None:
    if d.task != "classification" or d.n_features != 2:
        raise NnlabError(f"boundary needs 2-D classification data; '{d.name}' is {d.task} "
                         f"with {d.n_features} input(s)")


def class_colors(d: Any) -> list[str]:
    return [PALETTE[i % len(PALETTE)] for i in range(int(d.n_classes or 2))]


def draw_boundary(source: Any, *, resolution: int = 200, margin: float = BOUNDARY_MARGIN,
                  title: str | None = None, marked: np.ndarray | None = None) -> Figure:
    """The boundary figure; ``marked`` points (e.g. misclassified ones) get black rings."""
    exp = experiment(source)
    d, net = exp.dataset, exp.network
    check_boundary_data(d)
    cc = class_colors(d)
    two = len(cc) == 2 and net.layers[-1].units <= 2  # shade P(class 1) instead of the class
    w, h = SIZES["boundary"]
    head, lines = wrap_title((f"{title}\n" if title else "") + f"decision regions of {net!r}",
                             w - 40)
    left, right, bottom, top = layout(len(cc) + len(points(d)) + (marked is not None), two,
                                      lines)
    box_w, box_h = w - left - right, h - bottom - top
    lo, hi = square_box(np.concatenate(points(d)), margin, (box_w, box_h))
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    a = np.asarray(net.predict(np.c_[xx.ravel(), yy.ravel()].astype(net.dtype)), dtype=float)
    with rc_context(STYLE):
        fig = figure((w, h), left=left, right=right, bottom=bottom, top=top)
        ax = fig.subplots()
        draw_regions(fig, ax, a, xx.shape, (lo[0], hi[0], lo[1], hi[1]), cc, two,
                     ((w - right + 14) / w, bottom / h, 14 / w, box_h / h))
        handles = draw_points(ax, d, cc)
        if marked is not None and len(marked):
            ax.scatter(marked[:, 0], marked[:, 1], s=150, facecolors="none", edgecolors="black",
                       linewidths=1.6, zorder=4)
            handles.append(Line2D([], [], marker="o", ls="", markerfacecolor="none",
                                  markeredgecolor="black", markersize=10,
                                  label=f"misclassified ({len(marked)})"))
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 2 / h),
                   ncols=min(len(handles), 6), fontsize=8, frameon=False)
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        ax.grid(False)
        ax.set_title(head)
        return fig
