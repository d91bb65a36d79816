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
    if len(cfg.chain) > 1:
        text = f"# merged: {' <- '.join(cfg.chain)}\n{text}"
    sys.stdout.write(text)


@config_app.command("defaults")
def config_defaults(set_: SetOpt = None) -> None:
    """Print every field with its default and a comment on what it is — a starting point for a
    new experiment. Only the data fields of the chosen data set are listed.

    Example: nnlab config defaults --set data.name=mnist > my.yaml
    """
    from ..config import load_config
    from ..config.template import template

    with user_errors():
        cfg = load_config(None, set_ or [])
    sys.stdout.write(template(cfg))


@config_app.command("schema")
def config_schema() -> None:
    """Print the JSON Schema of experiment files, for editors and validators.

    Save it and point the YAML language server at it from the first line of a config:
    # yaml-language-server: $schema=nnlab.schema.json

    Example: nnlab config schema > nnlab.schema.json
    """
    import json

    from ..config.jsonschema import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=1, ensure_ascii=False) + "\n")
