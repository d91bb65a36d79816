"""Config loading: defaults, overrides, resolution and one-line errors with file:line."""

from __future__ import annotations

import pytest
from helpers import config_error as error_of
from helpers import write

from nnlab.config import Config, diff, load_config, parse_override, resolve
from nnlab.errors import ConfigError


def test_no_file_is_the_builtin_default():
    cfg = load_config()
    assert cfg == Config()
    assert cfg.data.name == "sine" and cfg.model.hidden == [32, 32]


def test_empty_file_is_the_default(tmp_path):
    assert load_config(write(tmp_path, "")) == Config()


def test_overrides_parse_values_as_yaml(tmp_path):
    cfg = load_config(write(tmp_path, "optimizer: {name: sgd, lr: 0.1}\n"),
                      ["model.hidden=[64,64]", "optimizer.lr=0.05", "train.batch_size=full",
                       "optimizer.nesterov=true", "optimizer.momentum=0.9"])
    assert cfg.model.hidden == [64, 64]
    assert cfg.optimizer["lr"] == 0.05 and cfg.optimizer["nesterov"] is True
    assert cfg.train.batch_size == "full"


def test_override_turns_a_name_into_a_spec():
    cfg = load_config(None, ["model.activation=leaky_relu", "model.activation.alpha=0.2"])
    assert cfg.model.activation == {"name": "leaky_relu", "alpha": 0.2}


def test_override_list_index():
    cfg = load_config(None, ["model.hidden=[8,8]", "model.hidden.1=3"])
    assert cfg.model.hidden == [8, 3]


def test_parse_override_needs_equals():
    with pytest.raises(ConfigError, match="KEY.PATH=VALUE"):
        parse_override("optimizer.lr")


def test_unknown_key_names_line_and_closest(tmp_path):
    msg = error_of(tmp_path, "data:\n  name: sine\nmodel:\n  hiden: [3]\n")
    assert msg.startswith(f"{tmp_path / 'exp.yaml'}:4:")
    assert "model.hiden" in msg and "did you mean 'hidden'" in msg


def test_unknown_section(tmp_path):
    msg = error_of(tmp_path, "modle:\n  hidden: [3]\n")
    assert ":1:" in msg and "did you mean 'model'" in msg


def test_wrong_type_names_key_line_and_value(tmp_path):
    msg = error_of(tmp_path, "train:\n  seed: 1\n  epochs: many\n")
    assert ":3:" in msg and "train.epochs" in msg and "'many'" in msg


@pytest.mark.parametrize("text, expected", [
    ("run:\n  plots: 1\n", "run.plots: expected true or false, got 1"),
    ("train:\n  shuffle: 'no'\n", "train.shuffle: expected true or false, got 'no'"),
    ("train:\n  epochs: '10'\n", "train.epochs: expected an integer, got '10'"),
    ("train:\n  epochs: true\n", "train.epochs: expected"),
    ("data:\n  name: 5\n", "data.name: expected a name (text), got 5"),
])
def test_no_quiet_coercion_of_a_wrong_type(tmp_path, text, expected):
    msg = error_of(tmp_path, text)
    assert ":2:" in msg and expected in msg, msg


def test_whole_floats_count_as_integers():
    cfg = load_config(None, ["train.epochs=1e3", "model.hidden=[8.0, 4]"])
    assert cfg.train.epochs == 1000 and type(cfg.train.epochs) is int
    assert cfg.model.hidden == [8, 4]


def test_impossible_value(tmp_path):
    msg = error_of(tmp_path, "model:\n  dropout: 1.5\n")
    assert ":2:" in msg and "model.dropout" in msg and "[0, 1)" in msg


def test_misspelt_registry_names(tmp_path):
    assert "did you mean 'sigmoid'" in error_of(tmp_path, "model:\n  activation: sigmoud\n")
    assert "did you mean 'he_normal'" in error_of(tmp_path, "model:\n  weight_init: he_nromal\n")
    assert "did you mean 'adam'" in error_of(tmp_path, "optimizer:\n  name: adma\n")
    msg = error_of(tmp_path, "optimizer:\n  name: sgd\n  lr: 0.1\n  momentun: 0.9\n")
    assert ":4:" in msg and "optimizer.momentun" in msg and "did you mean 'momentum'" in msg


def test_bad_optimizer_value_points_at_it(tmp_path):
    msg = error_of(tmp_path, "optimizer:\n  name: sgd\n  lr: -1\n")
    assert ":3:" in msg and "optimizer.lr" in msg and "> 0" in msg


def test_per_layer_lists_must_match(tmp_path):
    msg = error_of(tmp_path, "model:\n  hidden: [4, 4]\n  activation: [relu, tanh, relu]\n")
    assert "model.activation" in msg and "list of 2" in msg


def test_unknown_dataset(tmp_path):
    assert "did you mean 'spiral'" in error_of(tmp_path, "data:\n  name: spirals\n")


def test_error_in_override_names_the_override():
    with pytest.raises(ConfigError, match=r"--set train.epochs=0: train.epochs"):
        load_config(None, ["train.epochs=0"])


def test_invalid_yaml_names_line(tmp_path):
    msg = error_of(tmp_path, "data:\n  name: [sine\n")
    assert "invalid YAML" in msg


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


def test_resolve_fills_auto_and_defaults():
    r = resolve(load_config(None, ["data.name=spiral"]))
    assert r.loss == "categorical_crossentropy"
    assert r.model.output_activation == "softmax"
    assert r.optimizer["name"] == "adam" and r.optimizer["beta2"] == 0.999
    assert r.train.monitor == "val_loss"
    r2 = resolve(load_config(None, ["loss=binary_crossentropy", "data.name=xor"]))
    assert r2.model.output_activation == "sigmoid"


def test_resolved_yaml_round_trips(tmp_path):
    r = resolve(load_config(None, ["model.activation=leaky_relu"]))
    path = write(tmp_path, r.to_yaml())
    assert resolve(load_config(path)) == r


def test_diff():
    a = Config().to_dict()
    b = load_config(None, ["optimizer.lr=0.5"]).to_dict()
    assert diff(a, b) == {"optimizer.lr": (0.01, 0.5)}


def test_exponent_floats_are_numbers(tmp_path):
    """YAML 1.1 reads 1e-3 as a string; nnlab reads it as the number users mean."""
    cfg = load_config(write(tmp_path, "optimizer: {name: sgd, lr: 1e-3}\n"), ["train.seed=1"])
    assert cfg.optimizer["lr"] == 0.001
    assert load_config(None, ["optimizer.lr=5E-4"]).optimizer["lr"] == 0.0005


def test_wrong_type_of_a_registry_parameter_names_it():
    with pytest.raises(ConfigError, match=r"^--set optimizer.lr=fast: optimizer.lr: .*"
                                          r"expected a number, got 'fast'"):
        load_config(None, ["optimizer.lr=fast"])
    with pytest.raises(ConfigError, match=r"optimizer.schedule.step_size: .*expected a number"):
        load_config(None, ["optimizer.schedule={name: step, step_size: ten}"])


def test_section_problem_points_at_the_override_inside_it():
    with pytest.raises(ConfigError, match=r"^--set data.name=text: data: "):
        load_config(None, ["data.name=text"])
