"""Command-line manners: -h, readable placeholders, shell completion (through typer's test
runner, as a shell asks), the key=value hint; the JSON Schema over every shipped config; the
commented template of `nnlab config defaults`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from nnlab.cli import app
from nnlab.config import load_config
from nnlab.data import catalog

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted(p for p in (ROOT / "configs").rglob("*.yaml") if "sweeps" not in p.parts)
runner = CliRunner()
COMMANDS = [["train"], ["eval"], ["predict"], ["gradcheck"], ["plot"], ["sweep"], ["trace"],
            ["embed"], ["config", "show"], ["config", "defaults"], ["config", "schema"],
            ["data", "fetch"], ["data", "info"], ["runs", "list"], ["runs", "compare"],
            ["runs", "show"]]


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_dash_h_and_readable_placeholders(words):
    result = runner.invoke(app, [*words, "-h"], prog_name="nnlab")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: nnlab {' '.join(words)}")
    for ugly in ("<str>", "<path>", "<int", "<float", "<list", "{", "<boolean>"):
        assert ugly not in result.output.split("Options:")[1] if ugly == "{" else (
            ugly not in result.output), f"{ugly} in `nnlab {' '.join(words)} -h`"
    usage = result.output.splitlines()[0]
    assert not re.search(r"\{\w+\}", usage) and usage == usage.replace("[config]", "")


def test_placeholders_say_what_goes_there():
    out = runner.invoke(app, ["train", "-h"]).output
    assert "--set KEY=VALUE" in out and "--resume RUN" in out and "[FILE]" in out
    out = runner.invoke(app, ["eval", "-h"], prog_name="nnlab").output
    assert "Usage: nnlab eval [OPTIONS] RUN" in out and "--checkpoint best|last" in out
    assert runner.invoke(app, ["-h"]).exit_code == 0


def complete(line: str, cwd: Path | None = None, monkeypatch=None) -> list[str]:
    """What bash gets offered for the last word of ``line`` (typer's completion protocol)."""
    words = line.split(" ")
    env = {"_NNLAB_COMPLETE": "complete_bash", "COMP_WORDS": line,
           "COMP_CWORD": str(len(words) - 1)}
    result = runner.invoke(app, [], prog_name="nnlab", env=env)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_completion_of_set_keys_and_their_values():
    assert complete("nnlab train --set data.na") == ["data.name="]
    assert "optimizer.lr=" in complete("nnlab train --set optim")
    assert set(complete("nnlab train --set model.")) >= {"model.hidden=", "model.activation="}
    assert complete("nnlab train --set data.name=fash") == ["data.name=fashion_mnist"]
    assert "model.activation=leaky_relu" in complete("nnlab train -s model.activation=le")
    assert complete("nnlab train --set train.dtype=") == ["train.dtype=float32",
                                                          "train.dtype=float64"]


def test_completion_of_config_files_and_run_directories(tmp_path, monkeypatch):
    (tmp_path / "configs" / "fitting").mkdir(parents=True)
    (tmp_path / "configs" / "sine.yaml").write_text("")
    (tmp_path / "configs" / "notes.txt").write_text("")
    run = tmp_path / "runs" / "sine-20260101-000000-abcdef"
    run.mkdir(parents=True)
    (run / "config.yaml").write_text("")
    monkeypatch.chdir(tmp_path)
    assert complete("nnlab train con") == ["configs/"]
    assert complete("nnlab train configs/") == ["configs/fitting/", "configs/sine.yaml"]
    assert complete("nnlab eval ") == [f"runs/{run.name}"]
    assert complete("nnlab train --resume runs/si") == [f"runs/{run.name}"]
    assert complete("nnlab runs show runs/") == [f"runs/{run.name}"]


def test_completion_can_be_installed():
    """The options are there; the script they install speaks the protocol tested above (what
    --show-completion prints depends on the shell it detects, so it is not run here)."""
    from typer.completion import get_completion_script

    out = runner.invoke(app, ["-h"]).output
    assert "--install-completion" in out and "--show-completion" in out
    script = get_completion_script(prog_name="nnlab", complete_var="_NNLAB_COMPLETE",
                                   shell="bash")
    assert "_NNLAB_COMPLETE=complete_bash" in script


def test_a_key_value_argument_suggests_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["train", "optimizer.lr=0.05"])
    assert result.exit_code == 2
    assert "--set optimizer.lr=0.05" in result.output and "Traceback" not in result.output


# ---------------------------------------------------------------- the JSON Schema

@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    result = runner.invoke(app, ["config", "schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: str(p.relative_to(ROOT / "configs")))
def test_every_shipped_config_validates(validator, config):
    errors = [e.message for e in validator.iter_errors(yaml.safe_load(config.read_text()) or {})]
    assert not errors, errors


@pytest.mark.parametrize("text", [
    "model: {hiden: [3]}",                                  # a key
    "data: {name: sin}",                                    # a data set
    "model: {activation: rellu}",                           # a registry name
    "model: {activation: {name: leaky_relu, alpah: 0.1}}",  # a parameter of that entry
    "optimizer: {name: adam, momentum: 0.9}",               # sgd's parameter on adam
    "optimizer: {name: sgd, schedule: {name: cosine, t_mx: 5}}",
    "train: {epochs: 0}",                                   # a bound
    "loss: mse_loss",
])
def test_a_typo_fails_validation_as_it_fails_nnlab(validator, text, tmp_path):
    assert list(validator.iter_errors(yaml.safe_load(text)))
    path = tmp_path / "typo.yaml"
    path.write_text(text + "\n")
    assert runner.invoke(app, ["config", "show", str(path)]).exit_code == 2


def test_schema_knows_names_parameters_and_descriptions(validator):
    schema = validator.schema
    data = schema["$defs"]["DataConfig"]["properties"]
    assert data["name"]["enum"] == list(catalog.NAMES)
    assert "read by: sine" in data["domain"]["description"]
    assert "momentum" in schema["properties"]["optimizer"]["properties"]
    assert all(p.get("description") for p in data.values())


# ---------------------------------------------------------------- config defaults

def test_defaults_is_a_commented_template_with_the_chosen_data_keys(tmp_path):
    text = runner.invoke(app, ["config", "defaults"]).stdout
    assert "  noise: 0.05           # std of Gaussian noise" in text
    assert "window" not in text and "labels" not in text  # word2vec and samples keys: not sine's
    mnist = runner.invoke(app, ["config", "defaults", "--set", "data.name=mnist"]).stdout
    assert "  split: nielsen" in mnist and "noise" not in mnist
    for out in (text, mnist):
        path = tmp_path / "t.yaml"
        path.write_text(out)
        name = yaml.safe_load(out)["data"]["name"]
        assert load_config(path) == load_config(None, [f"data.name={name}"])


def test_the_docs_show_the_template_nnlab_prints():
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    printed = runner.invoke(app, ["config", "defaults"]).stdout
    assert printed.strip() in page
