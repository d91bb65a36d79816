"""Seconds per epoch: nnlab's training loop against the leanest hand-written NumPy loop.

    python benchmarks/train_speed.py                      # defaults: 50,000 samples, 5 repeats
    python benchmarks/train_speed.py --samples 5000 --repeats 3 --epochs-per-size 1   # quick
    python benchmarks/train_speed.py --json               # results as JSON instead of the table

Two sizes, on random float32 data (x ~ U(0, 1), one-hot random labels over 10 classes):

* ``[784,30,10] sigmoid b=10``: sigmoid hidden and output, binary cross-entropy, δᴸ = a − t
  (Nielsen's network), weights ``nielsen``, biases N(0, 1), plain SGD η = 0.1;
* ``[784,100,10] relu b=128``: relu hidden, softmax output, categorical cross-entropy,
  δᴸ = a − t, weights ``he_normal``, zero biases, plain SGD η = 0.1.

"nnlab" is ``Trainer.run_epoch`` — exactly the step loop ``nnlab train`` runs (shuffle copy,
forward, backward, optimizer update), inside a real ``Trainer.fit()`` epoch. "hand" is one
permutation + fancy-index copy per epoch, then per batch two matmuls forward, δ = (a − t)·η/m,
three matmuls backward (into preallocated buffers) and ``W -= g`` in place — same shapes
(weights (fan_in, fan_out)), same float32, same starting weights, same batch-mean-loss gradient.
(The textbook form ``W -= (η/m)·(xᵀδ)`` with fresh arrays is 10–30 % slower; see `hand_epoch`.)
Before timing, both loops train a few hundred samples from the same weights with the same
permutation and must agree (a correctness check, not a timing assertion).

"incl. metrics" is the whole ``fit()`` epoch: the steps plus nnlab's per-epoch ``measure()``
(loss/accuracy on all training samples, gradient norms and dead units on a 1,000-sample probe)
— what ``nnlab train`` reports as epoch time.

The machine may be shared and noisy, so the two loops are measured in the same process,
interleaved (the order alternates every repeat); the table shows the median (and min–max) of
the per-epoch times and the ratio of the medians. BLAS threading is left as the environment
sets it (OPENBLAS_NUM_THREADS etc. are respected, never changed). No timing assertions.

Note on busy machines: OpenBLAS starts one thread per core and uses them for the larger
[784,100,10] b=128 products. When other processes already keep the cores busy, those threads
wait for each other and BOTH loops get many times slower (seen: ~25× on a 2-core machine running
two other trainings). The ratio stays meaningful, the absolute times do not; for absolute numbers
on a shared machine run with ``OPENBLAS_NUM_THREADS=1``.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout w/o install

import nnlab  # noqa: E402
from nnlab.core import losses, optimizers, schedules  # noqa: E402
from nnlab.data import Dataset  # noqa: E402
from nnlab.runs.trainer import Trainer  # noqa: E402

TARGET = 1.3
N_CLASSES = 10
SIZES: list[dict[str, Any]] = [
    {"label": "[784,30,10] sigmoid b=10", "sizes": [784, 30, 10], "hidden": "sigmoid",
     "output": "sigmoid", "loss": "binary_crossentropy", "batch": 10, "lr": 0.1,
     "weight_init": "nielsen", "bias_init": {"name": "normal", "std": 1.0}},
    {"label": "[784,100,10] relu b=128", "sizes": [784, 100, 10], "hidden": "relu",
     "output": "softmax", "loss": "categorical_crossentropy", "batch": 128, "lr": 0.1,
     "weight_init": "he_normal", "bias_init": "zeros"},
]


# --------------------------------------------------------------------------- the hand loop
def hand_epoch(params: list[np.ndarray], x: np.ndarray, t: np.ndarray, bs: int, lr: float,
               rng: np.random.Generator, hidden: str, output: str) -> None:
    """One epoch of mini-batch SGD on a one-hidden-layer net, as lean as plain NumPy gets.

    Leaner than the textbook form in two ways nnlab cannot copy without giving up its separate
    loss/layer/optimizer objects: the output error is scaled by η/m once (a (m, 10) array), so
    the matmuls yield η·∂L/∂W directly and each update is a single ``W -= g`` pass; and the
    weight-gradient matmuls write into two preallocated buffers (no fresh (784, h) array, and
    no page faults, per step).
    """
    w1, b1, w2, b2 = params
    g1, g2 = np.empty_like(w1), np.empty_like(w2)
    perm = rng.permutation(len(x))
    xs, ts = x[perm], t[perm]
    relu, softmax = hidden == "relu", output == "softmax"
    for k in range(0, len(xs), bs):
        xb, tb = xs[k:k + bs], ts[k:k + bs]
        z1 = xb @ w1
        z1 += b1
        if relu:
            a1 = np.maximum(z1, 0, out=z1)
        else:
            np.negative(z1, out=z1)
            np.exp(z1, out=z1)
            z1 += 1
            a1 = np.reciprocal(z1, out=z1)
        a2 = a1 @ w2
        a2 += b2
        if softmax:
            a2 -= a2.max(axis=1, keepdims=True)
            np.exp(a2, out=a2)
            a2 /= a2.sum(axis=1, keepdims=True)
        else:
            np.negative(a2, out=a2)
            np.exp(a2, out=a2)
            a2 += 1
            np.reciprocal(a2, out=a2)
        d2 = a2
        d2 -= tb                                      # δ² = a − t
        d2 *= lr / len(xb)                            # η × gradient of the batch-MEAN loss
        d1 = d2 @ w2.T
        if relu:
            d1 *= a1 > 0
        else:
            d1 *= a1 * (1 - a1)                       # σ' = a(1 − a)
        np.matmul(a1.T, d2, out=g2)
        w2 -= g2
        b2 -= d2.sum(axis=0)
        np.matmul(xb.T, d1, out=g1)
        w1 -= g1
        b1 -= d1.sum(axis=0)


# --------------------------------------------------------------------------- nnlab
def make_trainer(cfg: dict[str, Any], x: np.ndarray, labels: np.ndarray, seed: int) -> Trainer:
    net = nnlab.Network.build(cfg["sizes"], cfg["hidden"], cfg["output"],
                              weight_init=cfg["weight_init"], bias_init=cfg["bias_init"],
                              rng=np.random.default_rng(0), dtype=np.float32)
    ds = Dataset(name="random", task="classification", x_train=x, y_train=labels,
                 n_classes=N_CLASSES)
    return Trainer(net, ds, losses.get(cfg["loss"]),
                   optimizers.get({"name": "sgd", "lr": cfg["lr"]}),
                   schedules.get("constant"), np.random.default_rng(seed),
                   epochs=1, batch_size=cfg["batch"], shuffle=True)


class FitTimer:
    """Runs single `Trainer.fit()` epochs and splits their time into steps and metrics."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self.steps_time = 0.0
        self.record: dict[str, Any] = {}
        run_epoch = trainer.run_epoch

        def timed_run_epoch(lr: float) -> bool:  # the trainer's own method, timed
            t0 = time.perf_counter()
            done = run_epoch(lr)
            self.steps_time = time.perf_counter() - t0
            return done

        trainer.run_epoch = timed_run_epoch  # type: ignore[method-assign]
        trainer.on_epoch = self._on_epoch
        trainer.epochs = 0
        trainer.fit()  # epoch 0: the measurement at initialization (untimed)

    def _on_epoch(self, record: dict[str, Any]) -> None:
        self.record = record

    def epoch(self) -> tuple[float, float]:
        """(seconds of the step loop, seconds of the whole fit() epoch incl. metrics)."""
        tr = self.trainer
        tr.epochs, tr.state.stop_reason = tr.state.epoch + 1, None
        t0 = time.perf_counter()
        tr.fit()
        total = time.perf_counter() - t0
        if tr.state.stop_reason != "completed":
            raise RuntimeError(f"nnlab epoch ended with {tr.state.stop_reason!r}")
        return self.steps_time, total


# --------------------------------------------------------------------------- benchmark
def equivalence_check(cfg: dict[str, Any], x: np.ndarray, labels: np.ndarray) -> float:
    """Max |Δ| between nnlab's and the hand loop's parameters after one epoch on a few samples."""
    n = min(len(x), 50 * cfg["batch"], 2000)
    tr = make_trainer(cfg, x[:n], labels[:n], seed=123)
    params = [p.copy() for p in tr.network.params()]
    with np.errstate(over="ignore", invalid="ignore"):
        tr.run_epoch(cfg["lr"])
        hand_epoch(params, tr.x_train, tr.t_train, tr.bs, cfg["lr"], np.random.default_rng(123),
                   cfg["hidden"], cfg["output"])
    return max(float(np.max(np.abs(p - q))) for p, q in zip(tr.network.params(), params))


def bench_size(cfg: dict[str, Any], x: np.ndarray, labels: np.ndarray, repeats: int,
               epochs: int, warmup: int, log: bool) -> dict[str, Any]:
    diff = equivalence_check(cfg, x, labels)
    if diff > 1e-4:
        raise RuntimeError(f"{cfg['label']}: nnlab and the hand loop disagree (max |Δ| {diff})")
    trainer = make_trainer(cfg, x, labels, seed=1)
    timer = FitTimer(trainer)
    params = [p.copy() for p in trainer.network.params()]  # same starting weights
    xt, tt = trainer.x_train, trainer.t_train  # the same float32 arrays and one-hot targets
    hand_rng = np.random.default_rng(2)

    def hand() -> float:
        t0 = time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore"):  # as fit(): exp(−z) may overflow
            hand_epoch(params, xt, tt, cfg["batch"], cfg["lr"], hand_rng, cfg["hidden"],
                       cfg["output"])
        return time.perf_counter() - t0

    for _ in range(warmup):  # untimed: first-touch page faults, caches, BLAS thread start-up
        timer.epoch()
        hand()
    nn_steps: list[float] = []
    nn_total: list[float] = []
    hand_t: list[float] = []
    for r in range(repeats):
        for _ in range(epochs):
            order = ("nnlab", "hand") if r % 2 == 0 else ("hand", "nnlab")
            for who in order:
                if who == "nnlab":
                    s, tot = timer.epoch()
                    nn_steps.append(s)
                    nn_total.append(tot)
                else:
                    hand_t.append(hand())
        if log:
            print(f"  {cfg['label']}: repeat {r + 1}/{repeats}: nnlab {nn_steps[-1]:.3f} s "
                  f"(+ metrics {nn_total[-1] - nn_steps[-1]:.3f} s), hand {hand_t[-1]:.3f} s",
                  flush=True)
    med = statistics.median
    metrics = [tot - s for s, tot in zip(nn_steps, nn_total)]
    res = {
        "label": cfg["label"], "sizes": cfg["sizes"], "hidden": cfg["hidden"],
        "output": cfg["output"], "loss": cfg["loss"], "batch_size": cfg["batch"],
        "steps_per_epoch": -(-len(x) // cfg["batch"]), "epochs_timed": len(hand_t),
        "nnlab_s": med(nn_steps), "hand_s": med(hand_t),
        "ratio": med(nn_steps) / med(hand_t),
        "paired_ratio_median": med([a / b for a, b in zip(nn_steps, hand_t)]),
        "ratio_of_minima": min(nn_steps) / min(hand_t),
        "nnlab_incl_metrics_s": med(nn_total), "metrics_s": med(metrics),
        "ratio_incl_metrics": med(nn_total) / med(hand_t),
        "equivalence_max_abs_diff": diff,
        "final_train_loss": timer.record.get("loss"),
        "raw": {"nnlab_s": nn_steps, "hand_s": hand_t, "nnlab_incl_metrics_s": nn_total},
        "target": TARGET,
    }
    return res


def blas_info() -> dict[str, Any]:
    """What BLAS numpy uses, without threadpoolctl: build config plus the live library's view."""
    info: dict[str, Any] = {}
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["name"], info["version"] = blas.get("name"), blas.get("version")
    except Exception:  # older numpy: no mode="dicts"
        pass
    try:  # the loaded OpenBLAS itself (Linux): threads in use and the kernel chosen at runtime
        libs = {line.split()[-1] for line in open("/proc/self/maps")
                if "openblas" in line.lower() and ".so" in line}
        for path in sorted(libs):
            lib = ctypes.CDLL(path)
            for prefix, suffix in (("scipy_openblas_", "64_"), ("scipy_openblas_", ""),
                                   ("openblas_", "64_"), ("openblas_", "")):
                if hasattr(lib, f"{prefix}get_num_threads{suffix}"):
                    info["threads"] = int(getattr(lib, f"{prefix}get_num_threads{suffix}")())
                    core = getattr(lib, f"{prefix}get_corename{suffix}", None)
                    if core is not None:
                        core.restype = ctypes.c_char_p
                        info["core"] = core().decode()
                    break
    except Exception:
        pass
    info["env"] = {k: v for k, v in os.environ.items()
                   if k.startswith(("OPENBLAS_", "OMP_", "MKL_", "BLIS_"))}
    return info


def _load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=50_000, help="training samples (50000)")
    ap.add_argument("--repeats", type=int, default=5,
                    help="interleaved nnlab/hand rounds per size (5)")
    ap.add_argument("--epochs-per-size", type=int, default=1,
                    help="epochs of each loop per round (1); medians are over all epochs")
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed epochs of each loop before timing, per size (1)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random data (0)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args()
    if args.samples < 1 or args.repeats < 1 or args.epochs_per_size < 1 or args.warmup < 0:
        ap.error("--samples, --repeats, --epochs-per-size must be >= 1 and --warmup >= 0")

    rng = np.random.default_rng(args.seed)
    x = rng.random((args.samples, 784), dtype=np.float32)
    labels = rng.integers(0, N_CLASSES, size=args.samples)
    env = {"python": platform.python_version(), "numpy": np.__version__,
           "nnlab": nnlab.__version__, "cpus": os.cpu_count(), "blas": blas_info(),
           "samples": args.samples, "repeats": args.repeats,
           "epochs_per_size": args.epochs_per_size, "warmup": args.warmup,
           "load_average_before": _load()}
    if not args.json:
        b = env["blas"]
        print(f"numpy {env['numpy']} (python {env['python']}), nnlab {env['nnlab']}, "
              f"{env['cpus']} CPUs; BLAS {b.get('name', '?')} {b.get('version', '')}"
              + (f", core {b['core']}" if "core" in b else "")
              + (f", {b['threads']} threads" if "threads" in b else "")
              + (f", env {b['env']}" if b["env"] else ""))
        print(f"load average {_load()} (the machine may be shared; see the note in the docstring)")
        print(f"{args.samples} samples, {args.repeats} interleaved repeats × "
              f"{args.epochs_per_size} epoch(s) per size; medians of seconds per epoch\n",
              flush=True)

    results = [bench_size(cfg, x, labels, args.repeats, args.epochs_per_size, args.warmup,
                          log=not args.json) for cfg in SIZES]

    env["load_average_after"] = _load()
    if args.json:
        print(json.dumps({"env": env, "results": results}, indent=2))
        return
    head = (f"{'network':<26} {'steps':>6} {'nnlab s/ep (min–max)':>20} "
            f"{'hand s/ep (min–max)':>20} {'ratio':>6} "
            f"{'nnlab incl. metrics':>20} {'metrics':>8}")
    print("\n" + head + "\n" + "-" * len(head))
    for r in results:
        nn, hd = r["raw"]["nnlab_s"], r["raw"]["hand_s"]
        print(f"{r['label']:<26} {r['steps_per_epoch']:>6} "
              f"{r['nnlab_s']:>6.3f} ({min(nn):.3f}–{max(nn):.3f}) "
              f"{r['hand_s']:>6.3f} ({min(hd):.3f}–{max(hd):.3f}) {r['ratio']:>6.2f} "
              f"{r['nnlab_incl_metrics_s']:>11.3f} ({r['ratio_incl_metrics']:.2f}×) "
              f"{r['metrics_s']:>8.3f}")
    print("\nratio = median nnlab / median hand (step loop only). Cross-checks against noise: "
          "median of the paired per-repeat ratios "
          + ", ".join(f"{r['paired_ratio_median']:.2f}" for r in results)
          + "; ratio of the fastest epochs "
          + ", ".join(f"{r['ratio_of_minima']:.2f}" for r in results) + ".")
    print("incl. metrics = whole Trainer.fit() epoch (steps + measure()), ratio to hand in ().")
    print("same-work check (one epoch on a few samples from the same weights and permutation): "
          "max |nnlab − hand| over all parameters = "
          + ", ".join(f"{r['equivalence_max_abs_diff']:.1e}" for r in results) + ".")
    print(f"load average now {env['load_average_after']}\n")
    for r in results:
        print(f"{r['label']}: nnlab {r['nnlab_s']:.3f} s/epoch, hand {r['hand_s']:.3f} s/epoch, "
              f"ratio {r['ratio']:.2f} (target ≤ {TARGET})")


if __name__ == "__main__":
    main()
