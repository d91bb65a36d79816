"""TPE + median pruning vs random search vs a grid, the same budget each, on MNIST.

    python benchmarks/sweep_search.py                  # 3 sweep seeds × 3 methods, 24 trials
    python benchmarks/sweep_search.py --jobs 2 --seeds 0 1 2 --json out.json
    python benchmarks/sweep_search.py --epochs 5     # shorter trials (the docs' table)
    python benchmarks/sweep_search.py --table a.json b.json    # the table of saved results

Every method tunes the same four settings of configs/sweeps/mnist_tpe.yaml (learning rate on a
log scale, hidden width, weight decay, batch size) on the first 10,000 MNIST training images
with up to 10 epochs a trial (``--epochs``), and gets 24 trials:

* ``tpe+median``: the sweep file as it is (8 random startup trials, then TPE; median pruning
  from the 4th completed trial on, after 2 warm-up epochs);
* ``random``: the same space, random sampler, no pruning;
* ``grid``: 3 learning rates × 2 widths × 2 weight decays × 2 batch sizes = 24 points.

Sweep seed s sets the sampler's seed and ``train.seed`` (initial weights, shuffling) of every
trial, so each method meets the same three kinds of luck. Reported: the best validation
accuracy, the trial-epochs spent (epochs trained, summed over trials, pruned ones included),
wall time, and for TPE the trial-epochs it took to first reach random search's best (same
seed). Runs go into a temporary folder (``--runs-dir`` to keep them).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "configs" / "sweeps" / "mnist_tpe.yaml"
GRID = ["optimizer.lr=0.001,0.003,0.01", "model.hidden.0=64,256",
        "regularization.weight_decay=1e-5,1e-3", "train.batch_size=32,128"]
SETS = ["data.limit=10000", "train.epochs=10", "regularization.early_stopping.patience=null",
        "run.plots=false"]


def make(method: str, seed: int, runs_dir: Path, epochs: int) -> Any:
    from nnlab.tools.sweep import make_sweep

    name = f"bench-{method.replace('+', '-')}-s{seed}"
    fixed = [f"train.seed={seed}", f"train.epochs={epochs}"]
    if method == "tpe+median":
        return make_sweep(SPEC, seed=seed, fixed=fixed, name=name, runs_dir=runs_dir)
    if method == "random":
        return make_sweep(SPEC, seed=seed, fixed=fixed, name=name, runs_dir=runs_dir,
                          sampler="random", pruner="none")
    return make_sweep(ROOT / "configs" / "mnist_modern.yaml", grid=GRID, fixed=[*SETS, *fixed],
                      name=name, runs_dir=runs_dir, metric="val_accuracy")


def trace(run: Any) -> list[dict[str, Any]]:
    """The points in the order they ended: value (None if pruned/failed), epochs trained."""
    out = []
    ended = [ft for ft in run.study.latest().values() if ft.datetime_complete is not None]
    for ft in sorted(ended, key=lambda t: t.datetime_complete):
        out.append({"value": ft.value if ft.state.name == "COMPLETE" else None,
                    "epochs": int(ft.user_attrs.get("epochs", 0)), "state": ft.state.name})
    return out


def run_one(method: str, seed: int, runs_dir: Path, jobs: int, epochs: int) -> dict[str, Any]:
    from nnlab.tools.sweep import Worker, open_sweep

    t0 = time.monotonic()
    run = open_sweep(make(method, seed, runs_dir, epochs))
    Worker(run, jobs).run(handle_signals=False)
    steps = trace(run)
    values = [s["value"] for s in steps if s["value"] is not None]
    return {"method": method, "seed": seed, "best": max(values), "trace": steps,
            "trial_epochs": sum(s["epochs"] for s in steps),
            "pruned": sum(s["state"] == "PRUNED" for s in steps),
            "wall": time.monotonic() - t0, "folder": str(run.path)}


def epochs_to_reach(steps: list[dict[str, Any]], target: float) -> int | None:
    """Trial-epochs spent until a completed trial first reached ``target`` (None: never)."""
    spent = 0
    for s in steps:
        spent += s["epochs"]
        if s["value"] is not None and s["value"] >= target:
            return spent
    return None


def table(results: list[dict[str, Any]]) -> str:
    def mean_std(xs: list[float], scale: float = 1.0, digits: int = 2) -> str:
        xs = [x * scale for x in xs]
        sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
        return f"{statistics.fmean(xs):.{digits}f} ± {sd:.{digits}f}"

    lines = ["| method | best val. accuracy (%) | trial-epochs | pruned trials | wall time (s) |",
             "|---|---:|---:|---:|---:|"]
    for method in ("tpe+median", "random", "grid"):
        rs = [r for r in results if r["method"] == method]
        if rs:
            lines.append(f"| {method} | {mean_std([r['best'] for r in rs], 100)} | "
                         f"{mean_std([r['trial_epochs'] for r in rs], digits=0)} | "
                         f"{mean_std([r['pruned'] for r in rs], digits=1)} | "
                         f"{mean_std([r['wall'] for r in rs], digits=0)} |")
    lines += ["", "| seed | random's best (%) | its trial-epochs | TPE+median reached it after "
              "| share of random's |", "|---:|---:|---:|---:|---:|"]
    for rnd in (r for r in results if r["method"] == "random"):
        tpe = next((r for r in results if r["method"] == "tpe+median"
                    and r["seed"] == rnd["seed"]), None)
        if tpe is None:
            continue
        reach = epochs_to_reach(tpe["trace"], rnd["best"])
        lines.append(f"| {rnd['seed']} | {100 * rnd['best']:.2f} | {rnd['trial_epochs']} | "
                     + (f"{reach} trial-epochs | {reach / rnd['trial_epochs']:.0%} |"
                        if reach is not None else
                        f"never (best {100 * tpe['best']:.2f}) | - |"))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--methods", nargs="+", default=["tpe+median", "random", "grid"])
    ap.add_argument("--jobs", type=int, default=1, help="trials in parallel per sweep")
    ap.add_argument("--epochs", type=int, default=10, help="epochs per trial (at most)")
    ap.add_argument("--runs-dir", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--table", type=Path, nargs="+", default=None, metavar="JSON",
                    help="only print the table of results saved with --json (several files: "
                    "e.g. seeds run by separate processes)")
    args = ap.parse_args()
    if args.table:
        print(table([r for f in args.table for r in json.loads(f.read_text())]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        runs_dir = args.runs_dir or Path(tmp)
        results = []
        for seed in args.seeds:
            for method in args.methods:
                r = run_one(method, seed, runs_dir, args.jobs, args.epochs)
                print(f"# {method} seed {seed}: best {100 * r['best']:.2f} %, "
                      f"{r['trial_epochs']} trial-epochs, {r['pruned']} pruned, "
                      f"{r['wall']:.0f} s", flush=True)
                results.append(r)
                if args.json:
                    args.json.write_text(json.dumps(results, indent=1))
    print(table(results))


if __name__ == "__main__":
    main()
