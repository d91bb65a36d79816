"""nnlab: train and study NumPy neural networks described by YAML experiment files.

The Python API mirrors the CLI::

    import nnlab
    cfg = nnlab.load_config("configs/sine.yaml", overrides=["optimizer.lr=0.05"])
    exp = nnlab.build(cfg)                      # dataset, network, loss, optimizer, schedule
    result = nnlab.train(cfg)                   # trains into runs/<name>-<time>-<id>/
    result.network.predict(x)
    net = nnlab.Network.build([2, 8, 1], "tanh", "sigmoid")   # or by hand

The package is layered — ``core`` (numerics) < ``data`` < ``config`` < ``runs`` < ``tools`` <
``cli`` — and imports nothing heavy until a name is used (module ``__getattr__``), so the
command line starts fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from .version import __version__

# public name → module that defines it (imported on first use)
_API = {
    "Config": "nnlab.config", "load_config": "nnlab.config", "resolve": "nnlab.config",
    "build": "nnlab.runs.experiment", "Experiment": "nnlab.runs.experiment",
    "train": "nnlab.tools.outputs", "load_run": "nnlab.runs.training",
    "RunResult": "nnlab.runs.training", "RunDir": "nnlab.runs.rundir",
    "Network": "nnlab.core.network",
    "NnlabError": "nnlab.errors", "ConfigError": "nnlab.errors", "DataError": "nnlab.errors",
    "CheckpointError": "nnlab.errors",
}
# families and tools reachable as attributes: nnlab.activations.get("relu"), nnlab.plots, ...
_MODULES = {
    **{m: f"nnlab.core.{m}" for m in ("registry", "activations", "initializers", "losses",
                                      "optimizers", "schedules", "layers", "network",
                                      "metrics")},
    **{m: f"nnlab.tools.{m}" for m in ("evaluation", "compare", "sweep", "plots", "trace",
                                       "embed", "gradcheck")},
    "trainer": "nnlab.runs.trainer", "training": "nnlab.runs.training",
    "experiment": "nnlab.runs.experiment", "rundir": "nnlab.runs.rundir",
    **{m: f"nnlab.{m}" for m in ("errors", "files", "core", "data", "config", "runs", "tools",
                                 "cli")},
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
    elif name in _MODULES:
        value = importlib.import_module(_MODULES[name])
    else:
        raise AttributeError(f"module 'nnlab' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_API, *_MODULES])
