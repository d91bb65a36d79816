"""TensorBoard event files of a run, for those who live there: ``RUN/tensorboard/``.

    export_run("runs/moons-…")        # then: tensorboard --logdir runs

The per-epoch scalars of metrics.jsonl (``loss``, ``val_loss``, accuracies, ``lr``, and per
layer ``grad_norm_w/1``, ``grad_norm_b/1``, ``dead_fraction/1`` …) with the epoch as the step,
the best epoch's metrics as ``best/<metric>``, and the run's hyperparameters (its flattened
config) attached to the run itself. tensorboardX's ``add_hparams`` would write them into a
separate run in a sub-folder (one more "run" per call in TensorBoard's list), so the three
hparams summaries are written into the run's own event file instead. tensorboardX is an
optional extra (``pip install -e ".[tensorboard]"``), imported only here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import NnlabError
from ..runs.rundir import RunDir
from ..runs.runfiles import flatten

SCALARS = ("loss", "val_loss", "accuracy", "val_accuracy", "lr")
PER_LAYER = ("grad_norm_w", "grad_norm_b", "dead_fraction")
EVENTS = "events.out.tfevents."


def _writer_class() -> Any:
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        raise NnlabError("TensorBoard files need tensorboardX: pip install -e \".[tensorboard]\" "
                         "(or pip install tensorboardX)") from None
    return SummaryWriter


def hyperparameters(config: Mapping[str, Any]) -> dict[str, bool | str | float | int]:
    """The config flattened to ``section.key`` → a scalar TensorBoard can show (``run.*``, the
    explicit weights and the typed-in samples aside; lists and null as text)."""
    out: dict[str, bool | str | float | int] = {}
    skip = ("run.", "model.weights", "model.biases", "data.x", "data.y", "data.labels",
            "data.text", "data.pairs")
    for key, value in _flat(config).items():
        if key.startswith(skip):
            continue
        out[key] = value if isinstance(value, (bool, str, int, float)) else str(value)
    return out


def _flat(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def export_run(run: str | Path, logdir: str | Path | None = None) -> Path:
    """Write the run's event file into ``logdir`` (default ``RUN/tensorboard/``), replacing the
    event files an earlier export wrote there; returns the folder."""
    writer_class = _writer_class()
    rd = RunDir.open(run)
    records = rd.read_metrics()
    if not records:
        raise NnlabError(f"{rd.path}: no metrics yet (metrics.jsonl is empty); train it first")
    folder = Path(logdir) if logdir is not None else rd.tensorboard_dir
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(EVENTS + "*"):
        old.unlink()  # one event file per export: TensorBoard would show both otherwise
    summary = rd.summary_or_empty()
    with writer_class(logdir=str(folder), flush_secs=3600) as w:
        for rec in records:
            step = int(rec["epoch"])
            for key, value in flatten({k: rec[k] for k in (*SCALARS, *PER_LAYER)
                                       if k in rec}).items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    w.add_scalar(key.replace(".", "/"), float(value), step)
        best = {f"best/{k}": float(v) for k, v in (summary.get("best") or {}).items()
                if k != "epoch" and isinstance(v, (int, float))}
        for tag, value in best.items():
            w.add_scalar(tag, value, int(summary.get("best_epoch") or 0))
        _hparams(w, hyperparameters(rd.config_dict()), best)
    return folder


def _hparams(writer: Any, hparams: dict[str, Any], metrics: dict[str, float]) -> None:
    """The hparams plugin's three summaries, in the run's own event file (see the module)."""
    from tensorboardX.summary import hparams as hparams_summaries

    for part in hparams_summaries(hparams, metrics):
        writer.file_writer.add_summary(part)
