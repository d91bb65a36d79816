"""Initializers: shapes, dtypes, distributions, reproducibility, registry behaviour."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnlab.core import initializers
from nnlab.core.initializers import INITIALIZERS
from nnlab.errors import ConfigError

FAN_IN, FAN_OUT = 400, 500
SHAPE = (FAN_IN, FAN_OUT)
RANDOM = [n for n in INITIALIZERS.names() if n not in ("zeros", "ones", "constant")]

# name → (kind, parameter): "uniform" with its limit, or "normal" with its std (mean 0)
EXPECTED = {
    "uniform": ("uniform", 0.05),
    "normal": ("normal", 0.05),
    "glorot_uniform": ("uniform", math.sqrt(6 / (FAN_IN + FAN_OUT))),
    "glorot_normal": ("normal", math.sqrt(2 / (FAN_IN + FAN_OUT))),
    "he_uniform": ("uniform", math.sqrt(6 / FAN_IN)),
    "he_normal": ("normal", math.sqrt(2 / FAN_IN)),
    "lecun_uniform": ("uniform", math.sqrt(3 / FAN_IN)),
    "lecun_normal": ("normal", math.sqrt(1 / FAN_IN)),
    "nielsen": ("normal", 1 / math.sqrt(FAN_IN)),
    "nielsen_large": ("normal", 1.0),
}


@pytest.fixture(scope="module")
def samples() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {name: initializers.get(name)(SHAPE, rng, np.float64) for name in RANDOM}


def test_every_random_initializer_has_expected_statistics() -> None:
    assert set(EXPECTED) == set(RANDOM)


@pytest.mark.parametrize("name", RANDOM)
def test_statistics(name: str, samples: dict[str, np.ndarray]) -> None:
    w = samples[name]
    kind, param = EXPECTED[name]
    std = param / math.sqrt(3) if kind == "uniform" else param
    n = w.size
    assert abs(w.mean()) < 5 * std / math.sqrt(n)
    assert w.std() == pytest.approx(std, rel=0.01)
    if kind == "uniform":
        assert w.min() >= -param and w.max() < param
        assert w.min() < -0.99 * param and w.max() > 0.99 * param
    else:  # plain normal: about 0.27% beyond 3σ
        assert np.mean(np.abs(w) > 3 * std) == pytest.approx(0.0027, abs=0.0005)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", INITIALIZERS.names())
def test_shape_dtype_and_reproducibility(name: str, dtype) -> None:
    init = initializers.get(name)
    for shape in [(3, 4), (5,)]:
        a = init(shape, np.random.default_rng(42), dtype)
        b = init(shape, np.random.default_rng(42), dtype)
        assert a.shape == shape and a.dtype == dtype
        assert np.array_equal(a, b)
    if name in RANDOM:
        c = init((3, 4), np.random.default_rng(43), dtype)
        assert not np.array_equal(init((3, 4), np.random.default_rng(42), dtype), c)


def test_default_dtype_is_float32_and_global_state_untouched() -> None:
    before = np.random.get_state()[1].copy()
    w = initializers.get("he_normal")((3, 4), np.random.default_rng(0))
    assert w.dtype == np.float32
    assert np.array_equal(np.random.get_state()[1], before)


def test_fans_of_1d_and_2d_shapes() -> None:
    assert initializers.fans((7, 3)) == (7, 3)
    assert initializers.fans((9,)) == (9, 9)
    b = initializers.get("he_normal")((20000,), np.random.default_rng(1), np.float64)
    assert b.std() == pytest.approx(math.sqrt(2 / 20000), rel=0.02)


def test_constant_zeros_ones() -> None:
    rng = np.random.default_rng(0)
    assert np.all(
        initializers.get({"name": "constant", "value": 0.1})((2, 3), rng) == np.float32(0.1)
    )
    assert not initializers.get("zeros")((2, 3), rng).any()
    assert initializers.get("ones")((2,), rng, np.float64).tolist() == [1.0, 1.0]


def test_custom_params() -> None:
    rng = np.random.default_rng(0)
    w = initializers.get({"name": "uniform", "low": 2.0, "high": 3.0})((100, 100), rng, np.float64)
    assert 2.0 <= w.min() and w.max() < 3.0
    w = initializers.get({"name": "normal", "mean": 5.0, "std": 0.5})((200, 200), rng, np.float64)
    assert w.mean() == pytest.approx(5.0, abs=0.01) and w.std() == pytest.approx(0.5, rel=0.02)
    assert repr(initializers.get({"name": "normal", "std": 0.5})) == "normal(std=0.5)"


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("xavier_uniform", "glorot_uniform"),
        ("xavier_normal", "glorot_normal"),
        ("kaiming_uniform", "he_uniform"),
        ("kaiming_normal", "he_normal"),
        ("random_uniform", "uniform"),
        ("random_normal", "normal"),
        ("nielsen_default", "nielsen"),
    ],
)
def test_aliases_resolve_to_same_class(alias: str, name: str) -> None:
    assert type(initializers.get(alias)) is type(initializers.get(name))
    a = initializers.get(alias)((3, 4), np.random.default_rng(5))
    assert np.array_equal(a, initializers.get(name)((3, 4), np.random.default_rng(5)))


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "uniform", "low": 1.0, "high": 1.0},
        {"name": "uniform", "low": 1.0, "high": -1.0},
        {"name": "normal", "std": -0.1},
        {"name": "constant", "value": "x"},
    ],
)
def test_impossible_params_are_config_errors(spec) -> None:
    with pytest.raises(ConfigError, match=spec["name"]):
        initializers.get(spec)


def test_unknown_names_and_params_suggest() -> None:
    with pytest.raises(ConfigError, match="did you mean 'glorot_uniform'"):
        initializers.get("glorot_unifrom")
    with pytest.raises(ConfigError, match="did you mean 'std'"):
        initializers.get({"name": "normal", "stdev": 1.0})
