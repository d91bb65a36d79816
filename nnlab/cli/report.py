"""``nnlab report``: one self-contained HTML page for a run, a sweep folder or several runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import app, out, user_errors


@app.command()
def report(
    targets: Annotated[list[Path], typer.Argument(
        help="A run directory, a sweep folder, or several run directories (a comparison).")],
    out_file: Annotated[Path | None, typer.Option(
        "--out", "-o", help="The HTML file to write (default: RUN/report.html, "
        "SWEEP/report.html, or ./compare-report.html for several runs).")] = None,
) -> None:
    """Write one HTML page that opens offline anywhere (pictures embedded) and print its path.

    Example: nnlab report runs/moons-20261122-081500-3fa9c2
    """
    from ..tools.report import write_report

    with user_errors():
        path = write_report(targets, out_file)
    out.print(str(path), markup=False, soft_wrap=True)
