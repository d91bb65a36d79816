"""What a run holds in memory: no copy of the data per epoch (test_train_step), and no
training rows left once training ends when no picture needs them, before the end of the run
draws and writes its report (matplotlib needs 45 MiB; an MNIST run's rows are 150 MiB)."""

from __future__ import annotations

import gc
import weakref

import nnlab


def _train_watching_x_train(tmp_path, monkeypatch, overrides):
    """Train with the default end of a run; whether x_train was still alive when the pictures
    were drawn, and the rows/features the hook's dataset had then."""
    from nnlab.tools import outputs

    refs = {}
    draw = outputs._plots

    def on_start(exp, run_dir):
        refs["x"] = weakref.ref(exp.dataset.x_train)

    def plots(run):
        refs["alive_while_drawing"] = refs["x"]() is not None
        return draw(run)

    monkeypatch.setattr(outputs, "_plots", plots)
    gc.disable()  # freed by reference counting alone, not by a later garbage collection
    try:
        nnlab.train(None, overrides=overrides, runs_dir=tmp_path, on_start=on_start)
    finally:
        gc.enable()
    return refs


def test_training_rows_are_freed_before_the_pictures_of_wide_inputs(tmp_path, monkeypatch):
    # no picture draws training points of 4-input data: the rows go before matplotlib loads
    refs = _train_watching_x_train(tmp_path, monkeypatch, [
        "data.name=parity", "data.val_split=0.25", "train.epochs=2", "model.dropout=0.1"])
    assert refs["alive_while_drawing"] is False


def test_training_rows_of_2d_inputs_stay_for_their_pictures(tmp_path, monkeypatch):
    refs = _train_watching_x_train(tmp_path, monkeypatch, ["data.name=spiral", "train.epochs=2"])
    assert refs["alive_while_drawing"] is True
    (run,) = tmp_path.iterdir()
    assert "boundary.png" in {p.name for p in (run / "plots").iterdir()}


def test_the_report_of_a_run_without_its_training_rows_is_the_same_page(tmp_path):
    # the end of a run scores and draws from the data it kept; `nnlab report` rebuilds the run
    from nnlab.tools.report import write_report

    result = nnlab.train(None, overrides=["data.name=parity", "data.val_split=0.25",
                                          "train.epochs=3", "regularization.l2=0.5"],
                         runs_dir=tmp_path)
    again = write_report([result.run_dir], out=tmp_path / "again.html")
    assert (result.run_dir / "report.html").read_bytes() == again.read_bytes()
