"""What a run leaves beyond its numbers, made when it ends: its pictures (``RUN/plots/``) and its
report page (``RUN/report.html``) and, when asked for, TensorBoard event files.

`finish_run` is the ``finish`` hook `nnlab.runs.training.train` calls; `train` here is that
training with the hook — what ``nnlab train`` and ``nnlab.train`` run.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from ..runs.experiment import Experiment
from ..runs.rundir import RunDir
from ..runs.training import RunResult
from ..runs.training import train as _train


def finish_run(run: RunDir, exp: Experiment) -> None:
    """Draw the run's pictures (``run.plots``) and write its report (``run.report``), diverged
    and interrupted runs too; the report reuses the pictures just drawn.

    A failure here never fails the run: it becomes a line in ``train.log``.
    """
    if exp.dataset.n_features > 2:
        # no picture draws training points of such data: let them go before matplotlib loads
        # (an MNIST run would otherwise hold 150 MiB more while the report is made)
        exp.dataset = exp.dataset.without_training_rows()
    pictures = _plots(run) if exp.config.run.plots else {}
    if exp.config.run.report:
        try:
            from .report import write_report  # lazy: matplotlib only when a report is made

            path = write_report([run.path], pictures=pictures, experiment=_best(run, exp))
            run.log(f"report: {path}")
        except Exception as e:  # any report problem is only logged, never fatal
            run.log(f"report: not written ({type(e).__name__}: {e})")
    if exp.config.run.tensorboard:
        try:
            from .tensorboard import export_run  # lazy: tensorboardX only when asked for

            run.log(f"tensorboard: {export_run(run.path)}")
        except Exception as e:  # a missing extra or a write problem is only logged
            run.log(f"tensorboard: not written ({type(e).__name__}: {e})")


def _best(run: RunDir, exp: Experiment) -> Experiment | None:
    """The experiment (its validation and test data still loaded) with the weights of the
    checkpoint a report shows (best, else last), on a copy of the network; None without one."""
    kind = run.newest_checkpoint()
    if kind is None:
        return None
    network = exp.network.astype(exp.network.dtype)
    network.load_arrays(run.load_checkpoint(kind), str(run.checkpoint_path(kind)))
    return dataclasses.replace(exp, network=network)


def _plots(run: RunDir) -> dict[str, bytes]:
    """Draw RUN/plots/*.png; the PNG bytes by kind ({} when drawing failed)."""
    try:
        from .plots import plot_run  # lazy: matplotlib only when pictures are drawn

        paths = plot_run(run.path)
        run.log(f"plots: {', '.join(p.name for p in paths)} in {run.plots_dir}")
        return {p.stem: p.read_bytes() for p in paths}
    except Exception as e:  # any plotting problem is only logged, never fatal
        run.log(f"plots: not drawn ({type(e).__name__}: {e})")
        return {}


@functools.wraps(_train)
def train(*args: Any, **kwargs: Any) -> RunResult:
    # `nnlab.runs.training.train` (same signature and documentation) with `finish_run` as its
    # finish hook, so the run's pictures are drawn when it ends
    kwargs.setdefault("finish", finish_run)
    return _train(*args, **kwargs)
