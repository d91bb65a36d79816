"""The experiment file as a JSON Schema, for editors and validators (``nnlab config schema``).

Pydantic writes the sections, types, bounds and each field's description; this module adds
what only nnlab's tables know: the data set names of the catalog (and which data sets read each
``data.*`` field), and for every building block — activations, initializers, losses,
optimizers, schedules — its names and aliases, and each one's parameters with their defaults.
A typo in a key, a name or a parameter fails validation, as it fails ``nnlab train``.

The same tables give the ``--set`` key paths the shell completes (`key_paths`, `values_of`).
"""

from __future__ import annotations

import inspect
from functools import cache
from typing import Any

from ..core import activations, initializers, losses, optimizers, schedules
from ..core.registry import Registry
from ..data import catalog
from .schema import Config

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SPECS = {("model", "activation"): (activations.ACTIVATIONS, True, ()),
         ("model", "output_activation"): (activations.ACTIVATIONS, False, ("auto",)),
         ("model", "weight_init"): (initializers.INITIALIZERS, True, ()),
         ("model", "bias_init"): (initializers.INITIALIZERS, True, ()),
         ("loss",): (losses.LOSSES, False, ("auto",))}
"""Spec fields: (registry, one per layer allowed, extra names such as auto)."""


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an experiment file."""
    schema = Config.model_json_schema()
    defs = schema["$defs"]
    schema = {"$schema": DRAFT, "title": "nnlab experiment", **schema}
    schema["description"] = ("An nnlab experiment file: data, model, loss, optimizer, "
                             "regularization, train, run. Every field has a default.")
    props = schema["properties"]
    props["base"] = {"description": "experiment file(s) this one builds on, relative to it; "
                                    "its own keys win",
                     "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    _data(defs["DataConfig"])
    for path, (reg, per_layer, extra) in SPECS.items():
        holder = defs["ModelConfig"]["properties"] if path[0] == "model" else props
        old = holder[path[-1]]
        one = spec_schema(reg, extra)
        holder[path[-1]] = {"description": old.get("description", ""), "default": old["default"],
                            "anyOf": [one, {"type": "array", "items": one}] if per_layer
                            else one["anyOf"]}
    props["optimizer"] = {**_optimizer(), "description": props["optimizer"]["description"],
                          "default": Config().optimizer}
    return schema


def _data(data: dict[str, Any]) -> None:
    """Data set names as an enum; each field says which data sets read it."""
    props = data["properties"]
    props["name"]["enum"] = list(catalog.NAMES)
    props["name"]["description"] += ". " + "; ".join(
        f"{s.name}: {s.summary}" for s in catalog.SOURCES.values())
    for key, prop in props.items():
        users = [s.name for s in catalog.SOURCES.values() if key in s.fields]
        if key not in catalog.COMMON and users:
            prop["description"] = f"{prop.get('description', '')} (read by: {', '.join(users)})"


def _param(default: Any) -> dict[str, Any]:
    """A parameter's type from its default (as the registry checks it: int or float = number)."""
    if isinstance(default, bool):
        return {"type": "boolean", "default": default}
    if isinstance(default, (int, float)):
        return {"type": "number", "default": default}
    if isinstance(default, str):
        return {"type": "string", "default": default}
    return {}


def _summary(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    return doc.split("\n\n")[0].replace("\n", " ")


def spec_schema(reg: Registry, extra: tuple[str, ...] = (), more: dict | None = None
                ) -> dict[str, Any]:
    """A registry entry: a name, or ``{name: …, param: …}`` with that entry's parameters only."""
    names = [*extra, *reg.names(aliases=True)]
    cases = []
    params: dict[str, Any] = {}
    for name in reg.names(aliases=True):
        own = {k: _param(v) for k, v in reg.params(name).items()}
        params.update(own)
        cases.append({"if": {"properties": {"name": {"const": name}}, "required": ["name"]},
                      "then": {"properties": {"name": {}, **own, **(more or {})},
                               "additionalProperties": False}})
    described = "; ".join(f"{n}: {_summary(reg._classes[n])}" for n in reg.names())
    mapping = {"type": "object", "properties": {"name": {"enum": names[len(extra):]},
                                                **params, **(more or {})},
               "additionalProperties": False, "allOf": cases}
    return {"description": described,
            "anyOf": [{"type": "string", "enum": names}, mapping]}


def _optimizer() -> dict[str, Any]:
    """The optimizer section: a name, its parameters and the learning-rate ``schedule``.

    ``name`` is not required here: a file built on another (``base:``) may change only ``lr``.
    """
    schedule = spec_schema(schedules.SCHEDULES)
    opt = spec_schema(optimizers.OPTIMIZERS, more={"schedule": schedule})
    return opt["anyOf"][1] | {"description": opt["description"]}


# ------------------------------------------------------------------ --set key paths

@cache
def key_paths() -> list[tuple[str, bool]]:
    """Every ``--set`` key path with whether it is a leaf: ``("optimizer.lr", True)``."""
    out: list[tuple[str, bool]] = []
    schema = json_schema()

    def walk(node: dict[str, Any], prefix: str) -> None:
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
        props = node.get("properties")
        if not props:
            return
        for key, sub in props.items():
            sub_props = sub.get("properties") or ("$ref" in sub)
            out.append((f"{prefix}{key}", not sub_props))
            if sub_props:
                walk(sub, f"{prefix}{key}.")

    walk(schema, "")
    return [(k, leaf) for k, leaf in out if k != "base"]


def values_of(key: str) -> list[str]:
    """The names a key takes (``data.name`` → the data sets), for completion after ``=``."""
    spec = SPECS.get(tuple(key.split(".")))
    if spec is not None:
        return [*spec[2], *spec[0].names()]
    fixed = {"data.name": list(catalog.NAMES), "optimizer.name": optimizers.OPTIMIZERS.names(),
             "optimizer.schedule": schedules.SCHEDULES.names(),
             "optimizer.schedule.name": schedules.SCHEDULES.names()}
    if key in fixed:
        return fixed[key]
    section, _, field = key.rpartition(".")
    model = {"data": "DataConfig", "train": "TrainConfig", "run": "RunConfig"}.get(section)
    if model:
        prop = json_schema()["$defs"][model]["properties"].get(field, {})
        choices = [v for a in prop.get("anyOf", [prop]) for v in a.get("enum", [])]
        if prop.get("type") == "boolean":
            choices = ["true", "false"]
        return [str(c) for c in choices]
    return []
