"""Histograms of every layer's weights and outputs at a few epochs, from ``snapshots.npz``.

Each panel is one layer; the recorded histograms of a few epochs (the first, the last and two
between, log-spaced) are drawn as outlines coloured from dark (early) to light (late), so a
spreading or saturating layer is visible at a glance (sigmoid outputs piling up at 0 and 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib import colormaps, rc_context
from matplotlib.figure import Figure

from .style import STYLE, figure

PANEL = (250, 230)
KIND_TEXT = {"weights": "weights W", "activations": "outputs a = f(z) on the probe"}


def chosen_frames(epochs: Sequence[int], n: int = 4) -> list[int]:
    """Indices of up to ``n`` recorded epochs: the first, the last, and evenly between."""
    if len(epochs) <= n:
        return list(range(len(epochs)))
    return sorted({int(round(i)) for i in np.linspace(0, len(epochs) - 1, n)})


def layers_of(snaps: Mapping[str, np.ndarray], kind: str) -> list[int]:
    return sorted(int(k.rsplit("/", 1)[1]) for k in snaps if k.startswith(f"hist/{kind}/"))


def draw_histograms(snaps: Mapping[str, np.ndarray], names: Sequence[str] | None = None,
                    max_layers: int = 5) -> Figure:
    """Two rows of panels — each layer's weights, then its outputs on the probe samples — with
    the histograms of a few epochs; ``names`` labels the layers (``Dense(784 → 30 sigmoid)``)."""
    kinds = [k for k in KIND_TEXT if layers_of(snaps, k)]
    layers = layers_of(snaps, kinds[0])[:max_layers]
    epochs = [int(e) for e in snaps["epochs"]]
    picks = chosen_frames(epochs)
    cmap = colormaps["viridis"]
    shades = [cmap(x) for x in np.linspace(0.0, 0.85, len(picks))]
    size = (len(layers) * PANEL[0] + 40, len(kinds) * PANEL[1] + 80)
    with rc_context(STYLE | {"font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8}):
        fig = figure(size, left=40, right=12, bottom=52, top=34, gap=40)
        fig.subplots_adjust(hspace=0.5)
        axes = fig.subplots(len(kinds), len(layers), squeeze=False)
        for row, kind in zip(axes, kinds):
            for ax, layer in zip(row, layers):
                counts = snaps[f"hist/{kind}/{layer}"]
                edges = snaps[f"edges/{kind}/{layer}"]
                for color, i in zip(shades, picks):
                    ax.stairs(counts[i], edges[i], color=color, lw=1.4,
                              label=f"epoch {epochs[i]}")
                name = names[layer - 1] if names and layer - 1 < len(names) else f"layer {layer}"
                ax.set_title(f"{KIND_TEXT[kind]}\n{name}")
                ax.set_yticks([])
        handles, texts = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, texts, loc="lower center", bbox_to_anchor=(0.5, 2 / size[1]),
                   ncols=len(handles), frameon=False, fontsize=8)
        return fig
