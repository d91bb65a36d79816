"""Learning curves of several runs overlaid, labelled with the settings in which they differ.

Runs that differ only in ``train.seed`` are one setting: they share a colour and one legend
entry (``… (seeds 0, 1, 2)``), so a sweep with repeats reads as one curve bundle per point.
The legend has its own column beside the axes, so it never covers or shrinks them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ...config import diff
from .epochs import epoch_axis, focus, panels, wants_log
from .source import run_config
from .style import SIZES, STYLE, colors, figure, fmt, series

LEGEND_PX = 300
SEED = "train.seed"


def run_labels(runs: Sequence[str | Path]) -> list[str]:
    """Legend labels: the config fields in which the runs differ (``run.*`` ignored), else names.

    ``["model.activation=relu", "model.activation=tanh"]`` for a sweep over activations.
    """
    return [", ".join(f"{k}={v}" for k, v in s.items()) or r.name
            for r, s in zip(map(Path, runs), settings([Path(r) for r in runs]))]


def settings(runs: Sequence[Path]) -> list[dict[str, str]]:
    """Per run, {key: value} of every config field that differs between the runs.

    Empty dicts when fewer than two runs are given or only ``run.*`` differs.
    """
    configs = [run_config(r) for r in runs]
    keys: dict[str, None] = {}
    for cfg in configs[1:]:
        keys.update(dict.fromkeys(k for k in diff(configs[0], cfg) if not k.startswith("run.")))
    if len(runs) < 2:
        return [{} for _ in runs]
    return [{k: fmt(_value(cfg, k)) for k in keys} for cfg in configs]


def differing(runs: Sequence[Path]) -> list[str]:
    """The config key paths (``run.*`` aside) in which the runs differ."""
    found = settings(runs)
    return list(found[0]) if found else []


def _value(cfg: Mapping[str, Any], key: str) -> Any:
    node: Any = cfg
    for part in key.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def groups(runs: Sequence[Path], labels: Sequence[str] | None = None
           ) -> tuple[list[int], list[str]]:
    """The colour group of every run and each group's legend text.

    A group is a setting without ``train.seed``; its text lists the seeds when there are
    several. Runs whose settings do not differ at all are their own groups, named by the run.
    """
    if labels is not None:
        keys = list(labels)
        texts = {k: textwrap.fill(k, 36) for k in keys}
    else:
        found = settings(runs)
        keys, texts, seeds = [], {}, {}
        for run, s in zip(runs, found):
            rest = {k: v for k, v in s.items() if k != SEED}
            key = _legend_text([f"{k}={v}" for k, v in rest.items()]) if rest else (
                "all settings equal" if SEED in s else run.name)
            keys.append(key)
            seeds.setdefault(key, []).append(s.get(SEED))
        for key, values in seeds.items():
            shown = [v for v in values if v is not None]
            texts[key] = key + (f"\n  (seeds {', '.join(shown)})" if len(shown) > 1 else
                                f" (seed {shown[0]})" if shown and key == "all settings equal"
                                else "")
    order = list(dict.fromkeys(keys))
    return [order.index(k) for k in keys], [texts[k] for k in order]


def _legend_text(parts: Sequence[str], width: int = 36) -> str:
    """One line when short, else one setting per line (each wrapped at ``width``)."""
    text = ", ".join(parts)
    if len(text) <= width:
        return text
    return "\n".join(textwrap.fill(s, width, subsequent_indent="  ", break_long_words=False)
                     for s in parts)


def curves_size(texts: Sequence[str]) -> tuple[int, int]:
    """Pixel size of an overlay of runs whose legend texts are ``texts`` (taller for long ones)."""
    lines = sum(s.count("\n") + 1 for s in texts) + 2
    return SIZES["curves"][0] + LEGEND_PX, max(SIZES["curves"][1],
                                               90 + 16 * lines + 6 * len(texts))


def draw_overlay(runs: Sequence[Path], records: Sequence[Sequence[Mapping[str, Any]]], *,
                 log: bool | None = None, labels: Sequence[str] | None = None) -> Figure:
    """One figure with every run's curves, coloured by setting (see `plot_curves`)."""
    member, texts = groups(runs, labels)
    palette = colors(len(texts))
    size = curves_size(texts)
    last = max(max(r["epoch"] for r in recs) for recs in records) or 1
    with rc_context(STYLE):
        fig = figure(size, top=48, gap=80, right=LEGEND_PX + 20)
        fig.suptitle(f"learning curves of {len(runs)} runs", fontsize=11)
        chosen = panels(records, runs)
        axes = fig.subplots(1, len(chosen), squeeze=False)[0]
        for ax, (key, ylabel) in zip(axes, chosen):
            xs, ys = [], []
            for recs, g in zip(records, member):
                epochs = series(recs, "epoch")
                for split, style in (("", "-"), ("val_", "--")):
                    y = series(recs, split + key)
                    if np.all(np.isnan(y)):
                        continue
                    xs.append(epochs)
                    ys.append(y)
                    ax.plot(epochs, y, style, color=palette[g], lw=1.4,
                            marker="o" if len(y) <= 30 else None, ms=2.5)
            use_log = key == "loss" and (log if log is not None else wants_log(xs, ys))
            focus(ax, xs, ys, log=use_log)
            epoch_axis(ax, last)
            ax.set_ylabel(ylabel)
        handles = [Line2D([], [], color=c, lw=2) for c in palette]
        handles += [Line2D([], [], color="0.2", ls="-"), Line2D([], [], color="0.2", ls="--")]
        fig.legend(handles, [*texts, "train", "validation"], loc="upper left",
                   bbox_to_anchor=(1 - (LEGEND_PX - 4) / size[0], 1 - 44 / size[1]),
                   title="runs (settings that differ)", fontsize=9, frameon=False)
        return fig
