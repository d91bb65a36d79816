"""The house in layers: a fast, light start and the public names README promises."""

import subprocess
import sys

import pytest

HEAVY = ("numpy", "pydantic", "yaml", "matplotlib")


@pytest.mark.parametrize("args", [["--help"], ["train", "--help"], ["sweep", "--help"],
                                  ["runs", "list", "--help"]])
def test_help_imports_nothing_heavy(args):
    code = ("import sys\nfrom nnlab.cli import app\nsys.argv = ['nnlab', *sys.argv[1:]]\n"
            "try:\n    app()\nexcept SystemExit as e:\n    code = e.code\n"
            f"print([m for m in {HEAVY!r} if m in sys.modules], code, file=sys.stderr)")
    res = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert res.stderr.strip().splitlines()[-1] == "[] 0", res.stderr
    assert "Usage: nnlab" in res.stdout


def test_import_nnlab_is_light():
    code = f"import sys, nnlab; print([m for m in {HEAVY!r} if m in sys.modules])"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "[]"


def test_public_names_load_on_first_use():
    import nnlab

    for name in ("build", "train", "load_run", "load_config", "resolve", "Config", "Network",
                 "Experiment", "RunResult", "RunDir", "NnlabError", "ConfigError"):
        assert getattr(nnlab, name) is not None
    assert nnlab.activations.get("leaky_relu").name == "leaky_relu"
    assert nnlab.losses.get("mse").name == "mse"
    assert nnlab.optimizers.get({"name": "adam", "lr": 1e-3}).lr == 1e-3
    assert nnlab.trainer.Trainer is nnlab.runs.trainer.Trainer
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        nnlab.nope  # noqa: B018
