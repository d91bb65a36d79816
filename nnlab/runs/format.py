"""How numbers and epochs are written for people (the console and train.log share these)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def number(value: Any) -> str:
    """A metric for people: 4 significant digits, scientific below 0.001."""
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"
    return str(value)


def duration(seconds: float) -> str:
    """``42ms``, ``3.1s``, ``2m05s``, ``1h02m``: a time for people."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{sec:02d}s"
    return f"{minutes // 60}h{minutes % 60:02d}m"


def epoch_line(record: Mapping[str, Any], epochs: int) -> str:
    """``epoch  3/30 0.12s loss=0.4809 accuracy=0.9377 val_loss=0.465 lr=0.1`` (the console and
    train.log); epoch 0, the network before training, says ``initial`` instead of a time."""
    keys = [k for k in ("loss", "accuracy", "val_loss", "val_accuracy") if k in record]
    parts = " ".join(f"{k}={number(record[k])}" for k in keys)
    lr = f" lr={number(record['lr'])}" if record.get("lr") is not None else ""
    when = "initial" if record["epoch"] == 0 else duration(float(record.get("time") or 0))
    return f"epoch {record['epoch']:>{len(str(epochs))}}/{epochs} {when:>7} {parts}{lr}"


def status_text(summary: dict[str, Any]) -> str:
    """``completed``, ``completed (early stopping at epoch 57)``, ``failed (diverged)``, …"""
    status, reason = summary.get("status"), summary.get("stop_reason")
    if reason == "early_stopping":
        return f"{status} (early stopping at epoch {summary.get('epochs_run')})"
    return str(status) if reason in (None, status) else f"{status} ({reason})"
