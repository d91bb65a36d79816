"""``nnlab check``: Karpathy's "A Recipe for Training Neural Networks" as sanity checks that
run in seconds, in the recipe's order — look at the data, check the loss at initialization,
initialize the output bias well, verify the units can learn and the gradients are right,
overfit a tiny batch, beat an input-independent baseline, pick the learning rate:

    from nnlab.tools.check import check_config
    report = check_config("configs/mnist_nielsen.yaml")
    for c in report.checks: print(c.status, c.name, c.measured)

Modules: ``report`` (Check, Report, Settings), ``setup`` (the arrays and reference losses),
``data``, ``init`` (loss, output bias, units at initialization), ``training`` (baseline,
overfit, gradient check), ``lr_range`` (the learning-rate range test, also `nnlab lr-find`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ...config import Config
from ...errors import NnlabError
from ...runs.experiment import Experiment, build
from . import data, init, training
from .lr_range import LRFind, lr_check, lr_range_test
from .report import STATUSES, Check, Report, Settings
from .setup import Setup

CheckFn = Callable[[Setup, Settings], Check]

CHECKS: list[tuple[str, CheckFn]] = [
    ("data: finite", lambda s, c: data.finite(s)),
    ("data: classes", lambda s, c: data.class_balance(s)),
    ("data: scale", lambda s, c: data.scale(s)),
    ("data: duplicates", lambda s, c: data.duplicates(s)),
    ("data: train/val overlap", lambda s, c: data.overlap(s)),
    ("data: target leak", lambda s, c: data.leak(s)),
    ("loss at init", lambda s, c: init.loss_at_init(s)),
    ("output bias", lambda s, c: init.output_bias_check(s)),
    ("units at init", lambda s, c: init.units_at_init(s)),
    ("gradient flow", lambda s, c: init.gradient_flow(s)),
    ("gradient check", lambda s, c: training.gradients(s)),
    ("overfit a tiny batch", training.overfit),
    ("input-independent baseline", training.baseline),
    ("learning rate", lambda s, c: lr_check(lr_range_test(s, c))),
]
"""Every check, in the recipe's order: (name, function of the setup and the budgets)."""


def check_experiment(exp: Experiment, settings: Settings | None = None,
                     target: str = "config") -> Report:
    """Run every check on ``exp`` (never changed: the checks that train work on copies).

    A check that cannot run on this experiment (e.g. a network of step units cannot be
    trained) reports FAIL with the reason instead of stopping the others.
    """
    cfg = settings or Settings()
    s = Setup.of(exp)
    checks = []
    for name, fn in CHECKS:
        try:
            checks.append(fn(s, cfg))
        except NnlabError as err:
            checks.append(Check(name, "FAIL", str(err), "the check could not run",
                                "fix the problem it names"))
    d = exp.dataset
    info = {"network": repr(exp.network), "loss": repr(exp.loss), "data": d.name,
            "task": d.task, "train": len(d.x_train), "settings": cfg.__dict__}
    return Report(target, checks, info)


def check_config(cfg: Config | str | Path | None = None, overrides: Sequence[str] = (),
                 settings: Settings | None = None) -> Report:
    """`check_experiment` of the experiment a config builds (path, `Config` or None)."""
    target = str(cfg) if isinstance(cfg, (str, Path)) else "config"
    return check_experiment(build(cfg, overrides), settings, target)


def lr_find(cfg: Config | str | Path | Experiment | None = None, overrides: Sequence[str] = (),
            settings: Settings | None = None) -> LRFind:
    """The learning-rate range test alone (`nnlab lr-find`)."""
    exp = cfg if isinstance(cfg, Experiment) else build(cfg, overrides)
    return lr_range_test(Setup.of(exp), settings or Settings())


__all__ = ["CHECKS", "STATUSES", "Check", "Report", "Settings", "LRFind", "check_experiment",
           "check_config", "lr_find", "lr_range_test"]
