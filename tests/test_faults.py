"""Faults while training: a full or read-only disk, kill -9 / SIGTERM / SIGINT at random
moments, a signal while the pictures are drawn. What must hold: the run is never left
"running", every file it wrote still parses, the last good checkpoint is intact, and resuming
gives exactly the numbers of an uninterrupted run.
"""

from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nnlab
from nnlab.cli import app
from nnlab.config import load_config
from nnlab.errors import Interrupted
from nnlab.files import atomic_write, load_npz
from nnlab.runs.rundir import RunDir

runner = CliRunner()
# about 2 s of training after 1 s of start-up (70 ms an epoch, a flush about every second)
SETTINGS = ["data.n=2000", "train.batch_size=2", "train.epochs=30", "model.hidden=[16, 16]",
            "model.dropout=0.1", "run.plots=false", "run.report=false", "train.seed=3"]


def strip_time(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "time"} for r in records]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> nnlab.RunResult:
    """The same run, never interrupted."""
    return nnlab.train(None, overrides=SETTINGS, runs_dir=tmp_path_factory.mktemp("ref"))


def assert_same_as(run: Path, reference: nnlab.RunResult) -> None:
    rd = RunDir(run)
    assert rd.summary_or_empty()["status"] == "completed"
    assert strip_time(rd.read_metrics()) == strip_time(reference.records)
    last = rd.load_checkpoint("last")
    for name, p in zip(reference.network.param_names(), reference.network.params()):
        np.testing.assert_array_equal(last[f"param/{name}"], p)


def assert_every_file_parses(run: Path) -> None:
    rd = RunDir(run)
    load_config(rd.file(RunDir.CONFIG))
    rd.read_metrics()
    assert not rd.metrics_cut
    rd.read_summary()
    assert rd.summary_problem is None
    for kind in ("last", "best"):
        if rd.checkpoint_path(kind).is_file():
            assert "state" in load_npz(rd.checkpoint_path(kind))
    assert rd.status() != "running"  # never left running: done, interrupted, failed or crashed


# ------------------------------------------------------------------ a full / read-only disk

def failing_writes(monkeypatch: pytest.MonkeyPatch, root: Path, code: int, after: int,
                   where: str = "") -> dict:
    """From the ``after``-th temp file nnlab writes under ``root`` (and ``where`` in its path),
    fsync fails with ``code``, as a full or read-only disk would; overwriting an existing file
    in place still works (it needs no new blocks)."""
    real = os.fsync
    seen = {"n": 0, "on": True}

    def fsync(fd: int) -> None:
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if seen["on"] and target.startswith(str(root)) and target.endswith(".tmp") \
                and where in target:
            seen["n"] += 1
            if seen["n"] >= after:
                raise OSError(code, os.strerror(code))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return seen


@pytest.mark.parametrize(("code", "where", "after", "says"), [
    (errno.ENOSPC, "", 9, "the disk is full"),          # any file, at the second flush
    (errno.EROFS, "checkpoints", 2, "read-only"),       # checkpoints/ turns read-only
])
def test_a_failing_disk_marks_the_run_failed_and_keeps_the_last_checkpoint(
        tmp_path, monkeypatch, reference, code, where, after, says):
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc/self/fd to tell which file is written")
    seen = failing_writes(monkeypatch, tmp_path, code, after, where)
    result = runner.invoke(app, ["train", "--runs-dir", str(tmp_path), "--quiet",
                                 *[a for s in SETTINGS for a in ("--set", s)]])
    assert result.exit_code == 1, result.output
    (line,) = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert line.startswith("error: ") and says in line and "marked failed" in line
    (run,) = tmp_path.iterdir()
    summary = RunDir(run).read_summary()
    assert summary["status"] == "failed" and says in summary["error"]
    state = RunDir(run).train_state("last")
    assert 0 <= state["epoch"] < 30 and not list(run.rglob("*.tmp"))
    assert_every_file_parses(run)
    seen["on"] = False  # space freed: the run goes on from its last good checkpoint
    resumed = runner.invoke(app, ["train", "--resume", str(run), "--quiet"])
    assert resumed.exit_code == 0, resumed.output
    assert_same_as(run, reference)


def test_a_runs_folder_that_cannot_be_made_is_one_line(tmp_path):
    (tmp_path / "file").write_text("x")
    result = runner.invoke(app, ["train", "--runs-dir", str(tmp_path / "file" / "runs")])
    assert result.exit_code == 2
    assert "cannot create the runs folder" in result.stderr and "Traceback" not in result.output


def test_a_file_that_cannot_be_written_is_named_not_its_temp_file(tmp_path):
    (tmp_path / "report.html").mkdir()  # the rename onto it fails
    with pytest.raises(OSError) as info:
        atomic_write(tmp_path / "report.html", "x")
    assert info.value.filename == str(tmp_path / "report.html")
    assert not list(tmp_path.glob(".*.tmp"))  # and the temp file is gone
    (tmp_path / "file").write_text("x")
    with pytest.raises(OSError) as info:  # a folder that cannot be made stays named
        atomic_write(tmp_path / "file" / "sub" / "a.json", "x")
    assert info.value.filename == str(tmp_path / "file" / "sub")


# ------------------------------------------------------------------ the pictures

def test_ctrl_c_while_drawing_the_pictures_exits_130_with_the_run_complete(tmp_path):
    def finish(run: RunDir, exp: object) -> None:
        raise KeyboardInterrupt  # the Ctrl-C arrives while matplotlib draws

    with pytest.raises(Interrupted) as err:
        nnlab.runs.training.train(None, overrides=["train.epochs=2"], runs_dir=tmp_path,
                                  finish=finish)
    assert err.value.exit_code == 130 and "the run itself is complete" in str(err.value)
    (run,) = tmp_path.iterdir()
    assert RunDir(run).read_summary()["status"] == "completed"
    assert "pictures: interrupted" in RunDir(run).file(RunDir.LOG).read_text()


# ------------------------------------------------------------------ kill at random moments

def nnlab_process(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nnlab.cli", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def kill_at_random(tmp_path: Path, rng: random.Random, rounds: int,
                   windows: list[tuple[float, float]]) -> Path:
    """Start the run, kill it ``rounds`` times at a random moment of each window (seconds after
    the process started: start-up, the first checkpoint, training, the last flush) with kill -9,
    SIGTERM or SIGINT, resuming it each time; then let it finish. Every file must parse after
    every kill."""
    sets = [a for s in SETTINGS for a in ("--set", s)]
    run: Path | None = None
    for i in range(rounds):
        proc = nnlab_process(*(["train", "--resume", str(run)] if run else
                               ["train", "--runs-dir", str(tmp_path), *sets]))
        time.sleep(rng.uniform(*windows[i % len(windows)]))
        sig = rng.choice([signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=120)
        assert "Traceback" not in stderr, stderr
        # a signal in the interpreter's first milliseconds, before Python (SIGINT) or nnlab's
        # main() (SIGTERM) has a handler, ends it silently by the signal's default action
        before_handlers = proc.returncode == -sig and stderr == ""
        assert proc.returncode in (0, 130, -signal.SIGKILL) or before_handlers, \
            (sig, proc.returncode, stderr)
        runs = list(tmp_path.iterdir())
        if not runs:
            continue  # killed before the folder was made: nothing to resume, start again
        run = runs[0]
        if not RunDir(run).checkpoint_path("last").is_file():
            shutil.rmtree(run)  # killed between making the folder and its first checkpoint:
            run = None          # nothing was trained, start again
            continue
        assert_every_file_parses(run)
        if RunDir(run).summary_or_empty().get("status") == "completed":
            return run
    assert run is not None
    done = subprocess.run([sys.executable, "-m", "nnlab.cli", "train", "--resume", str(run),
                           "--quiet"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return run


def test_killed_early_and_at_a_random_moment_resumes_to_the_same_numbers(tmp_path, reference):
    run = kill_at_random(tmp_path, random.Random(1), rounds=2, windows=[(0.05, 1.0), (0.8, 1.6)])
    assert_every_file_parses(run)
    assert_same_as(run, reference)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(8))
def test_killed_again_and_again_resumes_to_the_same_numbers(tmp_path, reference, seed):
    run = kill_at_random(tmp_path, random.Random(100 + seed), rounds=6,
                         windows=[(0.05, 1.2), (0.6, 1.8)])
    assert_every_file_parses(run)
    assert_same_as(run, reference)


@pytest.mark.parametrize("raised, code, said", [
    (KeyboardInterrupt(), 130, "interrupted\n"),    # Ctrl-C while typer builds the command
    (SystemExit(2), 2, ""), (SystemExit(None), 0, ""), (SystemExit("bye"), 1, "bye\n"),
])
def test_the_command_ends_with_the_code_it_chose(monkeypatch, capsys, raised, code, said):
    # main() leaves by os._exit with the chosen code, so that CPython's exit cannot turn it
    # into a death by SIGINT (a Ctrl-C that arrived during an eval marks the interpreter)
    import nnlab.cli as cli

    class Ended(Exception):
        pass

    def app(**kw):
        raise raised

    def exit_(n):
        raise Ended(n)

    monkeypatch.setattr(cli, "commands", lambda: app)
    monkeypatch.setattr(cli.os, "_exit", exit_)
    monkeypatch.setattr(sys, "unraisablehook", sys.unraisablehook)  # main() sets its own
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with pytest.raises(Ended) as ended:
            cli.main()
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    assert ended.value.args == (code,) and capsys.readouterr().err == said


def test_a_ctrl_c_that_python_swallowed_still_stops_the_training(tmp_path, capsys):
    # a KeyboardInterrupt raised inside a weakref callback of the import system is "ignored"
    # by Python; the CLI's unraisable hook records it and training stops at its first step
    import nnlab.cli as cli
    from nnlab.runs.training import train

    class Info:
        exc_type, exc_value, exc_traceback, err_msg, object = (
            KeyboardInterrupt, KeyboardInterrupt(), None, None, None)

    cli._unraisable(Info())
    assert capsys.readouterr().err == ""  # no "Exception ignored" traceback
    result = train(None, overrides=["train.epochs=50", "run.plots=false", "run.report=false"],
                   runs_dir=tmp_path)
    assert result.summary["status"] == "interrupted"  # the CLI exits 130 for it
    (run,) = tmp_path.iterdir()
    summary = RunDir(run).read_summary()
    assert summary["status"] == "interrupted" and summary["epochs_run"] == 0
    assert RunDir(run).resumable()
