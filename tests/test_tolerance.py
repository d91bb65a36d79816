"""train.tolerance: the popular article's stopping rule — stop once a step moves θ less than ε."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import interrupting

import nnlab
from nnlab.runs.rundir import RunDir

# plain full-batch gradient descent: one step per epoch, so ‖Δθ‖ = η‖∇C‖
GD = ["data.name=linear", "data.n=50", "data.val_split=0", "model.hidden=[]",
      "optimizer={name: sgd, lr: 0.1}", "train.batch_size=full", "train.epochs=2000",
      "run.plots=false"]


def test_full_batch_gd_stops_when_the_step_is_below_the_threshold(tmp_path):
    result = nnlab.train(None, overrides=[*GD, "train.tolerance=1e-4"], runs_dir=tmp_path)
    s = result.summary
    assert s["stop_reason"] == "converged" and s["status"] == "completed"
    assert 1 < s["epochs_run"] < 2000
    records = RunDir(result.run_dir).read_metrics()
    norms = [r["update_norm"] for r in records]
    assert norms[0] is None                    # epoch 0 took no step
    assert norms[-1] < 1e-4 <= min(norms[1:-1])
    assert RunDir(result.run_dir).train_state()["stop_reason"] == "converged"
    with pytest.raises(nnlab.CheckpointError, match="already finished"):
        nnlab.train(resume=result.run_dir)


def test_update_norm_of_one_gd_step_is_lr_times_the_gradient_norm():
    exp = nnlab.build(None, [*GD, "train.tolerance=1e-9", "train.epochs=1",
                             "train.dtype=float64"])
    d = exp.dataset
    grads = exp.network.gradients(d.x_train, d.targets(d.y_train, 1, np.float64), exp.loss)
    expected = 0.1 * math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    (_, rec) = exp.fit()
    assert rec["update_norm"] == pytest.approx(expected, rel=1e-10)


def test_without_tolerance_nothing_changes(tmp_path):
    records = nnlab.build(None, GD[:-2] + ["train.epochs=3"]).fit()
    assert all("update_norm" not in r for r in records)


def test_interrupt_and_resume_with_tolerance_equals_uninterrupted(tmp_path):
    args = ["data.n=500", "train.batch_size=4", "train.epochs=4", "train.tolerance=1e-9",
            "run.plots=false"]
    full = nnlab.train(None, overrides=args, runs_dir=tmp_path / "full")
    part = nnlab.train(None, overrides=args, runs_dir=tmp_path / "part",
                       on_step=interrupting(3))  # mid-epoch 2
    assert part.state.step > 0
    assert "start/0" in RunDir(part.run_dir).load_checkpoint("last")  # θ at the epoch's start
    resumed = nnlab.train(resume=part.run_dir)
    strip = [{k: v for k, v in r.items() if k != "time"} for r in resumed.records]
    assert strip == [{k: v for k, v in r.items() if k != "time"} for r in full.records]
    for a, b in zip(resumed.network.params(), full.network.params()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_local_minima_lesson_seeds_stop_in_different_minima(tmp_path):
    from pathlib import Path

    config = Path(__file__).resolve().parents[1] / "configs" / "lessons" / "local_minima.yaml"
    finals = []
    for seed in (0, 3):
        r = nnlab.train(config, overrides=[f"train.seed={seed}", "run.plots=false"],
                        runs_dir=tmp_path)
        assert r.summary["stop_reason"] == "converged", r.summary
        finals.append(r.summary["final"]["loss"])
    assert max(finals) > 2 * min(finals)    # 0.0168 vs 0.0054 measured: two different minima
