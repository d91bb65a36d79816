"""``nnlab gradcheck``: backpropagation against central differences, per tensor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import NnlabError
from .app import SetOpt, app, out, show, simple_table, user_errors
from .eval import CheckpointOpt, JsonOpt

if TYPE_CHECKING:
    from rich.table import Table


def _gradcheck_table(checks: list[Any], first: str) -> Table:
    network = first == "tensor"
    table = simple_table(first, *(() if network else ("∂/∂",)), "shape", "checked", "kinks",
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
    """The tables of a gradient check, how the error is measured, and the verdict."""
    s = report.settings
    scale = _components_report(report) if report.target == "components" else \
        _network_report(report)
    floors = [c.floor for c in report.checks if c.floor is not None]
    lo, hi = (min(floors), max(floors)) if floors else (0.0, 0.0)
    floor = (f"floor {lo:.1e}" if lo == hi else f"floor {lo:.1e} to {hi:.1e}") + (
        f" (auto: 4ε·max(1, S)/(h·tol), {scale})" if s.floor is None else "")
    out.print(f"relative error = |a − n| / max(|a|, |n|, floor); {floor}", soft_wrap=True)
    for c in report.checks:
        if c.note:
            out.print(f"{c.name}: {c.note}", soft_wrap=True)
    refined = sum(c.refined for c in report.checks)
    if refined:
        out.print(f"curvature: {refined} entr{'y' if refined == 1 else 'ies'} judged at h/10 "
                  f"= {s.h / 10:g} (the error at h was the O(h²) truncation of a strongly "
                  "curved loss)", soft_wrap=True)
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


def _components_report(report: Any) -> str:
    """One table per family of building blocks; returns what S means for them."""
    groups = [("activation", "activations: dL/dz of L = Σ g·f(z), random upstream g"),
              ("loss", "losses: δᴸ = ∂L/∂z through the output activation"),
              ("layer", "layers: ∂L/∂W, ∂L/∂b, ∂L/∂x of L = Σ G·layer(x)")]
    out.print(f"[bold]gradcheck --components[/]: float64, h={report.settings.h:g}, "
              f"tol={report.settings.tol:g}")
    for group, title in groups:
        out.print(f"\n[bold]{title}[/]")
        show(_gradcheck_table([c for c in report.checks if c.group == group], group))
    return "S = Σ of the |terms| of L"


def _network_report(report: Any) -> str:
    """What was checked (network, loss, L2, samples) and one row per tensor; returns S."""
    s, info = report.settings, report.info
    where = (f", {info['checkpoint']} checkpoint (epoch {info['epoch']})"
             if "checkpoint" in info else "")
    l2 = f", L2 λ={info['l2']:g} (n={info['n_train']})" if info["l2"] else ""
    drop = ", dropout off" if info["dropout"] == "off" else ""
    out.print(f"[bold]gradcheck[/] {report.target}{where}", soft_wrap=True)
    out.print(f"{info['network']}, loss {info['loss']}{l2}, {info['samples']} training "
              f"samples, float64{drop}, h={s.h:g}, tol={s.tol:g}", soft_wrap=True)
    show(_gradcheck_table(report.checks, "tensor"))
    return "S = |C| + mean Σ|zᴸ|"


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
    from ..files import jsonable
    from ..tools.gradcheck import Settings

    with user_errors():
        settings = Settings(h=h, tol=tol, floor=floor, max_per_tensor=max_per_tensor,
                            samples=samples, seed=seed)
        report = _check(target, components, set_ or [], checkpoint, settings)
    if as_json:
        print(json.dumps(jsonable(report.to_dict())))
    else:
        _gradcheck_report(report)
    if not report.passed:
        raise typer.Exit(1)


def _check(target: Path | None, components: bool, overrides: list[str], checkpoint: str,
           settings: Any) -> Any:
    """The report of the building blocks, of a run's trained network or of a config's."""
    from ..runs.rundir import RunDir
    from ..tools.gradcheck import check_components, check_config, check_run

    if components:
        if target is not None or overrides:
            raise NnlabError("--components checks the building blocks on their own; drop "
                             "the config/run and --set, or drop --components")
        return check_components(settings)
    if target is not None and target.is_dir():
        if not RunDir.is_run(target):
            raise NnlabError(f"{target}: not an nnlab run (no config.yaml); pass a run "
                             "directory or an experiment YAML")
        return check_run(target, checkpoint, overrides, settings)
    return check_config(target, overrides, settings)
