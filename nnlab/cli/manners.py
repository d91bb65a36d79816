"""Command-line manners every command shares: readable placeholders in ``--help`` and shell
completion of config files, run directories and ``--set`` keys.

Typer builds each click command when it is first looked up; `Group` then gives every parameter
without a placeholder of its own one from `PLACEHOLDERS` (by parameter name, else by type) and
a completion function from `COMPLETIONS`. The completion functions import what they need when
the shell asks, so ``nnlab --help`` stays as light as before.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer.core

CONTEXT = {"help_option_names": ["-h", "--help"]}

PLACEHOLDERS = {
    "set_": "KEY=VALUE", "grid": "KEY=V1,V2,…", "random_": "KEY=DIST(…)",
    "config": "FILE", "target": "FILE|RUN", "run": "RUN", "runs": "RUN…", "resume": "RUN",
    "paths": "PATH…", "runs_dir": "DIR", "out_dir": "DIR", "path": "DIR", "output": "FILE",
    "input_": "FILE", "x": "X", "values": "X…", "name": "NAME", "checkpoint": "best|last",
    "split": "train|val|test", "fmt": "table|csv|json", "sort": "METRIC", "metric": "METRIC",
    "kind": "KIND", "sampler": "NAME", "pruner": "NAME", "storage": "URL", "nearest": "WORD",
    "words": "WORD", "timeout": "SECONDS",
}
BY_TYPE = {"integer": "N", "integer range": "N", "float": "X", "float range": "X",
           "path": "PATH", "text": "TEXT", "choice": "CHOICE"}


# ------------------------------------------------------------------ completion

def complete_config(incomplete: str) -> list[str]:
    """YAML files (and folders on the way to them) starting with ``incomplete``."""
    return _paths(incomplete, lambda p: p.suffix in (".yaml", ".yml"))


def complete_run(incomplete: str) -> list[str]:
    """Run directories (folders with a config.yaml); from ``runs/`` when nothing is typed."""
    found = _paths(incomplete or "runs/", lambda p: False)
    return found or _paths(incomplete, lambda p: False)


def _paths(incomplete: str, wanted: Callable[[Path], bool]) -> list[str]:
    folder, _, stem = incomplete.rpartition("/")
    base = Path(folder or ".") if not incomplete.startswith("/") or folder else Path("/")
    try:
        entries = sorted(base.iterdir())
    except OSError:
        return []
    out = []
    for p in entries:
        if not p.name.startswith(stem) or (p.name.startswith(".") and not stem.startswith(".")):
            continue
        shown = f"{folder}/{p.name}" if folder or incomplete.startswith("/") else p.name
        if p.is_dir():
            out.append(shown + ("" if (p / "config.yaml").is_file() else "/"))
        elif wanted(p):
            out.append(shown)
    return out


def complete_set(incomplete: str) -> list[str]:
    """``--set`` key paths from the schema (``optimizer.lr=``), and after ``=`` the names a
    field takes (``data.name=mnist``)."""
    from ..config.jsonschema import key_paths, values_of  # lazy: pydantic only when completing

    key, eq, value = incomplete.partition("=")
    if eq:
        return [f"{key}={v}" for v in values_of(key) if v.startswith(value)]
    return [f"{k}=" if leaf else f"{k}." for k, leaf in key_paths() if k.startswith(key)]


COMPLETIONS: dict[str, Callable[[str], list[str]]] = {
    "set_": complete_set, "config": complete_config, "target": complete_config,
    "run": complete_run, "runs": complete_run, "resume": complete_run, "paths": complete_run,
}


# ------------------------------------------------------------------ the group

class Group(typer.core.TyperGroup):
    """Typer's group, with placeholders and completion filled in on each command it returns."""

    def get_command(self, ctx: Any, name: str) -> Any:
        command = super().get_command(ctx, name)
        if command is not None and not getattr(command, "_nnlab_polished", False):
            polish(command)
        return command


def polish(command: Any) -> None:
    """Placeholders and completion for the parameters of one command (once)."""
    command._nnlab_polished = True
    for param in command.params:
        if getattr(param, "is_flag", False) or param.name in ("install_completion",
                                                              "show_completion"):
            continue
        if param.metavar is None:
            param.metavar = placeholder(param)
        if param.param_type_name == "argument":
            _plain_usage(param)
        complete = COMPLETIONS.get(param.name or "")
        if complete is not None and param._custom_shell_complete is None:
            param._custom_shell_complete = _adapter(complete)


def placeholder(param: Any) -> str:
    if param.name in PLACEHOLDERS:
        return PLACEHOLDERS[param.name]
    type_name = getattr(param.type, "name", "text")
    return BY_TYPE.get(type_name, (param.name or "value").upper())


def _plain_usage(param: Any) -> None:
    """``nnlab eval [OPTIONS] RUN`` rather than typer's ``{run}``; optional ones in [ ]."""
    def make_metavar(ctx: Any = None, *, usage: bool = False) -> str:
        var = param.metavar
        if param.nargs == -1 and not var.endswith("…"):
            var += "…"
        return f"[{var}]" if usage and not param.required else var

    param.make_metavar = make_metavar


def _adapter(complete: Callable[[str], list[str]]) -> Callable[..., list[str]]:
    def shell_complete(ctx: Any, param: Any, incomplete: str) -> list[str]:
        return complete(incomplete)

    return shell_complete
