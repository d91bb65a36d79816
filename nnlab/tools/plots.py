"""Pictures of runs, drawn headless with matplotlib's Agg canvas (no pyplot, no global state).

Five kinds, each written as ``RUN/plots/<kind>.png`` by `plot_run` (or one function per kind):

* ``curves``   train/validation loss (and accuracy) per epoch; `plot_curves` overlays several
  runs with a legend of the config fields in which they differ.
* ``fit``      1-D regression: training points, the true function, the prediction over the
  training domain widened on both sides, the region outside the training data shaded.
* ``boundary`` 2-D classification: decision regions (class probability for two classes) with
  the training and validation points.
* ``speed``    Nielsen's speed of learning: ‖δˡ‖ = ‖∂C/∂bˡ‖ of every hidden layer per epoch
  (measured on the probe samples) on a log axis.
* ``weights``  the first-layer weight columns as 28×28 images (MNIST-shaped inputs).

Every PNG is rendered to memory and written atomically; sizes are fixed in pixels (`SIZES`,
`weights_size`), so the same run always gives the same picture. Nothing here prints.
"""

from __future__ import annotations

import io
import json
import math
import textwrap
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, NullFormatter

from ..config import diff
from ..core.network import Network
from ..data import catalog
from ..errors import NnlabError, closest
from ..files import atomic_write
from ..runs.rundir import RunDir

KINDS = ("curves", "fit", "boundary", "speed", "weights")
DPI = 100
SIZES = {"curves": (1000, 420), "fit": (800, 480), "boundary": (640, 560), "speed": (760, 460)}
"""Width × height in pixels of each kind (``weights`` depends on the number of images)."""
MNIST_SIDE = 28
MAX_WEIGHT_IMAGES = 100
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")  # matplotlib's tab10
STYLE = {"font.size": 10, "axes.titlesize": 10, "axes.labelsize": 10, "legend.fontsize": 9,
         "axes.grid": True, "grid.alpha": 0.3, "savefig.dpi": DPI, "figure.dpi": DPI,
         "image.interpolation": "nearest", "axes.formatter.limits": (-3, 4)}


# ----------------------------------------------------------------------------- helpers

def _figure(size: tuple[int, int], *, left: int = 72, right: int = 18, bottom: int = 48,
            top: int = 40, gap: int = 0, layout: str | None = None) -> Figure:
    """A figure of ``size`` pixels on its own Agg canvas, margins given in pixels.

    Fixed margins (wide enough for tick labels kept short by ``axes.formatter.limits``) cost
    nothing; a layout engine would double the drawing time. ``gap`` is the space between
    side-by-side panels; ``layout="constrained"`` is used only for figure-level legends.
    """
    w, h = size
    fig = Figure(figsize=(w / DPI, h / DPI), dpi=DPI, layout=layout)
    FigureCanvasAgg(fig)
    if layout is None:
        fig.subplots_adjust(left=left / w, right=1 - right / w, bottom=bottom / h,
                            top=1 - top / h, wspace=gap / max((w - left - right - gap) / 2, 1))
    return fig


def _title(text: str, width_px: float, size: float = 10) -> tuple[str, int]:
    """``text`` wrapped (at spaces) to fit ``width_px``; also returns the number of lines."""
    chars = max(int(width_px / (0.62 * size * DPI / 72)), 20)
    lines = [part for line in text.split("\n")
             for part in (textwrap.wrap(line, chars, break_long_words=False) or [""])]
    return "\n".join(lines), len(lines)


def _top(lines: int, size: float = 10) -> int:
    """Top margin in pixels for a title of ``lines`` lines."""
    return int(14 + lines * 1.25 * size * DPI / 72)


def _save(fig: Figure, path: str | Path) -> Path:
    """Render ``fig`` to PNG bytes and write them atomically."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    atomic_write(path, buf.getvalue())
    return Path(path)


def _run_config(run: Path) -> dict[str, Any]:
    """The run's resolved config as a plain dict (comments and overrides header ignored)."""
    return RunDir(run).config_dict()


def _checkpoint(run: Path) -> Path | None:
    kind = RunDir(run).newest_checkpoint()
    return None if kind is None else RunDir(run).checkpoint_path(kind)


def _n_inputs(run: Path) -> int | None:
    """Input size from the checkpoint's architecture (reads only that entry)."""
    path = _checkpoint(run)
    if path is None:
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return int(json.loads(str(data["architecture"]))["input"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None  # a damaged checkpoint: the kinds that need the network do not apply


def _series(records: Sequence[Mapping[str, Any]], key: str) -> np.ndarray:
    """One metric per epoch as floats, null/missing → NaN."""
    return np.array([np.nan if r.get(key) is None else float(r[key]) for r in records])


def _fmt(value: Any) -> str:
    """A config value, compactly: ``leaky_relu(alpha=0.2)``, ``[64, 64]``, ``0.01``."""
    if isinstance(value, Mapping):
        rest = ", ".join(f"{k}={_fmt(v)}" for k, v in value.items() if k != "name")
        return f"{value.get('name', '')}({rest})" if "name" in value else "{" + rest + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _log_axis(ax: Any, series: Sequence[np.ndarray]) -> None:
    """Log y axis from one power of ten to another, labelled only at the powers (short labels)."""
    ax.set_yscale("log")
    v = np.concatenate([np.ravel(s) for s in series]) if series else np.array([])
    v = v[np.isfinite(v) & (v > 0)]
    if v.size:
        lo, hi = math.floor(math.log10(v.min())), math.ceil(math.log10(v.max()))
        ax.set_ylim(10.0 ** lo, 10.0 ** max(hi, lo + 1))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _auto_log(values: np.ndarray) -> bool:
    """Log scale when the positive finite values span more than two decades."""
    v = values[np.isfinite(values) & (values > 0)]
    return v.size > 1 and v.max() / v.min() > 100


# ----------------------------------------------------------------------------- applicability

def run_info(run: str | Path) -> dict[str, Any]:
    """What decides which kinds apply: task, input size, hidden layers, data name."""
    run = RunDir.open(run).path
    cfg = _run_config(run)
    data_name = (cfg.get("data") or {}).get("name", "sine")
    hidden = (cfg.get("model") or {}).get("hidden", [])
    task = (RunDir(run).summary_or_empty().get("data") or {}).get("task") or catalog.task_of(
        data_name, has_labels=(cfg.get("data") or {}).get("labels") is not None)
    return {"run": run, "config": cfg, "data": data_name, "task": task,
            "inputs": _n_inputs(run), "hidden": len(hidden or [])}


def _why_not(kind: str, info: Mapping[str, Any]) -> str | None:
    """None when ``kind`` applies to the run, else the reason it does not."""
    what = f"{info['task']} on '{info['data']}' with {info['inputs']} input(s)"
    if kind == "fit" and not (info["task"] == "regression" and info["inputs"] == 1):
        return f"fit needs a 1-D regression run (1 input); this run is {what}"
    if kind == "boundary" and not (info["task"] == "classification" and info["inputs"] == 2):
        return f"boundary needs a classification run with 2 inputs; this run is {what}"
    if kind == "weights" and info["inputs"] != MNIST_SIDE ** 2:
        return f"weights needs 784 inputs (28×28 images such as MNIST); this run is {what}"
    if kind == "speed" and not info["hidden"]:
        return "speed needs hidden layers; this run has none (model.hidden: [])"
    return None


def applicable_kinds(run: str | Path) -> list[str]:
    """The kinds `plot_run` draws for ``run`` by default (``curves`` always)."""
    info = run_info(run)
    return [k for k in KINDS if _why_not(k, info) is None]


def _check_kinds(kinds: Sequence[str], info: Mapping[str, Any]) -> list[str]:
    for kind in kinds:
        if kind not in KINDS:
            raise NnlabError(f"unknown plot kind '{kind}'{closest(kind, list(KINDS))}; "
                             f"valid: {', '.join(KINDS)}")
        reason = _why_not(kind, info)
        if reason:
            ok = ", ".join(k for k in KINDS if _why_not(k, info) is None)
            raise NnlabError(f"{info['run']}: {reason}; kinds that apply: {ok}")
    return list(dict.fromkeys(kinds))


def plot_run(run: str | Path, kinds: Sequence[str] | None = None, out: str | Path | None = None,
             *, log: bool | None = None) -> list[Path]:
    """Draw ``kinds`` (default: every kind that applies) of one run into ``out`` (RUN/plots/).

    Returns the written paths ``out/<kind>.png``. A kind asked for explicitly that does not
    apply to the run (fit for a classification run, ...) raises `NnlabError`.
    """
    info = run_info(run)
    run = info["run"]
    chosen = ([k for k in KINDS if _why_not(k, info) is None] if kinds is None
              else _check_kinds(kinds, info))
    out = Path(out) if out is not None else RunDir(run).plots_dir
    exp = None
    if {"fit", "boundary"} & set(chosen):
        from ..runs.training import load_run

        exp = load_run(run, _checkpoint_name(run))
    written = []
    for kind in chosen:
        path = out / f"{kind}.png"
        if kind == "curves":
            written.append(plot_curves([run], path, log=log))
        elif kind == "speed":
            written.append(plot_speed(run, path))
        elif kind == "fit":
            written.append(plot_fit(exp, path, title=run.name))
        elif kind == "boundary":
            written.append(plot_boundary(exp, path, title=run.name))
        elif kind == "weights":
            written.append(plot_weights(run, path))
    return written


def _checkpoint_name(run: Path) -> str:
    path = _checkpoint(run)
    if path is None:
        raise NnlabError(f"{run}: no checkpoint yet (checkpoints/best.npz or last.npz); "
                         "train the run first")
    return path.stem


# ----------------------------------------------------------------------------- curves

def run_labels(runs: Sequence[str | Path]) -> list[str]:
    """Legend labels: the config fields in which the runs differ (``run.*`` ignored), else names.

    ``["model.activation=relu", "model.activation=tanh"]`` for a sweep over activations.
    """
    return [", ".join(s) for s in _settings([Path(r) for r in runs])]


def _settings(runs: Sequence[Path]) -> list[list[str]]:
    """Per run, ``key=value`` for every config field that differs between the runs."""
    configs = [_run_config(r) for r in runs]
    keys: dict[str, None] = {}
    for cfg in configs[1:]:
        keys.update(dict.fromkeys(k for k in diff(configs[0], cfg) if not k.startswith("run.")))
    if len(runs) < 2 or not keys:
        return [[r.name] for r in runs]

    def value(cfg: Mapping[str, Any], key: str) -> Any:
        node: Any = cfg
        for part in key.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        return node

    return [[f"{k}={_fmt(value(cfg, k))}" for k in keys] for cfg in configs]


def _legend_text(settings: Sequence[str], width: int = 36) -> str:
    """One line when short, else one setting per line (each wrapped at ``width``)."""
    text = ", ".join(settings)
    if len(text) <= width:
        return text
    return "\n".join(textwrap.fill(s, width, subsequent_indent="  ", break_long_words=False)
                     for s in settings)


def plot_curves(runs: Sequence[str | Path] | str | Path, out: str | Path, *,
                log: bool | None = None, labels: Sequence[str] | None = None) -> Path:
    """Loss (and accuracy, for classification) per epoch of one run or several overlaid.

    One run: train solid, validation dashed, the best epoch dotted. Several runs: one colour per
    run, labelled with the differing config fields (`run_labels`). ``log`` puts the loss axis on
    a log scale (None: when the loss spans more than two decades).
    """
    if isinstance(runs, (str, Path)):
        runs = [runs]
    runs = [RunDir.open(r).path for r in runs]
    if not runs:
        raise NnlabError("no runs to plot")
    records = [RunDir(r).read_metrics() for r in runs]
    for run, recs in zip(runs, records):
        if not recs:
            raise NnlabError(f"{run}: no metrics yet (metrics.jsonl is empty); train it first")
    texts = ([textwrap.fill(lab, 36) for lab in labels] if labels is not None
             else [_legend_text(s) for s in _settings(runs)])
    classification = any("accuracy" in r for recs in records for r in recs)
    single = len(runs) == 1
    if log is None:
        log = _auto_log(np.concatenate([_series(recs, k) for recs in records
                                        for k in ("loss", "val_loss")]))
    loss_names = {_fmt(_run_config(r).get("loss", "loss")) for r in runs}
    loss_name = loss_names.pop() if len(loss_names) == 1 else "loss"

    panels = [("loss", f"loss ({loss_name})")] + (
        [("accuracy", "accuracy")] if classification else [])
    last = max(max(r["epoch"] for r in recs) for recs in records) or 1
    summary = RunDir(runs[0]).summary_or_empty()
    with rc_context(STYLE):
        if single:
            title, lines = _title(f"{runs[0].name}: {summary.get('network', '')}",
                                  SIZES["curves"][0] - 40, 11)
            fig = _figure(SIZES["curves"], top=_top(lines, 11), gap=80, right=20)
            fig.suptitle(title, fontsize=11)
        else:
            fig = _figure(curves_size(texts), layout="constrained")
            fig.suptitle(f"learning curves of {len(runs)} runs", fontsize=11)
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        colors = _colors(len(runs))
        for ax, (key, ylabel) in zip(axes, panels):
            for i, recs in enumerate(records):
                epochs = _series(recs, "epoch")
                for split, style in (("", "-"), ("val_", "--")):
                    y = _series(recs, split + key)
                    if np.all(np.isnan(y)):
                        continue
                    name = "train" if not split else "validation"
                    color = PALETTE[0 if not split else 1] if single else colors[i]
                    ax.plot(epochs, y, style, color=color, lw=1.6,
                            marker="o" if len(y) <= 30 else None, ms=3,
                            label=name if single else None)
            if single:
                best = summary.get("best_epoch")
                if best is not None:
                    ax.axvline(best, color="0.4", ls=":", lw=1.2, label=f"best epoch ({best})")
                if summary.get("stop_reason") == "diverged":
                    ax.axvline(last, color=PALETTE[3], ls="-.", lw=1.2,
                               label=f"diverged (epoch {last:g})")
                # loss falls, accuracy rises: keep the legend out of the curves' way
                ax.legend(loc="upper right" if key == "loss" else "lower right")
            ax.set_xlabel("epoch (0 = initialization)")
            ax.set_ylabel(ylabel)
            if key == "loss" and log:
                _log_axis(ax, [_series(recs, k) for recs in records for k in ("loss", "val_loss")])
            ax.set_xlim(-0.01 * last, 1.01 * last)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if not single:
            handles = [Line2D([], [], color=colors[i], lw=2) for i in range(len(runs))]
            handles += [Line2D([], [], color="0.2", ls="-"), Line2D([], [], color="0.2", ls="--")]
            fig.legend(handles, texts + ["train", "validation"], loc="outside right upper",
                       title="runs (settings that differ)", fontsize=9)
        return _save(fig, out)


def curves_size(texts: Sequence[str]) -> tuple[int, int]:
    """Pixel size of an overlay of runs whose legend texts are ``texts`` (taller for long ones)."""
    lines = sum(s.count("\n") + 1 for s in texts) + 2
    return SIZES["curves"][0] + 300, max(SIZES["curves"][1], 90 + 16 * lines + 6 * len(texts))


def _colors(n: int) -> list[Any]:
    if n <= len(PALETTE):
        return list(PALETTE[:n])
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(x) for x in np.linspace(0, 0.92, n)]


# ----------------------------------------------------------------------------- speed

def plot_speed(run: str | Path, out: str | Path) -> Path:
    """Speed of learning: ‖∂C/∂bˡ‖ per hidden layer and epoch on a log axis (Nielsen ch. 5).

    Falls back to ‖∂C/∂Wˡ‖ for a layer without bias. The norms were measured on the run's probe
    samples (the first ``train.probe_size`` training samples).
    """
    run = RunDir.open(run).path
    records = RunDir(run).read_metrics()
    if not records or "grad_norm_b" not in records[0]:
        raise NnlabError(f"{run}: no gradient norms in metrics.jsonl; train the run first")
    n_hidden = len(records[0]["grad_norm_b"]) - 1
    if n_hidden < 1:
        raise NnlabError(f"{run}: speed needs hidden layers; this run has none")
    cfg = _run_config(run)
    n_train = (RunDir(run).summary_or_empty().get("data") or {}).get("train")
    probe = (cfg.get("train") or {}).get("probe_size", 1000)
    probe = min(probe, n_train) if n_train else probe
    epochs = _series(records, "epoch")
    title, lines = _title(f"{run.name}\nspeed of learning per hidden layer, measured on "
                          f"{probe} probe samples", SIZES["speed"][0] - 40)
    with rc_context(STYLE):
        fig = _figure(SIZES["speed"], top=_top(lines), right=20)
        ax = fig.subplots()
        colors = _colors(n_hidden)
        weights_used = False
        drawn: list[np.ndarray] = []
        for i in range(n_hidden):
            b = np.array([_none_nan(r["grad_norm_b"][i]) for r in records])
            label = f"hidden layer {i + 1}"
            if np.all(np.isnan(b)):  # no bias in this layer: use ‖∂C/∂W‖ instead
                b = np.array([_none_nan(r["grad_norm_w"][i]) for r in records])
                label += " (‖∂C/∂W‖, no bias)"
                weights_used = True
            b[b <= 0] = np.nan
            drawn.append(b)
            ax.plot(epochs, b, color=colors[i], lw=1.6, label=label,
                    marker="o" if len(b) <= 30 else None, ms=3)
        _log_axis(ax, drawn)
        last = float(np.nanmax(epochs)) or 1.0
        ax.set_xlim(-0.01 * last, 1.01 * last)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch (0 = initialization)")
        ax.set_ylabel("‖δˡ‖ = ‖∂C/∂bˡ‖" + (" (or ‖∂C/∂Wˡ‖)" if weights_used else ""))
        ax.set_title(title)
        ax.legend(loc="upper right")
        return _save(fig, out)


def _none_nan(v: Any) -> float:
    return np.nan if v is None else float(v)


# ----------------------------------------------------------------------------- fit

def _experiment(source: Any) -> Any:
    """An `Experiment` from a run directory (best weights) or an Experiment as is."""
    if isinstance(source, (str, Path)):
        from ..runs.training import load_run

        run = RunDir.open(source).path
        return load_run(run, _checkpoint_name(run))
    return source


def plot_fit(source: Any, out: str | Path, *, extend: float = 0.5,
             title: str | None = None) -> Path:
    """1-D regression: data, true function (dashed) and prediction (solid) beyond the data.

    ``source`` is a run directory or an `Experiment`. The plotted domain is the training domain
    widened by ``extend`` × its width on each side; the part outside is shaded, so what the
    network does where it never saw data (extrapolation) is plain to see.
    """
    exp = _experiment(source)
    d, net = exp.dataset, exp.network
    if d.task != "regression" or d.n_features != 1:
        raise NnlabError(f"fit needs 1-D regression data; '{d.name}' is {d.task} with "
                         f"{d.n_features} input(s)")
    xs = np.asarray(d.x_train, dtype=float)[:, 0]
    lo, hi = (float(v) for v in d.info.get("domain", (xs.min(), xs.max())))
    width = hi - lo or 1.0
    x0, x1 = lo - extend * width, hi + extend * width
    grid = np.linspace(x0, x1, 600)
    pred = np.asarray(net.predict(grid[:, None].astype(net.dtype)), dtype=float)
    truth = np.asarray(d.target_fn(grid), dtype=float) if d.target_fn is not None else None
    ys = [np.asarray(d.y_train, dtype=float).ravel()]
    if d.x_val is not None:
        ys.append(np.asarray(d.y_val, dtype=float).ravel())
    if truth is not None:
        ys.append(truth[np.isfinite(truth)])
    ref = np.concatenate(ys)
    ylo, yhi = float(ref.min()), float(ref.max())
    span = yhi - ylo or 1.0
    # the prediction may run off far outside the data: show it up to one data span beyond
    p = np.clip(pred[np.isfinite(pred)], ylo - span, yhi + span)
    if p.size:
        ylo, yhi = min(ylo, float(p.min())), max(yhi, float(p.max()))
    pad = 0.06 * (yhi - ylo or 1.0)

    head = (f"{title}\n" if title else "") + f"fit of '{d.name}' by {net!r}"
    head, lines = _title(head, SIZES["fit"][0] - 40)
    with rc_context(STYLE):
        fig = _figure(SIZES["fit"], top=_top(lines), right=20, bottom=96)
        ax = fig.subplots()
        shade = ax.axvspan(x0, lo, color="0.88", lw=0, zorder=0)
        ax.axvspan(hi, x1, color="0.88", lw=0, zorder=0)
        for edge in (lo, hi):
            ax.axvline(edge, color="0.5", ls=":", lw=1, zorder=1)
        ax.scatter(xs, np.asarray(d.y_train, dtype=float)[:, 0], s=9, color=PALETTE[0],
                   alpha=0.6, lw=0, label=f"training data ({len(xs)})", zorder=2)
        if d.x_val is not None and len(d.x_val):
            ax.scatter(np.asarray(d.x_val, dtype=float)[:, 0],
                       np.asarray(d.y_val, dtype=float)[:, 0], s=12, facecolors="none",
                       edgecolors=PALETTE[0], lw=0.8, alpha=0.7,
                       label=f"validation data ({len(d.x_val)})", zorder=2)
        if truth is not None:
            expr = str(d.info.get("expr") or "")
            expr = expr if len(expr) <= 28 else expr[:26] + "…"  # keep the legend narrow
            ax.plot(grid, truth, "--", color="0.15", lw=1.5,
                    label=f"true function {expr}".strip(), zorder=3)
        for k in range(pred.shape[1]):
            ax.plot(grid, pred[:, k], "-", color=PALETTE[3 + k % 7], lw=2,
                    label="network prediction" + (f" [{k}]" if pred.shape[1] > 1 else ""),
                    zorder=4)
        handles, labels = ax.get_legend_handles_labels()
        handles.append(shade)
        labels.append("outside the training data")
        fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 2 / SIZES["fit"][1]),
                   ncols=3, frameon=False)  # below the axes: never hides the curves
        ax.set_xlim(x0, x1)
        ax.set_ylim(ylo - pad, yhi + pad)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title(head)
        return _save(fig, out)


# ----------------------------------------------------------------------------- boundary

def plot_boundary(source: Any, out: str | Path, *, resolution: int = 200, margin: float = 0.15,
                  title: str | None = None) -> Path:
    """2-D classification: decision regions of the network with the data points on top.

    Two classes: the probability of class 1 as shades with the ½ contour; more: the predicted
    class. Training points are filled circles, validation points triangles, coloured by label.
    """
    exp = _experiment(source)
    d, net = exp.dataset, exp.network
    if d.task != "classification" or d.n_features != 2:
        raise NnlabError(f"boundary needs 2-D classification data; '{d.name}' is {d.task} "
                         f"with {d.n_features} input(s)")
    pts = [np.asarray(d.x_train, dtype=float)] + (
        [np.asarray(d.x_val, dtype=float)] if d.x_val is not None and len(d.x_val) else [])
    allx = np.concatenate(pts)
    k = int(d.n_classes or 2)
    colors = [PALETTE[i % len(PALETTE)] for i in range(k)]
    two = k == 2 and net.layers[-1].units <= 2  # shade P(class 1) instead of the class
    n_handles = k + len(pts)
    rows = math.ceil(n_handles / 6)
    w, h = SIZES["boundary"]
    head, lines = _title((f"{title}\n" if title else "") + f"decision regions of {net!r}",
                         w - 40)
    left, right, bottom, top = 62, 100 if two else 20, 54 + 20 * rows, _top(lines)
    box_w, box_h = w - left - right, h - bottom - top

    lo, hi = allx.min(axis=0), allx.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-6)
    lo, hi = lo - pad, hi + pad
    ratio = (hi[1] - lo[1]) / (hi[0] - lo[0])
    if 0.7 < ratio < 1.4:  # about square data: equal scales, widen the short side
        per_px = max((hi[0] - lo[0]) / box_w, (hi[1] - lo[1]) / box_h)
        mid = (lo + hi) / 2
        lo = mid - per_px * np.array([box_w, box_h]) / 2
        hi = mid + per_px * np.array([box_w, box_h]) / 2
    gx = np.linspace(lo[0], hi[0], resolution)
    gy = np.linspace(lo[1], hi[1], resolution)
    xx, yy = np.meshgrid(gx, gy)
    a = np.asarray(net.predict(np.c_[xx.ravel(), yy.ravel()].astype(net.dtype)), dtype=float)

    with rc_context(STYLE):
        fig = _figure((w, h), left=left, right=right, bottom=bottom, top=top)
        ax = fig.subplots()
        extent = (gx[0], gx[-1], gy[0], gy[-1])
        if two:
            p = (a[:, 0] if a.shape[1] == 1 else a[:, 1]).reshape(xx.shape)
            cmap = LinearSegmentedColormap.from_list(
                "two", [_light(colors[0]), "white", _light(colors[1])])
            im = ax.imshow(p, origin="lower", extent=extent, cmap=cmap, vmin=0, vmax=1,
                           interpolation="bilinear", aspect="auto")
            if np.nanmin(p) < 0.5 < np.nanmax(p):
                ax.contour(xx, yy, p, levels=[0.5], colors="0.15", linewidths=1.2)
            cax = fig.add_axes(((w - right + 14) / w, bottom / h, 14 / w, box_h / h))
            fig.colorbar(im, cax=cax, label="P(class 1)")
        else:  # the predicted class, in light versions of the class colours
            rgb = np.array([_light(c) for c in colors])[a.argmax(axis=1).reshape(xx.shape)]
            ax.imshow(rgb, origin="lower", extent=extent, interpolation="nearest",
                      aspect="auto")
        labels = [np.asarray(d.y_train), np.asarray(d.y_val) if len(pts) > 1 else None]
        size = float(np.clip(5000 / len(allx), 16, 90))  # few points: bigger markers
        for x, y, marker, edge, s in ((pts[0], labels[0], "o", "white", size),
                                      (pts[-1], labels[1], "^", "0.1", size * 1.4)):
            if y is None:
                continue
            ax.scatter(x[:, 0], x[:, 1], c=[colors[int(c) % k] for c in y], marker=marker,
                       s=s, edgecolors=edge, linewidths=0.6, zorder=3)
        handles = [Patch(color=colors[i], label=f"class {i}") for i in range(k)]
        handles.append(Line2D([], [], marker="o", ls="", color="0.5", markeredgecolor="white",
                              label=f"train ({len(pts[0])})"))
        if len(pts) > 1:
            handles.append(Line2D([], [], marker="^", ls="", color="0.5",
                                  markeredgecolor="0.1", label=f"validation ({len(pts[1])})"))
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 2 / h),
                   ncols=min(len(handles), 6), fontsize=8, frameon=False)
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        ax.grid(False)
        ax.set_title(head)
        return _save(fig, out)


def _light(color: str, amount: float = 0.55) -> tuple[float, float, float]:
    """``color`` mixed with white (``amount`` = share of white) for backgrounds."""
    r, g, b = to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


# ----------------------------------------------------------------------------- weights

def weights_size(n_images: int, title_lines: int = 2) -> tuple[int, int]:
    """Pixel size of the weights picture for ``n_images`` tiles (10 per row, 72 px each)."""
    cols = min(n_images, 10)
    rows = math.ceil(n_images / cols)
    return max(cols * 72 + 124, 560), rows * 72 + _top(title_lines) + 12


def plot_weights(source: Network | str | Path, out: str | Path, *,
                 max_images: int = MAX_WEIGHT_IMAGES) -> Path:
    """The first-layer weight columns of a 784-input network as 28×28 images.

    One tile per first-layer unit (at most ``max_images``, row by row), all on one colour scale
    symmetric around 0 (red positive, blue negative), so what each unit responds to is visible.
    ``source`` is a `Network` or a run directory (its best checkpoint).
    """
    if isinstance(source, Network):
        net, name = source, None
    else:
        run = RunDir.open(source).path
        net, name = Network.load(RunDir(run).checkpoint_path(_checkpoint_name(run))), run.name
    w = np.asarray(net.layers[0].W, dtype=float)
    if w.shape[0] != MNIST_SIDE ** 2:
        raise NnlabError(f"weights needs a network with 784 inputs (28×28 images); "
                         f"{net!r} has {w.shape[0]}")
    n = min(w.shape[1], max_images)
    cols = min(n, 10)
    rows = math.ceil(n / cols)
    side = MNIST_SIDE + 1  # one blank pixel between tiles
    mosaic = np.full((rows * side - 1, cols * side - 1), np.nan)
    for j in range(n):
        r, c = divmod(j, cols)
        mosaic[r * side:r * side + MNIST_SIDE, c * side:c * side + MNIST_SIDE] = \
            w[:, j].reshape(MNIST_SIDE, MNIST_SIDE)
    vmax = float(np.nanmax(np.abs(mosaic))) or 1.0
    from matplotlib import colormaps

    cmap = colormaps["RdBu_r"].with_extremes(bad="white")
    units = w.shape[1]
    shown = f"units 1–{n} of {units}" if n < units else f"all {units} units"
    head = (f"{name}\n" if name else "") + \
        f"first-layer weights as 28×28 images ({shown}, row by row)"
    head, lines = _title(head, weights_size(n)[0] - 20)
    w_px, h_px = weights_size(n, max(lines, 2))
    grid_w, grid_h = cols * 72, rows * 72
    x0 = (w_px - grid_w - 112) // 2 + 12  # image grid plus colour bar, centred
    with rc_context(STYLE):
        fig = _figure((w_px, h_px))
        ax = fig.add_axes((x0 / w_px, 12 / h_px, grid_w / w_px, grid_h / h_px))
        im = ax.imshow(mosaic, cmap=cmap, vmin=-vmax, vmax=vmax, aspect="auto")
        ax.set_axis_off()
        cax = fig.add_axes(((x0 + grid_w + 12) / w_px, 12 / h_px, 14 / w_px, grid_h / h_px))
        fig.colorbar(im, cax=cax, label="weight")
        fig.suptitle(head, fontsize=10, y=1 - 8 / h_px, va="top")
        return _save(fig, out)


__all__ = ["KINDS", "SIZES", "plot_run", "plot_curves", "plot_fit", "plot_boundary",
           "plot_speed", "plot_weights", "applicable_kinds", "run_labels", "curves_size",
           "weights_size"]
