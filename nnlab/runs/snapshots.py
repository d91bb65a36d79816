"""Snapshots of a network during training: what it predicts on a fixed grid, and the spread of
its weights and activations per layer, at a few epochs spaced log-uniformly.

Karpathy's recipe ("visualise prediction dynamics") and TensorFlow Playground show how a fit or
a decision boundary moves while the network learns; the report animates these frames. Epochs
are chosen as 0 plus ``n − 1`` values of geomspace(1, epochs) rounded (repeats dropped), so the
fast early changes get most frames. Cost per snapshot: one forward pass over the grid (200
points in 1-D, 60 × 60 in 2-D) and the probe samples, and one histogram per layer.

The recorder only computes arrays; `RunDir.save_snapshots` writes them (``snapshots.npz``):
``epochs`` (n,), ``grid`` (g, features), ``grid_shape`` ((g,) or (ny, nx)), ``pred`` (n, g,
outputs), and per layer l = 1… ``hist/weights/l`` (n, bins) counts with ``edges/weights/l``
(n, bins + 1), the same for ``activations`` (outputs a = f(z) on the probe samples).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..core.network import Network
from ..data.base import Dataset

BINS = 30
GRID_1D = 200
GRID_2D = 60
FIT_EXTEND = 0.5      # the fit is shown over the training domain widened by half its width
BOUNDARY_MARGIN = 0.15


def snapshot_epochs(epochs: int, n: int) -> list[int]:
    """0 and up to ``n − 1`` epochs spaced log-uniformly in [1, ``epochs``] (the last included)."""
    if n <= 0:
        return []
    if n == 1 or epochs < 1:
        return [0]
    later = np.unique(np.rint(np.geomspace(1, epochs, n - 1)).astype(int))
    return [0, *(int(e) for e in later)]


def fit_domain(d: Dataset, extend: float = FIT_EXTEND) -> tuple[float, float, float, float]:
    """(training lo, hi, shown x0, x1): the data's domain widened by ``extend`` × its width."""
    xs = np.asarray(d.x_train, dtype=float)[:, 0]
    lo, hi = (float(v) for v in d.info.get("domain", (xs.min(), xs.max())))
    width = hi - lo or 1.0
    return lo, hi, lo - extend * width, hi + extend * width


def square_box(allx: np.ndarray, margin: float, box_px: tuple[float, float] = (1.0, 1.0)
               ) -> tuple[np.ndarray, np.ndarray]:
    """The (lo, hi) corners shown around 2-D points: the data widened by ``margin``; about square
    data get equal scales on both axes of a ``box_px`` box (the short side widened)."""
    lo, hi = allx.min(axis=0), allx.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-6)
    lo, hi = lo - pad, hi + pad
    ratio = (hi[1] - lo[1]) / (hi[0] - lo[0])
    if 0.7 < ratio < 1.4:
        size = np.array(box_px, dtype=float)
        per_px = max((hi[0] - lo[0]) / size[0], (hi[1] - lo[1]) / size[1])
        mid = (lo + hi) / 2
        lo, hi = mid - per_px * size / 2, mid + per_px * size / 2
    return lo, hi


def grid_for(d: Dataset) -> tuple[np.ndarray, tuple[int, ...]] | None:
    """The fixed inputs predictions are recorded on: 1-D regression or 2-D classification."""
    if d.task == "regression" and d.n_features == 1:
        _, _, x0, x1 = fit_domain(d)
        return np.linspace(x0, x1, GRID_1D)[:, None], (GRID_1D,)
    if d.task == "classification" and d.n_features == 2:
        pts = [np.asarray(d.x_train, float)]
        if d.x_val is not None and len(d.x_val):
            pts.append(np.asarray(d.x_val, float))
        lo, hi = square_box(np.concatenate(pts), BOUNDARY_MARGIN)
        xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], GRID_2D), np.linspace(lo[1], hi[1], GRID_2D))
        return np.c_[xx.ravel(), yy.ravel()], (GRID_2D, GRID_2D)
    return None


def _hist(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        v = np.zeros(1)
    lo, hi = float(v.min()), float(v.max())
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(v, bins=BINS, range=(lo, hi))
    return counts.astype(np.int32), edges.astype(np.float32)


class SnapshotRecorder:
    """Takes a snapshot at each epoch of `snapshot_epochs`; `arrays()` is what gets saved.

    ``previous`` (the arrays of ``snapshots.npz`` of a resumed run) is kept up to ``start``.
    """

    def __init__(self, dataset: Dataset, network: Network, probe: np.ndarray, epochs: int,
                 n: int, previous: Mapping[str, np.ndarray] | None = None, start: int = 0
                 ) -> None:
        self.network, self.probe = network, probe
        self.wanted = set(snapshot_epochs(epochs, n))
        self.grid = grid_for(dataset) if self.wanted else None
        self.taken: list[dict[str, np.ndarray]] = []
        self.epochs: list[int] = []
        self.dirty = False
        if previous is not None and "epochs" in previous:
            self._keep(previous, start)

    def _keep(self, previous: Mapping[str, np.ndarray], start: int) -> None:
        for i, epoch in enumerate(np.asarray(previous["epochs"]).tolist()):
            if epoch > start:
                break
            self.epochs.append(int(epoch))
            self.taken.append({k: np.asarray(v)[i] for k, v in previous.items()
                               if k.startswith(("hist/", "edges/")) or k == "pred"})

    def __call__(self, epoch: int) -> None:
        """Record epoch ``epoch`` when it is one of the chosen ones (call after each epoch)."""
        if epoch not in self.wanted or epoch in self.epochs:
            return
        snap: dict[str, np.ndarray] = {}
        net = self.network
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is snapshot too
            if self.grid is not None:
                snap["pred"] = np.asarray(net.predict(self.grid[0].astype(net.dtype)),
                                          np.float32)
            net.forward(self.probe)  # evaluation mode: no dropout, no random numbers drawn
            for i, layer in enumerate(net.layers, start=1):
                for kind, values in (("weights", layer.W), ("activations", layer.a)):
                    snap[f"hist/{kind}/{i}"], snap[f"edges/{kind}/{i}"] = _hist(values)
        self.taken.append(snap)
        self.epochs.append(epoch)
        self.dirty = True

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything recorded so far as stacked arrays ({} when nothing was)."""
        if not self.taken:
            return {}
        out = {"epochs": np.array(self.epochs, dtype=np.int32)}
        if self.grid is not None:
            out["grid"] = self.grid[0].astype(np.float32)
            out["grid_shape"] = np.array(self.grid[1], dtype=np.int32)
        for key in self.taken[0]:
            out[key] = np.stack([snap[key] for snap in self.taken])
        self.dirty = False
        return out
