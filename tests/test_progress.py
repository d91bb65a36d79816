"""What `nnlab train` shows: a line per epoch that stays, a live bar on a terminal, plain
unwrapped lines when piped, train.log_every, and where to look next when the run ends."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from rich.console import Console

from nnlab.cli.progress import Display
from nnlab.config import load_config, resolve

EPOCH = re.compile(r"^epoch +(\d+)/(\d+) ")


def nnlab(*args: str, cwd: Path, columns: int = 80) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run([sys.executable, "-m", "nnlab.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env=env)


def test_piped_output_is_one_unwrapped_line_per_epoch(tmp_path):
    proc = nnlab("train", "--set", "train.epochs=12", "--set", "data.name=spiral",
                 "--set", "run.plots=false", cwd=tmp_path, columns=40)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    epochs = [int(m.group(1)) for line in lines if (m := EPOCH.match(line))]
    assert epochs == list(range(13))  # every epoch of a short run, epoch 0 included
    last = next(line for line in lines if line.startswith("epoch 12/12"))
    assert len(last) > 40 and "val_accuracy=" in last and " lr=" in last  # not wrapped at 40
    assert "initial" in next(line for line in lines if line.startswith("epoch  0/12"))
    assert not any(line != line.rstrip() for line in lines)


def test_log_every_and_the_end_of_a_run(tmp_path):
    proc = nnlab("train", "--set", "train.epochs=23", "--set", "train.log_every=5",
                 cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    epochs = [int(m.group(1)) for line in proc.stdout.splitlines() if (m := EPOCH.match(line))]
    assert epochs == [0, 5, 10, 15, 20, 23]  # and always the last one
    (run,) = (tmp_path / "runs").iterdir()
    out = proc.stdout
    assert re.search(r"^status +completed$", out, re.M)  # not "completed (completed)"
    assert f"nnlab eval runs/{run.name}" in out and f"nnlab runs show runs/{run.name}" in out
    assert re.search(rf"^pictures +runs/{run.name}/plots/ +\(.*curves\.png", out, re.M)
    assert re.search(rf"^report +runs/{run.name}/report.html", out, re.M)  # run.report
    assert f"nnlab report runs/{run.name}" in out


def test_early_stopping_shows_its_last_epoch_and_says_so(tmp_path):
    proc = nnlab("train", "--set", "train.epochs=400", "--set", "train.log_every=100",
                 "--set", "regularization.early_stopping.patience=3", "--set", "run.plots=false",
                 cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    m = re.search(r"^status +completed \(early stopping at epoch (\d+)\)$", proc.stdout, re.M)
    assert m, proc.stdout
    assert re.search(rf"^epoch +{m.group(1)}/400 ", proc.stdout, re.M)


def test_log_every_auto_keeps_long_runs_short():
    assert resolve(load_config(None, ["train.epochs=300"])).train.log_every == 10
    assert resolve(load_config(None, ["train.epochs=30"])).train.log_every == 1
    assert resolve(load_config(None, ["train.epochs=1000"])).train.log_every == 50


def fake_experiment(epochs: int = 3, n: int = 500, batch: int = 10) -> SimpleNamespace:
    train = SimpleNamespace(epochs=epochs, log_every=1, batch_size=batch)
    data = SimpleNamespace(name="sine", x_train=[0] * n, x_val=[0] * 100)
    return SimpleNamespace(config=SimpleNamespace(train=train), dataset=data, network="Net")


def terminal(width: int = 80) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, force_terminal=True, width=width, color_system=None), buf


def test_live_bar_on_a_terminal():
    console, buf = terminal(80)
    with Display("live", console) as display:
        display.start(fake_experiment(), "runs/x", first_epoch=0)
        bar = display.bar
        (task,) = bar.tasks
        assert task.total is None and "evaluating" in task.fields["left"]  # epoch 0: no 100 %
        assert "100%" not in str(bar.get_renderable())
        display.epoch({"epoch": 0, "loss": 0.5, "lr": None, "time": 0.0})
        display.step(1, 25, 50)
        (task,) = bar.tasks
        assert (task.completed, task.total, task.fields["steps"]) == (25, 50, "25/50")
        assert task.fields["rate"].endswith("steps/s") and "eta" in task.fields["left"]
        line = _render(bar, console)
        assert len(line) <= 80 and "━" * 12 in line  # a bar of a sensible width at 80 columns
        display.step(1, 50, 50)
        assert bar.tasks[0].fields["left"].startswith("evaluating")
        display.epoch({"epoch": 1, "loss": 0.25, "lr": 0.01, "time": 0.5})
        display.finish()
    text = buf.getvalue()
    assert "epoch 0/3 initial loss=0.5" in text and "epoch 1/3   500ms loss=0.25" in text


def _render(bar, console: Console) -> str:
    other = Console(file=io.StringIO(), width=console.width, color_system=None)
    with other.capture() as cap:
        other.print(bar.make_tasks_table(bar.tasks))
    return cap.get().splitlines()[0].rstrip()


def test_epochs_without_metrics_still_move_the_bar():
    """train.eval_every: no on_epoch between measured epochs; the bar follows on_step alone."""
    console, _ = terminal(80)
    exp = fake_experiment(epochs=4)
    exp.config.train.eval_every = 2
    with Display("live", console) as display:
        display.start(exp, "runs/x", first_epoch=0)
        display.epoch({"epoch": 0, "loss": 0.5, "lr": None, "time": 0.0})
        display.step(1, 50, 50)
        assert display.bar.tasks[0].fields["left"].startswith("done")  # epoch 1: not measured
        display.step(2, 25, 50)
        (task,) = display.bar.tasks
        assert task.description == "epoch 2/4" and task.completed == 25
        display.step(2, 50, 50)
        assert display.bar.tasks[0].fields["left"].startswith("evaluating")
        display.finish()


def test_the_end_names_the_report_only_when_the_run_has_one(tmp_path):
    from rich.table import Table

    from nnlab.cli.train import next_steps
    from nnlab.runs.rundir import RunDir

    run = RunDir.create(tmp_path, "r")

    def rows() -> str:
        table = Table(show_header=False)
        table.add_column()
        table.add_column()
        next_steps(table, run.path)
        console = Console(file=io.StringIO(), width=300)
        with console.capture() as cap:
            console.print(table)
        return cap.get()

    assert "nnlab report" not in rows() and f"nnlab eval {run.path}" in rows()
    run.report_path.write_text("<html></html>")
    assert f"nnlab report {run.path}" in rows() and str(run.report_path) in rows()
