"""Pictures of a sweep, drawn into ``<sweep folder>/plots/`` when it ends:

    history.png        the metric of each point in the order it ran, with the best so far
    parallel.png       parallel coordinates: one line per point across the parameters,
                       coloured by the metric (which combinations go together)
    slice_<key>.png    the metric against one parameter (log axis for loguniform)

Pruned points are drawn hollow at the value they had when they were stopped. Matplotlib is
imported only here, and only when a picture is drawn.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

from optuna.trial import TrialState

from ...files import atomic_write
from .folder import SweepRun
from .space import flow

DPI = 100
STYLE = {"font.size": 10, "axes.titlesize": 10, "axes.labelsize": 10, "legend.fontsize": 9,
         "axes.grid": True, "grid.alpha": 0.3, "axes.formatter.limits": (-3, 4)}
BLUE, ORANGE, GREY = "#1f77b4", "#ff7f0e", "#7f7f7f"  # matplotlib's tab10, as nnlab's plots


def points(run: SweepRun) -> list[dict[str, Any]]:
    """Completed and pruned points: number, values, metric (a pruned one: its last epoch's)."""
    out = []
    for ft in sorted(run.study.latest().values(), key=lambda t: t.number):
        if ft.state == TrialState.COMPLETE and ft.value is not None:
            value, pruned = ft.value, False
        elif ft.state == TrialState.PRUNED and ft.intermediate_values:
            value, pruned = ft.intermediate_values[max(ft.intermediate_values)], True
        else:
            continue
        out.append({"number": len(out), "point": ft.user_attrs.get("point"),
                    "values": ft.user_attrs.get("values", {}), "value": float(value),
                    "pruned": pruned})
    return out


def draw_all(run: SweepRun) -> list[Path]:
    """Every picture this sweep can show (none before two points have a result)."""
    pts = points(run)
    if len(pts) < 2:
        return []
    folder = run.path / "plots"
    folder.mkdir(exist_ok=True)
    keys = [*run.sweep.grid, *run.sweep.random]
    made = [history(run, pts, folder / "history.png")]
    if len(keys) > 1:
        made.append(parallel(run, pts, keys, folder / "parallel.png"))
    for key in keys:
        made.append(slice_plot(run, pts, key, folder / f"slice_{_safe(key)}.png"))
    return made


def _safe(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in key)


def _figure(width: int, height: int) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    atomic_write(path, buf.getvalue())
    return path


def _title(run: SweepRun, what: str) -> str:
    sw = run.sweep
    pruner = "" if sw.pruner.name == "none" else f" + {sw.pruner.name} pruning"
    return f"{sw.name}: {what}\n{sw.algorithm.name} sampler{pruner}, metric {sw.metric}"


def history(run: SweepRun, pts: list[dict[str, Any]], path: Path) -> Path:
    import matplotlib

    with matplotlib.rc_context(STYLE):
        fig = _figure(760, 420)
        ax = fig.add_subplot()
        xs = [p["number"] for p in pts]
        ys = [p["value"] for p in pts]
        done = [(x, y) for x, y, p in zip(xs, ys, pts) if not p["pruned"]]
        cut = [(x, y) for x, y, p in zip(xs, ys, pts) if p["pruned"]]
        if done:
            ax.scatter(*zip(*done), color=BLUE, s=22, label="completed", zorder=3)
        if cut:
            ax.scatter(*zip(*cut), facecolors="none", edgecolors=ORANGE, s=22,
                       label="pruned (value when stopped)", zorder=3)
        best, line = (max if run.study.direction == "maximize" else min), []
        for x, y, p in zip(xs, ys, pts):
            if not p["pruned"]:
                line.append((x, y if not line else best(line[-1][1], y)))
        if line:
            ax.step(*zip(*line), where="post", color=GREY, lw=1.4, label="best so far")
        _log_if_wide(ax, ys, "y")
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # trial numbers: 0, 1, 2, …
        ax.set(xlabel="trial (in the order it ended)", ylabel=run.sweep.metric,
               title=_title(run, "optimization history"))
        ax.legend(loc="best")
        return _save(fig, path)


def _log_if_wide(ax: Any, values: list[float], axis: str) -> None:
    positive = [v for v in values if v > 0]
    if len(positive) == len(values) and positive and max(positive) / min(positive) > 50:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")


def _axis(run: SweepRun, key: str, pts: list[dict[str, Any]]) -> tuple[list[float], Any]:
    """A parameter's values as numbers (log10 for loguniform, positions for choices) and
    the tick labels for categories (None for numbers)."""
    values = [p["values"].get(key) for p in pts]
    dist = run.sweep.random.get(key)
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if dist is not None and dist.kind != "choice" and numeric:
        return [math.log10(v) if dist.kind == "loguniform" else float(v) for v in values], None
    options = run.sweep.grid.get(key) or (list(dist.args) if dist is not None else [])
    labels = [flow(o) for o in options]
    return [float(labels.index(flow(v))) if flow(v) in labels else math.nan
            for v in values], labels


def _fmt(x: float, run: SweepRun, key: str) -> str:
    dist = run.sweep.random.get(key)
    return f"{10 ** x:.3g}" if dist is not None and dist.kind == "loguniform" else f"{x:.4g}"


def parallel(run: SweepRun, pts: list[dict[str, Any]], keys: list[str], path: Path) -> Path:
    import matplotlib
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    with matplotlib.rc_context(STYLE):
        fig = _figure(max(640, 170 * (len(keys) + 1)), 460)
        ax = fig.add_subplot()
        columns = [_axis(run, k, pts) for k in keys]
        ys = [p["value"] for p in pts]
        scaled, ends = [], []
        for values, labels in columns:  # each axis from its low end (0) to its high end (1)
            finite = [v for v in values if v == v]
            lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
            scaled.append([(v - lo) / (hi - lo) if hi > lo else 0.5 for v in values])
            ends.append((labels[int(lo)], labels[int(hi)]) if labels is not None else
                        (_fmt(lo, run, keys[len(ends)]), _fmt(hi, run, keys[len(ends)])))
        vmin, vmax = min(ys), max(ys)
        scaled.append([(y - vmin) / (vmax - vmin) if vmax > vmin else 0.5 for y in ys])
        cmap = colormaps["viridis_r" if run.study.direction == "minimize" else "viridis"]
        norm = Normalize(vmin, vmax)
        order = sorted(range(len(pts)), key=lambda i: ys[i],
                       reverse=run.study.direction == "minimize")  # best drawn last, on top
        for i in order:
            ax.plot(range(len(scaled)), [col[i] for col in scaled], color=cmap(norm(ys[i])),
                    lw=1.3, alpha=0.45 if pts[i]["pruned"] else 0.9,
                    ls="--" if pts[i]["pruned"] else "-")
        ax.set_xticks(range(len(scaled)),  # long keys on two lines: model. / hidden.0
                      ["\n".join(k.split(".", 1)) if len(k) > 14 else k
                       for k in [*keys, run.sweep.metric]])
        ends.append((f"{vmin:.4g}", f"{vmax:.4g}"))
        for x, (lo_text, hi_text) in enumerate(ends):  # each axis says what its ends are
            ax.annotate(lo_text, (x, 0), xytext=(0, -4), textcoords="offset points",
                        ha="center", va="top", fontsize=8, color=GREY)
            ax.annotate(hi_text, (x, 1), xytext=(0, 4), textcoords="offset points",
                        ha="center", va="bottom", fontsize=8, color=GREY)
        ax.set_yticks([])
        ax.set_ylim(-0.08, 1.08)
        ax.grid(axis="y", alpha=0)
        fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax,
                     label=run.sweep.metric)
        ax.set_title(_title(run, "parallel coordinates (dashed: pruned)"))
        return _save(fig, path)


def slice_plot(run: SweepRun, pts: list[dict[str, Any]], key: str, path: Path) -> Path:
    import matplotlib

    with matplotlib.rc_context(STYLE):
        fig = _figure(640, 420)
        ax = fig.add_subplot()
        xs, labels = _axis(run, key, pts)
        dist = run.sweep.random.get(key)
        if dist is not None and dist.kind == "loguniform":
            xs = [10 ** x for x in xs]
            ax.set_xscale("log")
        ys = [p["value"] for p in pts]
        for pruned, style in ((False, {"color": BLUE}),
                              (True, {"facecolors": "none", "edgecolors": ORANGE})):
            sel = [(x, y) for x, y, p in zip(xs, ys, pts) if p["pruned"] == pruned]
            if sel:
                ax.scatter(*zip(*sel), s=24, zorder=3,
                           label="pruned (value when stopped)" if pruned else "completed",
                           **style)
        if labels is not None:
            ax.set_xticks(range(len(labels)), labels)
        _log_if_wide(ax, ys, "y")
        ax.set(xlabel=key, ylabel=run.sweep.metric, title=_title(run, f"slice of {key}"))
        ax.legend(loc="best")
        return _save(fig, path)
