"""TensorBoard export: the per-epoch scalars and the hyperparameters, read back from the file."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from typer.testing import CliRunner

import nnlab
from nnlab.cli import app
from nnlab.runs.rundir import RunDir

pytest.importorskip("tensorboardX", reason="tensorboardX is the optional .[tensorboard] extra")
from tensorboardX.proto.event_pb2 import Event  # noqa: E402

runner = CliRunner()
QUIET = ["run.plots=false", "run.report=false"]


def events(folder: Path) -> list[Event]:
    """Every record of the folder's event file (TFRecord: length, crc, data, crc)."""
    (path,) = folder.glob("events.out.tfevents.*")
    data, out, i = path.read_bytes(), [], 0
    while i < len(data):
        (n,) = struct.unpack("<Q", data[i:i + 8])
        out.append(Event.FromString(data[i + 12:i + 12 + n]))
        i += 12 + n + 4
    return out


def scalars(folder: Path) -> dict[str, dict[int, float]]:
    found: dict[str, dict[int, float]] = {}
    for ev in events(folder):
        for v in ev.summary.value:
            if v.HasField("simple_value"):
                found.setdefault(v.tag, {})[ev.step] = v.simple_value
    return found


def test_run_tensorboard_writes_the_scalars_and_hparams_into_the_run(tmp_path):
    res = nnlab.train(None, overrides=[*QUIET, "run.tensorboard=true", "data.name=moons",
                                       "data.n=80", "train.epochs=4", "model.hidden=[4]"],
                      runs_dir=tmp_path)
    folder = RunDir(res.run_dir).tensorboard_dir
    assert f"tensorboard: {folder}" in (res.run_dir / "train.log").read_text()
    found = scalars(folder)
    records = RunDir(res.run_dir).read_metrics()
    assert found["loss"] == pytest.approx({r["epoch"]: r["loss"] for r in records}, rel=1e-6)
    assert sorted(found["val_accuracy"]) == [0, 1, 2, 3, 4]
    assert found["lr"][1] == pytest.approx(0.01)
    assert set(found) >= {"grad_norm_w/1", "grad_norm_w/2", "dead_fraction/1",
                          "best/val_loss"}
    tags = {v.tag for ev in events(folder) for v in ev.summary.value}
    assert "_hparams_/experiment" in tags and "_hparams_/session_start_info" in tags
    start = next(v for ev in events(folder) for v in ev.summary.value
                 if v.tag == "_hparams_/session_start_info")
    assert b"model.hidden" in start.metadata.plugin_data.content  # hparams in this run
    assert [p.name for p in folder.iterdir() if p.is_dir()] == []  # no separate hparams run


def test_export_command_for_finished_runs_replaces_its_file(tmp_path):
    run = nnlab.train(None, overrides=[*QUIET, "train.epochs=2", "data.n=40"],
                      runs_dir=tmp_path).run_dir
    assert not RunDir(run).tensorboard_dir.exists()  # off by default
    for _ in range(2):
        result = runner.invoke(app, ["export", "tensorboard", str(run)])
        assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(RunDir(run).tensorboard_dir)
    assert len(list(RunDir(run).tensorboard_dir.glob("events.out.tfevents.*"))) == 1
    assert sorted(scalars(RunDir(run).tensorboard_dir)["val_loss"]) == [0, 1, 2]
    bad = runner.invoke(app, ["export", "tensorboard", str(tmp_path / "nope")])
    assert bad.exit_code == 2 and "no such run directory" in bad.stderr
