"""The sequential network: a stack of `Dense` layers, its forward and backward pass, save/load.

Backpropagation (Nielsen ch. 2, batch-major):
    δᴸ = ∂C/∂zᴸ               from the loss (fused to a − t for sigmoid/softmax cross-entropy)
    δˡ = (δˡ⁺¹ Wˡ⁺¹ᵀ) ⊙ f'(zˡ)  for the hidden layers, then ∂C/∂Wˡ = aˡ⁻¹ᵀ δˡ, ∂C/∂bˡ = Σ δˡ.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import CheckpointError
from ..files import load_npz, save_npz
from . import activations, initializers
from .batchnorm import BatchNormDense
from .layers import Dense
from .losses import Loss
from .steps import DenseSteps, Update, unrollable

EVAL_CHUNK = 8192  # rows per forward pass in evaluation (bounds its memory)
PARAM = "param/"  # key prefix of the weights in saved files and checkpoints


class Network:
    """A multi-layer perceptron; prints as its architecture ``Network(2 → 8 tanh → 1 identity)``."""

    def __init__(self, layers: Sequence[Dense]) -> None:
        self.layers = list(layers)

    # ----------------------------------------------------------------- construction
    @classmethod
    def build(
        cls,
        sizes: Sequence[int],
        activation: Any | Sequence[Any] = "tanh",
        output_activation: Any = "identity",
        *,
        weight_init: Any | Sequence[Any] = "glorot_uniform",
        bias_init: Any | Sequence[Any] = "zeros",
        bias: bool | Sequence[bool] = True,
        dropout: float | Sequence[float] = 0.0,
        batchnorm: bool | Sequence[bool] = False,
        rng: np.random.Generator | None = None,
        dtype: Any = np.float32,
    ) -> Network:
        """A network of layer ``sizes`` (input first), e.g. ``Network.build([2, 8, 1], "tanh")``.

        Hidden ``activation``, ``weight_init``, ``bias_init``, ``bias`` and ``dropout`` are one
        value for all layers or a list with one per (hidden) layer; specs are registry names or
        ``{name:, **params}`` mappings. ``batchnorm`` (one flag or one per hidden layer) puts a
        `BatchNorm` before the activation; such a layer has no bias (β takes its place), but its
        bias is drawn and dropped, so a seed gives the same weights with and without.
        """
        rng = rng if rng is not None else np.random.default_rng(0)
        n_layers = len(sizes) - 1
        if n_layers < 1:
            raise ValueError("a network needs at least an input and an output size")
        acts = _each(activation, n_layers - 1) + [output_activation]
        drops = _each(dropout, n_layers - 1) + [0.0]
        norms = _each(batchnorm, n_layers - 1) + [False]
        w_inits, b_inits, biases = (_each(v, n_layers) for v in (weight_init, bias_init, bias))
        layers: list[Dense] = []
        for i in range(n_layers):
            shape = (int(sizes[i]), int(sizes[i + 1]))
            w = initializers.get(w_inits[i])(shape, rng, dtype)
            b = initializers.get(b_inits[i])((shape[1],), rng, dtype) if biases[i] else None
            act = activations.get(acts[i])
            layers.append(BatchNormDense(w, act, drops[i]) if norms[i] else
                          Dense(w, b, act, drops[i]))
        return cls(layers)

    # ----------------------------------------------------------------- passes
    @property
    def sizes(self) -> list[int]:
        return [self.layers[0].fan_in] + [layer.units for layer in self.layers]

    @property
    def dtype(self) -> np.dtype:
        return self.layers[0].W.dtype

    def forward(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """The output activations; ``rng`` switches dropout on (training mode)."""
        for layer in self.layers:
            x = layer.forward(x, rng)
        return x

    def backward(self, t: np.ndarray, loss: Loss, scale: float = 1.0) -> None:
        """Fill every layer's gradients for the batch of the last `forward` with targets ``t``.

        With ``scale`` s the gradients come out as s·∂C/∂θ (δᴸ is scaled once, everything after
        it is linear in δᴸ): plain SGD passes s = η and then only subtracts.
        """
        out = self.layers[-1]
        delta = loss.delta(out.z, out.a, t, out.activation)
        if scale != 1.0:
            delta *= scale
        for i in range(len(self.layers) - 1, -1, -1):
            grad_x = self.layers[i].backward(delta, need_input_grad=i > 0)
            if i > 0:
                delta = self.layers[i - 1].delta(grad_x)

    def train_step(self, x: np.ndarray, t: np.ndarray, loss: Loss, update: Update | None,
                   rng: np.random.Generator | None = None, scale: float = 1.0) -> None:
        """One gradient step on the batch (x, t), each layer updated as soon as it can be.

        The training-mode forward pass, δᴸ (times ``scale``, as in `backward`), then from the top
        layer down: its gradients, ∂C/∂x for the layer below (from its current weights) and
        ``update(i)`` for layer i, while its gradients are still in cache (``update`` None:
        p ← p − g, for gradients that already carry η). The parameters come out bit for bit as
        after `forward`, `backward` and one optimizer step over all of them; the batch-sized
        arrays live in buffers reused from step to step.
        """
        self.stepper(loss, update, rng, scale)(x, t)

    def stepper(self, loss: Loss, update: Update | None, rng: np.random.Generator | None = None,
                scale: float = 1.0) -> Callable[[np.ndarray, np.ndarray], None]:
        """`train_step` with everything but the batch bound, for an epoch of steps.

        A stack of plain dense layers runs the unrolled `DenseSteps`; others (dropout, batch
        normalization) go through their layers' ``train_*`` methods.
        """
        if unrollable(self.layers):
            return DenseSteps(self.layers, loss, update, scale)
        return lambda x, t: self._layer_step(x, t, loss, update, rng, scale)

    def _layer_step(self, x: np.ndarray, t: np.ndarray, loss: Loss, update: Update | None,
                    rng: np.random.Generator | None, scale: float) -> None:
        """`train_step` through the layers' ``train_forward``/``train_backward``/``train_delta``."""
        layers = self.layers
        for layer in layers:
            x = layer.train_forward(x, rng)
        out = layers[-1]
        delta = loss.delta_inplace(out.z, out.a, t, out.activation)
        if scale != 1.0:
            delta *= activations.const(scale, delta.dtype)
        update = update if update is not None else self._subtract
        for i in range(len(layers) - 1, 0, -1):
            grad_x = layers[i].train_backward(delta, True)
            update(i)
            delta = layers[i - 1].train_delta(grad_x)
        layers[0].train_backward(delta, False)
        update(0)

    def _subtract(self, i: int) -> None:
        """p ← p − g for layer i's parameters (gradients scaled by η)."""
        layer = self.layers[i]
        for p, g in zip(layer.params(), layer.grads()):
            p -= g

    def gradients(self, x: np.ndarray, t: np.ndarray, loss: Loss) -> list[np.ndarray]:
        """∂C/∂θ for every parameter at (x, t), without dropout; returns copies."""
        self.forward(x)
        self.backward(t, loss)
        return [g.copy() for g in self.grads()]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Output activations for ``x`` (evaluation mode, in chunks to bound memory)."""
        x = np.asarray(x, dtype=self.dtype)
        if len(x) <= EVAL_CHUNK:
            return self.forward(x).copy()
        return np.concatenate([self.forward(x[i:i + EVAL_CHUNK]).copy()
                               for i in range(0, len(x), EVAL_CHUNK)])

    def outputs(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(z, a) of the output layer for ``x``, in chunks — what losses need for exact values."""
        x = np.asarray(x, dtype=self.dtype)
        zs, as_ = [], []
        for i in range(0, max(len(x), 1), EVAL_CHUNK):
            self.forward(x[i:i + EVAL_CHUNK])
            zs.append(self.layers[-1].z.copy())
            as_.append(self.layers[-1].a.copy())
        return np.concatenate(zs), np.concatenate(as_)

    # ----------------------------------------------------------------- parameters
    def params(self) -> list[np.ndarray]:
        return [p for layer in self.layers for p in layer.params()]

    def grads(self) -> list[np.ndarray]:
        return [g for layer in self.layers for g in layer.grads()]

    def param_names(self) -> list[str]:
        return [f"{kind}{i + 1}" for i, layer in enumerate(self.layers) for kind in layer.kinds]

    def buffers(self) -> dict[str, np.ndarray]:
        """Non-parameter state by name (batch normalization's running averages)."""
        return {f"{name}{i + 1}": arr for i, layer in enumerate(self.layers)
                for name, arr in layer.buffers().items()}

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array that defines the network, by name: parameters, then buffers."""
        return dict(zip(self.param_names(), self.params())) | self.buffers()

    @property
    def n_params(self) -> int:
        return sum(p.size for p in self.params())

    def weights(self) -> list[np.ndarray]:
        return [layer.W for layer in self.layers]

    def state_dict(self) -> dict[str, np.ndarray]:
        return {name: p.copy() for name, p in self.arrays().items()}

    def load_state_dict(self, state: Mapping[str, np.ndarray], source: str = "checkpoint") -> None:
        """Copy weights in place, refusing missing tensors or shapes that do not match."""
        for name, p in self.arrays().items():
            if name not in state:
                raise CheckpointError(f"{source}: no tensor '{name}' for {self!r}; "
                                      "the checkpoint belongs to a different model config")
            value = np.asarray(state[name])
            if value.shape != p.shape:
                raise CheckpointError(
                    f"{source}: tensor '{name}' has shape {value.shape} but {self!r} needs "
                    f"{p.shape}; the checkpoint belongs to a different model config")
            p[...] = value

    def spec(self) -> list[dict[str, Any]]:
        """Per-layer architecture (JSON-able): enough to rebuild the network for `load`."""
        return [{"units": layer.units,
                 "activation": activations.ACTIVATIONS.resolve(_spec_of(layer.activation)),
                 "bias": layer.b is not None, "dropout": layer.dropout}
                | ({"batchnorm": True} if isinstance(layer, BatchNormDense) else {})
                for layer in self.layers]

    def save(self, path: str | Path) -> None:
        """Write weights and architecture to an ``.npz`` (atomically)."""
        save_npz(path, self.to_arrays())

    def to_arrays(self) -> dict[str, np.ndarray]:
        """``param/W1``, ``param/b1``, … and the ``architecture`` (JSON): what every file holds."""
        arch = json.dumps({"input": self.sizes[0], "layers": self.spec(),
                           "dtype": str(self.dtype)})
        return {**{f"{PARAM}{k}": v for k, v in self.state_dict().items()},
                "architecture": np.array(arch)}

    def load_arrays(self, data: Mapping[str, np.ndarray], source: str) -> None:
        """Copy the ``param/…`` arrays of a saved file or checkpoint into this network."""
        self.load_state_dict({k[len(PARAM):]: v for k, v in data.items()
                              if k.startswith(PARAM)}, source)

    @classmethod
    def load(cls, path: str | Path) -> Network:
        """A network saved by `save` (or any nnlab checkpoint with an architecture)."""
        data = load_npz(path)
        if "architecture" not in data:
            raise CheckpointError(f"{path}: no architecture stored; load it through its run "
                                  "(nnlab eval RUN) instead")
        arch = json.loads(str(data["architecture"]))
        layers = arch["layers"]
        net = cls.build([arch["input"]] + [spec["units"] for spec in layers],
                        [spec["activation"] for spec in layers[:-1]],
                        layers[-1]["activation"], bias=[spec["bias"] for spec in layers],
                        dropout=[spec["dropout"] for spec in layers[:-1]],
                        batchnorm=[spec.get("batchnorm", False) for spec in layers[:-1]],
                        weight_init="zeros", dtype=np.dtype(arch["dtype"]))
        net.load_arrays(data, str(path))
        return net

    def astype(self, dtype: Any) -> Network:
        """A copy with every parameter cast to ``dtype`` (e.g. float64 for gradient checks)."""
        return Network([layer.astype(dtype) for layer in self.layers])

    def __repr__(self) -> str:
        parts = [str(self.sizes[0])] + [layer.unit_label() for layer in self.layers]
        return f"Network({' → '.join(parts)})"


def _each(value: Any, n: int) -> list[Any]:
    """One value per layer: a list is taken as is, anything else is repeated ``n`` times."""
    return list(value) if isinstance(value, (list, tuple)) else [value] * n


def _spec_of(activation: Any) -> dict[str, Any]:
    """An activation instance back to its registry spec ``{name:, **params}``."""
    return {"name": activation.name, **activation.config()}
