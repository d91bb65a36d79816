"""Losses: values, gradients against finite differences, fused stability, registry behaviour."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from helpers import numeric_grad, rel_error

from nnlab.core import activations, losses
from nnlab.core.losses import LOSSES
from nnlab.errors import ConfigError

N, K = 4, 3






def one_hot(rng: np.random.Generator, n: int = N, k: int = K) -> np.ndarray:
    return np.eye(k)[rng.integers(0, k, size=n)]


def case(name: str, rng: np.random.Generator):
    """(loss, activation, z, t) with z away from the loss' kinks and in the valid range."""
    r = rng.uniform(0.2, 1.5, size=(N, K)) * rng.choice([-1, 1], size=(N, K))
    t = rng.normal(size=(N, K))
    if name == "mse_identity":
        return "mse", "identity", t + r, t
    if name == "mse_sigmoid":
        return "mse", "sigmoid", rng.normal(size=(N, K)), rng.uniform(size=(N, K))
    if name == "mse_softmax":
        return "mse", "softmax", rng.normal(size=(N, K)), one_hot(rng)
    if name == "mae_identity":
        return "mae", "identity", t + r, t
    if name == "huber_identity":  # residuals in (0.2, 0.8) ∪ (1.2, 2.5): away from ±δ = ±1
        mag = np.where(rng.random((N, K)) < 0.5, rng.uniform(0.2, 0.8, (N, K)), 1.2 + r**2)
        return {"name": "huber", "delta": 1.0}, "identity", t + mag * np.sign(r), t
    if name == "huber_identity_delta2":
        return {"name": "huber", "delta": 2.0}, "identity", t + 3.0 * r, t
    if name == "bce_sigmoid":
        return "bce", "sigmoid", rng.normal(scale=3, size=(N, K)), rng.uniform(size=(N, K))
    if name == "bce_tanh":  # tanh(z) ∈ (0.1, 0.94) for z ∈ [0.1, 1.7]
        return "bce", "tanh", rng.uniform(0.1, 1.7, (N, K)), rng.uniform(size=(N, K))
    if name == "bce_identity":
        return (
            "cross_entropy",
            "identity",
            rng.uniform(0.05, 0.95, (N, K)),
            rng.integers(0, 2, (N, K)),
        )
    if name == "cce_softmax":
        return "categorical_crossentropy", "softmax", rng.normal(scale=3, size=(N, K)), one_hot(rng)
    if name == "cce_identity":
        a = rng.uniform(0.1, 1.0, (N, K))
        return "crossentropy", "identity", a / a.sum(axis=1, keepdims=True), one_hot(rng)
    raise KeyError(name)


CASES = [
    "mse_identity",
    "mse_sigmoid",
    "mse_softmax",
    "mae_identity",
    "huber_identity",
    "huber_identity_delta2",
    "bce_sigmoid",
    "bce_tanh",
    "bce_identity",
    "cce_softmax",
    "cce_identity",
]


@pytest.mark.parametrize("name", CASES)
def test_delta_matches_finite_differences(name: str) -> None:
    spec, act_name, z, t = case(name, np.random.default_rng(CASES.index(name)))
    loss, act = losses.get(spec), activations.get(act_name)
    t = np.asarray(t, dtype=np.float64)

    def value(zz: np.ndarray) -> float:
        return loss.value(zz, act.forward(zz), t, act)

    num = numeric_grad(value, z.copy())
    ana = loss.delta(z, act.forward(z), t, act)
    assert rel_error(num, ana) < 1e-6


@pytest.mark.parametrize("name", CASES)
def test_per_sample_shape_and_mean(name: str) -> None:
    spec, act_name, z, t = case(name, np.random.default_rng(7))
    loss, act = losses.get(spec), activations.get(act_name)
    a = act.forward(z)
    per = loss.per_sample(z, a, t, act)
    assert per.shape == (N,)
    assert loss.value(z, a, t, act) == pytest.approx(per.mean(), rel=1e-12)


def test_known_values() -> None:
    a = np.array([[1.0, 2.0], [0.0, -1.0]])
    t = np.array([[0.0, 0.0], [0.0, 2.0]])  # residuals [1, 2], [0, -3]
    assert losses.get("mse").value(None, a, t) == pytest.approx((0.5 * 5 + 0.5 * 9) / 2)
    assert losses.get("mae").value(None, a, t) == pytest.approx((3 + 3) / 2)
    # huber δ=1: ½·1 + (2 − ½) = 2; 0 + (3 − ½) = 2.5
    assert losses.get("huber").per_sample(None, a, t) == pytest.approx([2.0, 2.5])
    assert np.allclose(losses.get("mae").grad(a, t), [[0.5, 0.5], [0.0, -0.5]])  # sign(0) = 0
    p = np.array([[0.8, 0.2]])
    assert losses.get("bce").value(None, p, np.array([[1.0, 0.0]])) == pytest.approx(
        -2 * math.log(0.8)
    )
    assert losses.get("categorical_crossentropy").value(
        None, p, np.array([[0.0, 1.0]])
    ) == pytest.approx(-math.log(0.2))


def test_kinks() -> None:
    assert losses.get("mae").kinks == (0.0,)
    assert losses.get({"name": "huber", "delta": 2.0}).kinks == (-2.0, 2.0)
    assert losses.get("mse").kinks == () and losses.get("bce").kinks == ()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_bce_stable_for_huge_logits(dtype) -> None:
    loss, act = losses.get("binary_crossentropy"), activations.get("sigmoid")
    z = np.array([[1e4, -1e4], [1e4, -1e4], [0.0, 0.0]], dtype=dtype)
    t = np.array([[1, 0], [0, 1], [1, 0]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = act.forward(z)
        per = loss.per_sample(z, a, t, act)
        value = loss.value(z, a, t, act)
        delta = loss.delta(z, a, t, act)
    assert np.allclose(per, [0.0, 2e4, 2 * math.log(2)], rtol=1e-6)
    assert value == pytest.approx((2e4 + 2 * math.log(2)) / 3, rel=1e-6)
    assert delta.dtype == dtype
    assert np.array_equal(delta, (a - t) / np.asarray(3, dtype=dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_cce_stable_for_huge_logits(dtype) -> None:
    loss, act = losses.get("softmax_crossentropy"), activations.get("softmax")
    z = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=dtype)
    t = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = act.forward(z)
        per = loss.per_sample(z, a, t, act)
        delta = loss.delta(z, a, t, act)
    assert np.allclose(per, [0.0, 2e4, math.log(3)], rtol=1e-6)
    assert np.isfinite(loss.value(z, a, t, act))
    assert delta.dtype == dtype
    assert np.array_equal(delta, (a - t) / np.asarray(3, dtype=dtype))


def test_fused_values_agree_with_plain_formula() -> None:
    rng = np.random.default_rng(3)
    z = rng.normal(size=(5, 4))
    for loss, act, t in [
        (losses.get("bce"), activations.get("sigmoid"), rng.uniform(size=(5, 4))),
        (losses.get("crossentropy"), activations.get("softmax"), one_hot(rng, 5, 4)),
    ]:
        a = act.forward(z)
        assert loss.value(z, a, t, act) == pytest.approx(loss.value(z, a, t), rel=1e-10)
        assert loss.value(z, a, t, "sigmoid" if act.name == "sigmoid" else "softmax") == (
            loss.value(z, a, t, act)
        )


def test_unfused_cross_entropy_is_finite_at_saturation() -> None:
    a = np.array([[0.0, 1.0]])
    t = np.array([[1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("bce", "categorical_crossentropy"):
            loss = losses.get(name)
            assert np.isfinite(loss.value(None, a, t))
            assert np.all(np.isfinite(loss.grad(a, t)))


@pytest.mark.parametrize("name", LOSSES.names())
def test_float32_kept_and_inputs_untouched(name: str) -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4, 3)).astype(np.float32)
    act = activations.get("softmax")
    a = act.forward(z)
    t = one_hot(rng, 4, 3).astype(np.float32)
    z0, a0, t0 = z.copy(), a.copy(), t.copy()
    loss = losses.get(name)
    assert loss.grad(a, t).dtype == np.float32
    assert loss.delta(z, a, t, act).dtype == np.float32
    assert loss.per_sample(z, a, t, act).dtype == np.float32
    assert isinstance(loss.value(z, a, t, act), float)
    assert np.array_equal(z, z0) and np.array_equal(a, a0) and np.array_equal(t, t0)


def test_aliases_repr_and_registry_errors() -> None:
    assert type(losses.get("bce")) is type(losses.get("cross_entropy"))
    assert type(losses.get("mean_squared_error")) is type(losses.get("mse"))
    assert repr(losses.get("huber")) == "huber"
    assert repr(losses.get({"name": "huber", "delta": 0.5})) == "huber(delta=0.5)"
    with pytest.raises(ConfigError, match="did you mean 'huber'"):
        losses.get("hubber")
    with pytest.raises(ConfigError, match="did you mean 'delta'"):
        losses.get({"name": "huber", "delt": 1.0})
    with pytest.raises(ConfigError, match="huber"):
        losses.get({"name": "huber", "delta": -1.0})
