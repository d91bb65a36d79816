"""model.output_bias_init: auto — the output bias from the training targets, b = f⁻¹(mean t)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import config_error

import nnlab
from nnlab.core.activations import sigmoid, softmax


def targets(exp):
    d, out = exp.dataset, exp.network.layers[-1]
    return d.targets(d.y_train, out.units, np.float64)


def test_regression_bias_is_the_targets_mean_and_lowers_the_initial_loss():
    plain = nnlab.build(None, ["data.name=sum"])
    auto = nnlab.build(None, ["data.name=sum", "model.output_bias_init=auto"])
    np.testing.assert_allclose(auto.network.layers[-1].b, targets(auto).mean(axis=0), rtol=1e-6)
    assert auto.evaluate("train")["loss"] < 0.5 * plain.evaluate("train")["loss"]
    for p, q in zip(plain.network.params()[:-1], auto.network.params()[:-1]):
        np.testing.assert_array_equal(p, q)  # only the output bias differs


@pytest.mark.parametrize("overrides, squash", [
    (["data.name=blobs"], softmax),                                          # log class prior
    (["data.name=blobs", "loss=binary_crossentropy"], sigmoid),              # per-output log-odds
    (["data.name=moons", "loss=binary_crossentropy"], sigmoid),              # one sigmoid unit
])
def test_classification_bias_reproduces_the_class_prior(overrides, squash):
    exp = nnlab.build(None, [*overrides, "model.output_bias_init=auto"])
    b = exp.network.layers[-1].b.astype(np.float64)
    np.testing.assert_allclose(squash(b[None, :])[0], targets(exp).mean(axis=0), atol=1e-6)


def test_default_leaves_the_network_bit_identical():
    a = nnlab.build("configs/moons.yaml")
    b = nnlab.build("configs/moons.yaml", ["model.output_bias_init=null"])
    for p, q in zip(a.network.params(), b.network.params()):
        np.testing.assert_array_equal(p, q)


def test_auto_needs_an_output_bias_and_refuses_a_second_one(tmp_path):
    msg = config_error(tmp_path, "model: {hidden: [4], bias: [true, false], "
                                 "output_bias_init: auto}\n")
    assert "model.output_bias_init" in msg and "no bias" in msg
    msg = config_error(tmp_path, "model: {hidden: [], output_bias_init: auto, "
                                 "biases: [[0.5]]}\n")
    assert "model.biases.0" in msg and "keep one" in msg


def test_an_output_activation_without_inverse_is_a_config_error():
    with pytest.raises(nnlab.ConfigError, match="relu.*supported: identity"):
        nnlab.build(None, ["model.output_activation=relu", "model.output_bias_init=auto"])
