"""Training behaviour: XOR learned, determinism, run directory, resume, divergence, stopping."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import interrupting

import nnlab
from nnlab.errors import TrainingDiverged
from nnlab.files import load_npz
from nnlab.runs.rundir import RunDir

XOR = ["data.name=xor", "data.n=4", "data.noise=0", "data.val_split=0", "model.hidden=[4]",
       "model.output_activation=sigmoid", "loss=binary_crossentropy",
       "model.weight_init={name: uniform, low: -1, high: 1}",
       "optimizer={name: sgd, lr: 0.5, momentum: 0.9}", "train.batch_size=full",
       "train.epochs=300"]



NO_PAGES = ["run.plots=false", "run.report=false"]  # pictures cost more than these trainings


def epochs_of(result) -> list:
    """The run's metrics.jsonl records without the wall times."""
    return strip_time(RunDir(result.run_dir).read_metrics())

def strip_time(records):
    return [{k: v for k, v in r.items() if k != "time"} for r in records]


def test_xor_reaches_100_percent(tmp_path):
    result = nnlab.train(None, overrides=XOR, runs_dir=tmp_path)
    assert result.summary["final"]["accuracy"] == 1.0
    assert result.summary["final"]["loss"] < 0.05
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    np.testing.assert_array_equal(result.network.predict(x)[:, 0] > 0.5, [0, 1, 1, 0])


def test_same_config_and_seed_give_identical_metrics(tmp_path):
    args = ["train.epochs=15", "model.dropout=0.1", "data.name=moons", *NO_PAGES]
    a = nnlab.train(None, overrides=args, runs_dir=tmp_path / "a")
    b = nnlab.train(None, overrides=args, runs_dir=tmp_path / "b")
    assert epochs_of(a) == epochs_of(b)
    c = nnlab.train(None, overrides=[*args, "train.seed=1"], runs_dir=tmp_path / "c")
    assert epochs_of(c) != epochs_of(a)


def test_run_directory_contents(tmp_path):
    result = nnlab.train(None, overrides=["train.epochs=5", "optimizer.lr=0.02"],
                         name="sine-test", runs_dir=tmp_path)
    run = result.run_dir
    assert run.parent == tmp_path and run.name.startswith("sine-test-")
    files = {p.relative_to(run).as_posix() for p in run.rglob("*")}
    assert {"config.yaml", "metrics.jsonl", "metrics.csv", "summary.json", "train.log",
            "checkpoints/last.npz", "checkpoints/best.npz"} <= files
    assert not [f for f in files if f.endswith(".tmp")]
    # the resolved config reloads to the same experiment, overrides recorded
    text = (run / "config.yaml").read_text()
    assert "# --set optimizer.lr=0.02" in text
    assert nnlab.load_config(run / "config.yaml").optimizer["lr"] == 0.02
    records = RunDir(run).read_metrics()
    assert [r["epoch"] for r in records] == list(range(6))
    assert {"loss", "val_loss", "lr", "grad_norm_w", "grad_norm_b", "time"} <= set(records[1])
    assert len(records[1]["grad_norm_w"]) == 3
    csv_lines = (run / "metrics.csv").read_text().splitlines()
    assert csv_lines[0].startswith("epoch,loss,val_loss,grad_norm_w.1") and len(csv_lines) == 7
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["epochs_run"] == 5
    assert summary["best"]["val_loss"] == min(r["val_loss"] for r in records)
    assert set(summary["versions"]) == {"python", "numpy", "nnlab"}
    ckpt = load_npz(run / "checkpoints" / "last.npz")
    assert {"param/W1", "param/b1", "state", "architecture"} <= set(ckpt)
    assert json.loads(str(ckpt["state"]))["epoch"] == 5
    np.testing.assert_array_equal(ckpt["param/W1"], result.network.layers[0].W)


def test_runs_started_together_do_not_collide(tmp_path):
    dirs = {nnlab.train(None, overrides=["train.epochs=1", *NO_PAGES], runs_dir=tmp_path).run_dir
            for _ in range(5)}
    assert len(dirs) == 5




RESUME = ["data.n=500", "train.batch_size=4", "train.epochs=6", "model.dropout=0.2",
          "optimizer.schedule={name: reduce_on_plateau, patience: 1, factor: 0.5}", *NO_PAGES]


def test_interrupt_then_resume_equals_uninterrupted(tmp_path):
    full = nnlab.train(None, overrides=RESUME, runs_dir=tmp_path / "full")
    part = nnlab.train(None, overrides=RESUME, runs_dir=tmp_path / "part",
                       on_step=interrupting(3))  # 3rd callback: epoch 2, step 50
    assert part.summary["status"] == "interrupted"
    assert part.state.epoch == 1 and part.state.step == 51  # stops after the next step
    resumed = nnlab.train(resume=part.run_dir)
    assert resumed.run_dir == part.run_dir and resumed.summary["status"] == "completed"
    assert epochs_of(resumed) == epochs_of(full)
    for a, b in zip(resumed.network.params(), full.network.params()):
        np.testing.assert_array_equal(a, b)


def test_resume_of_a_finished_run_is_refused(tmp_path):
    done = nnlab.train(None, overrides=["train.epochs=1"], runs_dir=tmp_path)
    with pytest.raises(nnlab.CheckpointError, match="already finished"):
        nnlab.train(resume=done.run_dir)


def test_divergence_stops_with_clear_error_and_keeps_last_good(tmp_path):
    args = ["optimizer={name: sgd, lr: 1.0e+4}", "train.epochs=50", "model.activation=relu",
            "model.weight_init=he_normal"]
    with pytest.raises(TrainingDiverged, match="NaN/inf") as info:
        nnlab.train(None, overrides=args, runs_dir=tmp_path)
    assert info.value.exit_code == 1
    (run,) = tmp_path.iterdir()
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["stop_reason"] == "diverged"
    last = load_npz(run / "checkpoints" / "last.npz")
    assert all(np.isfinite(v).all() for k, v in last.items() if k.startswith("param/"))
    assert RunDir(run).read_metrics()[-1]["loss"] is None  # NaN written as null


def test_early_stopping_restores_best(tmp_path):
    args = ["train.epochs=400", "regularization.early_stopping={patience: 5, min_delta: 0.001}",
            "optimizer.lr=0.05"]
    result = nnlab.train(None, overrides=args, runs_dir=tmp_path)
    s = result.summary
    assert s["stop_reason"] == "early_stopping" and s["epochs_run"] < 400
    values = [r["val_loss"] for r in RunDir(result.run_dir).read_metrics()]
    assert min(values[-5:]) > min(values[:-5]) - 0.001  # no real improvement in the last 5
    assert s["best"]["val_loss"] == min(values)
    exp = nnlab.build(result.run_dir / "config.yaml")
    exp.network = result.network
    assert exp.evaluate("val")["loss"] == pytest.approx(s["best"]["val_loss"], rel=1e-6)


def test_l2_is_nielsens_convention(tmp_path):
    """One full-batch SGD step with L2 λ equals w ← (1 − ηλ/n) w − η ∂C₀/∂w."""
    lam, lr = 5.0, 0.1
    args = ["data.n=50", "data.val_split=0", "train.batch_size=full", "train.epochs=1",
            f"regularization.l2={lam}", f"optimizer={{name: sgd, lr: {lr}}}",
            "train.dtype=float64", "train.shuffle=false"]
    exp = nnlab.build(None, args)
    w0 = [w.copy() for w in exp.network.weights()]
    b0 = [layer.b.copy() for layer in exp.network.layers]
    trainer = exp.trainer()
    x, t = trainer.x_train, trainer.t_train
    grads = exp.network.gradients(x, t, exp.loss)
    trainer.run_epoch(lr)
    n = len(x)
    for i, layer in enumerate(exp.network.layers):
        np.testing.assert_allclose(layer.W, (1 - lr * lam / n) * w0[i] - lr * grads[2 * i])
        np.testing.assert_allclose(layer.b, b0[i] - lr * grads[2 * i + 1])


@pytest.mark.parametrize("batch", ["1", "7", "full"])
def test_batch_modes_learn_the_sum(tmp_path, batch):
    args = ["data.name=sum", "data.n=64", "model.hidden=[]", "model.bias=false",
            "optimizer={name: sgd, lr: 0.1}", f"train.batch_size={batch}",
            "train.epochs=200" if batch == "full" else "train.epochs=40"]
    result = nnlab.train(None, overrides=args, runs_dir=tmp_path)
    np.testing.assert_allclose(result.network.layers[0].W[:, 0], [1, 1], atol=0.02)


def test_float64_training(tmp_path):
    result = nnlab.train(None, overrides=["train.dtype=float64", "train.epochs=2"],
                         runs_dir=tmp_path)
    assert result.network.dtype == np.float64


def test_step_network_is_refused(tmp_path):
    with pytest.raises(nnlab.ConfigError, match="zero gradient"):
        nnlab.train(None, overrides=["model.activation=step"], runs_dir=tmp_path)


def test_speed_of_learning_norms_match_finite_differences():
    """grad_norm_b[l] is Nielsen's ‖δˡ‖ = ‖∂C/∂bˡ‖ with C averaged over the probe samples."""
    args = ["data.name=spiral", "data.n=40", "model.hidden=[5,4]", "model.activation=sigmoid",
            "train.dtype=float64", "train.probe_size=12", "regularization.l2=3.0",
            "model.bias_init={name: normal, std: 1.0}", "loss=categorical_crossentropy"]
    exp = nnlab.build(None, args)
    trainer = exp.trainer()
    record = trainer.measure()
    x, t = trainer.x_probe, trainer.t_probe
    assert len(x) == 12
    act = exp.network.layers[-1].activation
    h = 1e-6
    for layer, norm in zip(exp.network.layers, record["grad_norm_b"]):
        numeric = np.zeros_like(layer.b)
        for j in range(len(layer.b)):
            old = layer.b[j]
            layer.b[j] = old + h
            plus = exp.loss.value(*exp.network.outputs(x), t, act)
            layer.b[j] = old - h
            minus = exp.loss.value(*exp.network.outputs(x), t, act)
            layer.b[j] = old
            numeric[j] = (plus - minus) / (2 * h)
        assert norm == pytest.approx(np.linalg.norm(numeric), rel=1e-6)


def test_dead_relu_units_are_counted_and_stay_dead(tmp_path):
    """The lecture: ReLU zeroes negative signals (dead units never learn), leaky ReLU does not."""
    args = ["model.hidden=[32]", "model.weight_init=he_normal", "train.epochs=30",
            "model.bias_init={name: constant, value: -3.0}"]
    relu = nnlab.train(None, overrides=[*args, "model.activation=relu"], runs_dir=tmp_path)
    recs = RunDir(relu.run_dir).read_metrics()
    dead0 = recs[0]["dead_fraction"][0]
    assert 0.2 < dead0 < 0.8 and recs[-1]["dead_fraction"][0] >= dead0
    layer = relu.network.layers[0]
    x = nnlab.build(relu.run_dir / "config.yaml").dataset.x_train  # the probe samples
    dead_units = np.all(x @ layer.W + layer.b <= 0, axis=0)
    assert dead_units.sum() == round(recs[-1]["dead_fraction"][0] * 32)
    leaky = nnlab.train(None, overrides=[*args, "model.activation=leaky_relu"], runs_dir=tmp_path)
    assert all(r["dead_fraction"] == [0.0] for r in RunDir(leaky.run_dir).read_metrics())


def test_fit_in_memory_for_notebooks():
    exp = nnlab.build(None, XOR)
    history = exp.fit()
    assert [r["epoch"] for r in history] == list(range(301))
    assert history[-1]["accuracy"] == 1.0
    np.testing.assert_array_equal(exp.predict([[0, 0], [0, 1], [1, 0], [1, 1]])[:, 0] > 0.5,
                                  [0, 1, 1, 0])
