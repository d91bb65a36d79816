"""The experiment config: schema, YAML with line numbers, ``--set`` overrides, checks, resolution.

    cfg = load_config("configs/sine.yaml", overrides=["optimizer.lr=0.05"])
    resolve(cfg).to_yaml()      # what a run records: every auto and default filled in
"""

from .loading import load_config
from .overrides import apply_override, parse_override
from .resolve import defaults_yaml, diff, resolve
from .schema import (
    Config,
    DataConfig,
    EarlyStoppingConfig,
    ModelConfig,
    RegularizationConfig,
    RunConfig,
    Spec,
    TrainConfig,
)
from .yamlfile import load_yaml

__all__ = ["Config", "DataConfig", "ModelConfig", "EarlyStoppingConfig", "RegularizationConfig",
           "TrainConfig", "RunConfig", "Spec", "load_config", "resolve", "parse_override",
           "apply_override", "diff", "defaults_yaml", "load_yaml"]
