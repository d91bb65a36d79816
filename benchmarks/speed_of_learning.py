"""Nielsen, Neural Networks and Deep Learning, ch. 5: the speed of learning of each
hidden layer, at initialization and in training.

    python benchmarks/speed_of_learning.py            # writes docs/speed-of-learning.md + pictures
    python benchmarks/speed_of_learning.py --seeds 0 1 2 3 4 5 6 7 8 9 --epochs 500

1. At initialization: ‖δˡ‖ = ‖∂C/∂bˡ‖ with C averaged over the first 1,000 training images, for
   [784,30,30,10], [784,30,30,30,10], [784,30,30,30,30,10] (Nielsen's recipe), median and range
   over the seeds, next to the text's numbers and those of Nielsen's own code.
2. In training: 500 epochs of full-batch gradient descent on those 1,000 images (η=0.1, λ=5.0),
   the per-layer norms per epoch (log-scale pictures) and the ratio last/first hidden layer.
3. The same with ReLU hidden layers and He initialization.
4. Batch normalization on the 4-hidden-layer network: the same norms (and ‖∂C/∂Wˡ‖/‖Wˡ‖,
   ‖∂C/∂γˡ‖) at initialization and over the 500 epochs, with and without.
5. Exploding gradients: Nielsen's chain with w = 100 and every z = 0 (25× per layer), and the
   text's arithmetic — the window of inputs where |w σ′(wa + b)| ≥ 1, as a table and a picture.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import numpy as np

import nnlab

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "lessons" / "speed_of_learning.yaml"
DEPTHS = {2: "[784,30,30,10]", 3: "[784,30,30,30,10]", 4: "[784,30,30,30,30,10]"}
TEXT = {2: [0.07, 0.31], 3: [0.012, 0.060, 0.283], 4: [0.003, 0.017, 0.070, 0.285]}
NIELSEN_MEDIANS = {2: [0.060, 0.293], 3: [0.014, 0.062, 0.294],
                   4: [0.0025, 0.012, 0.055, 0.283]}
RELU = ["model.activation=relu", "model.weight_init=he_normal"]
CHAIN = ROOT / "configs" / "lessons" / "exploding_gradient.yaml"
BN = ["model.batchnorm=true"]
WINDOW_WS = [1, 2, 3.9, 4, 4.5, 5, 6, 8, 10, 20, 50, 100]


def hidden(depth: int) -> str:
    return "model.hidden=[" + ",".join(["30"] * depth) + "]"


def init_norms(depth: int, seed: int, extra: list[str]) -> list[float]:
    exp = nnlab.build(CONFIG, [hidden(depth), f"train.seed={seed}", *extra])
    return exp.trainer().measure()["grad_norm_b"][:-1]


def fmt(x: float) -> str:
    return f"{x:.3g}"


def init_table(seeds: list[int], extra: list[str]) -> tuple[list[str], dict]:
    lines = ["| network | layer | text | Nielsen's code (median of 8) | nnlab median | "
             "nnlab range |", "|---|---|---|---|---|---|"]
    out = {}
    for depth, name in DEPTHS.items():
        norms = np.array([init_norms(depth, s, extra) for s in seeds])
        med = np.median(norms, axis=0)
        out[depth] = med
        for layer in range(depth):
            text = fmt(TEXT[depth][layer]) if not extra else "–"
            code = fmt(NIELSEN_MEDIANS[depth][layer]) if not extra else "–"
            lines.append(f"| {name} | ‖δ{layer + 1}‖ | {text} | {code} | {fmt(med[layer])} | "
                         f"{fmt(norms[:, layer].min())} – {fmt(norms[:, layer].max())} |")
        lines.append(f"| {name} | last/first | {fmt(TEXT[depth][-1] / TEXT[depth][0])} | "
                     f"{fmt(NIELSEN_MEDIANS[depth][-1] / NIELSEN_MEDIANS[depth][0])} | "
                     f"{fmt(med[-1] / med[0])} | |" if not extra else
                     f"| {name} | last/first | – | – | {fmt(med[-1] / med[0])} | |")
    return lines, out


def train_runs(epochs: int, runs_dir: Path, extra: list[str], tag: str
               ) -> tuple[list[str], dict[int, Path]]:
    dirs = {}
    lines = ["| network | final val. accuracy | median ‖δ_last‖/‖δ_1‖ over epochs 1–"
             f"{epochs} | at epoch {epochs} | picture |", "|---|---|---|---|---|"]
    for depth, name in DEPTHS.items():
        result = nnlab.train(CONFIG, overrides=[hidden(depth), f"train.epochs={epochs}", *extra],
                             name=f"speed-{tag}-{depth}", runs_dir=runs_dir,
                             handle_signals=False)
        dirs[depth] = result.run_dir
        recs = nnlab.RunDir(result.run_dir).read_metrics()[1:]
        ratios = [r["grad_norm_b"][depth - 1] / r["grad_norm_b"][0] for r in recs]
        picture = ""
        try:
            from nnlab.tools import plots

            (png,) = plots.plot_run(result.run_dir, kinds=["speed"], out=ROOT / "docs")
            target = ROOT / "docs" / f"speed-{tag}-{depth}.png"
            png.replace(target)
            picture = f"![{name} {tag}]({target.name})"
        except (ImportError, ValueError) as err:  # plots are optional for the numbers
            picture = f"(no picture: {err})"
        lines.append(f"| {name} | {100 * recs[-1]['val_accuracy']:.2f}% | "
                     f"{fmt(statistics.median(ratios))} | {fmt(ratios[-1])} | {picture} |")
    return lines, dirs


def bn_init_norms(seed: int, extra: list[str]) -> dict[str, np.ndarray]:
    """Per hidden layer at init: ‖δˡ‖ (‖∂C/∂βˡ‖ with BN), ‖∂C/∂Wˡ‖/‖Wˡ‖, ‖∂C/∂γˡ‖."""
    exp = nnlab.build(CONFIG, [hidden(4), f"train.seed={seed}", *extra])
    rec = exp.trainer().measure()
    w = [float(np.linalg.norm(layer.W)) for layer in exp.network.layers[:-1]]
    return {"delta": np.array(rec["grad_norm_b"][:-1]),
            "rel": np.array(rec["grad_norm_w"][:-1]) / np.array(w),
            "gamma": np.array((rec.get("grad_norm_gamma") or [np.nan] * 5)[:-1], dtype=float)}


def bn_section(seeds: list[int], epochs: int, runs_dir: Path, plain_run: Path) -> list[str]:
    """Batch normalization on [784,30,30,30,30,10]: norms at init, then 500 epochs."""
    plain = [bn_init_norms(s, []) for s in seeds]
    normed = [bn_init_norms(s, BN) for s in seeds]

    def med(rows: list[dict], key: str) -> np.ndarray:
        return np.median(np.array([r[key] for r in rows]), axis=0)

    cols = [med(plain, "delta"), med(plain, "rel"), med(normed, "delta"), med(normed, "gamma"),
            med(normed, "rel")]
    lines = [f"### At initialization (medians over seeds {', '.join(map(str, seeds))})", "",
             "| hidden layer | ‖δˡ‖ without | ‖∂C/∂Wˡ‖/‖Wˡ‖ without | ‖δˡ‖ = ‖∂C/∂βˡ‖ with | "
             "‖∂C/∂γˡ‖ with | ‖∂C/∂Wˡ‖/‖Wˡ‖ with |", "|---|---|---|---|---|---|"]
    for i in range(4):
        lines.append(f"| {i + 1} | " + " | ".join(fmt(c[i]) for c in cols) + " |")
    lines.append("| last/first | " + " | ".join(fmt(c[-1] / c[0]) for c in cols) + " |")
    result = nnlab.train(CONFIG, overrides=[hidden(4), f"train.epochs={epochs}", *BN],
                         name="speed-bn-4", runs_dir=runs_dir, handle_signals=False)
    rows = []
    for label, run in (("without", plain_run), ("with batch normalization", result.run_dir)):
        recs = nnlab.RunDir(run).read_metrics()
        ratio = [r["grad_norm_w"][3] / r["grad_norm_w"][0] for r in recs[1:]]
        rows.append(f"| {label} | {100 * recs[-1]['val_accuracy']:.2f}% | "
                    f"{fmt(statistics.median(ratio))} | {fmt(ratio[-1])} |")
    from nnlab.tools.plots.speed_pair import plot_speed_pair

    plot_speed_pair([plain_run, result.run_dir], ROOT / "docs" / "speed-bn-4.png",
                    labels=["[784,30,30,30,30,10] sigmoid", "the same with batch normalization"],
                    title=f"‖∂C/∂Wˡ‖ per hidden layer over {epochs} epochs of full-batch gradient "
                    "descent on 1,000 MNIST images (η = 0.1, λ = 5.0)")
    return lines + ["", bn_after(plain, normed), "",
                    f"### During {epochs} epochs of full-batch gradient descent on the 1,000 "
                    "images (η = 0.1, λ = 5.0), seed 0", "",
                    "| 4 hidden layers | final val. accuracy | median ‖∂C/∂W4‖/‖∂C/∂W1‖ over "
                    f"epochs 1–{epochs} | at epoch {epochs} |", "|---|---|---|---|", *rows, "",
                    "![‖∂C/∂Wˡ‖ per layer with and without batch normalization](speed-bn-4.png)"]


BN_TEXT = (
    "The same 4-hidden-layer network and seeds, hence the same initial weights, with "
    "`model.batchnorm: true`: every hidden layer normalizes its pre-activations over the batch "
    "before the sigmoid, z = γ ⊙ (u − μ)/√(σ² + ε) + β with u = xW (`nnlab/core/batchnorm.py`; "
    "the 30-epoch MNIST run is `configs/mnist_nielsen_4hidden_bn.yaml`, its accuracy is in "
    "[the MNIST table](mnist.md#nielsens-mnist-table-reproduced)). Norms are measured as a "
    "training step sees them: the probe normalized by its own statistics. Next to Nielsen's "
    "‖δˡ‖ = ‖∂C/∂bˡ‖ — for a normalized layer ‖∂C/∂βˡ‖, β being its bias — the tables show the "
    "relative weight gradient ‖∂C/∂Wˡ‖/‖Wˡ‖, how fast each layer's weights move per unit of "
    "learning rate.")


def bn_after(plain: list[dict], normed: list[dict]) -> str:
    """What the init tables say, in numbers measured over the seeds."""
    slow = [r["rel"][-1] / r["rel"][0] for r in plain]
    flat = [max(r["rel"]) / min(r["rel"]) for r in normed]
    first = sum(int(np.argmax(r["rel"]) == 0) for r in normed)
    gamma = [max(r["gamma"]) / min(r["gamma"]) for r in normed]
    return (f"What batch normalization changes: without it the first layer's weights learn "
            f"{min(slow):.0f}–{max(slow):.0f}× slower than the last layer's; with it every "
            "layer's weights learn within "
            f"{min(flat):.1f}–{max(flat):.1f}× of each other, and the first layer is the fastest "
            f"for {first} of {len(normed)} seeds. Nielsen's ‖δˡ‖ stops measuring speed for "
            "normalized layers: a shift of βˡ reaches the next layer only through σ's "
            "curvature, because that layer's normalization subtracts the batch mean again, so "
            "‖∂C/∂βˡ‖ is small for every hidden layer but the last (whose β feeds the "
            f"unnormalized output layer). The γ gradients of the four layers lie within "
            f"{min(gamma):.2f}–{max(gamma):.2f}× of each other.")


def exploding_section() -> list[str]:
    """The w = 100 chain's |∂C/∂bˡ| at init and after one step; the |w σ′| window table."""
    from nnlab.tools import unstable_gradient as ug

    exp = nnlab.build(CHAIN)
    recs = exp.fit()
    d0, d1 = recs[0]["grad_norm_b"], recs[1]["grad_norm_b"]
    b1 = float(exp.network.layers[0].b[0])  # after the run; saturated since step 1
    lines = ["| neuron | \\|∂C/∂bˡ\\| at initialization | ÷ the next neuron's | after one sgd "
             "step (η = 0.1) |", "|---|---|---|---|"]
    for i, (a, b) in enumerate(zip(d0, d1)):
        ratio = fmt(a / d0[i + 1]) if i + 1 < len(d0) else "–"
        lines.append(f"| {i + 1}{' (output)' if i == len(d0) - 1 else ''} | {fmt(a)} | "
                     f"{ratio} | {fmt(b)} |")
    lines += ["", f"Loss {fmt(recs[0]['loss'])} at initialization, {fmt(recs[1]['loss'])} after "
              f"the step: the exploded gradient moved b1 from −100 to {b1:.3g} and every "
              "neuron saturated, so every gradient is 0 from then on — unstable either way.", "",
              "### Where one sigmoid layer amplifies the gradient", "",
              "| \\|w\\| | \\|w σ′(0)\\| | width of the window of a with \\|w σ′(wa + b)\\| ≥ 1 "
              "(closed form) | the same, counted on a grid of 600,001 points |",
              "|---|---|---|---|"]
    for r in ug.table(WINDOW_WS):
        lines.append(f"| {r['w']:g} | {fmt(r['factor_at_z0'])} | {r['width']:.4f} | "
                     f"{r['width_grid']:.4f} |")
    w, width = ug.widest()
    from nnlab.tools.plots.unstable_gradient import plot_unstable_gradient

    plot_unstable_gradient(ROOT / "docs" / "unstable-gradient.png")
    return lines + ["", f"The window exists only for \\|w\\| ≥ 4 and is widest, {width:.4f}, at "
                    f"\\|w\\| = {w:.3f} (golden-section search on the closed form "
                    "W = (2/\\|w\\|)·ln(\\|w\\|(1 + √(1 − 4/\\|w\\|))/2 − 1)); the text: ≈ 0.45 "
                    "near 6.9.", "", "![the factor |w σ′(wa + b)| against a for several |w|, and "
                    "the width of the window against |w|](unstable-gradient.png)"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=list(range(8)))
    ap.add_argument("--epochs", type=int, default=500)
    ap.add_argument("--runs-dir", default="runs/speed-of-learning")
    ap.add_argument("--out", default=str(ROOT / "docs" / "speed-of-learning.md"))
    args = ap.parse_args()
    runs_dir = Path(args.runs_dir)
    seeds = ", ".join(map(str, args.seeds))
    doc = ["# Speed of learning per hidden layer", "",
           "Nielsen, *Neural Networks and Deep Learning*, chapter 5 (\"Why are deep neural "
           "networks hard to train?\", section \"The vanishing gradient problem\"), measured. "
           "Generated by `python benchmarks/speed_of_learning.py`. ‖δˡ‖ = ‖∂C/∂bˡ‖, C = the "
           "cross-entropy averaged over the first 1,000 MNIST training images "
           "(`grad_norm_b` in metrics.jsonl). Sigmoid everywhere, weights N(0,1)/√fan_in, biases "
           "N(0,1), as in `configs/lessons/speed_of_learning.yaml`.", "",
           f"## At initialization (seeds {seeds})", ""]
    lines, _ = init_table(args.seeds, [])
    doc += lines + ["", "The claim of the text is the ordering and the ratios: each layer "
                    "closer to the input learns several times slower.", "",
                    f"## ReLU hidden layers, He-normal init, at initialization (seeds {seeds})",
                    ""]
    lines, _ = init_table(args.seeds, RELU)
    doc += lines + ["", f"## During training: {args.epochs} epochs of full-batch gradient "
                    "descent on the 1,000 images (η = 0.1, λ = 5.0), seed 0", ""]
    lines, sigmoid_runs = train_runs(args.epochs, runs_dir, [], "sigmoid")
    doc += lines + ["", "## The same with ReLU + He init", ""]
    doc += train_runs(args.epochs, runs_dir, RELU, "relu")[0]
    doc += ["", "## Batch normalization", "", BN_TEXT, ""]
    doc += bn_section(args.seeds, args.epochs, runs_dir, sigmoid_runs[4])
    doc += ["", "## Exploding gradients: w = 100 and every z = 0", "",
            "Nielsen's construction (`configs/lessons/exploding_gradient.yaml`): a chain x → 1 → "
            "1 → 1 → 1 of sigmoid neurons, input x = 1, target 0.7, mse, every weight 100 and "
            "the biases that make every z = 0 (b1 = −100, then b = −100·σ(0) = −50). Each "
            "neuron then multiplies the gradient by \\|w σ′(0)\\| = 100 · ¼ = 25 on its way "
            "to the input: instead of vanishing, it explodes.", ""]
    doc += exploding_section()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(doc) + "\n")
    print("\n".join(doc))


if __name__ == "__main__":
    main()
