"""Output-bias initialization from the training targets (Karpathy's recipe: "init well").

While the weights into the output layer are small, a network predicts about f(b) for every
input, b the output bias and f the output activation. The best prediction that ignores the input
is the mean of the training targets t̄ (for one-hot targets: the class prior p), so the recipe
sets b = f⁻¹(t̄) and the network starts at the loss of that prediction instead of paying to learn
it in the first steps:

    identity  b = t̄                       (regression: the targets' mean)
    sigmoid   b = ln(t̄ / (1 − t̄))         (each output's log-odds of its prior)
    softmax   b = ln t̄                    (the log class prior; softmax ignores a constant shift)
    tanh      b = artanh(t̄)

Means are clipped to stay inside f's range (a class absent from the training set gets
ln 1e-6 ≈ −13.8 rather than −∞).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

EPS = 1e-6

INVERSE: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": lambda m: m,
    "sigmoid": lambda m: np.log(np.clip(m, EPS, 1 - EPS) / np.clip(1 - m, EPS, 1 - EPS)),
    "softmax": lambda m: np.log(np.clip(m, EPS, 1.0)),
    "tanh": lambda m: np.arctanh(np.clip(m, -1 + EPS, 1 - EPS)),
}
"""f⁻¹ of the output activations whose inverse is defined (by activation name)."""


def output_bias(activation: str, targets: np.ndarray) -> np.ndarray:
    """b = f⁻¹(mean of ``targets`` over the samples), shape (outputs,), in float64.

    ``targets`` are what the loss compares outputs with (one-hot rows, a 0/1 column or
    regression values). Raises ValueError for an activation without an inverse here.
    """
    if activation not in INVERSE:
        raise ValueError(f"output activation '{activation}' has no inverse to set the bias from "
                         f"the targets; supported: {', '.join(INVERSE)}")
    mean = np.asarray(targets, dtype=np.float64).mean(axis=0)
    return INVERSE[activation](mean)
