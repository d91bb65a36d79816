"""``nnlab config show`` and ``nnlab config defaults``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .app import SetOpt, config_app, user_errors


@config_app.command("show")
def config_show(
    config: Annotated[Path | None, typer.Argument(help="Experiment YAML (omit: defaults).")] = None,
    set_: SetOpt = None,
    raw: Annotated[bool, typer.Option("--raw", help="Do not resolve 'auto' values.")] = False,
) -> None:
    """Print the fully resolved config as YAML.

    Example: nnlab config show configs/sine.yaml --set train.epochs=5
    """
    from ..config import load_config, resolve

    with user_errors():
        cfg = load_config(config, set_ or [])
        text = cfg.to_yaml() if raw else resolve(cfg).to_yaml()
    sys.stdout.write(text)


@config_app.command("defaults")
def config_defaults() -> None:
    """Print the built-in default experiment as YAML (a starting point for a new config).

    Example: nnlab config defaults > my.yaml
    """
    from ..config import defaults_yaml

    sys.stdout.write(defaults_yaml())
