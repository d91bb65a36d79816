"""``base:`` composition: one experiment file built on others.

    # configs/sine_sgd.yaml
    base: sine.yaml                 # or a list: [sine.yaml, small_net.yaml]
    optimizer: {name: sgd, lr: 0.05}

The bases are read first (depth-first: a base's own bases before it, a list left to right) and
the file's own keys are laid over them, so the file wins. Mappings merge key by key; anything
else (a number, a list, a name) is replaced whole, and so is a mapping whose ``name`` changes —
a different optimizer, schedule or data set does not inherit the other's parameters. Paths are
relative to the file that names them; a cycle is refused with its chain. Every merged key keeps
the file and line it came from, so errors point into the right file.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .yamlfile import read_yaml

Where = tuple[str, int]
"""(file, 1-based line) of a key."""

OVERRIDE = re.compile(r"^[A-Za-z_][\w]*(\.[\w]+)*=")  # optimizer.lr=0.05, not a file name
SWEEP_ONLY = ("grid", "random", "trials", "repeat", "seeds", "metric", "sampler", "pruner")


def read_composed(path: Path) -> tuple[dict[str, Any], dict[tuple, Where], list[str]]:
    """The merged mapping of ``path`` and its bases, where each key came from, and the chain
    of files read (bases first, ``path`` last)."""
    chain: list[str] = []
    raw, where = _read(Path(path), (), chain)
    return raw, where, chain


def _read(path: Path, stack: tuple[str, ...], chain: list[str]
          ) -> tuple[dict[str, Any], dict[tuple, Where]]:
    if not stack and not path.exists() and OVERRIDE.match(str(path)):
        raise ConfigError(f"{path}: no such config file; it looks like a field to change: "
                          f"--set {path}")
    raw, lines = read_yaml(path)
    name = str(path)
    where = {key: (name, line) for key, line in lines.items()}
    if "base" not in raw:
        chain.append(name)
        return raw, where
    bases = raw.pop("base")
    line = lines.get(("base",), 1)
    if any(k in raw for k in SWEEP_ONLY):
        raise ConfigError(f"{name}:{line}: this is a sweep file (its base: names the experiment "
                          f"to sweep); run it with `nnlab sweep {name}`")
    names = [bases] if isinstance(bases, str) else bases
    if not isinstance(names, list) or not names or not all(isinstance(b, str) for b in names):
        raise ConfigError(f"{name}:{line}: base: expected a file name or a list of file names "
                          f"(relative to this file), got {bases!r}")
    merged: dict[str, Any] = {}
    merged_where: dict[tuple, Where] = {}
    me = os.path.realpath(path)
    for base in names:
        base_path = Path(os.path.normpath(path.parent / base))
        real = os.path.realpath(base_path)
        if real in (*stack, me):
            cycle = " → ".join([*(_short(s) for s in (*stack, me)), _short(real)])
            raise ConfigError(f"{name}:{line}: base: {base} makes a cycle: {cycle}")
        if not base_path.is_file():
            raise ConfigError(f"{name}:{line}: base: {base}: file not found (looked for "
                              f"{base_path}; paths are relative to {name})")
        sub, sub_where = _read(base_path, (*stack, me), chain)
        merge(merged, merged_where, sub, sub_where)
    merge(merged, merged_where, raw, {k: v for k, v in where.items() if k != ("base",)})
    chain.append(name)
    return merged, merged_where


def merge(into: dict[str, Any], into_where: dict[tuple, Where], top: dict[str, Any],
          top_where: dict[tuple, Where], path: tuple = ()) -> None:
    """Lay ``top`` over ``into`` in place (mappings key by key, the rest replaced whole), and
    the key locations with it."""
    for key, value in top.items():
        sub = (*path, key)
        below = into.get(key)
        if (isinstance(value, dict) and isinstance(below, dict)
                and value.get("name", below.get("name")) == below.get("name")):
            merge(below, into_where, value, top_where, sub)
        else:
            into[key] = copy.deepcopy(value)
            for k in [k for k in into_where if k[:len(sub)] == sub]:
                del into_where[k]
            into_where.update({k: w for k, w in top_where.items() if k[:len(sub)] == sub})
        if sub in top_where:
            into_where[sub] = top_where[sub]


def _short(real: str) -> str:
    """A path for messages: relative to the current folder when it is below it."""
    rel = os.path.relpath(real)
    return real if rel.startswith("..") else rel
