"""The safe expression evaluator: correct values, whitelist enforcement, readable errors."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

from nnlab.data.expr import compile_expr
from nnlab.data.toy import make_toy
from nnlab.errors import DataError

X = np.linspace(-2.0, 2.0, 9)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sin(x)", np.sin(X)),
        ("x**2 - 3*x + 1", X**2 - 3 * X + 1),
        ("-x + +x * 2", X),
        ("x % 1.5", np.mod(X, 1.5)),
        ("2*pi*e / 4", np.full_like(X, np.pi * np.e / 2)),
        ("(x > 0)", (X > 0).astype(float)),
        (
            "(x >= 0) - (x <= 0) + (x == 1) * 10 + (x != 1)",
            (X >= 0) * 1.0 - (X <= 0) + (X == 1) * 10 + (X != 1),
        ),
        ("0 < x < 1.5", ((X > 0) & (X < 1.5)).astype(float)),
        ("where(x > 0, x, -2*x)", np.where(X > 0, X, -2 * X)),
        ("clip(x, -1, 0.5)", np.clip(X, -1, 0.5)),
        ("minimum(x, 0) + maximum(x, 1)", np.minimum(X, 0) + np.maximum(X, 1)),
        ("heaviside(x)", np.heaviside(X, 0.5)),
        ("heaviside(x, 1)", np.heaviside(X, 1.0)),
        (
            "abs(x) + sign(x) + floor(x) + ceil(x) + round(x)",
            np.abs(X) + np.sign(X) + np.floor(X) + np.ceil(X) + np.round(X),
        ),
        ("tanh(5*sin(3*x))", np.tanh(5 * np.sin(3 * X))),
        ("exp(-x**2) * cosh(x) + log2(4) + log10(100)", np.exp(-(X**2)) * np.cosh(X) + 4),
    ],
)
def test_values(text: str, expected: np.ndarray) -> None:
    out = compile_expr(text)(X)
    assert out.shape == X.shape and out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_constant_broadcasts_to_input_shape_and_returns_a_copy() -> None:
    x = np.zeros((4, 1), dtype=np.float32)
    assert compile_expr("2")(x).shape == (4, 1)
    out = compile_expr("x")(x)
    out[0, 0] = 5.0
    assert x[0, 0] == 0.0


def test_several_variables_and_pickle() -> None:
    f = compile_expr("x1 + 2*x2", variables=("x1", "x2"))
    np.testing.assert_allclose(f(np.array([1.0, 2.0]), np.array([10.0, 20.0])), [21.0, 42.0])
    g = pickle.loads(pickle.dumps(compile_expr("sin(x)")))
    np.testing.assert_allclose(g(X), np.sin(X))


def test_invalid_math_gives_nan_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = compile_expr("log(x) + 1/x + sqrt(x) + 10**10**10")(X)
    assert not np.isfinite(out).any()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("__import__('os')", "unknown function '__import__'"),
        ("x.__class__", "attribute access"),
        ("np.sin(x)", "attribute access"),
        ("x[0]", "subscripts"),
        ("lambda: 1", "lambda"),
        ("'abc'", "strings"),
        ("sin(x) + 'a'", "strings"),
        ("clip(x, a_min=0, a_max=1)", "keyword argument"),
        ("x // 2", "'//'"),
        ("x and 1", "'and'/'or'"),
        ("1 if x else 2", "where(cond, a, b)"),
        ("[x]", "lists"),
        ("sin(x, 2)", "sin() takes 1 argument, got 2"),
        ("x(2)", "'x' is not a function"),
        ("sin", "call it"),
        ("True", "literal"),
        ("y + 1", "unknown name 'y'"),
        ("-" * 60 + "x", "nested deeper than 50"),
        ("x" * 501, "at most 500"),
        ("9" * 400, "too large"),
        ("", "empty"),
    ],
)
def test_rejections_name_the_part_and_stay_one_line(text: str, needle: str) -> None:
    with pytest.raises(DataError) as err:
        compile_expr(text)
    msg = str(err.value)
    assert needle in msg
    assert "\n" not in msg and len(msg) < 600


def test_whitelist_is_listed_in_errors() -> None:
    with pytest.raises(DataError, match="allowed: numbers, x, pi, e, .*sin, cos"):
        compile_expr("x.real")


def test_unknown_name_suggests_closest() -> None:
    with pytest.raises(DataError, match=r"unknown function 'sinn'.*did you mean 'sin'\?"):
        compile_expr("sinn(x)")
    with pytest.raises(DataError, match=r"unknown name 'pii'.*did you mean 'pi'\?"):
        compile_expr("2*pii*x")


def test_syntax_error_names_the_column() -> None:
    with pytest.raises(DataError, match=r"cannot parse expression 'sin\(x'.*column 4"):
        compile_expr("sin(x")
    with pytest.raises(DataError, match="column 4 .end of the text"):
        compile_expr("x +")


def test_non_finite_expr_target_is_a_data_error() -> None:
    with pytest.raises(DataError, match=r"'log\(x\)' is not finite.*at x = -2\.9"):
        make_toy("expr", expr="log(x)", rng=np.random.default_rng(0))
    ds = make_toy("expr", expr="log(x)", domain=(0.5, 2.0), rng=np.random.default_rng(0))
    assert np.isfinite(ds.y_train).all()


def test_every_whitelisted_function_compiles_and_matches_numpy() -> None:
    from nnlab.data.expr import FUNCTIONS

    u = np.linspace(0.1, 0.9, 5)
    for fname, (_, lo, _hi) in FUNCTIONS.items():
        args = ", ".join(["x"] * lo)
        out = compile_expr(f"{fname}({args})")(u)
        ref = {"where": u, "heaviside": np.ones_like(u), "clip": u}.get(fname)
        if ref is None:
            ref = getattr(np, fname)(*([u] * lo))
        np.testing.assert_allclose(out, ref, err_msg=fname)
