"""``nnlab trace`` and ``nnlab embed``: the worked examples of the source texts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import NnlabError
from .app import SetOpt, app, out, show, user_errors

if TYPE_CHECKING:
    from rich.table import Table

# --------------------------------------------------------------------------- lessons

def _trace_print(tr: dict[str, Any], digits: int) -> None:
    """The trace of `nnlab.trace.trace` as one table of units and one of weights per layer."""
    from rich import box
    from rich.table import Table

    def num(v: float) -> str:
        return f"{v:.{digits}g}"

    def table(head: list[str], units: list[str]) -> Table:
        t = Table(*head, box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        for u in units:
            t.add_column(u, justify="right")
        return t

    def section(title: str, t: Table) -> None:
        out.print(f"[bold]{title}[/]", soft_wrap=True)
        show(t)

    labels, x, t = tr["labels"], tr["x"], tr["t"]
    many = len(x) > 1

    def tag(name: str, s: int) -> str:
        return f"{name} [{s + 1}]" if many else name

    out.print(f"[bold]{tr['network']}[/]   loss {tr['loss_fn']}   optimizer {tr['optimizer']}   "
              f"batch {len(x)} of {tr['n_train']}", soft_wrap=True)
    out.print("Units are numbered from the inputs as in seed 002 (words for text data); weight "
              "matrices: row = from input i, column = to unit j (w_ij). δ = ∂C/∂z, C = the batch "
              "loss (mean over samples); Δ = after the optimizer step − before.", soft_wrap=True)
    inputs = table([""], labels[0])
    for s, row in enumerate(x):
        inputs.add_row(tag("x", s), *map(num, row))
    section("inputs", inputs)
    for st in tr["steps"]:
        out.rule(f"step {st['step']}   lr {num(st['lr'])}   loss {num(st['loss'])} → "
                 f"{num(st['loss_after'])} after the update")
        for li, rec in enumerate(st["layers"]):
            units = labels[li + 1]
            last = li == len(st["layers"]) - 1
            ut = table([""], units)
            for s in range(len(x)):
                ut.add_row(tag("z", s), *map(num, rec["z"][s]))
                ut.add_row(tag("a = f(z)", s), *map(num, rec["a"][s]))
                if "mask" in rec:
                    ut.add_row(tag("dropout mask", s), *map(num, rec["mask"][s]))
                if last:
                    ut.add_row(tag("t (target)", s), *map(num, t[s]))
                ut.add_row(tag("δ = ∂C/∂z", s), *map(num, rec["delta"][s]), end_section=True)
            if "b" in rec:
                for name, key in (("b", "b"), ("∂C/∂b", "grad_b"), ("Δb", "update_b"),
                                  ("b new", "b_new")):
                    ut.add_row(name, *map(num, rec[key]))
            section(f"layer {li + 1}: {len(labels[li])} → {len(units)} {rec['activation']}"
                 + (" (output)" if last else ""), ut)
            wt = table(["from", ""], units)
            for i, src in enumerate(labels[li]):
                for k, (name, key) in enumerate((("w", "W"), ("∂C/∂w", "grad_W"),
                                                 ("Δw", "update_W"), ("w new", "W_new"))):
                    wt.add_row(src if k == 0 else "", name, *map(num, rec[key][i]),
                               end_section=k == 3)
            section(f"layer {li + 1} weights (row = from, column = to)", wt)


@app.command("trace")
def trace_cmd(
    config: Annotated[Path, typer.Argument(help="Experiment YAML of a small network.")],
    steps: Annotated[int, typer.Option("--steps", "-n", help="Training steps to trace.")] = 1,
    set_: SetOpt = None,
    digits: Annotated[int, typer.Option(help="Significant digits shown.", min=1, max=17)] = 6,
    as_json: Annotated[bool, typer.Option("--json", help="Print the trace as one JSON object."
                                          )] = False,
) -> None:
    """Show every z, a, δ = ∂C/∂z, gradient and weight update of a small network, step by step.

    Example: nnlab trace configs/lessons/backprop_2321.yaml --steps 2
    """
    from ..files import jsonable
    from ..runs.experiment import build
    from ..tools.trace import trace as run_trace

    with user_errors():
        tr = run_trace(build(config, set_ or []), steps)
    if as_json:
        print(json.dumps(jsonable(tr)))
        return
    _trace_print(tr, digits)


@app.command()
def embed(
    run: Annotated[Path, typer.Argument(help="Run directory of a word2vec run (data.name: text).")],
    nearest: Annotated[str | None, typer.Option(help="List the words closest to this one.")
                       ] = None,
    words: Annotated[str | None, typer.Option(
        help="Comma-separated words: their pairwise cosine similarities.")] = None,
    top: Annotated[int, typer.Option(help="How many neighbours --nearest lists.", min=1)] = 5,
    checkpoint: Annotated[str, typer.Option(help="best or last.")] = "best",
    as_json: Annotated[bool, typer.Option("--json", help="Print as one JSON object.")] = False,
) -> None:
    """Nearest words by cosine similarity of the learned word vectors (rows of W).

    Example: nnlab embed runs/word2vec-… --nearest king
    """
    from rich.table import Table

    from ..tools.embed import Embeddings

    with user_errors():
        if nearest is None and words is None:
            raise NnlabError("give --nearest WORD and/or --words a,b,c")
        if checkpoint not in ("best", "last"):
            raise NnlabError(f"--checkpoint {checkpoint}: choose best or last")
        emb = Embeddings.from_run(run, checkpoint)
        result: dict[str, Any] = {"run": str(run), "vocab_size": len(emb.vocab)}
        if nearest is not None:
            result["word"] = nearest.lower()
            result["nearest"] = [{"word": w, "cosine": c} for w, c in emb.nearest(nearest, top)]
        if words is not None:
            names = [w.strip().lower() for w in words.split(",") if w.strip()]
            result["words"], result["cosine"] = names, emb.matrix(names).tolist()
    if as_json:
        print(json.dumps(result))
        return
    if "nearest" in result:
        table = Table("#", "word", "cosine", title=f"closest to '{result['word']}' "
                      f"({len(emb.vocab)} words)", title_justify="left")
        for i, row in enumerate(result["nearest"], 1):
            table.add_row(str(i), row["word"], f"{row['cosine']:.3f}")
        out.print(table)
    if "words" in result:
        table = Table("", *result["words"], title="cosine similarity", title_justify="left")
        for name, row in zip(result["words"], result["cosine"]):
            table.add_row(name, *(f"{c:.3f}" for c in row))
        out.print(table)
