"""Checks pydantic cannot express: registry names and parameters, one value per layer,
typed-in data and explicit weights, combinations of fields."""

from __future__ import annotations

import math
from typing import Any

from ..core import activations, initializers, losses, optimizers, schedules
from ..core.registry import Registry
from ..data import catalog, samples, text, toy
from ..errors import ConfigError, NnlabError, closest
from .schema import Config
from .source import Source


def _spec_check(reg: Registry, spec: Any, path: list[Any], src: Source) -> dict[str, Any]:
    try:
        reg.get(spec)  # constructing it checks values (lr > 0, alpha, ...)
        return reg.resolve(spec)
    except ConfigError as err:
        key = getattr(err, "key", "")
        full = [*path, key] if key else path
        raise ConfigError(f"{src.where(full)}: {'.'.join(map(str, full))}: {err}") from None


def _per_layer(value: Any, n: int, path: list[str], src: Source, what: str) -> list[Any]:
    if not isinstance(value, list):
        return [value] * n
    if len(value) != n:
        raise ConfigError(
            f"{src.where(path)}: {'.'.join(path)}: expected one {what} or a list of {n} "
            f"(one per layer), got a list of {len(value)}"
        )
    return value


def check(cfg: Config, src: Source) -> None:
    """Checks pydantic cannot express: registry names/params, per-layer list lengths, combos."""
    d = cfg.data
    if d.name not in catalog.NAMES:
        raise ConfigError(
            f"{src.where(['data', 'name'])}: data.name: unknown dataset '{d.name}'"
            f"{closest(d.name, list(catalog.NAMES))}; valid: {', '.join(catalog.NAMES)}"
        )
    m = cfg.model
    n_hidden = len(m.hidden)
    for i, spec in enumerate(_per_layer(m.activation, n_hidden, ["model", "activation"], src,
                                        "activation")):
        p = ["model", "activation"] + ([i] if isinstance(m.activation, list) else [])
        _spec_check(activations.ACTIVATIONS, spec, p, src)
    if m.output_activation != "auto":
        _spec_check(activations.ACTIVATIONS, m.output_activation, ["model", "output_activation"],
                    src)
    n_layers = n_hidden + 1
    for field, reg in (("weight_init", initializers.INITIALIZERS),
                       ("bias_init", initializers.INITIALIZERS)):
        value = getattr(m, field)
        for i, spec in enumerate(_per_layer(value, n_layers, ["model", field], src,
                                            "initializer")):
            _spec_check(reg, spec, ["model", field] + ([i] if isinstance(value, list) else []),
                        src)
    _per_layer(m.bias, n_layers, ["model", "bias"], src, "bias flag")
    _per_layer(m.dropout, n_hidden, ["model", "dropout"], src, "dropout rate")
    _check_batchnorm(cfg, src)
    _check_typed_data(cfg, src)
    _check_explicit(cfg, src)
    if cfg.loss != "auto":
        _spec_check(losses.LOSSES, cfg.loss, ["loss"], src)
    opt = dict(cfg.optimizer)
    sched = opt.pop("schedule", "constant")
    if "name" not in opt:
        raise ConfigError(f"{src.where(['optimizer'])}: optimizer.name: missing; choose one of "
                          f"{', '.join(optimizers.OPTIMIZERS.names())}")
    _spec_check(optimizers.OPTIMIZERS, opt, ["optimizer"], src)
    _spec_check(schedules.SCHEDULES, sched, ["optimizer", "schedule"], src)
    if not all(math.isfinite(v) for v in (cfg.regularization.l2, d.noise)):
        raise ConfigError(f"{src.where(['regularization'])}: values must be finite numbers")


def _check_typed_data(cfg: Config, src: Source) -> None:
    """Typed-in data (samples rows, a text corpus): fields only their owner reads, and shapes."""
    for owner, fields in (("samples", samples.SAMPLE_FIELDS), ("text", text.TEXT_FIELDS)):
        for name in fields:
            if cfg.data.name != owner and getattr(cfg.data, name) is not None:
                raise ConfigError(
                    f"{src.where(['data', name])}: data.{name}: only used by data.name: {owner} "
                    f"(data.name is '{cfg.data.name}'); remove it or set data.name: {owner}")
    try:
        samples.check(cfg.data, cfg.train.dtype)
        text.check(cfg.data)
        toy.check(cfg.data, cfg.train.dtype)
    except NnlabError as err:
        key = getattr(err, "key", ["data"])
        detail = getattr(err, "detail", str(err))
        raise ConfigError(f"{src.where(key)}: {'.'.join(map(str, key))}: {detail}") from None


def _check_explicit(cfg: Config, src: Source) -> None:
    """Explicit ``model.weights``/``biases``: every shape known without the data (the input
    size and the automatic output size are checked in `build`)."""
    m = cfg.model
    n_layers = len(m.hidden) + 1
    units: list[int | None] = [*m.hidden, m.output_units if isinstance(m.output_units, int)
                               else None]
    fan_in: list[int | None] = [None, *m.hidden]
    bias = _per_layer(m.bias, n_layers, ["model", "bias"], src, "bias flag")
    for field in ("weights", "biases"):
        given = getattr(m, field)
        if given is not None and len(given) != n_layers:
            raise _bad(src, ["model", field], f"expected {n_layers} entries (one per layer, "
                       f"null to use the initializer), got {len(given)}")
    for i, w in enumerate(m.weights or []):
        if w is not None:
            _check_matrix(w, fan_in[i], units[i], ["model", "weights", i], src)
    for i, b in enumerate(m.biases or []):
        if b is None:
            continue
        path = ["model", "biases", i]
        if not bias[i]:
            raise _bad(src, path, f"layer {i + 1} has no bias (model.bias is false for it); "
                       "remove the values or set model.bias: true")
        if units[i] is not None and len(b) != units[i]:
            raise _bad(src, path, f"expected {units[i]} values (one per unit), got {len(b)}")
        if not all(math.isfinite(v) for v in b):
            raise _bad(src, path, "biases must be finite numbers")
    if m.output_bias_init == "auto":
        if not bias[-1]:
            raise _bad(src, ["model", "output_bias_init"], "the output layer has no bias "
                       "(model.bias is false for it); set it true or drop output_bias_init")
        if m.biases is not None and m.biases[-1] is not None:
            raise _bad(src, ["model", "output_bias_init"], f"model.biases.{n_layers - 1} sets "
                       "the output bias too; keep one of them")


def _check_batchnorm(cfg: Config, src: Source) -> None:
    """``model.batchnorm``: one flag per hidden layer, no explicit bias where β replaces it,
    batches of at least two samples (one sample normalizes to 0)."""
    m = cfg.model
    flags = _per_layer(m.batchnorm, len(m.hidden), ["model", "batchnorm"], src, "flag")
    if not any(flags):
        return
    if cfg.train.batch_size == 1:
        raise _bad(src, ["train", "batch_size"], "model.batchnorm needs batches of at least 2 "
                   "samples (a batch of one normalizes every unit to 0); use a larger batch")
    for i, flag in enumerate(flags):
        if flag and m.biases is not None and m.biases[i] is not None:
            raise _bad(src, ["model", "biases", i], f"layer {i + 1} is batch-normalized: its β "
                       "takes the bias's place; drop the values or model.batchnorm for it")


def _check_matrix(w: list[list[float]], rows_needed: int | None, cols_needed: int | None,
                  path: list[Any], src: Source) -> None:
    """One explicit (fan_in, fan_out) weight matrix: rectangular, the right shape, finite."""
    rows, cols = len(w), len(w[0]) if w else 0
    want = f"({rows_needed or 'inputs'}, {cols_needed or 'outputs'})"
    if not rows or any(len(r) != cols for r in w) or not cols:
        raise _bad(src, path, f"expected a matrix {want} (rows = inputs, columns = units) "
                   "with rows of equal length")
    if (rows_needed or rows) != rows or (cols_needed or cols) != cols:
        raise _bad(src, path, f"expected shape {want} (row i = input i, column j = unit j), "
                   f"got ({rows}, {cols})")
    if not all(math.isfinite(v) for r in w for v in r):
        raise _bad(src, path, "weights must be finite numbers")


def _bad(src: Source, path: list[Any], msg: str) -> ConfigError:
    return ConfigError(f"{src.where(path)}: {'.'.join(map(str, path))}: {msg}")
