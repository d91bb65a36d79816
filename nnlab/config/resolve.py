"""Resolution: every ``auto`` decided and every spec expanded, as a run records it; and
differences between configs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
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
    _fill_data(c)
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
    schedule = c.optimizer["schedule"]
    if isinstance(schedule, dict) and "t_max" in schedule and schedule["t_max"] is None:
        schedule["t_max"] = c.train.epochs  # cosine: T = the run's epochs
    if c.train.log_every == "auto":
        c.train.log_every = log_every(c.train.epochs)
    if c.run.name is None:  # named after its file, as on the command line
        c.run.name = Path(c.source).stem if c.source else "default"
    if m.output_units == "auto":
        outputs, classes = _known_outputs(c)
        if outputs is not None:
            m.output_units = output_units(c.task, outputs, classes, losses.get(loss).fused_with)
    return c


def log_every(epochs: int, lines: int = 30) -> int:
    """Epochs between printed epoch lines: 1, 2, 5, 10, 20, 50, … — the smallest step that
    prints at most about ``lines`` lines (every epoch for runs of up to 30 epochs)."""
    step, k = 1, 0
    while epochs / step > lines:
        k += 1
        step = (1, 2, 5)[k % 3] * 10 ** (k // 3)
    return step


def output_units(task: str, n_outputs: int, n_classes: int | None,
                 fused_with: str | None) -> int:
    """The automatic output width: the data's outputs (one unit per class or target column),
    or 1 for two classes on a sigmoid (binary cross-entropy)."""
    if task == "classification" and n_classes == 2 and fused_with == "sigmoid":
        return 1
    return n_outputs


def _fill_data(c: Config) -> None:
    """The data set's defaults for fields left null (n, domain, classes); for your own table
    the absolute path, and the task and classes its target column shows."""
    for key, value in catalog.filled(c.data.name, c.data.bits).items():
        if getattr(c.data, key) is None:
            setattr(c.data, key, tuple(value) if key == "domain" else value)
    if catalog.SOURCES[c.data.name].kind == "file":
        from ..data import table  # reads the file: only for data sets that are files

        c.data.path = str(Path(c.data.path).resolve()) if c.data.path else None
        for key, value in table.peek(c.data).items():
            setattr(c.data, key, value)


def _known_outputs(c: Config) -> tuple[int | None, int | None]:
    """(outputs, classes) known without reading the data; (None, None) when they are not
    (a corpus's vocabulary, a file's columns: `build` fills ``output_units`` in then)."""
    d = c.data
    if d.name == "samples":
        if d.labels:
            classes = d.classes or max(d.labels) + 1
            return classes, classes
        rows = d.y or []
        return (len(rows[0]) if rows and isinstance(rows[0], list) else 1), None
    if catalog.SOURCES[d.name].kind == "file":
        return (d.classes if c.task == "classification" else 1), d.classes
    n = catalog.n_outputs(d.name, d.classes)
    return n, (n if c.task == "classification" else None)


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
