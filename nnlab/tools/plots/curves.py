"""Learning curves: loss (and accuracy, for classification) per epoch of one run.

`plot_curves` draws one run here, several runs as an overlay (`overlay.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from ...runs.rundir import RunDir
from .epochs import epoch_axis, focus, load_records, panels, wants_log
from .overlay import draw_overlay
from .style import PALETTE, SIZES, STYLE, figure, save, series, top_margin, wrap_title


def plot_curves(runs: Sequence[str | Path] | str | Path, out: str | Path, *,
                log: bool | None = None, labels: Sequence[str] | None = None) -> Path:
    """Loss (and accuracy, for classification) per epoch of one run or several overlaid.

    One run: train solid, validation dashed, the best epoch dotted. Several runs: one colour per
    setting (seeds of one setting share it), labelled with the differing config fields
    (`run_labels`). ``log`` puts the loss axis on a log scale (None: when the loss after
    initialization spans more than two decades). The y-limits come from epochs ≥ 1, so the
    loss at initialization never squashes the rest.
    """
    paths, records = load_records(runs)
    if len(paths) == 1 and labels is None:
        return save(draw_run_curves(paths[0], records[0], log=log), out)
    return save(draw_overlay(paths, records, log=log, labels=labels), out)


def draw_run_curves(run: Path, records: Sequence[Mapping[str, Any]], *,
                    log: bool | None = None) -> Figure:
    """The curves figure of one run (see `plot_curves`)."""
    summary = RunDir(run).summary_or_empty()
    epochs = series(records, "epoch")
    last = float(np.nanmax(epochs))
    with rc_context(STYLE):
        title, lines = wrap_title(f"{run.name}: {summary.get('network', '')}",
                                  SIZES["curves"][0] - 40, 11)
        fig = figure(SIZES["curves"], top=top_margin(lines, 11), gap=80, right=20, bottom=74)
        fig.suptitle(title, fontsize=11)
        chosen = panels([records], [run])
        axes = fig.subplots(1, len(chosen), squeeze=False)[0]
        for ax, (key, ylabel) in zip(axes, chosen):
            ys = []
            for split, style, name, color in (("", "-", "train", PALETTE[0]),
                                              ("val_", "--", "validation", PALETTE[1])):
                y = series(records, split + key)
                if np.all(np.isnan(y)):
                    continue
                ys.append(y)
                ax.plot(epochs, y, style, color=color, lw=1.6,
                        marker="o" if len(y) <= 30 else None, ms=3, label=name)
            _marks(ax, summary, last)
            use_log = key == "loss" and (log if log is not None else wants_log([epochs] * 2, ys))
            focus(ax, [epochs] * len(ys), ys, log=use_log)
            epoch_axis(ax, last)
            ax.set_ylabel(ylabel)
        handles, texts = axes[0].get_legend_handles_labels()
        # one legend row under the axes: it never covers a curve nor shrinks a panel
        fig.legend(handles, texts, loc="lower center", bbox_to_anchor=(0.5, 2 / fig.bbox.height),
                   ncols=len(handles), frameon=False)
        return fig


def _marks(ax: Any, summary: Mapping[str, Any], last: float) -> None:
    """The best epoch (dotted) and, for a diverged run, where it diverged."""
    best = summary.get("best_epoch")
    if best is not None:
        ax.axvline(best, color="0.4", ls=":", lw=1.2, label=f"best epoch ({best})")
    if summary.get("stop_reason") == "diverged":
        ax.axvline(last, color=PALETTE[3], ls="-.", lw=1.2, label=f"diverged (epoch {last:g})")
