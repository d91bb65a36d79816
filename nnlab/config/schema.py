"""The experiment schema: seven sections, every field with its default (pydantic models).

One YAML file describes an experiment in seven sections (``data``, ``model``, ``loss``,
``optimizer`` with its ``schedule``, ``regularization``, ``train``, ``run``). Every field has a
default, so an empty file — or no file — is the built-in default experiment (a sine fit).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator

from ..data import catalog
from .yamlfile import dump_yaml


def _whole(value: Any) -> Any:
    """1000.0 (as YAML reads ``1e3``) is the integer 1000; any other value is left to check."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Int = Annotated[int, BeforeValidator(_whole)]
"""An integer field: a whole float such as ``1e3`` counts, a string or a bool does not."""

Spec = str | dict[str, Any]
"""A registry entry: a name (``relu``) or a mapping ``{name: leaky_relu, alpha: 0.2}``."""


class _Section(BaseModel):
    # a field's docstring is its description: in the JSON Schema and `nnlab config defaults`
    # strict: `plots: 1` or `epochs: "10"` is a wrong type, not quietly a bool or an int
    model_config = ConfigDict(extra="forbid", strict=True, use_attribute_docstrings=True)


class DataConfig(_Section):
    """Which data to train on (toy sets are generated from ``train.seed``)."""

    name: str = "sine"
    """data set: a toy set, mnist / fashion_mnist, samples, text, or csv / npy / npz (a file)"""
    n: Int | None = Field(None, ge=1)
    """number of samples (null = the data set's default)"""
    noise: float = Field(0.05, ge=0)
    """std of Gaussian noise on y (1-D functions) or on the points (2-D sets)"""
    domain: tuple[float, float] | None = Field(None, strict=False)  # YAML gives a list
    """[lo, hi] of x for 1-D functions (null = [-3, 3]; nielsen: [0, 1])"""
    expr: str | None = None
    """the function of x for name: expr, e.g. 'sin(3*x) + 0.5*x**2'"""
    classes: Int | None = Field(None, ge=2)
    """number of classes: spiral arms (2), blobs (3); samples: max label + 1"""
    bits: Int = Field(4, ge=1, le=20)
    """parity: number of input bits (1..20)"""
    val_split: float = Field(0.2, ge=0, lt=1)
    """fraction held out for validation, in [0, 1)"""
    path: str | None = None
    """MNIST: folder to look in first; text: a UTF-8 .txt corpus; csv / npy / npz: the file"""
    split: Literal["nielsen", "standard"] = "nielsen"
    """MNIST: nielsen (50k/10k/10k) or standard (60k minus val_split / 10k)"""
    limit: Int | None = Field(None, ge=1)
    """MNIST: use only the first N training images"""
    download: bool = True
    """MNIST: download the files when they are not found"""
    x: list[list[float]] | list[float] | None = None
    """samples: input rows, e.g. [[0.6, 0.7]] (a flat list: one input per sample)"""
    y: list[list[float]] | list[float] | None = None
    """samples: regression targets, one row (or value) per sample"""
    labels: list[Int] | None = None
    """samples: class indices instead of y, one per sample"""
    text: str | None = None
    """text: the corpus inline ("I like playing football")"""
    corpus: str | None = None
    """text: a shipped corpus by name (tiny)"""
    mode: Literal["cbow", "skipgram"] = "cbow"
    """text: cbow (context → word) or skipgram (word → context)"""
    window: Int = Field(2, ge=1)
    """text: context words on each side"""
    min_count: Int = Field(1, ge=1)
    """text: drop rarer words from the vocabulary"""
    pairs: list[list[str]] | None = None
    """text: explicit [[context..., target]] samples instead of windows"""
    target: str | Int | None = None
    """csv / npy: the column to predict, a name or 0-based index (default: the last)"""
    features: list[str | Int] | None = None
    """csv / npy: the input columns (default: all the others); npz: [the input array]"""
    header: bool | Literal["auto"] = "auto"
    """csv: whether the first line names the columns (auto: when it is not all numbers)"""
    task: Literal["auto", "regression", "classification"] = "auto"
    """auto: classification for text labels or few distinct integers, else regression"""
    scale: Literal["none", "standard", "minmax"] = "none"
    """scale the inputs, fitted on the training rows: standard (x−mean)/std, minmax to [0, 1]"""

    @field_validator("features")
    @classmethod
    def _some_inputs(cls, v: list[str | int] | None) -> list[str | int] | None:
        if v is not None and not v:
            raise ValueError("an empty list gives the network no inputs; name the input "
                             "columns, or leave features out for all but the target")
        return v


class ModelConfig(_Section):
    """A multi-layer perceptron: input size from the data, ``hidden`` sizes, output size auto."""

    hidden: list[Int] = Field(default_factory=lambda: [32, 32])
    """hidden layer sizes; [] = no hidden layer (the input size comes from the data)"""
    activation: Spec | list[Spec] = "tanh"
    """hidden layers: one activation, or a list with one per hidden layer"""
    output_activation: Spec = "auto"
    """auto: identity (regression), softmax (categorical CE), sigmoid (binary CE)"""
    output_units: Int | Literal["auto"] = "auto"
    """auto: the outputs of the data (one per class; 1 for 2 classes with binary CE)"""
    bias: bool | list[bool] = True
    """whether layers have biases: one flag or one per layer (hidden + output)"""
    weight_init: Spec | list[Spec] = "glorot_uniform"
    """weight initializer: one or one per layer"""
    bias_init: Spec | list[Spec] = "zeros"
    """bias initializer: one or one per layer"""
    dropout: float | list[float] = 0.0
    """inverted dropout on hidden outputs: one rate or one per hidden layer"""
    batchnorm: bool | list[bool] = False
    """batch normalization before the activation: one flag or one per hidden layer"""
    # explicit initial values, one entry per layer (null = use the initializer); each matrix is
    # (fan_in, fan_out): row i = input i, column j = unit j (textbooks' w_ij from i to j)
    weights: list[list[list[float]] | None] | None = None
    """explicit initial weights: one (fan_in × fan_out) matrix or null per layer"""
    biases: list[list[float] | None] | None = None
    """explicit initial biases: one list or null per layer"""
    output_bias_init: Literal["auto"] | None = None
    """auto: output bias = f⁻¹(mean training target), e.g. the log class prior (null: bias_init)"""

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

    patience: Int | None = Field(None, ge=1)
    """epochs without improvement of train.monitor before stopping (null = off)"""
    min_delta: float = Field(0.0, ge=0)
    """an improvement must exceed this"""
    restore_best: bool = True
    """end with the weights of the best epoch"""


class RegularizationConfig(_Section):
    """``l2``: λ in Nielsen's convention C + (λ/2n)Σw²; ``weight_decay``: decoupled, w ← (1−ηd)w."""

    l2: float = Field(0.0, ge=0)
    """λ, Nielsen's convention: C = C0 + (λ/2n) Σ w², n = training-set size"""
    weight_decay: float = Field(0.0, ge=0)
    """decoupled: w ← (1 − η·d) w each step (AdamW style), weights only"""
    early_stopping: EarlyStoppingConfig = Field(default_factory=EarlyStoppingConfig)
    """stop when train.monitor stops improving"""


class TrainConfig(_Section):
    """The loop: epochs, batching (an int, ``full`` for full-batch, 1 for online), seed, dtype."""

    epochs: Int = Field(200, ge=1)
    """passes over the training set"""
    batch_size: Int | Literal["full"] = 32
    """mini-batch size; 1 = online (per-sample) updates; full = full-batch gradient descent"""
    shuffle: bool = True
    """reshuffle the training set every epoch"""
    seed: Int = Field(0, ge=0)
    """one seed → the data, initialization and shuffling/dropout streams"""
    dtype: Literal["float32", "float64"] = "float32"
    """float32 or float64"""
    monitor: Literal["auto", "loss", "val_loss", "accuracy", "val_accuracy"] = "auto"
    """metric for the best epoch and early stopping (auto: val_loss, or loss without val)"""
    probe_size: Int = Field(1000, ge=1)
    """training samples used for the per-layer gradient norms"""
    eval_every: Int = Field(1, ge=1)
    """measure the per-epoch metrics every N epochs (and after the last); patience counts these"""
    log_every: Int | Literal["auto"] = "auto"
    """print an epoch line every N epochs (auto: every epoch up to 30, else at most ~30 lines)"""
    tolerance: float | None = Field(None, gt=0)
    """stop ('converged') once an epoch moves the parameters less: ‖Δθ‖ < tolerance"""

    @field_validator("batch_size")
    @classmethod
    def _batch(cls, v: int | str) -> int | str:
        if isinstance(v, int) and v < 1:
            raise ValueError("batch_size must be >= 1 (1 = online) or 'full'")
        return v

    @field_validator("log_every")
    @classmethod
    def _every(cls, v: int | str) -> int | str:
        if isinstance(v, int) and v < 1:
            raise ValueError("log_every must be >= 1 or 'auto'")
        return v


class RunConfig(_Section):
    """Where the run directory goes, how often checkpoints are written, what a run leaves beside
    its numbers: pictures (plots/), snapshots of the training dynamics (snapshots.npz) and the
    report page (report.html)."""

    name: str | None = None
    """run directory prefix (null = the config file's stem, or "default")"""
    runs_dir: str = "runs"
    """parent folder of run directories"""
    checkpoint_every: Int = Field(1, ge=1)
    """epochs between last.npz writes (also at most about once a second, and at the end)"""
    plots: bool = True
    """draw RUN/plots/*.png when the run ends"""
    snapshots: Int = Field(16, ge=0)
    """epochs whose predictions and per-layer histograms are recorded (log-spaced; 0 = none)"""
    report: bool = True
    """write RUN/report.html (one self-contained page: nnlab report) when the run ends"""
    tensorboard: bool = False
    """write RUN/tensorboard/ event files when the run ends (needs the tensorboard extra)"""


class Config(_Section):
    """The whole experiment. ``Config()`` is the built-in default: a tanh MLP fitting sin(x)."""

    data: DataConfig = Field(default_factory=DataConfig)
    """which data to train on"""
    model: ModelConfig = Field(default_factory=ModelConfig)
    """the network: hidden layers, activations, initializers"""
    loss: Spec = "auto"
    """auto: mse (regression), categorical_crossentropy (classification)"""
    optimizer: dict[str, Any] = Field(
        default_factory=lambda: {"name": "adam", "lr": 0.01, "schedule": "constant"}
    )
    """name (sgd adagrad rmsprop adam adamw), lr, its own parameters and the lr schedule"""
    regularization: RegularizationConfig = Field(default_factory=RegularizationConfig)
    """L2, decoupled weight decay and early stopping"""
    train: TrainConfig = Field(default_factory=TrainConfig)
    """the training loop"""
    run: RunConfig = Field(default_factory=RunConfig)
    """where the run directory goes and what it keeps"""
    _source: str | None = PrivateAttr(None)
    _chain: list[str] = PrivateAttr(default_factory=list)

    @property
    def source(self) -> str | None:
        """The YAML file this config was loaded from (None: built in code or the default)."""
        return self._source

    @property
    def chain(self) -> list[str]:
        """The files merged into it through ``base:``, bases first and ``source`` last."""
        return list(self._chain)

    def __eq__(self, other: object) -> bool:
        """Equal settings are equal configs, whichever file they came from."""
        return isinstance(other, Config) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # mutable, like every pydantic model

    def remember(self, source: str | None, chain: list[str] | None = None) -> Config:
        """Record where this config came from (`load_config` does; copies keep it)."""
        self._source = source
        self._chain = list(chain) if chain else ([source] if source else [])
        return self

    @property
    def task(self) -> str:
        """'classification' or 'regression', known from the data section alone."""
        if self.data.task != "auto":
            return self.data.task
        return catalog.task_of(self.data.name, has_labels=self.data.labels is not None)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        """YAML of every section; ``data`` shows only the fields its data set reads."""
        d = self.to_dict()
        used = catalog.fields_of(self.data.name)
        d["data"] = {k: v for k, v in d["data"].items() if k in used}
        return dump_yaml(d)
