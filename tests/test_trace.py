"""`nnlab trace` on the backpropagation write-ups' worked examples: 2-3-2-1 sigmoid and word2vec.

Sign convention: nnlab's δ = ∂C/∂z with C = ½(O − t)², so δ8 = (O8 − t)·O8(1 − O8) < 0 here;
the text writes δ = (t − O)·f'(I), the opposite sign for every δ (its δ8 = +0.0863). In the
text's own convention δ3 = +0.0087, but it prints −0.0087: a sign slip that also flips its
Δw13 and Δw23. nnlab's δ3 = −0.008655 is the text's correct value with nnlab's sign.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nnlab
from nnlab.cli import app
from nnlab.errors import NnlabError
from nnlab.tools.trace import trace, unit_labels

ROOT = Path(__file__).resolve().parents[1]
BACKPROP = ROOT / "configs" / "lessons" / "backprop_2321.yaml"
WORD2VEC = ROOT / "configs" / "lessons" / "word2vec_example.yaml"
runner = CliRunner()


def sig(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits - 1}e}")


@pytest.fixture(scope="module")
def backprop() -> dict:
    return trace(nnlab.build(BACKPROP), steps=2)


def test_2321_labels_follow_the_text():
    assert unit_labels(nnlab.build(BACKPROP)) == [["1", "2"], ["3", "4", "5"], ["6", "7"], ["8"]]


def test_2321_output_and_deltas(backprop):
    first = backprop["steps"][0]
    l1, l2, l3 = first["layers"]
    assert sig(l3["a"][0, 0]) == 0.5518  # O8 (the text, rounding every step: 0.551)
    d8, (d6, d7), (d3, d4, d5) = l3["delta"][0, 0], l2["delta"][0], l1["delta"][0]
    assert sig(d8) == -0.08611  # the text: +0.0863 = −δ8 (t − O convention, rounded inputs)
    assert sig(d6) == -0.01602 and sig(d7) == 0.001590
    assert sig(d5) == -0.0009617 and sig(d4) == 0.002976
    assert sig(d3) == -0.008655  # the text: −0.0087, but its own convention gives +0.0087
    assert first["loss"] == pytest.approx(0.5 * (0.5518315 - 0.9) ** 2, rel=1e-6)


def test_2321_gradients_and_updates(backprop):
    first, second = backprop["steps"]
    for rec in first["layers"]:
        np.testing.assert_allclose(rec["grad_W"], rec["x"].T @ rec["delta"])  # ∂C/∂W = xᵀδ
        np.testing.assert_allclose(rec["update_W"], -0.3 * rec["grad_W"])  # v₀ = 0: −η∇
        np.testing.assert_allclose(rec["W_new"], rec["W"] + rec["update_W"])
    l1, _, l3 = first["layers"]
    assert sig(l1["update_W"][0, 0]) == 0.001558  # Δw13: the text's −0.00157 has the slip
    assert sig(l1["update_W"][1, 0]) == 0.001818  # Δw23 (the text: −0.00183)
    assert sig(l3["W_new"][1, 0]) == -0.1966  # w78 new (the text: −0.1965)
    assert sig(l3["W_new"][0, 0]) == 0.7640  # w68 new (the text: 0.764)
    # step 2 adds momentum: Δw(2) = γ Δw(1) − η ∇(2)
    for a, b in zip(first["layers"], second["layers"]):
        np.testing.assert_allclose(b["update_W"], 0.1 * a["update_W"] - 0.3 * b["grad_W"])
        np.testing.assert_allclose(b["W"], a["W_new"])
    assert second["loss"] == pytest.approx(first["loss_after"])
    assert first["loss_after"] < first["loss"]


def test_word2vec_example_numbers():
    """word2vec write-up: h, u, y, loss −log y₂ = 0.2949781, ∂L/∂W′ = h ⊗ e, ∂L/∂W = x ⊗ (W′e)."""
    tr = trace(nnlab.build(WORD2VEC))
    step = tr["steps"][0]
    hidden, out = step["layers"]
    assert tr["labels"][0] == ["i", "like", "playing", "football"]
    np.testing.assert_array_equal(tr["x"], [[1, 0, 0, 0]])
    np.testing.assert_allclose(hidden["a"][0], [-1.38118728, 0.54849373])
    np.testing.assert_allclose(out["z"][0], [-1.54350765, 1.10720623, -1.25885456, -0.61514042],
                               atol=1e-8)
    np.testing.assert_allclose(out["a"][0], [0.05256567, 0.7445479, 0.06987559, 0.13301083],
                               atol=1e-8)
    assert round(step["loss"], 7) == 0.2949781
    e = out["a"][0] - np.array([0, 1, 0, 0])
    np.testing.assert_allclose(out["delta"][0], e)
    np.testing.assert_allclose(out["grad_W"], np.outer(hidden["a"][0], e))
    np.testing.assert_allclose(hidden["grad_W"], np.outer(tr["x"][0], out["W"] @ e))


def test_cli_trace_prints_the_tables():
    result = runner.invoke(app, ["trace", str(BACKPROP)])
    assert result.exit_code == 0, result.output
    text = result.output
    for needle in ("layer 1: 2 → 3 sigmoid", "δ = ∂C/∂z", "-0.00865534", "0.551832", "-0.0861068",
                   "∂C/∂w", "Δw", "w new", "0.00155796", "-0.196556"):
        assert needle in text, needle


def test_cli_trace_json_and_steps():
    result = runner.invoke(app, ["trace", str(WORD2VEC), "--json", "--steps", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["steps"]) == 3 and data["labels"][-1][1] == "like"
    assert round(data["steps"][0]["loss"], 7) == 0.2949781
    losses = [s["loss"] for s in data["steps"]]
    assert losses == sorted(losses, reverse=True)  # gradient descent lowers the loss


def test_trace_refuses_wide_networks():
    with pytest.raises(NnlabError, match="at most 64"):
        trace(nnlab.build(BACKPROP, overrides=["model.hidden=[100, 2]", "model.weights=null"]))
    result = runner.invoke(app, ["trace", str(BACKPROP), "--set", "model.hidden=[100,2]",
                                 "--set", "model.weights=null"])
    assert result.exit_code == 2 and "trace prints every unit" in result.output


def test_trace_refuses_big_batches():
    exp = nnlab.build(None, overrides=["model.hidden=[3]", "train.batch_size=full"])
    with pytest.raises(NnlabError, match="train.batch_size"):
        trace(exp)
    tr = trace(nnlab.build(None, overrides=["model.hidden=[3]", "train.batch_size=4"]))
    rec = tr["steps"][0]["layers"][0]
    assert rec["z"].shape == (4, 3) and "b" in rec and rec["grad_b"].shape == (3,)
    np.testing.assert_allclose(rec["grad_b"], rec["delta"].sum(axis=0), atol=1e-7)
