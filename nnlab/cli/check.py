"""``nnlab check`` and ``nnlab lr-find``: Karpathy's recipe as sanity checks before training."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from .app import SetOpt, app, out, user_errors
from .eval import JsonOpt

COLOURS = {"PASS": "bold green", "WARN": "bold yellow", "FAIL": "bold red", "SKIP": "dim"}

ConfigArg = Annotated[Path | None, typer.Argument(
    help="Experiment YAML (omit for the built-in default experiment).")]
StepsOpt = Annotated[int, typer.Option(
    "--lr-steps", min=10, help="Steps of the learning-rate range test.")]
LrMinOpt = Annotated[float, typer.Option("--lr-min", min=0, help="First lr of the range test.")]
LrMaxOpt = Annotated[float, typer.Option("--lr-max", min=0, help="Last lr of the range test.")]


def _settings(lr_steps: int, lr_min: float, lr_max: float) -> Any:
    from ..errors import NnlabError
    from ..tools.check import Settings

    if not 0 < lr_min < lr_max:
        raise NnlabError(f"--lr-min {lr_min:g} / --lr-max {lr_max:g}: need 0 < lr-min < lr-max")
    return Settings(lr_steps=lr_steps, lr_min=lr_min, lr_max=lr_max)


def _print_report(report: Any) -> None:
    """One line per check: STATUS, name, what was measured — what it means → what to do."""
    info = report.info
    out.print(f"[bold]nnlab check[/] {report.target}: {info['network']}, loss {info['loss']}, "
              f"{info['data']} ({info['train']:,} training samples) — the checks of Karpathy's "
              "\"A Recipe for Training Neural Networks\"", soft_wrap=True)
    width = max(len(c.name) for c in report.checks)
    for c in report.checks:
        todo = f" → {c.action}" if c.action and c.status in ("WARN", "FAIL") else ""
        out.print(f"[{COLOURS[c.status]}]{c.status}[/]  {c.name:<{width}}  {c.measured} — "
                  f"{c.meaning}{todo}", soft_wrap=True, markup=True, highlight=False)
    n = report.counts()
    out.print(f"{n['PASS']} PASS, {n['WARN']} WARN, {n['FAIL']} FAIL, {n['SKIP']} SKIP"
              + ("" if report.passed else "  (exit code 1)"))


@app.command()
def check(
    config: ConfigArg = None,
    set_: SetOpt = None,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Also draw the learning-rate range test as a PNG here.")] = None,
    lr_steps: StepsOpt = 200,
    lr_min: LrMinOpt = 1e-6,
    lr_max: LrMaxOpt = 10.0,
    as_json: JsonOpt = False,
) -> None:
    """Karpathy's recipe as sanity checks that run in seconds, before a long training.

    One line per check (PASS / WARN / FAIL / SKIP): the data (finite values, class balance,
    scale, duplicates, train/validation overlap, a leaked target), the loss at initialization
    against the value expected for the task (ln C for softmax cross-entropy over C classes),
    the output bias (the initial loss with model.output_bias_init: auto), dead, saturated or
    identical units at initialization, the gradient check, overfitting a tiny batch, an
    input-independent baseline (the same training with inputs zeroed must end clearly worse)
    and a learning-rate range test. Exit code 1 when a check FAILs, 2 on bad input.

    Example: nnlab check configs/mnist_nielsen.yaml --plot lr.png
    """
    from ..files import jsonable
    from ..tools.check import check_config

    with user_errors():
        report = check_config(config, set_ or [], _settings(lr_steps, lr_min, lr_max))
        if plot is not None:
            from ..tools.check import LRFind
            from ..tools.plots.lr_find import plot_lr_find

            found = report.by_name("learning rate").values.get("lr_find")
            if found is not None:
                plot_lr_find(LRFind(**found), plot, title=report.target)
                report.info["picture"] = str(plot)
    if as_json:
        print(json.dumps(jsonable(report.to_dict())))
    else:
        _print_report(report)
        if "picture" in report.info:
            out.print(f"learning-rate range test drawn to {report.info['picture']}")
    if not report.passed:
        raise typer.Exit(1)


@app.command("lr-find")
def lr_find_cmd(
    config: ConfigArg = None,
    set_: SetOpt = None,
    out_: Annotated[Path | None, typer.Option(
        "--out", "-o", help="PNG of loss vs lr (default: <config stem>-lr-find.png here).")
    ] = None,
    lr_steps: StepsOpt = 200,
    lr_min: LrMinOpt = 1e-6,
    lr_max: LrMaxOpt = 10.0,
    as_json: JsonOpt = False,
) -> None:
    """The learning-rate range test: train while the lr grows exponentially from --lr-min to
    --lr-max, record each batch's loss, and suggest the lr at the smoothed minimum / 10.

    Example: nnlab lr-find configs/mnist_modern.yaml --out lr.png
    """
    from ..files import jsonable
    from ..tools.check import lr_find
    from ..tools.plots.lr_find import plot_lr_find

    target = out_ or Path(f"{config.stem if config else 'default'}-lr-find.png")
    with user_errors():
        found = lr_find(config, set_ or [], _settings(lr_steps, lr_min, lr_max))
        plot_lr_find(found, target, title=str(config or "built-in default"))
    if as_json:
        print(json.dumps(jsonable({**found.to_dict(), "picture": str(target)})))
        return
    blow = f"{found.blow_up:.3g}" if found.blow_up else f"not below {found.lrs[-1]:.3g}"
    out.print(f"configured lr   {found.configured:g}")
    out.print(f"loss lowest at  {found.min_lr:.3g}" if found.min_lr else
              "loss lowest at  – (the loss never fell)")
    out.print(f"blows up from   {blow}")
    out.print(f"suggested lr    {found.suggested:.3g}  (the lowest point's lr / 10)"
              if found.suggested else "suggested lr    – (see nnlab check for why)")
    out.print(f"picture         {target}")
