"""Loading a config: YAML (or a mapping), then ``--set`` overrides, then validation.

Every problem becomes one `ConfigError` line naming where it is —
``configs/sine.yaml:12: optimizer.lr: expected a number > 0, got 'abc'`` or
``--set optimizer.lr=abc: …``.
"""

from __future__ import annotations

import copy
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import ConfigError, closest
from .checks import check
from .compose import read_composed
from .overrides import apply_override, parse_override
from .schema import Config
from .source import Source


def load_config(
    path: str | Path | None = None, overrides: Sequence[str] = (), data: Mapping | None = None
) -> Config:
    """Load, override and validate a config; ``path=None`` starts from the built-in default.

    A file may build on others with ``base:`` (see `compose`); the Config remembers its file
    (``cfg.source``) and the chain of files merged (``cfg.chain``). Raises `ConfigError` with
    ``file:line: key.path: problem`` for anything invalid.
    """
    if data is not None:
        raw, src = copy.deepcopy(dict(data)), Source(None, {})
    elif path is not None:
        raw, where, chain = read_composed(Path(path))
        src = Source(str(path), where, chain)
    else:
        raw, src = {}, Source(None, {})
    for text in overrides:
        keys, value = parse_override(text)
        if keys[0] == "optimizer" and "optimizer" not in raw:
            raw["optimizer"] = dict(Config().optimizer)
        apply_override(raw, keys, value, text)
        src.overrides[tuple(keys)] = text
    _check_numbers(raw, Config, [], src)
    try:
        cfg = Config.model_validate(raw)
    except ValidationError as err:
        raise _explain(err, raw, src) from None
    check(cfg, src)
    cfg.remember(src.file, src.chain)
    return cfg


MAX_INT = 2**63 - 1  # larger integers overflow NumPy's int64 (a googol of epochs)


def _check_numbers(node: Any, model: Any, path: list[Any], src: Source) -> None:
    """What pydantic would quietly accept: ``true``/``false`` where a number goes (it reads
    them as 1/0) and integers too large for NumPy."""
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        field = model.model_fields.get(key) if isinstance(key, str) else None
        if field is None:
            continue
        sub, ann = [*path, key], field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            _check_numbers(value, ann, sub, src)
            continue
        takes = {ann, *typing.get_args(ann)}
        if isinstance(value, bool) and takes & {int, float} and bool not in takes:
            raise ConfigError(f"{src.where(sub)}: {'.'.join(sub)}: expected a number, got "
                              f"{str(value).lower()}")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            raise ConfigError(f"{src.where(sub)}: {'.'.join(sub)}: {value:.3g} is too large "
                              f"(at most {MAX_INT:.3g})")


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


def _explain(err: ValidationError, raw: Any, src: Source) -> ConfigError:
    """One line in nnlab's words for the first pydantic error: where, which key, what was
    expected (every member of a union: ``a name or a mapping``) and what was given."""
    errors = err.errors()
    e = errors[0]
    loc = _real_loc(raw, e["loc"])
    key = ".".join(map(str, loc)) or "config"
    where = src.where(loc)
    if e["type"] == "extra_forbidden":
        parent = _section_fields(loc[:-1])
        hint = closest(str(loc[-1]), parent)
        return ConfigError(
            f"{where}: unknown key '{key}'{hint}; valid keys here: {', '.join(parent)}"
        )
    if e["type"] == "invalid_key":
        where = src.where([str(p) for p in loc])  # YAML lines are keyed by the key's text
        return ConfigError(f"{where}: key {e.get('input', loc[-1])!r} is not a name; keys are "
                           "words such as data, model or train")
    same = [x for x in errors if _real_loc(raw, x["loc"]) == loc]
    wanted = list(dict.fromkeys(_expected(x) for x in same))
    got = e.get("input")
    short = isinstance(got, list) and len(repr(got)) <= 40  # [0], not a page of numbers
    shown = (", got a mapping" if isinstance(got, dict) else ", got a list"
             if isinstance(got, list) and not short else f", got {got!r}")
    if all(w.startswith("!") for w in wanted):  # our own validators' messages, said as is
        return ConfigError(f"{where}: {key}: {wanted[0][1:]}{shown.replace(', got', ' (got')}"
                           + (")" if shown else ""))
    wanted = [w.lstrip("!") for w in wanted]
    listed = wanted[0] if len(wanted) == 1 else ", ".join(wanted[:-1]) + " or " + wanted[-1]
    return ConfigError(f"{where}: {key}: expected {listed}{shown}")


_EXPECTED = {
    "string_type": "a name (text)", "dict_type": "a mapping (key: value, ...)",
    "model_type": "a mapping (key: value, ...)", "list_type": "a list",
    "int_type": "an integer", "int_parsing": "an integer", "int_from_float": "an integer",
    "float_type": "a number", "float_parsing": "a number", "finite_number": "a finite number",
    "bool_type": "true or false", "bool_parsing": "true or false", "tuple_type": "a list",
    "missing": "a value (it is missing)",
}
_BOUNDS = {"greater_than_equal": ">=", "greater_than": ">", "less_than": "<",
           "less_than_equal": "<="}


def _expected(e: Mapping[str, Any]) -> str:
    """What one pydantic error says was expected, in nnlab's words (``!`` = a full sentence)."""
    kind, ctx = e["type"], e.get("ctx") or {}
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    if kind in _BOUNDS:
        bound = next(iter(ctx.values()), "?")
        return f"a number {_BOUNDS[kind]} {bound}"
    if kind == "literal_error":
        choices = str(ctx.get("expected", "?"))
        return f"one of {choices}" if " or " in choices else choices
    if kind in ("too_long", "too_short"):
        return f"a list of {ctx.get('max_length', ctx.get('min_length', '?'))} values"
    return "!" + str(e["msg"]).replace("Value error, ", "")


def _section_fields(loc: Sequence[Any]) -> list[str]:
    model: Any = Config
    for part in loc:
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is None or not (isinstance(field.annotation, type)
                                 and issubclass(field.annotation, BaseModel)):
            return []
        model = field.annotation
    return list(model.model_fields)
