"""The epoch axis shared by one-run and overlay curves, and y-limits that epoch 0 cannot squash.

Epoch 0 is the network at initialization; its loss is often far above the rest (MNIST starts
≈30× above where it ends), so the y-limits come from epochs ≥ 1 and an epoch-0 value outside
them is named in a note at the edge it leaves by, instead of flattening every later epoch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.ticker import MaxNLocator

from ...errors import NnlabError
from ...runs.format import number
from ...runs.rundir import RunDir
from .source import run_config
from .style import auto_log, fmt, log_axis


def later(xs: Sequence[np.ndarray], ys: Sequence[np.ndarray]) -> np.ndarray:
    """The finite values of epochs ≥ 1 (all values when there are fewer than two of those)."""
    rest = np.concatenate([y[x >= 1] for x, y in zip(xs, ys)] or [np.array([])])
    rest = rest[np.isfinite(rest)]
    if rest.size >= 2:
        return rest
    every = np.concatenate([np.ravel(y) for y in ys] or [np.array([])])
    return every[np.isfinite(every)]


def wants_log(xs: Sequence[np.ndarray], ys: Sequence[np.ndarray]) -> bool:
    """Log scale when the values after initialization span more than two decades."""
    return auto_log(later(xs, ys))


def focus(ax: Any, xs: Sequence[np.ndarray], ys: Sequence[np.ndarray], *, log: bool) -> None:
    """Set y-limits from epochs ≥ 1; note epoch-0 values that fall outside them."""
    values = later(xs, ys)
    if values.size == 0:
        return
    if log:
        log_axis(ax, [values[values > 0]])
        lo, hi = ax.get_ylim()
    else:
        lo, hi = float(values.min()), float(values.max())
        pad = 0.06 * (hi - lo or abs(hi) or 1.0)
        lo, hi = (max(lo - pad, 0.0) if lo >= 0 else lo - pad), hi + pad
        ax.set_ylim(lo, hi)
    first = np.array([y[x == 0][0] for x, y in zip(xs, ys) if np.any(x == 0)])
    first = first[np.isfinite(first)]
    above, below = first[first > hi], first[first < lo]
    for off, y, arrow in ((above, 0.97, "↑"), (below, 0.03, "↓")):
        if off.size:
            shown = number(float(off.max() if arrow == "↑" else off.min()))
            ax.text(0.015, y, f"{arrow} epoch 0 (initialization) off the scale: {shown}",
                    transform=ax.transAxes, ha="left", va="top" if arrow == "↑" else "bottom",
                    fontsize=8, color="0.35", zorder=5,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})


def epoch_axis(ax: Any, last: float) -> None:
    """x from epoch 0 to ``last`` with integer ticks."""
    last = last or 1.0
    ax.set_xlim(-0.01 * last, 1.01 * last)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch (0 = initialization)")


def loss_label(names: Sequence[Any]) -> str:
    """``loss (mse)`` when every run uses one named loss, else ``loss``."""
    texts = {fmt(n) for n in names if n not in (None, "", "auto", "loss")}
    return f"loss ({texts.pop()})" if len(texts) == 1 and len(names) else "loss"


def load_records(runs: Sequence[str | Path] | str | Path) -> tuple[list[Path], list[list[dict]]]:
    """The run directories and their epoch records; a run without metrics raises."""
    if isinstance(runs, (str, Path)):
        runs = [runs]
    paths = [RunDir.open(r).path for r in runs]
    if not paths:
        raise NnlabError("no runs to plot")
    records = [RunDir(r).read_metrics() for r in paths]
    for run, recs in zip(paths, records):
        if not recs:
            raise NnlabError(f"{run}: no metrics yet (metrics.jsonl is empty); train it first")
    return paths, records


def panels(records: Sequence[Sequence[Mapping[str, Any]]], runs: Sequence[Path]
           ) -> list[tuple[str, str]]:
    """(metric key, y label) of each panel: loss, and accuracy when any run has it."""
    classification = any("accuracy" in r for recs in records for r in recs)
    label = loss_label([run_config(r).get("loss") for r in runs])
    return [("loss", label)] + ([("accuracy", "accuracy")] if classification else [])
