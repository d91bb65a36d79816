"""Checks of the data before any training ("become one with the data", Karpathy's first step):
finite values, class balance, input and target scale, duplicates, train/validation overlap,
and a target that leaked into the inputs."""

from __future__ import annotations

import numpy as np

from .report import Check
from .setup import Setup

LEAK_CORR = 0.9999   # |correlation| of an input column with a target this close to 1 = a copy
LEAK_ROWS = 10000    # rows used for the correlations


def _rows(x: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row's bytes (equal rows, equal hashes; a collision between two
    different rows has odds of about n²/2⁶⁵ — nil for any data set here)."""
    x = np.ascontiguousarray(x)
    return np.fromiter((hash(row.tobytes()) for row in x), dtype=np.int64, count=len(x))


def finite(s: Setup) -> Check:
    d = s.exp.dataset
    bad = {f"{kind}_{split}": int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
           for split in ("train", "val", "test")
           for kind, arr in (("x", getattr(d, f"x_{split}")), ("y", getattr(d, f"y_{split}")))
           if arr is not None and np.issubdtype(np.asarray(arr).dtype, np.floating)}
    n_bad = sum(bad.values())
    if n_bad:
        where = ", ".join(f"{k}: {v}" for k, v in bad.items() if v)
        return Check("data: finite", "FAIL", f"{n_bad} NaN/inf values ({where})",
                     "one NaN makes every loss and gradient NaN", "clean or drop those rows",
                     bad)
    return Check("data: finite", "PASS", "no NaN or inf in inputs or targets",
                 "every value is a number", values=bad)


def class_balance(s: Setup) -> Check:
    d = s.exp.dataset
    if d.task != "classification":
        return Check("data: classes", "SKIP", "regression data", "no classes to balance")
    counts = np.bincount(np.asarray(d.y_train, np.int64), minlength=d.n_classes or 0)
    share = counts / max(counts.sum(), 1)
    values = {"counts": counts.tolist(), "majority": float(share.max())}
    measured = (f"{len(counts)} classes, {counts.min():,}–{counts.max():,} training samples "
                f"each; the majority class is {share.max():.1%}")
    if counts.min() == 0:
        return Check("data: classes", "WARN", measured, "a class never occurs in training: "
                     "the network cannot learn it", "check the labels and the split", values)
    if counts.max() > 10 * counts.min():
        return Check("data: classes", "WARN", measured, "imbalanced: always predicting the "
                     f"majority class already scores {share.max():.1%} accuracy",
                     "judge by per-class recall (nnlab eval) or rebalance", values)
    return Check("data: classes", "PASS", measured, "balanced enough: accuracy means what it "
                 "says", values=values)


def scale(s: Setup) -> Check:
    """Inputs (and regression targets) should be of order 1."""
    x = s.x
    top, std = float(np.max(np.abs(x))), float(np.max(np.std(x, axis=0)))
    values = {"x_min": float(x.min()), "x_max": float(x.max()), "x_std_max": std}
    measured = f"inputs in [{x.min():.3g}, {x.max():.3g}], largest column std {std:.3g}"
    if not s.classification:
        t_std = float(np.max(np.std(s.t, axis=0)))
        values["t_std_max"] = t_std
        measured += f"; targets std {t_std:.3g}"
        top = max(top, t_std)
    if top <= 10:
        return Check("data: scale", "PASS", measured, "of order 1, as initializers assume",
                     values=values)
    return Check("data: scale", "FAIL" if top > 100 else "WARN", measured,
                 "initializers assume inputs of order 1: large ones saturate sigmoid/tanh "
                 "units and blow up the first steps",
                 "scale the data (e.g. pixels / 255, or standardize each column)", values)


def duplicates(s: Setup) -> Check:
    rows = _rows(s.x)
    _, first, inverse, counts = np.unique(rows, return_index=True, return_inverse=True,
                                          return_counts=True)
    n = len(rows)
    dup = n - len(counts)
    same_x = counts[inverse.ravel()] > 1
    t_first = s.t[first][inverse.ravel()]
    conflict = int(np.count_nonzero(same_x & np.any(s.t != t_first, axis=1)))
    values = {"duplicates": int(dup), "conflicting": conflict, "n": n}
    measured = (f"{dup:,} of {n:,} training inputs repeat an earlier one"
                + (f"; {conflict:,} repeat one with a different target" if conflict else ""))
    if conflict > 0.01 * n:
        return Check("data: duplicates", "WARN", measured, "the same input with different "
                     "targets puts a floor under the loss (expected for word2vec contexts)",
                     "check the labels if that is not the task", values)
    if dup > 0.1 * n:
        return Check("data: duplicates", "WARN", measured, "repeated samples weigh more than "
                     "the rest", "deduplicate unless the repetition is meant", values)
    return Check("data: duplicates", "PASS", measured, "no repetition worth mentioning",
                 values=values)


def overlap(s: Setup) -> Check:
    if s.x_val is None:
        return Check("data: train/val overlap", "SKIP", "no validation split",
                     "nothing to compare")
    shared = int(np.count_nonzero(np.isin(_rows(s.x_val), _rows(s.x))))
    n = len(s.x_val)
    values = {"shared": shared, "n_val": n}
    measured = f"{shared:,} of {n:,} validation inputs also occur in training"
    if shared == 0:
        return Check("data: train/val overlap", "PASS", measured, "validation measures "
                     "generalization", values=values)
    return Check("data: train/val overlap", "FAIL" if shared > 0.05 * n else "WARN", measured,
                 "validation scores on seen inputs overstate generalization",
                 "split after deduplicating", values)


def leak(s: Setup) -> Check:
    """An input column that is a copy of a target (or, for classes, of the label)."""
    if s.x.shape[1] == 1:
        return Check("data: target leak", "SKIP", "one input column", "the task itself relates "
                     "it to the target")
    x = s.x[:LEAK_ROWS].astype(np.float64)
    t = s.t[:LEAK_ROWS].astype(np.float64)
    names = [f"target {k}" for k in range(t.shape[1])]
    if s.classification:
        label = np.asarray(s.exp.dataset.y_train[:LEAK_ROWS], np.float64)[:, None]
        t, names = np.hstack([label, t]), ["the label", *(f"class {k}" for k in range(t.shape[1]))]
    corr = _abs_corr(x, t)
    col, k = np.unravel_index(int(np.argmax(corr)), corr.shape)
    best = float(corr[col, k])
    values = {"max_abs_corr": best, "column": int(col), "with": names[k]}
    measured = f"largest |correlation| of an input column with {names[k]}: {best:.4f} " \
               f"(column {col})"
    if best >= LEAK_CORR:
        return Check("data: target leak", "FAIL", measured, f"input column {col} is a copy of "
                     f"{names[k]}: the network will learn to read the answer", "remove that "
                     "column from the inputs", values)
    return Check("data: target leak", "PASS", measured, "no input column copies a target",
                 values=values)


def _abs_corr(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """|Pearson correlation| of every column of x with every column of t (0 for constants)."""
    xc, tc = x - x.mean(axis=0), t - t.mean(axis=0)
    sx, st = np.sqrt((xc ** 2).sum(axis=0)), np.sqrt((tc ** 2).sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.abs(xc.T @ tc) / np.outer(sx, st)
    return np.nan_to_num(corr, nan=0.0, posinf=0.0)
