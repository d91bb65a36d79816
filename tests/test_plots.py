"""Pictures: every kind is a valid PNG of the promised size; CLI, overlays and the train hook."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nnlab
from nnlab.cli import app
from nnlab.errors import NnlabError, TrainingDiverged
from nnlab.tools import plots

runner = CliRunner()
TINY = ["train.epochs=4", "run.plots=false"]


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the IHDR chunk; fails unless the file is a PNG."""
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    assert data[-8:-4] == b"IEND"  # written completely
    return width, height


def train(tmp: Path, *overrides: str, config: str | None = None) -> Path:
    return nnlab.train(config, overrides=[*TINY, "data.n=120", *overrides], runs_dir=tmp).run_dir


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny trained runs: 1-D regression, 2- and 3-class 2-D classification, no hidden layer."""
    tmp = tmp_path_factory.mktemp("runs")
    return {
        "sine": train(tmp, "model.hidden=[8, 8]"),
        "moons": train(tmp, "data.name=moons", "model.hidden=[8]"),
        "blobs": train(tmp, "data.name=blobs", "model.hidden=[8]", "loss=mse"),
        "linear": train(tmp, "model.hidden=[]"),
    }


def test_applicable_kinds_follow_task_inputs_and_layers(runs):
    assert plots.applicable_kinds(runs["sine"]) == ["curves", "fit", "speed"]
    assert plots.applicable_kinds(runs["moons"]) == ["curves", "boundary", "speed"]
    assert plots.applicable_kinds(runs["linear"]) == ["curves", "fit"]


@pytest.mark.parametrize("run, kind", [("sine", "curves"), ("sine", "fit"), ("sine", "speed"),
                                       ("moons", "curves"), ("moons", "boundary"),
                                       ("blobs", "boundary"), ("linear", "fit")])
def test_each_kind_is_a_png_of_the_expected_size(runs, run, kind, tmp_path):
    (path,) = plots.plot_run(runs[run], [kind], out=tmp_path)
    assert path == tmp_path / f"{kind}.png"
    assert png_size(path) == plots.SIZES[kind]
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically, no temp files left


def test_plot_run_defaults_to_run_plots_folder_and_is_deterministic(runs):
    paths = plots.plot_run(runs["moons"])
    assert [p.name for p in paths] == ["curves.png", "boundary.png", "speed.png"]
    assert all(p.parent == runs["moons"] / "plots" for p in paths)
    first = paths[0].read_bytes()
    plots.plot_run(runs["moons"], ["curves"])
    assert paths[0].read_bytes() == first


def test_weights_of_an_mnist_shaped_network(tmp_path):
    net = nnlab.Network.build([784, 16, 10], "sigmoid", "softmax",
                              rng=np.random.default_rng(0))
    path = plots.plot_weights(net, tmp_path / "w.png")
    assert png_size(path) == plots.weights_size(16) == (844, 204)
    wide = nnlab.Network.build([784, 150, 10], rng=np.random.default_rng(0))
    assert png_size(plots.plot_weights(wide, tmp_path / "w2.png")) == plots.weights_size(100)
    with pytest.raises(NnlabError, match="784 inputs"):
        plots.plot_weights(nnlab.Network.build([2, 4, 1]), tmp_path / "no.png")


def test_weights_kind_applies_to_a_run_with_784_inputs(runs, tmp_path):
    run = tmp_path / "mnist-like"
    shutil.copytree(runs["sine"], run)
    for name in ("best", "last"):  # the weights picture needs only the checkpoint
        nnlab.Network.build([784, 12, 10]).save(run / "checkpoints" / f"{name}.npz")
    assert "weights" in plots.applicable_kinds(run)
    (path,) = plots.plot_run(run, ["weights"])
    assert png_size(path) == plots.weights_size(12)


def test_kind_that_does_not_apply_is_a_clear_error(runs):
    with pytest.raises(NnlabError, match="fit needs a 1-D regression run.*apply: curves, "
                                         "boundary, speed"):
        plots.plot_run(runs["moons"], ["fit"])
    with pytest.raises(NnlabError, match="boundary needs a classification run"):
        plots.plot_run(runs["sine"], ["boundary"])
    with pytest.raises(NnlabError, match="speed needs hidden layers"):
        plots.plot_run(runs["linear"], ["speed"])
    with pytest.raises(NnlabError, match="did you mean 'curves'"):
        plots.plot_run(runs["sine"], ["curve"])


def test_overlay_legend_names_the_differing_settings(tmp_path):
    a = train(tmp_path, "model.hidden=[4]", "model.activation=tanh", "run.name=a")
    b = train(tmp_path, "model.hidden=[4]", "model.activation=relu", "run.name=b")
    assert plots.run_labels([a, b]) == ["model.activation=tanh", "model.activation=relu"]
    same = train(tmp_path, "model.hidden=[4]", "model.activation=tanh", "run.name=c")
    assert plots.run_labels([a, same]) == [a.name, same.name]  # only run.* differs: names
    path = plots.plot_curves([a, b], tmp_path / "cmp.png", log=True)
    assert png_size(path) == plots.curves_size(["model.activation=tanh"] * 2) == (1300, 420)


def test_train_writes_plots_unless_switched_off(tmp_path):
    run = nnlab.train(None, overrides=["train.epochs=3", "data.n=60"], runs_dir=tmp_path).run_dir
    assert sorted(p.name for p in (run / "plots").iterdir()) == ["curves.png", "fit.png",
                                                                 "speed.png"]
    assert "plots: curves.png, fit.png, speed.png" in (run / "train.log").read_text()
    off = nnlab.train(None, overrides=["train.epochs=3", "data.n=60", "run.plots=false"],
                      runs_dir=tmp_path / "off").run_dir
    assert not (off / "plots").exists()


def test_a_plotting_failure_is_logged_not_fatal(tmp_path, monkeypatch):
    def broken(run_dir):
        raise RuntimeError("no canvas")

    monkeypatch.setattr(plots, "plot_run", broken)
    result = nnlab.train(None, overrides=["train.epochs=2", "data.n=40"], runs_dir=tmp_path)
    assert result.summary["status"] == "completed"
    assert "plots: not drawn (RuntimeError: no canvas)" in (result.run_dir / "train.log"
                                                            ).read_text()


def test_diverged_run_still_gets_its_curves(tmp_path):
    args = ["optimizer={name: sgd, lr: 1.0e+4}", "train.epochs=20", "model.activation=relu",
            "model.weight_init=he_normal", "data.n=60"]
    with pytest.raises(TrainingDiverged):
        nnlab.train(None, overrides=args, runs_dir=tmp_path)
    (run,) = tmp_path.iterdir()
    assert png_size(run / "plots" / "curves.png") == plots.SIZES["curves"]


def test_cli_plot_one_run_several_runs_and_errors(runs, tmp_path, monkeypatch):
    result = runner.invoke(app, ["plot", str(runs["sine"]), "--kind", "fit", "-k", "curves",
                                 "--out", str(tmp_path / "pics"), "--no-log"])
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == [str(tmp_path / "pics" / "fit.png"),
                                     str(tmp_path / "pics" / "curves.png")]
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["plot", str(runs["sine"]), str(runs["linear"])])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "compare-curves.png"
    assert png_size(tmp_path / "compare-curves.png")[0] == 1300
    bad = runner.invoke(app, ["plot", str(runs["moons"]), "--kind", "fit"])
    assert bad.exit_code == 2 and "fit needs a 1-D regression run" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    several = runner.invoke(app, ["plot", str(runs["sine"]), str(runs["moons"]), "-k", "speed"])
    assert several.exit_code == 2 and "--kind speed" in several.stderr
    missing = runner.invoke(app, ["plot", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "no such run directory" in missing.stderr
