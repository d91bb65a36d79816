"""What a run holds in memory: no copy of the data per epoch (test_train_step), and nothing of
the data left once training ends, before the finish hook draws (matplotlib needs 45 MiB)."""

from __future__ import annotations

import gc
import weakref

import nnlab


def test_the_finish_hook_runs_after_the_data_is_freed(tmp_path):
    refs = {}

    def on_start(exp, run_dir):
        refs["x"] = weakref.ref(exp.dataset.x_train)

    def finish(run, exp):
        refs["alive_in_finish"] = refs["x"]() is not None
        refs["rows"] = len(exp.dataset.x_train)
        refs["features"] = exp.dataset.n_features

    gc.disable()  # freed by reference counting alone, not by a later garbage collection
    try:
        nnlab.train(None, overrides=["data.name=spiral", "train.epochs=2", "model.dropout=0.1"],
                    runs_dir=tmp_path, on_start=on_start, finish=finish)
    finally:
        gc.enable()
    assert refs["alive_in_finish"] is False
    assert refs["rows"] == 0 and refs["features"] == 2  # the data's shape is still known
