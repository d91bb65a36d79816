"""Typed-in weights (model.weights / model.biases) and typed-in samples (data.name: samples)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import config_error, write

import nnlab
from nnlab.config import load_config
from nnlab.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
BACKPROP = ROOT / "configs" / "lessons" / "backprop_2321.yaml"

SAMPLE = """\
data:
  name: samples
  x: [[0.6, 0.7], [1.0, -1.0]]
  y: [0.9, 0.1]
  val_split: 0.0
model:
  hidden: [3]
  activation: sigmoid
  bias: [true, false]
  weights:
    - [[1.0, 2.0, 3.0],
       [4.0, 5.0, 6.0]]
    - null
  biases:
    - [0.1, 0.2, 0.3]
    - null
train:
  dtype: float64
"""




def test_weights_and_biases_are_copied_in(tmp_path):
    exp = nnlab.build(write(tmp_path, SAMPLE))
    first, second = exp.network.layers
    assert first.W.dtype == np.float64
    np.testing.assert_array_equal(first.W, [[1, 2, 3], [4, 5, 6]])  # row = input, column = unit
    np.testing.assert_array_equal(first.b, [0.1, 0.2, 0.3])
    assert second.b is None and second.W.shape == (3, 1)
    assert np.any(second.W != 0)  # null keeps the initializer
    z = exp.dataset.x_train[:1] @ first.W + first.b
    exp.network.forward(exp.dataset.x_train[:1])
    np.testing.assert_allclose(first.z, z)


def test_samples_regression_and_classification(tmp_path):
    exp = nnlab.build(write(tmp_path, SAMPLE))
    d = exp.dataset
    assert d.task == "regression" and d.x_val is None
    np.testing.assert_array_equal(d.x_train, [[0.6, 0.7], [1.0, -1.0]])
    np.testing.assert_array_equal(d.y_train, [[0.9], [0.1]])  # a flat list: one value per row
    cfg = load_config(data={"data": {"name": "samples", "x": [[0, 0], [0, 1], [1, 0], [1, 1]],
                                     "labels": [0, 1, 1, 0], "val_split": 0},
                            "model": {"hidden": [2]}})
    assert cfg.task == "classification"
    exp = nnlab.build(cfg)
    assert exp.dataset.n_classes == 2 and exp.network.sizes == [2, 2, 2]
    assert exp.config.loss == "categorical_crossentropy"


def test_weight_shape_error_names_key_line_and_shape(tmp_path):
    text = SAMPLE.replace("[4.0, 5.0, 6.0]]", "[4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]").replace(
        "hidden: [3]", "hidden: [2]")
    msg = config_error(tmp_path, text)
    assert ":11:" in msg and "model.weights.0" in msg and "(inputs, 2)" in msg
    assert "got (3, 3)" in msg


def test_input_size_checked_at_build(tmp_path):
    text = SAMPLE.replace("[4.0, 5.0, 6.0]]", "[4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]")
    cfg = load_config(write(tmp_path, text))  # the input size is known only with the data
    with pytest.raises(ConfigError, match=r"model.weights.0: expected shape \(2, 3\)"):
        nnlab.build(cfg)


def test_ragged_matrix_and_wrong_count(tmp_path):
    msg = config_error(tmp_path, SAMPLE.replace("[4.0, 5.0, 6.0]]", "[4.0, 5.0]]"))
    assert "model.weights.0" in msg and "rows of equal length" in msg
    msg = config_error(tmp_path, SAMPLE.replace("    - null\n  biases", "  biases"))
    assert ":10:" in msg and "model.weights: expected 2 entries" in msg


def test_biases_for_a_bias_free_layer_are_refused(tmp_path):
    msg = config_error(tmp_path, SAMPLE.replace("bias: [true, false]", "bias: false"))
    assert ":15:" in msg and "model.biases.0" in msg and "model.bias" in msg
    msg = config_error(tmp_path, SAMPLE.replace("[0.1, 0.2, 0.3]", "[0.1, 0.2]"))
    assert "model.biases.0: expected 3 values" in msg


def test_samples_errors_name_the_key(tmp_path):
    msg = config_error(tmp_path, SAMPLE.replace("y: [0.9, 0.1]", "y: [0.9]"))
    assert ":4:" in msg and "data.y" in msg and "2 input rows but 1 target rows" in msg
    msg = config_error(tmp_path, SAMPLE.replace("y: [0.9, 0.1]", "y: [0.9, 0.1]\n  labels: [0, 1]"))
    assert "exactly one of y" in msg
    msg = config_error(tmp_path, "data:\n  name: sine\n  x: [[1.0]]\n")
    assert ":3:" in msg and "data.x" in msg and "only used by data.name: samples" in msg


def test_backprop_2321_forward_pass():
    """The write-ups' 2-3-2-1 network: O8 ≈ 0.5518 (the text rounds at every step: 0.551)."""
    exp = nnlab.build(BACKPROP)
    assert repr(exp.network) == "Network(2 → 3 sigmoid → 2 sigmoid → 1 sigmoid)"
    assert all(layer.b is None for layer in exp.network.layers)
    np.testing.assert_array_equal(exp.network.layers[0].W, [[-1, 2.5, 1], [1, 0.4, -1.5]])
    out = exp.network.predict(np.array([[0.6, 0.7]]))
    assert out[0, 0] == pytest.approx(0.551832, abs=5e-7)
    assert exp.network.layers[0].z[0] == pytest.approx([0.1, 1.78, -0.45])
