"""Long experiment runs against the numbers of the source texts (opt-in: pytest -m slow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nnlab

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.slow, pytest.mark.mnist]


def test_nielsen_784_30_10_reaches_the_seed_table(tmp_path, mnist_dir):
    """Nielsen ch. 5: 96.48% best validation accuracy after 30 epochs (spread a few tenths)."""
    result = nnlab.train(ROOT / "configs" / "mnist_nielsen.yaml",
                         overrides=[f"data.path={mnist_dir}", "run.plots=false"],
                         runs_dir=tmp_path, handle_signals=False)
    assert 0.962 <= result.summary["best"]["val_accuracy"] <= 0.975


def test_modern_config_beats_97_5_percent_on_test(tmp_path, mnist_dir):
    result = nnlab.train(ROOT / "configs" / "mnist_modern.yaml",
                         overrides=[f"data.path={mnist_dir}", "run.plots=false"],
                         runs_dir=tmp_path, handle_signals=False)
    exp = nnlab.load_run(result.run_dir, "best")
    assert exp.evaluate("test")["accuracy"] >= 0.975


def test_speed_of_learning_at_initialization(mnist_dir):
    """Nielsen ch. 5: each layer nearer the input learns several times slower (median of 8)."""
    config = ROOT / "configs" / "lessons" / "speed_of_learning.yaml"
    norms = np.array([nnlab.build(config, [f"data.path={mnist_dir}", f"train.seed={s}"])
                      .trainer().measure()["grad_norm_b"][:-1] for s in range(8)])
    med = np.median(norms, axis=0)
    assert np.all(np.diff(med) > 0)  # ‖δ1‖ < ‖δ2‖ < ‖δ3‖ < ‖δ4‖
    np.testing.assert_allclose(med, [0.0025, 0.012, 0.055, 0.283], rtol=0.35)  # Nielsen's code
    assert 50 < med[-1] / med[0] < 250  # text: 95, Nielsen's code: 113
