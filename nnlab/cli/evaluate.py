"""``nnlab eval``, ``nnlab predict`` and ``nnlab gradcheck``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ..errors import NnlabError
from ..runs import number
from .common import SetOpt, app, out, show, user_errors

# --------------------------------------------------------------------------- eval, predict

CheckpointOpt = Annotated[str, typer.Option(
    "--checkpoint", "-c", help="Which weights: best (the best monitored epoch) or last.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
MAX_CLASSES_SHOWN = 20


def _strict_json(value: Any) -> Any:
    """NaN/inf → null, so the printed object is strict JSON."""
    import math

    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(v) for v in value]
    return value




def _table(*columns: str) -> Table:
    from rich import box

    return Table(*columns, box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)


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
            per = _table("class", "precision", "recall", "support")
            for c in classes:
                per.add_row(str(c["class"]), _ratio(c["precision"]), _ratio(c["recall"]),
                            str(c["support"]))
            for col in per.columns[1:]:
                col.justify = "right"
            out.print("\n[bold]per class[/]")
            show(per)
            cm = _table("true \\ pred", *(str(c["class"]) for c in classes))
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
    from ..evaluation import evaluate_run

    with user_errors():
        result = evaluate_run(run, checkpoint, split, set_ or [])
    if as_json:
        print(json.dumps(_strict_json(result)))
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
    from ..evaluation import (
        check_inputs,
        open_run,
        parse_inputs,
        parse_x,
        predictions,
        read_inputs,
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
        columns, table = predictions(exp, check_inputs(exp, rows, source))
        if output is not None:
            write_predictions(output, columns, table, exp.network.dtype)
            return
    sys.stdout.write(to_csv(columns, table, exp.network.dtype))


# --------------------------------------------------------------------------- gradcheck

def _gradcheck_table(checks: list[Any], first: str) -> Table:
    network = first == "tensor"
    table = _table(first, *(() if network else ("∂/∂",)), "shape", "checked", "kinks",
                   "max rel. err", "median", "worst index", "result")
    for col in table.columns[2 if network else 3:]:
        col.justify = "right"
    for c in checks:
        err_ = "–" if c.max_error is None else f"{c.max_error:.1e}"
        med = "–" if c.median_error is None else f"{c.median_error:.1e}"
        worst = "–" if c.worst is None else "(" + ", ".join(map(str, c.worst)) + ")"
        result = "[bold green]PASS[/]" if c.passed else "[bold red]FAIL[/]"
        table.add_row(c.name, *(() if network else (c.tensor,)), "×".join(map(str, c.shape)),
                      f"{c.checked}/{c.size}", str(c.kinks), err_, med, worst, result)
    return table


def _gradcheck_report(report: Any) -> None:
    s, info = report.settings, report.info
    if report.target == "components":
        groups = [("activation", "activations: dL/dz of L = Σ g·f(z), random upstream g"),
                  ("loss", "losses: δᴸ = ∂L/∂z through the output activation"),
                  ("layer", "layers: ∂L/∂W, ∂L/∂b, ∂L/∂x of L = Σ G·layer(x)")]
        out.print(f"[bold]gradcheck --components[/]: float64, h={s.h:g}, tol={s.tol:g}")
        for group, title in groups:
            out.print(f"\n[bold]{title}[/]")
            show(_gradcheck_table([c for c in report.checks if c.group == group], group))
        scale = "S = Σ of the |terms| of L"
    else:
        where = (f", {info['checkpoint']} checkpoint (epoch {info['epoch']})"
                 if "checkpoint" in info else "")
        l2 = f", L2 λ={info['l2']:g} (n={info['n_train']})" if info["l2"] else ""
        drop = ", dropout off" if info["dropout"] == "off" else ""
        out.print(f"[bold]gradcheck[/] {report.target}{where}", soft_wrap=True)
        out.print(f"{info['network']}, loss {info['loss']}{l2}, {info['samples']} training "
                  f"samples, float64{drop}, h={s.h:g}, tol={s.tol:g}", soft_wrap=True)
        show(_gradcheck_table(report.checks, "tensor"))
        scale = "S = |C| + mean Σ|zᴸ|"
    floors = [c.floor for c in report.checks if c.floor is not None]
    lo, hi = (min(floors), max(floors)) if floors else (0.0, 0.0)
    floor = (f"floor {lo:.1e}" if lo == hi else f"floor {lo:.1e} to {hi:.1e}") + (
        f" (auto: 4ε·max(1, S)/(h·tol), {scale})" if s.floor is None else "")
    out.print(f"relative error = |a − n| / max(|a|, |n|, floor); {floor}", soft_wrap=True)
    for c in report.checks:
        if c.note:
            out.print(f"{c.name}: {c.note}", soft_wrap=True)
    kinks = sum(c.kinks for c in report.checks)
    if kinks:
        out.print(f"kinks: {kinks} entr{'y' if kinks == 1 else 'ies'} whose ±h step crossed a "
                  "kink (of z or a − t) are counted, not judged", soft_wrap=True)
    n = len(report.checks)
    if report.passed:
        worst = max((c.max_error for c in report.checks if c.max_error is not None),
                    default=0.0)
        out.print(f"[bold green]PASS[/]: all {n} tensors, max rel. error {worst:.1e} ≤ "
                  f"{s.tol:g}")
    else:
        names = ", ".join(c.label for c in report.failed)
        out.print(f"[bold red]FAIL[/]: {len(report.failed)} of {n} tensors: {names}",
                  soft_wrap=True)


@app.command()
def gradcheck(
    target: Annotated[Path | None, typer.Argument(
        help="An experiment YAML (its network at initialization) or a run directory (its "
        "trained weights); omit for the built-in default experiment.")] = None,
    components: Annotated[bool, typer.Option(
        "--components", help="Check every registered activation, loss and layer type in "
        "isolation instead of a network.")] = False,
    set_: SetOpt = None,
    checkpoint: CheckpointOpt = "best",
    samples: Annotated[int, typer.Option(
        min=1, help="Training samples in the checked batch.")] = 8,
    h: Annotated[float, typer.Option("--h", help="Finite-difference step.")] = 1e-6,
    tol: Annotated[float, typer.Option(
        "--tol", help="Fail line for the relative error of any entry.")] = 1e-6,
    floor: Annotated[float | None, typer.Option(
        "--floor", help="Smallest denominator of the relative error (default: automatic, "
        "4ε·max(1, S)/(h·tol) with S = |C| + mean Σ|zᴸ|: gradients below it are compared in "
        "absolute terms, |a − n| ≤ tol·floor, the rounding noise of the difference quotient; "
        "two exact zeros agree).")] = None,
    max_per_tensor: Annotated[int, typer.Option(
        min=1, help="Check every entry of tensors up to this size, a seeded random subset of "
        "larger ones.")] = 200,
    seed: Annotated[int, typer.Option(
        min=0, help="Seeds the sample choice and the entry subsets.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Check backpropagation against central differences (C(θ+h) − C(θ−h))/2h, in float64.

    Every weight and bias tensor of the network is checked on a float64 copy with a few real
    training samples, dropout off, and the config's L2 term in the loss. Entries whose ±h step
    moves a pre-activation or a residual across a kink (ReLU, leaky ReLU, ELU, MAE, Huber) are
    counted separately instead of failing. Exit code 0 when every tensor passes, 1 on a failure,
    2 on bad input.

    Examples: nnlab gradcheck configs/mnist_nielsen.yaml; nnlab gradcheck runs/sine-…;
    nnlab gradcheck --components
    """
    from ..gradcheck import Settings, check_components, check_config, check_run
    from ..runs import is_run_dir

    with user_errors():
        settings = Settings(h=h, tol=tol, floor=floor, max_per_tensor=max_per_tensor,
                            samples=samples, seed=seed)
        if components:
            if target is not None or set_:
                raise NnlabError("--components checks the building blocks on their own; drop "
                                 "the config/run and --set, or drop --components")
            report = check_components(settings)
        elif target is not None and target.is_dir():
            if not is_run_dir(target):
                raise NnlabError(f"{target}: not an nnlab run (no config.yaml); pass a run "
                                 "directory or an experiment YAML")
            report = check_run(target, checkpoint, set_ or [], settings)
        else:
            report = check_config(target, set_ or [], settings)
    if as_json:
        print(json.dumps(_strict_json(report.to_dict())))
    else:
        _gradcheck_report(report)
    if not report.passed:
        raise typer.Exit(1)
