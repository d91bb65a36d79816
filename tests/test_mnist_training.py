"""Real MNIST through the CLI (skipped with a reason when NNLAB_DATA_DIR has no MNIST)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nnlab.cli import app

ROOT = Path(__file__).resolve().parents[1]
MNIST_CONFIGS = sorted(p for p in (ROOT / "configs").rglob("*.yaml")
                       if "sweeps" not in p.parts
                       and "name: mnist" in p.read_text())
runner = CliRunner()


@pytest.mark.mnist
def test_nielsen_784_30_10_one_epoch_reaches_90_percent(tmp_path, mnist_dir):
    result = runner.invoke(app, ["train", str(ROOT / "configs" / "mnist_nielsen.yaml"), "--json",
                                 "--runs-dir", str(tmp_path), "--set", "train.epochs=1",
                                 "--set", f"data.path={mnist_dir}"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["data"] == {"name": "mnist", "task": "classification", "train": 50000,
                               "val": 10000, "test": 10000}
    assert summary["best"]["val_accuracy"] >= 0.90


@pytest.mark.mnist
@pytest.mark.parametrize("config", MNIST_CONFIGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_mnist_config_trains(tmp_path, mnist_dir, config):
    result = runner.invoke(app, ["train", str(config), "--json", "--runs-dir", str(tmp_path),
                                 "--set", "train.epochs=1", "--set", "data.limit=2000",
                                 "--set", f"data.path={mnist_dir}"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["data"]["train"] == 2000


@pytest.mark.mnist
def test_data_info_reports_verified_files(mnist_dir):
    result = runner.invoke(app, ["data", "info", "mnist", "--path", str(mnist_dir), "--json"])
    assert result.exit_code == 0
    info = json.loads(result.stdout)
    assert info["found"] and {f["checksum"] for f in info["files"]} == {"ok"}


def test_offline_fetch_says_where_to_put_the_files(tmp_path, monkeypatch):
    monkeypatch.delenv("NNLAB_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("NNLAB_MNIST_MIRRORS", "http://127.0.0.1:9/")
    result = runner.invoke(app, ["data", "fetch", "mnist"])
    assert result.exit_code == 2
    assert "train-images-idx3-ubyte.gz" in result.stderr
    assert str(tmp_path / "cache" / "nnlab" / "mnist") in result.stderr
