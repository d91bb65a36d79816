"""Snapshots of training: predictions on a fixed grid and per-layer histograms at a few epochs."""

from __future__ import annotations

import numpy as np
from helpers import interrupting

import nnlab
from nnlab.runs.rundir import RunDir
from nnlab.runs.snapshots import GRID_1D, GRID_2D, grid_for, snapshot_epochs

QUIET = ["run.plots=false"]


def test_snapshot_epochs_are_log_spaced_from_init_to_the_end():
    e = snapshot_epochs(200, 16)
    assert e[0] == 0 and e[1] == 1 and e[-1] == 200 and len(e) <= 16
    assert all(a < b for a, b in zip(e, e[1:]))
    gaps = np.diff(e[1:])
    assert gaps[0] < gaps[-1]  # dense early, where the network changes fastest
    assert snapshot_epochs(3, 16) == [0, 1, 2, 3]
    assert snapshot_epochs(50, 0) == []


def test_a_1d_run_records_its_fit_on_a_fixed_grid(tmp_path):
    res = nnlab.train(None, overrides=[*QUIET, "train.epochs=12", "data.n=60",
                                       "model.hidden=[8]"], runs_dir=tmp_path)
    snaps = RunDir(res.run_dir).read_snapshots()
    epochs = snaps["epochs"].tolist()
    assert epochs == snapshot_epochs(12, 16)
    assert snaps["grid"].shape == (GRID_1D, 1) and snaps["pred"].shape == (len(epochs), GRID_1D, 1)
    # the last frame is the trained network itself (no early stopping here)
    final = res.network.predict(snaps["grid"])
    np.testing.assert_allclose(snaps["pred"][-1], final, rtol=1e-6)
    assert not np.allclose(snaps["pred"][0], snaps["pred"][-1])  # it moved while learning
    for kind in ("weights", "activations"):
        for layer in (1, 2):
            counts = snaps[f"hist/{kind}/{layer}"]
            assert counts.shape == (len(epochs), 30)
            assert snaps[f"edges/{kind}/{layer}"].shape == (len(epochs), 31)
    assert counts[0].sum() == 48  # the 48 probe samples' outputs (60 minus the validation 20 %)


def test_a_2d_classification_grid_and_switching_off(tmp_path):
    res = nnlab.train(None, overrides=[*QUIET, "data.name=moons", "data.n=80", "train.epochs=3",
                                       "model.hidden=[4]"], runs_dir=tmp_path / "on")
    snaps = RunDir(res.run_dir).read_snapshots()
    assert tuple(snaps["grid_shape"]) == (GRID_2D, GRID_2D)
    assert snaps["pred"].shape == (4, GRID_2D * GRID_2D, 2)
    off = nnlab.train(None, overrides=[*QUIET, "train.epochs=2", "data.n=40", "run.snapshots=0"],
                      runs_dir=tmp_path / "off")
    assert not (off.run_dir / RunDir.SNAPSHOTS).exists()


def test_no_grid_for_inputs_a_picture_cannot_show():
    exp = nnlab.build(None, ["data.name=sum"])
    assert grid_for(exp.dataset) is None


def test_interrupted_and_resumed_run_has_the_snapshots_of_an_uninterrupted_one(tmp_path):
    args = [*QUIET, "train.epochs=6", "data.n=400", "train.batch_size=4", "model.hidden=[8]"]
    full = nnlab.train(None, overrides=args, runs_dir=tmp_path / "full")
    part = nnlab.train(None, overrides=args, runs_dir=tmp_path / "part",
                       on_step=interrupting(3))
    assert part.summary["status"] == "interrupted"
    nnlab.train(resume=part.run_dir)
    a, b = RunDir(full.run_dir).read_snapshots(), RunDir(part.run_dir).read_snapshots()
    assert sorted(a) == sorted(b)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
