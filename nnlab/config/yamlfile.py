"""YAML in and out: safe loading with YAML-1.2 floats, the line of every key, compact dumps.

What a hostile file could do to a YAML reader is refused with the line it is on: a key given
twice in one mapping (YAML would silently keep the last), aliases that expand a few hundred
bytes into gigabytes ("billion laughs") or into themselves, and nesting deeper than
`MAX_DEPTH` levels (which would exhaust Python's stack).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, NnlabError
from ..files import read_text

MAX_DEPTH = 64               # levels of nesting; a real config has about five
MAX_ALIAS_EXPANSION = 1_000_000  # values that aliases may add to a document
MAX_CONFIG_BYTES = 64 << 20


class YAMLLimit(yaml.MarkedYAMLError):
    """A document refused for its shape (duplicate key, alias bomb, depth), not its syntax."""


class Loader(yaml.SafeLoader):
    """`yaml.SafeLoader` that also reads ``1e-3`` as a number (YAML 1.2), not as a string,
    and refuses duplicate keys, alias bombs and deep nesting (`YAMLLimit`)."""

    def get_single_node(self) -> yaml.Node | None:
        _check_brackets(self.buffer)  # PyYAML's scanner is quadratic in flow nesting
        try:
            node = super().get_single_node()
        except RecursionError:
            raise YAMLLimit(problem=f"nested more than {MAX_DEPTH} levels deep") from None
        if node is not None:
            _check_shape(node)
        return node

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key, _ in node.value:
                if key.tag == "tag:yaml.org,2002:merge" or not isinstance(key, yaml.ScalarNode):
                    continue
                name = key.value
                line = key.start_mark.line + 1
                if name in seen:
                    raise YAMLLimit(problem=f"'{name}' is given twice in one mapping (lines "
                                    f"{seen[name]} and {line}); keep one",
                                    problem_mark=key.start_mark)
                seen[name] = line
        return super().construct_mapping(node, deep)


_BRACKET = re.compile(r"[][{}]")


def _check_brackets(text: str) -> None:
    """Refuse ``[[[[…`` nested deeper than `MAX_DEPTH` before the scanner sees it."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for m in _BRACKET.finditer(text):
        depth += 1 if m.group() in "[{" else -1
        if depth > MAX_DEPTH:
            line = text.count("\n", 0, m.start()) + 1
            raise YAMLLimit(problem=f"nested more than {MAX_DEPTH} levels deep (line {line})")


def _check_shape(root: yaml.Node) -> None:
    """Refuse aliases that expand into themselves or into more than `MAX_ALIAS_EXPANSION`
    extra values, and nesting deeper than `MAX_DEPTH` (iteratively: no recursion)."""
    size: dict[int, int] = {}
    open_: set[int] = set()
    distinct = 0
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        children = _children(node)
        if done:
            open_.discard(id(node))
            size[id(node)] = 1 + sum(size[id(c)] for c in children)
            continue
        if id(node) in size:
            continue
        if id(node) in open_:
            raise YAMLLimit(problem="an alias refers to a value that contains it (a value "
                            "inside itself)", problem_mark=node.start_mark)
        if depth > MAX_DEPTH:
            raise YAMLLimit(problem=f"nested more than {MAX_DEPTH} levels deep",
                            problem_mark=node.start_mark)
        distinct += 1
        open_.add(id(node))
        stack.append((node, depth, True))
        stack.extend((c, depth + 1, False) for c in children if id(c) not in size)
    if size[id(root)] - distinct > MAX_ALIAS_EXPANSION:
        raise YAMLLimit(problem=f"aliases (*name) expand it to {size[id(root)]:,} values; "
                        "write the values out or use fewer aliases", problem_mark=root.start_mark)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


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



def read_yaml(path: Path, what: str = "config file") -> tuple[dict[str, Any], dict[tuple, int]]:
    """A YAML mapping and the line of every key, or a `ConfigError` naming the file and line."""
    if not path.is_file() and not path.exists():
        raise ConfigError(f"{path}: {what} not found; check the path (see configs/)")
    try:
        text = read_text(path, what, MAX_CONFIG_BYTES)
    except ConfigError:
        raise
    except NnlabError as err:  # not a regular file, not UTF-8, too large
        raise ConfigError(str(err)) from None
    try:
        data = load_yaml(text)
        lines = line_map(yaml.compose(text, Loader=Loader))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        kind = "" if isinstance(err, YAMLLimit) else "invalid YAML: "
        raise ConfigError(f"{where}: {kind}{problem}") from None
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
