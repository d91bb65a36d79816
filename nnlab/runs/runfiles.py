"""What the files of a run directory may hold, checked: `RunDir` reads every file through here.

A run directory can be damaged (a disk that filled up, a copy cut short) or edited by hand, and
its files are read by many commands. Each reader checks what it got and names the file and
the line, so a tampered ``summary.json`` or ``metrics.jsonl`` is one line, never a
``JSONDecodeError`` or ``TypeError`` deep inside ``runs list``:

* ``metrics.jsonl``: one JSON object per line with an integer ``epoch`` (increasing) and numbers
  (or null, or lists of them) for the metrics; a last line cut off mid-way is dropped (the run
  resumes from its checkpoint), a damaged line elsewhere is an error naming its line.
* ``summary.json``: fields of the wrong type are left out, so listings show them as unknown
  (`summary_problem` says which).
* a checkpoint's train state: a JSON object with exactly the fields of `TrainState`, each of
  its type; its weights: the tensors the network has, float, finite, the recorded architecture.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.network import PARAM
from ..errors import CheckpointError, NnlabError
from ..files import load_npz

if TYPE_CHECKING:
    from .trainer import Trainer

NUMERIC = ("loss", "val_loss", "accuracy", "val_accuracy", "lr", "time")
_NUMBER = (int, float)

# summary.json: field → the JSON types it may have (None = null)
SUMMARY_FIELDS: dict[str, tuple[Any, ...]] = {
    "run_dir": (str,), "name": (str,), "status": (str,), "stop_reason": (str, None),
    "epochs_run": (int,), "epochs": (int,), "monitor": (str,), "best_epoch": (int,),
    "best": (dict,), "final": (dict,), "wall_time": _NUMBER, "seed": (int,),
    "network": (str,), "n_params": (int,), "data": (dict,), "overrides": (list,),
    "versions": (dict,), "pid": (int,), "host": (str,), "threads": (int, list, None),
}


def _is(value: Any, types: tuple[Any, ...]) -> bool:
    if value is None:
        return None in types
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, tuple(t for t in types if t is not None))


def _number_or_null(v: Any) -> bool:
    return v is None or (isinstance(v, _NUMBER) and not isinstance(v, bool))


# ------------------------------------------------------------------ metrics.jsonl

def parse_metrics(text: str, path: Path) -> tuple[list[dict[str, Any]], bool]:
    """The epoch records of metrics.jsonl, and whether its last line was cut off (dropped)."""
    lines = text.split("\n")
    records: list[dict[str, Any]] = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as err:
            if i == len(lines):  # the last line, without its newline: cut off while copying
                return records, True
            raise _damaged(path, i, f"not JSON ({getattr(err, 'msg', err)})") from None
        problem = _record_problem(rec, records[-1]["epoch"] if records else -1)
        if problem:
            raise _damaged(path, i, problem)
        records.append(rec)
    return records, False


def _record_problem(rec: Any, previous: int) -> str | None:
    if not isinstance(rec, dict):
        return f"expected one JSON object per epoch, got {type(rec).__name__}"
    epoch = rec.get("epoch")
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch <= previous:
        return f"'epoch' must be an integer above the previous line's {previous}, got {epoch!r}"
    for key, value in rec.items():
        if isinstance(value, list):
            if not all(_number_or_null(v) for v in value):
                return f"'{key}' must be a list of numbers, got {value!r}"
        elif key in NUMERIC and not _number_or_null(value):
            return f"'{key}' must be a number or null, got {value!r}"
    return None


def _damaged(path: Path, line: int, problem: str) -> NnlabError:
    return NnlabError(f"{path}:{line}: {problem}; the file is damaged: restore it from a copy "
                      "or delete the run")


# ------------------------------------------------------------------ summary.json

def clean_summary(data: Any) -> tuple[dict[str, Any], str | None]:
    """summary.json with every field of the wrong type left out, and what was wrong."""
    if not isinstance(data, dict):
        return {}, f"expected a JSON object, got {type(data).__name__}"
    out: dict[str, Any] = {}
    bad: list[str] = []
    for key, value in data.items():
        types = SUMMARY_FIELDS.get(key)
        if types is not None and not _is(value, types):
            bad.append(key)
            continue
        if key in ("best", "final"):
            value = {k: v for k, v in value.items() if _number_or_null(v)}
        if key == "data":
            value = {k: v for k, v in value.items()
                     if _is(v, (str,) if k in ("name", "task") else (int,))}
        out[key] = value
    return out, (f"{', '.join(bad)} of the wrong type (ignored)" if bad else None)


# ------------------------------------------------------------------ checkpoints

def parse_state(text: str, path: Path, fields: type) -> Any:
    """A checkpoint's ``state`` as the `TrainState` dataclass ``fields``, every field checked."""
    try:
        data = json.loads(text)
    except ValueError as err:
        raise _bad_state(path, f"not JSON ({getattr(err, 'msg', err)})") from None
    if not isinstance(data, dict):
        raise _bad_state(path, f"expected a JSON object, got {type(data).__name__}")
    known = {f.name: f for f in dataclasses.fields(fields)}
    extra = sorted(set(data) - set(known))
    if extra:
        raise _bad_state(path, f"unknown field(s) {', '.join(map(repr, extra))}")
    for name, value in data.items():
        want = _state_types(known[name].default)
        if not _is(value, want):
            raise _bad_state(path, f"'{name}' is {value!r}, not {_type_words(want)}")
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            raise _bad_state(path, f"'{name}' is negative ({value})")
    return fields(**data)


def _state_types(default: Any) -> tuple[Any, ...]:
    """The JSON types a `TrainState` field takes, from its default (numbers: int or float;
    fields that default to null take any JSON value, checked where they are used)."""
    if default is None:
        return (dict, list, str, int, float, bool, None)
    if isinstance(default, float):
        return _NUMBER
    return (type(default),)


def _type_words(types: tuple[Any, ...]) -> str:
    names = {int: "an integer", float: "a number", str: "a name", dict: "an object",
             list: "a list", None: "null"}
    return " or ".join(names.get(t, getattr(t, "__name__", str(t))) for t in types)


def _bad_state(path: Path, problem: str) -> CheckpointError:
    return CheckpointError(f"{path}: the training state is damaged ({problem}); resume is not "
                           "possible from it: start a new run")


def check_weights(data: Mapping[str, np.ndarray], names: list[str], prefix: str,
                  path: Path) -> None:
    """The checkpoint holds exactly the tensors ``names`` (under ``prefix``), as finite floats."""
    have = {k[len(prefix):] for k in data if k.startswith(prefix)}
    extra = sorted(have - set(names))
    if extra:
        raise CheckpointError(f"{path}: tensor(s) {', '.join(extra)} that the network does not "
                              "have; the checkpoint belongs to another model or was altered")
    for name in names:
        value = data.get(prefix + name)
        if value is None:
            continue  # Network.load_state_dict names the missing tensor
        if value.dtype.kind != "f":
            raise CheckpointError(f"{path}: tensor '{name}' has dtype {value.dtype}, not a float "
                                  "type; the file was altered: use the other checkpoint")
        if not np.isfinite(value).all():
            raise CheckpointError(f"{path}: tensor '{name}' is not finite (NaN or inf); the "
                                  "file is damaged: use the other checkpoint or retrain")


def architecture(data: Mapping[str, np.ndarray], path: Path) -> dict[str, Any] | None:
    """The architecture a checkpoint recorded (`Network.to_arrays`), None for older files."""
    if "architecture" not in data:
        return None
    try:
        arch = json.loads(str(data["architecture"]))
        layers = arch["layers"]
        [(int(arch["input"]), int(x["units"]), x["activation"], bool(x["bias"])) for x in layers]
    except (ValueError, TypeError, KeyError) as err:
        raise CheckpointError(f"{path}: its architecture record is damaged ({err}); use the "
                              "other checkpoint or retrain") from None
    return arch


def check_architecture(data: Mapping[str, np.ndarray], network: Any, path: Path) -> None:
    """Refuse a checkpoint recorded for another architecture than ``network``'s (a config.yaml
    edited after training, or a --set of the model), naming both."""
    recorded = architecture(data, path)
    built = {"input": network.sizes[0], "layers": network.spec()}
    if recorded is not None and not same_architecture(recorded, built):
        raise CheckpointError(
            f"{path} holds the weights of {describe(recorded)} (the architecture it was "
            f"trained with), but the run's config.yaml with any --set builds {network!r}; "
            "the config was changed after training: undo that change")


def describe(arch: Mapping[str, Any]) -> str:
    """``Network(1 → 4 tanh → 1 identity)`` of a recorded architecture."""
    def act(spec: Any) -> str:
        if not isinstance(spec, dict):
            return str(spec)
        params = ", ".join(f"{k}={v}" for k, v in spec.items() if k != "name")
        return f"{spec.get('name')}({params})" if params else str(spec.get("name"))

    parts = [str(arch["input"])] + [
        f"{x['units']} {'bn ' if x.get('batchnorm') else ''}{act(x['activation'])}"
        for x in arch["layers"]]
    return f"Network({' → '.join(parts)})"


def same_architecture(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Same input, units, activations, bias and batch-norm flags (dropout, dtype may differ)."""
    def key(arch: Mapping[str, Any]) -> list[Any]:
        return [arch["input"], *[(x["units"], _canonical(x["activation"]), bool(x["bias"]),
                                  bool(x.get("batchnorm", False))) for x in arch["layers"]]]
    return key(a) == key(b)


def _canonical(spec: Any) -> Any:
    if isinstance(spec, dict):
        return tuple(sorted((k, _canonical(v)) for k, v in spec.items()))
    if isinstance(spec, float) and math.isfinite(spec):
        return round(spec, 12)
    return spec


def restore_parts(trainer: Trainer, data: Mapping[str, np.ndarray], rng_state: Any,
                   path: Path) -> None:
    """The optimizer's and schedule's state and the random generator's, from a checkpoint."""
    try:
        for prefix, part in (("opt/", trainer.optimizer), ("sched/", trainer.schedule)):
            part.load_state_dict({k[len(prefix):]: v for k, v in data.items()
                                  if k.startswith(prefix)})
        if rng_state is not None:
            trainer.rng.bit_generator.state = rng_state
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"{path}: the optimizer, schedule or random state is damaged "
                              f"({err}); resume is not possible from it: start a new run"
                              ) from None


def best_params(trainer: Trainer, best: Path) -> list[np.ndarray]:
    """The arrays of ``best.npz`` (early stopping restores them), checked."""
    data = load_npz(best)
    check_weights(data, list(trainer.network.arrays()), PARAM, best)
    return [np.array(data[f"{PARAM}{k}"]) for k in trainer.network.arrays()]


# ------------------------------------------------------------------ metrics.csv

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


def metrics_csv(records: Iterable[Mapping[str, Any]]) -> str:
    rows = [flatten(r) for r in records]
    columns = list(dict.fromkeys(k for row in rows for k in row))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()
