"""Explicit samples typed into the config: the data of textbook worked examples.

``data.name: samples`` with ``data.x`` (one row of inputs per sample) and either ``data.y`` (one
row of regression targets per sample) or ``data.labels`` (one class index per sample; the number
of classes is ``data.classes`` or max label + 1). A flat list is one value per sample, so the
2-3-2-1 network of the backpropagation write-ups is ``x: [[0.6, 0.7]]``, ``y: [0.9]``. Rows are
kept in the given order; ``val_split`` holds out rows at random as for every other source (0 keeps
all of them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import DataError
from .base import Dataset, DataSpec, holdout

SAMPLE_FIELDS = ("x", "y", "labels")


def fail(key: Sequence[Any], message: str) -> DataError:
    """A `DataError` ``"data.x.1: message"`` that also carries ``err.key`` and ``err.detail``."""
    err = DataError(f"{'.'.join(map(str, key))}: {message}")
    err.key, err.detail = list(key), message  # type: ignore[attr-defined]
    return err


def _rows(value: Any) -> list[list[float]]:
    """A flat list is one value per sample: [0.9] → [[0.9]]."""
    return [v if isinstance(v, list) else [v] for v in value]


def check(d: DataSpec, dtype: Any = "float32") -> None:
    """Config-time checks of ``data.x``/``y``/``labels`` (raises `fail` errors with the key):
    rectangular rows of finite numbers that fit ``dtype``, one target per row, at least one
    row left to train on after ``val_split``."""
    if d.name != "samples":
        return
    if not d.x:
        raise fail(["data", "x"], "data.name: samples needs the inputs, one row per sample, "
                   "e.g. x: [[0.6, 0.7]]")
    x = _rows(d.x)
    width = len(x[0])
    for i, row in enumerate(x):
        if len(row) != width or not row:
            raise fail(["data", "x", i], f"every row needs the same number of inputs ({width}), "
                       f"got {len(row)}")
        if not all(math.isfinite(v) for v in row):
            raise fail(["data", "x", i], "inputs must be finite numbers")
    if (d.y is None) == (d.labels is None):
        raise fail(["data"], "data.name: samples needs exactly one of y (regression targets) "
                   "or labels (class indices)")
    if d.y is not None:
        _check_targets(_rows(d.y), len(x))
        _cast(_rows(d.y), dtype, "y")
    else:
        _check_labels(list(d.labels or []), len(x), d.classes)
    _cast(x, dtype, "x")
    if round(len(x) * d.val_split) >= len(x):
        raise fail(["data", "val_split"], f"{d.val_split:g} holds out all {len(x)} rows, "
                   f"leaving none to train on; lower it (0 keeps every row for training)")


def _check_targets(y: list[list[float]], n: int) -> None:
    if len(y) != n:
        raise fail(["data", "y"], f"{n} input rows but {len(y)} target rows; give one target "
                   "row per sample")
    for i, row in enumerate(y):
        if len(row) != len(y[0]) or not row or not all(math.isfinite(v) for v in row):
            raise fail(["data", "y", i], f"every target row needs {len(y[0])} finite numbers")


def _check_labels(labels: list[int], n: int, classes: int | None) -> None:
    if len(labels) != n:
        raise fail(["data", "labels"], f"{n} input rows but {len(labels)} labels; give one "
                   "class index per sample")
    if min(labels) < 0:
        raise fail(["data", "labels"], "class indices must be >= 0")
    if len(set(labels)) < 2:
        raise fail(["data", "labels"], f"every sample has class {labels[0]}: there is nothing "
                   "to tell apart; add samples of another class (or use regression with y)")
    if classes is not None and max(labels) >= classes:
        raise fail(["data", "classes"], f"label {max(labels)} needs at least "
                   f"{max(labels) + 1} classes, got classes: {classes}")


def _cast(rows: list[list[float]], dtype: Any, key: str) -> np.ndarray:
    """The rows as an array of ``dtype``, refusing values beyond its range (1e39 in float32)."""
    with np.errstate(over="ignore"):
        a = np.asarray(rows, dtype=dtype)
    if not np.isfinite(a).all():
        big = max(abs(v) for row in rows for v in row)
        raise fail(["data", key], f"values up to {big:.3g} overflow {np.dtype(dtype).name}; "
                   "scale them, or set train.dtype: float64")
    return a


def load(d: DataSpec, rng: np.random.Generator, dtype: Any = np.float32) -> Dataset:
    """The samples of ``d`` as a `Dataset` (regression with ``y``, classification with labels)."""
    check(d)
    x = _cast(_rows(d.x), dtype, "x")
    if d.y is not None:
        y = _cast(_rows(d.y), dtype, "y")
        task, n_classes = "regression", None
    else:
        y = np.asarray(d.labels, dtype=np.int64)
        task, n_classes = "classification", int(d.classes or y.max() + 1)
    return holdout("samples", task, x, y, d.val_split, rng, n_classes=n_classes,
                   info={"n": len(x)})
