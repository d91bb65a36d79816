"""Nielsen ch. 5's unstable gradient: the w = 100, z = 0 chain explodes by 25× per layer, and the
window of inputs where |w σ′(wa + b)| ≥ 1 exists only for |w| ≥ 4, widest ≈ 0.45 near |w| ≈ 6.9."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nnlab
from nnlab.tools import unstable_gradient as ug
from nnlab.tools.check import check_config

ROOT = Path(__file__).resolve().parents[1]
CHAIN = ROOT / "configs" / "lessons" / "exploding_gradient.yaml"


@pytest.mark.parametrize("w", [4.2, 5.0, 6.9, 10.0, 37.0, 100.0, -8.0])
def test_closed_form_width_equals_counting_the_grid(w):
    for b in (0.0, 2.5, -40.0):     # b only moves the window
        assert ug.window_width_on_grid(w, b) == pytest.approx(ug.window_width(w), abs=2e-5)


def test_no_window_below_four():
    for w in (0.5, 1.0, 2.0, 3.99, -3.5):
        assert ug.window_width(w) == 0.0 and ug.window_width_on_grid(w) == 0.0
    assert ug.window_width(4.0) == pytest.approx(0.0, abs=1e-12)
    assert ug.window_width(4.01) > 0


def test_widest_window_is_about_045_near_69():
    w, width = ug.widest()
    assert 6.85 < w < 6.95 and 0.445 < width < 0.45
    grid = np.linspace(4, 40, 3601)
    widths = np.array([ug.window_width(x) for x in grid])
    assert width >= widths.max() and abs(grid[widths.argmax()] - w) < 0.01


def test_factor_table():
    rows = {r["w"]: r for r in ug.table([1.0, 4.0, 100.0])}
    assert rows[1.0]["factor_at_z0"] == 0.25          # |w| < 1: at least 4× smaller per layer
    assert rows[4.0]["factor_at_z0"] == 1.0
    assert rows[100.0]["factor_at_z0"] == 25.0        # Nielsen's w = 100, z = 0
    assert rows[100.0]["width"] == pytest.approx(rows[100.0]["width_grid"], abs=2e-5)


def test_the_chain_with_w_100_explodes_25x_per_layer():
    exp = nnlab.build(CHAIN)
    assert all(float(layer.W[0, 0]) == 100.0 for layer in exp.network.layers)
    records = exp.fit()
    d = records[0]["grad_norm_b"]                     # |∂C/∂bˡ| at initialization
    np.testing.assert_allclose([d[i] / d[i + 1] for i in range(3)], 25.0, rtol=1e-6)
    assert records[1]["loss"] > records[0]["loss"]    # the one step overshoots ...
    assert records[-1]["grad_norm_b"] == [0.0] * 4    # ... and every neuron saturates


def test_check_sees_exploding_gradients():
    flow = check_config(CHAIN).by_name("gradient flow")
    assert flow.status == "WARN" and "exploding" in flow.meaning
    # 25² over three layers, times 2: x = 1 feeds W1 where a = σ(0) = ½ feeds W2 and W3
    assert flow.values["spread"] == pytest.approx(1250.0, rel=1e-6)


def test_gradcheck_judges_the_curved_chain_at_a_finer_step():
    from nnlab.tools.gradcheck import check_config as gradcheck

    report = gradcheck(CHAIN)
    assert report.passed, [(c.name, c.max_error) for c in report.failed]
    assert {c.name for c in report.checks if c.refined} == {"W1", "b1"}   # 25³ the curvature
