"""Speed of learning of several runs side by side: one panel per run, one line per hidden layer.

Each panel shows a per-layer gradient norm from metrics.jsonl (``grad_norm_w`` = ‖∂C/∂Wˡ‖ by
default, ``grad_norm_b`` = Nielsen's ‖δˡ‖) per epoch on a shared log axis, so a network with and
without batch normalization can be compared at a glance.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from ...runs.rundir import RunDir
from .epochs import epoch_axis
from .style import STYLE, colors, figure, log_axis, none_nan, save, series, top_margin, wrap_title

PANEL = (470, 400)
LABELS = {"grad_norm_w": "‖∂C/∂Wˡ‖", "grad_norm_b": "‖δˡ‖ = ‖∂C/∂bˡ‖",
          "grad_norm_gamma": "‖∂C/∂γˡ‖"}


def plot_speed_pair(runs: Sequence[str | Path], out: str | Path, *, labels: Sequence[str],
                    key: str = "grad_norm_w", title: str = "") -> Path:
    return save(draw_speed_pair(runs, labels=labels, key=key, title=title), out)


def draw_speed_pair(runs: Sequence[str | Path], *, labels: Sequence[str],
                    key: str = "grad_norm_w", title: str = "") -> Figure:
    records = [RunDir.open(r).read_metrics() for r in runs]
    n_hidden = len(records[0][0][key]) - 1
    width = 90 + len(runs) * PANEL[0]
    head, lines = wrap_title(title or f"{LABELS.get(key, key)} per hidden layer", width - 40)
    drawn: list[np.ndarray] = []
    with rc_context(STYLE):
        fig = figure((width, PANEL[1] + top_margin(lines)), top=top_margin(lines) + 22,
                     right=16, bottom=48, gap=50)
        axes = np.atleast_1d(fig.subplots(1, len(runs), sharey=True))
        for ax, recs, label in zip(axes, records, labels):
            epochs = series(recs, "epoch")
            for i, color in zip(range(n_hidden), colors(n_hidden)):
                y = np.array([none_nan((r.get(key) or [None] * (i + 1))[i]) for r in recs])
                y[y <= 0] = np.nan
                drawn.append(y)
                ax.plot(epochs, y, color=color, lw=1.5, label=f"hidden layer {i + 1}")
            epoch_axis(ax, float(np.nanmax(epochs)))
            ax.set_title(label)
        log_axis(axes[0], drawn)
        axes[0].set_ylabel(LABELS.get(key, key))
        axes[-1].legend(loc="lower right", fontsize=8)
        fig.suptitle(head)
        return fig
