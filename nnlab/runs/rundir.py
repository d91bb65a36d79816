"""A run directory: the one place that knows its file names, checkpoint format and train state.

Layout of ``runs/<name>-<UTC timestamp>-<id>/``::

    config.yaml          the resolved config (every default and override filled in)
    metrics.jsonl        one JSON object per epoch (epoch 0 = at initialization)
    metrics.csv          the same, flattened, for spreadsheets
    summary.json         best/final metrics, best epoch, stop reason, wall time, seed, versions
    checkpoints/last.npz weights + optimizer/schedule state + epoch + RNG state
    checkpoints/best.npz the same at the best epoch
    train.log            start (network, data, seed), one line per epoch, how it ended
    preprocessing.json   your own table's input columns and fitted scaling (data.name: csv, …)
    snapshots.npz        predictions on a fixed grid and per-layer histograms at a few epochs
    plots/               pictures drawn when the run ends
    report.html          the run's report page, written when the run ends
    tensorboard/         TensorBoard event files (run.tensorboard)

A checkpoint holds the network's own arrays (``param/W1``, …, ``architecture``; see
`Network.to_arrays`), the optimizer's (``opt/…``) and schedule's (``sched/…``) state and the
loop's `TrainState` as JSON (``state``). Every file is replaced whole (`nnlab.files`).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import socket
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from ..core.network import PARAM, Network
from ..errors import CheckpointError, NnlabError
from ..files import atomic_write, load_npz, overwrite, read_text, save_npz, to_json, write_json
from .runfiles import (
    best_params,
    check_architecture,
    check_weights,
    clean_summary,
    metrics_csv,
    parse_metrics,
    parse_state,
    restore_parts,
)

if TYPE_CHECKING:
    from .trainer import Trainer

CHECKPOINTS = ("best", "last")
_SET = "# --set "
_BASES = "# merged: "
HOST = socket.gethostname()
"""This machine's name, recorded with the pid of the process that trains a run."""


def process_running(host: object, pid: object) -> bool | None:
    """Whether process ``pid`` of ``host`` still runs: True/False on this host, None when it
    is another machine's (or nothing was recorded) and cannot be checked from here."""
    if host != HOST or not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


class RunDir:
    """The files of one run, by name; reading never creates anything."""

    CONFIG, METRICS, METRICS_CSV, SUMMARY, LOG = (
        "config.yaml", "metrics.jsonl", "metrics.csv", "summary.json", "train.log")
    PLOTS, CHECKPOINT_DIR, PREPROCESSING = "plots", "checkpoints", "preprocessing.json"
    SNAPSHOTS, REPORT, TENSORBOARD = "snapshots.npz", "report.html", "tensorboard"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.summary_problem: str | None = None  # what `read_summary` left out, and why
        self.metrics_cut = False  # `read_metrics` dropped a last line cut off mid-way

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    def __fspath__(self) -> str:
        return str(self.path)

    @property
    def name(self) -> str:
        return self.path.name

    # ------------------------------------------------------------------ finding and making
    @staticmethod
    def is_run(path: str | Path) -> bool:
        """True for a directory made by `nnlab train` (it has a config.yaml)."""
        return (Path(path) / RunDir.CONFIG).is_file()

    @classmethod
    def open(cls, path: str | Path) -> RunDir:
        """An existing run directory, or a one-line error saying what ``path`` is instead."""
        path = Path(path)
        if not path.is_dir():
            raise NnlabError(f"{path}: no such run directory; list runs with `nnlab runs list`")
        if not cls.is_run(path):
            raise NnlabError(f"{path}: not an nnlab run (no {cls.CONFIG}); pass a directory "
                             "made by `nnlab train`")
        return cls(path)

    @classmethod
    def create(cls, runs_dir: str | Path, name: str, *, checkpoints: bool = True) -> RunDir:
        """A new ``<runs_dir>/<name>-<YYYYmmdd-HHMMSS>-<6 hex>/``, never an existing one.

        ``mkdir`` without ``exist_ok`` is atomic: two processes started in the same second get
        different random ids, and on the (astronomically rare) clash the loser draws again.
        """
        runs_dir = Path(runs_dir)
        try:
            runs_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise NnlabError(f"{runs_dir}: cannot create the runs folder ({err.strerror}); "
                             "choose another with --runs-dir or run.runs_dir") from None
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "run"
        for _ in range(100):
            path = runs_dir / f"{safe}-{stamp}-{secrets.token_hex(3)}"
            try:
                path.mkdir()
            except FileExistsError:
                continue
            except OSError as err:
                raise NnlabError(f"{runs_dir}: cannot create a run directory there "
                                 f"({err.strerror}); choose another with --runs-dir or "
                                 "run.runs_dir") from None
            if checkpoints:
                (path / cls.CHECKPOINT_DIR).mkdir()
            return cls(path)
        raise NnlabError(f"{runs_dir}: could not create a new run directory")

    # ------------------------------------------------------------------ paths
    def file(self, name: str) -> Path:
        return self.path / name

    @property
    def plots_dir(self) -> Path:
        return self.path / self.PLOTS

    @property
    def report_path(self) -> Path:
        return self.path / self.REPORT

    @property
    def tensorboard_dir(self) -> Path:
        return self.path / self.TENSORBOARD

    def checkpoint_path(self, kind: str) -> Path:
        """``checkpoints/best.npz`` or ``checkpoints/last.npz``."""
        if kind not in CHECKPOINTS:
            raise NnlabError(f"checkpoint '{kind}': expected best or last")
        return self.path / self.CHECKPOINT_DIR / f"{kind}.npz"

    def newest_checkpoint(self) -> str | None:
        """``best`` if it exists, else ``last``, else None."""
        return next((k for k in CHECKPOINTS if self.checkpoint_path(k).is_file()), None)

    # ------------------------------------------------------------------ config
    def config_text(self) -> str:
        """config.yaml as text (an `NnlabError` naming it when it is not readable UTF-8)."""
        return read_text(self.path / self.CONFIG, "run config")

    def config_dict(self) -> dict[str, Any]:
        """The recorded config as plain data ({} when it cannot be read)."""
        from ..config import load_yaml

        try:
            data = load_yaml(self.config_text())
        except (NnlabError, OSError, ValueError, yaml.YAMLError):
            return {}
        return data if isinstance(data, dict) else {}

    def write_config(self, yaml_text: str) -> None:
        atomic_write(self.path / self.CONFIG, yaml_text)

    def overrides(self) -> list[str]:
        """The ``--set`` overrides recorded at the top of config.yaml."""
        return [line[len(_SET):] for line in self.config_text().splitlines()
                if line.startswith(_SET)]

    @staticmethod
    def config_header(source: str | None, overrides: Iterable[str],
                      chain: Iterable[str] = ()) -> str:
        """The comment lines config.yaml starts with: where it came from (the ``base:`` chain
        of files merged, bases first) and each --set."""
        bases = [c for c in chain if c != source]
        return ("# nnlab resolved config" + (f" (from {source})" if source else "")
                + (f"\n{_BASES}{' <- '.join([*bases, str(source)])}" if bases else "")
                + "".join(f"\n{_SET}{o}" for o in overrides))

    # ------------------------------------------------------------------ metrics and summary
    def read_metrics(self) -> list[dict[str, Any]]:
        """The epoch records of metrics.jsonl ([] before the first flush), checked
        (`runfiles.parse_metrics`); a last line cut off is dropped (``metrics_cut``)."""
        path = self.path / self.METRICS
        if not path.is_file():
            return []
        records, self.metrics_cut = parse_metrics(read_text(path, "metrics file"), path)
        return records

    def write_metrics(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Rewrite metrics.jsonl and metrics.csv (NaN/inf written as null)."""
        lines = [to_json(r) for r in records]
        atomic_write(self.path / self.METRICS, "".join(line + "\n" for line in lines))
        atomic_write(self.path / self.METRICS_CSV, metrics_csv(json.loads(line) for line in lines))

    def read_summary(self) -> dict[str, Any]:
        """summary.json ({} before the run wrote one); fields of the wrong type are left out
        and named in ``summary_problem``; not JSON is an `NnlabError` naming the file."""
        path = self.path / self.SUMMARY
        if not path.is_file():
            return {}
        try:
            data = json.loads(read_text(path, "run summary"))
        except ValueError as err:
            raise NnlabError(f"{path}: not JSON ({getattr(err, 'msg', err)}); the file is "
                             "damaged: delete it (nnlab lists the run as unknown)") from None
        summary, problem = clean_summary(data)
        self.summary_problem = problem and f"{path}: {problem}"
        return summary

    def summary_or_empty(self) -> dict[str, Any]:
        """summary.json for listings: {} when it is missing or unreadable (why:
        ``summary_problem``)."""
        try:
            return self.read_summary()
        except (NnlabError, OSError) as err:
            self.summary_problem = str(err)
            return {}

    def write_preprocessing(self, prep: Mapping[str, Any]) -> None:
        """``preprocessing.json``: the input columns of your own table and the scaling fitted
        on its training rows, which ``nnlab predict`` applies to new inputs."""
        write_json(self.path / self.PREPROCESSING, prep)

    def read_preprocessing(self) -> dict[str, Any] | None:
        path = self.path / self.PREPROCESSING
        if not path.is_file():
            return None
        try:
            data = json.loads(read_text(path, "preprocessing file"))
        except ValueError as err:
            data = f"not JSON ({getattr(err, 'msg', err)})"
        problem = data if isinstance(data, str) else _preprocessing_problem(data)
        if problem:
            raise NnlabError(f"{path}: {problem}; the file is damaged: restore it or train the "
                             "run again")
        return data

    def write_summary(self, summary: Mapping[str, Any]) -> None:
        write_json(self.path / self.SUMMARY, summary)

    def mark_ended(self, summary: Mapping[str, Any], line: str) -> None:
        """Record how a run ended after a fault, as well as the disk still allows: summary.json
        replaced whole, else (a full disk has no room for the temp file) overwritten in place
        in compact form, which needs no new space when it is not longer; then train.log."""
        try:
            self.write_summary(summary)
        except OSError:
            overwrite(self.path / self.SUMMARY, to_json(summary) + "\n")
        with contextlib.suppress(OSError):
            self.log(line)

    def process_alive(self, summary: Mapping[str, Any] | None = None) -> bool | None:
        """Whether the process training this run (pid and host in summary.json) still runs:
        True/False when it ran on this machine, None when that cannot be told from here."""
        summary = self.summary_or_empty() if summary is None else summary
        if summary.get("status") != "running":
            return False
        return process_running(summary.get("host"), summary.get("pid"))

    def status(self, summary: Mapping[str, Any] | None = None) -> str:
        """The recorded status, except that a run still saying ``running`` whose process is
        gone (killed hard, machine restarted) is ``crashed``; no summary: ``unknown``."""
        summary = self.summary_or_empty() if summary is None else summary
        status = str(summary.get("status", "unknown"))
        if status == "running" and self.process_alive(summary) is False:
            return "crashed"
        return status

    def remove_temp_files(self) -> None:
        """Delete the temp files of `atomic_write` (``.name.xxxx.tmp``) a killed writer left."""
        for tmp in [*self.path.glob(".*.tmp"), *self.path.glob(f"{self.CHECKPOINT_DIR}/.*.tmp")]:
            tmp.unlink(missing_ok=True)

    def log(self, *lines: str) -> None:
        """Append lines to train.log (append-only: earlier lines are never rewritten)."""
        with open(self.path / self.LOG, "a", encoding="utf-8") as f:
            f.writelines(line.rstrip("\n") + "\n" for line in lines)

    # ------------------------------------------------------------------ snapshots
    def save_snapshots(self, arrays: Mapping[str, np.ndarray]) -> None:
        """snapshots.npz (see `nnlab.runs.snapshots`); nothing is written for no arrays."""
        if arrays:
            save_npz(self.path / self.SNAPSHOTS, arrays)

    def read_snapshots(self) -> dict[str, np.ndarray]:
        """The recorded snapshots ({} when the run has none or the file is unreadable)."""
        path = self.path / self.SNAPSHOTS
        if not path.is_file():
            return {}
        try:
            return load_npz(path)
        except CheckpointError:
            return {}

    # ------------------------------------------------------------------ checkpoints
    @staticmethod
    def checkpoint_arrays(trainer: Trainer) -> dict[str, np.ndarray]:
        """Everything a resumed run needs, as plain arrays (taken in memory, saved later)."""
        return {
            **trainer.network.to_arrays(),
            **{f"opt/{k}": v for k, v in trainer.optimizer.state_dict().items()},
            **{f"sched/{k}": v for k, v in trainer.schedule.state_dict().items()},
            "state": np.array(trainer.state.to_json()),
            # mid-epoch with train.tolerance: θ at the epoch's start, for its ‖Δθ‖ after resume
            **({f"start/{i}": p for i, p in enumerate(trainer.epoch_start)}
               if trainer.epoch_start is not None and trainer.state.step else {}),
        }

    def save_checkpoint(self, kind: str, arrays: Mapping[str, np.ndarray]) -> None:
        save_npz(self.checkpoint_path(kind), arrays)

    def load_checkpoint(self, kind: str) -> dict[str, np.ndarray]:
        return load_npz(self.checkpoint_path(kind))

    def load_weights(self, network: Network, kind: str) -> dict[str, np.ndarray]:
        """Copy a checkpoint's weights into ``network``, refusing a file that is not its own:
        another architecture than the one recorded, tensors too many or missing, not floats,
        not finite. Returns all of the checkpoint's arrays."""
        path = self.checkpoint_path(kind)
        data = load_npz(path)
        check_architecture(data, network, path)
        check_weights(data, list(network.arrays()), PARAM, path)
        network.load_arrays(data, str(path))
        return data

    def train_state(self, kind: str = "last") -> dict[str, Any] | None:
        """The loop state stored in a checkpoint (None when there is none or it is unreadable)."""
        try:
            state = json.loads(str(self.load_checkpoint(kind)["state"]))
        except (CheckpointError, KeyError, ValueError, TypeError):
            return None
        return state if isinstance(state, dict) else None

    def resumable(self) -> bool:
        """True when ``last.npz`` holds an unfinished training state (`nnlab train --resume`)."""
        from .trainer import FINISHED

        state = self.train_state("last")
        return state is not None and state.get("stop_reason") not in FINISHED

    def restore(self, trainer: Trainer, extend: bool = False) -> None:
        """Load weights, optimizer/schedule state, RNG and loop state from ``last.npz``.

        A finished run is refused unless ``extend`` and ``trainer.epochs`` goes past it; an
        early-stopped one then starts counting its patience afresh.
        """
        from .trainer import FINISHED, TrainState

        path = self.checkpoint_path("last")
        if not path.is_file() and not self.checkpoint_path("best").is_file():
            raise CheckpointError(f"{self.path}: no checkpoint yet (the run was stopped before "
                                  "it began); start it again as a new run")
        data = self.load_weights(trainer.network, "last")
        if "state" not in data:
            raise CheckpointError(f"{path}: no training state stored; cannot resume")
        st = parse_state(str(data["state"]), path, TrainState)
        if st.stop_reason in FINISHED and not (extend and trainer.epochs > st.epoch):
            more = (f"train it further with --set train.epochs=N, N > {st.epoch}"
                    if not extend else f"train.epochs must be more than its {st.epoch} epochs")
            raise CheckpointError(f"{self.path}: the run already finished ({st.stop_reason} "
                                  f"after {st.epoch} epochs); {more}")
        if st.stop_reason in FINISHED:
            st.bad_epochs = 0  # extended: early stopping's patience counts from here
        restore_parts(trainer, data, st.rng_state, path)
        st.stop_reason = None
        trainer.state = st
        starts = sorted((k for k in data if k.startswith("start/")), key=lambda k: int(k[6:]))
        trainer.epoch_start = [np.array(data[k]) for k in starts] or None
        best = self.checkpoint_path("best")
        if trainer.restore_best and trainer.patience and best.is_file():
            trainer.best_params = best_params(trainer, best)


def _preprocessing_problem(data: Any) -> str | None:
    """What is wrong with a preprocessing.json's contents (None when it reads as one)."""
    if not isinstance(data, dict):
        return "not a JSON object"
    features = data.get("features")
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        return "'features' is not a list of column names"
    if data.get("scale", "none") not in ("none", "standard", "minmax"):
        return f"'scale' is {data.get('scale')!r}, not none, standard or minmax"
    for key in ("shift", "divide_by"):
        values = data.get(key)
        if values is None and data.get("scale", "none") == "none":
            continue
        if not (isinstance(values, list) and len(values) == len(features) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                and (key == "shift" or v != 0) for v in values)):
            return f"'{key}' is not {len(features)} finite numbers"
    classes = data.get("classes")
    if classes is not None and not (isinstance(classes, list)
                                    and all(isinstance(c, str) for c in classes)):
        return "'classes' is not a list of labels"
    return None
