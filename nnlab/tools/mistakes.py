"""The examples a classifier gets most confidently wrong, and how to show each kind of input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..runs.experiment import Experiment
from .evaluation import predicted_classes

TOP = 16


@dataclass
class Mistakes:
    """The ``top`` misclassified samples of ``split``, most confident first."""

    split: str
    x: np.ndarray
    true: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray  # the probability the network gave its (wrong) answer
    total: int              # how many of the split's samples are misclassified
    n: int                  # samples in the split


def mistakes(exp: Experiment, top: int = TOP) -> Mistakes | None:
    """The most confidently misclassified validation samples (training ones without a
    validation split); None for regression."""
    d = exp.dataset
    if d.task != "classification":
        return None
    split = "val" if d.x_val is not None and len(d.x_val) else "train"
    x, y = d.split(split)
    x = np.asarray(x, exp.network.dtype)
    y = np.asarray(y, np.int64)
    a = exp.network.predict(x).astype(np.float64)
    pred = predicted_classes(a)
    conf = np.where(pred == 1, a[:, 0], 1 - a[:, 0]) if a.shape[1] == 1 else a.max(axis=1)
    wrong = np.flatnonzero(pred != y)
    order = wrong[np.argsort(-conf[wrong], kind="stable")][:top]
    return Mistakes(split, x[order], y[order], pred[order], conf[order], len(wrong), len(y))


def word_rows(m: Mistakes, vocab: list[str]) -> list[list[Any]]:
    """word2vec samples as (context words, true word, predicted word, confidence)."""
    rows = []
    for x, t, p, c in zip(m.x, m.true, m.predicted, m.confidence):
        context = " ".join(vocab[i] for i in np.flatnonzero(x > 0))
        rows.append([context, vocab[int(t)], vocab[int(p)], float(c)])
    return rows


def input_rows(m: Mistakes, limit: int = 8) -> list[list[Any]]:
    """Other inputs as (first input values, true class, predicted class, confidence)."""
    rows = []
    for x, t, p, c in zip(m.x, m.true, m.predicted, m.confidence):
        shown = ", ".join(f"{v:.3g}" for v in x[:limit]) + (", …" if len(x) > limit else "")
        rows.append([shown, int(t), int(p), float(c)])
    return rows
