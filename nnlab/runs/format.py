"""How numbers and epochs are written for people (the console and train.log share these)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def number(value: Any) -> str:
    """A metric for people: 4 significant digits, scientific below 0.001."""
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"
    return str(value)


def epoch_line(record: Mapping[str, Any], epochs: int) -> str:
    """``epoch  3/30 loss=0.4809 accuracy=0.9377 val_loss=0.465 lr=0.1`` (console and train.log)."""
    keys = [k for k in ("loss", "accuracy", "val_loss", "val_accuracy") if k in record]
    parts = " ".join(f"{k}={number(record[k])}" for k in keys)
    lr = f" lr={number(record['lr'])}" if record.get("lr") is not None else ""
    return f"epoch {record['epoch']:>{len(str(epochs))}}/{epochs} {parts}{lr}"
