"""``nnlab eval``, ``nnlab predict`` and ``nnlab gradcheck``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import NnlabError
from ..runs.format import number
from .app import SetOpt, app, out, show, simple_table, user_errors

CheckpointOpt = Annotated[str, typer.Option(
    "--checkpoint", "-c", help="Which weights: best (the best monitored epoch) or last.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
MAX_CLASSES_SHOWN = 20


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _eval_report(r: dict[str, Any]) -> None:
    epoch = f" (epoch {r['epoch']})" if r.get("epoch") is not None else ""
    how = (f"{r['loss_name']} {number(r['data_loss'])} + L2 term (λ/2n)Σw² "
           f"{number(r['l2_penalty'])}, as training records it" if r["loss_includes_l2"]
           else f"{r['loss_name']}, no L2 term")
    rows = [("run", r["run"]), ("network", r["network"]),
            ("checkpoint", f"{r['checkpoint']}{epoch}"),
            ("split", f"{r['split']}: {r['n']} samples of {r['data']}"),
            *([("overrides", " ".join(r["overrides"]))] if r["overrides"] else []),
            ("loss", f"{number(r['loss'])}  ({how})")]
    if r["task"] == "classification":
        rows.append(("accuracy", f"{r['accuracy']:.4f}"))
    else:
        rows += [("MSE", f"{number(r['mse'])}  (mean of (output − target)² over samples and "
                  "outputs, not halved)"), ("MAE", number(r["mae"])),
                 ("max error", number(r["max_error"]))]
    for key, value in rows:
        out.print(f"[bold]{key:<11}[/]{value}", soft_wrap=True)
    if r["task"] == "classification":
        classes = r["classes"]
        if len(classes) > MAX_CLASSES_SHOWN:
            out.print(f"{len(classes)} classes: per-class metrics and the confusion matrix are "
                      "in the JSON (--json or the saved file)")
        else:
            per = simple_table("class", "precision", "recall", "support")
            for c in classes:
                per.add_row(str(c["class"]), _ratio(c["precision"]), _ratio(c["recall"]),
                            str(c["support"]))
            for col in per.columns[1:]:
                col.justify = "right"
            out.print("\n[bold]per class[/]")
            show(per)
            cm = simple_table("true \\ pred", *(str(c["class"]) for c in classes))
            for col in cm.columns[1:]:
                col.justify = "right"
            for i, row in enumerate(r["confusion_matrix"]):
                cm.add_row(str(i), *(f"[bold green]{v}[/]" if i == j else
                                     (f"[red]{v}[/]" if v else "[dim]0[/]")
                                     for j, v in enumerate(row)))
            out.print("\n[bold]confusion matrix[/] (rows: true class, columns: predicted "
                      "class)")
            show(cm)
    if "file" in r:
        out.print(f"saved {r['file']}", markup=False, soft_wrap=True)


@app.command("eval")
def eval_(
    run: Annotated[Path, typer.Argument(help="A run directory made by nnlab train.")],
    checkpoint: CheckpointOpt = "best",
    split: Annotated[str | None, typer.Option(
        "--split", help="train, val or test (default: test when the data have one, as MNIST "
        "does; else val; else train).")] = None,
    set_: SetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Loss and metrics of a trained run on one data split, also saved as
    RUN/eval-<split>-<checkpoint>.json.

    Classification: loss, accuracy, per-class precision/recall, confusion matrix. Regression:
    loss, MSE (mean of (output − target)² over samples and outputs, NOT halved like the mse
    loss), MAE, max error. The loss is computed as training records it (with the L2 term when
    regularization.l2 > 0), so --checkpoint best --split val reproduces summary.json's best
    val_loss. --set changes the rebuilt config, e.g. the data: toy data are regenerated from the
    run's seed.

    Example: nnlab eval runs/sine-20261122-081500-3fa9c2 --set data.domain=[-6,6]
    """
    from ..tools.evaluation import evaluate_run

    with user_errors():
        result = evaluate_run(run, checkpoint, split, set_ or [])
    if as_json:
        from ..files import jsonable

        print(json.dumps(jsonable(result)))
    else:
        _eval_report(result)


@app.command(context_settings={"ignore_unknown_options": True})
def predict(
    run: Annotated[Path, typer.Argument(help="A run directory made by nnlab train.")],
    values: Annotated[list[str] | None, typer.Argument(
        help="More --x values.", hidden=True)] = None,
    input_: Annotated[str | None, typer.Option(
        "--input", "-i", help="CSV rows (comma or whitespace separated; a first line that is not "
        "numeric is a header) or a .npy array, one sample per row; - reads standard input.")
    ] = None,
    x: Annotated[list[str] | None, typer.Option(
        "--x", help="Inputs of a one-input network: --x 0.5 1.0 2.0 (or 0.5,1,2).")] = None,
    checkpoint: CheckpointOpt = "best",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write a .csv or .npy file instead of printing CSV.")] = None,
) -> None:
    """Predictions of a trained run for new inputs, as CSV with a header line.

    Classification: the predicted class, then one column per class p0, p1, … (softmax
    probabilities, or the sigmoid outputs). Regression: the outputs y (y1, y2, … for several).
    Rows come out in the order they went in.

    Examples: nnlab predict runs/sine-… --x -1 0 0.5;
    nnlab predict runs/moons-… --input points.csv --output pred.npy;
    cat points.csv | nnlab predict runs/moons-… --input -
    """
    from ..tools.evaluation import (
        check_inputs,
        class_labels,
        open_run,
        parse_inputs,
        parse_x,
        predictions,
        read_inputs,
        table_inputs,
        to_csv,
        write_predictions,
    )

    with user_errors():
        extra = list(values or [])
        if extra and not x:
            raise NnlabError(f"unexpected argument {extra[0]!r}: put input values after --x, "
                             "or a file after --input")
        if x and input_ is not None:
            raise NnlabError("give either --input or --x, not both")
        if not x and input_ is None:
            raise NnlabError("no inputs: give --input FILE (- for standard input) or "
                             "--x V1 V2 …")
        exp, _ = open_run(run, checkpoint)
        if x:
            rows, source = parse_x(exp, [*x, *extra]), "--x"
        elif input_ == "-":
            source = "standard input"
            rows = parse_inputs(sys.stdin.buffer.read(), source)
        else:
            rows, source = read_inputs(input_), str(input_)
        rows = table_inputs(run, input_, rows)  # your own table: its columns and scaling
        columns, table = predictions(exp, check_inputs(exp, rows, source))
        labels = class_labels(run) if columns[0] == "class" else None
        if output is not None:
            write_predictions(output, columns, table, exp.network.dtype, labels)
            return
    sys.stdout.write(to_csv(columns, table, exp.network.dtype, labels))
