"""Pictures of runs, drawn headless with matplotlib's Agg canvas (no pyplot, no global state).

Five kinds, each written as ``RUN/plots/<kind>.png`` by `plot_run` (or one function per kind):

* ``curves``   train/validation loss (and accuracy) per epoch; `plot_curves` overlays several
  runs with a legend of the config fields in which they differ (seeds of one setting share a
  colour). The y-limits come from epochs ≥ 1: the loss at initialization never squashes the rest.
* ``fit``      1-D regression: training points, the true function, the prediction over the
  training domain widened on both sides, the region outside the training data shaded.
* ``boundary`` 2-D classification: decision regions (class probability for two classes) with
  the training and validation points.
* ``speed``    Nielsen's speed of learning: ‖δˡ‖ = ‖∂C/∂bˡ‖ of every hidden layer per epoch
  (measured on the probe samples) on a log axis.
* ``weights``  the first-layer weight columns as 28×28 images (MNIST-shaped inputs).

Every function has a ``draw_*`` twin returning the `Figure` (the report embeds those as PNG
bytes). Every PNG is rendered to memory and written atomically; sizes are fixed in pixels
(`SIZES`, `weights_size`), so the same run always gives the same picture. Nothing here prints.

Modules: ``style`` (sizes, palette, PNG bytes), ``source`` (what a run offers, which kinds
apply), ``epochs`` (the epoch axis), ``curves`` / ``overlay`` (one run / several), ``fit``,
``boundary``, ``speed``, ``weights`` and ``kinds`` (`plot_run`).
"""

from __future__ import annotations

from .boundary import plot_boundary
from .curves import plot_curves
from .fit import plot_fit
from .kinds import draw_run, plot_run
from .overlay import curves_size, run_labels
from .source import KINDS, applicable_kinds
from .speed import plot_speed
from .style import SIZES
from .weights import plot_weights, weights_size

__all__ = ["KINDS", "SIZES", "plot_run", "plot_curves", "plot_fit", "plot_boundary",
           "plot_speed", "plot_weights", "applicable_kinds", "run_labels", "curves_size",
           "weights_size", "draw_run"]
