"""Extending a run: ``nnlab train --resume RUN --set train.epochs=400`` trains a finished (or
early-stopped, or interrupted) run further, in the same directory.

Only settings that keep the model and the data the same may change: the number of epochs, the
optimizer's settings (not which optimizer: its state would not fit), regularization, the
loop's bookkeeping. The network, the data, the loss, the seed and the dtype are what the saved
weights were trained for; changing them is a new experiment (a new run). config.yaml records
the extension: the new resolved config under a ``# extended after epoch N: --set …`` line.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..config import Config, diff, load_config, resolve
from ..errors import ConfigError
from .rundir import RunDir

FIXED = ("data.", "model.", "loss", "train.seed", "train.dtype", "train.probe_size",
         "optimizer.name", "run.name", "run.runs_dir")
"""Key paths (prefixes) a resumed run keeps: its model and data, and where it lives."""
CHANGEABLE = ("train.epochs", "optimizer.lr (and the optimizer's other parameters)",
              "optimizer.schedule", "regularization.*", "train.batch_size", "train.monitor",
              "train.log_every", "train.eval_every", "train.tolerance", "run.checkpoint_every",
              "run.plots", "run.snapshots")


def extended_config(run: RunDir, overrides: Sequence[str]) -> Config:
    """The run's recorded config with ``overrides``, refusing changes to its model or data."""
    for text in overrides:
        _check(text.split("=", 1)[0].strip(), text)
    old = load_config(run.file(RunDir.CONFIG))
    new = load_config(run.file(RunDir.CONFIG), overrides)
    for key in diff(resolve(old).to_dict(), resolve(new).to_dict()):
        text = next((o for o in overrides
                     if key.startswith(o.split("=", 1)[0]) or o.split("=", 1)[0].startswith(key)),
                    key)
        _check(key, text)
    return new


def _check(key: str, text: str) -> None:
    if key.startswith(FIXED) or key in (p.rstrip(".") for p in FIXED):
        raise ConfigError(
            f"--set {text}: a resumed run keeps its model and data ({key} cannot change); "
            f"only these may change: {', '.join(CHANGEABLE)}. Start a new run for this one")


def record(run: RunDir, cfg: Config, after_epoch: int, overrides: Sequence[str]) -> None:
    """Rewrite config.yaml as the extended config, its header saying when and how."""
    header = [line for line in run.config_text().splitlines() if line.startswith("#")]
    note = f"# extended after epoch {after_epoch}: " + " ".join(f"--set {o}" for o in overrides)
    run.write_config("\n".join([*header, note]) + "\n" + cfg.to_yaml())
