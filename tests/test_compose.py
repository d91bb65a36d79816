"""``base:`` composition: merged depth-first, the file's own keys winning, errors in the right
file, cycles refused, the chain recorded; and the resolved config with nothing left to decide."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import nnlab
from nnlab.cli import app
from nnlab.config import load_config, resolve
from nnlab.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def files(tmp_path: Path, **texts: str) -> Path:
    for name, text in texts.items():
        (tmp_path / f"{name}.yaml").parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f"{name}.yaml").write_text(text)
    return tmp_path


def test_own_keys_win_and_mappings_merge(tmp_path):
    files(tmp_path, base="data: {name: sine, n: 64, noise: 0.1}\n"
                         "optimizer: {name: sgd, lr: 0.1, momentum: 0.9}\ntrain: {epochs: 7}\n",
          child="base: base.yaml\ndata: {n: 32}\noptimizer: {lr: 0.05}\n")
    cfg = load_config(tmp_path / "child.yaml")
    assert (cfg.data.name, cfg.data.n, cfg.data.noise) == ("sine", 32, 0.1)
    assert cfg.optimizer == {"name": "sgd", "lr": 0.05, "momentum": 0.9}
    assert cfg.train.epochs == 7
    assert cfg.chain == [str(tmp_path / "base.yaml"), str(tmp_path / "child.yaml")]


def test_a_new_name_replaces_the_section(tmp_path):
    """A different optimizer does not inherit the other's parameters (adam has no momentum)."""
    files(tmp_path, base="optimizer: {name: sgd, lr: 0.1, momentum: 0.9}\n",
          child="base: base.yaml\noptimizer: {name: adam}\n")
    assert load_config(tmp_path / "child.yaml").optimizer == {"name": "adam"}


def test_list_of_bases_depth_first_relative_paths(tmp_path):
    files(tmp_path, **{"common/net": "model: {hidden: [8], activation: relu}\n",
                       "common/data": "base: net.yaml\ndata: {name: moons}\nmodel: {hidden: [4]}\n",
                       "exp/long": "train: {epochs: 9}\nmodel: {activation: tanh}\n",
                       "exp/child": "base: [../common/data.yaml, long.yaml]\n"})
    cfg = load_config(tmp_path / "exp/child.yaml")
    assert cfg.data.name == "moons" and cfg.model.hidden == [4]
    assert cfg.model.activation == "tanh" and cfg.train.epochs == 9
    assert [Path(p).name for p in cfg.chain] == ["net.yaml", "data.yaml", "long.yaml",
                                                 "child.yaml"]


def test_errors_name_the_file_and_line_the_key_came_from(tmp_path):
    files(tmp_path, base="data:\n  name: sine\nmodel:\n  hiden: [3]\n",
          child="base: base.yaml\ntrain:\n  epochs: 5\n")
    with pytest.raises(ConfigError, match=r"base\.yaml:4: unknown key 'model\.hiden'"):
        load_config(tmp_path / "child.yaml")
    files(tmp_path, base="train:\n  epochs: 5\n", child="base: base.yaml\n\ntrain:\n  epochs: 0\n")
    with pytest.raises(ConfigError, match=r"child\.yaml:4: train\.epochs"):
        load_config(tmp_path / "child.yaml")


def test_cycles_are_refused_with_the_chain(tmp_path):
    files(tmp_path, a="base: b.yaml\n", b="base: c.yaml\n", c="base: a.yaml\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "a.yaml")
    msg = str(info.value)
    assert "cycle" in msg and msg.count("a.yaml") >= 2 and "b.yaml" in msg and "c.yaml" in msg
    files(tmp_path, me="base: me.yaml\n")
    with pytest.raises(ConfigError, match="cycle"):
        load_config(tmp_path / "me.yaml")


def test_bad_bases(tmp_path):
    files(tmp_path, child="base: nope.yaml\n", num="base: 3\n",
          sweep="base: child.yaml\ngrid: {train.seed: [0, 1]}\n")
    with pytest.raises(ConfigError, match=r"child\.yaml:1: base: nope\.yaml: file not found"):
        load_config(tmp_path / "child.yaml")
    with pytest.raises(ConfigError, match="expected a file name or a list"):
        load_config(tmp_path / "num.yaml")
    with pytest.raises(ConfigError, match="sweep file.*nnlab sweep"):
        load_config(tmp_path / "sweep.yaml")


def test_run_records_the_merged_config_and_the_chain(tmp_path):
    files(tmp_path, base="data: {name: sine, n: 40}\ntrain: {epochs: 2}\nrun: {plots: false}\n",
          child="base: base.yaml\nmodel: {hidden: [5]}\n")
    result = CliRunner().invoke(app, ["train", str(tmp_path / "child.yaml"), "-q",
                                      "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    (run,) = (tmp_path / "runs").iterdir()
    text = (run / "config.yaml").read_text()
    assert run.name.startswith("child-")
    assert f"# merged: {tmp_path / 'base.yaml'} <- {tmp_path / 'child.yaml'}" in text
    recorded = yaml.safe_load(text)
    assert "base" not in recorded and recorded["data"]["n"] == 40
    assert recorded["model"]["hidden"] == [5] and recorded["train"]["epochs"] == 2


def test_resolved_config_decides_every_auto_and_default():
    r = resolve(load_config(ROOT / "configs/sine.yaml"))
    assert r.model.output_units == 1 and r.model.output_activation == "identity"
    assert r.optimizer["schedule"]["t_max"] == r.train.epochs  # cosine: T = the run's epochs
    assert r.data.domain == (-3.0, 3.0) and r.data.n == 256
    spiral = resolve(load_config(None, ["data.name=spiral"]))
    assert (spiral.data.classes, spiral.data.n, spiral.model.output_units) == (2, 400, 2)
    xor = resolve(load_config(None, ["data.name=xor", "loss=binary_crossentropy"]))
    assert xor.model.output_units == 1
    shown = yaml.safe_load(resolve(load_config(ROOT / "configs/sine.yaml")).to_yaml())
    assert set(shown["data"]) == {"name", "val_split", "n", "noise", "domain"}
    assert "auto" not in str(shown) and "None" not in str(shown["data"])


def test_the_run_fills_what_only_the_data_know(tmp_path):
    """A corpus's vocabulary decides the output width: the run's config.yaml records it."""
    result = nnlab.train(ROOT / "configs/lessons/word2vec.yaml", runs_dir=tmp_path,
                         overrides=["train.epochs=1", "run.plots=false"])
    recorded = yaml.safe_load((result.run_dir / "config.yaml").read_text())
    assert recorded["model"]["output_units"] == result.network.layers[-1].units


def test_api_names_runs_as_the_cli_does(tmp_path):
    cfg = load_config(ROOT / "configs/sine.yaml", ["train.epochs=1", "run.plots=false"])
    assert cfg.source == str(ROOT / "configs/sine.yaml")
    result = nnlab.train(cfg, runs_dir=tmp_path)
    assert result.run_dir.name.startswith("sine-")
    assert "(from " in (result.run_dir / "config.yaml").read_text().splitlines()[0]
    again = nnlab.train(cfg, overrides=["train.seed=1"], runs_dir=tmp_path)
    assert again.run_dir.name.startswith("sine-")
    assert nnlab.train(nnlab.Config(), overrides=["train.epochs=1", "run.plots=false"],
                       runs_dir=tmp_path).run_dir.name.startswith("default-")


def test_a_sweep_file_keeps_its_own_base(tmp_path):
    from nnlab.tools.sweep import is_sweep_file

    files(tmp_path, exp="base: ../configs/sine.yaml\ntrain: {epochs: 3}\n",
          sweep="base: exp.yaml\ngrid: {model.activation: [tanh, relu]}\n")
    assert not is_sweep_file(tmp_path / "exp.yaml")
    assert is_sweep_file(tmp_path / "sweep.yaml")
    assert is_sweep_file(ROOT / "configs/sweeps/activations.yaml")
