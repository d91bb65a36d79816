"""What a picture is drawn from: a run's config, checkpoint and task, and which kinds apply."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ...data import catalog
from ...errors import NnlabError, closest
from ...runs.rundir import RunDir

KINDS = ("curves", "fit", "boundary", "speed", "weights")
MNIST_SIDE = 28


def run_config(run: Path) -> dict[str, Any]:
    """The run's resolved config as a plain dict (comments and overrides header ignored)."""
    return RunDir(run).config_dict()


def checkpoint(run: Path) -> Path | None:
    kind = RunDir(run).newest_checkpoint()
    return None if kind is None else RunDir(run).checkpoint_path(kind)


def checkpoint_name(run: Path) -> str:
    path = checkpoint(run)
    if path is None:
        raise NnlabError(f"{run}: no checkpoint yet (checkpoints/best.npz or last.npz); "
                         "train the run first")
    return path.stem


def n_inputs(run: Path) -> int | None:
    """Input size from the checkpoint's architecture (reads only that entry)."""
    path = checkpoint(run)
    if path is None:
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return int(json.loads(str(data["architecture"]))["input"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None  # a damaged checkpoint: the kinds that need the network do not apply


def experiment(source: Any) -> Any:
    """An `Experiment` from a run directory (best weights) or an Experiment as is."""
    if isinstance(source, (str, Path)):
        from ...runs.training import load_run

        run = RunDir.open(source).path
        return load_run(run, checkpoint_name(run))
    return source


def run_info(run: str | Path) -> dict[str, Any]:
    """What decides which kinds apply: task, input size, hidden layers, data name."""
    run = RunDir.open(run).path
    cfg = run_config(run)
    data_name = (cfg.get("data") or {}).get("name", "sine")
    hidden = (cfg.get("model") or {}).get("hidden", [])
    task = (RunDir(run).summary_or_empty().get("data") or {}).get("task") or catalog.task_of(
        data_name, has_labels=(cfg.get("data") or {}).get("labels") is not None)
    return {"run": run, "config": cfg, "data": data_name, "task": task,
            "inputs": n_inputs(run), "hidden": len(hidden or [])}


_NEEDS = {
    "fit": (lambda i: i["task"] == "regression" and i["inputs"] == 1,
            "fit needs a 1-D regression run (1 input)"),
    "boundary": (lambda i: i["task"] == "classification" and i["inputs"] == 2,
                 "boundary needs a classification run with 2 inputs"),
    "weights": (lambda i: i["inputs"] == MNIST_SIDE ** 2,
                "weights needs 784 inputs (28×28 images such as MNIST)"),
}


def why_not(kind: str, info: Mapping[str, Any]) -> str | None:
    """None when ``kind`` applies to the run, else the reason it does not."""
    if kind == "speed":
        return None if info["hidden"] else \
            "speed needs hidden layers; this run has none (model.hidden: [])"
    if kind not in _NEEDS:
        return None
    ok, need = _NEEDS[kind]
    if ok(info):
        return None
    return f"{need}; this run is {info['task']} on '{info['data']}' with {info['inputs']} input(s)"


def applicable_kinds(run: str | Path) -> list[str]:
    """The kinds `plot_run` draws for ``run`` by default (``curves`` always)."""
    info = run_info(run)
    return [k for k in KINDS if why_not(k, info) is None]


def check_kinds(kinds: Sequence[str], info: Mapping[str, Any]) -> list[str]:
    """``kinds`` without repeats; an unknown kind or one that does not apply raises."""
    for kind in kinds:
        if kind not in KINDS:
            raise NnlabError(f"unknown plot kind '{kind}'{closest(kind, list(KINDS))}; "
                             f"valid: {', '.join(KINDS)}")
        reason = why_not(kind, info)
        if reason:
            ok = ", ".join(k for k in KINDS if why_not(k, info) is None)
            raise NnlabError(f"{info['run']}: {reason}; kinds that apply: {ok}")
    return list(dict.fromkeys(kinds))
