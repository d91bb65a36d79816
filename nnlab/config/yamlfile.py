"""YAML in and out: safe loading with YAML-1.2 floats, the line of every key, compact dumps."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError


class Loader(yaml.SafeLoader):
    """`yaml.SafeLoader` that also reads ``1e-3`` as a number (YAML 1.2), not as a string."""


Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))


def load_yaml(text: str) -> Any:
    """Parse YAML safely (no object construction), with YAML-1.2 floats such as ``1e-3``."""
    return yaml.load(text, Loader=Loader)  # noqa: S506 - Loader is a SafeLoader subclass



def line_map(node: yaml.Node | None, path: tuple = ()) -> dict[tuple, int]:
    """Key path → 1-based line, from the YAML node tree."""
    lines: dict[tuple, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, key.value)
            lines[sub] = key.start_mark.line + 1
            lines.update(line_map(value, sub))
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            lines[(*path, i)] = value.start_mark.line + 1
            lines.update(line_map(value, (*path, i)))
    return lines



def read_yaml(path: Path) -> tuple[dict[str, Any], dict[tuple, int]]:
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found; check the path (see configs/)")
    text = path.read_text(encoding="utf-8")
    try:
        data = load_yaml(text)
        lines = line_map(yaml.compose(text, Loader=Loader))
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



class _Dumper(yaml.SafeDumper):
    """Block-style sections, but short lists such as ``hidden: [32, 32]`` on one line."""


_Dumper.add_representer(
    list, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v,
                                            flow_style=all(not isinstance(x, dict) for x in v)))




def dump_yaml(data: Any) -> str:
    """Block-style YAML of plain data, short lists on one line, keys in their order."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
