"""Checks of the network at initialization: the loss it starts from, its output bias, and
whether its hidden units can learn (not dead, not saturated, not copies of each other)."""

from __future__ import annotations

import copy

import numpy as np

from ...core.batchnorm import batch_statistics
from ...core.metrics import dead_units, slopes
from ...core.output_bias import output_bias
from .report import Check
from .setup import Setup

PROBE = 1000          # training samples pushed through the network for the unit statistics
SATURATED = 0.01      # f'(z) below this share of f'(0) counts as saturated ...
SATURATED_SHARE = 0.9   # ... on at least this share of the probe samples


def loss_at_init(s: Setup) -> Check:
    """The initial loss against the loss of an uninformed output (chance, e.g. ln C)."""
    l0, chance = s.data_loss(s.exp.network, s.x, s.t), s.chance()
    values = {"loss": l0, "chance": chance, "ratio": l0 / chance if chance > 0 else None}
    measured = f"{l0:.4g} at initialization vs {chance:.4g} expected ({s.chance_words()})"
    if not np.isfinite(l0):
        return Check("loss at init", "FAIL", measured, "the untrained network already gives "
                     "NaN/inf", "check the input scale and the initializers", values)
    ratio = values["ratio"] or 1.0
    # regression outputs start with a spread of their own that adds ½Var(y) to the loss
    limit = (1.5, 4.0) if s.classification else (5.0, 50.0)
    if ratio <= limit[0]:
        return Check("loss at init", "PASS", measured, "the network starts as uninformed as it "
                     "should", values=values)
    status = "WARN" if ratio <= limit[1] else "FAIL"
    why = ("the network starts confidently wrong (outputs far from uniform)" if
           s.classification else "the untrained outputs spread far wider than the targets")
    return Check("loss at init", status, measured, f"{ratio:.1f}× the expected value: {why}",
                 "use smaller initial weights (e.g. glorot/he/nielsen), scale the inputs, "
                 "or set model.output_bias_init: auto", values)


def output_bias_check(s: Setup) -> Check:
    """The initial loss with the configured output bias and with f⁻¹(mean target)."""
    net = s.exp.network
    out = net.layers[-1]
    if out.b is None:
        return Check("output bias", "SKIP", "the output layer has no bias", "nothing to set")
    try:
        best = output_bias(out.activation.name, s.t)
    except ValueError as err:
        return Check("output bias", "SKIP", str(err), "nothing to set")
    auto = copy.deepcopy(net)
    auto.layers[-1].b[...] = best
    l0, l_auto = s.data_loss(net, s.x, s.t), s.data_loss(auto, s.x, s.t)
    values = {"loss": l0, "loss_auto": l_auto, "prior": s.prior()}
    measured = f"initial loss {l0:.4g} now, {l_auto:.4g} with model.output_bias_init: auto"
    if s.exp.config.model.output_bias_init == "auto":
        return Check("output bias", "PASS", measured.split(",")[0] + " (output_bias_init: auto)",
                     "the output bias starts at f⁻¹(mean target)", values=values)
    if not np.isfinite(l0) or l_auto < 0.75 * l0:
        return Check("output bias", "WARN", measured, "the first steps would be spent learning "
                     "the mean target (the class prior, the regression mean)",
                     "set model.output_bias_init: auto", values)
    return Check("output bias", "PASS", measured, "the output bias is already about right",
                 values=values)


def _slope_reference(act) -> float:
    """f'(0), the activation's slope where a well-scaled z lives (1 when f'(0) = 0)."""
    z = np.zeros((1, 1))
    ref = float(act.backward(z, act.forward(z), np.ones_like(z))[0, 0])
    return ref if ref > 0 else 1.0


def layer_units(layer) -> tuple[np.ndarray, int]:
    """Per unit of a layer after a forward pass: dead (f' = 0 on every sample), saturated
    (f' < 1% of f'(0) on ≥ 90% of the samples but not dead); and how many distinct units the
    layer has (columns of W with their bias, or γ and β of a batch normalization)."""
    dead = dead_units(layer)
    if dead is None:  # softmax: no unit-wise slope to judge
        dead = weak = np.zeros(layer.units, dtype=bool)
    else:
        slope = np.abs(slopes(layer))
        weak = (np.mean(slope < SATURATED * _slope_reference(layer.activation), axis=0)
                >= SATURATED_SHARE)
    cols = np.vstack([layer.W, *(p[None, :] for p in layer.params()[1:])])
    distinct = len(np.unique(cols.T, axis=0))
    return np.stack([dead, weak & ~dead]), distinct


def units_at_init(s: Setup) -> Check:
    """Dead, saturated and identical hidden units of the network at initialization."""
    net = s.exp.network
    if len(net.layers) < 2:
        return Check("units at init", "SKIP", "no hidden layer", "nothing to check")
    net = copy.deepcopy(net)
    x, parts, worst, clones = s.x[:PROBE], [], 0.0, []
    with np.errstate(all="ignore"), batch_statistics(net):  # BN: as a training step sees it
        net.forward(x)
    for i, layer in enumerate(net.layers[:-1]):
        (dead, sat), distinct = layer_units(layer)
        worst = max(worst, float(np.mean(dead | sat)))
        parts.append(f"layer {i + 1}: {dead.mean():.0%} dead, {sat.mean():.0%} saturated"
                     + (f", {distinct} distinct of {layer.units}" if distinct < layer.units
                        else ""))
        if distinct < layer.units:
            clones.append((i + 1, distinct, layer.units))
    values = {"layers": parts, "worst_unusable": worst,
              "identical": [{"layer": i, "distinct": d, "units": u} for i, d, u in clones]}
    shown = [p for p in parts if not p.endswith(": 0% dead, 0% saturated")]
    measured = ("; ".join(shown) if shown else f"no dead or saturated units in {len(parts)} "
                f"hidden layer{'s' if len(parts) > 1 else ''}") + f" (on {len(x)} training samples)"
    if any(d == 1 for _, d, u in clones):
        return Check("units at init", "FAIL", measured, "all units of a layer start identical "
                     "(zero or constant init): they get identical gradients and stay copies",
                     "use a random initializer (glorot_uniform, he_normal, nielsen)", values)
    if worst >= 0.5 or clones:
        status = "FAIL" if worst >= 0.5 else "WARN"
        return Check("units at init", status, measured, "units with f′(z) ≈ 0 pass no gradient "
                     "and do not learn" + (", identical units stay identical" if clones else ""),
                     "scale the inputs, use smaller initial weights or another activation "
                     "(leaky_relu, tanh)", values)
    if worst >= 0.1:
        return Check("units at init", "WARN", measured, "a share of the units cannot learn "
                     "from the start (f′(z) ≈ 0)", "consider leaky_relu or smaller biases",
                     values)
    return Check("units at init", "PASS", measured, "every hidden unit starts able to learn",
                 values=values)


VANISH = 25.0     # relative weight gradient of the fastest hidden layer over the slowest: WARN
BROKEN = 1e4      # ... and beyond this, FAIL


def gradient_flow(s: Setup) -> Check:
    """How fast each hidden layer's weights move at initialization: the relative gradient
    ‖∂C/∂Wˡ‖/‖Wˡ‖ on the probe samples (Karpathy's update-to-weight ratio, per unit lr), shown
    with Nielsen's speed of learning ‖δˡ‖ = ‖∂C/∂bˡ‖. A large spread means some layers learn
    orders of magnitude slower (vanishing gradients) or faster (exploding) than the others.

    The weights, not ‖δˡ‖, decide: after a batch normalization the next layer subtracts the
    batch mean again, so a normalized layer's β (its b) barely matters and ‖∂C/∂β‖ is small
    however fast the layer learns.
    """
    net = copy.deepcopy(s.exp.network)
    if len(net.layers) < 3:
        return Check("gradient flow", "SKIP", "fewer than two hidden layers", "nothing to "
                     "compare")
    x, t = s.x[:PROBE], s.t[:PROBE]
    with np.errstate(all="ignore"), batch_statistics(net):
        net.forward(x)
        net.backward(t, s.loss)
    hidden = net.layers[:-1]
    sizes = [float(np.linalg.norm(ly.W)) for ly in hidden]
    rel = [float(np.linalg.norm(ly.gW)) / w if w else 0.0 for ly, w in zip(hidden, sizes)]
    deltas = [float(np.linalg.norm(ly.gb)) if ly.gb is not None else None for ly in hidden]
    values = {"relative": rel, "delta": deltas}
    measured = ("‖∂C/∂Wˡ‖/‖Wˡ‖ per hidden layer " + " / ".join(f"{v:.2g}" for v in rel)
                + ("; ‖δˡ‖ " + " / ".join(f"{v:.2g}" for v in deltas)
                   if None not in deltas else "") + f" (on {len(x)} training samples)")
    if not all(np.isfinite(rel)) or min(rel) == 0:
        return Check("gradient flow", "FAIL", measured, "a hidden layer gets no (or no finite) "
                     "gradient", "see units at init", values)
    spread = max(rel) / min(rel)
    values["spread"] = spread
    if spread <= VANISH:
        return Check("gradient flow", "PASS", measured, f"the layers' weights learn within "
                     f"{spread:.3g}× of each other's speed", values=values)
    slow, fast = int(np.argmin(rel)) + 1, int(np.argmax(rel)) + 1
    kind = "vanishing" if slow < fast else "exploding"
    return Check("gradient flow", "WARN" if spread <= BROKEN else "FAIL", measured,
                 f"{kind} gradients (Nielsen, ch. 5): layer {slow}'s weights learn "
                 f"{spread:.3g}× slower than layer {fast}'s", "batch normalization "
                 "(model.batchnorm: true), or ReLU with He initialization", values)
