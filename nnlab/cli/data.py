"""``nnlab data fetch`` and ``nnlab data info``: download, verify and locate MNIST."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .app import data_app, out, user_errors
from .progress import Display

DatasetArg = Annotated[str, typer.Argument(help="mnist or fashion_mnist.")]
PathOpt = Annotated[Path | None, typer.Option("--path", help="Folder to look in first.")]


@data_app.command("fetch")
def data_fetch(name: DatasetArg = "mnist", path: PathOpt = None) -> None:
    """Download (if needed) and verify a dataset ahead of time. Example: nnlab data fetch mnist"""
    from ..data import mnist

    with user_errors(), Display("live" if out.is_terminal else "plain", out) as display:
        where = mnist.fetch(name, path, progress=display.download)
    out.print(f"{name}: verified in {where}")


@data_app.command("info")
def data_info(
    name: DatasetArg = "mnist", path: PathOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as one JSON object.")] = False,
) -> None:
    """Where a dataset is, its files, sizes and checksums. Example: nnlab data info mnist"""
    from rich.table import Table

    from ..data import mnist

    with user_errors():
        info = mnist.info(name, path)
    if as_json:
        print(json.dumps(info))
        return
    out.print(f"[bold]{info['title']}[/]: " + (f"found in {info['source']}" if info["found"]
                                                else "not found"))
    table = Table("file", "size", "checksum", "problem")
    for f in info["files"]:
        style = {"ok": "green", "bad": "red"}.get(f["checksum"], "yellow")
        table.add_row(f["file"], "-" if f["size"] is None else f"{f['size']:,}",
                      f"[{style}]{f['checksum']}[/]", f["problem"] or "")
    out.print(table)
    cache = info["cache"]
    out.print(f"decoded cache: {cache['dir'] if cache['present'] else 'not yet written'}")
    if not info["found"]:
        out.print("searched: " + ", ".join(info["searched"]))
        out.print(f"`nnlab data fetch {name}` downloads into {info['download_dir']}")
    if any(f["checksum"] == "bad" for f in info["files"]):
        raise typer.Exit(2)
