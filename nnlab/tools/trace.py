"""Every number of a few training steps of a small network: the backpropagation write-ups' examples.

`trace` runs the real thing — `Network.forward`, `Network.backward` and the experiment's
optimizer — on the first batch of the training set and records, per step and per layer
(batch-major, weights (fan_in, fan_out): row i = input i, column j = unit j):

    x        the layer's input (the previous layer's activations), (batch, fan_in)
    z        pre-activations z = x W + b, (batch, units)
    a        activations a = f(z)
    delta    δ = ∂C/∂z, exactly the array the backward pass used (C = the batch loss, a mean)
    grad_W   ∂C/∂W = xᵀ δ (+ (λ/n) W with L2), the gradient handed to the optimizer
    update_W ΔW = W_new − W: what the optimizer did (sgd: −η ∂C/∂W, plus momentum later)
    W, W_new the weights before and after the step; the same four for b when the layer has one,
             and for gamma and beta (γ, β) of a batch-normalized layer, which also records
    u, u_hat its u = xW and û = (u − μ)/√(σ² + ε) with the batch's statistics: z = γ û + β.

Units are numbered consecutively from the inputs, as in the write-ups (a 2-3-2-1 network has inputs
1, 2, hidden units 3-5 and 6-7, output 8); for a text data set the inputs and outputs are labelled
by their words and the hidden units h1, h2, …. Each step repeats the same batch (for a one-sample
worked example that is the same as training) at the learning rate of epoch ``step − 1`` when the
batch is the whole training set, else of epoch 0. The trace changes the experiment's network and
optimizer state exactly as training would.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.metrics import l2_penalty, score
from ..errors import NnlabError
from ..runs.experiment import Experiment

MAX_UNITS = 64
MAX_SAMPLES = 20


def unit_labels(exp: Experiment) -> list[list[str]]:
    """One label per unit of every layer, inputs first (see the module doc)."""
    sizes = exp.network.sizes
    vocab = exp.dataset.info.get("vocab")
    if vocab and sizes[0] == len(vocab):
        hidden = [[f"h{j + 1}" for j in range(n)] for n in sizes[1:-1]]
        out = list(vocab) if sizes[-1] == len(vocab) else [f"y{j + 1}" for j in range(sizes[-1])]
        return [list(vocab), *hidden, out]
    labels, start = [], 1
    for n in sizes:
        labels.append([str(start + j) for j in range(n)])
        start += n
    return labels


def first_batch(exp: Experiment) -> tuple[np.ndarray, np.ndarray]:
    """(x, t) of the first ``train.batch_size`` training rows (unshuffled), checked for size."""
    net, d = exp.network, exp.dataset
    big = [(i, n) for i, n in enumerate(net.sizes) if n > MAX_UNITS]
    if big:
        i, n = big[0]
        where = "the input" if i == 0 else f"layer {i}"
        raise NnlabError(f"trace prints every unit, but {where} has {n} units (at most "
                         f"{MAX_UNITS}); trace a smaller network, e.g. --set model.hidden=[4]")
    n = len(d.x_train)
    bs = exp.config.train.batch_size
    bs = n if bs == "full" else min(int(bs), n)
    if bs > MAX_SAMPLES:
        raise NnlabError(f"trace prints every sample, but the first batch has {bs} (at most "
                         f"{MAX_SAMPLES}); use --set train.batch_size={min(4, MAX_SAMPLES)}")
    x = np.asarray(d.x_train[:bs], dtype=net.dtype)
    t = d.targets(d.y_train[:bs], net.layers[-1].units, net.dtype)
    return x, t


def _backward_recording_deltas(exp: Experiment, t: np.ndarray) -> list[np.ndarray]:
    """Run `Network.backward` and return the δ it handed to each layer's ``backward``."""
    deltas: dict[int, np.ndarray] = {}
    layers = exp.network.layers
    for i, layer in enumerate(layers):
        real = layer.backward

        def spy(delta: np.ndarray, need_input_grad: bool = True, _i: int = i,
                _real: Any = real) -> np.ndarray | None:
            deltas[_i] = delta.copy()
            return _real(delta, need_input_grad)

        layer.backward = spy  # an instance attribute shadows the method for this call only
    try:
        exp.network.backward(t, exp.loss)
    finally:
        for layer in layers:
            del layer.backward
    return [deltas[i] for i in range(len(layers))]


def trace(exp: Experiment, steps: int = 1) -> dict[str, Any]:
    """Train ``steps`` steps on the first batch and return every intermediate value.

    Returns ``{"network", "loss_fn", "optimizer", "n_train", "labels", "x", "t", "steps"}`` where
    ``steps`` is a list of ``{"step", "lr", "loss", "loss_after", "output", "layers"}`` and
    ``layers`` a list of dicts of arrays (keys in the module doc; ``mask`` when dropout is on)
    plus the layer's ``activation`` name.
    """
    if steps < 1:
        raise NnlabError(f"--steps must be >= 1, got {steps}")
    net, c = exp.network, exp.config
    x, t = first_batch(exp)
    n = len(exp.dataset.x_train)
    l2 = c.regularization.l2
    classification = exp.dataset.task == "classification"
    params, grads = net.params(), net.grads()
    out: dict[str, Any] = {
        "network": repr(net), "loss_fn": repr(exp.loss), "optimizer": repr(exp.optimizer),
        "n_train": n, "labels": unit_labels(exp), "x": x.copy(), "t": t.copy(), "steps": [],
    }
    for k in range(steps):
        lr = exp.schedule.lr(k if len(x) == n else 0, exp.optimizer.lr, c.train.epochs)
        before = [{kind: p.copy() for kind, p in zip(layer.kinds, layer.params())}
                  for layer in net.layers]
        penalty = l2_penalty(net, l2, n)
        with np.errstate(over="ignore", invalid="ignore"):
            net.forward(x, exp.rng)  # training mode, as the trainer does (dropout if any)
            last = net.layers[-1]
            loss = float(exp.loss.value(last.z, last.a, t, last.activation)) + penalty
            output = last.a.copy()
            deltas = _backward_recording_deltas(exp, t)
        layers = []
        for layer, delta, old in zip(net.layers, deltas, before):
            if l2:
                layer.gW += (l2 / n) * layer.W  # as Trainer.run_epoch does
            rec = {"activation": repr(layer.activation), "x": layer.x.copy(),
                   "z": layer.z.copy(), "a": layer.a.copy(), "delta": delta}
            if hasattr(layer, "norm"):  # batch normalization: u = xW and û before z = γû + β
                rec |= {"u": layer.x @ old["W"], "u_hat": layer.norm.u_hat.copy()}
            for kind, g in zip(layer.kinds, layer.grads()):
                rec |= {kind: old[kind], f"grad_{kind}": g.copy()}
            if layer.mask is not None:
                rec["mask"] = layer.mask.copy()
            layers.append(rec)
        exp.optimizer.step(params, grads, lr)  # overwrites the gradient arrays (copied above)
        for layer, rec in zip(net.layers, layers):
            for kind, p in zip(layer.kinds, layer.params()):
                rec |= {f"{kind}_new": p.copy(), f"update_{kind}": p - rec[kind]}
        with np.errstate(over="ignore", invalid="ignore"):
            after = score(net, exp.loss, x, t, classification=classification,
                          penalty=l2_penalty(net, l2, n))["loss"]
        out["steps"].append({"step": k + 1, "lr": float(lr), "loss": loss, "loss_after": after,
                             "output": output, "layers": layers})
    return out
