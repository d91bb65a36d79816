"""Data sources: embedded toy problems and MNIST/Fashion-MNIST, all returning a `Dataset`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .base import Dataset, split_off

if TYPE_CHECKING:
    from ..config import DataConfig

TOY_NAMES = (
    "sine", "parabola", "abs", "linear", "cubic", "hard", "nielsen", "expr",
    "xor", "circles", "moons", "spiral", "blobs", "sum", "parity",
)
MNIST_NAMES = ("mnist", "fashion_mnist")
TYPED_NAMES = ("samples", "text")  # data written in the config: explicit rows, a text corpus
DATA_NAMES = TOY_NAMES + MNIST_NAMES + TYPED_NAMES


def load_dataset(
    cfg: DataConfig,
    rng: np.random.Generator,
    dtype: Any = np.float32,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> Dataset:
    """The dataset a config's ``data`` section describes (toy data drawn from ``rng``)."""
    if cfg.name in MNIST_NAMES:
        from . import mnist

        return mnist.load(
            cfg.name, path=cfg.path, split=cfg.split, val_split=cfg.val_split, limit=cfg.limit,
            download=cfg.download, progress=progress, dtype=dtype,
        )
    if cfg.name == "samples":
        from . import samples

        return samples.load(cfg, rng, dtype)
    if cfg.name == "text":
        from . import text

        return text.load(cfg, rng, dtype)
    from .toy import make_toy

    return make_toy(
        cfg.name, rng=rng, n=cfg.n, noise=cfg.noise,
        domain=tuple(cfg.domain) if cfg.domain else None, val_split=cfg.val_split,
        expr=cfg.expr, classes=cfg.classes, bits=cfg.bits, dtype=dtype,
    )


__all__ = ["Dataset", "split_off", "load_dataset", "DATA_NAMES", "TOY_NAMES", "MNIST_NAMES"]
