"""nnlab eval and nnlab predict: metrics of trained runs, the summary round trip, errors."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nnlab
from nnlab.cli import app
from nnlab.data import mnist
from nnlab.runs.rundir import RunDir
from nnlab.tools.evaluation import classification_metrics, evaluate_run, parse_inputs, predict_run

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def train(tmp: Path, config: str, *overrides: str) -> Path:
    return nnlab.train(ROOT / "configs" / config, overrides=list(overrides), runs_dir=tmp).run_dir


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small trained runs: L2 + one sigmoid unit (float64), softmax + dropout (float32), a fit."""
    tmp = tmp_path_factory.mktemp("runs")
    return {
        "circles": train(tmp, "circles_sigmoid_l2.yaml", "train.epochs=8", "data.n=200"),
        "moons": train(tmp, "moons.yaml", "train.epochs=8", "data.n=200",
                       "model.hidden=[16]"),
        "sine": train(tmp, "sine.yaml", "train.epochs=30", "model.hidden=[16]"),
    }


def invoke(*args: str, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


def one_line_error(result, *needles: str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# --------------------------------------------------------------------------- eval

@pytest.mark.parametrize("name", ["circles", "moons", "sine"])
def test_best_checkpoint_on_val_reproduces_the_summary(runs, name):
    run = runs[name]
    best = RunDir(run).read_summary()["best"]
    result = evaluate_run(run, "best", "val")
    assert result["loss"] == pytest.approx(best["val_loss"], rel=1e-9)
    if "val_accuracy" in best:
        assert result["accuracy"] == best["val_accuracy"]
    assert result["epoch"] == RunDir(run).read_summary()["best_epoch"]
    # the loss is the data loss plus the L2 term, as training records it
    assert result["loss_includes_l2"] == (name == "circles")
    assert result["data_loss"] + result["l2_penalty"] == pytest.approx(result["loss"])
    assert (result["l2_penalty"] > 0) == (name == "circles")
    saved = json.loads((run / "eval-val-best.json").read_text())
    assert saved == {k: v for k, v in result.items() if k != "file"}


def test_last_checkpoint_on_train_reproduces_the_final_record(runs):
    run = runs["moons"]
    result = invoke("eval", run, "--checkpoint", "last", "--split", "train", "--json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    final = RunDir(run).read_summary()["final"]
    assert got["checkpoint"] == "last" and got["split"] == "train"
    assert got["loss"] == pytest.approx(final["loss"], rel=1e-9)
    assert got["accuracy"] == final["accuracy"]
    assert (run / "eval-train-last.json").is_file()


def test_classification_metrics_agree_with_the_confusion_matrix(runs):
    result = evaluate_run(runs["moons"], split="val", save=False)
    cm = np.array(result["confusion_matrix"])
    assert cm.sum() == result["n"] and cm.shape == (2, 2)
    assert np.trace(cm) / cm.sum() == pytest.approx(result["accuracy"])
    for k, c in enumerate(result["classes"]):
        assert c["support"] == cm[k].sum()
        assert c["recall"] == pytest.approx(cm[k, k] / cm[k].sum())
        assert c["precision"] == pytest.approx(cm[k, k] / cm[:, k].sum())


def test_precision_of_a_class_never_predicted_is_undefined():
    m = classification_metrics(np.array([0, 1, 2, 2]), np.array([0, 1, 1, 1]), 3)
    assert m["confusion_matrix"] == [[1, 0, 0], [0, 1, 0], [0, 2, 0]]
    assert m["classes"][2] == {"class": 2, "precision": None, "recall": 0.0, "support": 2}
    assert m["classes"][1]["precision"] == pytest.approx(1 / 3)


def test_classification_table(runs):
    result = invoke("eval", runs["circles"], "--split", "val")
    assert result.exit_code == 0, result.output
    text = result.stdout
    for needle in ("checkpoint best (epoch", "val: 40 samples of circles", "accuracy",
                   "L2 term", "precision", "recall", "support", "confusion matrix",
                   "eval-val-best.json"):
        assert needle in text, needle


def test_regression_metrics_and_table(runs):
    run = runs["sine"]
    result = evaluate_run(run, split="val", save=False)
    # one output, no L2: the mse loss is ½·mean r², the MSE metric mean r² (not halved)
    assert result["mse"] == pytest.approx(2 * result["loss"], rel=1e-5)
    assert result["mae"] <= np.sqrt(result["mse"]) + 1e-12
    assert result["max_error"] >= result["mae"]
    shown = invoke("eval", run)  # default split: val (toy data have no test split)
    assert shown.exit_code == 0, shown.output
    assert "val: 51 samples of sine" in shown.stdout and "not halved" in shown.stdout
    assert "MAE" in shown.stdout and "max error" in shown.stdout


def test_evaluating_outside_the_training_range(runs):
    run = runs["sine"]
    inside = evaluate_run(run, split="val", save=False)
    outside = invoke("eval", run, "--set", "data.domain=[-6,6]", "--json")
    assert outside.exit_code == 0, outside.output
    got = json.loads(outside.stdout)
    assert got["overrides"] == ["data.domain=[-6,6]"]
    assert got["max_error"] > inside["max_error"] and got["mse"] > 5 * inside["mse"]


def test_default_split_of_mnist_data_is_test(tmp_path, monkeypatch):
    data = fake_mnist(tmp_path / "mnist", monkeypatch)
    run = train(tmp_path / "runs", "mnist_nielsen.yaml", "train.epochs=1", "data.split=standard",
                f"data.path={data}", "data.download=false")
    result = invoke("eval", run, "--json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert got["split"] == "test" and got["n"] == 50 and len(got["classes"]) == 10
    assert got["loss_includes_l2"]  # mnist_nielsen has l2: 5.0
    assert (run / "eval-test-best.json").is_file()


def test_eval_errors(runs, tmp_path):
    sine = runs["sine"]
    one_line_error(invoke("eval", tmp_path / "missing"), "no such run directory")
    one_line_error(invoke("eval", tmp_path), "not an nnlab run")
    one_line_error(invoke("eval", sine, "--checkpoint", "middle"), "best or last")
    one_line_error(invoke("eval", sine, "--split", "dev"), "train, val or test")
    one_line_error(invoke("eval", sine, "--split", "test"), "no test split", "--split val")
    one_line_error(invoke("eval", sine, "--set", "model.hidden=[5]"),
                   "(the architecture it was trained with)", "builds Network(1 → 5 tanh")
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in ("config.yaml", "summary.json"):
        (copy / f).write_bytes((sine / f).read_bytes())
    (copy / "checkpoints").mkdir()
    one_line_error(invoke("eval", copy), "best.npz: checkpoint not found")
    (copy / "checkpoints" / "best.npz").write_bytes(b"PK\x03\x04 not really a zip")
    one_line_error(invoke("eval", copy), "damaged")
    np.savez(copy / "checkpoints" / "last.npz", other=np.zeros(3))
    one_line_error(invoke("eval", copy, "--checkpoint", "last"), "no tensor 'W1'")


def test_no_val_split_suggests_train(tmp_path):
    run = train(tmp_path, "xor.yaml", "train.epochs=2")
    one_line_error(invoke("eval", run, "--split", "val"), "no val split", "--split train")
    assert evaluate_run(run, save=False)["split"] == "train"


# --------------------------------------------------------------------------- predict

def csv_rows(text: str) -> tuple[list[str], np.ndarray]:
    head, *rows = text.strip().splitlines()
    return head.split(","), np.array([[float(v) for v in r.split(",")] for r in rows])


def test_predict_x_values_for_a_1d_function(runs):
    run = runs["sine"]
    result = invoke("predict", run, "--x", "-1", "0", "0.5", "2")
    assert result.exit_code == 0, result.output
    columns, rows = csv_rows(result.stdout)
    exp = nnlab.load_run(run)
    expected = exp.network.predict(np.array([[-1], [0], [0.5], [2]], np.float32))
    assert columns == ["y"]
    np.testing.assert_array_equal(rows.astype(np.float32), expected)
    same = invoke("predict", run, "--x=-1,0,0.5,2")
    assert same.stdout == result.stdout


def test_predict_csv_from_stdin(runs):
    text = "x1,x2\n0.5 0.25\n-1.0, 0.75\n\n# a comment\n1.5\t-0.5\n"
    result = invoke("predict", runs["moons"], "--input", "-", input=text)
    assert result.exit_code == 0, result.output
    columns, rows = csv_rows(result.stdout)
    assert columns == ["class", "p0", "p1"] and len(rows) == 3
    np.testing.assert_allclose(rows[:, 1:].sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(rows[:, 0], rows[:, 1:].argmax(axis=1))
    _, table = predict_run(runs["moons"], parse_inputs(text.encode()))
    np.testing.assert_allclose(rows, table, rtol=1e-6)


def test_predict_single_sigmoid_unit_gives_both_class_probabilities(runs, tmp_path):
    points = tmp_path / "points.npy"
    np.save(points, np.array([[0.0, 0.0], [1.2, 0.3], [-0.2, 0.9]]))
    result = invoke("predict", runs["circles"], "--input", points)
    assert result.exit_code == 0, result.output
    columns, rows = csv_rows(result.stdout)
    assert columns == ["class", "p0", "p1"]
    np.testing.assert_allclose(rows[:, 1] + rows[:, 2], 1)
    np.testing.assert_array_equal(rows[:, 0], rows[:, 2] > 0.5)


@pytest.mark.parametrize("suffix", [".csv", ".npy"])
def test_predict_to_a_file(runs, tmp_path, suffix):
    src = tmp_path / "in.csv"
    src.write_text("0.1,0.2\n0.3,0.4\n")
    out = tmp_path / f"out{suffix}"
    result = invoke("predict", runs["moons"], "--input", src, "--output", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    printed = csv_rows(invoke("predict", runs["moons"], "--input", src).stdout)[1]
    saved = np.load(out) if suffix == ".npy" else csv_rows(out.read_text())[1]
    np.testing.assert_allclose(saved, printed, rtol=1e-6)


def test_predict_errors(runs, tmp_path):
    moons, sine = runs["moons"], runs["sine"]
    one_line_error(invoke("predict", moons, "--input", "-", input="1,2,3\n"),
                   "3 columns", "takes 2 inputs")
    one_line_error(invoke("predict", moons, "--input", "-", input="a,b\n1,2\n3,x\n"),
                   "standard input:3", "'x' is not a number")
    one_line_error(invoke("predict", moons, "--input", "-", input="1,2\n3\n"),
                   "standard input:2", "1 columns, expected 2")
    one_line_error(invoke("predict", moons, "--input", "-", input="x1,x2\n"), "only a header line")
    one_line_error(invoke("predict", moons, "--input", "-", input="1,nan\n"),
                   "column '1': nan is not a finite number")
    one_line_error(invoke("predict", moons, "--x", "1", "2"), "--x is for networks with one")
    one_line_error(invoke("predict", sine, "--x", "1", "abc"), "'abc' is not a number")
    one_line_error(invoke("predict", sine), "no inputs")
    one_line_error(invoke("predict", sine, "0.5"), "unexpected argument '0.5'")
    one_line_error(invoke("predict", sine, "--x", "1", "--input", "f.csv"), "not both")
    one_line_error(invoke("predict", sine, "--input", tmp_path / "none.csv"), "not found")
    one_line_error(invoke("predict", sine, "--x", "1", "--output", tmp_path / "p.txt"),
                   ".csv or .npy")
    one_line_error(invoke("predict", sine, "--x", "1", "--checkpoint", "first"), "best or last")
    obj = tmp_path / "obj.npy"
    np.save(obj, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    one_line_error(invoke("predict", sine, "--input", obj), "obj.npy")


# --------------------------------------------------------------------------- helpers

def fake_mnist(d: Path, monkeypatch: pytest.MonkeyPatch, n_train: int = 200,
               n_test: int = 50) -> Path:
    """A tiny synthetic MNIST in ``d`` (IDX files, gzipped), its checksums installed."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n_train, 28, 28))
    images[:, :4] = 0  # blank rows like MNIST's borders: exactly zero gradients
    arrays = {"train_images": images, "train_labels": np.arange(n_train) % 10,
              "test_images": rng.integers(0, 256, (n_test, 28, 28)),
              "test_labels": rng.integers(0, 10, n_test)}
    d.mkdir(parents=True, exist_ok=True)
    table = {}
    for role, arr in arrays.items():
        arr = np.asarray(arr, dtype=np.uint8)
        magic = (0x800 + arr.ndim).to_bytes(4, "big")
        raw = magic + b"".join(n.to_bytes(4, "big") for n in arr.shape) + arr.tobytes()
        (d / f"{mnist.FILES[role]}.gz").write_bytes(gzip.compress(raw, mtime=0))
        table[mnist.FILES[role]] = hashlib.sha256(raw).hexdigest()
    monkeypatch.setitem(mnist.SHA256, "mnist", table)
    monkeypatch.delenv("NNLAB_DATA_DIR", raising=False)
    return d


def test_a_run_planned_for_very_many_epochs_is_scored_but_not_trained_on(tmp_path):
    # only training keeps per-epoch metrics: the memory estimate for them refuses training
    # (and extending) such a run, never scoring it
    run = nnlab.train(None, overrides=["train.epochs=2", "run.plots=false", "run.report=false"],
                      runs_dir=tmp_path).run_dir
    config = run / "config.yaml"
    config.write_text(config.read_text().replace("epochs: 2\n", "epochs: 100000000000\n"))
    assert invoke("eval", run).exit_code == 0
    one_line_error(invoke("train", "--resume", run), "train.epochs: 100,000,000,000",
                   "train.eval_every")
