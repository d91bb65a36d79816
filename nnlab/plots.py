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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .config import CLASSIFICATION_DATA, diff
from .errors import NnlabError
from .network import Network
from .registry import closest
from .runs import CONFIG, atomic_write, find_run, read_metrics, read_summary

KINDS = ("curves", "fit", "boundary", "speed", "weights")
DPI = 100
SIZES = {"curves": (1000, 420), "fit": (800, 480), "boundary": (640, 560), "speed": (760, 460)}
"""Width × height in pixels of each kind (``weights`` depends on the number of images)."""
MNIST_SIDE = 28
MAX_WEIGHT_IMAGES = 100
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")  # matplotlib's tab10
STYLE = {"font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 9,
         "axes.grid": True, "grid.alpha": 0.3, "savefig.dpi": DPI, "figure.dpi": DPI,
         "image.interpolation": "nearest"}


# ----------------------------------------------------------------------------- helpers

def _figure(size: tuple[int, int]) -> Figure:
    fig = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: str | Path) -> Path:
    """Render ``fig`` to PNG bytes and write them atomically."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    atomic_write(path, buf.getvalue())
    return Path(path)


def _run_config(run: Path) -> dict[str, Any]:
    """The run's resolved config as a plain dict (comments and overrides header ignored)."""
    data = yaml.safe_load((run / CONFIG).read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _checkpoint(run: Path) -> Path | None:
    for name in ("best", "last"):
        path = run / "checkpoints" / f"{name}.npz"
        if path.is_file():
            return path
    return None


def _n_inputs(run: Path) -> int | None:
    """Input size from the checkpoint's architecture (reads only that entry)."""
    path = _checkpoint(run)
    if path is None:
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return int(json.loads(str(data["architecture"]))["input"])
    except (OSError, ValueError, KeyError):
        return None


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


def _auto_log(values: np.ndarray) -> bool:
    """Log scale when the positive finite values span more than two decades."""
    v = values[np.isfinite(values) & (values > 0)]
    return v.size > 1 and v.max() / v.min() > 100


# ----------------------------------------------------------------------------- applicability

def run_info(run: str | Path) -> dict[str, Any]:
    """What decides which kinds apply: task, input size, hidden layers, data name."""
    run = find_run(run)
    cfg = _run_config(run)
    data_name = (cfg.get("data") or {}).get("name", "sine")
    hidden = (cfg.get("model") or {}).get("hidden", [])
    return {"run": run, "config": cfg, "data": data_name,
            "task": "classification" if data_name in CLASSIFICATION_DATA else "regression",
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
    out = Path(out) if out is not None else run / "plots"
    exp = None
    if {"fit", "boundary"} & set(chosen):
        from .experiment import load_run

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

def run_labels(runs: Sequence[Path]) -> list[str]:
    """Legend labels: the config fields in which the runs differ (``run.*`` ignored), else names.

    ``["model.activation=relu", "model.activation=tanh"]`` for a sweep over activations.
    """
    runs = [Path(r) for r in runs]
    configs = [_run_config(r) for r in runs]
    keys: dict[str, None] = {}
    for cfg in configs[1:]:
        keys.update(dict.fromkeys(k for k in diff(configs[0], cfg) if not k.startswith("run.")))
    if len(runs) < 2 or not keys:
        return [r.name for r in runs]

    def value(cfg: Mapping[str, Any], key: str) -> Any:
        node: Any = cfg
        for part in key.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        return node

    return [", ".join(f"{k}={_fmt(value(cfg, k))}" for k in keys) for cfg in configs]


def plot_curves(runs: Sequence[str | Path] | str | Path, out: str | Path, *,
                log: bool | None = None, labels: Sequence[str] | None = None) -> Path:
    """Loss (and accuracy, for classification) per epoch of one run or several overlaid.

    One run: train solid, validation dashed, the best epoch dotted. Several runs: one colour per
    run, labelled with the differing config fields (`run_labels`). ``log`` puts the loss axis on
    a log scale (None: when the loss spans more than two decades).
    """
    if isinstance(runs, (str, Path)):
        runs = [runs]
    runs = [find_run(r) for r in runs]
    if not runs:
        raise NnlabError("no runs to plot")
    records = [read_metrics(r) for r in runs]
    for run, recs in zip(runs, records):
        if not recs:
            raise NnlabError(f"{run}: no metrics yet (metrics.jsonl is empty); train it first")
    labels = list(labels) if labels is not None else run_labels(runs)
    classification = any("accuracy" in r for recs in records for r in recs)
    single = len(runs) == 1
    if log is None:
        log = _auto_log(np.concatenate([_series(recs, k) for recs in records
                                        for k in ("loss", "val_loss")]))
    loss_names = {_fmt(_run_config(r).get("loss", "loss")) for r in runs}
    loss_name = loss_names.pop() if len(loss_names) == 1 else "loss"

    with rc_context(STYLE):
        fig = _figure(SIZES["curves"])
        axes = fig.subplots(1, 2 if classification else 1, squeeze=False)[0]
        panels = [("loss", f"loss ({loss_name})")] + (
            [("accuracy", "accuracy")] if classification else [])
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
                            label=name if single else None)
            if single:
                best = read_summary(runs[0]).get("best_epoch")
                if best is not None:
                    ax.axvline(best, color="0.4", ls=":", lw=1.2, label=f"best epoch ({best})")
                ax.legend(loc="best")
            ax.set_xlabel("epoch (0 = initialization)")
            ax.set_ylabel(ylabel)
            if key == "loss" and log:
                ax.set_yscale("log")
            ax.margins(x=0.01)
        if single:
            summary = read_summary(runs[0])
            fig.suptitle(f"{runs[0].name}: {summary.get('network', '')}", fontsize=11)
        else:
            handles = [Line2D([], [], color=colors[i], lw=2) for i in range(len(runs))]
            handles += [Line2D([], [], color="0.2", ls="-"), Line2D([], [], color="0.2", ls="--")]
            texts = [textwrap.fill(lab, 34) for lab in labels] + ["train", "validation"]
            fig.legend(handles, texts, loc="outside right upper", title="runs",
                       fontsize=8 if len(runs) > 8 else 9)
            fig.suptitle(f"learning curves of {len(runs)} runs", fontsize=11)
        return _save(fig, out)


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
    run = find_run(run)
    records = read_metrics(run)
    if not records or "grad_norm_b" not in records[0]:
        raise NnlabError(f"{run}: no gradient norms in metrics.jsonl; train the run first")
    n_hidden = len(records[0]["grad_norm_b"]) - 1
    if n_hidden < 1:
        raise NnlabError(f"{run}: speed needs hidden layers; this run has none")
    cfg = _run_config(run)
    n_train = (read_summary(run).get("data") or {}).get("train")
    probe = (cfg.get("train") or {}).get("probe_size", 1000)
    probe = min(probe, n_train) if n_train else probe
    epochs = _series(records, "epoch")
    with rc_context(STYLE):
        fig = _figure(SIZES["speed"])
        ax = fig.subplots()
        colors = _colors(n_hidden)
        weights_used = False
        for i in range(n_hidden):
            b = np.array([_none_nan(r["grad_norm_b"][i]) for r in records])
            label = f"hidden layer {i + 1}"
            if np.all(np.isnan(b)):  # no bias in this layer: use ‖∂C/∂W‖ instead
                b = np.array([_none_nan(r["grad_norm_w"][i]) for r in records])
                label += " (‖∂C/∂W‖, no bias)"
                weights_used = True
            b[b <= 0] = np.nan
            ax.plot(epochs, b, color=colors[i], lw=1.6, label=label)
        ax.set_yscale("log")
        ax.set_xlabel("epoch (0 = initialization)")
        ax.set_ylabel("‖δˡ‖ = ‖∂C/∂bˡ‖" + (" (or ‖∂C/∂Wˡ‖)" if weights_used else ""))
        ax.set_title(f"speed of learning per hidden layer, on {probe} probe samples\n{run.name}")
        ax.legend(loc="best")
        ax.margins(x=0.01)
        return _save(fig, out)


def _none_nan(v: Any) -> float:
    return np.nan if v is None else float(v)


# ----------------------------------------------------------------------------- fit

def _experiment(source: Any) -> Any:
    """An `Experiment` from a run directory (best weights) or an Experiment as is."""
    if isinstance(source, (str, Path)):
        from .experiment import load_run

        run = find_run(source)
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

    with rc_context(STYLE):
        fig = _figure(SIZES["fit"])
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
            expr = d.info.get("expr")
            ax.plot(grid, truth, "--", color="0.15", lw=1.5,
                    label=f"true function {expr}" if expr else "true function", zorder=3)
        for k in range(pred.shape[1]):
            ax.plot(grid, pred[:, k], "-", color=PALETTE[3 + k % 7], lw=2,
                    label="network prediction" + (f" [{k}]" if pred.shape[1] > 1 else ""),
                    zorder=4)
        handles, labels = ax.get_legend_handles_labels()
        handles.append(shade)
        labels.append("outside the training data")
        ax.legend(handles, labels, loc="best", framealpha=0.9)
        ax.set_xlim(x0, x1)
        ax.set_ylim(ylo - pad, yhi + pad)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.set_title((f"{title}\n" if title else "") + f"fit of '{d.name}' by {net!r}")
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
    lo, hi = allx.min(axis=0), allx.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-6)
    gx = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    gy = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    xx, yy = np.meshgrid(gx, gy)
    a = np.asarray(net.predict(np.c_[xx.ravel(), yy.ravel()].astype(net.dtype)), dtype=float)
    k = int(d.n_classes or max(a.shape[1], 2))
    colors = [PALETTE[i % len(PALETTE)] for i in range(k)]

    with rc_context(STYLE):
        fig = _figure(SIZES["boundary"])
        ax = fig.subplots()
        if k == 2 and a.shape[1] <= 2:
            p = (a[:, 0] if a.shape[1] == 1 else a[:, 1]).reshape(xx.shape)
            cmap = LinearSegmentedColormap.from_list("two", [colors[0], "white", colors[1]])
            cs = ax.contourf(xx, yy, p, levels=np.linspace(0, 1, 11), cmap=cmap, alpha=0.55)
            ax.contour(xx, yy, p, levels=[0.5], colors="0.15", linewidths=1.2)
            fig.colorbar(cs, ax=ax, shrink=0.85, label="P(class 1)")
        else:
            cls = a.argmax(axis=1).reshape(xx.shape)
            ax.contourf(xx, yy, cls, levels=np.arange(k + 1) - 0.5, cmap=ListedColormap(colors),
                        alpha=0.35)
        labels = [np.asarray(d.y_train), np.asarray(d.y_val) if len(pts) > 1 else None]
        for x, y, marker, edge, size in ((pts[0], labels[0], "o", "white", 16),
                                         (pts[-1], labels[1], "^", "0.1", 22)):
            if y is None:
                continue
            ax.scatter(x[:, 0], x[:, 1], c=[colors[int(c) % k] for c in y], marker=marker,
                       s=size, edgecolors=edge, linewidths=0.6, zorder=3)
        handles = [Patch(color=colors[i], label=f"class {i}") for i in range(k)]
        handles.append(Line2D([], [], marker="o", ls="", color="0.5", markeredgecolor="white",
                              label=f"train ({len(pts[0])})"))
        if len(pts) > 1:
            handles.append(Line2D([], [], marker="^", ls="", color="0.5",
                                  markeredgecolor="0.1", label=f"validation ({len(pts[1])})"))
        ax.legend(handles=handles, loc="upper right", framealpha=0.85, fontsize=8)
        ratio = (hi[1] - lo[1] + 1e-9) / (hi[0] - lo[0] + 1e-9)
        if 1 / 3 < ratio < 3:
            ax.set_aspect("equal")
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        ax.grid(False)
        ax.set_title((f"{title}\n" if title else "") + f"decision regions of {net!r}",
                     fontsize=10)
        return _save(fig, out)


# ----------------------------------------------------------------------------- weights

def weights_size(n_images: int) -> tuple[int, int]:
    """Pixel size of the weights picture for ``n_images`` tiles (10 per row)."""
    cols = min(n_images, 10)
    rows = math.ceil(n_images / cols)
    return max(cols * 72 + 150, 500), rows * 72 + 90


def plot_weights(source: Network | str | Path, out: str | Path, *,
                 max_images: int = MAX_WEIGHT_IMAGES) -> Path:
    """The first-layer weight columns of a 784-input network as 28×28 images.

    One tile per first-layer unit (at most ``max_images``), all on one colour scale symmetric
    around 0 (red positive, blue negative), so what each unit responds to is visible.
    ``source`` is a `Network` or a run directory (its best checkpoint).
    """
    if isinstance(source, Network):
        net, name = source, None
    else:
        run = find_run(source)
        net, name = Network.load(run / "checkpoints" / f"{_checkpoint_name(run)}.npz"), run.name
    w = np.asarray(net.layers[0].W, dtype=float)
    if w.shape[0] != MNIST_SIDE ** 2:
        raise NnlabError(f"weights needs a network with 784 inputs (28×28 images); "
                         f"{net!r} has {w.shape[0]}")
    n = min(w.shape[1], max_images)
    cols = min(n, 10)
    rows = math.ceil(n / cols)
    side = MNIST_SIDE + 1  # one NaN pixel between tiles
    mosaic = np.full((rows * side - 1, cols * side - 1), np.nan)
    for j in range(n):
        r, c = divmod(j, cols)
        mosaic[r * side:r * side + MNIST_SIDE, c * side:c * side + MNIST_SIDE] = \
            w[:, j].reshape(MNIST_SIDE, MNIST_SIDE)
    vmax = float(np.nanmax(np.abs(mosaic))) or 1.0
    from matplotlib import colormaps

    cmap = colormaps["RdBu_r"].with_extremes(bad="white")
    with rc_context(STYLE):
        fig = _figure(weights_size(n))
        ax = fig.subplots()
        im = ax.imshow(mosaic, cmap=cmap, vmin=-vmax, vmax=vmax)
        for j in range(n):
            r, c = divmod(j, cols)
            ax.text(c * side + 0.5, r * side + 0.5, str(j + 1), fontsize=6, va="top",
                    ha="left", color="0.25")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
        fig.colorbar(im, ax=ax, shrink=0.9 if rows > 2 else 1.0, label="weight")
        units = w.shape[1]
        shown = f"units 1–{n} of {units}" if n < units else f"all {units} units"
        ax.set_title((f"{name}\n" if name else "")
                     + f"first-layer weights as 28×28 images ({shown})", fontsize=10)
        return _save(fig, out)


__all__ = ["KINDS", "SIZES", "plot_run", "plot_curves", "plot_fit", "plot_boundary",
           "plot_speed", "plot_weights", "applicable_kinds", "run_labels", "weights_size"]
