"""Data sources: embedded toy problems and MNIST/Fashion-MNIST, all returning a `Dataset`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import catalog
from .base import Dataset, DataSpec, split_off


def load_dataset(
    cfg: DataSpec,
    rng: np.random.Generator,
    dtype: Any = np.float32,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> Dataset:
    """The dataset a config's ``data`` section describes (toy data drawn from ``rng``)."""
    kind = catalog.SOURCES[cfg.name].kind
    if kind == "mnist":
        from . import mnist

        return mnist.load(
            cfg.name, path=cfg.path, split=cfg.split, val_split=cfg.val_split, limit=cfg.limit,
            download=cfg.download, progress=progress, dtype=dtype,
        )
    if kind == "file":
        from . import table

        return table.load(cfg, rng, dtype)
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


__all__ = ["Dataset", "split_off", "load_dataset", "catalog"]
