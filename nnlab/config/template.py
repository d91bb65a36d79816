"""``nnlab config defaults``: every field with its default and a comment saying what it is.

The comments are the fields' own descriptions (their docstrings in `schema`), so the template,
the JSON Schema and the docs say the same thing. ``data`` lists only the fields the chosen data
set reads (`catalog.fields_of`): ``--set data.name=mnist`` shows MNIST's.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..core import optimizers, schedules
from ..data import catalog
from .schema import Config

COLUMN = 24  # where the comments start, as in the docs


def template(cfg: Config | None = None) -> str:
    """The commented YAML of ``cfg`` (default: the built-in default experiment)."""
    cfg = cfg or Config()
    values = cfg.to_dict()
    used = catalog.fields_of(cfg.data.name)
    lines = [f"# nnlab experiment: every field with its default (data: {cfg.data.name}).",
             "# Specs are a name (relu) or a mapping ({name: leaky_relu, alpha: 0.2});",
             "# nnlab config schema prints the JSON Schema editors check this against."]
    for section, field in Config.model_fields.items():
        value = values[section]
        model = field.annotation if isinstance(value, dict) and section != "optimizer" else None
        if model is None and section != "optimizer":
            lines.append(_line(section, value, field.description, 0))
            continue
        lines.append(_line(section, None, field.description, 0, header=True))
        if section == "optimizer":
            lines += _optimizer(value)
            continue
        lines += _section(model, value, used if section == "data" else None, 1)
    return "\n".join(lines) + "\n"


def _section(model: Any, values: dict[str, Any], only: tuple[str, ...] | None,
             depth: int) -> list[str]:
    out = []
    for key, field in model.model_fields.items():
        if only is not None and key not in only:
            continue
        value = values[key]
        sub = field.annotation
        if isinstance(value, dict) and hasattr(sub, "model_fields"):
            out.append(_line(key, None, field.description, depth, header=True))
            out += _section(sub, value, None, depth + 1)
        else:
            out.append(_line(key, value, field.description, depth))
    return out


def _optimizer(value: dict[str, Any]) -> list[str]:
    notes = {"name": " ".join(optimizers.OPTIMIZERS.names()),
             "lr": "the learning rate η; each optimizer's own parameters go here too",
             "schedule": "lr per epoch: " + " ".join(schedules.SCHEDULES.names())}
    return [_line(k, v, notes.get(k, ""), 1) for k, v in value.items()]


def _line(key: str, value: Any, note: str | None, depth: int, header: bool = False) -> str:
    text = "  " * depth + f"{key}:" + ("" if header else f" {_flow(value)}")
    if not note:
        return text
    return f"{text:<{COLUMN - 1}} # {note}" if len(text) < COLUMN - 1 else f"{text}  # {note}"


def _flow(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=1000).strip().removesuffix(
        "\n...").removesuffix(" ...")
