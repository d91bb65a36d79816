"""Optimizers against hand-written references of their update formulas on a small quadratic."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

from nnlab.core import optimizers
from nnlab.core.optimizers import OPTIMIZERS
from nnlab.errors import CheckpointError, ConfigError

# f(W, c) = ½‖A W − B‖² + ½‖c − c0‖²: a weight matrix (decayed) and a bias vector (never decayed)
RNG = np.random.default_rng(0)
A = np.eye(4) + 0.3 * RNG.normal(size=(4, 4))
B = RNG.normal(size=(4, 2))
C0 = RNG.normal(size=2)
W_STAR = np.linalg.solve(A, B)


def start(dtype=np.float64) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [rng.normal(size=(4, 2)).astype(dtype), rng.normal(size=2).astype(dtype)]


def grads_of(params: list[np.ndarray]) -> list[np.ndarray]:
    w, c = params
    return [(A.T @ (A @ w - B)).astype(w.dtype), (c - C0).astype(c.dtype)]


def f(params: list[np.ndarray]) -> float:
    w, c = params
    return 0.5 * float(np.sum((A @ w - B) ** 2) + np.sum((c - C0) ** 2))


LRS = [0.05, 0.04, 0.03, 0.05, 0.02, 0.01]  # a changing lr: step() must use the one passed


def reference(spec: dict, steps: int) -> list[np.ndarray]:
    """The update formulas of the docstrings, written out plainly (not in place)."""
    name = spec["name"]
    wd = spec.get("weight_decay", 0.01 if name == "adamw" else 0.0)
    params = start()
    state: list[dict[str, np.ndarray]] = [{} for _ in params]
    for step in range(1, steps + 1):
        lr = LRS[(step - 1) % len(LRS)]
        grads = grads_of(params)
        new = []
        for p, g, s in zip(params, grads, state, strict=True):
            if p.ndim == 2:
                p = p * (1 - lr * wd)
            if name == "sgd":
                mu = spec.get("momentum", 0.0)
                if mu == 0:
                    p = p - lr * g
                else:
                    s["v"] = mu * s.get("v", 0.0) - lr * g
                    p = p + mu * s["v"] - lr * g if spec.get("nesterov") else p + s["v"]
            elif name == "adagrad":
                s["G"] = s.get("G", spec.get("initial_accumulator", 0.0)) + g**2
                p = p - lr * g / (np.sqrt(s["G"]) + spec.get("eps", 1e-10))
            elif name == "rmsprop":
                rho, eps, mu = spec.get("rho", 0.9), spec.get("eps", 1e-7), spec.get("momentum", 0)
                s["s"] = rho * s.get("s", 0.0) + (1 - rho) * g**2
                inc = lr * g / (np.sqrt(s["s"]) + eps)
                if mu:
                    s["v"] = mu * s.get("v", 0.0) + inc
                    p = p - s["v"]
                else:
                    p = p - inc
            else:  # adam / adamw
                b1, b2 = spec.get("beta1", 0.9), spec.get("beta2", 0.999)
                s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
                s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g**2
                m_hat = s["m"] / (1 - b1**step)
                v_hat = s["v"] / (1 - b2**step)
                p = p - lr * m_hat / (np.sqrt(v_hat) + spec.get("eps", 1e-8))
            new.append(p)
        params = new
    return params


SPECS = [
    {"name": "sgd"},
    {"name": "sgd", "momentum": 0.9},
    {"name": "sgd", "momentum": 0.8, "nesterov": True},
    {"name": "sgd", "momentum": 0.5, "weight_decay": 0.1},
    {"name": "sgd", "weight_decay": 0.2},
    {"name": "adagrad"},
    {"name": "adagrad", "initial_accumulator": 0.1, "eps": 1e-6},
    {"name": "rmsprop"},
    {"name": "rmsprop", "rho": 0.8, "momentum": 0.9, "weight_decay": 0.05},
    {"name": "adam"},
    {"name": "adam", "beta1": 0.8, "beta2": 0.99, "weight_decay": 0.1},
    {"name": "adamw"},
]


def run(opt: optimizers.Optimizer, params: list[np.ndarray], steps: int, first: int = 0) -> None:
    for step in range(first, first + steps):
        opt.step(params, grads_of(params), LRS[step % len(LRS)])


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_matches_reference_formula(spec: dict) -> None:
    opt = optimizers.get(spec)
    params = start()
    ids = [id(p) for p in params]
    run(opt, params, 6)
    assert [id(p) for p in params] == ids  # updated in place
    for got, want in zip(params, reference(spec, 6), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_state_dict_round_trip_is_bit_identical(spec: dict) -> None:
    straight = optimizers.get(spec)
    p_straight = start(np.float32)
    run(straight, p_straight, 6)

    first = optimizers.get(spec)
    p_resumed = start(np.float32)
    run(first, p_resumed, 3)
    buf = io.BytesIO()
    np.savez(buf, **first.state_dict())
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as npz:
        saved = {k: npz[k] for k in npz.files}
    p_resumed = [p.copy() for p in p_resumed]  # as if reloaded from a checkpoint
    second = optimizers.get(spec)
    second.load_state_dict(saved)
    run(second, p_resumed, 3, first=3)

    for a, b in zip(p_straight, p_resumed, strict=True):
        assert a.dtype == np.float32
        assert np.array_equal(a, b)
    for k, v in straight.state_dict().items():
        assert np.array_equal(v, second.state_dict()[k]) and v.dtype == second.state_dict()[k].dtype


CONVERGE = [
    ({"name": "sgd", "lr": 0.1}, 0.1),
    ({"name": "sgd", "lr": 0.05, "momentum": 0.9}, 0.05),
    ({"name": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True}, 0.05),
    ({"name": "adagrad", "lr": 0.5}, 0.5),
    ({"name": "rmsprop", "lr": 0.01}, 0.01),
    ({"name": "rmsprop", "lr": 0.01, "momentum": 0.5}, 0.01),
    ({"name": "adam", "lr": 0.05}, 0.05),
    ({"name": "adamw", "lr": 0.05, "weight_decay": 0.0}, 0.05),
]


@pytest.mark.parametrize(("spec", "lr"), CONVERGE, ids=str)
def test_converges_on_quadratic(spec: dict, lr: float) -> None:
    opt = optimizers.get(spec)
    params = start()
    f0 = f(params)
    for step in range(600):
        # decaying lr in the last third lets the sign-like methods settle
        opt.step(params, grads_of(params), lr if step < 400 else lr * 0.1)
    assert f(params) < 1e-4 * f0
    np.testing.assert_allclose(params[0], W_STAR, atol=1e-2)
    np.testing.assert_allclose(params[1], C0, atol=1e-2)


def test_weight_decay_only_scales_matrices() -> None:
    opt = optimizers.get({"name": "sgd", "lr": 0.1, "weight_decay": 0.5})
    w, b = np.ones((2, 2)), np.ones(2)
    opt.step([w, b], [np.zeros((2, 2)), np.zeros(2)], lr=0.1)
    assert np.allclose(w, 0.95) and np.allclose(b, 1.0)


def test_plain_sgd_has_no_buffers_and_float32_stays_float32() -> None:
    opt = optimizers.get({"name": "sgd", "lr": 0.1})
    params = start(np.float32)
    run(opt, params, 2)
    assert set(opt.state_dict()) == {"t"} and int(opt.state_dict()["t"]) == 2
    assert all(p.dtype == np.float32 for p in params)
    adam = optimizers.get("adam")
    run(adam, params, 2)
    assert all(p.dtype == np.float32 for p in params)
    assert all(v.dtype == np.float32 for k, v in adam.state_dict().items() if k != "t")
    assert set(adam.state_dict()) == {"t", "m.0", "m.1", "v.0", "v.1"}


def test_state_that_does_not_fit_is_a_checkpoint_error() -> None:
    opt = optimizers.get("adam")
    run(opt, start(), 1)
    state = opt.state_dict()
    other = optimizers.get("adam")
    other.load_state_dict(state)
    with pytest.raises(CheckpointError, match="shape"):
        other.step([np.zeros((3, 2)), np.zeros(2)], [np.zeros((3, 2)), np.zeros(2)], 0.1)
    with pytest.raises(CheckpointError, match="unexpected"):
        optimizers.get("sgd").load_state_dict(state)
    with pytest.raises(CheckpointError):
        optimizers.get("adam").load_state_dict({"t": np.array(1), "m.0": np.zeros(2)})


def test_repr_and_defaults() -> None:
    assert repr(optimizers.get({"name": "sgd", "lr": 0.1, "momentum": 0.9})) == (
        "sgd(lr=0.1, momentum=0.9)"
    )
    assert repr(optimizers.get("adam")) == "adam"
    adamw = optimizers.get("adamw")
    assert adamw.weight_decay == 0.01 and adamw.lr == 0.001 and repr(adamw) == "adamw"
    assert OPTIMIZERS.params("rmsprop") == {
        "lr": 0.001,
        "rho": 0.9,
        "eps": 1e-7,
        "momentum": 0.0,
        "weight_decay": 0.0,
    }
    assert math.isclose(optimizers.get("sgd").lr, 0.01)


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "sgd", "lr": 0.0},
        {"name": "sgd", "lr": -0.1},
        {"name": "sgd", "momentum": 1.0},
        {"name": "sgd", "momentum": -0.1},
        {"name": "sgd", "nesterov": True},
        {"name": "adam", "beta1": 1.0},
        {"name": "adam", "beta2": -0.5},
        {"name": "adam", "eps": 0.0},
        {"name": "adamw", "weight_decay": -0.01},
        {"name": "rmsprop", "rho": 1.5},
        {"name": "adagrad", "lr": "fast"},
    ],
    ids=str,
)
def test_impossible_params_are_config_errors(spec: dict) -> None:
    with pytest.raises(ConfigError, match=spec["name"]):
        optimizers.get(spec)


def test_unknown_names_and_params_suggest() -> None:
    with pytest.raises(ConfigError, match="did you mean 'adam'"):
        optimizers.get("adan")
    with pytest.raises(ConfigError, match="did you mean 'momentum'"):
        optimizers.get({"name": "sgd", "momentun": 0.9})


def test_only_plain_sgd_takes_prescaled_gradients():
    import nnlab.core.optimizers as O

    p, g = np.ones(3), np.full(3, 0.5)
    sgd = O.get({"name": "sgd", "lr": 0.1})
    assert sgd.plain
    sgd.apply_scaled([p], [g])
    np.testing.assert_array_equal(p, [0.5, 0.5, 0.5])
    for spec in ({"name": "sgd", "momentum": 0.9}, {"name": "sgd", "weight_decay": 0.1}, "adam"):
        opt = O.get(spec)
        assert not opt.plain
        with pytest.raises(TypeError):
            opt.apply_scaled([p], [g])
