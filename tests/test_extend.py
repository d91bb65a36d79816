"""Extending a finished run: `nnlab train --resume RUN --set train.epochs=N`."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from typer.testing import CliRunner

import nnlab
from nnlab.cli import app
from nnlab.errors import NnlabError
from nnlab.runs.rundir import RunDir

BASE = ["train.epochs=4", "run.plots=false", "data.n=64", "train.batch_size=16"]
runner = CliRunner()


def metrics(run) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "time"} for r in RunDir(run).read_metrics()]


def test_a_finished_run_trains_on_exactly_as_one_long_run(tmp_path):
    short = nnlab.train(None, overrides=BASE, runs_dir=tmp_path / "a")
    longer = nnlab.train(resume=short.run_dir, overrides=["train.epochs=8"])
    fresh = nnlab.train(None, overrides=[*BASE, "train.epochs=8"], runs_dir=tmp_path / "b")
    assert longer.run_dir == short.run_dir and longer.summary["epochs_run"] == 8
    assert metrics(short.run_dir) == metrics(fresh.run_dir)  # same numbers, epoch 0..8
    text = (short.run_dir / "config.yaml").read_text()
    assert "# extended after epoch 4: --set train.epochs=8" in text
    assert yaml.safe_load(text)["train"]["epochs"] == 8
    assert "train.epochs=8" in json.loads((short.run_dir / "summary.json").read_text())[
        "overrides"]


def test_an_early_stopped_run_continues_with_fresh_patience(tmp_path):
    sets = ["train.epochs=300", "regularization.early_stopping.patience=2", "run.plots=false",
            "optimizer.lr=0.05"]
    first = nnlab.train(None, overrides=sets, runs_dir=tmp_path)
    assert first.summary["stop_reason"] == "early_stopping"
    done = first.summary["epochs_run"]
    more = nnlab.train(resume=first.run_dir, overrides=[f"train.epochs={done + 50}",
                                                       "regularization.early_stopping.patience=10",
                                                       "optimizer.lr=0.001"])
    assert more.summary["epochs_run"] > done + 1  # patience counted afresh, not stopped at once
    epochs = [r["epoch"] for r in RunDir(first.run_dir).read_metrics()]
    assert epochs == list(range(len(epochs)))


def test_only_settings_that_keep_model_and_data_may_change(tmp_path):
    run = nnlab.train(None, overrides=BASE, runs_dir=tmp_path).run_dir
    for change in ("model.hidden=[8]", "data.n=100", "train.seed=3", "loss=mae",
                   "optimizer.name=sgd"):
        pattern = rf"--set {re.escape(change)}: a resumed run keeps its model and data"
        with pytest.raises(NnlabError, match=pattern + r".*only these may change: train\.epochs"):
            nnlab.train(resume=run, overrides=["train.epochs=6", change])
    with pytest.raises(NnlabError, match="already finished .* after 4 epochs.*train.epochs=N"):
        nnlab.train(resume=run)
    with pytest.raises(NnlabError, match="must be more than its 4 epochs"):
        nnlab.train(resume=run, overrides=["train.epochs=3"])
    assert RunDir(run).read_summary()["epochs_run"] == 4  # nothing was touched


def test_from_the_command_line(tmp_path):
    run = nnlab.train(None, overrides=BASE, runs_dir=tmp_path).run_dir
    bad = runner.invoke(app, ["train", "--resume", str(run), "--set", "model.hidden=[3]"])
    assert bad.exit_code == 2 and "model.hidden" in bad.output
    good = runner.invoke(app, ["train", "--resume", str(run), "--set", "train.epochs=6"])
    assert good.exit_code == 0, good.output
    assert "continuing after epoch 4" in good.output and "epoch 6/6" in good.output
