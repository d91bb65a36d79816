"""Checks that train briefly: the input-independent baseline, overfitting a tiny batch, and the
gradient check.

Each training here is the experiment's own `Trainer` step loop (`Trainer.run_epoch`: its
optimizer, batch size, regularization, dropout) on a copy of the network at its initial
weights, at the configured learning rate (schedules ignored), for a budget of steps rather
than the config's epochs, on at most `Settings.subset` training rows. L2's λ is scaled to the
subset so that λ/n — what the update sees — stays the config's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from ...core.metrics import score
from ...errors import NnlabError
from ...runs.trainer import Trainer
from ..gradcheck import Settings as GradSettings
from ..gradcheck import check_experiment
from .report import Check, Settings
from .setup import Setup, subset


def trainer_for(s: Setup, dataset: Any, *, regularize: bool = True, n_full: int | None = None,
                full_batch: bool = False) -> Trainer:
    """The experiment's trainer for a fresh copy of it on ``dataset``. ``regularize=False``
    switches off L2, weight decay and dropout (to overfit); ``full_batch`` makes every step
    use the whole ``dataset``."""
    exp = s.fresh(dataset)
    trainer = exp.trainer()
    n = len(trainer.x_train)
    if full_batch:
        trainer.bs = n
    trainer.l2 = trainer.l2 * n / (n_full or n) if regularize else 0.0
    if not regularize:
        exp.optimizer.weight_decay = 0.0
        for layer in exp.network.layers:
            layer.dropout = 0.0
    return trainer


def train_until(trainer: Trainer, max_steps: int, every: int,
                done: Callable[[], bool]) -> int:
    """Run epochs of ``trainer`` until ``done()`` (asked about every ``every`` steps) or
    ``max_steps``; returns the steps taken."""
    per_epoch = math.ceil(len(trainer.x_train) / trainer.bs)
    epochs = max(1, math.ceil(max_steps / per_epoch))
    check_every = max(1, every // per_epoch)
    for epoch in range(1, epochs + 1):
        trainer.run_epoch(trainer.optimizer.lr)
        if epoch % check_every == 0 or epoch == epochs:
            with np.errstate(all="ignore"):
                if done():
                    return epoch * per_epoch
    return epochs * per_epoch


def _scores(trainer: Trainer, val: bool) -> dict[str, float]:
    """Data loss (no L2 term) and accuracy on the validation rows (or the training rows)."""
    x, t = (trainer.x_val, trainer.t_val) if val else (trainer.x_train, trainer.t_train)
    with np.errstate(all="ignore"):
        return score(trainer.network, trainer.loss, x, t,
                     classification=trainer.classification)


def baseline(s: Setup, cfg: Settings) -> Check:
    """The same training with every input set to zero must end clearly worse.

    The real run trains until its loss is below 0.9 × the best input-independent loss (the
    prior, which the zeroed run approaches), diverges, or the budget is spent; the zeroed run
    then gets the same number of steps.
    """
    d = s.exp.dataset
    if len(d.x_train) < 2 or np.all(s.t == s.t[:1]):
        return Check("input-independent baseline", "SKIP", f"{len(d.x_train)} training "
                     "sample(s), one target", "zeroed inputs lose nothing when there is only "
                     "one target to learn")
    small = subset(d, cfg.subset, cfg.subset // 2)
    zeroed = replace(small, x_train=np.zeros_like(small.x_train),
                     x_val=None if small.x_val is None else np.zeros_like(small.x_val))
    val = small.x_val is not None and len(small.x_val) > 0
    real = trainer_for(s, small, n_full=len(d.x_train))
    t_ref = real.t_val if val else real.t_train
    target = 0.9 * (s.prior(t_ref) or s.chance(t_ref))
    bs = real.bs
    budget = max(1, min(cfg.steps, cfg.samples // bs))

    def learned_or_diverged() -> bool:
        loss = _scores(real, val)["loss"]
        return not math.isfinite(loss) or loss <= target

    steps = train_until(real, budget, max(1, budget // 10), learned_or_diverged)
    zero = trainer_for(s, zeroed, n_full=len(d.x_train))
    train_until(zero, steps, steps, lambda: False)
    return _baseline_verdict(s, _scores(real, val), _scores(zero, val), val, steps,
                             len(small.x_train))


def _baseline_verdict(s: Setup, real: dict[str, float], zero: dict[str, float], val: bool,
                      steps: int, n: int) -> Check:
    key = "val_loss" if val else "loss"
    l_real, l_zero = real["loss"], zero["loss"]
    values = {"metric": key, "with_inputs": l_real, "inputs_zeroed": l_zero, "steps": steps}
    measured = (f"{key} {l_real:.4g} with the inputs vs {l_zero:.4g} with every input zeroed, "
                f"after {steps:,} steps on {n:,} samples")
    if "accuracy" in real:
        values |= {"acc_with_inputs": real["accuracy"], "acc_inputs_zeroed": zero["accuracy"]}
        measured += f" ({key[:-4]}accuracy {real['accuracy']:.3f} vs {zero['accuracy']:.3f})"
    if not math.isfinite(l_real):
        return Check("input-independent baseline", "FAIL", measured, "training diverged "
                     "(NaN/inf loss) within a few hundred steps", "lower optimizer.lr "
                     "(see the learning-rate range test)", values)
    if l_real <= 0.9 * l_zero:
        return Check("input-independent baseline", "PASS", measured, "the network uses its "
                     "inputs", values=values)
    status = "FAIL" if l_real >= 0.98 * l_zero else "WARN"
    return Check("input-independent baseline", status, measured, "the network learns (next "
                 "to) nothing from its inputs that zeros would not give it",
                 "check that labels belong to their inputs (shuffled?), the learning rate "
                 "and the data pipeline; a slow starter needs longer (vanishing gradients?)",
                 values)


def _tiny_batch(s: Setup, k: int) -> np.ndarray:
    """Indices of the first ``k`` training samples with distinct inputs."""
    _, first = np.unique(np.ascontiguousarray(s.x[: 50 * k]), axis=0, return_index=True)
    return np.sort(first)[:k]


def overfit(s: Setup, cfg: Settings) -> Check:
    """A few samples, no regularization, full batch: the loss must go to (near) zero."""
    d = s.exp.dataset
    idx = _tiny_batch(s, cfg.overfit)
    tiny = replace(d, x_train=d.x_train[idx], y_train=d.y_train[idx], x_val=None, y_val=None)
    trainer = trainer_for(s, tiny, regularize=False, full_batch=True)
    chance = s.chance(s.t[idx])
    goal = (0.05 if s.classification else 0.02) * chance
    start = _scores(trainer, False)

    def reached() -> bool:
        now = _scores(trainer, False)
        return now["loss"] <= goal and now.get("accuracy", 1.0) == 1.0

    steps = train_until(trainer, cfg.overfit_steps, 25, reached)
    end = _scores(trainer, False)
    values = {"samples": len(idx), "steps": steps, "initial": start["loss"],
              "final": end["loss"], "chance": chance}
    measured = (f"loss {start['loss']:.4g} → {end['loss']:.4g} in {steps:,} full-batch steps "
                f"on {len(idx)} samples (chance {chance:.4g})")
    if math.isfinite(end["loss"]) and end["loss"] <= goal and end.get("accuracy", 1.0) == 1.0:
        return Check("overfit a tiny batch", "PASS", measured, "the network can memorize: "
                     "model, loss and optimizer are wired up right", values=values)
    if not math.isfinite(end["loss"]) or end["loss"] >= 0.9 * start["loss"]:
        why = "diverged (NaN/inf)" if not math.isfinite(end["loss"]) else "hardly moved"
        return Check("overfit a tiny batch", "FAIL", measured, f"the loss {why}: a network "
                     "that cannot memorize a few samples has a bug, an lr far off, or units "
                     "that cannot learn", "check optimizer.lr (see the range test), the "
                     "initialization and the loss", values)
    return Check("overfit a tiny batch", "WARN", measured, "the loss falls but not to near "
                 "zero within the budget", "a larger lr, more capacity, or a network that "
                 "starts learning faster (see units at init)", values)


def gradients(s: Setup) -> Check:
    """Backpropagation against central differences (`nnlab gradcheck`), a few samples."""
    try:
        report = check_experiment(s.exp, GradSettings(samples=4, max_per_tensor=50), "check")
    except NnlabError as err:
        return Check("gradient check", "SKIP", str(err), "nothing to check")
    worst = max((c.max_error for c in report.checks if c.max_error is not None), default=0.0)
    values = {"tensors": len(report.checks), "max_rel_error": worst,
              "failed": [c.label for c in report.failed]}
    measured = (f"{len(report.checks)} tensors, max relative error {worst:.1e} (float64, "
                f"4 samples)")
    if report.passed:
        return Check("gradient check", "PASS", measured, "backpropagation agrees with finite "
                     "differences", values=values)
    return Check("gradient check", "FAIL", measured + "; failed: " + ", ".join(values["failed"]),
                 "the backward pass disagrees with the forward pass",
                 "run nnlab gradcheck CONFIG for the details", values)
