"""Reading a sweep file, merging the CLI's options into it, and checking the result.

    sw = make_sweep("configs/sweeps/mnist_tpe.yaml", trials=12)   # a checked `Sweep`

Every value a trial may get is validated against the config schema here (each grid
combination with each end of every random range and every choice), so a bad value fails with
one line before anything runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ...config import Config, load_config, resolve
from ...config.yamlfile import read_yaml
from ...data import catalog
from ...errors import ConfigError, closest
from .algorithms import needs, parse_algorithm
from .plan import DEFAULT_TRIALS, Sweep
from .space import (
    flow,
    parse_distribution,
    parse_grid_option,
    parse_random_option,
    parse_value,
)

SPEC_KEYS = ("base", "name", "metric", "repeat", "seeds", "grid", "random", "trials", "seed",
             "set", "runs_dir", "sampler", "pruner")
MAX_RUNS = 10_000
"""More runs than this in one sweep is almost certainly a typo (and its plan would not fit)."""


def is_sweep_file(path: str | Path) -> bool:
    """A YAML mapping with sweep keys (``grid``, ``base``, …) rather than config sections
    (an experiment file may build on another with ``base:`` too: it has config sections)."""
    if not Path(path).exists():
        return False
    data, _ = read_yaml(Path(path), "file")  # unreadable: the same one line as for a config
    if not isinstance(data, dict):
        return False
    return bool(set(data) & (set(SPEC_KEYS) - {"base"})) or (
        "base" in data and not set(data) & set(Config.model_fields))


def _text(value: Any, where: str, path: Path, key: str) -> Any:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    return Path(os.path.normpath(path.parent / value)) if key == "base" else value


def _integer(value: Any, where: str, path: Path, key: str) -> int:
    low = int(key != "seed")
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ConfigError(f"{where}: expected an integer >= {low}, got {value!r}")
    return value


def _seeds(value: Any, where: str, path: Path, key: str) -> list[int]:
    if not (isinstance(value, list) and value
            and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in value)):
        raise ConfigError(f"{where}: expected a list of integers >= 0, got {value!r}")
    return value


def _sets(value: Any, where: str, path: Path, key: str) -> list[str]:
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ConfigError(f"{where}: expected a list of KEY.PATH=VALUE strings")
    return value


def _space(value: Any, where: str, path: Path, key: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise ConfigError(f"{where}: expected a mapping of KEY.PATH: values")
    out: dict[str, Any] = {}
    for k, v in value.items():
        if key == "random":
            out[str(k)] = parse_distribution(v, f"{where}.{k}")
        elif isinstance(v, str):
            out[str(k)] = parse_grid_option(f"{k}={v}")[1]
        elif isinstance(v, list) and v:
            out[str(k)] = v
        else:
            raise ConfigError(f"{where}.{k}: expected a list of values, got {v!r}")
    return out


def _algorithm(value: Any, where: str, path: Path, key: str) -> Any:
    return parse_algorithm(value, key, where)


_READERS: dict[str, Callable[[Any, str, Path, str], Any]] = {
    "base": _text, "name": _text, "metric": _text, "runs_dir": _text,
    "repeat": _integer, "trials": _integer, "seed": _integer, "seeds": _seeds, "set": _sets,
    "grid": _space, "random": _space, "sampler": _algorithm, "pruner": _algorithm,
}


def read_sweep_file(path: str | Path) -> dict[str, Any]:
    """A sweep file's fields, checked; ``base`` made relative to the current directory."""
    path = Path(path)
    data, _ = read_yaml(path, "sweep file")  # encoding, YAML, duplicate keys: file:line
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in SPEC_KEYS:
            hint = (" (a sweep file names its experiment with `base:` and fixes fields with "
                    "`set:`)" if key in ("data", "model", "optimizer", "train", "loss")
                    else closest(str(key), list(SPEC_KEYS)))
            raise ConfigError(f"{path}: unknown key '{key}'{hint}; valid keys: "
                              f"{', '.join(SPEC_KEYS)}")
        out[key] = _READERS[key](value, f"{path}: {key}", path, key)
    if "repeat" in out and "seeds" in out:
        raise ConfigError(f"{path}: give repeat or seeds, not both")
    return out


def make_sweep(
    target: str | Path | None = None,
    *,
    grid: Sequence[str] = (),
    random: Sequence[str] = (),
    trials: int | None = None,
    repeat: int | None = None,
    seed: int | None = None,
    fixed: Sequence[str] = (),
    name: str | None = None,
    runs_dir: str | Path | None = None,
    metric: str | None = None,
    sampler: str | None = None,
    pruner: str | None = None,
) -> Sweep:
    """A checked `Sweep` from a sweep file or an experiment config (``target``) plus CLI options.

    Options add to (``grid``, ``random``, ``fixed``) or replace (the rest) the file's values.
    """
    spec: dict[str, Any] = {}
    if target is not None and is_sweep_file(target):
        spec = read_sweep_file(target)
        base, default_name = spec.get("base"), Path(target).stem
    else:
        base = Path(target) if target is not None else None
        default_name = f"{base.stem}-sweep" if base else "sweep"
    for option, value in (("--repeat", repeat), ("--trials", trials)):
        if value is not None and value < 1:
            raise ConfigError(f"{option} {value}: expected an integer >= 1")
    sw = Sweep(base=base, name=name or spec.get("name") or default_name)
    _space_from(sw, spec, grid, random, trials)
    _seeds_from(sw, spec, seed, repeat)
    _algorithms_from(sw, spec, sampler, pruner)
    sw.fixed = [*spec.get("set", []), *fixed]
    if not sw.grid and not sw.random and not sw.seeds:
        raise ConfigError("nothing to sweep: give --grid KEY=v1,v2, --random KEY=dist(...) or "
                          "--repeat N (or a sweep file, see configs/sweeps/)")
    runs = sw.n_points() * sw.per_point
    if runs > MAX_RUNS:
        raise ConfigError(f"this sweep asks for {runs:,} runs; at most {MAX_RUNS:,} are "
                          "allowed: lower trials:, the grid or the seeds")
    cfg = load_config(sw.base, sw.fixed)
    sw.key()  # reads the base experiment (and its base: chain) once
    sw.runs_dir = Path(runs_dir or spec.get("runs_dir") or cfg.run.runs_dir)
    sw.metric = check_metric(metric or spec.get("metric"), resolve(cfg))
    _validate_values(sw)
    return sw


def _space_from(sw: Sweep, spec: dict[str, Any], grid: Sequence[str], random: Sequence[str],
                trials: int | None) -> None:
    sw.grid = {**spec.get("grid", {}), **dict(parse_grid_option(g) for g in grid)}
    sw.random = {**spec.get("random", {}), **dict(parse_random_option(r) for r in random)}
    both = sorted(set(sw.grid) & set(sw.random))
    if both:
        raise ConfigError(f"{both[0]}: in both the grid and the random space; keep one")
    if (trials is not None or "trials" in spec) and not sw.random:
        raise ConfigError("--trials counts random-search samples; add --random KEY=dist(...)")
    sw.trials = trials or spec.get("trials", DEFAULT_TRIALS)


def _seeds_from(sw: Sweep, spec: dict[str, Any], seed: int | None, repeat: int | None) -> None:
    sw.seed = seed if seed is not None else spec.get("seed", 0)
    n = repeat if repeat is not None else spec.get("repeat", 1)
    if n > MAX_RUNS:  # before list(range(n)): 10⁹ seeds would not fit in memory
        raise ConfigError(f"repeat {n:,}: this sweep asks for {n:,} runs or more; at most "
                          f"{MAX_RUNS:,} are allowed: lower trials:, the grid or the seeds")
    if repeat is not None:
        sw.seeds = list(range(repeat)) if repeat > 1 else None
    elif "seeds" in spec:
        sw.seeds = list(spec["seeds"])
    elif spec.get("repeat", 1) > 1:
        sw.seeds = list(range(spec["repeat"]))


def _algorithms_from(sw: Sweep, spec: dict[str, Any], sampler: str | None,
                     pruner: str | None) -> None:
    # on the command line as in the file: a name, or a YAML mapping with name: and options
    if sampler is not None or "sampler" in spec:
        sw.sampler = (parse_algorithm(parse_value(sampler), "sampler", f"--sampler {sampler}")
                      if sampler is not None else spec["sampler"])
    if pruner is not None or "pruner" in spec:
        sw.pruner = (parse_algorithm(parse_value(pruner), "pruner", f"--pruner {pruner}")
                     if pruner is not None else spec["pruner"])
    missing = needs(sw.algorithm)
    if missing:
        raise ConfigError(missing)
    name = sw.algorithm.name
    if name == "grid" and sw.random:
        raise ConfigError("sampler grid enumerates grid: values only; sample the random: space "
                          "with sampler random, qmc or tpe")
    if name != "grid" and not sw.random:
        raise ConfigError(f"sampler {name} samples the random: space, and this sweep has none; "
                          "add random: KEY: dist(...) or use sampler grid")


def _validate_values(sw: Sweep) -> None:
    """Each grid combination with the ends of every random range (and every choice)."""
    combos = Sweep(grid=sw.grid).points() or [{}]
    extremes = [dict(zip(sw.random, ends)) for ends in zip(*(
        _padded(d.ends(), max((len(d.ends()) for d in sw.random.values()), default=0))
        for d in sw.random.values()))] or [{}]
    for combo in combos:
        for ends in extremes:
            values = {**combo, **ends}
            sets = {k: f"{k}={flow(v)}" for k, v in values.items()}
            try:
                load_config(sw.base, [*sw.fixed, *sets.values()])
            except ConfigError as err:  # name the sweep's space, not a --set nobody typed
                text = str(err)
                for k, line in sets.items():
                    space = "grid" if k in sw.grid else "random"
                    text = text.replace(f"--set {line}:", f"the sweep's {space} value {line}:")
                raise ConfigError(text) from None


def _padded(values: list[Any], n: int) -> list[Any]:
    return [values[min(i, len(values) - 1)] for i in range(n)]


def check_metric(metric: str | None, cfg: Any) -> str:
    """The metric to rank trials by; default: the base config's ``train.monitor``."""
    if metric is None:
        return cfg.train.monitor
    has_val = cfg.data.val_split > 0 or catalog.always_validates(cfg.data.name)
    names = ["loss", *(["accuracy"] if cfg.task == "classification" else [])]
    names += [f"val_{m}" for m in names] if has_val else []
    base = metric.split(".", 1)[1] if metric.startswith(("best.", "final.")) else metric
    if base not in (*names, "time", "epochs"):
        raise ConfigError(f"--metric {metric}: not measured for this experiment; choose one of "
                          f"{', '.join(names)} (best value; final.<name> for the last epoch), "
                          "time or epochs")
    return metric


def direction(metric: str) -> str:
    """Optuna's direction for a metric: accuracies are maximized, everything else minimized."""
    return "maximize" if metric.endswith("accuracy") else "minimize"


def epoch_key(metric: str) -> str | None:
    """The metrics.jsonl key a pruner watches each epoch (None for time and epochs)."""
    base = metric.split(".", 1)[1] if metric.startswith(("best.", "final.")) else metric
    return None if base in ("time", "epochs", "wall_time", "epochs_run") else base
