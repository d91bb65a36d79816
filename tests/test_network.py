"""The network's backward pass against central finite differences (float64), and save/load."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import numeric_grad

from nnlab.core import losses
from nnlab.core.network import Network
from nnlab.errors import CheckpointError

SMOOTH = ["sigmoid", "tanh", "elu", "selu", "softplus", "gelu", "swish", "identity"]
KINKED = ["relu", {"name": "leaky_relu", "alpha": 0.1}]


def numeric_grads(net: Network, loss, x, t, h: float = 1e-6) -> list[np.ndarray]:
    """Central differences (C(θ+h) − C(θ−h)) / 2h for every entry of every parameter."""
    def cost(_: np.ndarray) -> float:
        return float(loss.value(*net.outputs(x), t))

    return [numeric_grad(cost, p, h) for p in net.params()]


def rel_error(a: np.ndarray, n: np.ndarray) -> float:
    return float(np.max(np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), 1e-8)))


def check(net: Network, loss, x, t, tol: float = 1e-6) -> None:
    analytic = net.gradients(x, t, loss)
    numeric = numeric_grads(net, loss, x, t)
    for name, a, n in zip(net.param_names(), analytic, numeric):
        assert rel_error(a, n) < tol, f"{name}: {rel_error(a, n):.2e}"


def data(rng, n=5, d=3, k=2, kind="regression"):
    x = rng.normal(size=(n, d))
    if kind == "regression":
        return x, rng.normal(size=(n, k))
    labels = rng.integers(0, k, n)
    return x, np.eye(k)[labels]


@pytest.mark.parametrize("act", SMOOTH + KINKED)
def test_hidden_activation_gradients(act):
    rng = np.random.default_rng(1)
    net = Network.build([3, 4, 3, 2], act, "identity", weight_init="glorot_normal",
                        bias_init={"name": "normal", "std": 0.5}, rng=rng, dtype=np.float64)
    x, t = data(rng)
    if act in KINKED or isinstance(act, dict):
        # keep pre-activations away from the kink at 0 so differences are valid
        for layer in net.layers[:-1]:
            layer.b += np.where(layer.b >= 0, 0.3, -0.3)
        net.forward(x)
        for layer in net.layers[:-1]:
            assert np.min(np.abs(layer.z)) > 1e-4
    check(net, losses.get("mse"), x, t)


@pytest.mark.parametrize("loss_name,out_act,kind", [
    ("mse", "identity", "regression"),
    ("mse", "sigmoid", "regression"),
    ("huber", "identity", "regression"),
    ("mae", "identity", "regression"),
    ("binary_crossentropy", "sigmoid", "classification"),
    ("categorical_crossentropy", "softmax", "classification"),
    ("mse", "softmax", "classification"),
])
def test_output_and_loss_gradients(loss_name, out_act, kind):
    rng = np.random.default_rng(2)
    net = Network.build([3, 5, 3], "tanh", out_act, bias_init={"name": "normal", "std": 0.1},
                        rng=rng, dtype=np.float64)
    x, t = data(rng, k=3, kind=kind)
    check(net, losses.get(loss_name), x, t)


def test_layers_without_bias():
    rng = np.random.default_rng(3)
    net = Network.build([2, 3, 2, 1], "sigmoid", "sigmoid", bias=False, rng=rng,
                        dtype=np.float64)
    assert net.param_names() == ["W1", "W2", "W3"]
    x, t = rng.random((4, 2)), rng.random((4, 1))
    check(net, losses.get("binary_crossentropy"), x, t)


def test_dropout_backward_uses_the_same_mask():
    """With a fixed mask the layer is a deterministic function, so differences must agree."""
    rng = np.random.default_rng(4)
    net = Network.build([3, 6, 2], "tanh", "identity", dropout=0.5, rng=rng, dtype=np.float64)
    x, t = data(rng)
    net.forward(x, np.random.default_rng(9))
    mask = net.layers[0].mask.copy()
    assert set(np.unique(mask)) == {0.0, 2.0}
    net.backward(t, losses.get("mse"))
    analytic = [g.copy() for g in net.grads()]
    layer = net.layers[0]
    original = layer.forward

    def masked(x_, rng_=None):
        a = original(x_)
        layer.mask = mask
        return a * mask

    layer.forward = masked
    numeric = numeric_grads(net, losses.get("mse"), x, t)
    for a, n in zip(analytic, numeric):
        assert rel_error(a, n) < 1e-6


def test_float32_stays_float32():
    net = Network.build([3, 4, 2], "relu", "softmax", rng=np.random.default_rng(0))
    x = np.ones((2, 3), np.float32)
    assert net.predict(x).dtype == np.float32
    grads = net.gradients(x, np.eye(2, dtype=np.float32), losses.get("categorical_crossentropy"))
    assert all(g.dtype == np.float32 for g in grads)


def test_repr_reads_like_the_architecture():
    net = Network.build([784, 30, 10], "sigmoid", "sigmoid")
    assert repr(net) == "Network(784 → 30 sigmoid → 10 sigmoid)"
    assert net.n_params == 784 * 30 + 30 + 30 * 10 + 10


def test_save_load_round_trip(tmp_path):
    net = Network.build([2, 5, 3], {"name": "leaky_relu", "alpha": 0.2}, "softmax",
                        bias=[True, False], dropout=0.1, rng=np.random.default_rng(5))
    net.save(tmp_path / "net.npz")
    back = Network.load(tmp_path / "net.npz")
    assert repr(back) == repr(net)
    x = np.random.default_rng(6).normal(size=(4, 2)).astype(np.float32)
    np.testing.assert_array_equal(back.predict(x), net.predict(x))


def test_load_refuses_wrong_shapes(tmp_path):
    net = Network.build([2, 5, 1], "tanh")
    other = Network.build([2, 6, 1], "tanh")
    with pytest.raises(CheckpointError, match="shape"):
        other.load_state_dict(net.state_dict())


def test_damaged_file(tmp_path):
    bad = tmp_path / "net.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CheckpointError, match="damaged"):
        Network.load(bad)


def test_backward_scale_multiplies_every_gradient():
    """Plain SGD folds η into δᴸ: every gradient must come out multiplied by the same factor."""
    rng = np.random.default_rng(7)
    net = Network.build([3, 5, 2], "sigmoid", "sigmoid", rng=rng, dtype=np.float64)
    x, t = rng.normal(size=(4, 3)), rng.random((4, 2))
    plain = net.gradients(x, t, losses.get("binary_crossentropy"))
    net.forward(x)
    net.backward(t, losses.get("binary_crossentropy"), scale=0.3)
    for g, g0 in zip(net.grads(), plain):
        np.testing.assert_allclose(g, 0.3 * g0, rtol=1e-12)
