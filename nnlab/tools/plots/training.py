"""Pictures of the training itself, from metrics.jsonl: the learning rate per epoch, and per layer
the gradient norms ‖∂C/∂Wˡ‖ and the fraction of dead units (f′(z) = 0 on every probe sample)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from .epochs import epoch_axis
from .style import PALETTE, STYLE, auto_log, colors, figure, log_axis, none_nan, series

LR_SIZE = (760, 320)
LAYERS_SIZE = (1000, 400)


def has_lr(records: Sequence[Mapping[str, Any]]) -> bool:
    return any(r.get("lr") is not None for r in records)


def draw_lr(records: Sequence[Mapping[str, Any]], schedule: str = "") -> Figure:
    """η per epoch: the rate each epoch's updates used (epoch 0, the initialization, has none)."""
    epochs, lr = series(records, "epoch"), series(records, "lr")
    with rc_context(STYLE):
        fig = figure(LR_SIZE, top=36, right=20, left=80)
        ax = fig.subplots()
        ax.step(epochs, lr, where="mid", color=PALETTE[2], lw=1.8)
        finite = lr[np.isfinite(lr)]
        if auto_log(finite * 10):  # more than one decade: log axis
            log_axis(ax, [lr])
        elif finite.size:
            ax.set_ylim(0, 1.15 * float(finite.max()) or 1.0)  # η from 0: a constant rate is flat
        epoch_axis(ax, float(np.nanmax(epochs)))
        ax.set_ylabel("learning rate η")
        ax.set_title("learning rate per epoch" + (f" (schedule: {schedule})" if schedule else ""))
        return fig


def draw_layers(records: Sequence[Mapping[str, Any]]) -> Figure:
    """Two panels: ‖∂C/∂Wˡ‖ of every layer on the probe (log axis), dead fraction per hidden
    layer (a unit whose f′(z) is 0 on every probe sample passes no gradient: it cannot learn)."""
    epochs = series(records, "epoch")
    n_layers = len(records[0].get("grad_norm_w") or [])
    dead = [[none_nan(v) for v in (r.get("dead_fraction") or [])] for r in records]
    n_hidden = len(dead[0]) if dead else 0
    palette = colors(max(n_layers, 1))
    with rc_context(STYLE):
        fig = figure(LAYERS_SIZE, top=36, right=20, gap=90, bottom=74)
        ax_g, ax_d = fig.subplots(1, 2)
        drawn = []
        for i in range(n_layers):
            g = np.array([none_nan(r["grad_norm_w"][i]) for r in records])
            g[g <= 0] = np.nan
            drawn.append(g)
            name = "output layer" if i == n_layers - 1 else f"hidden layer {i + 1}"
            ax_g.plot(epochs, g, color=palette[i], lw=1.5, label=name,
                      marker="o" if len(g) <= 30 else None, ms=3)
        log_axis(ax_g, drawn)
        ax_g.set_ylabel("‖∂C/∂Wˡ‖ on the probe samples")
        ax_g.set_title("gradient norm per layer")
        for i in range(n_hidden):
            d = np.array([row[i] if i < len(row) else np.nan for row in dead])
            ax_d.plot(epochs, d, color=palette[i], lw=1.5,
                      marker="o" if len(d) <= 30 else None, ms=3)
        ax_d.set_ylim(-0.03, 1.03)
        ax_d.set_ylabel("fraction of dead units")
        ax_d.set_title("dead units per hidden layer (f′(z) = 0 on every probe sample)")
        for ax in (ax_g, ax_d):
            epoch_axis(ax, float(np.nanmax(epochs)))
        handles, texts = ax_g.get_legend_handles_labels()
        fig.legend(handles, texts, loc="lower center", bbox_to_anchor=(0.5, 2 / LAYERS_SIZE[1]),
                   ncols=min(len(handles), 6), frameon=False)
        return fig
