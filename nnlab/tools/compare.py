"""Finding, listing and comparing run directories (``nnlab runs list/compare/show``).

    runs, skipped = collect(["runs/"])            # run dirs; a folder of runs (or of sweeps)
    columns, rows = compare_rows(runs, sort="val_loss")    # one row per run
    to_csv(columns, rows)                         # or to_json; the CLI draws the table

Only the config fields that differ between the runs become columns (the ``run`` section — name
and folder — always differs and is left out). Nothing here prints.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from ..config import Config, diff, resolve
from ..errors import NnlabError
from ..files import jsonable
from ..runs.rundir import RunDir

SWEEP_FILE = "sweep.json"
METRICS = ("loss", "val_loss", "accuracy", "val_accuracy")
STAMP = re.compile(r"-(\d{8}-\d{6})-[0-9a-f]{6}$")
SPARK = "▁▂▃▄▅▆▇█"
_MISSING = object()


@dataclass
class RunInfo:
    """One run directory: its display name, summary and (loaded on demand) resolved config."""

    path: Path
    name: str
    summary: dict[str, Any]
    problem: str | None = None  # why summary.json was (partly) unreadable, naming the file
    _config: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def config(self) -> dict[str, Any]:
        if self._config is None:
            self._config = RunDir(self.path).config_dict()
        return self._config

    @property
    def status(self) -> str:
        """The recorded status; ``crashed`` for a run whose training process is gone (see
        `RunDir.status`); no summary: unknown."""
        return RunDir(self.path).status(self.summary)

    @property
    def started(self) -> datetime:
        """Start time (UTC) from the directory name, else the config file's modification time."""
        m = STAMP.search(self.path.name)
        if m:
            return datetime.strptime(m.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=timezone.utc)
        return datetime.fromtimestamp(RunDir(self.path).file(RunDir.CONFIG).stat().st_mtime,
                                      timezone.utc)


def is_sweep_dir(path: str | Path) -> bool:
    return (Path(path) / SWEEP_FILE).is_file()


def read_run(path: str | Path, name: str | None = None) -> RunInfo:
    path = Path(path)
    rd = RunDir(path)
    summary = rd.summary_or_empty()
    return RunInfo(path, name or path.name, summary, rd.summary_problem)


def collect(paths: Iterable[str | Path]) -> tuple[list[RunInfo], list[Path]]:
    """Run directories under ``paths``, and the directories skipped because they are not runs.

    A path is a run directory, or a folder holding runs (``runs/``, a sweep folder) that is
    expanded one level — sweep folders inside it are expanded too. Files and hidden entries met
    while expanding are ignored silently; a path that does not exist is an error.
    """
    runs: list[RunInfo] = []
    skipped: list[Path] = []
    for p in map(Path, paths):
        if not p.exists():
            raise NnlabError(f"{p}: no such file or directory; pass run directories or a folder "
                             "of runs such as runs/")
        if RunDir.is_run(p):
            runs.append(read_run(p))
            continue
        children = _subdirs(p) if p.is_dir() else []
        if not (is_sweep_dir(p) or any(RunDir.is_run(c) or is_sweep_dir(c) for c in children)):
            skipped.append(p)
            continue
        for child in children:
            if RunDir.is_run(child):
                runs.append(read_run(child))
            elif is_sweep_dir(child):
                for trial in _subdirs(child):
                    if RunDir.is_run(trial):
                        runs.append(read_run(trial, f"{child.name}/{trial.name}"))
                    else:
                        skipped.append(trial)
            else:
                skipped.append(child)
    seen: set[Path] = set()
    unique = []
    for run in runs:
        key = run.path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(run)
    return unique, skipped


def _subdirs(path: Path) -> list[Path]:
    return sorted(c for c in path.iterdir() if c.is_dir() and not c.name.startswith("."))


# --------------------------------------------------------------------------- rows

def network_text(summary: Mapping[str, Any]) -> str | None:
    """``Network(1 → 32 tanh → 1 identity)`` → ``1 → 32 tanh → 1 identity``."""
    net = summary.get("network")
    if not isinstance(net, str):
        return None
    return net[len("Network("):-1] if net.startswith("Network(") and net.endswith(")") else net


def list_rows(runs: Sequence[RunInfo]) -> list[dict[str, Any]]:
    """``runs list``: name, date, data, model, status, epochs and the best monitored metric."""
    rows = []
    for run in sorted(runs, key=lambda r: (r.started, r.name)):
        s = run.summary
        monitor = s.get("monitor") or run.config.get("train", {}).get("monitor")
        data = s.get("data", {}).get("name") or run.config.get("data", {}).get("name")
        rows.append({
            "run": run.name, "date": run.started.strftime("%Y-%m-%d %H:%M:%S"), "data": data,
            "model": network_text(s), "status": run.status, "stop_reason": s.get("stop_reason"),
            "epochs": s.get("epochs_run"), "epochs_total": s.get("epochs"), "monitor": monitor,
            "best": _number((s.get("best") or {}).get(monitor)), "path": str(run.path),
        })
    return rows


def differing_fields(configs: Sequence[Mapping[str, Any]]) -> list[str]:
    """Flattened key paths (``model.activation``) whose values are not the same in all configs.

    Mappings present in every config are descended into; anything else (a list, a spec that is
    a name in one run and a mapping in another) is compared as one value. ``run.*`` is skipped.
    """
    def walk(nodes: list[Any], prefix: str) -> Iterable[str]:
        keys = dict.fromkeys(k for n in nodes if isinstance(n, Mapping) for k in n)
        for key in keys:
            if not prefix and key == "run":
                continue
            values = [n.get(key, _MISSING) if isinstance(n, Mapping) else _MISSING for n in nodes]
            if all(isinstance(v, Mapping) for v in values):
                yield from walk(values, f"{prefix}{key}.")
            elif any(v != values[0] for v in values[1:]):
                yield f"{prefix}{key}"

    return list(walk(list(configs), ""))


_ABSENT = object()


def _lookup(data: Mapping[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _ABSENT
        node = node[part]
    return node


def get_path(data: Mapping[str, Any], path: str) -> Any:
    """``get_path(cfg, "model.activation")``; None when absent."""
    value = _lookup(data, path)
    return None if value is _ABSENT else value


def _has_path(data: Mapping[str, Any], path: str) -> bool:
    return _lookup(data, path) is not _ABSENT


def _number(value: Any) -> float | int | None:
    """A finite scalar metric, else None (lists such as per-layer values are not columns)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if math.isfinite(value) else None


def metric_value(summary: Mapping[str, Any], metric: str) -> float | int | None:
    """A summary's value of ``val_loss`` (best), ``final.val_loss``, ``time`` or ``epochs``."""
    if metric in ("time", "wall_time"):
        return _number(summary.get("wall_time"))
    if metric in ("epochs", "epochs_run"):
        return _number(summary.get("epochs_run"))
    part, key = metric.split(".", 1) if metric.startswith(("best.", "final.")) else ("best",
                                                                                      metric)
    return _number((summary.get(part) or {}).get(key))


def _metric_keys(runs: Sequence[RunInfo], part: str) -> list[str]:
    keys = dict.fromkeys(k for r in runs for k, v in (r.summary.get(part) or {}).items()
                         if k != "epoch" and _number(v) is not None)
    return [k for k in METRICS if k in keys] + [k for k in keys if k not in METRICS]


def compare_rows(runs: Sequence[RunInfo], sort: str | None = None,
                 reverse: bool = False) -> tuple[list[str], list[dict[str, Any]]]:
    """One row per run: name, differing config fields, status, stop reason, epochs, best and
    final metrics (``best.val_loss``, …), wall time (``time``, s) and ``path``; sorted by
    ``sort`` (see `sort_column`), else by start time."""
    fields = differing_fields([r.config for r in runs])
    best, final = _metric_keys(runs, "best"), _metric_keys(runs, "final")
    columns = ["run", *fields, "status", "stop_reason", "epochs", "best_epoch",
               *(f"best.{k}" for k in best), *(f"final.{k}" for k in final), "time", "path"]
    rows = []
    for run in sorted(runs, key=lambda r: (r.started, r.name)):
        s = run.summary
        row: dict[str, Any] = {"run": run.name}
        row.update({f: get_path(run.config, f) for f in fields})
        row.update({"status": run.status, "stop_reason": s.get("stop_reason"),
                    "epochs": s.get("epochs_run"), "best_epoch": s.get("best_epoch")})
        row.update({f"best.{k}": _number((s.get("best") or {}).get(k)) for k in best})
        row.update({f"final.{k}": _number((s.get("final") or {}).get(k)) for k in final})
        row.update({"time": _number(s.get("wall_time")), "path": str(run.path)})
        rows.append(row)
    if sort:
        column, descending = sort_column(sort, columns)
        rows = sort_rows(rows, column, descending != reverse)
    elif reverse:
        rows.reverse()
    return columns, rows


def sort_column(key: str, columns: Sequence[str]) -> tuple[str, bool]:
    """The column a ``--sort`` key names, and whether it sorts descending (accuracies do).

    ``val_loss`` means the best value (``best.val_loss``); ``final.val_loss``, ``time``,
    ``epochs``, ``run`` and any config column work as written.
    """
    aliases = {"wall_time": "time", "name": "run", "epochs_run": "epochs"}
    column = aliases.get(key, key)
    if column not in columns and f"best.{column}" in columns:
        column = f"best.{column}"
    if column not in columns:
        metrics = [c.split(".", 1)[1] for c in columns if c.startswith("best.")]
        others = [c for c in columns if not c.startswith(("best.", "final.")) and c != "path"]
        raise NnlabError(f"--sort {key}: no such column in these runs; choose one of "
                         f"{', '.join([*metrics, *others])} (or final.<metric>)")
    return column, column.endswith("accuracy")


def sort_rows(rows: Sequence[dict[str, Any]], column: str,
              descending: bool = False) -> list[dict[str, Any]]:
    """Stable sort by one column; missing values (None, NaN) always last."""
    def key(row: dict[str, Any]) -> tuple[int, Any]:
        v = row.get(column)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return (0, v)
        return (1, v) if isinstance(v, str) else (2, json.dumps(v, sort_keys=True, default=str))

    present = [r for r in rows if r.get(column) is not None]
    missing = [r for r in rows if r.get(column) is None]
    groups: dict[int, list[dict[str, Any]]] = {}
    for row in present:
        groups.setdefault(key(row)[0], []).append(row)
    out: list[dict[str, Any]] = []
    for kind in sorted(groups):
        out += sorted(groups[kind], key=lambda r: key(r)[1], reverse=descending)
    return out + missing


# --------------------------------------------------------------------------- output

def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """CSV with a header; lists and mappings as JSON, missing values empty."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else
                         json.dumps(row[c]) if isinstance(row[c], (list, dict)) else row[c]
                         for c in columns])
    return buf.getvalue()


def to_json(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """A JSON list of objects (keys in column order); NaN/inf as null."""
    return json.dumps(jsonable([{c: row.get(c) for c in columns} for row in rows]), indent=1)


def format_value(value: Any) -> str:
    """A table cell: 4 significant digits, YAML flow style for lists/mappings, '-' when absent."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"
    if isinstance(value, (list, dict)):
        return yaml.safe_dump(value, default_flow_style=True, width=10**6,
                              sort_keys=False).strip()
    return str(value)


def format_cell(column: str, value: Any) -> str:
    if column == "time" and isinstance(value, (int, float)):
        return f"{value:.2f} s" if value >= 0.1 else f"{value * 1000:.3g} ms"
    return format_value(value)


# --------------------------------------------------------------------------- show

def show_run(path: str | Path) -> dict[str, Any]:
    """Everything ``runs show`` displays: summary, overrides, config diff vs the built-in
    defaults (``run.*`` left out) and the per-epoch ``loss``/``val_loss`` curves."""
    path = Path(path)
    if path.is_dir() and not RunDir.is_run(path) and is_sweep_dir(path):
        raise NnlabError(f"{path}: not an nnlab run (it is a sweep folder; compare its trials "
                         f"with `nnlab runs compare {path}`)")
    rd = RunDir.open(path)
    run = read_run(path)
    defaults = resolve(Config()).to_dict()
    # fields this run's data set does not read are absent from its config: not a change
    changed = [{"key": k, "default": a, "value": b} for k, (a, b) in
               diff(defaults, run.config).items()
               if not k.startswith("run.") and _has_path(run.config, k)]
    overrides = run.summary.get("overrides")
    if overrides is None:
        overrides = rd.overrides()
    records = rd.read_metrics()
    curves = {k: [r.get(k) for r in records] for k in ("loss", "val_loss")
              if any(r.get(k) is not None for r in records)}
    return {"run": str(path), "status": run.status, "started": run.started.isoformat(),
            "summary": run.summary, "summary_problem": run.problem, "overrides": overrides,
            "config_diff": changed, "curves": curves}


def sparkline(values: Sequence[float | None], width: int = 60) -> tuple[str, bool]:
    """Unicode bars ▁…█ for a curve, averaged down to ``width`` characters; missing or non-finite
    values are blanks. Log-scaled (returned flag) when positive values span more than 2 decades.
    """
    vals = [v if isinstance(v, (int, float)) and math.isfinite(v) else None for v in values]
    finite = [v for v in vals if v is not None]
    log = bool(finite) and min(finite) > 0 and max(finite) / min(finite) > 100
    if log:
        vals = [None if v is None else math.log10(v) for v in vals]
    if len(vals) > width > 0:
        vals = _squeeze(vals, width)
    present = [v for v in vals if v is not None]
    if not present:
        return " " * len(vals), log
    lo, hi = min(present), max(present)
    scale = (len(SPARK) - 1) / (hi - lo) if hi > lo else 0.0
    return "".join(" " if v is None else SPARK[round((v - lo) * scale)] for v in vals), log


def _squeeze(vals: list[float | None], width: int) -> list[float | None]:
    """``width`` bucket means of ``vals`` (a bucket without values stays None)."""
    out: list[float | None] = []
    for i in range(width):
        bucket = [v for v in vals[len(vals) * i // width: len(vals) * (i + 1) // width]
                  if v is not None]
        out.append(sum(bucket) / len(bucket) if bucket else None)
    return out


__all__ = ["RunInfo", "collect", "read_run", "is_sweep_dir", "list_rows", "compare_rows",
           "differing_fields", "metric_value", "sort_column", "sort_rows", "to_csv", "to_json",
           "format_value", "format_cell", "show_run", "sparkline"]
