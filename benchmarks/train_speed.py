"""Seconds per epoch: nnlab's training loop against the leanest hand-written NumPy loop.

    python benchmarks/train_speed.py                      # 50,000 samples, 5 rounds, 3 sizes
    python benchmarks/train_speed.py --samples 5000 --repeats 3 --only b10 b128   # quick
    python benchmarks/train_speed.py --json               # results as JSON instead of the table

Three networks on random float32 data (x ~ U(0, 1), one-hot random labels over 10 classes),
plain SGD η = 0.1, batch-mean loss:

* ``b10``: [784,30,10] sigmoid hidden and output, binary cross-entropy (Nielsen's network),
  weights ``nielsen``, biases N(0, 1), batch 10;
* ``b128``: [784,100,10] relu, softmax output, categorical cross-entropy, ``he_normal``, batch 128;
* ``b256``: [784,512,512,10] relu, softmax, categorical cross-entropy, ``he_normal``, batch 256.

Columns, all as ratios to "hand" (the step loop below) measured in the same run:

* "nnlab steps": ``Trainer.run_epoch`` — exactly the step loop ``nnlab train`` runs, inside a real
  ``Trainer.fit()`` epoch;
* "nnlab epoch": the whole ``fit()`` epoch, the steps plus the per-epoch metrics (loss and
  accuracy on every training sample, gradient norms and dead units on a 1,000-sample probe) —
  what ``nnlab train`` reports as epoch time;
* "torch": PyTorch eager, idiomatic (``nn.Sequential``, ``torch.optim.SGD``, the fused
  ``*_with_logits``/``cross_entropy`` loss, a ``randperm`` and per-batch indexing), when torch is
  importable (it is not an nnlab dependency).

"hand" is one permutation + fancy-index copy of the data per epoch, then per batch the matmuls
forward, δ = (a − t)·η/m, the matmuls backward (weight gradients into preallocated buffers) and
``W -= g`` in place right after each layer's gradient — same shapes, float32, starting weights and
batch-mean gradient as nnlab. Before timing, nnlab and the hand loop train a few hundred samples
from the same weights with the same permutation and must agree (a correctness check).

The loops alternate within one process (the order rotates every round); the table shows ratios of
the medians and the spread (min–max) of the per-round ratios. All loops run with ``--threads``
BLAS threads (default 1: the ratios then measure the Python and NumPy overhead, not the machine's
other load); torch gets the same number of threads. ``--clock cpu`` times the process's CPU time
instead of the wall clock: on a machine shared with other work the wall clock also counts the
time the process waited for a core, which the CPU clock does not (with one thread the two agree
on an idle machine). No timing assertions anywhere.

The last line is the peak memory of ``nnlab train configs/mnist_nielsen.yaml`` (one epoch, in a
subprocess, resource.getrusage) as a multiple of the float32 MNIST images (70,000 × 784 × 4
bytes), when MNIST is found (NNLAB_DATA_DIR); ``--no-memory`` skips it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

import nnlab  # noqa: E402
from nnlab.core import losses, optimizers, schedules  # noqa: E402
from nnlab.data import Dataset  # noqa: E402
from nnlab.runs.trainer import Trainer  # noqa: E402

N_CLASSES = 10
TARGETS = {"b10": (0.85, 1.15), "b128": (0.95, 1.4), "b256": (0.95, None)}  # steps, epoch
SIZES: dict[str, dict[str, Any]] = {
    "b10": {"label": "[784,30,10] sigmoid b=10", "sizes": [784, 30, 10], "hidden": "sigmoid",
            "output": "sigmoid", "loss": "binary_crossentropy", "batch": 10,
            "weight_init": "nielsen", "bias_init": {"name": "normal", "std": 1.0}},
    "b128": {"label": "[784,100,10] relu b=128", "sizes": [784, 100, 10], "hidden": "relu",
             "output": "softmax", "loss": "categorical_crossentropy", "batch": 128,
             "weight_init": "he_normal", "bias_init": "zeros"},
    "b256": {"label": "[784,512,512,10] relu b=256", "sizes": [784, 512, 512, 10],
             "hidden": "relu", "output": "softmax", "loss": "categorical_crossentropy",
             "batch": 256, "weight_init": "he_normal", "bias_init": "zeros"},
}
LR = 0.1


# --------------------------------------------------------------------------- the hand loop
def _act(z: np.ndarray, name: str) -> np.ndarray:
    """The activation in place: relu, sigmoid or (row-wise) softmax."""
    if name == "relu":
        return np.maximum(z, 0, out=z)
    if name == "softmax":
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1
    return np.reciprocal(z, out=z)


def hand_epoch(params: list[np.ndarray], x: np.ndarray, t: np.ndarray, bs: int,
               rng: np.random.Generator, hidden: str, output: str) -> None:
    """One epoch of mini-batch SGD written as leanly as plain NumPy allows (any depth).

    δᴸ is scaled by η/m once, so the matmuls yield η·∂L/∂W and each update is one ``W -= g``,
    applied right after that layer's gradient; weight gradients go into preallocated buffers.
    """
    ws, bs_ = params[0::2], params[1::2]
    gs = [np.empty_like(w) for w in ws]
    perm = rng.permutation(len(x))
    xs, ts = x[perm], t[perm]
    top = len(ws) - 1
    for k in range(0, len(xs), bs):
        acts = [xs[k:k + bs]]
        for i, (w, b) in enumerate(zip(ws, bs_)):
            z = acts[-1] @ w
            z += b
            acts.append(_act(z, output if i == top else hidden))
        d = acts.pop()
        d -= ts[k:k + bs]                             # δᴸ = a − t
        d *= LR / len(d)                              # η × gradient of the batch-MEAN loss
        for i in range(top, -1, -1):
            a = acts[i]
            if i:
                below = d @ ws[i].T
            np.matmul(a.T, d, out=gs[i])
            ws[i] -= gs[i]
            bs_[i] -= d.sum(axis=0)
            if i:
                if hidden == "relu":
                    below *= a > 0
                else:
                    below *= a * (1 - a)              # σ' = a(1 − a)
                d = below


# --------------------------------------------------------------------------- torch
def torch_epoch(cfg: dict[str, Any], params: list[np.ndarray], x: np.ndarray,
                labels: np.ndarray, t: np.ndarray, threads: int) -> Callable[[], None] | None:
    """An idiomatic PyTorch eager epoch of the same network from the same weights, or None."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    torch.set_num_threads(threads)
    mods: list[Any] = []
    for i in range(len(cfg["sizes"]) - 1):
        lin = torch.nn.Linear(cfg["sizes"][i], cfg["sizes"][i + 1])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(params[2 * i].T.copy()))
            lin.bias.copy_(torch.from_numpy(params[2 * i + 1].copy()))
        mods += [lin, torch.nn.ReLU() if cfg["hidden"] == "relu" else torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*mods[:-1])  # the output's activation is in the loss
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xt, tt, yt = torch.from_numpy(x), torch.from_numpy(t), torch.from_numpy(labels)
    gen = torch.Generator().manual_seed(3)
    sigmoid, bs, n = cfg["output"] == "sigmoid", cfg["batch"], len(x)

    def epoch() -> None:
        perm = torch.randperm(n, generator=gen)
        for k in range(0, n, bs):
            idx = perm[k:k + bs]
            z = model(xt[idx])
            if sigmoid:  # Nielsen's cross-entropy: summed over the outputs, mean over the batch
                loss = F.binary_cross_entropy_with_logits(z, tt[idx], reduction="sum") / len(idx)
            else:
                loss = F.cross_entropy(z, yt[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

    return epoch


# --------------------------------------------------------------------------- nnlab
def make_trainer(cfg: dict[str, Any], x: np.ndarray, labels: np.ndarray, seed: int) -> Trainer:
    net = nnlab.Network.build(cfg["sizes"], cfg["hidden"], cfg["output"],
                              weight_init=cfg["weight_init"], bias_init=cfg["bias_init"],
                              rng=np.random.default_rng(0), dtype=np.float32)
    ds = Dataset(name="random", task="classification", x_train=x, y_train=labels,
                 n_classes=N_CLASSES)
    return Trainer(net, ds, losses.get(cfg["loss"]), optimizers.get({"name": "sgd", "lr": LR}),
                   schedules.get("constant"), np.random.default_rng(seed),
                   epochs=1, batch_size=cfg["batch"], shuffle=True)


CLOCK: Callable[[], float] = time.perf_counter  # or time.process_time (--clock cpu)


class FitTimer:
    """Runs single `Trainer.fit()` epochs and splits their time into steps and metrics."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self.steps_time = 0.0
        run_epoch = trainer.run_epoch

        def timed_run_epoch(lr: float) -> bool:  # the trainer's own method, timed
            t0 = CLOCK()
            done = run_epoch(lr)
            self.steps_time = CLOCK() - t0
            return done

        trainer.run_epoch = timed_run_epoch  # type: ignore[method-assign]
        trainer.epochs = 0
        trainer.fit()  # epoch 0: the measurement at initialization (untimed)

    def epoch(self) -> tuple[float, float]:
        """(seconds of the step loop, seconds of the whole fit() epoch incl. metrics)."""
        tr = self.trainer
        tr.epochs, tr.state.stop_reason = tr.state.epoch + 1, None
        t0 = CLOCK()
        tr.fit()
        total = CLOCK() - t0
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
        tr.run_epoch(LR)
        hand_epoch(params, tr.x_train, tr.t_train, tr.bs, np.random.default_rng(123),
                   cfg["hidden"], cfg["output"])
    return max(float(np.max(np.abs(p - q))) for p, q in zip(tr.network.params(), params))


def bench_size(cfg: dict[str, Any], x: np.ndarray, labels: np.ndarray, args: Any) -> dict:
    diff = equivalence_check(cfg, x, labels)
    if diff > 1e-4:
        raise RuntimeError(f"{cfg['label']}: nnlab and the hand loop disagree (max |Δ| {diff})")
    trainer = make_trainer(cfg, x, labels, seed=1)
    timer = FitTimer(trainer)
    params = [p.copy() for p in trainer.network.params()]  # same starting weights
    xt, tt = trainer.x_train, trainer.t_train  # the same float32 arrays and one-hot targets
    hand_rng = np.random.default_rng(2)
    torch_run = None if args.no_torch else torch_epoch(cfg, params, xt, labels, tt, args.threads)

    def timed(fn: Callable[[], Any]) -> float:
        t0 = CLOCK()
        with np.errstate(over="ignore", invalid="ignore"):  # as fit(): exp(−z) may overflow
            fn()
        return CLOCK() - t0

    loops: dict[str, Callable[[], Any]] = {
        "nnlab": timer.epoch,
        "hand": lambda: hand_epoch(params, xt, tt, cfg["batch"], hand_rng, cfg["hidden"],
                                   cfg["output"])}
    if torch_run is not None:
        loops["torch"] = torch_run
    times: dict[str, list[float]] = {k: [] for k in ("steps", "epoch", "hand", "torch")}
    names = list(loops)
    for r in range(-args.warmup, args.repeats):  # negative rounds: untimed warm-up
        for who in names[r % len(names):] + names[:r % len(names)]:
            if who == "nnlab":
                steps, total = timer.epoch()
                if r >= 0:
                    times["steps"].append(steps)
                    times["epoch"].append(total)
            else:
                s = timed(loops[who])
                if r >= 0:
                    times[who].append(s)
        if r >= 0 and not args.json:
            print(f"  {cfg['label']}: round {r + 1}/{args.repeats}: "
                  + ", ".join(f"{k} {v[-1]:.3f} s" for k, v in times.items() if v), flush=True)
    return summarize(cfg, times, diff, len(x))


def summarize(cfg: dict[str, Any], times: dict[str, list[float]], diff: float, n: int) -> dict:
    med = statistics.median
    hand = times["hand"]
    res: dict[str, Any] = {"label": cfg["label"], "batch_size": cfg["batch"],
                           "steps_per_epoch": -(-n // cfg["batch"]), "hand_s": med(hand),
                           "equivalence_max_abs_diff": diff, "raw": times}
    for key in ("steps", "epoch", "torch"):
        if times[key]:
            per_round = [a / b for a, b in zip(times[key], hand)]
            res[key] = {"ratio": med(times[key]) / med(hand), "min": min(per_round),
                        "max": max(per_round), "s": med(times[key])}
    return res


# --------------------------------------------------------------------------- memory
def mnist_peak() -> dict[str, Any] | None:
    """Peak RSS of a one-epoch `nnlab train configs/mnist_nielsen.yaml`, or None without MNIST."""
    if not os.environ.get("NNLAB_DATA_DIR"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
                "stdout=subprocess.DEVNULL); print(resource.getrusage("
                "resource.RUSAGE_CHILDREN).ru_maxrss)")
        cmd = [sys.executable, "-c", code, sys.executable, "-m", "nnlab.cli", "train",
               str(ROOT / "configs" / "mnist_nielsen.yaml"), "--set", "train.epochs=1",
               "--runs-dir", tmp, "--quiet"]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
        out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1:]}
    peak = int(out.stdout.split()[-1]) * 1024  # ru_maxrss is in KiB on Linux
    data = 70_000 * 784 * 4
    return {"peak_mib": peak / 2**20, "data_mib": data / 2**20, "ratio": peak / data}


# --------------------------------------------------------------------------- report
def _load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def report(results: list[dict[str, Any]], env: dict[str, Any], memory: Any) -> None:
    def cell(r: dict[str, Any], key: str) -> str:
        v = r.get(key)
        return f"{v['ratio']:.2f} ({v['min']:.2f}–{v['max']:.2f})" if v else "–"

    head = (f"{'network':<28} {'steps':>6} {'hand s/ep':>9} {'nnlab steps':>18} "
            f"{'nnlab epoch':>18} {'torch':>18}")
    print("\n" + head + "\n" + "-" * len(head))
    for r in results:
        print(f"{r['label']:<28} {r['steps_per_epoch']:>6} {r['hand_s']:>9.3f} "
              f"{cell(r, 'steps'):>18} {cell(r, 'epoch'):>18} {cell(r, 'torch'):>18}")
    print("\nratios to the hand loop's median epoch (spread of the per-round ratios); targets: "
          + "; ".join(f"{k} steps ≤ {s}" + (f", epoch ≤ {e}" if e else "")
                      for k, (s, e) in TARGETS.items()))
    if not any(r.get("torch") for r in results):
        print("torch: torch not installed")
    print("same-work check, max |nnlab − hand| after one epoch on a few samples: "
          + ", ".join(f"{r['equivalence_max_abs_diff']:.1e}" for r in results))
    print(f"load average before {env['load_before']}, after {env['load_after']}")
    if memory == "skipped":
        pass
    elif memory is None:
        print("peak memory: MNIST not found (set NNLAB_DATA_DIR)")
    elif "error" in memory:
        print(f"peak memory: the MNIST run failed: {memory['error']}")
    else:
        print(f"peak memory of nnlab train configs/mnist_nielsen.yaml (1 epoch): "
              f"{memory['peak_mib']:.0f} MiB = {memory['ratio']:.2f}× the float32 images "
              f"({memory['data_mib']:.0f} MiB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=50_000, help="training samples (50000)")
    ap.add_argument("--repeats", type=int, default=5, help="timed rounds per size (5)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed rounds per size (1)")
    ap.add_argument("--threads", type=int, default=1, help="BLAS (and torch) threads (1)")
    ap.add_argument("--only", nargs="+", choices=list(SIZES), default=list(SIZES))
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch column")
    ap.add_argument("--no-memory", action="store_true", help="skip the MNIST peak memory")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="wall clock, or the process's CPU time on a shared machine (wall)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random data (0)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args()
    if args.samples < 1 or args.repeats < 1 or args.warmup < 0 or args.threads < 1:
        ap.error("--samples, --repeats, --threads must be >= 1 and --warmup >= 0")
    from threadpoolctl import threadpool_info, threadpool_limits

    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    rng = np.random.default_rng(args.seed)
    x = rng.random((args.samples, 784), dtype=np.float32)
    labels = rng.integers(0, N_CLASSES, size=args.samples)
    blas = [{k: i.get(k) for k in ("internal_api", "version", "architecture")}
            for i in threadpool_info() if i.get("user_api") == "blas"]
    env = {"python": platform.python_version(), "numpy": np.__version__,
           "nnlab": nnlab.__version__, "cpus": os.cpu_count(), "blas": blas,
           "threads": args.threads, "clock": args.clock, "samples": args.samples,
           "repeats": args.repeats,
           "load_before": _load()}
    if not args.json:
        print(f"numpy {env['numpy']} (python {env['python']}), nnlab {env['nnlab']}, "
              f"{env['cpus']} CPUs, BLAS {blas}, {args.threads} thread(s), {args.clock} clock; "
              f"load {_load()}")
        print(f"{args.samples} samples, {args.repeats} rounds (+{args.warmup} warm-up)\n",
              flush=True)
    with threadpool_limits(args.threads, user_api="blas"):
        results = [bench_size(SIZES[k], x, labels, args) for k in args.only]
    env["load_after"] = _load()
    memory = "skipped" if args.no_memory else mnist_peak()
    if args.json:
        print(json.dumps({"env": env, "results": results, "memory": memory}, indent=2))
    else:
        report(results, env, memory)


if __name__ == "__main__":
    main()
