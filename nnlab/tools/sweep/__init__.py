"""Sweeps: grid, random and model-based (TPE) search over ``--set`` paths, with pruning, on one
machine or many workers sharing one Optuna study; every trial a normal run directory.

    sweep = make_sweep("configs/sweeps/mnist_tpe.yaml")   # a checked Sweep (file + options)
    run = open_sweep(sweep)             # its folder and study (found again on a rerun)
    Worker(run, jobs=2).run()           # claim points, run `nnlab train` trials, prune
    results.table(run), results.groups(run), results.best(run), results.importances(run)

Modules: `space` (the value and distribution syntax and its Optuna distributions),
`algorithms` (samplers and pruners), `plan` (points × seeds), `file` (sweep files and checks),
`engine` (the Optuna study: storage, plan, claiming, recovery), `trials` (one trial's
processes), `worker` (the loop), `folder` (the sweep folder), `results`, `pictures`. Optuna is
imported only when a study is opened. Nothing here prints.
"""

from __future__ import annotations

from typing import Any

from .file import SPEC_KEYS, is_sweep_file, make_sweep, read_sweep_file
from .plan import DEFAULT_TRIALS, Sweep, Trial
from .space import (
    Distribution,
    flow,
    parse_distribution,
    parse_grid_option,
    parse_random_option,
    parse_value,
    split_top,
)

_LAZY = {"open_sweep": "folder", "SweepRun": "folder", "Worker": "worker",
         "trial_dirs": "trials", "group_label": "results"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Sweep", "SweepRun", "Trial", "Worker", "Distribution", "DEFAULT_TRIALS",
           "SPEC_KEYS", "make_sweep", "open_sweep", "read_sweep_file", "is_sweep_file",
           "parse_grid_option", "parse_random_option", "parse_distribution", "parse_value",
           "split_top", "flow", "trial_dirs", "group_label"]
