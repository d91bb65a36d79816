"""Reproduce Nielsen's MNIST table (Neural Networks and Deep Learning, ch. 5) over several seeds.

    python benchmarks/mnist_table.py                 # 3 seeds, 30 epochs, prints a Markdown table
    python benchmarks/mnist_table.py --seeds 0 1 2 3 4 --jobs 2

Uses the shipped configs (configs/mnist_nielsen*.yaml — the 4-hidden-layer one also with batch
normalization — and configs/mnist_modern.yaml, the modern baseline) unchanged except for
``train.seed``; ``--only`` trains a subset; MNIST is found like `nnlab train` finds it
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
    ("mnist_nielsen_4hidden_bn.yaml", "[784,30,30,30,30,10] + batch normalization", None),
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
    ap.add_argument("--only", nargs="+", default=None, metavar="CONFIG",
                    help="train only these configs (file names, e.g. mnist_nielsen.yaml)")
    args = ap.parse_args()
    runs_dir = args.runs_dir or tempfile.mkdtemp(prefix="nnlab-mnist-")
    if args.jobs > 1:  # one BLAS thread per process: oversubscribed threads slow everything down
        os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = "1"
    configs = [cfg for cfg, _, _ in NIELSEN] + ["mnist_modern.yaml"]
    configs = [c for c in configs if args.only is None or c in args.only]
    jobs = [(cfg, seed) for cfg in configs for seed in args.seeds]
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
    rows = [*NIELSEN, ("mnist_modern.yaml", "[784,100,10] relu/adam (modern)", None)]
    for cfg, net, text in rows:
        if cfg not in configs:
            continue
        epochs = "/".join(str(e) for e in of(cfg, "best_epoch"))
        speed = statistics.fmean(of(cfg, "seconds_per_epoch"))
        print(f"| {net} | {'–' if text is None else f'{text:.2f}'} | "
              f"{pct(of(cfg, 'best_val_accuracy'))} | {epochs} | "
              f"{pct(of(cfg, 'test_accuracy'))} | {speed:.2f} |")
    print(f"\nruns: {runs_dir}")


if __name__ == "__main__":
    main()
