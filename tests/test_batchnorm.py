"""Batch normalization: the formulas against a reference, gradients against finite differences,
both modes, every optimizer, checkpoints and bit-identical resume, metrics, trace, config."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import config_error, interrupting

import nnlab
from nnlab.core import activations
from nnlab.core.batchnorm import EPS, BatchNorm, BatchNormDense, batch_statistics
from nnlab.core.component_checks import check_components
from nnlab.core.network import Network
from nnlab.core.optimizers import OPTIMIZERS
from nnlab.runs.rundir import RunDir
from nnlab.tools.gradcheck import check_config

MOONS = ["data.name=moons", "model.hidden=[8,8]", "model.batchnorm=true", "run.plots=false"]


def _ref_forward(u, gamma, beta, eps=EPS):
    """z = γ (u − μ)/√(σ² + ε) + β with the batch's biased variance (the plain formula)."""
    mu = u.mean(axis=0)
    var = ((u - mu) ** 2).mean(axis=0)
    return gamma * (u - mu) / np.sqrt(var + eps) + beta


def test_training_forward_normalizes_by_the_batch_and_updates_running_averages():
    rng = np.random.default_rng(0)
    u = rng.normal(3.0, 2.0, (16, 5))
    bn = BatchNorm(5, np.float64)
    bn.gamma[...] = rng.normal(1, 0.2, 5)
    bn.beta[...] = rng.normal(0, 0.3, 5)
    z = bn.forward(u, training=True)
    np.testing.assert_allclose(z, _ref_forward(u, bn.gamma, bn.beta), rtol=1e-12)
    np.testing.assert_allclose(bn.u_hat.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(bn.u_hat.std(axis=0), 1, rtol=1e-5)
    np.testing.assert_allclose(bn.running_mean, 0.1 * u.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * u.var(axis=0, ddof=1), rtol=1e-12)


def test_evaluation_uses_the_running_averages():
    bn = BatchNorm(3, np.float64)
    bn.running_mean[...] = [1.0, -1.0, 0.5]
    bn.running_var[...] = [4.0, 1.0, 0.25]
    u = np.array([[3.0, 0.0, 0.5]])
    expected = (u - bn.running_mean) / np.sqrt(bn.running_var + EPS)
    np.testing.assert_allclose(bn.forward(u, training=False), expected, rtol=1e-12)
    before = bn.running_mean.copy()
    bn.forward(np.ones((4, 3)), training=False)
    np.testing.assert_array_equal(bn.running_mean, before)       # evaluation leaves them
    bn.forward(np.ones((1, 3)), training=True)
    np.testing.assert_array_equal(bn.running_mean, before)       # so does a one-sample batch


def test_batch_statistics_forces_batch_mode_without_touching_running_averages():
    net = Network.build([2, 4, 1], "tanh", batchnorm=True, rng=np.random.default_rng(0),
                        dtype=np.float64)
    x = np.random.default_rng(1).normal(size=(8, 2))
    bn = net.layers[0].norm
    with batch_statistics(net):
        net.forward(x)
    np.testing.assert_allclose(bn.u_hat.mean(axis=0), 0, atol=1e-12)
    assert np.all(bn.running_mean == 0) and np.all(bn.running_var == 1)
    net.forward(x)                                                # outside: running averages
    assert not bn.batch


def test_components_prove_both_modes_and_a_broken_backward_fails(monkeypatch):
    report = check_components()
    bn = [c for c in report.checks if c.name.startswith("BatchNormDense")]
    assert len(bn) == 8 and all(c.passed for c in bn)
    real = BatchNorm.backward

    def no_batch_terms(self, delta):  # forgets that μ and σ² depend on u
        was, self.batch = self.batch, False
        try:
            return real(self, delta)
        finally:
            self.batch = was

    monkeypatch.setattr(BatchNorm, "backward", no_batch_terms)
    broken = check_components()
    failed = {(c.name, c.tensor) for c in broken.failed}
    assert failed == {("BatchNormDense(3 → 4 tanh, batch statistics)", t) for t in ("W", "x")}


@pytest.mark.parametrize("config", ["configs/moons.yaml", "configs/mnist_nielsen_4hidden.yaml"])
def test_whole_batch_normalized_networks_pass_gradcheck(config, tmp_path, monkeypatch):
    overrides = ["model.batchnorm=true", "model.hidden=[8,8,8]"]
    if "mnist" in config:
        from test_eval import fake_mnist

        path = fake_mnist(tmp_path / "mnist", monkeypatch)
        overrides += ["data.split=standard", f"data.path={path}", "data.download=false"]
    report = check_config(config, overrides)
    assert report.passed, [(c.name, c.max_error) for c in report.failed]
    assert [c.name for c in report.checks][:3] == ["W1", "gamma1", "beta1"]


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_every_optimizer_updates_gamma_and_beta(name):
    exp = nnlab.build(None, [*MOONS, f"optimizer={{name: {name}, lr: 0.01}}", "train.epochs=1"])
    norm = exp.network.layers[0].norm
    gamma, beta = norm.gamma.copy(), norm.beta.copy()
    exp.fit()
    assert not np.array_equal(norm.gamma, gamma) and not np.array_equal(norm.beta, beta)
    assert np.any(norm.running_var != 1)


def test_metrics_show_beta_as_the_bias_and_gamma_apart():
    exp = nnlab.build(None, [*MOONS, "train.epochs=2"])
    records = exp.fit()
    rec = records[0]
    assert len(rec["grad_norm_gamma"]) == 3 and rec["grad_norm_gamma"][-1] is None
    plain = nnlab.build(None, [*MOONS[:2], "train.epochs=2"]).fit()
    assert "grad_norm_gamma" not in plain[0]
    # grad_norm_b of a normalized layer is ‖∂C/∂β‖ on the probe, in batch mode
    exp2 = nnlab.build(None, MOONS)
    t = exp2.dataset.targets(exp2.dataset.y_train, 2, np.float32)
    with batch_statistics(exp2.network):
        grads = dict(zip(exp2.network.param_names(),
                         exp2.network.gradients(exp2.dataset.x_train, t, exp2.loss)))
    first = exp2.trainer().measure()
    assert first["grad_norm_b"][0] == pytest.approx(float(np.linalg.norm(grads["beta1"])),
                                                    rel=1e-5)


def test_same_seed_same_weights_with_and_without_batchnorm():
    a = nnlab.build(None, MOONS[:2])
    b = nnlab.build(None, MOONS)
    for la, lb in zip(a.network.layers, b.network.layers):
        np.testing.assert_array_equal(la.W, lb.W)
    assert repr(b.network) == "Network(2 → 8 bn tanh → 8 bn tanh → 2 softmax)"


def test_batchnorm_list_per_hidden_layer_and_default_is_bit_identical():
    exp = nnlab.build(None, ["model.hidden=[4,4]", "model.batchnorm=[false, true]"])
    assert [type(layer).__name__ for layer in exp.network.layers] == [
        "Dense", "BatchNormDense", "Dense"]
    plain = nnlab.build("configs/sine.yaml")
    off = nnlab.build("configs/sine.yaml", ["model.batchnorm=false"])
    assert plain.network.param_names() == off.network.param_names() == [
        "W1", "b1", "W2", "b2", "W3", "b3"]
    for p, q in zip(plain.network.params(), off.network.params()):
        np.testing.assert_array_equal(p, q)


def test_save_and_load_keep_the_running_averages(tmp_path):
    exp = nnlab.build(None, [*MOONS, "train.epochs=3"])
    exp.fit()
    x = exp.dataset.x_val
    exp.network.save(tmp_path / "net.npz")
    back = Network.load(tmp_path / "net.npz")
    assert isinstance(back.layers[0], BatchNormDense)
    np.testing.assert_array_equal(back.predict(x), exp.network.predict(x))


def test_interrupt_and_resume_is_bit_identical_with_batchnorm(tmp_path):
    args = [*MOONS, "data.n=600", "train.batch_size=4", "train.epochs=4", "model.dropout=0.2"]
    full = nnlab.train(None, overrides=args, runs_dir=tmp_path / "full")
    part = nnlab.train(None, overrides=args, runs_dir=tmp_path / "part",
                       on_step=interrupting(3))
    assert part.state.step > 0
    ckpt = RunDir(part.run_dir).load_checkpoint("last")
    assert {"param/running_mean1", "param/running_var2", "param/gamma1"} <= set(ckpt)
    resumed = nnlab.train(resume=part.run_dir)

    def strip(records):
        return [{k: v for k, v in r.items() if k != "time"} for r in records]

    assert strip(resumed.records) == strip(full.records)
    for (name, a), b in zip(resumed.network.arrays().items(), full.network.arrays().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_early_stopping_restores_the_best_running_averages(tmp_path):
    args = [*MOONS, "train.epochs=200", "optimizer.lr=0.05",
            "regularization.early_stopping={patience: 3}"]
    result = nnlab.train(None, overrides=args, runs_dir=tmp_path)
    assert result.summary["stop_reason"] == "early_stopping"
    exp = nnlab.load_run(result.run_dir, "best")
    assert exp.evaluate("val")["loss"] == pytest.approx(result.summary["best"]["val_loss"],
                                                        rel=1e-6)
    net = result.network  # the trainer's restored weights = the best checkpoint's
    for (name, a), b in zip(net.arrays().items(), exp.network.arrays().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_trace_shows_u_u_hat_gamma_and_beta():
    from nnlab.tools.trace import trace

    tr = trace(nnlab.build("configs/xor.yaml", ["model.batchnorm=true", "model.hidden=[2]"]))
    first = tr["steps"][0]["layers"][0]
    assert {"u", "u_hat", "gamma", "grad_gamma", "update_gamma", "beta", "beta_new"} <= set(first)
    np.testing.assert_allclose(first["z"], first["gamma"] * first["u_hat"] + first["beta"],
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(first["u_hat"].mean(axis=0), 0, atol=1e-6)


def test_config_errors(tmp_path):
    msg = config_error(tmp_path, "model: {hidden: [4, 4], batchnorm: [true]}\n")
    assert "model.batchnorm" in msg and "list of 2" in msg
    msg = config_error(tmp_path, "model: {hidden: [4], batchnorm: true}\n"
                                 "train: {batch_size: 1}\n")
    assert "train.batch_size" in msg and "at least 2" in msg
    msg = config_error(tmp_path, "model: {hidden: [2], batchnorm: true, "
                                 "biases: [[0.1, 0.2], null]}\n")
    assert "model.biases.0" in msg and "β" in msg


def test_check_sees_batchnorm_cure_the_vanishing_gradient(tmp_path, monkeypatch):
    from test_eval import fake_mnist

    from nnlab.tools.check import init
    from nnlab.tools.check.setup import Setup

    path = fake_mnist(tmp_path / "mnist", monkeypatch, n_train=600)
    base = ["configs/mnist_nielsen_4hidden.yaml"]
    data = ["data.split=standard", f"data.path={path}", "data.download=false"]
    plain = init.gradient_flow(Setup.of(nnlab.build(*base, data)))
    normed = init.gradient_flow(Setup.of(nnlab.build(*base, [*data, "model.batchnorm=true"])))
    assert normed.values["spread"] < plain.values["spread"] / 3, (plain.measured, normed.measured)
    rel = normed.values["relative"]
    assert rel[0] >= min(rel)   # the first layer is not the slow one any more
    json.dumps(normed.values)


def test_batchnorm_dense_repr_and_copy():
    layer = BatchNormDense(np.ones((2, 3), np.float32), activations.get("sigmoid"))
    assert repr(layer) == "BatchNormDense(2 → 3 sigmoid)"
    layer.norm.running_var[...] = 2.0
    copy = layer.astype(np.float64)
    assert copy.W.dtype == copy.norm.gamma.dtype == np.float64
    np.testing.assert_array_equal(copy.norm.running_var, 2.0)
    assert copy.b is copy.norm.beta and copy.kinds == ("W", "gamma", "beta")
