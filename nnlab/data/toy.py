"""Embedded toy data sets, generated on the fly from a seeded ``np.random.Generator``.

Every number is drawn from the ``rng`` passed to :func:`make_toy` (no global state), so the same
seed gives identical arrays. The noise vector is always drawn, so changing only ``noise`` keeps
the same x values and the same train/validation split. The validation rows are held out at random
by :func:`nnlab.data.base.split_off` (``val_split=0`` gives no validation set); there is no test
set. Arrays are batch-major in the requested float ``dtype``; regression targets are ``(n, 1)``
floats, classification targets are int64 labels ``(n,)`` with ``n_classes`` set.

1-D regression: x ~ U(domain), y = f(x) + noise * N(0, 1); ``target_fn`` is the noiseless f and
``info = {"domain": [lo, hi], "expr": formula}`` (default n = 200, default domain (-3, 3) except
nielsen):

=========  ==================================================================  ==========
name       f(x)                                                                domain
=========  ==================================================================  ==========
sine       sin(x)                                                              (-3, 3)
parabola   x**2                                                                (-3, 3)
abs        abs(x)                                                              (-3, 3)
linear     0.5*x + 0.3                                                         (-3, 3)
cubic      x**3 - 2*x                                                          (-3, 3)
hard       tanh(5*sin(3*x)): a square wave, flat at +-1 with 5 sharp jumps     (-3, 3)
           (at 0, +-pi/3, +-2pi/3); a 1-hidden-layer ReLU net of ~10 units
           has barely enough kinks and usually ends up with rounded plateaus
nielsen    0.2 + 0.4*x**2 + 0.3*x*sin(15*x) + 0.05*cos(50*x)  (Nielsen, ch. 4)  (0, 1)
expr       the user's ``expr`` text (see :mod:`nnlab.data.expr`)               (-3, 3)
=========  ==================================================================  ==========

2-D classification (TensorFlow-Playground-like, points in about [-1, 1]^2, default n = 400,
balanced classes (counts differ by at most one), rows shuffled; ``noise`` is the standard
deviation of Gaussian jitter added to the points after labelling, in units of that scale):

* xor (2 classes): |x1|, |x2| ~ U(0.1, 1) with random signs (a 0.1 margin keeps the points off
  the axes, so 100 % accuracy is reachable), label = (x1 > 0) XOR (x2 > 0). With ``n=4`` it is
  instead the exact truth table x in {0, 1}^2 in the order (0,0), (0,1), (1,0), (1,1) with
  labels 0, 1, 1, 0 (use ``val_split=0`` to train on all four).
* circles (2): class 0 uniform on the disk r <= 0.5, class 1 uniform on the ring 0.7 <= r <= 1.
* moons (2): two interleaving half circles, t ~ U(0, pi): class 0 at (cos t, sin t), class 1 at
  (1 - cos t, 0.5 - sin t), then shifted by (-0.5, -0.25) and scaled by 1/1.5.
* spiral (``classes`` arms, default 2): u ~ U(0, 1), r = u, angle = 2*pi*k/classes + 3.5*pi*u
  (1.75 turns); point r*(cos angle, sin angle).
* blobs (``classes`` blobs, default 3): centres 0.7*(cos 2*pi*k/classes, sin 2*pi*k/classes),
  points centre + N(0, s^2) with s = min(0.15, d/6), d = 1.4*sin(pi/classes) the distance
  between neighbouring centres.

Bit / arithmetic tasks:

* sum (regression): x ~ U(0, 1)^2, y = x1 + x2 + noise * N(0, 1), y shape (n, 1); default n = 500.
* parity (2 classes): all 2^bits vectors x in {0, 1}^bits (as floats, most significant bit
  first, in counting order), label = XOR of the bits; ``noise`` jitters x. ``n`` must be None
  or 2^bits. The default ``val_split=0.2`` applies as usual; for parity one usually wants
  ``val_split=0`` (learn the whole truth table).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from ..errors import DataError, closest
from . import catalog, shapes
from .base import Dataset, DataSpec, holdout
from .expr import Expr, compile_expr
from .samples import fail

REGRESSION_1D: tuple[str, ...] = catalog.names(family="function")
CLASSIFICATION_2D: tuple[str, ...] = catalog.names(family="points")
BIT_TASKS: tuple[str, ...] = catalog.names(family="bits")
TOY_NAMES: tuple[str, ...] = catalog.names(kind="toy")

#: f(x) of the built-in 1-D regression sets, in :mod:`nnlab.data.expr` syntax.
FORMULAS: dict[str, str] = {
    "sine": "sin(x)",
    "parabola": "x**2",
    "abs": "abs(x)",
    "linear": "0.5*x + 0.3",
    "cubic": "x**3 - 2*x",
    "hard": "tanh(5*sin(3*x))",
    "nielsen": "0.2 + 0.4*x**2 + 0.3*x*sin(15*x) + 0.05*cos(50*x)",
}

_DESCRIPTIONS: dict[str, str] = {
    "xor": "label = (x1 > 0) XOR (x2 > 0), |x_i| ~ U(0.1, 1)",
    "xor4": "XOR truth table: (0,0)->0, (0,1)->1, (1,0)->1, (1,1)->0",
    "circles": "class 0: disk r <= 0.5; class 1: ring 0.7 <= r <= 1",
    "moons": "two interleaving half circles",
    "spiral": "spiral arms, angle = 2*pi*k/classes + 3.5*pi*r",
    "blobs": "Gaussian blobs centred on a circle of radius 0.7",
    "sum": "y = x1 + x2, x ~ U(0, 1)^2",
    "parity": "label = XOR of the bits, all 2^bits bit vectors",
}

DEFAULT_DOMAIN: tuple[float, float] = (-3.0, 3.0)
# default domains and numbers of classes live in the catalog, the one table of data sets
_FIXED_CLASSES: dict[str, int] = {s.name: s.classes for s in catalog.SOURCES.values()
                                  if s.classes and s.fixed_classes}
_DEFAULT_CLASSES: dict[str, int] = {s.name: s.classes for s in catalog.SOURCES.values()
                                    if s.classes and not s.fixed_classes}
DEFAULT_BITS = 4
MAX_BITS = 20
MAX_N = 10_000_000


def _check_name(name: object) -> str:
    if not isinstance(name, str) or name not in TOY_NAMES:
        raise _bad("name", f"unknown toy dataset '{name}'{closest(name, TOY_NAMES)}; valid: "
                        f"{', '.join(TOY_NAMES)}")
    return name


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, (float, np.floating))) and math.isfinite(
        float(value)
    )


def _check_bits(bits: Any) -> int:
    if not _is_int(bits) or not 1 <= int(bits) <= MAX_BITS:
        raise _bad("bits", f"bits must be an integer from 1 to {MAX_BITS}, got {bits!r}")
    return int(bits)


def default_n(name: str, *, bits: int = DEFAULT_BITS) -> int:
    """Number of samples ``make_toy(name)`` draws when ``n`` is None (parity: 2^bits)."""
    n = catalog.SOURCES[_check_name(name)].default_n
    return n if n is not None else 2 ** _check_bits(bits)


def make_toy(
    name: str,
    *,
    rng: np.random.Generator,
    n: int | None = None,
    noise: float = 0.0,
    domain: tuple[float, float] | None = None,
    val_split: float = 0.2,
    expr: str | None = None,
    classes: int | None = None,
    bits: int = DEFAULT_BITS,
    dtype: Any = np.float32,
) -> Dataset:
    """Generate the toy data set ``name`` (one of :data:`TOY_NAMES`; formulas in the module doc).

    ``n=None`` uses :func:`default_n`; ``domain=None`` the data set's default domain (only 1-D
    regression sets take a domain); ``classes=None`` the default number of classes (only spiral
    and blobs take another value); ``expr`` is required by, and only allowed for, ``"expr"``;
    ``bits`` is used by parity only. Impossible requests raise a one-line :class:`DataError`.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    c = _checked(name, n, noise, domain, val_split, expr, classes, bits, dtype)
    name, n, noise, val_split, n_classes, bits, dt = (
        c.name, c.n, c.noise, c.val_split, c.n_classes, c.bits, c.dtype)
    if c.fn is not None:
        lo, hi = c.domain
        fn, text = c.fn, c.fn.text
        x, y = _regression_1d(fn, n, noise, lo, hi, rng, dt)
        return holdout(name, "regression", x, y, val_split, rng, target_fn=fn,
                       info={"domain": [lo, hi], "expr": text})
    if name == "sum":
        x, y = _sum(n, noise, rng, dt)
        return holdout(name, "regression", x, y, val_split, rng,
                       info={"expr": "x1 + x2", "description": _DESCRIPTIONS["sum"]})
    assert n_classes is not None
    x, labels, key = _labelled(name, n, n_classes, bits, noise, rng, dt)
    info: dict[str, Any] = {"description": _DESCRIPTIONS[key]}
    if name == "parity":
        info["bits"] = bits
    return holdout(name, "classification", x, labels, val_split, rng, n_classes=n_classes,
                   info=info)


def _bad(key: str, message: str) -> DataError:
    """A `DataError` that knows its config key (``data.domain``; ``train.dtype``)."""
    return fail(["train" if key == "dtype" else "data", key], message)


@dataclass
class _Checked:
    """The parameters of a toy data set after every check, defaults filled in."""

    name: str
    n: int
    noise: float
    val_split: float
    n_classes: int | None
    bits: int
    dtype: np.dtype
    domain: tuple[float, float] = DEFAULT_DOMAIN
    fn: Expr | None = None  # the 1-D regression sets' f(x)


def _checked(name: str, n: Any, noise: Any, domain: Any, val_split: Any, expr: str | None,
             classes: Any, bits: Any, dtype: Any) -> _Checked:
    name = _check_name(name)
    dt, noise, val_split = _check_common(dtype, noise, val_split)
    _check_options(name, expr, domain)
    n_classes = _check_classes(name, classes)
    if name == "parity":
        bits = _check_bits(bits)
    c = _Checked(name, _check_size(name, n, bits, n_classes, val_split), noise, val_split,
                 n_classes, bits, dt)
    if name in REGRESSION_1D:
        c.domain = _check_domain(name, domain, dt)
        try:
            c.fn = compile_expr(cast(str, expr) if name == "expr" else FORMULAS[name])
        except DataError as err:
            raise _bad("expr", str(err)) from None
    return c


def check(d: DataSpec, dtype: Any) -> None:
    """Config-time checks of a toy data section, without generating anything: each problem
    is a `DataError` carrying its config key (``err.key``, as `nnlab.data.samples.fail`)."""
    if d.name in TOY_NAMES:
        _checked(d.name, d.n, d.noise, tuple(d.domain) if d.domain else None, d.val_split,
                 d.expr, d.classes, d.bits, dtype)


def _check_common(dtype: Any, noise: Any, val_split: Any) -> tuple[np.dtype, float, float]:
    """The float dtype, the noise (≥ 0) and the validation fraction (in [0, 1))."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise _bad("dtype", f"dtype must be a float type such as float32, got {dtype!r}") from None
    if dt.kind != "f":
        raise _bad("dtype", f"dtype must be a float type such as float32, got {dt.name}")
    if not _is_real(noise) or float(noise) < 0:
        raise _bad("noise", f"noise must be a finite number >= 0, got {noise!r}")
    if not _is_real(val_split) or not 0 <= float(val_split) < 1:
        raise _bad("val_split", f"val_split must be in [0, 1), got {val_split!r}")
    return dt, float(noise), float(val_split)


def _check_options(name: str, expr: str | None, domain: Any) -> None:
    """Parameters that only some data sets take."""
    if expr is not None and name != "expr":
        raise _bad("expr", f"expr is only used by the 'expr' toy dataset, not by '{name}'; "
                   "remove it")
    if name == "expr" and expr is None:
        raise _bad("expr", "toy dataset 'expr' needs an expression, e.g. "
                   "expr: 'sin(3*x) + 0.1*x'")
    if domain is not None and name not in REGRESSION_1D:
        raise _bad(
            "domain", f"domain only applies to the 1-D regression sets "
            f"({', '.join(REGRESSION_1D)}), not to '{name}'; remove it"
        )


def _check_size(name: str, n: Any, bits: int, n_classes: int | None, val_split: float) -> int:
    """The number of samples: given or the default, enough for the classes and a training set."""
    if name == "parity" and n is not None and (not _is_int(n) or int(n) != 2**bits):
        raise _bad(
            "n", f"parity uses all 2^bits = {2**bits} bit vectors, so n must be omitted or "
            f"{2**bits}, got {n!r}; change bits instead"
        )
    if n is None:
        n = default_n(name, bits=bits if name == "parity" else DEFAULT_BITS)
    if not _is_int(n) or not 1 <= int(n) <= MAX_N:
        raise _bad("n", f"n must be an integer from 1 to {MAX_N}, got {n!r}")
    n = int(n)
    if n_classes is not None and n < n_classes:
        raise _bad(
            "n", f"n must be at least the number of classes ({n_classes}) for '{name}', got {n}"
        )
    if n - int(round(n * val_split)) < 1:
        raise _bad(
            "val_split", f"val_split {val_split} leaves no training sample out of n={n}; "
            f"use a larger n or a val_split below {(n - 0.5) / n:.3g}"
        )
    return n


def _sum(n: int, noise: float, rng: np.random.Generator,
         dt: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """x ~ U(0, 1)², y = x₁ + x₂ + noise·N(0, 1)."""
    x = rng.uniform(0.0, 1.0, size=(n, 2)).astype(dt)
    jitter = rng.standard_normal((n, 1))
    clean = x.astype(np.float64).sum(axis=1, keepdims=True)
    with np.errstate(all="ignore"):
        y = (clean + noise * jitter).astype(dt)
    _check_finite("sum", x, y)
    return x, y


def _labelled(name: str, n: int, n_classes: int, bits: int, noise: float,
              rng: np.random.Generator, dt: np.dtype) -> tuple[np.ndarray, np.ndarray, str]:
    """(x, labels, description key) of a classification set: parity, the XOR truth table, or
    points of a 2-D set with balanced classes, jittered by ``noise`` and shuffled."""
    key = name
    if name == "parity":
        x, labels = shapes.parity(bits, n, noise, rng)
    elif name == "xor" and n == 4:
        key = "xor4"
        x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        labels = np.array([0, 1, 1, 0], dtype=np.int64)
        x = x + noise * rng.standard_normal(x.shape)
    else:
        labels = shapes.balanced_labels(n, n_classes)
        x = shapes.POINTS[name](labels, n_classes, rng)
        x = x + noise * rng.standard_normal(x.shape)
        perm = rng.permutation(n)
        x, labels = x[perm], labels[perm]
    with np.errstate(all="ignore"):
        x = x.astype(dt)
    _check_finite(name, x, None)
    return x, labels, key


def _check_classes(name: str, classes: Any) -> int | None:
    """Number of classes of a classification set (None for regression), checking ``classes``."""
    if classes is not None and (not _is_int(classes) or int(classes) < 2):
        raise _bad("classes", f"classes must be an integer >= 2, got {classes!r}")
    if name in _DEFAULT_CLASSES:
        return _DEFAULT_CLASSES[name] if classes is None else int(classes)
    if name in _FIXED_CLASSES:
        fixed = _FIXED_CLASSES[name]
        if classes is not None and int(classes) != fixed:
            raise _bad(
                "classes", f"'{name}' always has {fixed} classes, got classes={classes}; "
                f"only {' and '.join(_DEFAULT_CLASSES)} take another number"
            )
        return fixed
    if classes is not None:
        raise _bad(
            "classes", f"classes only applies to classification sets, not to the regression "
            f"set '{name}'"
        )
    return None


def _check_domain(name: str, domain: Any, dt: np.dtype) -> tuple[float, float]:
    if domain is None:
        return catalog.SOURCES[name].domain or DEFAULT_DOMAIN
    if (
        isinstance(domain, (str, bytes))
        or not hasattr(domain, "__len__")
        or len(domain) != 2
        or not all(_is_real(v) for v in domain)
    ):
        raise _bad("domain", f"domain must be two finite numbers [lo, hi], got {domain!r}")
    lo, hi = (float(v) for v in domain)
    if not lo < hi:
        raise _bad("domain", f"domain [lo, hi] needs lo < hi, got [{lo:g}, {hi:g}]")
    with np.errstate(over="ignore"):
        ends = np.array([lo, hi, hi - lo], dtype=np.float64).astype(dt)
    if not np.all(np.isfinite(ends)):
        raise _bad("domain", f"domain [{lo:g}, {hi:g}] is too wide for dtype {dt.name}")
    return lo, hi


def _regression_1d(
    fn: Expr,
    n: int,
    noise: float,
    lo: float,
    hi: float,
    rng: np.random.Generator,
    dt: np.dtype,
) -> tuple[np.ndarray, np.ndarray]:
    """x ~ U(lo, hi) as (n, 1); y = fn(x) + noise * N(0, 1), computed from the rounded x."""
    with np.errstate(all="ignore"):  # overflow in the casts is reported below, not warned
        x = rng.uniform(lo, hi, size=(n, 1)).astype(dt)
        jitter = rng.standard_normal((n, 1))
        clean = fn(x).astype(dt)
        y = (clean.astype(np.float64) + noise * jitter).astype(dt)
    bad = ~np.isfinite(clean)
    if bad.any():
        first = float(x[bad].min())
        raise DataError(
            f"expression {fn.text!r} is not finite (NaN or infinite in {dt.name}) "
            f"at x = {first:.6g} "
            f"({int(bad.sum())} of {n} points in domain [{lo:g}, {hi:g}]); "
            "choose a domain where it is defined"
        )
    _check_finite(fn.text, x, y)
    return x, y


def _check_finite(what: str, x: np.ndarray, y: np.ndarray | None) -> None:
    if not np.isfinite(x).all() or (y is not None and not np.isfinite(y).all()):
        raise DataError(
            f"toy data for {what!r} overflowed the dtype {x.dtype.name}; "
            "use a smaller domain or noise"
        )


__all__ = [
    "BIT_TASKS",
    "CLASSIFICATION_2D",
    "FORMULAS",
    "REGRESSION_1D",
    "TOY_NAMES",
    "default_n",
    "make_toy",
]
