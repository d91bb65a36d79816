"""`nnlab runs list/compare/show` over finished, failed, interrupted and stale runs plus junk."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from helpers import interrupting
from typer.testing import CliRunner

import nnlab
from nnlab.cli import app
from nnlab.config import RunConfig
from nnlab.errors import NnlabError, TrainingDiverged
from nnlab.files import write_json
from nnlab.runs.rundir import RunDir
from nnlab.tools.compare import (
    collect,
    compare_rows,
    differing_fields,
    format_cell,
    format_value,
    sort_column,
    sort_rows,
    sparkline,
)

runner = CliRunner()
TINY = ["train.epochs=3", "data.n=64", "model.hidden=[8]"]
if "plots" in RunConfig.model_fields:  # pictures cost more than these tiny trainings
    TINY.append("run.plots=false")
if "report" in RunConfig.model_fields:  # so does a report page
    TINY.append("run.report=false")




@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """runs/: 2 completed (lr 0.01, 0.05), 1 failed, 1 interrupted, 1 killed hard (status still
    running), a sweep folder with one trial, 2 junk folders and a stray file."""
    root = tmp_path_factory.mktemp("compare") / "runs"
    made = {}
    for lr in ("0.01", "0.05"):
        made[lr] = nnlab.train(None, overrides=[*TINY, f"optimizer.lr={lr}"], name="sine",
                               runs_dir=root).run_dir
    with pytest.raises(TrainingDiverged):
        nnlab.train(None, overrides=[*TINY, "optimizer={name: sgd, lr: 1.0e+4}",
                                     "model.activation=relu", "model.weight_init=he_normal"],
                    name="diverge", runs_dir=root)
    made["failed"] = next(root.glob("diverge-*"))
    part = nnlab.train(None, overrides=[*TINY, "data.n=500", "train.batch_size=4"], name="cut",
                       runs_dir=root, on_step=interrupting(2))  # on_step: every 50 steps
    assert part.summary["status"] == "interrupted"
    made["interrupted"] = part.run_dir
    stale = root / "sine-20200101-000000-abcdef"  # a run killed with SIGKILL: never updated
    shutil.copytree(made["0.01"], stale)
    write_json(stale / "summary.json", {**RunDir(stale).read_summary(), "status": "running",
                                        "stop_reason": None})
    made["stale"] = stale
    sweep = root / "lr-20200101-000000-123456"
    sweep.mkdir()
    write_json(sweep / "sweep.json", {"nnlab_sweep": 1, "trials": []})
    shutil.copytree(made["0.05"], sweep / "t000-20200101-000001-654321")
    (root / "junk").mkdir()
    (root / "notes").mkdir()
    (root / "notes" / "todo.txt").write_text("not a run")
    (root / "table.csv").write_text("a,b\n")
    return root, made


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result


def test_collect_expands_folders_and_sweeps_and_skips_junk(runs):
    root, made = runs
    found, skipped = collect([root])
    names = {r.name for r in found}
    assert len(found) == 6
    assert "lr-20200101-000000-123456/t000-20200101-000001-654321" in names
    assert {p.name for p in skipped} == {"junk", "notes"}  # files are ignored silently
    assert {r.status for r in found} == {"completed", "failed", "interrupted", "running"}
    # the same run reached twice is listed once; a missing path is an error
    again, _ = collect([made["0.01"], root])
    assert len(again) == 6
    with pytest.raises(NnlabError, match="no such file"):
        collect([root / "nope"])


def test_list_table_and_note_on_stderr(runs):
    root, made = runs
    result = invoke("runs", "list", root)
    assert result.exit_code == 0, result.output
    for path in (made["0.01"], made["failed"], made["interrupted"]):
        assert path.name in result.stdout
    assert "interrupted" in result.stdout and "failed" in result.stdout
    assert "running" in result.stdout and "3/3" in result.stdout
    assert "skipped 2 directories that are not nnlab runs" in result.stderr
    assert "junk" in result.stderr and "table.csv" not in result.stderr


def test_damaged_summary_is_named_in_list_and_show(runs, tmp_path):
    _, made = runs
    broken, wrong = tmp_path / "broken", tmp_path / "wrong"
    shutil.copytree(made["0.01"], broken)
    shutil.copytree(made["0.05"], wrong)
    (broken / "summary.json").write_text('{"status": "completed", "final": ')  # cut off
    (wrong / "summary.json").write_text('{"status": 5, "epochs_run": "x"}')
    result = invoke("runs", "list", broken, wrong)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("unknown") == 2
    notes = result.stderr.splitlines()
    assert any(str(broken / "summary.json") in n and "not JSON" in n for n in notes), notes
    assert any(str(wrong / "summary.json") in n and "status, epochs_run of the wrong type" in n
               for n in notes), notes
    shown = invoke("runs", "show", broken)
    assert shown.exit_code == 0 and "not JSON" in shown.stdout and "delete it" in shown.stdout


def test_list_without_runs_yet(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("runs", "list")
    assert result.exit_code == 0 and "no runs in runs/ yet" in result.stderr
    assert json.loads(invoke("runs", "list", "--format", "json").stdout) == []


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_list_parses_back(runs, fmt):
    root, made = runs
    result = invoke("runs", "list", root, "--format", fmt, "--sort", "date")
    assert result.exit_code == 0, result.output
    rows = (list(csv.DictReader(io.StringIO(result.stdout))) if fmt == "csv"
            else json.loads(result.stdout))
    assert len(rows) == 6
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    by_path = {r["path"]: r for r in rows}
    row = by_path[str(made["0.01"])]
    assert row["status"] == "completed" and row["data"] == "sine" and row["monitor"] == "val_loss"
    assert float(row["best"]) == RunDir(made["0.01"]).read_summary()["best"]["val_loss"]


def test_compare_has_only_the_differing_config_fields(runs):
    root, made = runs
    found, _ = collect([made["0.01"], made["0.05"]])
    columns, rows = compare_rows(found)
    assert columns[:2] == ["run", "optimizer.lr"]  # run.name/run.runs_dir never count
    assert {r["optimizer.lr"] for r in rows} == {0.01, 0.05}
    for c in ("status", "stop_reason", "epochs", "best.val_loss", "final.val_loss", "time"):
        assert c in columns
    assert not any(c.startswith(("data.", "train.", "model.")) for c in columns)


def test_compare_csv_and_json_round_trip(runs, tmp_path):
    root, made = runs
    as_csv = invoke("runs", "compare", root, "--format", "csv", "--sort", "val_loss")
    as_json = invoke("runs", "compare", root, "--format", "json", "--sort", "val_loss")
    assert as_csv.exit_code == 0 and as_json.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    objs = json.loads(as_json.stdout)
    assert len(rows) == len(objs) == 6
    assert [r["path"] for r in rows] == [o["path"] for o in objs]
    assert "optimizer.lr" in rows[0] and "optimizer.name" in rows[0]  # adam vs sgd
    losses = [o["best.val_loss"] for o in objs]
    assert losses == sorted(losses)  # ascending for a loss
    failed = next(o for o in objs if o["path"] == str(made["failed"]))
    assert failed["status"] == "failed" and failed["stop_reason"] == "diverged"
    assert failed["final.val_loss"] is None  # NaN is null, not invalid JSON
    s = RunDir(made["interrupted"]).read_summary()
    inter = next(r for r in rows if r["path"] == str(made["interrupted"]))
    assert inter["status"] == "interrupted" and int(inter["epochs"]) == s["epochs_run"]
    assert float(inter["best.val_loss"]) == s["best"]["val_loss"]
    assert "skipped 2" in as_csv.stderr  # the note never pollutes stdout


def test_compare_table_sort_and_errors(runs):
    root, made = runs
    result = invoke("runs", "compare", made["0.05"], made["0.01"], root / "junk",
                    "--sort", "optimizer.lr", "--reverse")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index(made["0.05"].name) < out.index(made["0.01"].name)
    assert "optimizer" in out and "val_loss" in out and "junk" in result.stderr
    bad = invoke("runs", "compare", root, "--sort", "val_accuracy")
    assert bad.exit_code == 2 and "--sort val_accuracy" in bad.stderr
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 2
    empty = invoke("runs", "compare", root / "junk")
    assert empty.exit_code == 2 and "no nnlab runs" in empty.stderr


def test_show_diff_overrides_and_sparkline(runs):
    root, made = runs
    result = invoke("runs", "show", made["0.05"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "optimizer.lr" in out and "0.05" in out and "--set optimizer.lr=0.05" in out
    assert "run.name" not in out and "run.runs_dir" not in out
    assert any(ch in out for ch in "▁▂▃▄▅▆▇█") and "val_loss" in out
    info = json.loads(invoke("runs", "show", made["0.05"], "--json").stdout)
    diffs = {d["key"]: (d["default"], d["value"]) for d in info["config_diff"]}
    assert diffs["optimizer.lr"] == (0.01, 0.05) and diffs["model.hidden"] == ([32, 32], [8])
    assert len(info["curves"]["loss"]) == 4  # epochs 0..3
    sweep = invoke("runs", "show", root / "lr-20200101-000000-123456")
    assert sweep.exit_code == 2 and "sweep folder" in sweep.stderr


def test_differing_fields_spec_name_vs_mapping():
    a = {"model": {"activation": "tanh", "hidden": [8]}, "run": {"name": "a"}}
    b = {"model": {"activation": {"name": "leaky_relu", "alpha": 0.2}, "hidden": [8]},
         "run": {"name": "b"}}
    assert differing_fields([a, b]) == ["model.activation"]
    assert format_value(b["model"]["activation"]) == "{name: leaky_relu, alpha: 0.2}"
    assert differing_fields([a, a]) == []


def test_sort_directions_and_missing_last():
    rows = [{"best.accuracy": 0.5}, {"best.accuracy": None}, {"best.accuracy": 0.9}]
    column, descending = sort_column("accuracy", ["run", "best.accuracy"])
    assert (column, descending) == ("best.accuracy", True)
    assert [r["best.accuracy"] for r in sort_rows(rows, column, descending)] == [0.9, 0.5, None]
    assert sort_column("val_loss", ["best.val_loss"]) == ("best.val_loss", False)


def test_sparkline_scales():
    line, log = sparkline([7, 6, 5, 4, 3, 2, 1, 0])
    assert line == "█▇▆▅▄▃▂▁" and not log
    line, log = sparkline([10.0 ** -k for k in range(8)])
    assert log and line == "█▇▆▅▄▃▂▁"  # 7 decades: one level each on a log axis
    line, _ = sparkline(list(range(1000)), width=50)
    assert len(line) == 50 and line[0] == "▁" and line[-1] == "█"
    assert sparkline([1.0, None, float("nan"), 2.0])[0] == "▁  █"


def test_time_cells_keep_a_readable_unit():
    assert format_cell("time", 0.89) == "0.89 s" and format_cell("time", 12.345) == "12.35 s"
    assert format_cell("time", 0.0042) == "4.2 ms" and format_cell("time", None) == "-"
