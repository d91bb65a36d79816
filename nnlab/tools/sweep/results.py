"""What a sweep found: the compare table of its trials, mean ± std per point, the best point
and how much each parameter mattered.

    columns, rows = table(run)     # one row per run, best first by the sweep's metric
    groups(run)                    # per point: values, runs, n, mean, std (sample, ddof=1)
    best(run), importances(run)    # from the Optuna study
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from optuna.trial import TrialState

from ...errors import NnlabError
from ...runs.rundir import RunDir
from .. import compare
from .engine import quiet_optuna
from .folder import SweepRun
from .space import flow


def runs(run: SweepRun) -> list[compare.RunInfo]:
    return [compare.read_run(run.path / t.run_dir, t.id) for t in run.trials
            if t.run_dir and RunDir.is_run(run.path / t.run_dir)]


def table(run: SweepRun) -> tuple[list[str], list[dict[str, Any]]]:
    """Compare rows of the trials (name = trial id), best first by the metric."""
    infos = runs(run)
    try:
        columns, rows = compare.compare_rows(infos, sort=run.sweep.metric)
    except NnlabError:  # no trial measured the metric (e.g. all crashed)
        columns, rows = compare.compare_rows(infos)
    status = {t.id: t.status for t in run.trials}
    for row in rows:  # the sweep knows more than the run: a pruned trial says interrupted
        row["status"] = status.get(row["run"], row.get("status"))
    elsewhere = _elsewhere(run, columns)
    if elsewhere:
        rows = _sorted(run, columns, [*rows, *elsewhere])
    return columns, rows


def _elsewhere(run: SweepRun, columns: list[str]) -> list[dict[str, Any]]:
    """Rows from the study for the points whose runs are not in this folder (trained by a
    worker on another machine): the point's values and result as the study recorded them."""
    names = {TrialState.COMPLETE: "completed", TrialState.PRUNED: "pruned",
             TrialState.FAIL: "failed"}
    try:
        column, _ = compare.sort_column(run.sweep.metric, columns)
    except NnlabError:
        column = f"best.{run.sweep.metric}"
    rows = []
    for point, ft in sorted(run.study.latest().items()):
        mine = [t for t in run.trials if t.point == point]
        if ft.state not in names or any(t.run_dir for t in mine) or not mine:
            continue
        host = (ft.user_attrs.get("worker") or {}).get("host", "?")
        rows.append({"run": mine[0].id if len(mine) == 1 else f"point {point}",
                     **{k: v for k, v in ft.user_attrs.get("values", {}).items()
                        if k in columns},
                     "status": ft.user_attrs.get("status", names[ft.state]),
                     "epochs": ft.user_attrs.get("epochs"), column: ft.value,
                     "path": f"(on {host})"})
    return rows


def _sorted(run: SweepRun, columns: list[str], rows: list[dict[str, Any]]) -> list[dict]:
    try:
        column, descending = compare.sort_column(run.sweep.metric, columns)
    except NnlabError:
        return rows
    return compare.sort_rows(rows, column, descending)


def groups(run: SweepRun) -> list[dict[str, Any]]:
    """Per point of the space: its values, the trials, and mean ± sample std of the metric
    over the completed ones (std 0 for one); best mean first."""
    columns, rows = table(run)
    by_id = {r["run"]: r for r in rows}
    try:
        column, descending = compare.sort_column(run.sweep.metric, columns)
    except NnlabError:
        column, descending = "", False
    out = []
    for point, members in itertools.groupby(run.trials, key=lambda t: t.point):
        members = list(members)
        values = [float(by_id[t.id][column]) for t in members if t.status == "completed"
                  and t.id in by_id and isinstance(by_id[t.id].get(column), (int, float))]
        out.append({
            "point": point, "values": members[0].values,
            "trials": [t.id for t in members], "n": len(values),
            "mean": statistics.fmean(values) if values else None,
            "std": statistics.stdev(values) if len(values) > 1 else (0.0 if values else None),
        })
    return compare.sort_rows(out, "mean", descending)


def best(run: SweepRun) -> dict[str, Any] | None:
    """The best completed point: its number, runs, values and value (mean over seeds)."""
    done = [ft for ft in run.study.latest().values() if ft.state == TrialState.COMPLETE
            and ft.value is not None]
    if not done:
        return None
    pick = (max if run.study.direction == "maximize" else min)(done, key=lambda ft: ft.value)
    point = pick.user_attrs["point"]
    return {"point": point, "trials": [t.id for t in run.trials if t.point == point],
            "value": pick.value, "values": pick.user_attrs.get("values", {}),
            "metric": run.sweep.metric}


def importances(run: SweepRun) -> dict[str, float]:
    """How much each parameter matters, as shares summing to 1: Optuna's PED-ANOVA (how
    differently a parameter is distributed in the best 10 % of the completed points than in
    all of them; NumPy only, deterministic); {} with too few points or nothing that varies."""
    import optuna

    study = run.study.study()
    done = [ft for ft in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
    if len(done) < 2:
        return {}
    try:
        with quiet_optuna():
            found = optuna.importance.get_param_importances(
                study, evaluator=optuna.importance.PedAnovaImportanceEvaluator())
    except (ValueError, RuntimeError, ZeroDivisionError):
        return {}
    return {k: round(float(v), 4) for k, v in found.items()}


def group_label(values: Mapping[str, Any]) -> str:
    """``{'model.activation': 'relu'}`` → ``model.activation=relu``."""
    return " ".join(f"{k}={flow(v)}" for k, v in values.items()) or "(base)"


def to_json(run: SweepRun) -> dict[str, Any]:
    columns, rows = table(run)
    sw = run.sweep
    return {
        "sweep_dir": str(run.path), "name": sw.name, "key": sw.key(),
        "base": None if sw.base is None else str(sw.base), "metric": sw.metric,
        "space": sw.space(), "study": run.study.name, "interrupted": run.interrupted,
        "counts": run.study.counts(), "trials": [asdict(t) for t in run.trials],
        "table": [{c: r.get(c) for c in columns} for r in rows], "groups": groups(run),
        "best": best(run), "importances": importances(run),
    }
