"""The report of several runs: the settings in which they differ, their results side by side, an
overlay of their learning curves (seeds of one setting share a colour), and each run's fit or
decision regions."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...errors import NnlabError
from ...runs.rundir import RunDir
from .. import compare
from ..plots import kinds
from ..plots.epochs import load_records
from ..plots.overlay import differing, draw_overlay
from ..plots.source import run_info, why_not
from ..plots.style import png_bytes
from .page import Page, esc, img, table

SKIP = ("path", "stop_reason")


def ranked(infos: Sequence[compare.RunInfo], metric: str | None) -> tuple[list[str], list[dict]]:
    """The compare table, best first by ``metric`` when every run measured it."""
    try:
        columns, rows = compare.compare_rows(infos, sort=metric)
    except NnlabError:
        columns, rows = compare.compare_rows(infos)
    return [c for c in columns if c not in SKIP], rows


def results_table(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    shown = [{c: compare.format_cell(c, v) if c in ("run", "time")
              or not isinstance(v, (int, float)) else v for c, v in row.items()} for row in rows]
    return table(columns, shown)


def overlay(paths: Sequence[Path], labels: Sequence[str] | None = None) -> str:
    runs, records = load_records(paths)
    return img(png_bytes(draw_overlay(runs, records, labels=labels)),
               "learning curves overlaid")


def picture_of_each(paths: Sequence[Path], limit: int = 12) -> str:
    """Each run's fit (1-D regression) or decision regions (2-D classification), side by side."""
    out = []
    for path in paths[:limit]:
        info = run_info(path)
        kind = next((k for k in ("fit", "boundary") if why_not(k, info) is None), None)
        if kind is not None:
            fig = kinds.draw_run(path, [kind])[kind]
            out.append(f"<div>{img(png_bytes(fig), f'{kind} of {path.name}')}</div>")
    return f'<div class="grid2">{"".join(out)}</div>' if out else ""


def links(paths: Sequence[Path], base: Path) -> str:
    """Links to the runs' own report pages that exist (relative to the report's folder)."""
    items = []
    for path in paths:
        page = RunDir(path).report_path
        if page.is_file():
            href = Path(os.path.relpath(page, base)).as_posix()
            items.append(f'<li><a href="{esc(href)}">{esc(path.name)}</a></li>')
    return f"<ul>{''.join(items)}</ul>" if items else ""


def several_page(targets: Sequence[str | Path], out_dir: Path = Path(".")) -> str:
    paths = [RunDir.open(t).path for t in targets]
    infos = [compare.read_run(p) for p in paths]
    metric = next((r.summary.get("monitor") for r in infos if r.summary.get("monitor")), None)
    columns, rows = ranked(infos, metric)
    keys = differing(paths)
    page = Page(f"nnlab comparison of {len(paths)} runs",
                "differ in " + ", ".join(keys) if keys else "the same settings (run.* aside)")
    page.add("results", "Results" + (f", best {metric} first" if metric else ""),
             '<p class="note">One row per run: the settings in which the runs differ, then '
             "status, epochs and best/final metrics.</p>", results_table(columns, rows))
    page.add("curves", "Learning curves", overlay(paths))
    page.add("pictures", "Each run", picture_of_each(paths))
    page.add("reports", "Their own reports", links(paths, out_dir))
    return page.render()
