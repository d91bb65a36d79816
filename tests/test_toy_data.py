"""Embedded toy data sets: shapes, dtypes, labels, formulas, determinism, splits and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnlab.data.base import Dataset
from nnlab.data.toy import CLASSIFICATION_2D, REGRESSION_1D, TOY_NAMES, default_n, make_toy
from nnlab.errors import DataError


def toy(name: str, seed: int = 0, **kw: object) -> Dataset:
    if name == "expr":
        kw.setdefault("expr", "sin(3*x) + 0.1*x")
    return make_toy(name, rng=np.random.default_rng(seed), **kw)  # type: ignore[arg-type]


def all_rows(ds: Dataset) -> tuple[np.ndarray, np.ndarray]:
    if ds.x_val is None:
        return ds.x_train, ds.y_train
    return np.concatenate([ds.x_train, ds.x_val]), np.concatenate([ds.y_train, ds.y_val])


def test_names_are_grouped() -> None:
    assert set(REGRESSION_1D) | set(CLASSIFICATION_2D) | {"sum", "parity"} == set(TOY_NAMES)
    assert len(TOY_NAMES) == len(set(TOY_NAMES)) == 15


@pytest.mark.parametrize("name", TOY_NAMES)
def test_shapes_dtypes_and_task(name: str) -> None:
    ds = toy(name)
    n = default_n(name)
    x, y = all_rows(ds)
    assert len(x) == len(y) == n
    assert len(ds.x_val) == round(0.2 * n)
    assert x.dtype == np.float32
    assert ds.x_test is None
    if name in REGRESSION_1D:
        assert ds.task == "regression" and ds.n_classes is None
        assert x.shape == (n, 1) and y.shape == (n, 1) and y.dtype == np.float32
        assert ds.target_fn is not None and set(ds.info) == {"domain", "expr"}
        lo, hi = ds.info["domain"]
        assert lo <= x.min() and x.max() <= hi
    elif name == "sum":
        assert ds.task == "regression" and x.shape == (n, 2) and y.shape == (n, 1)
    else:
        assert ds.task == "classification" and y.dtype == np.int64 and y.shape == (n,)
        assert ds.n_classes == {"spiral": 2, "blobs": 3}.get(name, 2)
        assert ds.n_outputs == ds.n_classes
        counts = np.bincount(y, minlength=ds.n_classes)
        assert counts.max() - counts.min() <= 1 and len(counts) == ds.n_classes


def test_defaults() -> None:
    assert default_n("sine") == 200 and default_n("moons") == 400 and default_n("sum") == 500
    assert default_n("parity") == 16 and default_n("parity", bits=6) == 64
    assert toy("nielsen").info["domain"] == [0.0, 1.0]
    assert toy("cubic").info["domain"] == [-3.0, 3.0]
    assert toy("cubic", domain=(1, 2)).info["domain"] == [1.0, 2.0]


@pytest.mark.parametrize("name", TOY_NAMES)
def test_same_seed_same_arrays_other_seed_differs(name: str) -> None:
    a, b, c = toy(name, 7, noise=0.1), toy(name, 7, noise=0.1), toy(name, 8, noise=0.1)
    for attr in ("x_train", "y_train", "x_val", "y_val"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))
    assert not np.array_equal(a.x_train, c.x_train)


def test_dtype_and_custom_n() -> None:
    ds = toy("spiral", n=50, classes=5, dtype=np.float64, val_split=0)
    assert ds.x_train.dtype == np.float64 and ds.x_val is None and ds.y_val is None
    assert np.bincount(ds.y_train).tolist() == [10] * 5


@pytest.mark.parametrize("name", REGRESSION_1D)
def test_noiseless_regression_equals_target_fn(name: str) -> None:
    ds = toy(name)
    expected = ds.target_fn(ds.x_train).astype(np.float32)
    np.testing.assert_array_equal(ds.y_train, expected)
    noisy = toy(name, noise=0.5)
    np.testing.assert_array_equal(noisy.x_train, ds.x_train)  # noise keeps x and the split
    resid = noisy.y_train - ds.y_train
    assert 0.3 < resid.std() < 0.7


def test_formulas_at_hand_checked_points() -> None:
    pts = np.array([[0.0], [0.5], [1.0]])
    nielsen = toy("nielsen").target_fn(pts)[:, 0]
    # 0.2 + 0.4 x^2 + 0.3 x sin(15 x) + 0.05 cos(50 x)
    assert nielsen[0] == pytest.approx(0.25)
    assert nielsen[1] == pytest.approx(0.2 + 0.1 + 0.15 * math.sin(7.5) + 0.05 * math.cos(25))
    assert nielsen[2] == pytest.approx(0.843335, abs=1e-6)
    assert toy("linear").target_fn(np.array([2.0]))[0] == pytest.approx(1.3)
    assert toy("cubic").target_fn(np.array([2.0]))[0] == pytest.approx(4.0)
    assert toy("abs").target_fn(np.array([-1.5]))[0] == pytest.approx(1.5)
    hard = toy("hard").target_fn(np.array([0.5, -0.5]))
    np.testing.assert_allclose(hard, [math.tanh(5 * math.sin(1.5)), -math.tanh(5 * math.sin(1.5))])


def test_sum_is_exact() -> None:
    x, y = all_rows(toy("sum"))
    assert 0 <= x.min() and x.max() <= 1
    np.testing.assert_array_equal(y[:, 0], x[:, 0] + x[:, 1])


@pytest.mark.parametrize("bits", [1, 4, 7])
def test_parity_covers_all_vectors_with_xor_labels(bits: int) -> None:
    ds = toy("parity", bits=bits, val_split=0)
    x, y = ds.x_train, ds.y_train
    assert x.shape == (2**bits, bits) and set(np.unique(x)) <= {0.0, 1.0}
    assert len({tuple(row) for row in x.tolist()}) == 2**bits
    np.testing.assert_array_equal(y, np.bitwise_xor.reduce(x.astype(np.int64), axis=1))
    assert ds.info["bits"] == bits


def test_xor_four_point_truth_table() -> None:
    ds = toy("xor", n=4, val_split=0)
    np.testing.assert_array_equal(ds.x_train, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(ds.y_train, [0, 1, 1, 0])


def test_sampled_xor_is_labelled_by_quadrant_with_margin() -> None:
    x, y = all_rows(toy("xor"))
    np.testing.assert_array_equal(y, ((x[:, 0] > 0) != (x[:, 1] > 0)).astype(np.int64))
    assert np.abs(x).min() >= 0.1 - 1e-6 and np.abs(x).max() <= 1.0


def test_circles_radii_and_scale() -> None:
    x, y = all_rows(toy("circles"))
    r = np.hypot(x[:, 0], x[:, 1])
    assert r[y == 0].max() <= 0.5 + 1e-6 and r[y == 1].min() >= 0.7 - 1e-6
    for name in CLASSIFICATION_2D:
        assert np.abs(toy(name).x_train).max() <= 1.0 + 1e-6


@pytest.mark.parametrize(
    ("val_split", "n", "n_val"), [(0.2, 200, 40), (0.5, 10, 5), (0.0, 30, 0), (0.25, 3, 1)]
)
def test_val_split_sizes(val_split: float, n: int, n_val: int) -> None:
    ds = toy("sine", n=n, val_split=val_split)
    assert len(ds.x_train) == n - n_val
    assert (0 if ds.x_val is None else len(ds.x_val)) == n_val


@pytest.mark.parametrize(
    ("kw", "needle"),
    [
        ({"name": "sinee"}, "did you mean 'sine'"),
        ({"name": "sine", "n": 0}, "n must be an integer from 1"),
        ({"name": "sine", "n": 1, "val_split": 0.6}, "leaves no training sample"),
        ({"name": "sine", "noise": -0.1}, "noise must be"),
        ({"name": "sine", "domain": (2, 1)}, "lo < hi"),
        ({"name": "sine", "domain": (1,)}, "domain must be two"),
        ({"name": "sine", "val_split": 1.0}, "val_split must be in [0, 1)"),
        ({"name": "sine", "expr": "x"}, "expr is only used by"),
        ({"name": "expr", "expr": None}, "needs an expression"),
        ({"name": "expr", "expr": "sinn(x)"}, "did you mean 'sin'"),
        ({"name": "xor", "domain": (0, 1)}, "domain only applies"),
        ({"name": "blobs", "classes": 1}, "classes must be an integer >= 2"),
        ({"name": "moons", "classes": 3}, "always has 2 classes"),
        ({"name": "blobs", "classes": 5, "n": 4}, "at least the number of classes"),
        ({"name": "parity", "bits": 0}, "bits must be an integer from 1 to 20"),
        ({"name": "parity", "bits": 21}, "bits must be an integer from 1 to 20"),
        ({"name": "parity", "n": 10}, "n must be omitted or 16"),
        ({"name": "sine", "dtype": np.int32}, "dtype must be a float"),
    ],
)
def test_impossible_requests(kw: dict, needle: str) -> None:
    name = kw.pop("name")
    with pytest.raises(DataError) as err:
        make_toy(name, rng=np.random.default_rng(0), **kw)
    assert needle in str(err.value) and "\n" not in str(err.value)
