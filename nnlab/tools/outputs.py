"""What a run leaves beyond its numbers, drawn when it ends: its pictures (``RUN/plots/``).

`finish_run` is the ``finish`` hook `nnlab.runs.training.train` calls; `train` here is that
training with the hook — what ``nnlab train`` and ``nnlab.train`` run.
"""

from __future__ import annotations

import functools
from typing import Any

from ..runs.experiment import Experiment
from ..runs.rundir import RunDir
from ..runs.training import RunResult
from ..runs.training import train as _train


def finish_run(run: RunDir, exp: Experiment) -> None:
    """Draw the run's pictures when ``run.plots`` is on (diverged and interrupted runs too).

    A plotting failure never fails the run: it becomes a line in ``train.log``.
    """
    if not exp.config.run.plots:
        return
    try:
        from .plots import plot_run  # lazy: matplotlib only when pictures are drawn

        paths = plot_run(run.path)
        run.log(f"plots: {', '.join(p.name for p in paths)} in {run.plots_dir}")
    except Exception as e:  # any plotting problem is only logged, never fatal
        run.log(f"plots: not drawn ({type(e).__name__}: {e})")


@functools.wraps(_train)
def train(*args: Any, **kwargs: Any) -> RunResult:
    # `nnlab.runs.training.train` (same signature and documentation) with `finish_run` as its
    # finish hook, so the run's pictures are drawn when it ends
    kwargs.setdefault("finish", finish_run)
    return _train(*args, **kwargs)
