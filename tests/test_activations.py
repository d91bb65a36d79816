"""Activations: gradients against finite differences, stability, dtypes, registry behaviour."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from helpers import numeric_grad, rel_error

from nnlab.core import activations
from nnlab.core.activations import ACTIVATIONS
from nnlab.errors import ConfigError

SMOOTH_OR_KINKED = [n for n in ACTIVATIONS.names() if n != "step"]
WITH_PARAMS = [
    {"name": "leaky_relu", "alpha": 0.2},
    {"name": "elu", "alpha": 0.5},
    {"name": "swish", "beta": 1.7},
]


def away_from_kinks(z: np.ndarray, kinks: tuple[float, ...], gap: float = 0.05) -> np.ndarray:
    """Push every point at least ``gap`` away from each kink."""
    z = z.copy()
    for k in kinks:
        close = np.abs(z - k) < gap
        z[close] = k + np.where(z[close] >= k, gap, -gap) * 2
    return z






@pytest.mark.parametrize("spec", SMOOTH_OR_KINKED + WITH_PARAMS, ids=str)
def test_backward_matches_finite_differences(spec) -> None:
    act = activations.get(spec)
    rng = np.random.default_rng(0)
    z = away_from_kinks(rng.uniform(-3, 3, size=(4, 5)), act.kinks)
    w = rng.normal(size=z.shape)  # L = Σ w ⊙ f(z), so dL/da = w

    num = numeric_grad(lambda zz: float(np.sum(w * act.forward(zz))), z)
    ana = act.backward(z, act.forward(z), w)
    assert rel_error(num, ana) < 1e-6


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_backward_does_not_modify_its_inputs(name: str) -> None:
    act = activations.get(name)
    rng = np.random.default_rng(1)
    z = rng.normal(size=(3, 4))
    a = act.forward(z).copy()
    g = rng.normal(size=z.shape)
    z0, a0, g0 = z.copy(), a.copy(), g.copy()
    act.backward(z, a, g)
    assert np.array_equal(z, z0) and np.array_equal(a, a0) and np.array_equal(g, g0)


def test_step_has_zero_gradient_and_is_not_differentiable() -> None:
    act = activations.get("heaviside")
    z = np.array([[-2.0, -0.0, 0.0, 1e-9, 3.0]])
    assert np.array_equal(act.forward(z), [[0, 0, 0, 1, 1]])
    assert np.array_equal(act.backward(z, act.forward(z), np.ones_like(z)), np.zeros_like(z))
    assert act.differentiable is False
    assert all(activations.get(n).differentiable for n in SMOOTH_OR_KINKED)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_huge_inputs_no_warnings_and_dtype_kept(name: str, dtype) -> None:
    act = activations.get(name)
    z = np.array([[-1e4, -1e3, -80.0, -1.0, 0.0, 1.0, 80.0, 1e3, 1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = act.forward(z)
        d = act.backward(z, a, np.ones_like(z))
    assert a.dtype == dtype and d.dtype == dtype
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(d))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_and_softmax_tails(dtype) -> None:
    z = np.array([[-1e4, 0.0, 1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = activations.get("sigmoid").forward(z)
        p = activations.get("softmax").forward(np.vstack([z, -z, np.full_like(z, 1e4)]))
    assert np.array_equal(s, np.array([[0.0, 0.5, 1.0]], dtype=dtype))
    assert np.allclose(p, [[0, 0, 1], [1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])
    assert p.dtype == dtype
    # precision in the left tail is relative, not absolute
    assert math.isclose(float(activations.sigmoid(np.array(-30.0))), math.exp(-30), rel_tol=1e-12)


def test_known_values() -> None:
    z = np.array([[-1.0, 0.0, 2.0]])
    get = activations.get
    assert np.allclose(get("relu").forward(z), [[0, 0, 2]])
    assert np.allclose(get({"name": "leaky_relu", "alpha": 0.2}).forward(z), [[-0.2, 0, 2]])
    assert np.allclose(get("elu").forward(z), [[math.expm1(-1), 0, 2]])
    lam, alpha = 1.0507009873554805, 1.6732632423543772
    assert np.allclose(get("selu").forward(z), [[lam * alpha * math.expm1(-1), 0, 2 * lam]])
    assert np.allclose(get("softplus").forward(z), np.log1p(np.exp(z)))
    assert np.allclose(get("swish").forward(z), z / (1 + np.exp(-z)))
    gelu = 0.5 * 2 * (1 + math.tanh(math.sqrt(2 / math.pi) * (2 + 0.044715 * 8)))
    assert math.isclose(float(get("gelu").forward(z)[0, 2]), gelu, rel_tol=1e-12)
    assert np.allclose(get("softmax").forward(z).sum(axis=1), 1.0)
    assert np.array_equal(
        get("relu").backward(np.zeros((1, 1)), np.zeros((1, 1)), np.ones((1, 1))), [[0]]
    )


def test_aliases_and_repr() -> None:
    assert type(activations.get("linear")) is type(activations.get("identity"))
    assert type(activations.get("silu")) is type(activations.get("swish"))
    assert repr(activations.get("sigmoid")) == "sigmoid"
    assert repr(activations.get({"name": "leaky_relu", "alpha": 0.2})) == "leaky_relu(alpha=0.2)"
    assert repr(activations.get({"name": "leaky_relu", "alpha": 0.01})) == "leaky_relu"
    assert activations.get("relu").kinks == (0.0,) and activations.get("tanh").kinks == ()
    inst = activations.get("tanh")
    assert activations.get(inst) is inst


@pytest.mark.parametrize(("bad", "hint"), [("sigmoud", "sigmoid"), ("relu6", "relu")])
def test_unknown_name_suggests_closest(bad: str, hint: str) -> None:
    with pytest.raises(ConfigError, match=f"did you mean '{hint}'"):
        activations.get(bad)


def test_unknown_param_and_bad_value() -> None:
    with pytest.raises(ConfigError, match="did you mean 'alpha'"):
        activations.get({"name": "leaky_relu", "alhpa": 0.2})
    with pytest.raises(ConfigError, match="leaky_relu"):
        activations.get({"name": "leaky_relu", "alpha": "big"})
