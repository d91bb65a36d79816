"""`nnlab sweep` on its Optuna study: workers sharing one study (journal file, PostgreSQL),
pruning, reproducible samplers, kill -9 of a sweep, and runs whose process is gone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import optuna
import pytest
from typer.testing import CliRunner

from nnlab.cli import app
from nnlab.files import load_npz, save_npz
from nnlab.runs.rundir import HOST, RunDir
from nnlab.tools.report import report_html
from nnlab.tools.sweep import make_sweep, open_sweep, trial_dirs

ROOT = Path(__file__).resolve().parents[1]
SINE = ROOT / "configs" / "sine.yaml"
# no pictures and no report page per trial: they cost more than these trainings (the sweep's
# own page is tested in test_sweep.py)
TOY = ["train.epochs=3", "data.n=64", "model.hidden=[4]", "run.plots=false", "run.report=false"]
SLOW_TOY = ["data.n=1000", "train.batch_size=4", "model.hidden=[16]", "run.plots=false",
            "run.report=false"]
runner = CliRunner()


def sweep_file(tmp_path: Path, body: str, sets: list[str] = TOY, name: str = "s") -> Path:
    path = tmp_path / f"{name}.yaml"
    lines = "".join(f"  - {s}\n" for s in sets)
    path.write_text(f"base: {SINE}\nname: {name}\nset:\n{lines}{body}")
    return path


def start(*args: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nnlab.cli", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def study_of(folder: Path) -> optuna.Study:
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    data = json.loads((folder / "sweep.json").read_text())
    storage = JournalStorage(JournalFileBackend(str(folder / "study.journal")))
    return optuna.load_study(study_name=data["study"], storage=storage)


def finished(study: optuna.Study, state=optuna.trial.TrialState.COMPLETE) -> list:
    return study.get_trials(states=(state,))


def test_two_workers_share_one_journal_study(tmp_path):
    spec = sweep_file(tmp_path, "random:\n  optimizer.lr: loguniform(1e-3, 0.3)\n"
                      "  data.noise: uniform(0, 0.1)\ntrials: 4\n")
    runs = tmp_path / "runs"
    workers = [start("sweep", spec, "--worker", "--runs-dir", runs) for _ in range(2)]
    for w in workers:
        _, err = w.communicate(timeout=180)
        assert w.returncode == 0, err
    (folder,) = runs.iterdir()  # both found (or made) the same folder
    done = finished(study_of(folder))
    assert len(done) == 4 and len(study_of(folder).trials) == 4  # the budget, exactly
    assert len({tuple(sorted(t.params.items())) for t in done}) == 4  # distinct points
    assert len([d for d in folder.iterdir() if d.name.startswith("t0")]) == 4  # once each
    # the sweep itself collects them: nothing left to run
    result = runner.invoke(app, ["sweep", str(spec), "--runs-dir", str(runs), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["counts"]["completed"] == 4 and len(data["table"]) == 4
    assert data["best"]["value"] == min(t.value for t in done)
    assert set(data["importances"]) == {"optimizer.lr", "data.noise"}
    pictures = sorted(p.name for p in (folder / "plots").iterdir())
    assert pictures == ["history.png", "parallel.png", "slice_data.noise.png",
                        "slice_optimizer.lr.png"]
    assert all((folder / "plots" / p).read_bytes()[:4] == b"\x89PNG" for p in pictures)
    page = (folder / "report.html").read_text()  # the sweep's page, as `nnlab report` makes it
    assert all(f"<td>{d.name.split('-')[0]}</td>" in page
               for d in folder.iterdir() if d.name.startswith("t0"))  # every trial ranked
    assert page.count("data:image/png;base64,") >= len(pictures)
    assert page == report_html([folder])


def test_two_sweeps_started_at_the_same_instant_run_each_trial_once(tmp_path):
    spec = sweep_file(tmp_path, "grid:\n  optimizer.lr: [0.01, 0.02, 0.03]\n")
    runs = tmp_path / "runs"
    sweeps = [start("sweep", spec, "--runs-dir", runs) for _ in range(2)]
    results = [(s.wait(timeout=180), s.stderr.read()) for s in sweeps]
    (folder,) = runs.iterdir()  # one folder: the second found the first's
    assert len([d for d in folder.iterdir() if d.name.startswith("t0")]) == 3
    for code, err in results:  # it waited for the lock, or was told the sweep is running
        assert code == 0 or (code == 2 and "already running" in err), err
    assert len(finished(study_of(folder))) == 3


def test_planned_and_tpe_samplers_are_reproducible(tmp_path):
    """The same seed draws the same points: planned samplers up front, TPE point by point (a
    sampler seeded per point, fed the same results in the same order)."""
    def values(sampler: str, seed: int, where: str) -> list:
        spec = sweep_file(tmp_path, f"sampler: {sampler}\nseed: {seed}\nrandom:\n"
                          "  optimizer.lr: loguniform(1e-3, 0.3)\n"
                          "  model.hidden.0: choice(2, 4, 8)\ntrials: 14\n",
                          sets=["train.epochs=1"])
        sw = make_sweep(spec, runs_dir=tmp_path / where)
        study = open_sweep(sw).study
        seen = []
        while (claim := study.claim()) is not None:  # results made up, without training
            seen.append(claim.values)
            study.finish(claim, "completed", claim.values["optimizer.lr"] ** 0.5
                         + claim.values["model.hidden.0"] / 100, 1)
        assert len(seen) == 14 and study.counts()["completed"] == 14
        return seen

    tpe = values("tpe", 3, "a")
    assert tpe == values("tpe", 3, "b") != values("tpe", 4, "c")
    assert values("random", 3, "d") == [t.values for t in make_sweep(
        sweep_file(tmp_path, "random:\n  optimizer.lr: loguniform(1e-3, 0.3)\n"
                   "  model.hidden.0: choice(2, 4, 8)\ntrials: 14\nseed: 3\n",
                   sets=["train.epochs=1"])).expand()]


def test_pruning_stops_hopeless_trials_early(tmp_path):
    # two good learning rates run first and set the median; the hopeless one (the loss
    # barely moves) is stopped at its first flush of metrics (≈ 1 s in), well before its 400
    # epochs (≈ 4 s: long enough that the flush comes before the end on a fast machine too)
    spec = sweep_file(tmp_path, "grid:\n  optimizer.lr: [0.05, 0.03, 1.0e-7]\n"
                      "pruner: {name: median, n_startup_trials: 2, n_warmup_steps: 1}\n",
                      sets=["train.epochs=400", *SLOW_TOY])
    result = runner.invoke(app, ["sweep", str(spec), "--runs-dir", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "r").iterdir()
    state = json.loads((folder / "sweep.json").read_text())
    assert [t["status"] for t in state["trials"]] == ["completed", "completed", "pruned"]
    run = RunDir(folder / state["trials"][2]["run_dir"])
    assert run.read_summary()["epochs_run"] < 400 and run.resumable()  # stopped, still valid
    assert "2 completed, 1 pruned" in result.stdout and "t002 pruned at epoch" in result.stderr
    assert len(finished(study_of(folder), optuna.trial.TrialState.PRUNED)) == 1


def _slow_sweep_under_way(tmp_path: Path, grid: str) -> tuple[list, subprocess.Popen]:
    """`nnlab sweep --grid GRID` of slow toy trials started, once its first trial has an epoch."""
    args = ["sweep", "--grid", grid, *[a for s in SLOW_TOY for a in ("--set", s)],
            "--runs-dir", tmp_path, "--name", "cut"]
    proc = start(*args)
    deadline = time.time() + 60
    while time.time() < deadline and not list(tmp_path.glob("cut-*/t000-*/metrics.jsonl")):
        time.sleep(0.1)
    return args, proc


def test_kill_9_of_a_sweep_leaves_no_trial_running_and_the_rerun_completes(tmp_path):
    args, proc = _slow_sweep_under_way(tmp_path, "train.epochs=150,2")
    (folder,) = tmp_path.iterdir()
    (run,) = trial_dirs(folder, "t000")
    proc.kill()  # SIGKILL: no chance to forward anything
    proc.communicate(timeout=30)
    deadline = time.time() + 30
    while RunDir(run).process_alive() and time.time() < deadline:
        time.sleep(0.1)
    summary = RunDir(run).read_summary()
    assert not RunDir(run).process_alive(), "the trial outlived its sweep"
    assert summary["status"] == "interrupted" and summary["epochs_run"] < 150
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    assert f"t000 resuming {run.name}" in result.stderr
    assert trial_dirs(folder, "t000") == [run]  # continued, not restarted
    assert [r["epoch"] for r in RunDir(run).read_metrics()] == list(range(151))
    study = study_of(folder)
    assert len(finished(study)) == 2  # nothing lost, nothing run twice
    assert len(study.get_trials(states=(optuna.trial.TrialState.RUNNING,))) == 0


def test_a_trial_that_cannot_resume_is_an_error_not_a_loop(tmp_path):
    # an interrupted trial whose checkpoint lost a tensor (its train state still reads as
    # resumable): its --resume exits 2; the rerun must record an error and end (it used to
    # relaunch the trial forever)
    args, proc = _slow_sweep_under_way(tmp_path, "train.epochs=150")
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    (folder,) = tmp_path.iterdir()
    (run,) = trial_dirs(folder, "t000")
    assert RunDir(run).read_summary()["status"] == "interrupted"
    last = RunDir(run).checkpoint_path("last")
    arrays = {k: v for k, v in load_npz(last).items() if k != "param/W1"}
    save_npz(last, arrays)
    assert RunDir(run).resumable()
    rerun = subprocess.run([sys.executable, "-m", "nnlab.cli", *map(str, args)],
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 1, rerun.stderr
    state = json.loads((folder / "sweep.json").read_text())
    assert [t["status"] for t in state["trials"]] == ["error"]
    assert "W1" in (folder / "t000.log").read_text()


def test_a_second_sweep_of_the_same_folder_is_refused(tmp_path):
    spec = sweep_file(tmp_path, "grid:\n  optimizer.lr: [0.05, 0.03]\n",
                      sets=["train.epochs=150", *SLOW_TOY])
    first = start("sweep", spec, "--runs-dir", tmp_path / "r")
    deadline = time.time() + 60
    while time.time() < deadline and not list(tmp_path.glob("r/s-*/t000-*/metrics.jsonl")):
        time.sleep(0.1)
    second = runner.invoke(app, ["sweep", str(spec), "--runs-dir", str(tmp_path / "r")])
    first.send_signal(signal.SIGINT)
    first.communicate(timeout=60)
    assert second.exit_code == 2 and "already running" in second.stderr
    assert "--worker" in second.stderr


def test_runs_list_shows_a_dead_run_as_crashed_and_resume_refuses_a_live_one(tmp_path):
    result = runner.invoke(app, ["train", "--set", "train.epochs=2", "--set", "data.n=32",
                                 "--runs-dir", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    (run,) = tmp_path.iterdir()
    rd = RunDir(run)
    summary = rd.read_summary()
    assert summary["host"] == HOST and summary["pid"] == os.getpid()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    rd.write_summary({**summary, "status": "running", "pid": gone.pid})
    assert rd.status() == "crashed"
    listed = runner.invoke(app, ["runs", "list", str(tmp_path)])
    assert "crashed" in listed.stdout
    rd.write_summary({**summary, "status": "running", "pid": os.getpid()})  # alive: us
    resumed = runner.invoke(app, ["train", "--resume", str(run)])
    assert resumed.exit_code == 2 and "still being trained by process" in resumed.stderr


def test_print_commands_for_workers(tmp_path):
    spec = sweep_file(tmp_path, "sampler: tpe\nrandom:\n  optimizer.lr: loguniform(1e-3, 1)\n"
                      "trials: 4\n")
    printed = runner.invoke(app, ["sweep", str(spec), "--runs-dir", str(tmp_path / "r"),
                                  "--print-commands", "--workers", "3"])
    assert printed.exit_code == 0, printed.output
    lines = printed.stdout.strip().splitlines()
    assert len(lines) == 3 and all(line.endswith("--worker") for line in lines)
    assert "sbatch --array=1-3" in printed.stderr
    plain = runner.invoke(app, ["sweep", str(spec), "--runs-dir", str(tmp_path / "r"),
                                "--print-commands"])
    assert plain.exit_code == 2 and "--workers N" in plain.stderr


POSTGRES = os.environ.get("NNLAB_TEST_POSTGRES_URL")


@pytest.mark.skipif(not POSTGRES, reason="NNLAB_TEST_POSTGRES_URL is not set (.ci/run starts a "
                    "throwaway PostgreSQL server and sets it)")
def test_two_workers_share_a_postgresql_study(tmp_path):
    name = f"pg-{uuid.uuid4().hex[:8]}"  # a new study on the shared server every time
    spec = sweep_file(tmp_path, "random:\n  optimizer.lr: loguniform(1e-3, 0.3)\ntrials: 5\n",
                      name=name)
    workers = [start("sweep", spec, "--worker", "--storage", POSTGRES,
                     "--runs-dir", tmp_path / f"machine{i}") for i in range(2)]
    for w in workers:
        _, err = w.communicate(timeout=180)
        assert w.returncode == 0, err
    data = json.loads(next((tmp_path / "machine0").iterdir()).joinpath("sweep.json")
                      .read_text())
    study = optuna.load_study(study_name=data["study"], storage=POSTGRES.replace(
        "postgresql://", "postgresql+psycopg://"))
    done = finished(study)
    assert len(done) == 5 and len(study.trials) == 5
    assert len({t.params["optimizer.lr"] for t in done}) == 5
    ran = sum(len(list(next((tmp_path / f"machine{i}").iterdir()).glob("t0*-*")))
              for i in range(2))
    assert ran == 5  # each trial ran on exactly one of the two "machines"
    # the sweep on one machine gathers every trial from the study, wherever it ran
    result = runner.invoke(app, ["sweep", str(spec), "--storage", POSTGRES, "--runs-dir",
                                 str(tmp_path / "machine0"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["counts"]["completed"] == 5 and len(data["table"]) == 5
    assert {t["status"] for t in data["trials"]} == {"completed"}


def test_an_unreachable_storage_is_one_line(tmp_path):
    spec = sweep_file(tmp_path, "grid:\n  optimizer.lr: [0.01, 0.02]\n")
    result = runner.invoke(app, ["sweep", str(spec), "--runs-dir", str(tmp_path / "r"),
                                 "--storage", "postgresql://me:secret@127.0.0.1:1/nnlab"])
    assert result.exit_code == 2, result.output
    assert "cannot open the study database" in result.stderr
    assert "secret" not in result.stderr and "me:***@" in result.stderr  # password hidden
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args, message", [
    (["--pruner", "{name: median, n_warmup: 2}"], "did you mean 'n_warmup_steps'"),
    (["--pruner", "medain"], "unknown pruner 'medain' (did you mean 'median'"),
    (["--sampler", "{name: tpe, n_startup: 3}"], "did you mean 'n_startup_trials'"),
    (["--sampler", "grid"], "sampler grid enumerates grid: values only"),
])
def test_bad_algorithms_fail_before_anything_runs(tmp_path, args, message):
    result = runner.invoke(app, ["sweep", str(SINE), "--random",
                                 "optimizer.lr=loguniform(1e-4,1)", *args,
                                 "--runs-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and not list(tmp_path.iterdir())
