"""The memory a run will allocate, estimated before it allocates anything.

A layer of 10⁶ × 10⁶ weights, a label 10¹² (10¹² one-hot columns) or a full batch of 10⁷ rows
through 20 000 units would need terabytes: without this estimate NumPy starts allocating and
the machine swaps, or a MemoryError surfaces deep in the trainer. `check` adds up what training
allocates on top of the loaded data and refuses, with the numbers, when the machine does not
have that much free (`nnlab.memory.available`)::

    parameters P = Σ (fan_in + 1)·fan_out      × (1 weights + 1 gradients + 2 optimizer slots)
    targets        n_train + n_val rows × output units (one-hot for classification)
    gathered batch batch × (features + output units), the rows of each step
    one batch      batch × Σ units × 4 (z, a, δ and a dropout mask per layer)
    evaluation     min(n, EVAL_CHUNK) × Σ units × 2 (z and a, in chunks)

each times the bytes of ``train.dtype``, plus the per-epoch history the run keeps and rewrites
(metrics.jsonl): `RECORD_BYTES` + `LAYER_BYTES` per layer for every measured epoch (≈ 4.4 KB
per epoch of a 3-layer network measured at the peak of a rewrite), so that
``train.epochs: 100000000000`` is refused instead of filling the memory over days. It is an
upper bound of the big arrays, not of every temporary, so it errs on the side of running.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core.network import EVAL_CHUNK
from ..memory import check

OPTIMIZER_SLOTS = 2  # Adam keeps two moments per parameter; SGD with momentum one
RECORD_BYTES, LAYER_BYTES = 1536, 1024  # one epoch's metrics (a dict, its JSON and CSV lines)


def estimate(sizes: Sequence[int], n_train: int, n_val: int, batch: int | str,
             itemsize: int) -> dict[str, int]:
    """Bytes by part for a network of layer ``sizes`` (input first) trained on the data."""
    params = sum((int(a) + 1) * int(b) for a, b in zip(sizes[:-1], sizes[1:]))
    units = sum(int(u) for u in sizes[1:])
    features, outputs = int(sizes[0]), int(sizes[-1])
    rows = n_train if batch == "full" else min(int(batch), n_train)
    return {
        "parameters, gradients and optimizer state": params * (2 + OPTIMIZER_SLOTS) * itemsize,
        "targets": (n_train + n_val) * outputs * itemsize,
        "the gathered batch": rows * (features + outputs) * itemsize,
        "one batch's activations": rows * units * 4 * itemsize,
        "evaluation": min(max(n_train, n_val), EVAL_CHUNK) * units * 2 * itemsize,
    }


def history_bytes(epochs: int, eval_every: int, layers: int) -> int:
    """What the per-epoch metrics of a training of ``epochs`` take in memory at their peak."""
    return (epochs // max(1, eval_every) + 2) * (RECORD_BYTES + LAYER_BYTES * layers)


def check_run(sizes: Sequence[int], n_train: int, n_val: int, batch: int | str,
              itemsize: int, epochs: int | None = None, eval_every: int = 1) -> None:
    """Refuse (`nnlab.memory.OutOfMemory`, one line) a run whose arrays would not fit; with
    ``epochs`` (a training is about to start) also counting the per-epoch metrics it keeps —
    only training keeps them, so scoring or drawing a run of many epochs is not refused."""
    parts = estimate(sizes, n_train, n_val, batch, itemsize)
    if epochs is not None:
        parts["the per-epoch metrics"] = history_bytes(epochs, eval_every, len(sizes) - 1)
        if parts["the per-epoch metrics"] > sum(parts.values()) / 2:  # the epochs are to blame
            check(sum(parts.values()), f"train.epochs: {epochs:,} (measured every {eval_every})",
                  parts, "train fewer epochs, or measure every N with train.eval_every: N")
    check(sum(parts.values()), f"this network ({' → '.join(map(str, sizes))})", parts,
          "make model.hidden smaller, or train.batch_size, data.n or the number of classes")
