"""The report of a sweep folder, from the files it holds: ``sweep.json`` (the space, the metric
and every trial), the trials' run directories (the ranking table, mean ± std per point, the
curves) and the pictures the sweep drew into ``plots/``."""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ...errors import NnlabError
from ...runs.rundir import RunDir
from .. import compare
from .page import Page, esc, img, pairs, pre, table
from .several import links, overlay, ranked, results_table


def read_sweep(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / compare.SWEEP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise NnlabError(f"{folder}: cannot read {compare.SWEEP_FILE} ({err})") from None
    if not isinstance(data, dict):
        raise NnlabError(f"{folder}: {compare.SWEEP_FILE} is not a sweep file")
    return data


def point_label(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={compare.format_value(v)}" for k, v in values.items()) or "(base)"


def groups(trials: Sequence[Mapping[str, Any]], rows: Sequence[Mapping[str, Any]],
           column: str | None) -> list[list[Any]]:
    """Per point: its values, how many seeds completed, mean and sample std of the metric."""
    by_id = {r["run"]: r for r in rows}
    points: dict[int, list[Mapping[str, Any]]] = {}
    for t in trials:
        points.setdefault(int(t.get("point", 0)), []).append(t)
    out = []
    for members in points.values():
        values = [float(by_id[t["id"]][column]) for t in members
                  if column and t.get("id") in by_id
                  and isinstance(by_id[t["id"]].get(column), (int, float))]
        mean = statistics.fmean(values) if values else None
        std = statistics.stdev(values) if len(values) > 1 else None
        out.append([point_label(members[0].get("values") or {}), len(values), mean, std])
    return out


def sweep_page(folder: str | Path) -> str:
    folder = Path(folder)
    data = read_sweep(folder)
    trials = [t for t in data.get("trials") or [] if isinstance(t, Mapping)]
    runs = {t["id"]: folder / t["run_dir"] for t in trials
            if t.get("run_dir") and RunDir.is_run(folder / t["run_dir"])}
    infos = [compare.read_run(path, tid) for tid, path in runs.items()]
    metric = data.get("metric")
    page = Page(f"nnlab sweep {folder.name}", f"{len(trials)} trials · ranked by {metric}")
    status: dict[str, int] = {}
    for t in trials:
        status[str(t.get("status"))] = status.get(str(t.get("status")), 0) + 1
    page.add("summary", "Summary", pairs([
        ("name", data.get("name")), ("metric", metric), ("base", data.get("base") or "defaults"),
        ("trials", ", ".join(f"{n} {s}" for s, n in sorted(status.items())))]),
        "<details><summary>the space</summary>" + pre(json.dumps(data.get("space"), indent=2,
                                                                  sort_keys=True)) + "</details>")
    if infos:
        columns, rows = ranked(infos, metric)
        try:
            column = compare.sort_column(metric, columns)[0] if metric else None
        except NnlabError:
            column = None
        page.add("ranking", "Ranking", '<p class="note">Every trial, best first.</p>',
                 results_table(columns, rows))
        page.add("points", "Per point (mean ± std over the seeds)", table(
            ["point", "n", "mean", "std"], groups(trials, rows, column),
            ["point", "completed", f"mean {metric}", "std"]))
        labels = [point_label(t.get("values") or {}) for t in trials if t["id"] in runs]
        page.add("curves", "Learning curves", overlay(list(runs.values()), labels))
    page.add("pictures", "Pictures of the sweep", _pictures(folder))
    page.add("reports", "The trials' own reports", links(list(runs.values()), folder))
    return page.render()


def _pictures(folder: Path) -> str:
    """Every PNG the sweep drew into its plots/ folder, in name order."""
    pics = sorted((folder / RunDir.PLOTS).glob("*.png")) if (folder / RunDir.PLOTS).is_dir() \
        else []
    return "".join(f"<h3>{esc(p.stem)}</h3>" + img(p.read_bytes(), p.stem) for p in pics)
