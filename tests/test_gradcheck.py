"""nnlab gradcheck: PASS on every shipped config, FAIL on a corrupted backward, kinks, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from test_eval import fake_mnist
from typer.testing import CliRunner

import nnlab
from nnlab.cli import app
from nnlab.core import activations, gradcheck, losses
from nnlab.core.activations import ACTIVATIONS
from nnlab.core.layers import Dense
from nnlab.core.losses import LOSSES
from nnlab.core.network import Network
from nnlab.tools.gradcheck import Settings, check_components, check_config, check_network, check_run

ROOT = Path(__file__).resolve().parents[1]


def experiment_configs() -> list[Path]:
    """Every experiment YAML under configs/ (sweep files and other YAML are left out)."""
    sections = set(nnlab.Config.model_fields)
    return [p for p in sorted((ROOT / "configs").rglob("*.yaml"))
            if isinstance(data := yaml.safe_load(p.read_text()), dict) and set(data) <= sections]


CONFIGS = experiment_configs()
SMALL = Settings(max_per_tensor=40, samples=4)
runner = CliRunner()


def invoke(*args: str, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


@pytest.fixture(scope="module")
def components() -> gradcheck.Report:
    return check_components()


# --------------------------------------------------------------------------- PASS

@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.relative_to(ROOT / "configs")
                         .as_posix())
def test_every_shipped_config_passes(config, tmp_path, monkeypatch):
    overrides = []
    if (yaml.safe_load(config.read_text()).get("data") or {}).get("name") in (
            "mnist", "fashion_mnist"):
        # the real architecture on a tiny synthetic MNIST (the values do not matter here)
        data = fake_mnist(tmp_path / "mnist", monkeypatch)
        overrides = ["data.name=mnist", "data.split=standard", f"data.path={data}",
                     "data.download=false", "data.limit=null"]
    report = check_config(config, overrides, SMALL)
    assert report.passed, [(c.name, c.max_error, c.worst) for c in report.failed]
    assert [c.name for c in report.checks] == nnlab.build(config, overrides).network.param_names()
    assert all(c.checked + c.kinks == min(c.size, 40) for c in report.checks)


def test_l2_term_is_part_of_the_checked_loss(monkeypatch):
    report = check_config(ROOT / "configs" / "circles_sigmoid_l2.yaml",
                          ["regularization.l2=50"], SMALL)
    assert report.passed and report.info["l2"] == 50
    # without the penalty in C, the (λ/n)W added to ∂C/∂W no longer matches: every W fails
    monkeypatch.setattr(gradcheck, "l2_penalty", lambda *args: 0.0)
    broken = check_config(ROOT / "configs" / "circles_sigmoid_l2.yaml",
                          ["regularization.l2=50"], SMALL)
    assert [c.name for c in broken.failed] == ["W1", "W2"]


def test_trained_run_at_its_checkpoints(tmp_path):
    result = nnlab.train(ROOT / "configs" / "spiral.yaml", runs_dir=tmp_path,
                         overrides=["train.epochs=5", "data.n=100", "model.dropout=0.3"])
    best = check_run(result.run_dir, "best", settings=SMALL)
    assert best.passed and best.info["checkpoint"] == "best"
    assert best.info["epoch"] == result.summary["best_epoch"] and best.info["dropout"] == "off"
    cli = invoke("gradcheck", result.run_dir, "--checkpoint", "last", "--json",
                 "--max-per-tensor", "20")
    assert cli.exit_code == 0, cli.output
    got = json.loads(cli.stdout)
    assert got["passed"] and got["checkpoint"] == "last" and got["epoch"] == 5


# --------------------------------------------------------------------------- FAIL

def test_a_corrupted_weight_gradient_fails_exactly_that_tensor(monkeypatch):
    original = Dense.backward

    def scaled(self, delta, need_input_grad=True):
        grad_x = original(self, delta, need_input_grad)
        if not need_input_grad:  # the first layer only: ∂C/∂W¹ 1% too large
            self.gW *= 1.01
        return grad_x

    monkeypatch.setattr(Dense, "backward", scaled)
    report = check_config(ROOT / "configs" / "sine.yaml", settings=SMALL)
    assert [c.name for c in report.failed] == ["W1"]
    w1 = report.checks[0]
    assert w1.max_error == pytest.approx(0.01 / 1.01, rel=1e-3)
    result = invoke("gradcheck", ROOT / "configs" / "sine.yaml")
    assert result.exit_code == 1
    assert "FAIL: 1 of 6 tensors: W1" in result.stdout
    rows = {line.split()[0]: line.split()[-1] for line in result.stdout.splitlines()
            if line.split() and line.split()[0] in ("W1", "b1", "W2", "b2", "W3", "b3")}
    assert rows == {"W1": "FAIL", "b1": "PASS", "W2": "PASS", "b2": "PASS", "W3": "PASS",
                    "b3": "PASS"}


def test_a_corrupted_activation_derivative_fails_its_layer_and_those_below(monkeypatch):
    original = activations.Tanh.backward
    net = Network.build([2, 3, 4, 1], ["sigmoid", "tanh"], "identity",
                        rng=np.random.default_rng(0), dtype=np.float64)
    monkeypatch.setattr(activations.Tanh, "backward",
                        lambda self, z, a, grad: 1.01 * original(self, z, a, grad))
    x, t = np.random.default_rng(1).normal(size=(4, 2)), np.zeros((4, 1))
    checks = check_network(net, losses.get("mse"), x, t)
    # δ² (tanh layer) is wrong, so ∂C/∂W², ∂C/∂b² and everything backpropagated from it
    assert [c.name for c in checks if not c.passed] == ["W1", "b1", "W2", "b2"]


def test_components_report_exactly_the_corrupted_formula(monkeypatch):
    original = activations.GELU.backward
    monkeypatch.setattr(activations.GELU, "backward",
                        lambda self, z, a, grad: 1.001 * original(self, z, a, grad))
    huber_grad = losses.Huber.grad
    monkeypatch.setattr(losses.Huber, "grad", lambda self, a, t: huber_grad(self, a, t) * 0.99)
    report = check_components()
    assert sorted(c.name for c in report.failed) == [
        "gelu", "huber + identity", "huber(delta=0.3) + identity"]
    result = invoke("gradcheck", "--components")
    assert result.exit_code == 1 and "FAIL: 3 of" in result.stdout


def test_a_wrong_dropout_backward_fails_the_dropout_layer(monkeypatch):
    monkeypatch.setattr(Dense, "delta",
                        lambda self, grad_a: self.activation.backward(self.z, self.a, grad_a))
    report = check_components()
    assert {c.name for c in report.failed} == {"Dense(3 → 4 tanh, dropout=0.5, fixed mask)"}


# --------------------------------------------------------------------------- components

def test_components_cover_every_activation_loss_and_layer(components):
    names = [c.name for c in components.checks]
    groups = {g: [c for c in components.checks if c.group == g] for g in
              ("activation", "loss", "layer")}
    assert components.passed, [(c.name, c.max_error) for c in components.failed]
    assert {c.name.split("(")[0] for c in groups["activation"]} == set(ACTIVATIONS.names())
    assert {c.name.split(" + ")[0].split("(")[0] for c in groups["loss"]} == set(LOSSES.names())
    assert {"binary_crossentropy + sigmoid (fused)",
            "categorical_crossentropy + softmax (fused)",
            "binary_crossentropy + softmax", "categorical_crossentropy + sigmoid"} <= set(names)
    layers = {(c.name, c.tensor) for c in groups["layer"]}
    assert layers == {("Dense(3 → 4 tanh)", "W"), ("Dense(3 → 4 tanh)", "b"),
                      ("Dense(3 → 4 tanh)", "x"), ("Dense(3 → 4 tanh, no bias)", "W"),
                      ("Dense(3 → 4 tanh, no bias)", "x"),
                      ("Dense(3 → 4 tanh, dropout=0.5, fixed mask)", "W"),
                      ("Dense(3 → 4 tanh, dropout=0.5, fixed mask)", "b"),
                      ("Dense(3 → 4 tanh, dropout=0.5, fixed mask)", "x")} | {
        (f"BatchNormDense(3 → 4 tanh, {mode})", t)
        for mode in ("batch statistics", "running averages") for t in ("W", "gamma", "beta", "x")}
    step = next(c for c in groups["activation"] if c.name == "step")
    assert step.max_error == 0 and "by definition" in step.note


def test_components_count_kinks_instead_of_failing(components):
    kinks = {c.name: c.kinks for c in components.checks if c.kinks}
    for name in ("relu", "leaky_relu", "elu", "step", "mae + identity", "huber + identity"):
        assert kinks.get(name, 0) >= 1, name
    assert not {"sigmoid", "tanh", "softmax", "mse + identity"} & set(kinks)


# --------------------------------------------------------------------------- kinks

def test_relu_kink_entries_are_counted_not_failed():
    net = Network.build([2, 3, 1], "relu", "identity", rng=np.random.default_rng(0),
                        dtype=np.float64)
    x = np.array([[0.0, 0.0], [1.0, -0.5], [0.5, 2.0]])  # sample 0: z¹ = b¹ = 0, on the kink
    t = np.array([[0.3], [-0.2], [0.1]])
    w1, b1, w2, b2 = check_network(net, losses.get("mse"), x, t)
    assert b1.kinks == 3 and b1.checked == 0 and b1.passed and b1.max_error is None
    assert w1.kinks == 0 and w1.checked == 6 and w1.passed  # x = 0 leaves z of sample 0 alone
    assert w2.kinks == b2.kinks == 0


def test_mae_residual_kink():
    net = Network.build([2, 2], "tanh", "identity", rng=np.random.default_rng(3),
                        dtype=np.float64)
    x = np.random.default_rng(4).normal(size=(3, 2))
    t = net.forward(x).copy()
    t[1:] += 0.5  # sample 0 fits exactly: its residuals sit on MAE's kink at 0
    checks = check_network(net, losses.get("mae"), x, t)
    w, b = checks
    assert b.kinks == 2 and b.checked == 0  # each bias moves one residual of sample 0
    assert w.kinks == 4 and w.passed  # every weight moves them too (x ≠ 0)
    clean = check_network(net, losses.get("mse"), x, t)
    assert sum(c.kinks for c in clean) == 0


# --------------------------------------------------------------------------- subsets, CLI

def test_large_tensors_use_a_seeded_subset():
    path = ROOT / "configs" / "sine.yaml"
    a = check_config(path, settings=Settings(max_per_tensor=50, seed=3))
    b = check_config(path, settings=Settings(max_per_tensor=50, seed=3))
    w2 = a.checks[2]
    assert w2.size == 1024 and w2.checked + w2.kinks == 50
    assert [c.to_dict() for c in a.checks] == [c.to_dict() for c in b.checks]
    assert a.checks[0].checked == 32  # small tensors: every entry


def test_cli_json_and_table(tmp_path):
    result = invoke("gradcheck", ROOT / "configs" / "xor.yaml", "--json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert got["passed"] and got["failed"] == [] and got["settings"]["h"] == 1e-6
    assert [c["name"] for c in got["checks"]] == ["W1", "b1", "W2", "b2"]
    assert {"checked", "kinks", "max_error", "median_error", "worst", "status", "floor"} \
        <= set(got["checks"][0])
    table = invoke("gradcheck", ROOT / "configs" / "xor.yaml", "--tol", "1e-5", "--h", "1e-5")
    assert table.exit_code == 0
    assert "PASS: all 4 tensors" in table.stdout and "h=1e-05, tol=1e-05" in table.stdout
    comp = invoke("gradcheck", "--components")
    assert comp.exit_code == 0
    for name in ACTIVATIONS.names() + LOSSES.names():
        assert name in comp.stdout, name


@pytest.mark.parametrize("args,needle", [
    (["--h", "0"], "h must be a finite number > 0"),
    (["--tol", "-1"], "tol must be"),
    (["nope.yaml"], "config file not found"),
    (["--components", "configs/sine.yaml"], "--components"),
    (["--set", "model.activation=nope"], "unknown activation"),
])
def test_cli_bad_input_exits_2(args, needle):
    result = invoke("gradcheck", *args)
    assert result.exit_code == 2, result.output
    assert needle in result.stderr and "Traceback" not in result.output


def test_cli_refuses_a_folder_that_is_not_a_run(tmp_path):
    result = invoke("gradcheck", tmp_path)
    assert result.exit_code == 2 and "not an nnlab run" in result.stderr
