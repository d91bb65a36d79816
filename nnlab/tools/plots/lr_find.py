"""The learning-rate range test's picture: batch loss against a growing learning rate.

The raw loss of each mini-batch (light), its smoothed curve (solid), the suggested learning rate
(the smoothed minimum's lr / 10, green dashed), the configured one (red dotted) and where the
loss blew up (shaded), on a log lr axis (`nnlab lr-find`, `nnlab.tools.check.lr_range`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from .style import PALETTE, STYLE, auto_log, figure, log_axis, save, top_margin, wrap_title

SIZE = (760, 460)


def plot_lr_find(found: Any, out: str | Path, *, title: str = "") -> Path:
    """Draw an `LRFind` (the range test's result) as a PNG at ``out``."""
    return save(draw_lr_find(found, title=title), out)


def draw_lr_find(found: Any, *, title: str = "") -> Figure:
    lrs = np.asarray(found.lrs, dtype=float)
    raw = np.asarray(found.losses, dtype=float)
    smooth = np.asarray(found.smoothed, dtype=float)
    head = (f"{title}\n" if title else "") + "learning-rate range test: mini-batch loss while " \
        f"the lr grows exponentially ({len(lrs)} steps)"
    head, lines = wrap_title(head, SIZE[0] - 40)
    with rc_context(STYLE):
        fig = figure(SIZE, top=top_margin(lines), right=20, bottom=52)
        ax = fig.subplots()
        ax.plot(lrs, raw, color=PALETTE[0], alpha=0.3, lw=1, label="batch loss")
        ax.plot(lrs, smooth, color=PALETTE[0], lw=2, label="smoothed")
        if found.suggested:
            ax.axvline(found.suggested, color=PALETTE[2], ls="--", lw=1.5,
                       label=f"suggested lr {found.suggested:.2g}")
        ax.axvline(found.configured, color=PALETTE[3], ls=":", lw=1.8,
                   label=f"configured lr {found.configured:.2g}")
        if found.blow_up:
            ax.axvspan(found.blow_up, lrs[-1] * 1.5, color="0.88", lw=0, zorder=0,
                       label=f"blows up from {found.blow_up:.2g}")
        ax.set_xscale("log")
        ax.set_xlim(lrs[0], max(lrs[-1], found.configured) * 1.5)
        shown = smooth[np.isfinite(smooth)]
        if auto_log(shown):
            log_axis(ax, [shown])
        elif shown.size:  # from the minimum up to the starting level; the blow-up is cut off
            start = float(np.max(shown[:max(5, len(shown) // 10)]))
            lo, hi = float(shown.min()), min(float(shown.max()), 1.15 * start)
            pad = 0.08 * (hi - lo or abs(hi) or 1.0)
            ax.set_ylim(lo - pad, hi + pad)
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        ax.set_title(head)
        ax.legend(loc="upper left")
        return fig
