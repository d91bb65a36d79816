"""Your own data: a table in a CSV file, a ``.npy`` array or a ``.npz`` archive.

    data: {name: csv, path: houses.csv, target: price, scale: standard}

CSV: comma, semicolon, tab or whitespace separated (the first line decides; a line without that
delimiter is split at whitespace); a first line that is not all numbers is the header
(``header: auto``; or say ``true``/``false``); ``#`` starts a comment. ``target`` names the
column to predict (a header name or a 0-based index; default the last column), ``features``
the input columns (default: all the others). ``.npy``: a 2-D number array, columns by index.
``.npz``: the arrays named by ``features`` (default ``x``) and ``target`` (default ``y``).

The task is ``regression`` or ``classification`` as stated, or inferred: a target of text
labels, or of integers with at most `MAX_INFERRED_CLASSES` distinct values, is classification
(text labels become class indices in sorted order). ``val_split`` holds rows out as for every
data set; ``scale: standard`` (x − mean)/std or ``minmax`` (x − min)/(max − min) is fitted on
the training rows only and applied to every split — and by ``nnlab predict``, from the run's
``preprocessing.json``. Every problem is one line naming the file (and line and column).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError, NnlabError, closest
from ..files import NPY_MAGIC, load_npz, npy_from_bytes
from .base import Dataset, DataSpec, split_off

MAX_INFERRED_CLASSES = 50
FORMATS = ("csv", "npy", "npz")


@dataclass
class Table:
    """The columns read from a file: inputs ``x`` (n, features) and the raw target column."""

    source: str
    features: list[str]
    target: str | None
    x: np.ndarray
    y: list[Any] | None = None
    notes: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------ reading

def read(d: DataSpec, *, with_target: bool = True) -> Table:
    """The table ``d.path`` names, in the format of ``d.name`` (csv, npy or npz)."""
    if not d.path:
        raise DataError(f"data.path: data.name: {d.name} needs the file, e.g. path: table.{d.name}")
    path = Path(d.path)
    if not path.is_file():
        raise DataError(f"{path}: data file not found (data.path)")
    if d.name == "npz":
        return _npz(path, d, with_target)
    if d.name == "npy":
        x = _npy(path.read_bytes(), str(path))
        names = [str(i) for i in range(x.shape[1])]
        return select(str(path), names, [list(r) for r in x], d, with_target)
    header, rows, lines = read_csv(path, d.header)
    names = header or [str(j) for j in range(len(rows[0]))]
    table = select(str(path), names, rows, d, with_target, lines)
    table.notes["header"] = header is not None
    return table


def read_csv(path: Path, header: bool | str = "auto"
             ) -> tuple[list[str] | None, list[list[str]], list[int]]:
    """`parse_csv` of a UTF-8 file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not UTF-8 text (byte {err.start}); save it as UTF-8 CSV"
                        ) from None
    return parse_csv(text, str(path), header)


def parse_csv(text: str, source: str, header: bool | str = "auto"
              ) -> tuple[list[str] | None, list[list[str]], list[int]]:
    """(column names or None without a header, rows of cells, their line numbers) of CSV
    text; blank lines and ``#`` comments skipped, ragged rows and empty tables refused."""
    rows = _rows(text, source)
    first = rows[0][1]
    has_header = not all(_is_number(c) for c in first) if header == "auto" else bool(header)
    width = len(first)
    body = rows[1:] if has_header else rows
    if not body:
        raise DataError(f"{source}: only a header line; expected rows of numbers below it")
    for i, cells in body:
        if len(cells) != width:
            raise DataError(f"{source}:{i}: {len(cells)} columns, expected {width} as "
                            f"{'in the header' if has_header else 'on the first line'}")
    names = [c.strip() or str(j) for j, c in enumerate(first)] if has_header else None
    for j, name in enumerate(names or []):
        if name in names[:j]:
            raise DataError(f"{source}:{rows[0][0]}: columns {names.index(name)} and {j} are "
                            f"both named '{name}'; give every column its own name")
    return names, [cells for _, cells in body], [i for i, _ in body]


def numbers(text: str, source: str) -> tuple[list[str] | None, np.ndarray]:
    """(header names or None, every column as finite float64 numbers) of CSV text — the
    rows `nnlab predict` takes; errors name the line and column."""
    names, rows, lines = parse_csv(text, source)
    columns = names or [str(j) for j in range(len(rows[0]))]
    return names, select(source, columns, rows, Columns(), False, lines).x


def _rows(text: str, source: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of every line that is not blank or a comment."""
    lines = [(i, line.split("#", 1)[0].strip()) for i, line in enumerate(text.splitlines(), 1)]
    lines = [(i, line) for i, line in lines if line]
    if not lines:
        raise DataError(f"{source}: empty; expected rows of numbers (a header line first is "
                        "fine)")
    delim = next((c for c in ",;\t" if c in lines[0][1]), None)
    return [(i, _split(line, delim)) for i, line in lines]


def _split(line: str, delim: str | None) -> list[str]:
    if delim is None or delim not in line:  # a line without the file's delimiter: by spaces
        return line.split()
    return [c.strip() for c in next(csv.reader(io.StringIO(line), delimiter=delim))]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _column(spec: Any, names: list[str], source: str, what: str) -> int:
    """The index of a column given by name or 0-based index."""
    if isinstance(spec, int) and not isinstance(spec, bool):
        if -len(names) <= spec < len(names):
            return spec % len(names)
        raise DataError(f"{source}: data.{what}: column {spec} does not exist; the file has "
                        f"{len(names)} columns (0 to {len(names) - 1})")
    if str(spec) in names:
        return names.index(str(spec))
    raise DataError(f"{source}:1: data.{what}: no column '{spec}'{closest(spec, names)}; "
                    f"columns: {', '.join(names)}")


def select(source: str, names: list[str], rows: list[list[Any]], d: DataSpec | Columns,
             with_target: bool, lines: list[int] | None = None) -> Table:
    """The input columns as numbers and the target column as given (errors name the line)."""
    def at(r: int) -> str:
        return f"{source}:{lines[r]}" if lines else f"{source}: row {r + 1}"

    t = _column(d.target if d.target is not None else -1, names, source, "target")
    if d.features is not None:
        cols = [_column(f, names, source, "features") for f in d.features]
    else:
        cols = [j for j in range(len(names)) if j != t or not with_target]
    if with_target and t in cols:
        raise DataError(f"{source}: data.features: the target column '{names[t]}' cannot also "
                        "be an input")
    x = np.empty((len(rows), len(cols)), dtype=np.float64)
    for r, row in enumerate(rows):
        for k, j in enumerate(cols):
            try:
                x[r, k] = float(row[j])
            except ValueError:
                raise DataError(f"{at(r)}: column '{names[j]}': {row[j]!r} is not a number"
                                ) from None
    bad = ~np.isfinite(x)
    if bad.any():
        r, k = map(int, np.argwhere(bad)[0])
        raise DataError(f"{at(r)}: column '{names[cols[k]]}': {rows[r][cols[k]]} is not a "
                        "finite number")
    y = [row[t] for row in rows] if with_target else None
    return Table(source, [names[j] for j in cols], names[t] if with_target else None, x, y)


def _npy(data: bytes, source: str) -> np.ndarray:
    if not data.startswith(NPY_MAGIC):
        raise DataError(f"{source}: not a .npy file (made by numpy.save); a text table is "
                        "data.name: csv")
    x = npy_from_bytes(data, source)  # the header's size checked, pickles refused
    if x.dtype.kind not in "biuf" or x.ndim != 2:
        raise DataError(f"{source}: expected a 2-D array of numbers (rows, columns), got "
                        f"{x.dtype} {x.shape}")
    return x


@dataclass(frozen=True)
class Columns:
    """The part of a data spec `select` reads: the input columns (None: every column but the
    target) and the target column (None: the last)."""

    features: list[str | int] | None = None
    target: str | int | None = None


def _npz_names(d: DataSpec) -> tuple[str, str]:
    """The arrays of an .npz that hold the inputs and the targets (default ``x`` and ``y``)."""
    return (str(d.features[0]) if d.features else "x",
            str(d.target) if d.target is not None else "y")


def _npz(path: Path, d: DataSpec, with_target: bool) -> Table:
    x_name, y_name = _npz_names(d)
    with open(path, "rb") as f:
        if f.read(2) != b"PK":
            raise DataError(f"{path}: not a .npz archive (made by numpy.savez); a text table "
                            "is data.name: csv")
    try:  # each member's header checked before anything is allocated, pickles refused
        arrays = load_npz(path, "data file")
    except NnlabError as err:
        raise DataError(str(err)) from None
    for name in (x_name, y_name) if with_target else (x_name,):
        if name not in arrays:
            raise DataError(f"{path}: no array '{name}'{closest(name, list(arrays))}; arrays: "
                            f"{', '.join(arrays)} (data.features names the inputs, data.target "
                            "the targets)")
    x = arrays[x_name]
    if x.ndim == 1:
        x = x[:, None]
    if x.dtype.kind not in "biuf" or x.ndim != 2:
        raise DataError(f"{path}: array '{x_name}' must hold numbers (rows, inputs), got "
                        f"{x.dtype} {x.shape}")
    y = None
    if with_target:
        y = arrays[y_name].reshape(len(arrays[y_name]), -1)
        if len(y) != len(x) or y.shape[1] != 1:
            raise DataError(f"{path}: array '{y_name}' must hold one target per row of "
                            f"'{x_name}' ({len(x)}), got shape {arrays[y_name].shape}")
        y = list(y[:, 0])
    x = x.astype(np.float64)
    if not np.isfinite(x).all():
        raise DataError(f"{path}: array '{x_name}' holds NaN or infinite values")
    return Table(str(path), [str(j) for j in range(x.shape[1])], y_name, x, y)


# ------------------------------------------------------------------ targets and the task

def targets(table: Table, stated: str) -> tuple[str, np.ndarray, list[str] | None]:
    """(task, targets, class names): labels 0..K−1 for classification, floats (n, 1) else."""
    y = table.y or []
    numbers = [_number(v) for v in y]
    bad = next((i for i, v in enumerate(numbers) if v is not None and not math.isfinite(v)), None)
    if bad is not None:
        raise DataError(f"{table.source}: target '{table.target}' row {bad + 1}: {y[bad]!r} is "
                        "not a finite number")
    numeric = all(v is not None for v in numbers)
    if stated == "regression" or (stated == "auto" and numeric
                                  and not _looks_like_labels(numbers)):
        return "regression", _regression(table, numbers), None
    return ("classification", *_labels(table, numbers))


def _regression(table: Table, numbers: list[float | None]) -> np.ndarray:
    for i, v in enumerate(numbers):
        if v is None or not math.isfinite(v):
            raise DataError(f"{table.source}: target '{table.target}' row {i + 1}: "
                            f"{(table.y or [])[i]!r} is not a number (data.task: regression)")
    return np.asarray(numbers, dtype=np.float64)[:, None]


def _labels(table: Table, numbers: list[float | None]) -> tuple[np.ndarray, list[str] | None]:
    """Class indices: integers >= 0 as they are, text labels numbered in sorted order."""
    y = table.y or []
    given = [v for v in numbers if v is not None]
    if len(given) == len(numbers):
        if all(v == int(v) and v >= 0 for v in given):
            if max(given) >= 2**31:
                raise DataError(f"{table.source}: target '{table.target}': class label "
                                f"{max(given):g} would mean that many classes; classes are "
                                "numbered 0, 1, 2, … (or use data.task: regression)")
            return np.asarray(given, dtype=np.int64), None
        raise DataError(f"{table.source}: target '{table.target}': class labels must be integers "
                        ">= 0 (or text); use data.task: regression for numbers")
    if given:
        i = next(i for i, v in enumerate(numbers) if v is not None)
        raise DataError(f"{table.source}: target '{table.target}' mixes numbers and text (row "
                        f"{i + 1}: {y[i]!r}); class labels are all integers >= 0 or all text")
    names = sorted({str(v) for v in y})
    index = {n: k for k, n in enumerate(names)}
    return np.asarray([index[str(v)] for v in y], dtype=np.int64), names


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _looks_like_labels(values: list[float | None]) -> bool:
    ints = [v for v in values if v is not None]
    return (all(v == int(v) and v >= 0 for v in ints)
            and 2 <= len(set(ints)) <= MAX_INFERRED_CLASSES)


# ------------------------------------------------------------------ scaling and the data set

def fit_scaling(x: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(shift, scale) so that (x − shift)/scale is standardized or in [0, 1]; constant columns
    get scale 1 (they stay at 0)."""
    if kind == "standard":
        shift, scale = x.mean(axis=0), x.std(axis=0)
    else:
        shift, scale = x.min(axis=0), x.max(axis=0) - x.min(axis=0)
    return shift, np.where(scale > 0, scale, 1.0)


def load(d: DataSpec, rng: np.random.Generator, dtype: Any = np.float32) -> Dataset:
    """The `Dataset` of a table: split, then scaled with what the training rows give."""
    table = read(d)
    task, y, class_names = targets(table, d.task)
    x_tr, y_tr, x_va, y_va = split_off(table.x, y, d.val_split, rng)
    prep: dict[str, Any] = {"features": table.features, "target": table.target,
                            "scale": d.scale, "classes": class_names}
    if d.scale != "none":
        shift, scale = fit_scaling(x_tr, d.scale)
        x_tr = (x_tr - shift) / scale
        x_va = None if x_va is None else (x_va - shift) / scale
        prep |= {"shift": shift.tolist(), "divide_by": scale.tolist()}
    n_classes = None
    if task == "classification":
        n_classes = len(class_names) if class_names else int(y.max() + 1)
    else:  # regression targets in the network's dtype, like the inputs
        y_tr, y_va = y_tr.astype(dtype), None if y_va is None else y_va.astype(dtype)
    return Dataset(name=d.name, task=task, x_train=x_tr.astype(dtype), y_train=y_tr,
                   x_val=None if x_va is None else x_va.astype(dtype), y_val=y_va,
                   n_classes=n_classes, info={"n": len(table.x), "source": table.source,
                                              "preprocessing": prep})


def peek(d: DataSpec) -> dict[str, Any]:
    """What a resolved config records about a table instead of its ``auto``s and nulls: the
    task, the number of classes, the input and target columns, whether it had a header."""
    table = read(d)
    task, y, names = targets(table, d.task)
    out: dict[str, Any] = {"task": task, "features": table.features, "target": table.target,
                           "classes": None}
    if task == "classification":
        out["classes"] = len(names) if names else int(y.max() + 1)
    if d.name == "csv":
        out["header"] = table.notes.get("header", False)
    if d.name == "npz":  # features name the array of inputs, not its columns
        out["features"] = [_npz_names(d)[0]]
    return out


def apply(prep: dict[str, Any], x: np.ndarray) -> np.ndarray:
    """Inputs as the network saw them in training: the run's fitted scaling applied."""
    if prep.get("scale", "none") == "none" or "shift" not in prep:
        return x
    return (x - np.asarray(prep["shift"])) / np.asarray(prep["divide_by"])
