"""Nielsen's unstable-gradient arithmetic as a picture (`nnlab.tools.unstable_gradient`).

Left: one sigmoid layer's factor |w σ′(wa + b)| against its input a (b = 0) for a few |w|, with
the line 1 above which the layer amplifies the gradient. Right: the width of that window of a
against |w| — zero below 4, widest near 6.9, shrinking like 2 ln|w|/|w| after.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from ..unstable_gradient import sigmoid_slope, widest, window_width
from .style import STYLE, colors, figure, save, top_margin, wrap_title

SIZE = (1000, 420)
WEIGHTS = (2.0, 4.0, 6.9, 20.0, 100.0)


def plot_unstable_gradient(out: str | Path) -> Path:
    return save(draw_unstable_gradient(), out)


def draw_unstable_gradient() -> Figure:
    w_best, width_best = widest()
    head, lines = wrap_title("Nielsen, ch. 5: a sigmoid layer multiplies the gradient by "
                             "|w σ′(wa + b)| — above 1 only in a window of inputs a, and only "
                             "for |w| ≥ 4", SIZE[0] - 40)
    with rc_context(STYLE):
        fig = figure(SIZE, top=top_margin(lines) + 8, gap=90, right=20, bottom=52)
        left, right = fig.subplots(1, 2)
        a = np.linspace(-1.2, 1.2, 2001)
        for w, color in zip(WEIGHTS, colors(len(WEIGHTS))):
            left.plot(a, w * sigmoid_slope(w * a), color=color, lw=1.6, label=f"|w| = {w:g}")
        left.axhline(1, color="0.2", ls="--", lw=1)
        left.set_yscale("log")
        left.set_ylim(1e-3, 40)
        left.set_xlabel("input a of the layer (b = 0)")
        left.set_ylabel("|w σ′(wa + b)|")
        left.legend(loc="upper left", ncols=2, fontsize=8)
        ws = np.linspace(0.5, 60, 2000)
        right.plot(ws, [window_width(w) for w in ws], color=colors(1)[0], lw=2)
        right.plot([w_best], [width_best], "o", color="#d62728")
        right.annotate(f"widest {width_best:.3f} at |w| = {w_best:.2f}", (w_best, width_best),
                       xytext=(12, 8), textcoords="offset points")
        right.axvline(4, color="0.5", ls=":", lw=1)
        right.set_xlabel("|w|")
        right.set_ylabel("width of the window of a where |w σ′| ≥ 1")
        right.set_ylim(0, 0.52)
        fig.suptitle(head)
        return fig
