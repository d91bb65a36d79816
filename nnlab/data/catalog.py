"""The one table of data sets: name, task, family, default size and the ``data.*`` fields each uses.

Everything that needs to know about data sets by name — the config's checks and schema, the
loader, plots, the CLI's help — asks this table instead of keeping its own list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Task = Literal["regression", "classification"]

COMMON = ("name", "val_split")  # fields every data set uses


@dataclass(frozen=True)
class Source:
    """One data set. ``task`` None: decided by the config (samples: ``labels`` or ``y``)."""

    name: str
    family: str            # function | points | bits | images | typed | text | table
    task: Task | None
    fields: tuple[str, ...]   # the data.* fields it reads besides name and val_split
    default_n: int | None = None
    summary: str = ""
    domain: tuple[float, float] | None = None   # default x range of a 1-D function
    classes: int | None = None                  # default number of classes of a toy set
    fixed_classes: bool = False                 # True: ``classes`` cannot be changed

    @property
    def kind(self) -> str:
        """``toy`` (generated from the seed), ``mnist`` (IDX files), ``typed`` (in the config) or
        ``file`` (your table)."""
        return {"images": "mnist", "typed": "typed", "text": "typed", "table": "file"}.get(
            self.family, "toy")


_FN = ("n", "noise", "domain")
_X = (-3.0, 3.0)
_PTS = ("n", "noise")
_MNIST = ("path", "split", "limit", "download")
_TABLE = ("path", "target", "features", "task", "scale")
_TEXT = ("text", "corpus", "path", "mode", "window", "min_count", "pairs")

SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("sine", "function", "regression", _FN, 200, "sin(x)", domain=_X),
    Source("parabola", "function", "regression", _FN, 200, "x²", domain=_X),
    Source("abs", "function", "regression", _FN, 200, "|x|", domain=_X),
    Source("linear", "function", "regression", _FN, 200, "0.5x + 0.3", domain=_X),
    Source("cubic", "function", "regression", _FN, 200, "x³ − 2x", domain=_X),
    Source("hard", "function", "regression", _FN, 200, "tanh(5 sin(3x)): plateaus and jumps",
           domain=_X),
    Source("nielsen", "function", "regression", _FN, 200,
           "0.2 + 0.4x² + 0.3x·sin(15x) + 0.05·cos(50x)", domain=(0.0, 1.0)),
    Source("expr", "function", "regression", (*_FN, "expr"), 200, "your expression in x",
           domain=_X),
    Source("xor", "points", "classification", _PTS, 400, "(x₁>0) XOR (x₂>0)", classes=2,
           fixed_classes=True),
    Source("circles", "points", "classification", _PTS, 400, "disk vs ring", classes=2,
           fixed_classes=True),
    Source("moons", "points", "classification", _PTS, 400, "two interleaving half circles",
           classes=2, fixed_classes=True),
    Source("spiral", "points", "classification", (*_PTS, "classes"), 400, "spiral arms",
           classes=2),
    Source("blobs", "points", "classification", (*_PTS, "classes"), 400, "Gaussian blobs",
           classes=3),
    Source("sum", "bits", "regression", _PTS, 500, "y = x₁ + x₂"),
    Source("parity", "bits", "classification", ("bits", "noise"), None, "XOR of the bits",
           classes=2, fixed_classes=True),
    Source("mnist", "images", "classification", _MNIST, None, "handwritten digits, 28×28",
           classes=10, fixed_classes=True),
    Source("fashion_mnist", "images", "classification", _MNIST, None,
           "Zalando's clothing images, 28×28", classes=10, fixed_classes=True),
    Source("samples", "typed", None, ("x", "y", "labels", "classes"), None,
           "rows typed into the config"),
    Source("text", "text", "classification", _TEXT, None, "word2vec pairs from a corpus"),
    Source("csv", "table", None, (*_TABLE, "header"), None, "your table: a CSV file"),
    Source("npy", "table", None, _TABLE, None, "your table: a 2-D .npy array"),
    Source("npz", "table", None, _TABLE, None, "your arrays x and y in a .npz file"),
)}

NAMES: tuple[str, ...] = tuple(SOURCES)


def names(family: str | None = None, kind: str | None = None) -> tuple[str, ...]:
    """Data set names, optionally of one family or kind, in table order."""
    return tuple(s.name for s in SOURCES.values()
                 if (family is None or s.family == family) and (kind is None or s.kind == kind))


def fields_of(name: str) -> tuple[str, ...]:
    """The ``data.*`` fields data set ``name`` reads, ``name`` and ``val_split`` first."""
    return (*COMMON, *SOURCES[name].fields) if name in SOURCES else tuple(COMMON)


def task_of(name: str, has_labels: bool = False) -> Task:
    """The task of a data set; ``samples`` is classification when it was given labels."""
    task = SOURCES[name].task if name in SOURCES else None
    if task is None:
        return "classification" if has_labels else "regression"
    return task


def always_validates(name: str) -> bool:
    """True for data sets that come with their own validation split (MNIST's)."""
    return name in SOURCES and SOURCES[name].kind == "mnist"


def filled(name: str, bits: int = 4) -> dict[str, object]:
    """The ``data.*`` values a data set takes when they are left out (null): ``n``, ``domain``,
    ``classes`` — what a resolved config records. Parity has 2^bits samples."""
    s = SOURCES[name]
    out: dict[str, object] = {}
    if "n" in s.fields:
        out["n"] = s.default_n if s.default_n is not None else 2 ** bits
    if s.domain is not None:
        out["domain"] = list(s.domain)
    if s.classes is not None and "classes" in s.fields:
        out["classes"] = s.classes
    return out


def n_outputs(name: str, classes: int | None = None) -> int | None:
    """Width of the target known from the table alone (None: it depends on the data read)."""
    s = SOURCES[name]
    if s.task == "regression" and s.family in ("function", "bits"):
        return 1
    if s.task == "classification":
        return classes or s.classes
    return None
