"""The training step: `Trainer.run_epoch` (batches gathered row by row, each layer updated in
place right after its backward pass) gives bit-identical parameters to a plain reference loop."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import nnlab
from nnlab.core import activations, losses, optimizers, schedules
from nnlab.core.network import Network
from nnlab.core.steps import DenseSteps, unrollable
from nnlab.data import Dataset
from nnlab.runs.trainer import Trainer

OPTIMIZERS = [
    {"name": "sgd", "lr": 0.1},
    {"name": "sgd", "lr": 0.05, "momentum": 0.9},
    {"name": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"name": "sgd", "lr": 0.05, "weight_decay": 0.01},
    {"name": "adagrad", "lr": 0.05},
    {"name": "rmsprop", "lr": 0.005},
    {"name": "rmsprop", "lr": 0.005, "momentum": 0.5},
    {"name": "adam", "lr": 0.01},
    {"name": "adamw", "lr": 0.01},
]
NETWORKS = {  # hidden activation, output activation, loss, extra settings
    "sigmoid-bce-l2-dropout": ["model.activation=sigmoid", "model.output_activation=sigmoid",
                               "loss=binary_crossentropy", "regularization.l2=2.0",
                               "model.dropout=0.2"],
    "relu-softmax": ["model.activation=relu", "model.output_activation=softmax",
                     "loss=categorical_crossentropy", "model.weight_init=he_normal"],
    "tanh-mse-unshuffled": ["model.activation=tanh", "loss=mse", "train.shuffle=false"],
    "leaky-huber-nobias": ["model.activation=leaky_relu", "loss=huber", "model.bias=false"],
    "softmax-mse-unfused": ["model.activation=elu", "model.output_activation=softmax",
                            "loss=mse"],
}


def reference_epoch(tr: Trainer, lr: float) -> None:
    """The step loop written plainly: a shuffled copy of the data, the network's forward and
    backward pass, the L2 term, one optimizer step over all parameters (η folded into δᴸ for
    plain SGD, as the trainer documents)."""
    net, opt = tr.network, tr.optimizer
    n, bs = len(tr.x_train), tr.bs
    perm = tr.rng.permutation(n) if tr.shuffle else np.arange(n)
    xs, ts = tr.x_train[perm], tr.t_train[perm]
    scale = lr if opt.plain else 1.0
    for k in range(0, n, bs):
        with np.errstate(over="ignore", invalid="ignore"):
            net.forward(xs[k:k + bs], tr.rng)
            net.backward(ts[k:k + bs], tr.loss, scale)
        for layer in net.layers:
            layer.gW += tr.l2 / n * scale * layer.W
        if opt.plain:
            opt.apply_scaled(net.params(), net.grads())
        else:
            opt.step(net.params(), net.grads(), lr)


def spiral(overrides: list[str]) -> nnlab.Experiment:
    return nnlab.build(None, ["data.name=spiral", "data.n=203", "model.hidden=[7, 5]",
                              "train.batch_size=16", *overrides])  # 203 = 12 × 16 + 11


@pytest.mark.parametrize("network", list(NETWORKS))
@pytest.mark.parametrize("opt", OPTIMIZERS, ids=lambda o: "-".join(map(str, o.values())))
def test_run_epoch_equals_the_reference_loop_bit_for_bit(network, opt):
    overrides = [*NETWORKS[network], f"optimizer={opt}".replace("'", "")]
    lean, ref = spiral(overrides).trainer(), spiral(overrides).trainer()
    for p, q in zip(lean.network.params(), ref.network.params()):
        np.testing.assert_array_equal(p, q)  # same start
    for epoch, lr in enumerate((0.8, 1.0, 0.5)):
        lr *= lean.optimizer.lr
        assert lean.run_epoch(lr)
        reference_epoch(ref, lr)
        for p, q in zip(lean.network.params(), ref.network.params()):
            np.testing.assert_array_equal(p, q, err_msg=f"epoch {epoch + 1}")
    a, b = lean.optimizer.state_dict(), ref.optimizer.state_dict()
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert lean.rng.bit_generator.state == ref.rng.bit_generator.state


def test_train_step_updates_each_layer_after_its_backward_pass():
    """`Network.train_step` calls ``update(i)`` from the top layer down, once per layer, after
    the layer's gradients are complete and ∂C/∂x for the layer below was taken from its weights."""
    rng = np.random.default_rng(0)
    net = Network.build([4, 6, 5, 3], "tanh", "softmax", rng=rng, dtype=np.float64)
    x, t = rng.normal(size=(9, 4)), np.eye(3)[rng.integers(0, 3, 9)]
    loss = losses.get("categorical_crossentropy")
    expected = net.gradients(x, t, loss)
    order, seen = [], []

    def update(i: int) -> None:
        order.append(i)
        seen.extend(g.copy() for g in net.layers[i].grads())
        for p in net.layers[i].params():
            p[...] = np.nan  # any later use of an updated layer's weights would show

    net.train_step(x, t, loss, update)
    assert order == [2, 1, 0]
    got = [g for i in (0, 1, 2) for g in seen[2 * (2 - i):2 * (2 - i) + 2]]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15)


def test_an_epoch_gathers_batches_instead_of_copying_the_data():
    """Memory: an epoch allocates batch-sized buffers, not a shuffled copy of the training set."""
    rng = np.random.default_rng(0)
    x = rng.random((4000, 1024), dtype=np.float32)  # 16 MB
    ds = Dataset(name="random", task="classification", x_train=x,
                 y_train=rng.integers(0, 10, 4000), n_classes=10)
    net = Network.build([1024, 16, 10], "relu", "softmax", rng=rng)
    tr = Trainer(net, ds, losses.get("categorical_crossentropy"),
                 optimizers.get({"name": "sgd", "lr": 0.1}), schedules.get("constant"), rng,
                 batch_size=50)
    tr.run_epoch(0.1)  # buffers exist now
    tracemalloc.start()
    try:
        tr.run_epoch(0.1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the permutation (32 kB), the 256 kB gather buffer, small temporaries; no 16 MB copy
    assert peak < x.nbytes / 20


@pytest.mark.parametrize("activation", [n for n in activations.ACTIVATIONS.names()
                                        if activations.get(n).differentiable])
@pytest.mark.parametrize("loss", ["binary_crossentropy", "mse", "huber"])
@pytest.mark.parametrize("sizes", [[5, 6, 4, 3], [5, 3]], ids=["3-layers", "1-layer"])
def test_the_unrolled_dense_step_equals_the_layer_methods(activation, loss, sizes):
    """`DenseSteps` (what `Network.stepper` runs for plain dense stacks) gives the same
    parameters bit for bit as the layers' ``train_*`` methods, for every activation (hidden
    and output), fused and unfused losses, plain SGD (update None) or an optimizer's update,
    and a last batch of another size."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(23, 5)).astype(np.float32)
    t = rng.random((23, 3)).astype(np.float32)
    bias = [True, False, True][-len(sizes) + 1:]
    nets = [Network.build(sizes, activation, activation, rng=np.random.default_rng(2),
                          bias=bias) for _ in range(4)]
    assert unrollable(nets[0].layers)
    lossf = losses.get(loss)
    adams = [optimizers.get({"name": "adam", "lr": 0.01}) for _ in range(2)]

    def adam_update(net, opt):
        params = net.params()
        offsets = np.cumsum([0] + [len(layer.params()) for layer in net.layers])

        def update(i):
            for j, (p, g) in enumerate(zip(net.layers[i].params(), net.layers[i].grads())):
                opt.update(offsets[i] + j, p, g, 0.01)
        return params, update

    with np.errstate(over="ignore", invalid="ignore"):
        for rows in (slice(0, 10), slice(10, 20), slice(20, 23)):
            xb, tb = x[rows].copy(), t[rows].copy()
            DenseSteps(nets[0].layers, lossf, None, 0.1)(xb, tb)
            nets[1]._layer_step(xb.copy(), tb.copy(), lossf, None, None, 0.1)
            for net, opt, unrolled in ((nets[2], adams[0], True), (nets[3], adams[1], False)):
                params, update = adam_update(net, opt)
                opt.begin_step(params)
                if unrolled:
                    DenseSteps(net.layers, lossf, update)(xb.copy(), tb.copy())
                else:
                    net._layer_step(xb.copy(), tb.copy(), lossf, update, None, 1.0)
    for a, b in ((nets[0], nets[1]), (nets[2], nets[3])):
        for p, q in zip(a.params(), b.params()):
            np.testing.assert_array_equal(p, q)
    assert not np.array_equal(nets[0].params()[0], nets[2].params()[0])  # both trained


def test_batches_gathered_several_at_a_time_keep_the_order_and_resume(monkeypatch):
    """Small batches are gathered a few at a time (`GATHER_BYTES`): the epoch equals the plain
    reference loop bit for bit, also when the last gather is partial, and an epoch stopped in
    the middle of a gather and resumed equals the uninterrupted one."""
    from nnlab.runs import trainer as trainer_module

    monkeypatch.setattr(trainer_module, "GATHER_BYTES", 3 * 16 * 2 * 4)  # 3 batches a gather
    overrides = ["model.activation=sigmoid", "model.output_activation=sigmoid",
                 "loss=binary_crossentropy"]
    lean, ref = spiral(overrides).trainer(), spiral(overrides).trainer()
    for lr in (0.3, 0.2):
        assert lean.run_epoch(lr)
        reference_epoch(ref, lr)
    for p, q in zip(lean.network.params(), ref.network.params()):
        np.testing.assert_array_equal(p, q)

    whole, parts = spiral(overrides).trainer(), spiral(overrides).trainer()
    assert whole.run_epoch(0.3)
    calls = iter(range(100))
    parts.should_stop = lambda: next(calls) == 4  # stop after step 5: inside the 2nd gather
    assert not parts.run_epoch(0.3)
    assert parts.state.step == 5
    parts.should_stop = lambda: False
    assert parts.run_epoch(0.3)
    for p, q in zip(whole.network.params(), parts.network.params()):
        np.testing.assert_array_equal(p, q)
