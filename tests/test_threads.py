"""BLAS threads: two for large batches, one per parallel process, NNLAB_THREADS overrides, and a
run keeps the counts it started with."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import nnlab
from nnlab.runs import threads
from nnlab.runs.rundir import RunDir
from nnlab.tools.sweep.trials import child_env

NIELSEN, MODERN, WIDE = [784, 30, 10], [784, 100, 10], [784, 512, 512, 10]


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setattr(threads, "cores", lambda: 2)
    for var in (threads.ENV, *threads.BLAS_ENV):
        monkeypatch.delenv(var, raising=False)


def test_large_batches_get_both_cores_small_ones_one(two_cores):
    assert threads.blas_threads(10, NIELSEN) == 1       # Nielsen's batch of 10
    assert threads.blas_threads(32, [2, 8, 8, 1]) == 1  # toy networks
    assert threads.blas_threads(128, MODERN) == 2
    assert threads.blas_threads(256, WIDE) == 2


def test_processes_side_by_side_share_the_cores(two_cores):
    assert threads.blas_threads(256, WIDE, jobs=2) == 1
    assert threads.blas_threads(jobs=1) == 2 and threads.blas_threads(jobs=2) == 1
    assert child_env(2)["OPENBLAS_NUM_THREADS"] == "1"  # what a sweep gives its trials


def test_overrides(two_cores, monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")  # the BLAS library's own setting caps auto
    assert threads.blas_threads(256, WIDE) == 1
    monkeypatch.setenv(threads.ENV, "3")  # NNLAB_THREADS fixes the number
    assert threads.blas_threads(10, NIELSEN) == 3 and threads.blas_threads(jobs=2) == 3
    monkeypatch.setenv(threads.ENV, "auto")
    assert threads.blas_threads(256, WIDE) == 1
    monkeypatch.setenv(threads.ENV, "two")
    with pytest.raises(nnlab.ConfigError, match="NNLAB_THREADS='two': expected auto or a whole"):
        threads.blas_threads(10, NIELSEN)


def test_an_experiment_chooses_by_its_batch(two_cores):
    exp = nnlab.build(None, ["data.name=spiral", "train.batch_size=full"])
    assert exp.threads() == 1  # 2-feature data: small products even for the full batch
    assert exp.trainer().threads == 1


def blas_now() -> int:
    return min(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")


@pytest.mark.skipif(threads.cores() < 2, reason="needs two CPUs to tell 1 from 2 threads")
def test_fit_trains_with_its_count_and_a_resume_keeps_it(tmp_path):
    seen = []
    before = blas_now()
    for count in (1, 2):
        exp = nnlab.build(None, ["data.name=moons", "train.epochs=2"])
        trainer = exp.trainer(threads=count)
        run_epoch, measure = trainer.run_epoch, trainer.measure
        trainer.run_epoch = lambda lr, f=run_epoch: seen.append(blas_now()) or f(lr)
        trainer.measure = lambda f=measure: seen.append(blas_now()) or f()
        trainer.fit()
        assert set(seen) == {count} and trainer.state.threads == count
        assert blas_now() == before  # restored afterwards
        seen.clear()
    trainer.threads = 1
    trainer.state.epoch, trainer.epochs, trainer.state.stop_reason = 1, 2, None  # "resumed"
    trainer.fit()
    assert trainer.state.threads == 2  # the count it started with

    result = nnlab.train(None, overrides=["data.name=moons", "train.epochs=2"], runs_dir=tmp_path)
    ckpt = RunDir(result.run_dir).train_state()
    assert ckpt is not None and ckpt["threads"] == result.summary["threads"]
    assert result.summary["threads"] == exp.threads() == 1  # moons: a small network


def test_threads_do_not_change_a_small_runs_numbers(monkeypatch):
    """Below the threshold the count is 1 either way: sweeps and single runs agree exactly."""
    args = ["data.name=moons", "train.epochs=3"]
    a = nnlab.build(None, args).fit()
    monkeypatch.setenv(threads.ENV, "1")
    b = nnlab.build(None, args).fit()
    strip = [{k: v for k, v in r.items() if k != "time"} for r in a]
    assert strip == [{k: v for k, v in r.items() if k != "time"} for r in b]
    assert np.isfinite([r["loss"] for r in a]).all()
