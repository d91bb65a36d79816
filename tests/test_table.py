"""Your own data: data.name csv / npy / npz — reading, the task, scaling fitted on the training
rows, nnlab predict on the same format, and one-line errors for broken files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

import nnlab
from nnlab.cli import app
from nnlab.config import load_config, resolve
from nnlab.data import load_dataset
from nnlab.errors import ConfigError, DataError

runner = CliRunner()


def points(tmp_path: Path, n: int = 200, header: bool = True, delim: str = ",") -> Path:
    """Two inputs on very different scales and a 0/1 label: size/50 + shift > 1."""
    rng = np.random.default_rng(0)
    size, shift = rng.uniform(0, 100, n), rng.uniform(-1, 1, n)
    label = (size / 50 + shift > 1).astype(int)
    path = tmp_path / "points.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f, delimiter=delim)
        if header:
            w.writerow(["size", "shift", "label"])
        w.writerows(zip(np.round(size, 3), np.round(shift, 3), label))
    return path


def cfg(path: Path, *sets: str):
    return load_config(None, [f"data.name={path.suffix[1:]}", f"data.path={path}", *sets])


def test_csv_with_a_header_is_classification_with_the_last_column_as_target(tmp_path):
    r = resolve(cfg(points(tmp_path)))
    assert (r.data.task, r.data.target, r.data.features, r.data.header) == (
        "classification", "label", ["size", "shift"], True)
    assert r.model.output_units == 2 and r.loss == "categorical_crossentropy"
    d = load_dataset(r.data, np.random.default_rng(0))
    assert d.task == "classification" and d.n_classes == 2 and d.n_features == 2
    assert len(d.x_train) == 160 and len(d.x_val) == 40  # the usual val_split


def test_no_header_semicolons_and_stated_regression(tmp_path):
    path = points(tmp_path, header=False, delim=";")
    r = resolve(cfg(path, "data.task=regression", "data.target=0", "data.features=[1, 2]"))
    assert (r.data.header, r.data.task, r.data.target, r.data.features) == (
        False, "regression", "0", ["1", "2"])
    d = load_dataset(r.data, np.random.default_rng(0))
    assert d.y_train.shape == (160, 1) and d.y_train.dtype == np.float32


def test_text_labels_become_classes_in_sorted_order(tmp_path):
    path = tmp_path / "iris.csv"
    path.write_text("a,b,kind\n1,2,virginica\n1,3,setosa\n2,2,setosa\n5,1,versicolor\n")
    d = load_dataset(resolve(cfg(path, "data.val_split=0")).data, np.random.default_rng(0))
    assert d.n_classes == 3 and d.info["preprocessing"]["classes"] == [
        "setosa", "versicolor", "virginica"]
    assert sorted(d.y_train.tolist()) == [0, 0, 1, 2]


def test_scaling_is_fitted_on_the_training_rows_only(tmp_path):
    r = resolve(cfg(points(tmp_path), "data.scale=standard"))
    d = load_dataset(r.data, np.random.default_rng(0))
    assert np.allclose(d.x_train.mean(axis=0), 0, atol=1e-5)
    assert np.allclose(d.x_train.std(axis=0), 1, atol=1e-4)
    assert not np.allclose(d.x_val.mean(axis=0), 0, atol=1e-3)  # val: the training fit applied
    m = load_dataset(resolve(cfg(points(tmp_path), "data.scale=minmax")).data,
                     np.random.default_rng(0))
    assert m.x_train.min() == 0 and m.x_train.max() == pytest.approx(1)


def test_npy_and_npz(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 3))
    y = x @ [1.0, -2.0, 0.5]
    np.save(tmp_path / "t.npy", np.column_stack([x, y]))
    d = load_dataset(resolve(cfg(tmp_path / "t.npy")).data, rng)
    assert d.task == "regression" and d.n_features == 3
    np.savez(tmp_path / "t.npz", inputs=x, classes=(y > 0).astype(int))
    r = resolve(cfg(tmp_path / "t.npz", "data.features=[inputs]", "data.target=classes"))
    assert r.data.task == "classification" and r.model.output_units == 2


def test_npz_with_the_default_array_names_trains_and_scores(tmp_path):
    # the resolved config names the arrays (x, y), not the input columns: it must load again
    rng = np.random.default_rng(2)
    x = rng.normal(size=(60, 3))
    np.savez_compressed(tmp_path / "d.npz", x=x, y=(x[:, 0] > 0).astype(int))
    result = nnlab.train(None, overrides=["data.name=npz", f"data.path={tmp_path / 'd.npz'}",
                                          "train.epochs=2", "run.plots=false",
                                          "run.report=false"], runs_dir=tmp_path / "runs")
    recorded = yaml.safe_load((result.run_dir / "config.yaml").read_text())["data"]
    assert recorded["features"] == ["x"] and recorded["target"] == "y"
    assert recorded["task"] == "classification"
    scored = runner.invoke(app, ["eval", str(result.run_dir), "--json"])
    assert scored.exit_code == 0, scored.output


def test_train_then_predict_the_same_format_with_the_fitted_scaling(tmp_path):
    exp_file = tmp_path / "exp.yaml"
    exp_file.write_text(f"data: {{name: csv, path: {points(tmp_path)}, scale: standard}}\n"
                        "model: {hidden: [8]}\ntrain: {epochs: 40}\nrun: {plots: false}\n")
    result = runner.invoke(app, ["train", str(exp_file), "--json", "--runs-dir",
                                 str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    run = Path(json.loads(result.stdout)["run_dir"])
    prep = json.loads((run / "preprocessing.json").read_text())
    assert prep["features"] == ["size", "shift"] and prep["scale"] == "standard"
    new = tmp_path / "new.csv"  # columns in another order, and the target column too
    new.write_text("shift,label,size\n0.5,1,90\n-0.5,0,10\n")
    out = runner.invoke(app, ["predict", str(run), "--input", str(new)])
    assert out.exit_code == 0, out.output
    rows = list(csv.reader(out.stdout.splitlines()))
    assert rows[0] == ["class", "p0", "p1"] and [r[0] for r in rows[1:]] == ["1", "0"]
    exp = nnlab.load_run(run)
    raw = np.array([[90, 0.5], [10, -0.5]])
    scaled = (raw - prep["shift"]) / np.array(prep["divide_by"])
    expected = exp.network.predict(scaled.astype(np.float32))
    assert np.allclose([[float(v) for v in r[1:]] for r in rows[1:]], expected, atol=1e-6)
    recorded = yaml.safe_load((run / "config.yaml").read_text())["data"]
    assert recorded["task"] == "classification" and recorded["target"] == "label"


def test_predict_names_text_labels_next_to_the_class_index(tmp_path):
    rows = list(csv.reader(points(tmp_path).read_text().splitlines()))
    named = tmp_path / "named.csv"  # text labels (sorted: "big, round" = 0), one with a comma
    with open(named, "w", newline="") as f:
        csv.writer(f).writerows([rows[0], *([a, b, "big, round" if c == "1" else "small"]
                                            for a, b, c in rows[1:])])
    run = nnlab.train(None, overrides=["data.name=csv", f"data.path={named}",
                                       "data.scale=standard", "model.hidden=[8]",
                                       "train.epochs=40", "run.plots=false", "run.report=false"],
                      runs_dir=tmp_path / "runs").run_dir
    new = tmp_path / "new.csv"
    new.write_text("size,shift\n90,0.5\n10,-0.5\n")
    out = runner.invoke(app, ["predict", str(run), "--input", str(new)])
    assert out.exit_code == 0, out.output
    table = list(csv.reader(out.stdout.splitlines()))
    assert table[0] == ["class", "label", "p0", "p1"]
    assert [r[:2] for r in table[1:]] == [["0", "big, round"], ["1", "small"]]
    for name in ("p.csv", "p.npy"):
        saved = runner.invoke(app, ["predict", str(run), "-i", str(new), "-o", tmp_path / name])
        assert saved.exit_code == 0, saved.output
    assert (tmp_path / "p.csv").read_text() == out.stdout
    assert np.load(tmp_path / "p.npy").shape == (2, 3)  # numbers only: class, p0, p1


@pytest.mark.parametrize("text, message", [
    ("", r"empty\.csv: empty; expected rows of numbers"),
    ("a,b,c\n", r"empty\.csv: only a header line"),
    ("a,b,c\n1,2,3\n4,5\n", r"empty\.csv:3: 2 columns, expected 3 as in the header"),
    ("a,b,c\n1,2,3\n4,x,6\n", r"empty\.csv:3: column 'b': 'x' is not a number"),
    ("a,b,c\n1,2,3\n4,nan,6\n", r"empty\.csv:3: column 'b': nan is not a finite number"),
    ("a,b,c\n1,2,3\n4,5,1e400\n", r"empty\.csv: target 'c' row 2: '1e400' is not a finite"),
    ("a,b,c\n1,2,nan\n4,5,1\n", r"empty\.csv: target 'c' row 1: 'nan' is not a finite"),
    ("a,a,c\n1,2,0\n4,5,1\n", r"empty\.csv:1: columns 0 and 1 are both named 'a'"),
    ("# a table\nx;y;c\n1;2;0\n4;5;1\n7;8;3e12\n",
     r"empty\.csv: target 'c': class label 3e\+12 would mean that many classes"),
])
def test_broken_files_are_one_line_errors_naming_the_place(tmp_path, text, message):
    path = tmp_path / "empty.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=message) as info:
        resolve(cfg(path))
    assert "\n" not in str(info.value)


def test_an_empty_feature_list_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"data\.features: an empty list gives the network no "
                                          r"inputs.*\(got \[\]\)"):
        cfg(points(tmp_path), "data.features=[]")


def test_a_missing_column_names_the_close_one_and_the_columns(tmp_path):
    with pytest.raises(DataError, match=r"points\.csv:1: data\.target: no column 'lable' \(did "
                                        r"you mean 'label'\?\); columns: size, shift, label"):
        resolve(cfg(points(tmp_path), "data.target=lable"))
    with pytest.raises(DataError, match="column 7 does not exist; the file has 3 columns"):
        resolve(cfg(points(tmp_path), "data.target=7"))


@pytest.mark.parametrize("sets, message", [
    (["data.path=nope.csv"], "nope.csv: data file not found"),
    (["data.target=label", "data.features=[size, label]"], "cannot also be an input"),
    (["data.task=classification", "data.target=shift"], "class labels must be integers >= 0"),
    (["data.name=npz"], "not a .npz archive (made by numpy.savez); a text table is data.name: csv"),
    (["data.name=npy"], "not a .npy file (made by numpy.save); a text table is data.name: csv"),
])
def test_cli_errors_exit_2_with_one_line(tmp_path, sets, message):
    path = points(tmp_path)
    result = runner.invoke(app, ["train", "--set", "data.name=csv", "--set", f"data.path={path}",
                                 *[a for s in sets for a in ("--set", s)],
                                 "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
