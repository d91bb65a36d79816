"""train.eval_every: the per-epoch metrics every N epochs (and after the last), nothing else
changes; early stopping, best epoch and checkpoints act at these evaluations."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import interrupting

import nnlab
from nnlab.runs.rundir import RunDir

BASE = ["data.name=moons", "data.n=300", "train.epochs=10", "model.dropout=0.1",
        "train.batch_size=4"]


def no_time(records):
    return [{k: v for k, v in r.items() if k != "time"} for r in records]


def test_metrics_every_n_epochs_and_after_the_last_with_the_same_training():
    every = nnlab.build(None, [*BASE, "train.eval_every=3"])
    each = nnlab.build(None, BASE)
    sparse, dense = every.fit(), each.fit()
    assert [r["epoch"] for r in sparse] == [0, 3, 6, 9, 10]
    assert no_time(sparse) == no_time([r for r in dense if r["epoch"] in (0, 3, 6, 9, 10)])
    for p, q in zip(every.network.params(), each.network.params()):
        np.testing.assert_array_equal(p, q)  # measuring less never changes the training


def test_record_time_covers_the_epochs_since_the_previous_record(tmp_path):
    result = nnlab.train(None, overrides=[*BASE, "train.eval_every=4"], runs_dir=tmp_path)
    records = RunDir(result.run_dir).read_metrics()
    assert [r["epoch"] for r in records] == [0, 4, 8, 10]
    assert sum(r["time"] for r in records) == pytest.approx(result.summary["wall_time"],
                                                            abs=2e-3)


def test_patience_counts_evaluations():
    args = ["data.name=moons", "data.n=200", "train.epochs=400", "optimizer.lr=0.05",
            "regularization.early_stopping={patience: 3, min_delta: 0.001}",
            "train.eval_every=2"]
    exp = nnlab.build(None, args)
    records = exp.fit()
    epochs = [r["epoch"] for r in records]
    assert epochs == list(range(0, epochs[-1] + 1, 2)) and epochs[-1] < 400
    values = [r["val_loss"] for r in records]
    best = min(range(len(values)), key=values.__getitem__)
    assert len(values) - 1 - best >= 3  # stopped 3 evaluations (6 epochs) after the best
    np.testing.assert_allclose(exp.evaluate("val")["loss"], values[best], rtol=1e-6)


def test_resume_between_evaluations_equals_uninterrupted(tmp_path):
    args = [*BASE, "train.eval_every=4"]
    full = nnlab.train(None, overrides=args, runs_dir=tmp_path / "full")
    part = nnlab.train(None, overrides=args, runs_dir=tmp_path / "part",
                       on_step=interrupting(5))  # in epoch 3
    assert part.summary["status"] == "interrupted" and 0 < part.state.epoch < 4  # unmeasured
    resumed = nnlab.train(resume=part.run_dir)
    assert no_time(RunDir(resumed.run_dir).read_metrics()) == no_time(
        RunDir(full.run_dir).read_metrics())
    for a, b in zip(resumed.network.params(), full.network.params()):
        np.testing.assert_array_equal(a, b)


def test_eval_every_must_be_positive():
    with pytest.raises(nnlab.ConfigError, match="eval_every"):
        nnlab.build(None, ["train.eval_every=0"])
