"""Nielsen's speed of learning: ‖δˡ‖ = ‖∂C/∂bˡ‖ of every hidden layer per epoch (ch. 5)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from ...errors import NnlabError
from ...runs.rundir import RunDir
from .epochs import epoch_axis
from .source import run_config
from .style import (
    SIZES,
    STYLE,
    colors,
    figure,
    log_axis,
    none_nan,
    save,
    series,
    top_margin,
    wrap_title,
)


def plot_speed(run: str | Path, out: str | Path) -> Path:
    """Speed of learning: ‖∂C/∂bˡ‖ per hidden layer and epoch on a log axis (Nielsen ch. 5).

    Falls back to ‖∂C/∂Wˡ‖ for a layer without bias. The norms were measured on the run's probe
    samples (the first ``train.probe_size`` training samples).
    """
    return save(draw_speed(run), out)


def probe_size(run: Path) -> int:
    """How many training samples the per-layer norms were measured on."""
    n_train = (RunDir(run).summary_or_empty().get("data") or {}).get("train")
    probe = (run_config(run).get("train") or {}).get("probe_size", 1000)
    return min(probe, n_train) if n_train else probe


def draw_speed(run: str | Path) -> Figure:
    run = RunDir.open(run).path
    records = RunDir(run).read_metrics()
    if not records or "grad_norm_b" not in records[0]:
        raise NnlabError(f"{run}: no gradient norms in metrics.jsonl; train the run first")
    n_hidden = len(records[0]["grad_norm_b"]) - 1
    if n_hidden < 1:
        raise NnlabError(f"{run}: speed needs hidden layers; this run has none")
    epochs = series(records, "epoch")
    title, lines = wrap_title(f"{run.name}\nspeed of learning per hidden layer, measured on "
                              f"{probe_size(run)} probe samples", SIZES["speed"][0] - 40)
    with rc_context(STYLE):
        fig = figure(SIZES["speed"], top=top_margin(lines), right=20)
        ax = fig.subplots()
        palette = colors(n_hidden)
        weights_used = False
        drawn: list[np.ndarray] = []
        for i in range(n_hidden):
            b = np.array([none_nan(r["grad_norm_b"][i]) for r in records])
            label = f"hidden layer {i + 1}"
            if np.all(np.isnan(b)):  # no bias in this layer: use ‖∂C/∂W‖ instead
                b = np.array([none_nan(r["grad_norm_w"][i]) for r in records])
                label += " (‖∂C/∂W‖, no bias)"
                weights_used = True
            b[b <= 0] = np.nan
            drawn.append(b)
            ax.plot(epochs, b, color=palette[i], lw=1.6, label=label,
                    marker="o" if len(b) <= 30 else None, ms=3)
        log_axis(ax, drawn)
        epoch_axis(ax, float(np.nanmax(epochs)))
        ax.set_ylabel("‖δˡ‖ = ‖∂C/∂bˡ‖" + (" (or ‖∂C/∂Wˡ‖)" if weights_used else ""))
        ax.set_title(title)
        ax.legend(loc="upper right")
        return fig
