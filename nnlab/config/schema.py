"""The experiment schema: seven sections, every field with its default (pydantic models).

One YAML file describes an experiment in seven sections (``data``, ``model``, ``loss``,
``optimizer`` with its ``schedule``, ``regularization``, ``train``, ``run``). Every field has a
default, so an empty file — or no file — is the built-in default experiment (a sine fit).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..data import catalog
from .yamlfile import dump_yaml

Spec = str | dict[str, Any]
"""A registry entry: a name (``relu``) or a mapping ``{name: leaky_relu, alpha: 0.2}``."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataConfig(_Section):
    """Which data to train on (toy sets are generated from ``train.seed``)."""

    name: str = "sine"
    n: int | None = Field(None, ge=1)
    noise: float = Field(0.05, ge=0)
    domain: tuple[float, float] | None = None
    expr: str | None = None
    classes: int | None = Field(None, ge=2)
    bits: int = Field(4, ge=1, le=20)
    val_split: float = Field(0.2, ge=0, lt=1)
    path: str | None = None
    split: Literal["nielsen", "standard"] = "nielsen"
    limit: int | None = Field(None, ge=1)
    download: bool = True
    # samples (explicit rows, the write-ups' worked examples): x + y (regression) or x + labels
    x: list[list[float]] | list[float] | None = None
    y: list[list[float]] | list[float] | None = None
    labels: list[int] | None = None
    # text (word2vec): one of text / corpus / path; CBOW or skip-gram pairs within window
    text: str | None = None
    corpus: str | None = None
    mode: Literal["cbow", "skipgram"] = "cbow"
    window: int = Field(2, ge=1)
    min_count: int = Field(1, ge=1)
    pairs: list[list[str]] | None = None


class ModelConfig(_Section):
    """A multi-layer perceptron: input size from the data, ``hidden`` sizes, output size auto."""

    hidden: list[int] = Field(default_factory=lambda: [32, 32])
    activation: Spec | list[Spec] = "tanh"
    output_activation: Spec = "auto"
    output_units: int | Literal["auto"] = "auto"
    bias: bool | list[bool] = True
    weight_init: Spec | list[Spec] = "glorot_uniform"
    bias_init: Spec | list[Spec] = "zeros"
    dropout: float | list[float] = 0.0
    # explicit initial values, one entry per layer (null = use the initializer); each matrix is
    # (fan_in, fan_out): row i = input i, column j = unit j (textbooks' w_ij from i to j)
    weights: list[list[list[float]] | None] | None = None
    biases: list[list[float] | None] | None = None

    @field_validator("hidden")
    @classmethod
    def _positive(cls, v: list[int]) -> list[int]:
        if any(h < 1 for h in v):
            raise ValueError("every hidden layer needs at least 1 unit")
        return v

    @field_validator("dropout")
    @classmethod
    def _rate(cls, v: float | list[float]) -> float | list[float]:
        if any(not 0 <= r < 1 for r in (v if isinstance(v, list) else [v])):
            raise ValueError("dropout rates must be in [0, 1)")
        return v


class EarlyStoppingConfig(_Section):
    """Stop when ``train.monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    patience: int | None = Field(None, ge=1)
    min_delta: float = Field(0.0, ge=0)
    restore_best: bool = True


class RegularizationConfig(_Section):
    """``l2``: λ in Nielsen's convention C + (λ/2n)Σw²; ``weight_decay``: decoupled, w ← (1−ηd)w."""

    l2: float = Field(0.0, ge=0)
    weight_decay: float = Field(0.0, ge=0)
    early_stopping: EarlyStoppingConfig = Field(default_factory=EarlyStoppingConfig)


class TrainConfig(_Section):
    """The loop: epochs, batching (an int, ``full`` for full-batch, 1 for online), seed, dtype."""

    epochs: int = Field(200, ge=1)
    batch_size: int | Literal["full"] = 32
    shuffle: bool = True
    seed: int = Field(0, ge=0)
    dtype: Literal["float32", "float64"] = "float32"
    monitor: Literal["auto", "loss", "val_loss", "accuracy", "val_accuracy"] = "auto"
    probe_size: int = Field(1000, ge=1)

    @field_validator("batch_size")
    @classmethod
    def _batch(cls, v: int | str) -> int | str:
        if isinstance(v, int) and v < 1:
            raise ValueError("batch_size must be >= 1 (1 = online) or 'full'")
        return v


class RunConfig(_Section):
    """Where the run directory goes, how often checkpoints are written, what a run leaves beside
    its numbers: pictures (plots/) and snapshots of the training dynamics (snapshots.npz)."""

    name: str | None = None
    runs_dir: str = "runs"
    checkpoint_every: int = Field(1, ge=1)
    plots: bool = True
    snapshots: int = Field(16, ge=0)  # epochs recorded (log-spaced; 0 = none)


class Config(_Section):
    """The whole experiment. ``Config()`` is the built-in default: a tanh MLP fitting sin(x)."""

    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    loss: Spec = "auto"
    optimizer: dict[str, Any] = Field(
        default_factory=lambda: {"name": "adam", "lr": 0.01, "schedule": "constant"}
    )
    regularization: RegularizationConfig = Field(default_factory=RegularizationConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    run: RunConfig = Field(default_factory=RunConfig)

    @property
    def task(self) -> str:
        """'classification' or 'regression', known from the data section alone."""
        return catalog.task_of(self.data.name, has_labels=self.data.labels is not None)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        return dump_yaml(self.to_dict())
