"""`nnlab sweep`: space expansion, sweep files, running, resuming, Ctrl-C, printed commands; and
plain `nnlab train` processes run in parallel into one runs/ folder."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nnlab.cli import app
from nnlab.config import RunConfig, load_config, parse_override
from nnlab.errors import ConfigError
from nnlab.runs.rundir import RunDir
from nnlab.tools.sweep import (
    Sweep,
    flow,
    make_sweep,
    parse_distribution,
    parse_grid_option,
    parse_random_option,
    parse_value,
    read_sweep_file,
    trial_dirs,
)

ROOT = Path(__file__).resolve().parents[1]
SINE = ROOT / "configs" / "sine.yaml"
TINY = ["--set", "train.epochs=2", "--set", "data.n=64", "--set", "model.hidden=[4]"]
if "plots" in RunConfig.model_fields:  # pictures cost more than these tiny trainings
    TINY += ["--set", "run.plots=false"]
if "report" in RunConfig.model_fields:  # so does a report page
    TINY += ["--set", "run.report=false"]
runner = CliRunner()


def nnlab(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnlab.cli", *map(str, args)],
                          capture_output=True, text=True, **kw)


def sweep_json(folder: Path) -> dict:
    return json.loads((folder / "sweep.json").read_text())


# --------------------------------------------------------------------------- the space

def test_grid_values_split_at_top_level_commas_and_round_trip():
    assert parse_grid_option("model.hidden=[32],[64, 64]") == ("model.hidden", [[32], [64, 64]])
    assert parse_grid_option("optimizer.lr=1e-3, 0.1,1") == ("optimizer.lr", [0.001, 0.1, 1])
    key, values = parse_grid_option("model.activation=tanh,{name: leaky_relu, alpha: 0.2}")
    assert values == ["tanh", {"name": "leaky_relu", "alpha": 0.2}]
    for v in [*values, 1e-05, 0.1, True, [16, 16], "null"]:
        assert parse_override(f"k={flow(v)}")[1] == v  # what --set reads back
    assert parse_value("1e-4") == 1e-4 and parse_value("3") == 3
    with pytest.raises(ConfigError, match="KEY.PATH=v1,v2"):
        parse_grid_option("optimizer.lr")
    with pytest.raises(ConfigError, match="empty value"):
        parse_grid_option("optimizer.lr=0.1,,1")


def test_grid_expansion_is_the_product_times_the_seeds():
    sw = Sweep(grid={"optimizer.lr": [0.01, 0.1, 1], "model.activation": ["sigmoid", "relu"]},
               seeds=[0, 1, 2], fixed=["train.epochs=5"])
    trials = sw.expand()
    assert len(trials) == 3 * 2 * 3 and len({t.point for t in trials}) == 6
    assert [t.id for t in trials[:2]] == ["t000", "t001"]
    assert trials[0].overrides == ["train.epochs=5", "optimizer.lr=0.01",
                                   "model.activation=sigmoid", "train.seed=0"]
    assert {(t.values["optimizer.lr"], t.values["model.activation"]) for t in trials} == {
        (lr, a) for lr in (0.01, 0.1, 1) for a in ("sigmoid", "relu")}
    assert all(t.seed is None for t in Sweep(grid={"a.b": [1, 2]}).expand())


def test_random_search_is_reproducible_and_in_range():
    def space(seed):
        return Sweep(random=dict([parse_random_option("optimizer.lr=loguniform(1e-4,1)"),
                                  parse_random_option("model.hidden.0=choice(8, 16, 32)"),
                                  parse_random_option("train.batch_size=randint(1, 4)"),
                                  parse_random_option("data.noise=uniform(0, 0.1)")]),
                     trials=50, seed=seed).expand()

    a, b, c = space(0), space(0), space(1)
    assert [t.overrides for t in a] == [t.overrides for t in b]
    assert [t.overrides for t in a] != [t.overrides for t in c]
    lrs = np.array([t.values["optimizer.lr"] for t in a])
    assert len(a) == 50 and lrs.min() >= 1e-4 and lrs.max() <= 1
    assert lrs.min() < 1e-3 and lrs.max() > 1e-1  # log-uniform reaches both ends
    assert {t.values["model.hidden.0"] for t in a} == {8, 16, 32}
    assert {t.values["train.batch_size"] for t in a} == {1, 2, 3, 4}
    assert all(0 <= t.values["data.noise"] <= 0.1 for t in a)
    assert all(float(f"{lr:.4g}") == lr for lr in lrs)  # 4 significant digits
    assert str(parse_distribution("loguniform(1e-4, 1)", "x")) == "loguniform(0.0001, 1)"


@pytest.mark.parametrize("text, message", [
    ("normal(0, 1)", "unknown distribution 'normal'"),
    ("loguniform(0, 1)", "0 < low"),
    ("uniform(1, 0)", "low must be below high"),
    ("uniform(1)", "two numbers"),
    ("randint(1.5, 3)", "two integers"),
    ("choice()", "at least one"),
    ("0.1", "expected uniform"),
])
def test_bad_distributions_are_config_errors(text, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        parse_distribution(text, "--random optimizer.lr")


def test_sweep_file_reads_and_cli_options_merge():
    spec = read_sweep_file(ROOT / "configs" / "sweeps" / "activations.yaml")
    assert spec["base"].resolve() == SINE  # relative to the sweep file
    assert spec["grid"]["model.activation"][:3] == ["sigmoid", "tanh", "relu"]
    sw = make_sweep(ROOT / "configs" / "sweeps" / "activations.yaml", repeat=3,
                    grid=["optimizer.lr=0.01,0.1"], fixed=["train.epochs=3"])
    assert sw.name == "activations" and sw.metric == "val_loss" and sw.seeds == [0, 1, 2]
    assert sw.fixed[-1] == "train.epochs=3" and len(sw.expand()) == 4 * 2 * 3
    assert load_config(sw.base).data.name == "sine"


def test_sweep_identity_follows_the_base_config_text(tmp_path):
    base = tmp_path / "c.yaml"
    base.write_text("train: {epochs: 2}\n")
    a = make_sweep(base, grid=["optimizer.lr=0.1,1"])
    assert a.key() == make_sweep(base, grid=["optimizer.lr=0.1, 1"], metric="loss").key()
    assert a.key() != make_sweep(base, grid=["optimizer.lr=0.1,2"]).key()
    base.write_text("train: {epochs: 3}\n")
    assert a.key() != make_sweep(base, grid=["optimizer.lr=0.1,1"]).key()


def test_sweep_identity_follows_the_files_its_base_builds_on(tmp_path):
    (tmp_path / "root.yaml").write_text("train: {epochs: 2}\n")
    base = tmp_path / "c.yaml"
    base.write_text("base: root.yaml\nmodel: {hidden: [4]}\n")
    a = make_sweep(base, grid=["optimizer.lr=0.1,1"]).key()
    (tmp_path / "root.yaml").write_text("train: {epochs: 3}\n")
    assert make_sweep(base, grid=["optimizer.lr=0.1,1"]).key() != a


@pytest.mark.parametrize("args, message", [
    (["--grid", "model.activation=tanh,nope"], "unknown activation 'nope'"),
    (["--grid", "optimizer.lr=0.1", "--trials", "3"], "--trials counts random-search"),
    ([], "nothing to sweep"),
    (["--repeat", "2", "--metric", "accuracy"], "--metric accuracy: not measured"),
])
def test_bad_sweeps_fail_before_anything_runs(tmp_path, args, message):
    result = runner.invoke(app, ["sweep", str(SINE), *args, "--runs-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.iterdir())


def test_unknown_sweep_file_key(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("base: c.yaml\ngrids: {optimizer.lr: [0.1]}\n")
    with pytest.raises(ConfigError, match="unknown key 'grids' \\(did you mean 'grid'"):
        read_sweep_file(spec)


# --------------------------------------------------------------------------- running

def test_sweep_runs_groups_and_resumes(tmp_path):
    args = ["sweep", str(SINE), "--grid", "model.activation=tanh,relu", "--repeat", "2",
            *TINY, "--jobs", "2", "--runs-dir", str(tmp_path), "--name", "act"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    (folder,) = tmp_path.iterdir()
    assert folder.name.startswith("act-")
    state = sweep_json(folder)
    assert [t["status"] for t in state["trials"]] == ["completed"] * 4
    assert state["space"]["grid"] == {"model.activation": ["tanh", "relu"]}
    runs = {t["id"]: folder / t["run_dir"] for t in state["trials"]}
    for t in state["trials"]:
        cfg = load_config(runs[t["id"]] / "config.yaml")
        assert cfg.model.activation == t["values"]["model.activation"]
        assert cfg.train.seed == t["seed"] and cfg.run.name == t["id"]
    out = result.stdout
    assert "val_loss mean ± std" in out and "4 completed" in out
    assert "4 trials, 0 done, 4 to run" in result.stderr
    # --json: the table sorted by the metric, and mean ± std over the two seeds per point
    again = runner.invoke(app, [*args, "--json"])
    assert again.exit_code == 0, again.output
    data = json.loads(again.stdout)
    losses = [r["best.val_loss"] for r in data["table"]]
    assert losses == sorted(losses)
    for g in data["groups"]:
        values = [RunDir(runs[i]).read_summary()["best"]["val_loss"] for i in g["trials"]]
        assert g["n"] == 2 and g["mean"] == pytest.approx(np.mean(values))
        assert g["std"] == pytest.approx(np.std(values, ddof=1))
    assert len(list(folder.glob("t*-*"))) == 4  # the rerun skipped every finished trial
    quiet = runner.invoke(app, [*args, "--quiet"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_print_commands_run_and_the_sweep_collects_them(tmp_path):
    args = ["sweep", str(SINE), "--grid", "model.hidden=[4],[2, 2]", *TINY,
            "--runs-dir", str(tmp_path)]
    printed = runner.invoke(app, [*args, "--print-commands"])
    assert printed.exit_code == 0, printed.output
    lines = printed.stdout.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("nnlab train ") for line in lines)
    assert "'model.hidden=[2, 2]'" in lines[1] and "2 of 2 trials pending" in printed.stderr
    (folder,) = tmp_path.iterdir()
    # run the second command through a real shell, as GNU parallel would
    bindir = Path(sys.executable).parent
    if (bindir / "nnlab").is_file():
        env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
        proc = subprocess.run(["sh", "-c", lines[1]], capture_output=True, text=True, env=env)
    else:  # not installed as a script: the same arguments through python -m
        proc = nnlab(*shlex.split(lines[1])[1:])
    assert proc.returncode == 0, proc.stderr
    (done,) = trial_dirs(folder, "t001")
    assert load_config(done / "config.yaml").model.hidden == [2, 2]
    remaining = runner.invoke(app, [*args, "--print-commands"])
    assert remaining.stdout.strip().splitlines() == lines[:1]  # only the pending trial
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "2 trials, 1 done, 1 to run" in result.stderr
    assert trial_dirs(folder, "t001") == [done]  # not rerun
    assert [t["status"] for t in sweep_json(folder)["trials"]] == ["completed", "completed"]


def test_ctrl_c_stops_cleanly_and_rerun_resumes(tmp_path):
    # t000 trains for a few seconds, t001 is quick; one job at a time
    args = ["sweep", "--grid", "train.epochs=150,2", "--set", "data.n=1000",
            "--set", "train.batch_size=4", "--set", "model.hidden=[16]", *TINY[6:],
            "--runs-dir", tmp_path, "--name", "cut"]
    proc = subprocess.Popen([sys.executable, "-m", "nnlab.cli", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:  # wait until t000 is training (metrics written)
        runs = list(tmp_path.glob("cut-*/t000-*/metrics.jsonl"))
        if runs:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Resume with:" in err and "nnlab sweep" in err
    (folder,) = tmp_path.iterdir()
    state = sweep_json(folder)
    assert [t["status"] for t in state["trials"]] == ["interrupted", "pending"]
    first = folder / state["trials"][0]["run_dir"]
    stopped_at = RunDir(first).read_summary()["epochs_run"]
    assert stopped_at < 150 and (first / "checkpoints" / "last.npz").is_file()
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    assert f"t000 resuming {first.name}" in result.stderr
    state = sweep_json(folder)
    assert [t["status"] for t in state["trials"]] == ["completed", "completed"]
    assert folder / state["trials"][0]["run_dir"] == first  # continued, not restarted
    epochs = [r["epoch"] for r in RunDir(first).read_metrics()]
    assert epochs == list(range(151))


# --------------------------------------------------------------------------- the shell way

def test_parallel_train_processes_share_one_runs_folder(tmp_path):
    if shutil.which("xargs") is None:
        pytest.skip("xargs not available")
    cmd = shlex.join([sys.executable, "-m", "nnlab.cli", "train", "--quiet", "--name", "same",
                      "--runs-dir", str(tmp_path), *TINY, "--set"])
    proc = subprocess.run(["sh", "-c", f"xargs -P 3 -I LR {cmd} optimizer.lr=LR"],
                          input="0.01\n0.02\n0.03\n",
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    runs = sorted(tmp_path.iterdir())
    assert len(runs) == 3 and all(r.name.startswith("same-") for r in runs)
    assert {RunDir(r).read_summary()["status"] for r in runs} == {"completed"}
    assert {load_config(r / "config.yaml").optimizer["lr"] for r in runs} == {
        0.01, 0.02, 0.03}
    listed = runner.invoke(app, ["runs", "compare", str(tmp_path), "--format", "json"])
    assert len(json.loads(listed.stdout)) == 3


def test_the_sweep_page_is_written_and_a_failure_to_write_it_loses_nothing(tmp_path):
    args = ["sweep", "--grid", "optimizer.lr=0.01,0.03", *TINY, "--runs-dir", str(tmp_path)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    (folder,) = tmp_path.iterdir()
    assert f"report {folder / 'report.html'}" in first.stdout
    assert "t001" in (folder / "report.html").read_text()
    (folder / "report.html").unlink()
    (folder / "report.html").mkdir()  # cannot be replaced by a file
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "2 completed" in again.stdout  # the table and the summary line are still printed
    (note,) = [ln for ln in again.stderr.splitlines() if "report.html" in ln]
    assert note.startswith("note: ") and "not written (Is a directory)" in note


def test_a_bad_value_of_the_space_is_named_as_the_sweeps_not_as_a_set(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("grid:\n  nope.key: [1, 2]\n")
    result = runner.invoke(app, ["sweep", str(spec), "--runs-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == ("error: the sweep's grid value nope.key=1: unknown key "
                                     "'nope'; valid keys here: data, model, loss, optimizer, "
                                     "regularization, train, run")
    result = runner.invoke(app, ["sweep", "--random", "model.dropout=uniform(0.5, 2)",
                                 "--runs-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "the sweep's random value model.dropout=2: model.dropout: dropout rates" in \
        result.stderr
    assert not list(tmp_path.glob("sweep-*"))  # refused before anything ran
