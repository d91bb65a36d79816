"""1-D regression: the data, the true function and the network's prediction beyond the data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from ...errors import NnlabError
from ...runs.snapshots import fit_domain
from .source import experiment
from .style import PALETTE, SIZES, STYLE, figure, save, top_margin, wrap_title


def plot_fit(source: Any, out: str | Path, *, extend: float = 0.5,
             title: str | None = None) -> Path:
    """1-D regression: data, true function (dashed) and prediction (solid) beyond the data.

    ``source`` is a run directory or an `Experiment`. The plotted domain is the training domain
    widened by ``extend`` × its width on each side; the part outside is shaded, so what the
    network does where it never saw data (extrapolation) is plain to see.
    """
    return save(draw_fit(source, extend=extend, title=title), out)


def y_range(d: Any, truth: np.ndarray | None, preds: np.ndarray) -> tuple[float, float]:
    """y-limits: the data (and true function), the prediction up to one data span beyond."""
    ys = [np.asarray(d.y_train, dtype=float).ravel()]
    if d.x_val is not None:
        ys.append(np.asarray(d.y_val, dtype=float).ravel())
    if truth is not None:
        ys.append(truth[np.isfinite(truth)])
    ref = np.concatenate(ys)
    ylo, yhi = float(ref.min()), float(ref.max())
    span = yhi - ylo or 1.0
    p = np.clip(preds[np.isfinite(preds)], ylo - span, yhi + span)
    if p.size:
        ylo, yhi = min(ylo, float(p.min())), max(yhi, float(p.max()))
    pad = 0.06 * (yhi - ylo or 1.0)
    return ylo - pad, yhi + pad


def draw_data(ax: Any, d: Any, lo: float, hi: float, x0: float, x1: float,
              grid: np.ndarray, truth: np.ndarray | None) -> Any:
    """Shaded outside, the training/validation points and the true function; the shade patch."""
    shade = ax.axvspan(x0, lo, color="0.88", lw=0, zorder=0)
    ax.axvspan(hi, x1, color="0.88", lw=0, zorder=0)
    for edge in (lo, hi):
        ax.axvline(edge, color="0.5", ls=":", lw=1, zorder=1)
    xs = np.asarray(d.x_train, dtype=float)[:, 0]
    ax.scatter(xs, np.asarray(d.y_train, dtype=float)[:, 0], s=9, color=PALETTE[0],
               alpha=0.6, lw=0, label=f"training data ({len(xs)})", zorder=2)
    if d.x_val is not None and len(d.x_val):
        ax.scatter(np.asarray(d.x_val, dtype=float)[:, 0], np.asarray(d.y_val, dtype=float)[:, 0],
                   s=12, facecolors="none", edgecolors=PALETTE[0], lw=0.8, alpha=0.7,
                   label=f"validation data ({len(d.x_val)})", zorder=2)
    if truth is not None:
        expr = str(d.info.get("expr") or "")
        expr = expr if len(expr) <= 28 else expr[:26] + "…"  # keep the legend narrow
        ax.plot(grid, truth, "--", color="0.15", lw=1.5, label=f"true function {expr}".strip(),
                zorder=3)
    return shade


def truth_on(d: Any, grid: np.ndarray) -> np.ndarray | None:
    return np.asarray(d.target_fn(grid), dtype=float) if d.target_fn is not None else None


def check_fit_data(d: Any) -> None:
    if d.task != "regression" or d.n_features != 1:
        raise NnlabError(f"fit needs 1-D regression data; '{d.name}' is {d.task} with "
                         f"{d.n_features} input(s)")


def draw_fit(source: Any, *, extend: float = 0.5, title: str | None = None) -> Figure:
    exp = experiment(source)
    d, net = exp.dataset, exp.network
    check_fit_data(d)
    lo, hi, x0, x1 = fit_domain(d, extend)
    grid = np.linspace(x0, x1, 600)
    pred = np.asarray(net.predict(grid[:, None].astype(net.dtype)), dtype=float)
    truth = truth_on(d, grid)
    head = (f"{title}\n" if title else "") + f"fit of '{d.name}' by {net!r}"
    head, lines = wrap_title(head, SIZES["fit"][0] - 40)
    with rc_context(STYLE):
        fig = figure(SIZES["fit"], top=top_margin(lines), right=20, bottom=96)
        ax = fig.subplots()
        shade = draw_data(ax, d, lo, hi, x0, x1, grid, truth)
        for k in range(pred.shape[1]):
            ax.plot(grid, pred[:, k], "-", color=PALETTE[3 + k % 7], lw=2,
                    label="network prediction" + (f" [{k}]" if pred.shape[1] > 1 else ""),
                    zorder=4)
        handles, labels = ax.get_legend_handles_labels()
        fig.legend([*handles, shade], [*labels, "outside the training data"], loc="lower center",
                   bbox_to_anchor=(0.5, 2 / SIZES["fit"][1]), ncols=3,
                   frameon=False)  # below the axes: never hides the curves
        ax.set_xlim(x0, x1)
        ax.set_ylim(*y_range(d, truth, pred))
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(head)
        return fig
