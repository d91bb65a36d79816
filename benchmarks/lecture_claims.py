"""The claims of the lecture and the popular article on training, measured: docs/lecture-claims.md.

    python benchmarks/lecture_claims.py

Each claim is one config in configs/lessons/; this script trains it (and its contrast), measures
the claim and prints a Markdown table: claim → command → what you should see → what we measured.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

import nnlab
from nnlab.runs.rundir import RunDir

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "configs" / "lessons"


def train(config: str, runs_dir: str, *overrides: str) -> dict:
    """Summary of a run (also for a diverged one) plus the network when it finished."""
    try:
        result = nnlab.train(LESSONS / config, overrides=list(overrides), runs_dir=runs_dir,
                             handle_signals=False)
        return {**result.summary, "network": result.network, "run_dir": result.run_dir}
    except nnlab.errors.TrainingDiverged as err:
        return {**err.summary, "network": None}  # type: ignore[attr-defined]


def zero_init(d: str) -> str:
    zero = train("zero_init.yaml", d)
    small = train("zero_init.yaml", d, "model.weight_init={name: uniform, low: -0.1, high: 0.1}")
    w0, w1 = (r["network"].layers[0].W for r in (zero, small))
    return (f"zeros: max difference between hidden units' weights {np.ptp(w0, axis=1).max():.1e}, "
            f"val_loss {zero['final']['val_loss']:.4f}; uniform ±0.1: units differ by up to "
            f"{np.ptp(w1, axis=1).max():.2f}, val_loss {small['final']['val_loss']:.4f}")


def identity_depth(d: str) -> str:
    r = train("identity_depth.yaml", d)
    exp = nnlab.build(Path(r["run_dir"]) / "config.yaml")
    x, y = exp.dataset.x_train[:, 0], exp.dataset.y_train[:, 0]
    grid = np.linspace(-3, 3, 61, dtype=np.float32)[:, None]
    pred = r["network"].predict(grid)[:, 0]
    line = np.polyval(np.polyfit(x, y, 1), grid[:, 0])
    curvature = np.abs(np.diff(pred, 2)).max()
    return (f"largest second difference of the prediction on a grid {curvature:.1e} (a straight "
            f"line); max distance from the least-squares line {np.abs(pred - line).max():.3f} "
            f"on outputs spanning ±{np.abs(y).max():.0f}")


def learning_rate(d: str) -> str:
    parts = []
    for lr in (1.0, 0.1, 0.001):
        r = train("learning_rate.yaml", d, f"optimizer.lr={lr}")
        recs = RunDir(r["run_dir"]).read_metrics()
        start = recs[0]["val_loss"]
        end = recs[-1]["val_loss"]
        if r["status"] == "failed":
            parts.append(f"lr={lr}: diverged (NaN/inf) at epoch {r['epochs_run']}")
        else:
            parts.append(f"lr={lr}: val_loss {start:.3f} → {end:.4f} in "
                         f"{r['epochs_run']} epochs")
    return "; ".join(parts)


def dead_relu(d: str) -> str:
    out = []
    for act in ("relu", "leaky_relu"):
        r = train("dead_relu.yaml", d, f"model.activation={act}")
        recs = RunDir(r["run_dir"]).read_metrics()
        out.append(f"{act}: dead units {100 * recs[0]['dead_fraction'][0]:.0f}% at init → "
                   f"{100 * recs[-1]['dead_fraction'][0]:.0f}% after {r['epochs_run']} epochs, "
                   f"val_loss {r['final']['val_loss']:.4f}")
    return "; ".join(out)


SEEDS = range(8)


def local_minima(d: str) -> str:
    """The same network from 8 seeds, each stopped by train.tolerance; their fits side by side."""
    runs = [train("local_minima.yaml", d, f"train.seed={seed}", "run.plots=false")
            for seed in SEEDS]
    from nnlab.tools.plots.fits import plot_fits

    labels = [f"seed {r['seed']}, {r['epochs_run']:,} epochs" for r in runs]
    plot_fits([r["run_dir"] for r in runs], ROOT / "docs" / "local-minima.png", labels=labels,
              title="one network, 8 seeds: full-batch gradient descent (η = 0.05) stopped once "
              "a step moves θ by less than 1e-4 (train.tolerance)")
    losses = sorted(r["final"]["loss"] for r in runs)
    stops = sorted(r["epochs_run"] for r in runs)
    reasons = {r["stop_reason"] for r in runs}
    per_seed = ", ".join(f"{r['final']['loss']:.3g}" for r in runs)
    return (f"stop reason {', '.join(sorted(reasons))} for all {len(runs)} seeds after "
            f"{stops[0]:,}–{stops[-1]:,} epochs; final losses (seeds 0–{len(runs) - 1}) "
            f"{per_seed}: {losses[-1] / losses[0]:.1f}× apart, "
            f"[the fits side by side](local-minima.png)")


CLAIMS = [
    ("zero init keeps hidden units identical (lecture, on initializing the weights)",
     "zero_init.yaml",
     "every hidden unit ends with the same weights; small random init breaks the symmetry",
     zero_init),
    ("identity activations collapse any depth to a linear fit (lecture, on how a signal passes "
     "through the network)", "identity_depth.yaml",
     "a straight line through the cubic, whatever the depth", identity_depth),
    ("too large a learning rate diverges, too small crawls (popular article, why tune the step "
     "size?)", "learning_rate.yaml",
     "lr=1 stops with NaN/inf (exit 1), lr=0.1 fits, lr=0.001 still far off after 100 epochs",
     learning_rate),
    ("ReLU zeroes negative signals, leaky ReLU does not (lecture, on activation functions)",
     "dead_relu.yaml",
     "ReLU units dead at init stay dead (dead_fraction); leaky ReLU has none", dead_relu),
    ("gradient descent stops when its step falls below a threshold, in a local minimum that "
     "depends on the start (popular article, the stopping threshold and local minima)",
     "local_minima.yaml",
     "every seed stops with reason converged, at a different loss and a differently shaped fit",
     local_minima),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "lecture-claims.md"))
    args = ap.parse_args()
    runs = tempfile.mkdtemp(prefix="nnlab-claims-")
    rows = ["| claim | command | what you should see | what we measured |", "|---|---|---|---|"]
    for claim, config, expect, measure in CLAIMS:
        rows.append(f"| {claim} | `nnlab train configs/lessons/{config}` | {expect} | "
                    f"{measure(runs)} |")
    doc = ["# Lecture claims, measured", "",
           "Claims of the university lecture \"Introduction to neural networks\" and of the "
           "popular article on what \"training\" a network means, each one config in "
           "`configs/lessons/`. Generated by `python benchmarks/lecture_claims.py` (seed 0).", "",
           *rows]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(doc) + "\n")
    print("\n".join(doc))


if __name__ == "__main__":
    main()
