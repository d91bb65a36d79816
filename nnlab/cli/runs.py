"""``nnlab runs list``, ``compare`` and ``show``: tables of run directories."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import NnlabError
from ..runs.format import number
from .app import err, group, out, show, summary_table, user_errors

if TYPE_CHECKING:
    from rich.table import Table

runs_app = group("runs", "List, compare and inspect run directories.")

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")]
SortOpt = Annotated[str | None, typer.Option(
    "--sort", help="Sort by a best metric (loss, val_loss, accuracy, val_accuracy; accuracies "
    "descending), final.<metric>, time, epochs or any column.")]
ReverseOpt = Annotated[bool, typer.Option("--reverse", help="Reverse the order.")]


def _rows_table(columns: list[str], rows: list[dict[str, Any]]) -> Table:
    """Rows as a compact table: ``best.val_loss`` headed ``best`` over ``val_loss``, and the
    stop reason folded into the status when there is one."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..tools.compare import format_cell

    styles = {"completed": "green", "failed": "red", "error": "red", "interrupted": "yellow",
              "running": "cyan", "crashed": "red", "pruned": "yellow"}
    if "status" in columns and "stop_reason" in columns:
        columns = [c for c in columns if c != "stop_reason"]
        rows = [{**r, "status": r["status"] if r.get("stop_reason") in (None, r["status"])
                 else f"{r['status']} ({r['stop_reason']})"} for r in rows]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for c in columns:
        numeric = all(isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool)
                      for r in rows if r.get(c) is not None)
        head = "\n".join(c.rsplit(".", 1)) if "." in c else c
        table.add_column(head, justify="right" if numeric else "left", overflow="fold")
    for r in rows:
        table.add_row(*(Text(format_cell(c, r.get(c)),
                             style=styles.get(str(r[c]).split()[0], "") if c == "status" else "")
                        for c in columns))
    return table


def _emit(columns: list[str], rows: list[dict[str, Any]], fmt: str) -> None:
    """Rows as a table on screen (without the ``path`` column), CSV or JSON on stdout."""
    from ..tools.compare import to_csv, to_json

    if fmt == "csv":
        sys.stdout.write(to_csv(columns, rows))
    elif fmt == "json":
        print(to_json(columns, rows))
    else:
        show(_rows_table([c for c in columns if c != "path"], rows))


def _check_format(fmt: str) -> None:
    if fmt not in ("table", "csv", "json"):
        raise NnlabError(f"--format {fmt}: choose table, csv or json")


def _note_skipped(skipped: list[Path]) -> None:
    if not skipped:
        return
    kind = "director" if all(p.is_dir() for p in skipped) else "path"
    what = (f"1 {kind}{'y' if kind == 'director' else ''} that is not an nnlab run"
            if len(skipped) == 1 else
            f"{len(skipped)} {kind}{'ies' if kind == 'director' else 's'} that are not nnlab runs")
    names = ", ".join(map(str, skipped[:5])) + (f", … ({len(skipped) - 5} more)"
                                                if len(skipped) > 5 else "")
    err.print(f"note: skipped {what}: {names}", soft_wrap=True, markup=False)


@runs_app.command("list")
def runs_list(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Run directories or folders of runs (default: runs/).")] = None,
    fmt: FormatOpt = "table", sort: SortOpt = None, reverse: ReverseOpt = False,
) -> None:
    """One line per run: name, date (UTC), data, model, status, epochs, best monitored metric.

    Example: nnlab runs list runs/
    """
    from ..tools.compare import collect, list_rows, sort_column, sort_rows

    default = Path("runs")
    with user_errors():
        _check_format(fmt)
    if not paths and not (default.is_dir() and any(default.iterdir())):
        err.print("no runs in runs/ yet; `nnlab train` makes one")
        if fmt != "table":
            _emit(["run"], [], fmt)
        return
    with user_errors():
        runs, skipped = collect(paths or [default])
        rows = list_rows(runs)
        problems = [r.problem for r in runs if r.problem]
        if sort and rows:
            column, descending = sort_column(sort, list(rows[0]))
            rows = sort_rows(rows, column, descending != reverse)
        elif reverse:
            rows.reverse()
    _note_skipped(skipped)
    if fmt != "table":
        _emit(list(rows[0]) if rows else ["run"], rows, fmt)
        return
    if not rows:
        err.print("no runs found")
        return
    shown = [{**r, "epochs": f"{r['epochs'] if r['epochs'] is not None else '?'}/"
                             f"{r['epochs_total'] or '?'}",
              "best": None if r["best"] is None else f"{r['monitor']}={number(r['best'])}"}
             for r in rows]
    show(_rows_table(["run", "date", "data", "model", "status", "epochs", "best"], shown))
    for problem in problems:
        err.print(f"note: {problem}", soft_wrap=True, markup=False)


@runs_app.command("compare")
def runs_compare(
    paths: Annotated[list[Path], typer.Argument(
        help="Run directories, or folders of runs (runs/, a sweep folder) expanded one level.")],
    sort: SortOpt = None, reverse: ReverseOpt = False, fmt: FormatOpt = "table",
) -> None:
    """One row per run: the config fields that differ, status, stop reason, epochs, best and
    final metrics, wall time.

    Example: nnlab runs compare runs/sine-* --sort val_loss
    """
    from ..tools.compare import collect, compare_rows

    with user_errors():
        _check_format(fmt)
        runs, skipped = collect(paths)
        _note_skipped(skipped)
        if not runs:
            raise NnlabError(f"no nnlab runs in {' '.join(map(str, paths))}; pass run "
                             "directories or a folder of runs such as runs/")
        columns, rows = compare_rows(runs, sort, reverse)
    _emit(columns, rows, fmt)


@runs_app.command("show")
def runs_show(
    run: Annotated[Path, typer.Argument(help="A run directory.")],
    width: Annotated[int, typer.Option(
        min=1, max=1000, help="Sparkline width in characters.")] = 60,
    as_json: Annotated[bool, typer.Option("--json", help="Print as one JSON object.")] = False,
) -> None:
    """A run's summary, its config changes vs the built-in defaults, and its loss curves.

    Example: nnlab runs show runs/sine-20261122-081500-3fa9c2
    """
    from rich.table import Table

    from ..tools.compare import format_value, show_run, sparkline

    with user_errors():
        info = show_run(run)
    if as_json:
        print(json.dumps(info, default=str))
        return
    from rich.text import Text

    try:
        head = summary_table(info["summary"])
    except (KeyError, TypeError, ValueError):  # no summary yet, or a partial one
        head = Table(show_header=False, box=None, pad_edge=False)
        head.add_column(style="bold")
        head.add_column()
        head.add_row("run", Text(info["run"]))
        head.add_row("status", Text(f"{info['status']} (no complete summary)"))
    if info["summary_problem"]:
        head.add_row("summary", Text(info["summary_problem"]))
    head.add_row("started", f"{info['started'][:19].replace('T', ' ')} UTC")
    head.add_row("overrides", Text(" ".join(f"--set {o}" for o in info["overrides"]) or "none"))
    show(head)
    if info["config_diff"]:
        table = Table("changed from the defaults", "default", "this run", box=None,
                      pad_edge=False, header_style="bold")
        for row in info["config_diff"]:
            table.add_row(*(Text(format_value(row[k])) if k != "key" else row[k]
                            for k in ("key", "default", "value")))
        show(table)
    else:
        out.print("config: the built-in defaults (run.* aside)")
    for name, values in info["curves"].items():
        line, log = sparkline(values, width)
        finite = [v for v in values if v is not None]
        if not finite:
            continue
        low, last = min(finite), values[-1]
        end = "nan" if last is None else number(last)
        out.print(f"{name:<9} {line}  {number(finite[0])} → {end} "
                  f"(min {number(low)} at epoch {values.index(low)}"
                  f"{', log scale' if log else ''})", markup=False, soft_wrap=True)
