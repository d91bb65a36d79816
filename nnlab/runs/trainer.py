"""The training loop: mini-batch gradient descent, per-epoch metrics, early stopping, checkpoints.

One epoch = one pass over the shuffled training set in batches of ``batch_size`` (``full`` =
full-batch gradient descent, 1 = online learning). After each epoch (every ``eval_every``-th
epoch and the last, for long runs) the loss and metrics are measured on the whole training and
validation sets in evaluation mode (no dropout), plus the norm of ∂C/∂W and ∂C/∂b per layer on a
fixed probe of training samples (Nielsen's "speed of learning", ‖δˡ‖ = ‖∂C/∂bˡ‖), and per hidden
layer the fraction of dead units (f'(z) = 0 on every probe sample). Epoch 0 is the network at
initialization. Everything that looks at the metrics (best epoch, early stopping, plateau
schedules, divergence, tolerance, checkpoints) acts at these evaluations; patience counts them.

L2 regularization uses Nielsen's convention C = C₀ + (λ/2n) Σ w² (`nnlab.core.metrics`).

Stopping rules: ``epochs``; early stopping (``patience`` epochs without an improvement of the
monitor); divergence (NaN/inf loss); and, with ``tolerance`` ε, convergence — the popular
article's rule "stop when the step becomes smaller than a threshold": after every epoch
‖Δθ‖ = ‖θ(end of epoch) − θ(start of epoch)‖ over all parameters is recorded as
``update_norm``, and the run stops with reason ``converged`` once ‖Δθ‖ < ε. With full-batch
gradient descent an epoch is one step, ‖Δθ‖ = η‖∇C‖, exactly the article's rule.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.activations import const
from ..core.batchnorm import batch_statistics, norms
from ..core.losses import Loss
from ..core.metrics import dead_fraction, l2_penalty, score
from ..core.network import Network
from ..core.optimizers import Optimizer
from ..core.schedules import Schedule
from ..data.base import Dataset
from .threads import limited

FINISHED = ("completed", "early_stopping", "converged")
"""Stop reasons of a run that ended by its own rules (not interrupted, not diverged)."""
GATHER_BYTES = 256 * 1024  # rows gathered at a time for small batches (stay in a core's cache)


@dataclass
class TrainState:
    """Everything besides weights and optimizer state that a resumed run needs."""

    epoch: int = 0                 # completed epochs
    step: int = 0                  # completed steps inside the current epoch (after an interrupt)
    best_value: float = math.inf
    best_epoch: int = 0
    bad_epochs: int = 0            # epochs without an improvement > min_delta (early stopping)
    reference: float = math.inf    # the value early stopping measures improvements against
    elapsed: float = 0.0           # training wall time so far, seconds
    rng_state: dict | None = None
    epoch_rng_state: dict | None = None
    stop_reason: str | None = None
    threads: int | None = None     # BLAS threads (kept by a resumed run)

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, text: str) -> TrainState:
        return cls(**json.loads(text))


@dataclass
class Trainer:
    """Trains ``network`` on ``dataset``; knows nothing about files or printing.

    Callbacks: ``on_epoch(record)`` after every evaluated epoch (including epoch 0),
    ``on_step(epoch, step, steps)`` every 50 steps and after the last, ``should_stop()`` polled
    after each step.
    ``on_checkpoint(kind, trainer)`` is called for ``"last"`` and ``"best"``.
    """

    network: Network
    dataset: Dataset
    loss: Loss
    optimizer: Optimizer
    schedule: Schedule
    rng: np.random.Generator
    epochs: int = 100
    batch_size: int | str = 32
    shuffle: bool = True
    l2: float = 0.0
    monitor: str = "val_loss"
    patience: int | None = None
    min_delta: float = 0.0
    restore_best: bool = True
    probe_size: int = 1000
    checkpoint_every: int = 1
    tolerance: float | None = None
    eval_every: int = 1
    threads: int | None = None  # BLAS threads for the whole run; None: leave them as they are
    on_epoch: Callable[[dict[str, Any]], None] | None = None
    on_step: Callable[[int, int, int], None] | None = None
    should_stop: Callable[[], bool] = lambda: False
    on_checkpoint: Callable[[str, Trainer], None] | None = None
    state: TrainState = field(default_factory=TrainState)
    best_params: list[np.ndarray] | None = None
    epoch_start: list[np.ndarray] | None = None  # θ at the start of the epoch (tolerance only)

    def __post_init__(self) -> None:
        units, dtype = self.network.layers[-1].units, self.network.dtype
        d = self.dataset
        self.x_train = np.asarray(d.x_train, dtype=dtype)
        self.t_train = d.targets(d.y_train, units, dtype)
        self.x_val = self.t_val = None
        if d.x_val is not None and len(d.x_val):
            self.x_val = np.asarray(d.x_val, dtype=dtype)
            self.t_val = d.targets(d.y_val, units, dtype)
        n = len(self.x_train)
        probe = min(self.probe_size, n)
        # copies: the layers keep their last input, which must not pin the whole training set
        self.x_probe, self.t_probe = self.x_train[:probe].copy(), self.t_train[:probe].copy()
        self.bs = n if self.batch_size == "full" else min(int(self.batch_size), n)
        if self.monitor.startswith("val_") and self.x_val is None:
            self.monitor = self.monitor[4:]
        self.classification = d.task == "classification"

    # ------------------------------------------------------------------ metrics
    def measure(self) -> dict[str, Any]:
        """Loss/accuracy on train and validation sets and per-layer gradient norms on the probe."""
        rec: dict[str, Any] = {}
        penalty = l2_penalty(self.network, self.l2, len(self.x_train))
        for prefix, x, t in (("", self.x_train, self.t_train), ("val_", self.x_val, self.t_val)):
            if x is not None:
                rec |= score(self.network, self.loss, x, t, classification=self.classification,
                             penalty=penalty, prefix=prefix)
        with batch_statistics(self.network):  # BN: the probe's own statistics, as a step sees it
            self.network.forward(self.x_probe)
            self.network.backward(self.t_probe, self.loss)
        rec["grad_norm_w"] = [float(np.linalg.norm(layer.gW)) for layer in self.network.layers]
        rec["grad_norm_b"] = [float(np.linalg.norm(layer.gb)) if layer.gb is not None else None
                              for layer in self.network.layers]  # β for a normalized layer
        if norms(self.network):
            rec["grad_norm_gamma"] = [float(np.linalg.norm(layer.norm.g_gamma))
                                      if hasattr(layer, "norm") else None
                                      for layer in self.network.layers]
        rec["dead_fraction"] = [dead_fraction(layer) for layer in self.network.layers[:-1]]
        return rec

    # ------------------------------------------------------------------ loop
    def fit(self) -> TrainState:
        """Train until ``epochs``, early stopping, divergence or ``should_stop()``."""
        st = self.state
        if st.threads is None:
            st.threads = self.threads  # a resumed run keeps the count it started with
        with limited(st.threads):
            return self._fit()

    def _fit(self) -> TrainState:
        st = self.state
        if st.epoch == 0 and st.step == 0:
            start = {} if self.tolerance is None else {"update_norm": None}
            self._end_epoch(self.measure() | {"lr": None} | start, 0.0)
        unrecorded = 0.0  # seconds of the epochs since the last record
        while st.epoch < self.epochs and st.stop_reason is None:
            t0 = time.perf_counter()
            lr = self.schedule.lr(st.epoch, self.optimizer.lr, self.epochs)
            if self.tolerance is not None and (st.step == 0 or self.epoch_start is None):
                self.epoch_start = [p.copy() for p in self.network.params()]
            finished = self.run_epoch(lr)
            if not finished:
                st.elapsed += time.perf_counter() - t0
                st.stop_reason = "interrupted"
                self._checkpoint("last")
                return st
            st.epoch, st.step = st.epoch + 1, 0
            record = None
            if st.epoch % self.eval_every == 0 or st.epoch == self.epochs:
                with np.errstate(over="ignore", invalid="ignore"):
                    record = self.measure() | {"lr": lr} | self._update_norm()
            seconds = time.perf_counter() - t0
            st.elapsed, unrecorded = st.elapsed + seconds, unrecorded + seconds
            if record is not None:
                self._end_epoch(record, unrecorded)
                unrecorded = 0.0
        if st.stop_reason is None:
            st.stop_reason = "completed"
        if st.stop_reason in FINISHED:
            self._checkpoint("last")
            if st.stop_reason == "early_stopping" and self.best_params is not None:
                for p, best in zip(self.network.arrays().values(), self.best_params):
                    p[...] = best
        return st

    def run_epoch(self, lr: float) -> bool:
        """One pass of mini-batch updates at learning rate ``lr``; False if stopped midway.

        Per step: gather the batch's rows (no shuffled copy of the data set), forward, δᴸ, then
        from the top layer down each layer's gradients, ∂C/∂W += (λ/n)W when L2 is on, and its
        optimizer update (`Network.stepper`, bound once per epoch). For plain SGD, η is folded
        into δᴸ, so the gradients come out as η∂C/∂θ and the update is a single subtraction per
        tensor.
        """
        st, net, opt = self.state, self.network, self.optimizer
        n, bs = len(self.x_train), self.bs
        steps = math.ceil(n / bs)
        scale = lr if opt.plain else 1.0
        update = self._updater(lr, scale)
        step = net.stepper(self.loss, update, self.rng, scale)
        params, begin, on_step = net.params(), opt.begin_step, self.on_step
        should_stop = self.should_stop
        batches = self._batches(n, steps)
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported by fit()
            for k in range(st.step, steps):
                x, t = batches(k)
                begin(params)
                step(x, t)
                st.step = k + 1
                if should_stop():
                    return False
                if on_step is not None and (st.step % 50 == 0 or st.step == steps):
                    on_step(st.epoch + 1, st.step, steps)
        st.step = 0
        return True

    def _update_norm(self) -> dict[str, float]:
        """``{"update_norm": ‖θ − θ(start of epoch)‖}`` when a tolerance is set, else {}."""
        if self.tolerance is None or self.epoch_start is None:
            return {}
        sq = sum(float(np.sum(np.square(p - p0, dtype=np.float64)))
                 for p, p0 in zip(self.network.params(), self.epoch_start))
        self.epoch_start = None
        return {"update_norm": math.sqrt(sq)}

    def _updater(self, lr: float, scale: float) -> Callable[[int], None] | None:
        """``update(i)`` for layer i after its backward pass: the L2 term, then the optimizer;
        None for plain SGD without L2 (the step then subtracts the η-scaled gradients itself)."""
        net, opt = self.network, self.optimizer
        if opt.plain and not self.l2:
            return None
        weights = {id(w) for w in net.weights()}  # L2 applies to these (biases excluded)
        l2 = self.l2 / len(self.x_train) * scale  # (λ/n), times η when folded into δᴸ
        coef = const(l2, net.dtype)
        pairs, tensors, decayed, first = [], [], [], 0
        for layer in net.layers:
            ps, gs = layer.params(), layer.grads()
            pairs.append(list(zip(ps, gs)))
            tensors.append(list(zip(range(first, first + len(ps)), ps, gs)))
            decayed.append([(p, g, np.empty_like(p)) for p, g in zip(ps, gs) if id(p) in weights])
            first += len(ps)
        plain = opt.plain

        def update(i: int) -> None:
            if l2:
                for w, gw, scratch in decayed[i]:  # ∂C/∂w += (λ/n)·w, without a temporary
                    gw += np.multiply(w, coef, scratch)
            if plain:  # the gradients already carry η: p ← p − η∂C/∂p
                for p, g in pairs[i]:
                    p -= g
            else:
                for j, p, g in tensors[i]:
                    opt.update(j, p, g, lr)

        return update

    def _batches(self, n: int, steps: int) -> Callable[[int], tuple[np.ndarray, np.ndarray]]:
        """``batch(k)`` = (x, t) of step k: the rows of this epoch's permutation, gathered into
        reused buffers (a shuffled copy of the whole set would double the data in memory).

        Small batches are gathered several at a time (``GATHER_BYTES`` of rows, which stay in
        cache for their steps): one `take` then serves them all, and reads memory faster.
        """
        x, t, bs = self.x_train, self.t_train, self.bs
        order = self._epoch_order(n)
        if order is None:
            return lambda k: (x[k * bs:(k + 1) * bs], t[k * bs:(k + 1) * bs])
        per = max(1, GATHER_BYTES // max(1, bs * x[:1].nbytes))  # batches per gather
        size = per * bs
        xb = np.empty((min(size, n), *x.shape[1:]), x.dtype)
        tb = np.empty((min(size, n), *t.shape[1:]), t.dtype)
        gathered = -1  # the chunk of batches in the buffers

        def batch(k: int) -> tuple[np.ndarray, np.ndarray]:
            nonlocal gathered
            chunk, i = divmod(k, per)
            if chunk != gathered:
                rows = order[chunk * size:(chunk + 1) * size]
                # mode "clip" (the rows are valid anyway) lets take write straight into buffers
                x.take(rows, 0, xb[:len(rows)], "clip")
                t.take(rows, 0, tb[:len(rows)], "clip")
                gathered = chunk
            lo = i * bs
            hi = min(lo + bs, n - chunk * size)  # the last chunk may be short
            return xb[lo:hi], tb[lo:hi]

        return batch

    def _epoch_order(self, n: int) -> np.ndarray | None:
        """This epoch's permutation (None without shuffling); a mid-epoch resume redraws it."""
        st = self.state
        if not self.shuffle:
            return None
        now = self.rng.bit_generator.state
        if st.step == 0 or st.epoch_rng_state is None:
            st.epoch_rng_state = now
        else:
            self.rng.bit_generator.state = st.epoch_rng_state
        perm = self.rng.permutation(n)
        if st.step:
            self.rng.bit_generator.state = now  # continue the dropout stream where it stopped
        return perm

    def _end_epoch(self, record: dict[str, Any], seconds: float) -> None:
        """Book an evaluation: ``seconds`` = the epochs since the last one, metrics included."""
        st = self.state
        record = {"epoch": st.epoch, **record, "time": round(seconds, 6)}
        value = record.get(self.monitor, record["loss"])
        if "accuracy" in self.monitor:
            value = -value  # accuracies are maximized; the bookkeeping below minimizes
        if not all(math.isfinite(record[k]) for k in ("loss", "val_loss") if k in record):
            st.stop_reason = "diverged"
            if self.on_epoch:
                self.on_epoch(record)
            return
        self.schedule.observe(st.epoch, record)
        improved = value < st.reference - self.min_delta
        if improved:
            st.reference = value
        if value < st.best_value:
            st.best_value, st.best_epoch = value, st.epoch
            if self.restore_best and self.patience:
                self.best_params = [p.copy() for p in self.network.arrays().values()]
        if st.epoch > 0:
            st.bad_epochs = 0 if improved else st.bad_epochs + 1
            st.stop_reason = self._stop_rule(record)
        if self.on_epoch:
            self.on_epoch(record)
        if st.best_epoch == st.epoch:
            self._checkpoint("best")
        if st.epoch % self.checkpoint_every == 0 and st.stop_reason is None:
            self._checkpoint("last")

    def _stop_rule(self, record: dict[str, Any]) -> str | None:
        """Early stopping after ``patience`` bad epochs; ``converged`` once ‖Δθ‖ < tolerance."""
        if self.patience and self.state.bad_epochs >= self.patience:
            return "early_stopping"
        if self.tolerance is not None and record.get("update_norm", math.inf) < self.tolerance:
            return "converged"
        return None

    def _checkpoint(self, kind: str) -> None:
        if self.on_checkpoint is not None:
            self.state.rng_state = self.rng.bit_generator.state
            self.on_checkpoint(kind, self)
