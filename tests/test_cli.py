"""The command line end to end: default run, every shipped config, scripting output, errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from nnlab.cli import app
from nnlab.config import load_config
from nnlab.runs.rundir import RunDir

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted(p for p in (ROOT / "configs").rglob("*.yaml") if "sweeps" not in p.parts)
runner = CliRunner()


def nnlab(*args: str, cwd: Path | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnlab.cli", *args], capture_output=True,
                          text=True, cwd=cwd, **kw)


def test_builtin_default_trains(tmp_path):
    proc = nnlab("train", "--set", "train.epochs=20", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Network(1 → 32 tanh → 32 tanh → 1 identity)" in proc.stdout
    assert "epoch 20/20" in proc.stdout  # plain lines when stdout is not a terminal
    (run,) = (tmp_path / "runs").iterdir()
    assert run.name.startswith("default-") and (run / "summary.json").is_file()


def test_json_summary_for_scripts(tmp_path):
    result = runner.invoke(app, ["train", "--json", "--runs-dir", str(tmp_path),
                                 "--set", "train.epochs=3", "--name", "wide"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert Path(summary["run_dir"]).name.startswith("wide-")
    assert summary["epochs_run"] == 3 and summary["status"] == "completed"


def test_quiet_prints_only_the_summary(tmp_path):
    result = runner.invoke(app, ["train", "-q", "--runs-dir", str(tmp_path),
                                 "--set", "train.epochs=3"])
    assert result.exit_code == 0
    assert "epoch 1/3" not in result.stdout and "wall time" in result.stdout


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: str(p.relative_to(ROOT / "configs")))
def test_every_shipped_config_trains(tmp_path, config):
    if load_config(config).data.name in ("mnist", "fashion_mnist"):
        pytest.skip("MNIST configs are exercised by tests/test_mnist_training.py")
    result = runner.invoke(app, ["train", str(config), "--json", "--runs-dir", str(tmp_path),
                                 "--set", "train.epochs=3", "--set", "run.plots=false",
                                 "--set", "run.report=false"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["epochs_run"] == 3
    assert Path(summary["run_dir"]).name.startswith(config.stem)


def test_config_show_resolves_and_applies_overrides():
    result = runner.invoke(app, ["config", "show", str(ROOT / "configs" / "sine.yaml"),
                                 "--set", "train.epochs=5"])
    assert result.exit_code == 0
    shown = yaml.safe_load(result.stdout)
    assert shown["train"]["epochs"] == 5 and shown["loss"] == "mse"
    assert shown["optimizer"]["beta1"] == 0.9  # defaults filled in


def test_bad_config_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model:\n  hidden: [4]\n  activaton: relu\n")
    proc = nnlab("train", str(bad), cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{bad}:3:" in lines[0] and "did you mean 'activation'" in lines[0]


def test_sweep_loop_from_the_shell(tmp_path):
    for lr in ("0.01", "0.1"):
        result = runner.invoke(app, ["train", str(ROOT / "configs" / "sine.yaml"), "--quiet",
                                     "--set", f"optimizer.lr={lr}", "--set", "train.epochs=2",
                                     "--runs-dir", str(tmp_path / "sweeps" / "lr")])
        assert result.exit_code == 0
    runs = list((tmp_path / "sweeps" / "lr").iterdir())
    assert len(runs) == 2
    assert {yaml.safe_load((r / "config.yaml").read_text())["optimizer"]["lr"] for r in runs} \
        == {0.01, 0.1}


def test_sigterm_checkpoints_and_resume_continues(tmp_path):
    args = ["train", "--set", "train.epochs=400", "--set", "data.n=2000",
            "--set", "train.batch_size=8", "--runs-dir", str(tmp_path)]
    proc = subprocess.Popen([sys.executable, "-m", "nnlab.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        runs = list(tmp_path.iterdir())
        if runs and len(RunDir(runs[0]).read_metrics()) >= 3:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "nnlab train --resume" in stderr
    (run,) = tmp_path.iterdir()
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    done = summary["epochs_run"]
    resumed = nnlab("train", "--resume", str(run), "--set", "model.hidden=[4]", "--quiet")
    assert resumed.returncode == 2 and "keeps its model and data" in resumed.stderr
    env = {**os.environ, "NNLAB_TEST": "1"}
    before = len(RunDir(run).read_metrics())
    proc2 = subprocess.Popen([sys.executable, "-m", "nnlab.cli", "train", "--resume", str(run),
                              "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env)
    # interrupt once the resumed run is training (it has flushed a new epoch), however slow
    # the machine is
    deadline = time.time() + 60
    while time.time() < deadline and proc2.poll() is None:
        if len(RunDir(run).read_metrics()) > before:
            break
        time.sleep(0.1)
    proc2.send_signal(signal.SIGINT)
    out, err = proc2.communicate(timeout=60)
    assert proc2.returncode == 130, err
    again = json.loads(out)
    assert again["run_dir"] == str(run) and again["epochs_run"] >= done
    epochs = [r["epoch"] for r in RunDir(run).read_metrics()]
    assert epochs == list(range(len(epochs)))  # no gaps, no duplicates across the resume


def test_unwritable_runs_dir_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = runner.invoke(app, ["train", "--runs-dir", str(blocker / "runs"), "--quiet"])
    assert result.exit_code == 2
    assert "cannot create the runs folder" in result.stderr and "--runs-dir" in result.stderr
