"""``nnlab plot``: a run's pictures as PNG files, or one overlay of several runs' curves."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import NnlabError
from .app import app, out, user_errors


@app.command()
def plot(
    runs: Annotated[list[Path], typer.Argument(
        help="Run directories; several: one overlay of their learning curves.")],
    kind: Annotated[list[str] | None, typer.Option(
        "--kind", "-k", help="curves, fit, boundary, speed or weights; repeatable "
        "(default: every kind that applies to the run).")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Folder for the PNGs (one run: default RUN/plots/). Several runs: "
        "default ./compare-curves.png; a path ending in .png names the file.")] = None,
    log: Annotated[bool | None, typer.Option(
        "--log/--no-log", help="Log-scale loss axis (default: when the loss spans more than "
        "two decades).")] = None,
) -> None:
    """Draw pictures of runs as PNG files and print their paths.

    Example: nnlab plot runs/sine-20261122-081500-3fa9c2 --kind fit --kind curves
    """
    from ..tools.plots import plot_curves, plot_run

    with user_errors():
        if len(runs) == 1:
            if out_dir is not None and out_dir.suffix.lower() == ".png":
                raise NnlabError(f"--out {out_dir}: for one run --out is a folder (each kind is "
                                 "written as <kind>.png in it)")
            paths = plot_run(runs[0], kind or None, out_dir, log=log)
        else:
            other = sorted(set(kind or ()) - {"curves"})
            if other:
                raise NnlabError(f"--kind {other[0]}: several runs are drawn as one overlay of "
                                 "their learning curves; plot that kind of each run on its own")
            target = out_dir if out_dir is not None else Path(".")
            if target.suffix.lower() != ".png":
                target = target / "compare-curves.png"
            paths = [plot_curves(runs, target, log=log)]
    for path in paths:
        out.print(str(path), markup=False, soft_wrap=True)
