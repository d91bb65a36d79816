"""The dataset every data source produces: batch-major arrays split into train/validation/test."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..errors import DataError

DataSpec = Any
"""The config's ``data`` section (`nnlab.config.DataConfig`), read by attribute: the data layer
sits below the config and takes whatever carries those fields."""


@dataclass
class Dataset:
    """Train/validation(/test) arrays plus what the trainer needs to know about them.

    ``x_*`` are float arrays of shape (n, features). For ``task == "regression"`` the ``y_*`` are
    float arrays (n, outputs); for ``"classification"`` they are integer labels (n,) in
    ``range(n_classes)`` (one-hot targets are made by the trainer when the loss needs them).
    ``target_fn`` is the noiseless function for 1-D regression sets (used for plots), else None.
    """

    name: str
    task: Literal["regression", "classification"]
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    n_classes: int | None = None
    target_fn: Callable[[np.ndarray], np.ndarray] | None = None
    info: dict[str, Any] = field(default_factory=dict)
    train_size: int | None = field(default=None, repr=False)  # rows, after x_train was let go

    @property
    def n_train(self) -> int:
        """The training-set size n (the n of the L2 term (λ/2n)Σw²), also after the training
        rows were let go (`train_size`)."""
        return len(self.x_train) if self.train_size is None else self.train_size

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def n_outputs(self) -> int:
        """Width of the target: n_classes for classification, y columns for regression."""
        if self.task == "classification":
            return int(self.n_classes or 0)
        return int(self.y_train.shape[1])

    def targets(self, y: np.ndarray, units: int, dtype: Any) -> np.ndarray:
        """What the loss compares outputs with: one-hot rows, a 0/1 column, or regression values."""
        if self.task != "classification":
            return np.asarray(y, dtype=dtype)
        labels = np.asarray(y, dtype=np.int64)
        if units == 1:
            return labels.astype(dtype)[:, None]
        return np.eye(units, dtype=dtype)[labels]

    def without_training_rows(self) -> Dataset:
        """A copy without the training samples (sizes, validation and test rows kept)."""
        return dataclasses.replace(self, x_train=self.x_train[:0].copy(),
                                   y_train=self.y_train[:0].copy(), train_size=self.n_train)

    def split(self, which: str) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of 'train', 'val' or 'test'; DataError-free callers check for None first."""
        x, y = getattr(self, f"x_{which}"), getattr(self, f"y_{which}")
        return x, y


def split_off(
    x: np.ndarray, y: np.ndarray, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Shuffle once with ``rng`` and hold out ``fraction`` of the rows: (x_tr, y_tr, x_va, y_va)."""
    n = len(x)
    n_val = int(round(n * fraction))
    if n_val >= n:
        err = DataError(f"data.val_split: {fraction:g} holds out all {n} rows, leaving none to "
                        f"train on; lower data.val_split (below {(n - 0.5) / n:.3g}) or add rows")
        err.key, err.detail = ["data", "val_split"], str(err).split(": ", 1)[1]  # type: ignore
        raise err
    if n_val == 0:
        return x, y, None, None
    perm = rng.permutation(n)
    va, tr = perm[:n_val], perm[n_val:]
    return x[tr], y[tr], x[va], y[va]


def holdout(name: str, task: Literal["regression", "classification"], x: np.ndarray,
            y: np.ndarray, val_split: float, rng: np.random.Generator, **fields: Any) -> Dataset:
    """A `Dataset` from all samples (x, y), with ``val_split`` of them held out by `split_off`."""
    x_tr, y_tr, x_va, y_va = split_off(x, y, val_split, rng)
    return Dataset(name=name, task=task, x_train=x_tr, y_train=y_tr, x_val=x_va, y_val=y_va,
                   **fields)


def check_learnable(d: Dataset) -> None:
    """Refuse data a network cannot learn from, naming why: no training rows, values that are
    not finite in the training dtype (inputs that overflowed float32), a single class."""
    if len(d.x_train) == 0:
        raise DataError(f"the data '{d.name}' have no training rows; lower data.val_split or "
                        "add rows")
    arrays = [("inputs", d.x_train), ("inputs", d.x_val)]
    if d.task == "regression":
        arrays += [("targets", d.y_train), ("targets", d.y_val)]
    for what, a in arrays:
        # min and max carry any NaN or inf without an array-sized temporary (MNIST: 150 MiB)
        if a is not None and a.dtype.kind == "f" and a.size and not (
                np.isfinite(a.min()) and np.isfinite(a.max())):
            raise DataError(f"the {what} of '{d.name}' are not all finite in {a.dtype} (NaN, "
                            "inf, or beyond its range); scale them, or use train.dtype: float64")
    if d.task == "classification" and (d.n_classes or 0) < 2:
        raise DataError(f"the data '{d.name}' have a single class; classification needs at "
                        "least two (add samples of another class, or use regression)")
