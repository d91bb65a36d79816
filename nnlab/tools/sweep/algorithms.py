"""The search algorithms a sweep file may name, each an Optuna sampler or pruner.

    sampler: tpe                                  # or {name: tpe, n_startup_trials: 8}
    pruner: {name: median, n_warmup_steps: 2}     # none | median | successive_halving | hyperband

``grid``, ``random`` and ``qmc`` are *planned*: every trial's values are drawn before the first
one starts (seeded, so the same sweep file gives the same trials however many workers run
it). ``tpe`` is *adaptive*: each trial's values are chosen when it starts, from the results
of the trials before it. A pruner is fed each epoch's monitored metric and stops trials that
fall behind (Optuna's pruners compare a trial with the others at the same epoch).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...errors import ConfigError, closest

PLANNED = ("grid", "random", "qmc")
ADAPTIVE = ("tpe",)
SAMPLERS = (*PLANNED, *ADAPTIVE)
PRUNERS = ("none", "median", "successive_halving", "hyperband")


@dataclass(frozen=True)
class Algorithm:
    """A sampler or pruner by name, with the keyword arguments its Optuna class takes."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})" if args else self.name

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, **self.params}


def _sampler_class(name: str) -> Callable[..., Any]:
    import optuna

    return {"random": optuna.samplers.RandomSampler, "qmc": optuna.samplers.QMCSampler,
            "tpe": optuna.samplers.TPESampler}[name]


def _pruner_class(name: str) -> Callable[..., Any]:
    import optuna

    return {"none": optuna.pruners.NopPruner, "median": optuna.pruners.MedianPruner,
            "successive_halving": optuna.pruners.SuccessiveHalvingPruner,
            "hyperband": optuna.pruners.HyperbandPruner}[name]


def parse_algorithm(value: Any, kind: str, where: str) -> Algorithm:
    """``"tpe"`` or ``{name: tpe, n_startup_trials: 8}`` → Algorithm, its keywords checked
    against the Optuna class (``seed`` is the sweep's own ``seed:``)."""
    names = SAMPLERS if kind == "sampler" else PRUNERS
    params: dict[str, Any] = {}
    if isinstance(value, dict):
        params = {str(k): v for k, v in value.items()}
        value = params.pop("name", None)
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a {kind} name ({', '.join(names)}) or a mapping "
                          f"with name: and its options, got {value!r}")
    if value not in names:
        raise ConfigError(f"{where}: unknown {kind} '{value}'{closest(value, names)}; "
                          f"choose one of {', '.join(names)}")
    if params:
        if value == "grid":
            raise ConfigError(f"{where}: the grid sampler takes no options")
        cls = _sampler_class(value) if kind == "sampler" else _pruner_class(value)
        allowed = [p for p in inspect.signature(cls).parameters if p != "seed"]
        for key in params:
            if key not in allowed:
                raise ConfigError(f"{where}: '{key}' is not an option of the {value} {kind}"
                                  f"{closest(key, allowed)}; options: {', '.join(allowed)}")
    return Algorithm(value, params)


def make_sampler(algo: Algorithm, seed: int) -> Any:
    """The Optuna sampler (``grid`` enumerates its plan itself: any sampler will do)."""
    import warnings

    import optuna

    with warnings.catch_warnings():  # "experimental" notes are Optuna's, not the user's
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return _make_sampler(algo, seed)


def needs(algo: Algorithm) -> str | None:
    """A missing optional package the algorithm needs, as a one-line fix (None: none)."""
    import importlib.util

    if algo.name == "qmc" and importlib.util.find_spec("scipy") is None:
        return "sampler qmc needs SciPy: pip install scipy (or choose random or tpe)"
    return None


def _make_sampler(algo: Algorithm, seed: int) -> Any:
    if algo.name == "tpe":
        # constant_liar: a running trial counts as a bad result, so parallel workers do not
        # all pick the same promising region at once
        params = {"constant_liar": True, **algo.params}
        return _sampler_class("tpe")(seed=seed, **params)
    if algo.name == "qmc":
        missing = needs(algo)
        if missing:
            raise ConfigError(missing)
        return _sampler_class("qmc")(seed=seed, **algo.params)
    return _sampler_class("random")(seed=seed, **algo.params)


def make_pruner(algo: Algorithm) -> Any:
    """The Optuna pruner; invalid option values become one-line config errors."""
    try:
        return _pruner_class(algo.name)(**algo.params)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"pruner {algo}: {e}") from None
