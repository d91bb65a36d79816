"""`plot_run`: every kind of picture that applies to one run, as ``RUN/plots/<kind>.png``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from ...runs.rundir import RunDir
from .boundary import draw_boundary
from .curves import draw_run_curves
from .fit import draw_fit
from .source import KINDS, check_kinds, checkpoint_name, run_info, why_not
from .speed import draw_speed
from .style import save
from .weights import draw_weights


def draw_run(run: str | Path, kinds: Sequence[str] | None = None, *,
             log: bool | None = None) -> dict[str, Figure]:
    """The figures of ``kinds`` (default: every kind that applies) of one run, by kind."""
    info = run_info(run)
    run = info["run"]
    chosen = ([k for k in KINDS if why_not(k, info) is None] if kinds is None
              else check_kinds(kinds, info))
    exp = None
    if {"fit", "boundary"} & set(chosen):
        from ...runs.training import load_run

        exp = load_run(run, checkpoint_name(run))
    draw = {
        "curves": lambda: draw_run_curves(run, RunDir(run).read_metrics(), log=log),
        "speed": lambda: draw_speed(run),
        "fit": lambda: draw_fit(exp, title=run.name),
        "boundary": lambda: draw_boundary(exp, title=run.name, marked=_wrong(exp)),
        "weights": lambda: draw_weights(run),
    }
    return {kind: draw[kind]() for kind in chosen}


def _wrong(exp: Any) -> Any:
    """The validation points the network misclassifies most confidently (ringed)."""
    from ..mistakes import mistakes

    found = mistakes(exp)
    return None if found is None else found.x


def plot_run(run: str | Path, kinds: Sequence[str] | None = None, out: str | Path | None = None,
             *, log: bool | None = None) -> list[Path]:
    """Draw ``kinds`` (default: every kind that applies) of one run into ``out`` (RUN/plots/).

    Returns the written paths ``out/<kind>.png``. A kind asked for explicitly that does not
    apply to the run (fit for a classification run, ...) raises `NnlabError`.
    """
    path = RunDir.open(run).path
    folder = Path(out) if out is not None else RunDir(path).plots_dir
    if kinds is not None:
        check_kinds(kinds, run_info(path))  # before reading any metrics
    return [save(fig, folder / f"{kind}.png")
            for kind, fig in draw_run(path, kinds, log=log).items()]
