"""Evaluating and using a trained run: metrics on a split, and predictions for new inputs.

    from nnlab.evaluation import evaluate_run, predict_run
    result = evaluate_run("runs/moons-…", checkpoint="best", split="val")
    result["accuracy"], result["confusion_matrix"]
    columns, rows = predict_run("runs/sine-…", [[0.5], [1.0]])

The network is rebuilt from the run's ``config.yaml`` and the weights of ``checkpoints/best.npz``
or ``last.npz`` (`nnlab.runs.training.load_run`). ``loss`` is reported as training records it:
the data loss plus the L2 term (λ/2n)Σw² when ``regularization.l2`` > 0, so evaluating the best
checkpoint on ``val`` reproduces ``summary.json``'s best ``val_loss``; ``data_loss`` and
``l2_penalty`` give the two parts. Regression metrics are about the residual r = a − t:
MSE = mean of r² over samples AND outputs (not halved, unlike the ``mse`` loss ½Σⱼr²ⱼ averaged
over samples), MAE = mean |r|, max error = max |r|.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..core.metrics import l2_penalty, score
from ..errors import DataError, NnlabError
from ..files import NPY_MAGIC, atomic_write, npy_from_bytes, write_json
from ..runs.experiment import Experiment
from ..runs.rundir import CHECKPOINTS, RunDir
from ..runs.training import load_run

SPLITS = ("train", "val", "test")


# --------------------------------------------------------------------------- loading

def check_checkpoint(checkpoint: str) -> str:
    if checkpoint not in CHECKPOINTS:
        raise NnlabError(f"--checkpoint: expected best or last, got {checkpoint!r}")
    return checkpoint


def open_run(run: str | Path, checkpoint: str = "best",
             overrides: Sequence[str] = ()) -> tuple[Experiment, dict[str, Any]]:
    """`load_run` with the checkpoint name checked, plus what the checkpoint says about itself:
    ``{"run_dir", "checkpoint", "epoch"}`` (the epoch when recorded)."""
    check_checkpoint(checkpoint)
    rd = RunDir.open(run)
    exp = load_run(rd.path, checkpoint, overrides)
    meta: dict[str, Any] = {"run_dir": str(rd.path), "checkpoint": checkpoint}
    state = rd.train_state(checkpoint)
    if state is not None and isinstance(state.get("epoch"), int):
        meta["epoch"] = state["epoch"]
    return exp, meta


def default_split(exp: Experiment) -> str:
    """test when the data have one (MNIST), else val, else train."""
    d = exp.dataset
    return next(s for s in ("test", "val", "train")
                if s == "train" or _rows(d.split(s)[0]))


def _rows(x: np.ndarray | None) -> int:
    return 0 if x is None else len(x)


def split_arrays(exp: Experiment, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of ``split``, refusing unknown names and splits the data do not have."""
    if split not in SPLITS:
        raise NnlabError(f"--split: expected train, val or test, got {split!r}")
    d = exp.dataset
    x, y = d.split(split)
    if not _rows(x):
        have = [s for s in SPLITS if _rows(d.split(s)[0])]
        why = " (data.val_split is 0)" if split == "val" else ""
        raise NnlabError(f"the run's data '{d.name}' have no {split} split{why}, only "
                         f"{' and '.join(have)}; use --split {'val' if 'val' in have else 'train'}")
    return x, y


# --------------------------------------------------------------------------- metrics

def evaluate(exp: Experiment, split: str) -> dict[str, Any]:
    """Loss and task metrics of the experiment's current weights on ``split``."""
    x, y = split_arrays(exp, split)
    net, d = exp.network, exp.dataset
    classification = d.task == "classification"
    l2 = exp.config.regularization.l2
    penalty = l2_penalty(net, l2, d.n_train)
    t = d.targets(y, net.layers[-1].units, net.dtype)
    x = np.asarray(x, net.dtype)
    scored = score(net, exp.loss, x, t, classification=classification, penalty=penalty)
    out: dict[str, Any] = {
        "split": split, "n": len(x), "task": d.task, "data": d.name,
        "loss": scored["loss"], "loss_name": repr(exp.loss),
        "loss_includes_l2": bool(l2), "data_loss": scored["loss"] - penalty,
        "l2_penalty": penalty,
    }
    a = net.predict(x).astype(np.float64)
    if classification:
        out["accuracy"] = scored["accuracy"]
        out |= classification_metrics(np.asarray(y, np.int64), predicted_classes(a),
                                      int(d.n_classes or a.shape[1]))
    else:
        out |= regression_metrics(a, np.asarray(y, np.float64))
    return out


def predicted_classes(a: np.ndarray) -> np.ndarray:
    """argmax of the outputs, or output > ½ for a single sigmoid unit (as `accuracy` counts)."""
    if a.shape[1] == 1:
        return (a[:, 0] > 0.5).astype(np.int64)
    return a.argmax(axis=1)


def classification_metrics(labels: np.ndarray, predicted: np.ndarray,
                           n_classes: int) -> dict[str, Any]:
    """Confusion matrix C[true, predicted] and per class precision = C[k,k] / Σᵢ C[i,k]
    (None when nothing was predicted as k), recall = C[k,k] / Σⱼ C[k,j], support = Σⱼ C[k,j]."""
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (labels, predicted), 1)
    tp, pred, support = np.diag(cm), cm.sum(axis=0), cm.sum(axis=1)
    classes = [{"class": k,
                "precision": float(tp[k] / pred[k]) if pred[k] else None,
                "recall": float(tp[k] / support[k]) if support[k] else None,
                "support": int(support[k])} for k in range(n_classes)]
    return {"classes": classes, "confusion_matrix": cm.tolist()}


def regression_metrics(a: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """MSE (mean of r² over samples and outputs, not halved), MAE, max |r| for r = a − y."""
    r = np.abs(a - y.reshape(a.shape))
    return {"mse": float(np.mean(r * r)), "mae": float(np.mean(r)), "max_error": float(r.max()),
            "mse_definition": "mean of (output - target)^2 over samples and outputs, not halved"}


def evaluate_run(run: str | Path, checkpoint: str = "best", split: str | None = None,
                 overrides: Sequence[str] = (), save: bool = True) -> dict[str, Any]:
    """Metrics of a run's ``checkpoint`` on ``split`` (default: test if the data have one, else
    val, else train); with ``save`` also written to ``<run>/eval-<split>-<checkpoint>.json``
    (``eval-<split>-<checkpoint>-set-<hash>.json`` when ``overrides`` change the config)."""
    exp, meta = open_run(run, checkpoint, overrides)
    split = split or default_split(exp)
    result = {"run": meta["run_dir"], "checkpoint": checkpoint, "epoch": meta.get("epoch"),
              "network": repr(exp.network), "overrides": list(overrides),
              **evaluate(exp, split)}
    if save:
        # an evaluation with --set (e.g. another domain) gets its own file instead of replacing
        # the plain one: eval-val-best-set-1a2b3c4d.json
        tag = "-set-" + hashlib.sha256("\n".join(overrides).encode()).hexdigest()[:8] \
            if overrides else ""
        path = Path(meta["run_dir"]) / f"eval-{split}-{checkpoint}{tag}.json"
        try:
            write_json(path, result)
        except OSError as err:
            raise NnlabError(f"{path}: cannot write the result ({err.strerror or err})") from None
        result["file"] = str(path)
    return result


# --------------------------------------------------------------------------- predictions

def parse_inputs(data: bytes, source: str = "input") -> np.ndarray:
    """Rows of numbers from ``.npy`` bytes (no pickles) or CSV text, read as `data.table`
    reads a training table (comma, semicolon, tab or whitespace separated; a first line that
    is not numeric is a header; ``#`` comments)."""
    from ..data import table

    if data.startswith(NPY_MAGIC):
        x = npy_from_bytes(data, source)  # the header's size checked, pickles refused
        if x.dtype.kind not in "biuf":
            raise DataError(f"{source}: .npy holds {x.dtype} values; expected numbers")
        if x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2:
            raise DataError(f"{source}: .npy array has shape {x.shape}; expected rows "
                            "(n, inputs) or a 1-D array of single inputs")
        return _finite(x.astype(np.float64), source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{source}: neither a .npy file nor UTF-8 CSV text") from None
    return table.numbers(text, source)[1]


def _finite(x: np.ndarray, source: str) -> np.ndarray:
    if len(x) == 0:
        raise DataError(f"{source}: no input rows")
    bad = ~np.isfinite(x).all(axis=1)
    if bad.any():
        raise DataError(f"{source}: row {int(np.argmax(bad)) + 1} has a NaN or infinite value")
    return x


def read_inputs(path: str | Path) -> np.ndarray:
    """`parse_inputs` of a file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: input file not found")
    return parse_inputs(path.read_bytes(), str(path))


def table_inputs(run: str | Path, path: str | None, x: np.ndarray) -> np.ndarray:
    """New inputs for a run trained on your own table, as it saw them: a CSV file whose header
    names the training columns gives those columns (a target column is ignored), and the
    scaling fitted on the training rows (``preprocessing.json``) is applied."""
    from ..data import table

    prep = RunDir(run).read_preprocessing()
    if prep is None:
        return x
    if path not in (None, "-") and Path(path).suffix.lower() not in (".npy",):
        names, rows, lines = table.read_csv(Path(path))
        if names is not None and set(prep["features"]) <= set(names):
            spec = table.Columns(prep["features"])
            x = table.select(str(path), names, rows, spec, False, lines).x
    return table.apply(prep, x)


def check_inputs(exp: Experiment, x: np.ndarray, source: str = "input") -> np.ndarray:
    """``x`` as a (n, inputs) array in the network's dtype; refuses a wrong number of columns."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None] if exp.network.sizes[0] == 1 else x[None, :]
    need = exp.network.sizes[0]
    if x.ndim != 2 or x.shape[1] != need:
        cols = x.shape[1] if x.ndim == 2 else x.shape
        raise DataError(f"{source}: {cols} columns, but the network {exp.network!r} takes "
                        f"{need} input{'s' if need != 1 else ''} per row")
    return x.astype(exp.network.dtype)


def predictions(exp: Experiment, x: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Column names and rows: classification → ``class`` then one output per class ``p0…``
    (softmax probabilities, or the sigmoid outputs; a single sigmoid unit gives p0 = 1 − a,
    p1 = a); regression → the outputs ``y`` (or ``y1…`` for several)."""
    a = exp.network.predict(x).astype(np.float64)
    if exp.dataset.task == "classification":
        probs = np.hstack([1 - a, a]) if a.shape[1] == 1 else a
        table = np.hstack([predicted_classes(a)[:, None].astype(np.float64), probs])
        return ["class"] + [f"p{k}" for k in range(probs.shape[1])], table
    names = ["y"] if a.shape[1] == 1 else [f"y{j + 1}" for j in range(a.shape[1])]
    return names, a


def predict_run(run: str | Path, x: np.ndarray, checkpoint: str = "best",
                source: str = "input") -> tuple[list[str], np.ndarray]:
    """`predictions` of a run's ``checkpoint`` for the rows ``x``."""
    exp, _ = open_run(run, checkpoint)
    return predictions(exp, check_inputs(exp, x, source))


def parse_x(exp: Experiment, tokens: Sequence[str]) -> np.ndarray:
    """``--x 0.5 1.0 2.0`` (or ``0.5,1,2``) as rows of a one-input network."""
    need = exp.network.sizes[0]
    if need != 1:
        raise DataError(f"--x is for networks with one input; {exp.network!r} takes {need}: "
                        f"use --input with one row of {need} values per sample")
    values = []
    for token in (t for tok in tokens for t in tok.split(",") if t.strip()):
        try:
            values.append(float(token))
        except ValueError:
            raise DataError(f"--x: {token!r} is not a number") from None
    if not values:
        raise DataError("--x: no values given, e.g. --x 0.5 1.0 2.0")
    return _finite(np.array(values, dtype=np.float64)[:, None], "--x")


def write_predictions(path: str | Path, columns: Sequence[str], table: np.ndarray,
                      dtype: Any = np.float32, labels: Sequence[str] | None = None) -> None:
    """Save `predictions` atomically: ``.csv`` as `to_csv` prints it (with the ``label``
    column), ``.npy`` as a float64 array with the same numeric columns."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data: str | bytes = to_csv(columns, table, dtype, labels)
    elif suffix == ".npy":
        buf = io.BytesIO()
        np.save(buf, np.asarray(table, dtype=np.float64), allow_pickle=False)
        data = buf.getvalue()
    else:
        raise DataError(f"--output {path}: use a file name ending in .csv or .npy")
    try:
        atomic_write(path, data)
    except OSError as err:
        raise DataError(f"{path}: cannot write ({err.strerror or err})") from None


def class_labels(run: str | Path) -> list[str] | None:
    """The text labels of a run trained on your own table (index k → ``labels[k]``), else None."""
    return (RunDir(run).read_preprocessing() or {}).get("classes") or None  # validated there


def to_csv(columns: Sequence[str], table: np.ndarray, dtype: Any = np.float32,
           labels: Sequence[str] | None = None) -> str:
    """A header line and one line per row; ``class`` as an integer (followed by its text
    ``label`` when the training table had text labels), values in the shortest form that reads
    back to the same ``dtype`` number."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")  # quotes a label holding a comma
    writer.writerow(_with_label(list(columns), "label", labels))
    for row in table:
        cells = [str(int(v)) if c == "class" else _num(v, dtype) for c, v in zip(columns, row)]
        name = labels[int(row[0])] if labels and 0 <= int(row[0]) < len(labels) else ""
        writer.writerow(_with_label(cells, name, labels))
    return out.getvalue()


def _with_label(cells: list[str], label: str, labels: Sequence[str] | None) -> list[str]:
    return [cells[0], label, *cells[1:]] if labels else cells


def _num(v: float, dtype: Any) -> str:
    if not math.isfinite(v):
        return str(v)
    return str(np.dtype(dtype).type(v))


__all__ = ["SPLITS", "CHECKPOINTS", "open_run", "evaluate", "evaluate_run", "split_arrays",
           "default_split", "classification_metrics", "regression_metrics", "parse_inputs",
           "read_inputs", "check_inputs", "parse_x", "predictions", "predict_run",
           "write_predictions", "to_csv", "class_labels"]
