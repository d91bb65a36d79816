"""Run directories: creation without collisions, atomic writes, checkpoints, metrics, summary.

Layout of ``runs/<name>-<UTC timestamp>-<id>/``::

    config.yaml          the resolved config (every default and override filled in)
    metrics.jsonl        one JSON object per epoch (epoch 0 = at initialization)
    metrics.csv          the same, flattened, for spreadsheets
    summary.json         best/final metrics, best epoch, stop reason, wall time, seed, versions
    checkpoints/last.npz weights + optimizer/schedule state + epoch + RNG state
    checkpoints/best.npz the same at the best epoch
    train.log            start (network, data, seed), one line per epoch, how it ended
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import platform
import secrets
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .errors import CheckpointError, NnlabError

_UMASK = os.umask(0)
os.umask(_UMASK)

CONFIG, METRICS, METRICS_CSV, SUMMARY, LOG = (
    "config.yaml", "metrics.jsonl", "metrics.csv", "summary.json", "train.log")


# ----------------------------------------------------------------------------- atomic files

def atomic_write(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to a temp file beside ``path`` and rename it over ``path``.

    Readers see the old file or the new one, never half of one (os.replace is atomic on POSIX
    and Windows).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file normal permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: str | Path, obj: Any) -> None:
    atomic_write(path, json.dumps(obj, indent=2, default=_json_default) + "\n")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


def save_npz(path: str | Path, arrays: Mapping[str, np.ndarray]) -> None:
    """An uncompressed ``.npz`` written atomically; only plain numeric/str arrays (no pickles)."""
    buf = io.BytesIO()
    np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
    atomic_write(path, buf.getvalue())


def load_npz(path: str | Path) -> dict[str, np.ndarray]:
    """All arrays of an ``.npz`` (``allow_pickle=False``); damage raises CheckpointError."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError) as err:
        raise CheckpointError(f"{path}: damaged or not an nnlab checkpoint ({err}); "
                              "use the other checkpoint (best/last) or retrain") from None


# ----------------------------------------------------------------------------- run directory

def create_run_dir(runs_dir: str | Path, name: str) -> Path:
    """A new ``<runs_dir>/<name>-<YYYYmmdd-HHMMSS>-<6 hex>/``, never an existing one.

    ``mkdir`` without ``exist_ok`` is atomic: two processes started in the same second get
    different random ids, and on the (astronomically rare) clash the loser simply draws again.
    """
    runs_dir = Path(runs_dir)
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise NnlabError(f"{runs_dir}: cannot create the runs folder ({err.strerror}); choose "
                         "another with --runs-dir or run.runs_dir") from None
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "run"
    for _ in range(100):
        path = runs_dir / f"{safe}-{stamp}-{secrets.token_hex(3)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        except OSError as err:
            raise NnlabError(f"{runs_dir}: cannot create a run directory there ({err.strerror}); "
                             "choose another with --runs-dir or run.runs_dir") from None
        (path / "checkpoints").mkdir()
        return path
    raise NnlabError(f"{runs_dir}: could not create a new run directory")


def is_run_dir(path: str | Path) -> bool:
    return (Path(path) / CONFIG).is_file()


def find_run(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_dir():
        raise NnlabError(f"{path}: no such run directory; list runs with `nnlab runs list`")
    if not is_run_dir(path):
        raise NnlabError(f"{path}: not an nnlab run (no {CONFIG}); pass a directory made by "
                         "`nnlab train`")
    return path


class RunWriter:
    """Writes a run's files; every write replaces a whole file atomically."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.records: list[dict[str, Any]] = []

    def write_config(self, yaml_text: str) -> None:
        atomic_write(self.path / CONFIG, yaml_text)

    def load_records(self, upto_epoch: int) -> None:
        """Resume: keep the records already written up to ``upto_epoch``."""
        self.records = [r for r in read_metrics(self.path) if r["epoch"] <= upto_epoch]

    def add_record(self, record: dict[str, Any]) -> None:
        self.records.append(record)
        self.flush()

    def flush(self) -> None:
        """Rewrite metrics.jsonl and metrics.csv from the records (NaN/inf written as null)."""
        rows = [_finite(r) for r in self.records]
        atomic_write(self.path / METRICS, "".join(json.dumps(r, default=_json_default) + "\n"
                                                  for r in rows))
        atomic_write(self.path / METRICS_CSV, _csv(rows))

    def write_summary(self, summary: dict[str, Any]) -> None:
        write_json(self.path / SUMMARY, summary)

    def log(self, *lines: str) -> None:
        """Append lines to train.log (an append-only log: earlier lines are never rewritten)."""
        with open(self.path / LOG, "a", encoding="utf-8") as f:
            f.writelines(line.rstrip("\n") + "\n" for line in lines)


def _finite(record: Mapping[str, Any]) -> dict[str, Any]:
    def fix(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return [fix(x) for x in v] if isinstance(v, list) else v

    return {k: fix(v) for k, v in record.items()}


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


def flatten(record: Mapping[str, Any]) -> dict[str, Any]:
    """``{"grad_norm_w": [a, b]}`` → ``{"grad_norm_w.1": a, "grad_norm_w.2": b}``."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, list):
            out.update({f"{key}.{i + 1}": v for i, v in enumerate(value)})
        elif isinstance(value, Mapping):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def _csv(records: Iterable[Mapping[str, Any]]) -> str:
    rows = [flatten(r) for r in records]
    columns = list(dict.fromkeys(k for row in rows for k in row))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def read_metrics(run: str | Path) -> list[dict[str, Any]]:
    path = Path(run) / METRICS
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def read_summary(run: str | Path) -> dict[str, Any]:
    path = Path(run) / SUMMARY
    return json.loads(path.read_text()) if path.is_file() else {}


def versions() -> dict[str, str]:
    from . import __version__

    return {"python": platform.python_version(), "numpy": np.__version__, "nnlab": __version__}
