"""The experiment config: schema, YAML loading with line numbers, ``--set`` overrides, errors.

One YAML file describes an experiment in seven sections (``data``, ``model``, ``loss``,
``optimizer`` with its ``schedule``, ``regularization``, ``train``, ``run``). Every field has a
default, so an empty file — or no file — is the built-in default experiment (a sine fit).
Validation is done by pydantic; every error becomes one `ConfigError` line of the form
``configs/sine.yaml:12: optimizer.lr: expected a number > 0, got 'abc'``.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import activations, initializers, losses, optimizers, schedules
from .errors import ConfigError
from .registry import Registry, closest

Spec = str | dict[str, Any]
"""A registry entry: a name (``relu``) or a mapping ``{name: leaky_relu, alpha: 0.2}``."""

CLASSIFICATION_DATA = ("xor", "circles", "moons", "spiral", "blobs", "parity", "mnist",
                       "fashion_mnist", "text")
MNIST_NAMES = ("mnist", "fashion_mnist")


class Loader(yaml.SafeLoader):
    """`yaml.SafeLoader` that also reads ``1e-3`` as a number (YAML 1.2), not as a string."""


Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))


def load_yaml(text: str) -> Any:
    """Parse YAML safely (no object construction), with YAML-1.2 floats such as ``1e-3``."""
    return yaml.load(text, Loader=Loader)  # noqa: S506 - Loader is a SafeLoader subclass


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataConfig(_Section):
    """Which data to train on (toy sets are generated from ``train.seed``)."""

    name: str = "sine"
    n: int | None = Field(None, ge=1)
    noise: float = Field(0.05, ge=0)
    domain: tuple[float, float] | None = None
    expr: str | None = None
    classes: int | None = Field(None, ge=2)
    bits: int = Field(4, ge=1, le=20)
    val_split: float = Field(0.2, ge=0, lt=1)
    path: str | None = None
    split: Literal["nielsen", "standard"] = "nielsen"
    limit: int | None = Field(None, ge=1)
    download: bool = True
    # samples (explicit rows, seed-002 worked examples): x + y (regression) or x + labels
    x: list[list[float]] | list[float] | None = None
    y: list[list[float]] | list[float] | None = None
    labels: list[int] | None = None
    # text (word2vec): one of text / corpus / path; CBOW or skip-gram pairs within window
    text: str | None = None
    corpus: str | None = None
    mode: Literal["cbow", "skipgram"] = "cbow"
    window: int = Field(2, ge=1)
    min_count: int = Field(1, ge=1)
    pairs: list[list[str]] | None = None


class ModelConfig(_Section):
    """A multi-layer perceptron: input size from the data, ``hidden`` sizes, output size auto."""

    hidden: list[int] = Field(default_factory=lambda: [32, 32])
    activation: Spec | list[Spec] = "tanh"
    output_activation: Spec = "auto"
    output_units: int | Literal["auto"] = "auto"
    bias: bool | list[bool] = True
    weight_init: Spec | list[Spec] = "glorot_uniform"
    bias_init: Spec | list[Spec] = "zeros"
    dropout: float | list[float] = 0.0
    # explicit initial values, one entry per layer (null = use the initializer); each matrix is
    # (fan_in, fan_out): row i = input i, column j = unit j (textbooks' w_ij from i to j)
    weights: list[list[list[float]] | None] | None = None
    biases: list[list[float] | None] | None = None

    @field_validator("hidden")
    @classmethod
    def _positive(cls, v: list[int]) -> list[int]:
        if any(h < 1 for h in v):
            raise ValueError("every hidden layer needs at least 1 unit")
        return v

    @field_validator("dropout")
    @classmethod
    def _rate(cls, v: float | list[float]) -> float | list[float]:
        if any(not 0 <= r < 1 for r in (v if isinstance(v, list) else [v])):
            raise ValueError("dropout rates must be in [0, 1)")
        return v


class EarlyStoppingConfig(_Section):
    """Stop when ``train.monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    patience: int | None = Field(None, ge=1)
    min_delta: float = Field(0.0, ge=0)
    restore_best: bool = True


class RegularizationConfig(_Section):
    """``l2``: λ in Nielsen's convention C + (λ/2n)Σw²; ``weight_decay``: decoupled, w ← (1−ηd)w."""

    l2: float = Field(0.0, ge=0)
    weight_decay: float = Field(0.0, ge=0)
    early_stopping: EarlyStoppingConfig = Field(default_factory=EarlyStoppingConfig)


class TrainConfig(_Section):
    """The loop: epochs, batching (an int, ``full`` for full-batch, 1 for online), seed, dtype."""

    epochs: int = Field(200, ge=1)
    batch_size: int | Literal["full"] = 32
    shuffle: bool = True
    seed: int = Field(0, ge=0)
    dtype: Literal["float32", "float64"] = "float32"
    monitor: Literal["auto", "loss", "val_loss", "accuracy", "val_accuracy"] = "auto"
    probe_size: int = Field(1000, ge=1)

    @field_validator("batch_size")
    @classmethod
    def _batch(cls, v: int | str) -> int | str:
        if isinstance(v, int) and v < 1:
            raise ValueError("batch_size must be >= 1 (1 = online) or 'full'")
        return v


class RunConfig(_Section):
    """Where the run directory goes, how often checkpoints are written, whether to draw plots/."""

    name: str | None = None
    runs_dir: str = "runs"
    checkpoint_every: int = Field(1, ge=1)
    plots: bool = True


class Config(_Section):
    """The whole experiment. ``Config()`` is the built-in default: a tanh MLP fitting sin(x)."""

    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    loss: Spec = "auto"
    optimizer: dict[str, Any] = Field(
        default_factory=lambda: {"name": "adam", "lr": 0.01, "schedule": "constant"}
    )
    regularization: RegularizationConfig = Field(default_factory=RegularizationConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    run: RunConfig = Field(default_factory=RunConfig)

    @property
    def task(self) -> str:
        """'classification' or 'regression', known from the data name alone."""
        if self.data.name == "samples":
            return "regression" if self.data.labels is None else "classification"
        return "classification" if self.data.name in CLASSIFICATION_DATA else "regression"

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        return yaml.dump(self.to_dict(), Dumper=_Dumper, sort_keys=False, allow_unicode=True)


class _Dumper(yaml.SafeDumper):
    """Block-style sections, but short lists such as ``hidden: [32, 32]`` on one line."""


_Dumper.add_representer(
    list, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v,
                                            flow_style=all(not isinstance(x, dict) for x in v)))


# --------------------------------------------------------------------------- loading

class _Source:
    """Where each key path came from: a YAML line or a ``--set`` override."""

    def __init__(self, file: str | None, lines: dict[tuple, int]) -> None:
        self.file, self.lines, self.overrides = file, lines, {}

    def where(self, path: Sequence[Any]) -> str:
        path = tuple(path)
        for i in range(len(path), 0, -1):
            if path[:i] in self.overrides:
                return f"--set {self.overrides[path[:i]]}"
            if path[:i] in self.lines:
                return f"{self.file}:{self.lines[path[:i]]}"
        # a problem with a whole section: name the override that set something inside it
        inside = [text for key, text in self.overrides.items() if key[:len(path)] == path]
        return f"--set {inside[-1]}" if inside else self.file or "config"


def _line_map(node: yaml.Node | None, path: tuple = ()) -> dict[tuple, int]:
    """Key path → 1-based line, from the YAML node tree."""
    lines: dict[tuple, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, key.value)
            lines[sub] = key.start_mark.line + 1
            lines.update(_line_map(value, sub))
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            lines[(*path, i)] = value.start_mark.line + 1
            lines.update(_line_map(value, (*path, i)))
    return lines


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[tuple, int]]:
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found; check the path (see configs/)")
    text = path.read_text(encoding="utf-8")
    try:
        data = load_yaml(text)
        lines = _line_map(yaml.compose(text, Loader=Loader))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"{where}: invalid YAML: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: the config must be a mapping of sections (data, model, ...)")
    return data, lines


def parse_override(text: str) -> tuple[list[str | int], Any]:
    """``"model.hidden=[64,64]"`` → (['model', 'hidden'], [64, 64]); the value is parsed as YAML."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set {text}: expected KEY.PATH=VALUE, e.g. --set optimizer.lr=0.1")
    try:
        value = load_yaml(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    path: list[str | int] = [int(p) if p.isdigit() else p for p in key.strip().split(".")]
    return path, value


def apply_override(data: dict[str, Any], path: list[str | int], value: Any, text: str) -> None:
    """Set ``data[path] = value``; a spec given as a bare name becomes ``{name: ...}`` first."""
    node: Any = data
    for i, key in enumerate(path[:-1]):
        nxt = node[key] if _has(node, key) else None
        if isinstance(nxt, str) and isinstance(path[i + 1], str):
            nxt = {"name": nxt}  # e.g. --set model.activation.alpha=0.2 on "leaky_relu"
        elif nxt is None:
            nxt = {}
        elif not isinstance(nxt, (dict, list)):
            section = ".".join(map(str, path[: i + 1]))
            raise ConfigError(f"--set {text}: '{section}' is not a section")
        _put(node, key, nxt, text)
        node = nxt
    _put(node, path[-1], value, text)


def _has(node: Any, key: str | int) -> bool:
    if isinstance(node, list):
        return isinstance(key, int) and 0 <= key < len(node)
    return key in node


def _put(node: Any, key: str | int, value: Any, text: str) -> None:
    if isinstance(node, list):
        if not isinstance(key, int) or not 0 <= key < len(node):
            raise ConfigError(f"--set {text}: list index {key!r} out of range 0..{len(node) - 1}")
    node[key] = value


def _defaults_dict() -> dict[str, Any]:
    return Config().model_dump(mode="python")


def load_config(
    path: str | Path | None = None, overrides: Sequence[str] = (), data: Mapping | None = None
) -> Config:
    """Load, override and validate a config; ``path=None`` starts from the built-in default.

    Raises `ConfigError` with ``file:line: key.path: problem`` for anything invalid.
    """
    if data is not None:
        raw, src = copy.deepcopy(dict(data)), _Source(None, {})
    elif path is not None:
        raw, lines = _read_yaml(Path(path))
        src = _Source(str(path), lines)
    else:
        raw, src = {}, _Source(None, {})
    for text in overrides:
        keys, value = parse_override(text)
        if keys[0] == "optimizer" and "optimizer" not in raw:
            raw["optimizer"] = dict(Config().optimizer)
        apply_override(raw, keys, value, text)
        src.overrides[tuple(keys)] = text
    try:
        cfg = Config.model_validate(raw)
    except ValidationError as err:
        raise _explain(err, raw, src) from None
    _check(cfg, src)
    return cfg


def _real_loc(raw: Any, loc: Sequence[Any]) -> list[Any]:
    """Drop pydantic's union-member tags from an error location, keeping the user's key path."""
    out, node = [], raw
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif not (i == len(loc) - 1 and isinstance(node, dict)):
            continue
        out.append(part)
    return out


def _explain(err: ValidationError, raw: Any, src: _Source) -> ConfigError:
    """One readable line for the first pydantic error."""
    e = err.errors()[0]
    loc = _real_loc(raw, e["loc"])
    key = ".".join(map(str, loc)) or "config"
    where = src.where(loc)
    if e["type"] == "extra_forbidden":
        parent = _section_fields(loc[:-1])
        hint = closest(str(loc[-1]), parent)
        return ConfigError(
            f"{where}: unknown key '{key}'{hint}; valid keys here: {', '.join(parent)}"
        )
    msg = e["msg"].replace("Value error, ", "")
    got = e.get("input")
    shown = "" if isinstance(got, (dict, list)) else f" (got {got!r})"
    return ConfigError(f"{where}: {key}: {msg}{shown}")


def _section_fields(loc: Sequence[Any]) -> list[str]:
    model: Any = Config
    for part in loc:
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is None or not (isinstance(field.annotation, type)
                                 and issubclass(field.annotation, BaseModel)):
            return []
        model = field.annotation
    return list(model.model_fields)


# --------------------------------------------------------------------------- cross-field checks

def _spec_check(reg: Registry, spec: Any, path: list[Any], src: _Source) -> dict[str, Any]:
    try:
        reg.get(spec)  # constructing it checks values (lr > 0, alpha, ...)
        return reg.resolve(spec)
    except ConfigError as err:
        key = getattr(err, "key", "")
        full = [*path, key] if key else path
        raise ConfigError(f"{src.where(full)}: {'.'.join(map(str, full))}: {err}") from None


def _per_layer(value: Any, n: int, path: list[str], src: _Source, what: str) -> list[Any]:
    if not isinstance(value, list):
        return [value] * n
    if len(value) != n:
        raise ConfigError(
            f"{src.where(path)}: {'.'.join(path)}: expected one {what} or a list of {n} "
            f"(one per layer), got a list of {len(value)}"
        )
    return value


def _check(cfg: Config, src: _Source) -> None:
    """Checks pydantic cannot express: registry names/params, per-layer list lengths, combos."""
    from .data import DATA_NAMES

    d = cfg.data
    if d.name not in DATA_NAMES:
        raise ConfigError(
            f"{src.where(['data', 'name'])}: data.name: unknown dataset '{d.name}'"
            f"{closest(d.name, list(DATA_NAMES))}; valid: {', '.join(DATA_NAMES)}"
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


def _check_explicit(cfg: Config, src: _Source) -> None:
    """Typed-in data (samples, text) and explicit ``model.weights``/``biases``: every shape that
    is known without the data (input size and auto output size are checked in `build`)."""
    from .data import samples, text
    from .errors import NnlabError

    for owner, fields in (("samples", samples.SAMPLE_FIELDS), ("text", text.TEXT_FIELDS)):
        for name in fields:
            if cfg.data.name != owner and getattr(cfg.data, name) is not None:
                raise ConfigError(
                    f"{src.where(['data', name])}: data.{name}: only used by data.name: {owner} "
                    f"(data.name is '{cfg.data.name}'); remove it or set data.name: {owner}")
    try:
        samples.check(cfg.data)
        text.check(cfg.data)
    except NnlabError as err:
        key = getattr(err, "key", ["data"])
        detail = getattr(err, "detail", str(err))
        raise ConfigError(f"{src.where(key)}: {'.'.join(map(str, key))}: {detail}") from None
    m = cfg.model
    n_layers = len(m.hidden) + 1
    units: list[int | None] = [*m.hidden, m.output_units if isinstance(m.output_units, int)
                               else None]
    fan_in: list[int | None] = [None, *m.hidden]
    bias = _per_layer(m.bias, n_layers, ["model", "bias"], src, "bias flag")

    def bad(path: list[Any], msg: str) -> ConfigError:
        return ConfigError(f"{src.where(path)}: {'.'.join(map(str, path))}: {msg}")

    for field in ("weights", "biases"):
        given = getattr(m, field)
        if given is not None and len(given) != n_layers:
            raise bad(["model", field], f"expected {n_layers} entries (one per layer, null to "
                      f"use the initializer), got {len(given)}")
    for i, w in enumerate(m.weights or []):
        if w is None:
            continue
        rows, cols = len(w), len(w[0]) if w else 0
        want = f"({fan_in[i] or 'inputs'}, {units[i] or 'outputs'})"
        if not rows or any(len(r) != cols for r in w) or not cols:
            raise bad(["model", "weights", i], f"expected a matrix {want} (rows = inputs, "
                      "columns = units) with rows of equal length")
        if (fan_in[i] or rows) != rows or (units[i] or cols) != cols:
            raise bad(["model", "weights", i], f"expected shape {want} (row i = input i, column "
                      f"j = unit j), got ({rows}, {cols})")
        if not all(math.isfinite(v) for r in w for v in r):
            raise bad(["model", "weights", i], "weights must be finite numbers")
    for i, b in enumerate(m.biases or []):
        if b is None:
            continue
        if not bias[i]:
            raise bad(["model", "biases", i], f"layer {i + 1} has no bias (model.bias is false "
                      "for it); remove the values or set model.bias: true")
        if units[i] is not None and len(b) != units[i]:
            raise bad(["model", "biases", i], f"expected {units[i]} values (one per unit), "
                      f"got {len(b)}")
        if not all(math.isfinite(v) for v in b):
            raise bad(["model", "biases", i], "biases must be finite numbers")


# --------------------------------------------------------------------------- resolution

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
    if c.model.output_activation == "auto":
        c.model.output_activation = {
            "categorical_crossentropy": "softmax",
            "binary_crossentropy": "sigmoid",
        }.get(loss["name"], "identity" if not classification else "softmax")
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
    has_val = c.data.val_split > 0 or c.data.name in MNIST_NAMES
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


__all__ = ["Config", "ConfigError", "load_config", "resolve", "parse_override", "diff",
           "defaults_yaml"]
