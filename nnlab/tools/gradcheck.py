"""``nnlab gradcheck`` of a config or a run: the network's gradients on a few real training
samples, in float64, with the loss and L2 term of the config (the check itself is
`nnlab.core.gradcheck`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..config import Config
from ..core.component_checks import check_components
from ..core.gradcheck import Report, Settings, check_network
from ..runs.experiment import Experiment, build
from .evaluation import open_run


def check_experiment(exp: Experiment, settings: Settings | None = None,
                     target: str = "config") -> Report:
    """Check the experiment's network (a float64 copy) on ``samples`` random training samples,
    with its loss and its L2 term."""
    s = settings or Settings()
    d = exp.dataset
    n_train = len(d.x_train)
    pick = np.random.default_rng(np.random.SeedSequence(s.seed).spawn(2)[0])
    idx = np.sort(pick.choice(n_train, min(s.samples, n_train), replace=False))
    net = exp.network.astype(np.float64)
    x = np.asarray(d.x_train[idx], dtype=np.float64)
    t = d.targets(d.y_train[idx], net.layers[-1].units, np.float64)
    l2 = exp.config.regularization.l2
    checks = check_network(net, exp.loss, x, t, l2=l2, n_train=n_train, settings=s)
    info = {"network": repr(exp.network), "loss": repr(exp.loss), "l2": l2,
            "n_train": n_train, "samples": len(idx), "dtype": "float64",
            "dropout": "off" if any(layer.dropout for layer in net.layers) else "none"}
    return Report(target, checks, s, info)


def check_config(cfg: Config | str | Path | None = None, overrides: Sequence[str] = (),
                 settings: Settings | None = None) -> Report:
    """Check the network a config builds, at its initial weights."""
    exp = build(cfg, overrides)
    target = str(cfg) if isinstance(cfg, (str, Path)) else "config"
    return check_experiment(exp, settings, target)


def check_run(run: str | Path, checkpoint: str = "best", overrides: Sequence[str] = (),
              settings: Settings | None = None) -> Report:
    """Check a trained network at the weights of its ``best`` or ``last`` checkpoint."""
    exp, meta = open_run(run, checkpoint, overrides)
    report = check_experiment(exp, settings, str(run))
    report.info = {"checkpoint": checkpoint, "epoch": meta.get("epoch"), **report.info}
    return report


__all__ = ["Settings", "Report", "check_components", "check_network", "check_experiment",
           "check_config", "check_run"]
