"""Resolution: every ``auto`` decided and every spec expanded, as a run records it; and
differences between configs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core import activations, initializers, losses, optimizers, schedules
from ..core.registry import Registry
from ..data import catalog
from .schema import Config


def _compact(resolved: dict[str, Any]) -> str | dict[str, Any]:
    return resolved["name"] if len(resolved) == 1 else resolved


def resolve(cfg: Config) -> Config:
    """A copy with every ``auto`` decided and every spec expanded with its defaults.

    This is what a run records in ``config.yaml``: nothing left implicit.
    """
    c = cfg.model_copy(deep=True)
    classification = c.task == "classification"
    if c.loss == "auto":
        c.loss = "categorical_crossentropy" if classification else "mse"
    loss = losses.LOSSES.resolve(c.loss)
    c.loss = _compact(loss)
    if c.model.output_activation == "auto":  # a cross-entropy's own activation, else by task
        c.model.output_activation = losses.get(loss).fused_with or (
            "softmax" if classification else "identity")
    m = c.model

    def res(reg: Registry, value: Any) -> Any:
        if isinstance(value, list):
            return [_compact(reg.resolve(v)) for v in value]
        return _compact(reg.resolve(value))

    m.activation = res(activations.ACTIVATIONS, m.activation)
    m.output_activation = res(activations.ACTIVATIONS, m.output_activation)
    m.weight_init = res(initializers.INITIALIZERS, m.weight_init)
    m.bias_init = res(initializers.INITIALIZERS, m.bias_init)
    opt = dict(c.optimizer)
    sched = opt.pop("schedule", "constant")
    c.optimizer = {**optimizers.OPTIMIZERS.resolve(opt),
                   "schedule": _compact(schedules.SCHEDULES.resolve(sched))}
    has_val = c.data.val_split > 0 or catalog.always_validates(c.data.name)
    if c.train.monitor == "auto":
        c.train.monitor = "val_loss" if has_val else "loss"
    return c


def defaults_yaml() -> str:
    """The built-in default experiment as YAML (``nnlab config show`` with no file)."""
    return Config().to_yaml()


def diff(a: Mapping[str, Any], b: Mapping[str, Any], prefix: str = "") -> dict[str, tuple]:
    """Flattened key paths whose values differ between two config dicts: {path: (a, b)}."""
    out: dict[str, tuple] = {}
    for key in dict.fromkeys([*a, *b]):
        va, vb = a.get(key), b.get(key)
        path = f"{prefix}{key}"
        if isinstance(va, Mapping) and isinstance(vb, Mapping):
            out.update(diff(va, vb, path + "."))
        elif va != vb:
            out[path] = (va, vb)
    return out
