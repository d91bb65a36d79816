"""Reproduce Nielsen's MNIST table (Neural Networks and Deep Learning, ch. 5) over several seeds.

    python benchmarks/mnist_table.py                 # 3 seeds, 30 epochs, prints a Markdown table
    python benchmarks/mnist_table.py --seeds 0 1 2 3 4 --jobs 2

Uses the shipped configs (configs/mnist_nielsen*.yaml, configs/mnist_modern.yaml) unchanged except
for ``train.seed``, plus the modern baseline; MNIST is found like `nnlab train` finds it
(NNLAB_DATA_DIR, cache, download).
Seconds per epoch include nnlab's per-epoch evaluation of the 50,000 + 10,000 images; with
``--jobs 2`` two runs share the machine, so compare them only within one invocation.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NIELSEN = [  # (config, network, best validation accuracy in Nielsen's ch. 5)
    ("mnist_nielsen.yaml", "[784,30,10]", 96.48),
    ("mnist_nielsen_2hidden.yaml", "[784,30,30,10]", 96.90),
    ("mnist_nielsen_3hidden.yaml", "[784,30,30,30,10]", 96.57),
    ("mnist_nielsen_4hidden.yaml", "[784,30,30,30,30,10]", 96.53),
]


def run_one(config: str, seed: int, runs_dir: str, epochs: int | None) -> dict:
    import nnlab

    overrides = [f"train.seed={seed}"] + ([f"train.epochs={epochs}"] if epochs else [])
    result = nnlab.train(ROOT / "configs" / config, overrides=overrides, runs_dir=runs_dir,
                         handle_signals=False)
    s = result.summary
    test = nnlab.load_run(result.run_dir, "best").evaluate("test")
    return {"config": config, "seed": seed, "run_dir": str(result.run_dir),
            "best_val_accuracy": s["best"]["val_accuracy"], "best_epoch": s["best_epoch"],
            "epochs_run": s["epochs_run"], "test_accuracy": test["accuracy"],
            "seconds_per_epoch": s["wall_time"] / max(s["epochs_run"], 1)}


def pct(values: list[float]) -> str:
    mean = 100 * statistics.fmean(values)
    spread = 100 * (max(values) - min(values)) / 2
    return f"{mean:.2f} ± {spread:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=None, help="override 30 (for a quick check)")
    ap.add_argument("--runs-dir", default=None, help="keep the runs here (default: temp dir)")
    ap.add_argument("--json", default=None, help="also write all results to this JSON file")
    args = ap.parse_args()
    runs_dir = args.runs_dir or tempfile.mkdtemp(prefix="nnlab-mnist-")
    if args.jobs > 1:  # one BLAS thread per process: oversubscribed threads slow everything down
        os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = "1"
    jobs = [(cfg, seed) for cfg, _, _ in NIELSEN for seed in args.seeds]
    jobs += [("mnist_modern.yaml", seed) for seed in args.seeds]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_one, cfg, seed, runs_dir, args.epochs) for cfg, seed in jobs]
        results = [f.result() for f in futures]
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))

    def of(cfg: str, key: str) -> list[float]:
        return [r[key] for r in results if r["config"] == cfg]

    seeds = ", ".join(map(str, args.seeds))
    print(f"Best validation accuracy (%), mean ± half-range over seeds {seeds}; "
          f"{args.epochs or 30} epochs; jobs={args.jobs}\n")
    print("| network | Nielsen (ch. 5) | nnlab best val. acc. | best epochs | test acc. (best ckpt)"
          " | s/epoch |")
    print("|---|---|---|---|---|---|")
    for cfg, net, text in NIELSEN:
        epochs = "/".join(str(e) for e in of(cfg, "best_epoch"))
        speed = statistics.fmean(of(cfg, "seconds_per_epoch"))
        print(f"| {net} | {text:.2f} | {pct(of(cfg, 'best_val_accuracy'))} | {epochs} | "
              f"{pct(of(cfg, 'test_accuracy'))} | {speed:.2f} |")
    cfg = "mnist_modern.yaml"
    epochs = "/".join(str(e) for e in of(cfg, "best_epoch"))
    print(f"| [784,100,10] relu/adam (modern) | – | {pct(of(cfg, 'best_val_accuracy'))} | {epochs}"
          f" | {pct(of(cfg, 'test_accuracy'))} | "
          f"{statistics.fmean(of(cfg, 'seconds_per_epoch')):.2f} |")
    print(f"\nruns: {runs_dir}")


if __name__ == "__main__":
    main()
