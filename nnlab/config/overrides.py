"""``--set KEY.PATH=VALUE`` overrides: the value is YAML, the path reaches into any section."""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import ConfigError
from .yamlfile import YAMLLimit, load_yaml


def parse_override(text: str) -> tuple[list[str | int], Any]:
    """``"model.hidden=[64,64]"`` → (['model', 'hidden'], [64, 64]); the value is parsed as YAML."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set {text}: expected KEY.PATH=VALUE, e.g. --set optimizer.lr=0.1")
    try:
        value = load_yaml(raw) if raw.strip() else None
    except YAMLLimit as err:  # a value too deep, an alias bomb, a key twice: never plain text
        raise ConfigError(f"--set {text}: {err.problem}") from None
    except yaml.YAMLError:
        value = raw
    path: list[str | int] = [int(p) if p.isdigit() else p for p in key.strip().split(".")]
    if any(p == "" for p in path):
        raise ConfigError(f"--set {text}: empty part in the key '{key.strip()}'; write it as "
                          "section.key, e.g. --set optimizer.lr=0.1")
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
