"""``nnlab report``: one self-contained HTML page for a run, a sweep or several runs.

    from nnlab.tools.report import write_report
    write_report(["runs/moons-…"])                  # → runs/moons-…/report.html
    write_report(["runs/activations-…"])            # a sweep folder → its report.html
    write_report(["runs/a-…", "runs/b-…"], "cmp.html")   # a comparison

The page embeds its pictures as ``data:`` URIs and has no external script, style or font, so
it opens offline anywhere; the same inputs give the same bytes. Modules: `page` (HTML), `run`
(one run), `sweep` (a sweep folder), `several` (a comparison).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ...errors import NnlabError
from ...files import atomic_write
from ...runs.rundir import RunDir
from ..compare import is_sweep_dir

COMPARISON = "compare-report.html"


def default_path(targets: Sequence[str | Path]) -> Path:
    """RUN/report.html, SWEEP/report.html, or ./compare-report.html for several runs."""
    paths = [Path(t) for t in targets]
    if not paths:
        raise NnlabError("nnlab report: give a run directory, a sweep folder or several runs")
    if len(paths) == 1 and not RunDir.is_run(paths[0]) and is_sweep_dir(paths[0]):
        return paths[0] / RunDir.REPORT
    if len(paths) == 1:
        return RunDir.open(paths[0]).report_path
    return Path(COMPARISON)


def report_html(targets: Sequence[str | Path], pictures: Mapping[str, bytes] | None = None,
                out: Path | None = None, experiment: Any = None) -> str:
    """The HTML for one run, one sweep folder or several runs (``out``: where it will be
    written, for the relative links to the runs' own reports; ``experiment``: one run's
    experiment with its best weights, when the caller holds it, instead of rebuilding it)."""
    paths = [Path(t) for t in targets]
    out = out if out is not None else default_path(paths)
    if len(paths) == 1 and not RunDir.is_run(paths[0]) and is_sweep_dir(paths[0]):
        from .sweep import sweep_page

        return sweep_page(paths[0])
    if len(paths) == 1:
        from .run import run_page

        return run_page(paths[0], pictures, experiment)
    from .several import several_page

    return several_page(paths, out.parent)


def write_report(targets: Sequence[str | Path], out: str | Path | None = None,
                 pictures: Mapping[str, bytes] | None = None, experiment: Any = None) -> Path:
    """Write the report of ``targets`` to ``out`` (default: `default_path`) atomically; returns
    the path. ``pictures`` (kind → PNG bytes) already drawn for a run and its ``experiment``
    (best weights) are reused."""
    path = Path(out) if out is not None else default_path(targets)
    if path.suffix.lower() not in (".html", ".htm"):
        raise NnlabError(f"--out {path}: the report is one HTML file; give a name ending in .html")
    atomic_write(path, report_html(targets, pictures, path, experiment))
    return path


__all__ = ["write_report", "report_html", "default_path"]
