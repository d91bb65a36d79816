"""Several 1-D fits side by side: the same data, one panel per run (e.g. one per seed).

Each panel shows the training points, the true function (dashed) and that run's prediction
(solid) over the training domain, titled with the run's label and its final loss — what
`fit` draws for one run, small enough to compare many (the local-minima lesson).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from ...runs.rundir import RunDir
from .fit import check_fit_data, truth_on, y_range
from .source import experiment
from .style import PALETTE, STYLE, figure, save, top_margin, wrap_title

PANEL = (300, 230)   # pixels per panel
PER_ROW = 4


def plot_fits(runs: Sequence[str | Path], out: str | Path, *, labels: Sequence[str] | None = None,
              title: str = "") -> Path:
    """One small fit panel per run (1-D regression runs of the same data), ``PER_ROW`` a row."""
    return save(draw_fits(runs, labels=labels, title=title), out)


def draw_fits(runs: Sequence[str | Path], *, labels: Sequence[str] | None = None,
              title: str = "") -> Figure:
    exps = [experiment(r) for r in runs]
    for e in exps:
        check_fit_data(e.dataset)
    finals = [RunDir(r).summary_or_empty().get("final", {}).get("loss") for r in runs]
    labels = list(labels) if labels is not None else [Path(r).name for r in runs]
    cols = min(PER_ROW, len(exps))
    rows = math.ceil(len(exps) / cols)
    width = 60 + cols * PANEL[0]
    head, lines = wrap_title(title or f"fits of {exps[0].network!r}", width - 40)
    with rc_context(STYLE | {"font.size": 9, "axes.titlesize": 9}):
        fig = figure((width, top_margin(lines) + rows * PANEL[1] + 42), left=44, right=12,
                     top=top_margin(lines) + 28, bottom=30, gap=30)
        fig.subplots_adjust(hspace=0.45)
        axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False))
        for ax, e, label, final in zip(axes.ravel(), exps, labels, finals):
            _panel(ax, e, label, final)
        for ax in axes.ravel()[len(exps):]:
            ax.set_visible(False)
        fig.suptitle(head, fontsize=10)
        return fig


def _panel(ax, exp, label: str, final: float | None) -> None:
    d, net = exp.dataset, exp.network
    xs = np.asarray(d.x_train, dtype=float)[:, 0]
    lo, hi = (float(v) for v in d.info.get("domain", (xs.min(), xs.max())))
    grid = np.linspace(lo, hi, 400)
    pred = np.asarray(net.predict(grid[:, None].astype(net.dtype)), dtype=float)[:, 0]
    truth = truth_on(d, grid)
    ax.scatter(xs, np.asarray(d.y_train, dtype=float)[:, 0], s=6, color=PALETTE[0], alpha=0.5,
               lw=0, zorder=2)
    if truth is not None:
        ax.plot(grid, truth, "--", color="0.3", lw=1, zorder=3)
    ax.plot(grid, pred, "-", color=PALETTE[3], lw=1.8, zorder=4)
    ax.set_xlim(lo, hi)
    ax.set_ylim(*y_range(d, truth, pred[:, None]))
    loss = "" if final is None else f": loss {final:.3g}"
    ax.set_title(f"{label}{loss}")
