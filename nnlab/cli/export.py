"""``nnlab export tensorboard``: a finished run's metrics as TensorBoard event files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import group, out, user_errors

export_app = group("export", "Export runs to other tools (TensorBoard).")


@export_app.command("tensorboard")
def tensorboard(
    runs: Annotated[list[Path], typer.Argument(help="Run directories.")],
) -> None:
    """Write RUN/tensorboard/ event files (per-epoch scalars, hyperparameters) for each run and
    print their folders; then `tensorboard --logdir runs`.

    Example: nnlab export tensorboard runs/moons-20261122-081500-3fa9c2
    """
    from ..tools.tensorboard import export_run

    with user_errors():
        folders = [export_run(run) for run in runs]
    for folder in folders:
        out.print(str(folder), markup=False, soft_wrap=True)
