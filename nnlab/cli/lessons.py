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

def _trace_print(tr: dict[str, Any], digits: int) -> None:
    """The trace of `nnlab.tools.trace.trace` as one table of units and one of weights per
    layer and step."""
    x = tr["x"]
    out.print(f"[bold]{tr['network']}[/]   loss {tr['loss_fn']}   optimizer {tr['optimizer']}   "
              f"batch {len(x)} of {tr['n_train']}", soft_wrap=True)
    out.print("Units are numbered from the inputs as in the backpropagation write-ups (words for "
              "text data); weight matrices: row = from input i, column = to unit j (w_ij). "
              "δ = ∂C/∂z, C = the batch loss (mean over samples); Δ = after the optimizer step "
              "− before.", soft_wrap=True)
    p = _TracePrinter(tr, digits)
    inputs = p.table([""], tr["labels"][0])
    for s, row in enumerate(x):
        inputs.add_row(p.tag("x", s), *map(p.num, row))
    p.section("inputs", inputs)
    for st in tr["steps"]:
        out.rule(f"step {st['step']}   lr {p.num(st['lr'])}   loss {p.num(st['loss'])} → "
                 f"{p.num(st['loss_after'])} after the update")
        for li, rec in enumerate(st["layers"]):
            p.layer(li, rec, last=li == len(st["layers"]) - 1)


class _TracePrinter:
    """Tables of one trace: numbers with ``digits`` significant digits, samples tagged [k]."""

    def __init__(self, tr: dict[str, Any], digits: int) -> None:
        self.labels, self.t, self.digits = tr["labels"], tr["t"], digits
        self.n = len(tr["x"])

    def num(self, v: float) -> str:
        return f"{v:.{self.digits}g}"

    def tag(self, name: str, s: int) -> str:
        return f"{name} [{s + 1}]" if self.n > 1 else name

    def table(self, head: list[str], units: list[str]) -> Table:
        from rich import box
        from rich.table import Table

        t = Table(*head, box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        for u in units:
            t.add_column(u, justify="right")
        return t

    def section(self, title: str, t: Table) -> None:
        out.print(f"[bold]{title}[/]", soft_wrap=True)
        show(t)

    def layer(self, li: int, rec: dict[str, Any], last: bool) -> None:
        """z, a, δ (and mask, target, bias) per unit, then w, ∂C/∂w, Δw, new w per weight."""
        units, num = self.labels[li + 1], self.num
        ut = self.table([""], units)
        for s in range(self.n):
            if "u" in rec:  # batch normalization before the activation
                ut.add_row(self.tag("u = xW", s), *map(num, rec["u"][s]))
                ut.add_row(self.tag("û = (u − μ)/σ", s), *map(num, rec["u_hat"][s]))
            ut.add_row(self.tag("z = γû + β" if "u" in rec else "z", s), *map(num, rec["z"][s]))
            ut.add_row(self.tag("a = f(z)", s), *map(num, rec["a"][s]))
            if "mask" in rec:
                ut.add_row(self.tag("dropout mask", s), *map(num, rec["mask"][s]))
            if last:
                ut.add_row(self.tag("t (target)", s), *map(num, self.t[s]))
            ut.add_row(self.tag("δ = ∂C/∂z", s), *map(num, rec["delta"][s]), end_section=True)
        for kind, sym in (("b", "b"), ("gamma", "γ"), ("beta", "β")):
            if kind in rec:
                for name, key in ((sym, kind), (f"∂C/∂{sym}", f"grad_{kind}"),
                                  (f"Δ{sym}", f"update_{kind}"), (f"{sym} new", f"{kind}_new")):
                    ut.add_row(name, *map(num, rec[key]))
        self.section(f"layer {li + 1}: {len(self.labels[li])} → {len(units)} "
                     + ("batch-normalized " if "u" in rec else "")
                     + f"{rec['activation']}" + (" (output)" if last else ""), ut)
        wt = self.table(["from", ""], units)
        for i, src in enumerate(self.labels[li]):
            for k, (name, key) in enumerate((("w", "W"), ("∂C/∂w", "grad_W"),
                                             ("Δw", "update_W"), ("w new", "W_new"))):
                wt.add_row(src if k == 0 else "", name, *map(num, rec[key][i]),
                           end_section=k == 3)
        self.section(f"layer {li + 1} weights (row = from, column = to)", wt)


@app.command("trace")
def trace_cmd(
    config: Annotated[Path, typer.Argument(help="Experiment YAML of a small network.")],
    steps: Annotated[int, typer.Option(
        "--steps", "-n", min=1, max=1000, help="Training steps to trace.")] = 1,
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
