"""`nnlab check` (Karpathy's recipe) catches deliberately broken set-ups and passes sound ones."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nnlab
from nnlab.cli import app
from nnlab.tools.check import CHECKS, Settings, check_experiment, lr_find
from nnlab.tools.check import data as data_checks
from nnlab.tools.check.setup import Setup

ROOT = Path(__file__).resolve().parents[1]
FAST = Settings(steps=3000, samples=200_000)
runner = CliRunner()


def statuses(report) -> dict[str, str]:
    return {c.name: c.status for c in report.checks}


def test_a_sound_config_passes_every_check():
    report = check_experiment(nnlab.build(ROOT / "configs" / "spiral.yaml"), FAST)
    assert [c.name for c in report.checks] == [name for name, _ in CHECKS]
    assert set(statuses(report).values()) == {"PASS"}, statuses(report)
    assert report.passed


def test_shuffled_labels_fail_the_input_independent_baseline():
    exp = nnlab.build(ROOT / "configs" / "moons.yaml")
    y = np.random.default_rng(0).permutation(exp.dataset.y_train)
    report = check_experiment(replace(exp, dataset=replace(exp.dataset, y_train=y)), FAST)
    base = report.by_name("input-independent baseline")
    assert base.status == "FAIL", base
    assert base.values["with_inputs"] >= 0.98 * base.values["inputs_zeroed"]
    assert statuses(report)["overfit a tiny batch"] == "PASS"  # memorizing still works


def test_a_learning_rate_far_too_large_fails():
    report = check_experiment(nnlab.build(ROOT / "configs" / "sine.yaml",
                                          ["optimizer={name: sgd, lr: 50}"]), FAST)
    lr = report.by_name("learning rate")
    assert lr.status == "FAIL" and lr.values["configured"] >= lr.values["blow_up"]
    assert lr.values["suggested"] < 1
    assert statuses(report)["input-independent baseline"] == "FAIL"   # diverged
    assert statuses(report)["overfit a tiny batch"] == "FAIL"


def test_zero_init_fails_the_units_check():
    report = check_experiment(nnlab.build(ROOT / "configs" / "moons.yaml",
                                          ["model.weight_init=zeros"]), FAST)
    units = report.by_name("units at init")
    assert units.status == "FAIL" and "identical" in units.meaning
    assert units.values["identical"] == [{"layer": 1, "distinct": 1, "units": 64}]


def test_mnist_pixels_left_in_0_255_fail(mnist_dir):
    exp = nnlab.build(ROOT / "configs" / "mnist_nielsen.yaml",
                      [f"data.path={mnist_dir}", "data.limit=3000"])
    d = exp.dataset
    raw = replace(exp, dataset=replace(d, x_train=d.x_train * 255, x_val=d.x_val * 255))
    report = check_experiment(raw, FAST)
    s = statuses(report)
    assert s["data: scale"] == "FAIL" and "255" in report.by_name("data: scale").measured
    assert s["units at init"] == "FAIL"            # the sigmoids saturate
    assert s["data: finite"] == s["gradient check"] == "PASS"
    fine = statuses(check_experiment(exp, FAST))
    assert fine["data: scale"] == fine["units at init"] == "PASS"


@pytest.mark.parametrize("config", ["sum.yaml", "moons.yaml"])
def test_a_target_leaked_into_the_inputs_fails(config):
    exp = nnlab.build(ROOT / "configs" / config)
    d = exp.dataset

    def column(y):  # the target (or the label), rescaled, as an extra input column
        y = y if d.task == "regression" else y[:, None]
        return 2 * y.astype(d.x_train.dtype) + 1

    leaked = replace(exp, dataset=replace(d, x_train=np.hstack([d.x_train, column(d.y_train)]),
                                          x_val=np.hstack([d.x_val, column(d.y_val)])))
    check = data_checks.leak(Setup.of(leaked))
    assert check.status == "FAIL" and check.values["column"] == d.n_features, check
    assert data_checks.leak(Setup.of(exp)).status == "PASS"


def test_nan_duplicates_and_overlap_are_reported():
    exp = nnlab.build(ROOT / "configs" / "moons.yaml")
    d = exp.dataset

    def run(check, **fields):
        return check(Setup.of(replace(exp, dataset=replace(d, **fields)))).status

    x = d.x_train.copy()
    x[5, 0] = np.nan
    assert run(data_checks.finite, x_train=x) == "FAIL"
    x = d.x_train.copy()
    x[: len(d.x_val)] = d.x_val                     # validation rows copied into training
    assert run(data_checks.overlap, x_train=x) == "FAIL"
    x = np.concatenate([d.x_train[:100]] * 3 + [d.x_train[300:]])  # most rows three times
    y = np.concatenate([d.y_train[:100]] * 3 + [d.y_train[300:]])
    assert run(data_checks.duplicates, x_train=x, y_train=y) == "WARN"
    y = y.copy()
    y[100:200] = 1 - y[100:200]                     # the same inputs with the other label
    assert "different target" in data_checks.duplicates(Setup.of(replace(
        exp, dataset=replace(d, x_train=x, y_train=y)))).measured
    assert run(data_checks.overlap) == run(data_checks.duplicates) == "PASS"


def test_output_bias_check_shows_the_loss_with_and_without():
    report = check_experiment(nnlab.build(ROOT / "configs" / "nielsen_function.yaml"), FAST)
    bias = report.by_name("output bias")
    assert bias.status == "WARN" and "output_bias_init: auto" in bias.action
    assert bias.values["loss_auto"] < 0.75 * bias.values["loss"]
    fixed = check_experiment(nnlab.build(ROOT / "configs" / "nielsen_function.yaml",
                                         ["model.output_bias_init=auto"]), FAST)
    assert fixed.by_name("output bias").status == "PASS"
    assert fixed.by_name("loss at init").values["loss"] == pytest.approx(
        bias.values["loss_auto"], rel=1e-6)


def test_loss_at_init_compares_with_ln_c():
    report = check_experiment(nnlab.build(None, ["data.name=blobs", "data.classes=3"]), FAST)
    init = report.by_name("loss at init")
    assert init.values["chance"] == pytest.approx(np.log(3), rel=1e-6)
    assert init.status == "PASS" and "ln 3" in init.measured
    big = check_experiment(nnlab.build(None, [
        "data.name=blobs", "data.classes=3", "model.weight_init={name: normal, std: 30}"]), FAST)
    assert big.by_name("loss at init").status == "FAIL"   # confidently wrong from the start


def test_lr_range_test_suggests_a_learning_rate():
    found = lr_find(ROOT / "configs" / "sine.yaml", settings=FAST)
    assert len(found.lrs) == len(found.losses) == len(found.smoothed) <= FAST.lr_steps
    assert found.lrs[0] == pytest.approx(FAST.lr_min)
    assert all(b > a for a, b in zip(found.lrs, found.lrs[1:]))       # exponentially growing
    assert found.blow_up is not None and found.suggested < found.blow_up
    i = found.lrs.index(found.min_lr)
    assert found.smoothed[i] == min(found.smoothed[5:])
    assert found.suggested == pytest.approx(found.min_lr / 10)


def test_check_cli_lines_json_and_exit_codes(tmp_path):
    ok = runner.invoke(app, ["check", str(ROOT / "configs" / "moons.yaml"), "--lr-steps", "60",
                             "--plot", str(tmp_path / "lr.png")])
    assert ok.exit_code == 0, ok.output
    lines = ok.stdout.splitlines()
    assert sum(line.startswith(("PASS", "WARN", "FAIL", "SKIP")) for line in lines) == len(CHECKS)
    assert (tmp_path / "lr.png").read_bytes()[:4] == b"\x89PNG"
    bad = runner.invoke(app, ["check", str(ROOT / "configs" / "sine.yaml"), "--json",
                              "--set", "optimizer={name: sgd, lr: 50}", "--lr-steps", "60"])
    assert bad.exit_code == 1
    data = json.loads(bad.stdout)
    assert data["passed"] is False and data["counts"]["FAIL"] >= 1
    assert runner.invoke(app, ["check", str(tmp_path / "missing.yaml")]).exit_code == 2
    assert runner.invoke(app, ["check", "--set", "model.hiden=[3]"]).exit_code == 2


def test_lr_find_cli_writes_the_picture(tmp_path):
    result = runner.invoke(app, ["lr-find", str(ROOT / "configs" / "sine.yaml"), "--json",
                                 "--out", str(tmp_path / "lr.png"), "--lr-steps", "80"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["suggested"] > 0 and Path(data["picture"]).is_file()
    assert runner.invoke(app, ["lr-find", "--lr-min", "1", "--lr-max", "0.1"]).exit_code == 2


# ------------------------------------------------------------------ the shipped configs

EXPECTED_FAILS = {
    # a line through a parabola on a symmetric domain is the constant: x carries nothing
    "fitting/01_one_linear_neuron.yaml": {"input-independent baseline"},
    "fitting/02_five_linear_units.yaml": {"input-independent baseline"},
    "lessons/zero_init.yaml": {"units at init"},           # the lesson: identical units
    "lessons/dead_relu.yaml": {"units at init"},           # the lesson: half the ReLUs dead
    "lessons/exploding_gradient.yaml": {"overfit a tiny batch"},  # one step saturates it
    "lessons/speed_of_learning.yaml": {"input-independent baseline"},  # stuck, as Nielsen says
}


def shipped_configs(mnist: bool) -> list[Path]:
    sections = set(nnlab.Config.model_fields) | {"base"}
    out = []
    for p in sorted((ROOT / "configs").rglob("*.yaml")):
        data = nnlab.load_config(p).to_dict() if set(_yaml(p)) <= sections else None
        if data is not None and (data["data"]["name"] in ("mnist", "fashion_mnist")) == mnist:
            out.append(p)
    return out


def _yaml(path: Path) -> dict:
    import yaml

    data = yaml.safe_load(path.read_text())
    return data if isinstance(data, dict) else {}


def _judge(config: Path) -> None:
    report = check_experiment(nnlab.build(config))
    name = config.relative_to(ROOT / "configs").as_posix()
    fails = {c.name for c in report.checks if c.status == "FAIL"}
    assert fails == EXPECTED_FAILS.get(name, set()), [
        (c.name, c.measured) for c in report.checks if c.status == "FAIL"]
    for c in report.checks:
        if c.status in ("WARN", "FAIL"):
            assert c.meaning and c.action, c   # every warning says why and what to do


QUICK = {"sine.yaml", "xor.yaml", "circles_sigmoid_l2.yaml", "fitting/01_one_linear_neuron.yaml",
         "lessons/zero_init.yaml", "lessons/dead_relu.yaml"}


def _marks(p: Path):
    quick = p.relative_to(ROOT / "configs").as_posix() in QUICK
    return pytest.param(p, marks=() if quick else pytest.mark.slow,
                        id=p.relative_to(ROOT / "configs").as_posix())


@pytest.mark.parametrize("config", [_marks(p) for p in shipped_configs(mnist=False)])
def test_shipped_configs_pass_or_warn_with_a_reason(config):
    """A few in the default run (including expected FAILs), all of them with -m slow."""
    _judge(config)


@pytest.mark.slow
@pytest.mark.parametrize("config", shipped_configs(mnist=True),
                         ids=lambda p: p.relative_to(ROOT / "configs").as_posix())
def test_shipped_mnist_configs_pass_or_warn_with_a_reason(config, mnist_dir):
    _judge(config)


def test_a_csv_of_raw_pixel_values_fails_until_it_is_scaled(tmp_path):
    """MNIST-like rows left in 0–255 from a user's CSV: data.scale decides."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 300)
    pixels = np.clip(rng.normal(60 + 60 * labels[:, None], 40, (300, 16)), 0, 255).round()
    path = tmp_path / "pixels.csv"
    rows = [",".join(f"{v:g}" for v in p) + f",{c}" for p, c in zip(pixels, labels)]
    path.write_text("\n".join([",".join([*(f"p{i}" for i in range(16)), "label"]), *rows]))
    base = ["data.name=csv", f"data.path={path}", "data.target=label",
            "data.task=classification", "model.activation=sigmoid", "model.hidden=[16]"]
    raw = statuses(check_experiment(nnlab.build(None, base), FAST))
    assert raw["data: scale"] == "FAIL" and raw["units at init"] == "FAIL", raw
    scaled = statuses(check_experiment(nnlab.build(None, [*base, "data.scale=minmax"]), FAST))
    assert scaled["data: scale"] == scaled["units at init"] == "PASS", scaled
