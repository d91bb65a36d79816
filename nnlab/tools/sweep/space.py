"""The sweep-file syntax for values and distributions, and how each maps onto Optuna.

    grid:   {optimizer.lr: [0.01, 0.1]}            every combination is run
    random: {optimizer.lr: loguniform(1e-4, 1)}    FloatDistribution(1e-4, 1, log=True)
            {model.hidden.0: choice(16, 32)}       CategoricalDistribution((16, 32))
            {train.batch_size: randint(8, 64)}     IntDistribution(8, 64), both ends included
            {data.noise: uniform(0, 0.1)}          FloatDistribution(0, 0.1)

A value is written as YAML (``1e-4`` is a number, as in YAML 1.2) and handed to a trial as a
``--set KEY=VALUE`` override. Sampled floats are rounded to 4 significant digits before they
reach the trial, so its config.yaml stays readable.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from typing import Any

import yaml

from ...config import load_yaml
from ...errors import ConfigError, closest

_DIST = re.compile(r"\s*([A-Za-z_]+)\s*\((.*)\)\s*", re.S)
KINDS = ("uniform", "loguniform", "randint", "choice")
_USAGE = ("expected uniform(a, b), loguniform(a, b), randint(a, b) or choice(v1, v2, ...), "
          "e.g. loguniform(1e-4, 1)")


def parse_value(text: str) -> Any:
    """One value as YAML (``1e-4`` is a number, as in YAML 1.2); unparsable text stays text."""
    text = text.strip()
    try:
        return load_yaml(text) if text else None
    except yaml.YAMLError:
        return text


def split_top(text: str) -> list[str]:
    """Split at the commas that are not inside brackets, braces, parentheses or quotes."""
    parts, current, depth, quote = [], [], 0, ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    parts.append("".join(current).strip())
    return parts


def flow(value: Any) -> str:
    """A value as one line of YAML that `parse_value` and ``--set`` read back unchanged."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False,
                          allow_unicode=True).strip()
    return text[:-3].strip() if text.endswith("\n...") else text


def round4(x: float) -> float:
    return float(f"{x:.4g}")


def choices(values: list[Any]) -> tuple[Any, ...]:
    """Optuna's categorical choices for ``values``: scalars as they are (plots show numbers),
    lists and mappings as their one-line YAML (Optuna stores only scalars)."""
    scalar = all(v is None or isinstance(v, (bool, int, float, str)) for v in values)
    return tuple(values) if scalar else tuple(flow(v) for v in values)


def from_choice(values: list[Any], picked: Any) -> Any:
    """The value of ``values`` that Optuna's categorical ``picked`` stands for."""
    return copy.deepcopy(values[choices(values).index(picked)])


@dataclass(frozen=True)
class Distribution:
    """``uniform(a, b)``, ``loguniform(a, b)``, ``randint(a, b)`` (both ends included) or
    ``choice(v1, v2, …)``."""

    kind: str
    args: tuple[Any, ...]

    def suggest(self, trial: Any, name: str) -> Any:
        """Ask an Optuna trial for this parameter (its sampler decides; floats rounded)."""
        a = self.args
        if self.kind in ("uniform", "loguniform"):
            return round4(trial.suggest_float(name, a[0], a[1], log=self.kind == "loguniform"))
        if self.kind == "randint":
            return trial.suggest_int(name, a[0], a[1])
        return from_choice(list(a), trial.suggest_categorical(name, choices(list(a))))

    def ends(self) -> list[Any]:
        """The values at the edges of the range (every value for ``choice``): what is checked
        against the config schema before a sweep starts."""
        return list(self.args)

    def __str__(self) -> str:
        return f"{self.kind}({', '.join(flow(a) for a in self.args)})"


def parse_distribution(text: Any, where: str) -> Distribution:
    """``"loguniform(1e-4, 1)"`` → Distribution; a YAML list means ``choice`` of its items."""
    if isinstance(text, list):
        if not text:
            raise ConfigError(f"{where}: an empty list has nothing to choose from")
        return Distribution("choice", tuple(text))
    m = _DIST.fullmatch(str(text))
    if not m:
        raise ConfigError(f"{where}: {_USAGE}")
    kind, body = m.group(1), m.group(2)
    if kind not in KINDS:
        raise ConfigError(f"{where}: unknown distribution '{kind}'{closest(kind, KINDS)}; "
                          f"{_USAGE}")
    args = tuple(parse_value(a) for a in split_top(body)) if body.strip() else ()
    if kind == "choice":
        if not args:
            raise ConfigError(f"{where}: choice() needs at least one value")
        return Distribution(kind, args)
    _check_range(kind, args, body.strip(), where)
    return Distribution(kind, args)


def _check_range(kind: str, args: tuple[Any, ...], body: str, where: str) -> None:
    real = all(isinstance(a, (int, float)) and not isinstance(a, bool) and math.isfinite(a)
               for a in args)
    if len(args) != 2 or not real:
        raise ConfigError(f"{where}: {kind} takes two numbers (low, high), both finite, "
                          f"got {body!r}")
    lo, hi = args
    if kind == "randint" and not all(isinstance(a, int) for a in args):
        raise ConfigError(f"{where}: randint takes two integers, got {body!r}")
    if (lo > hi) if kind == "randint" else (lo >= hi):
        raise ConfigError(f"{where}: low must be below high, got {body!r}")
    if kind == "loguniform" and lo <= 0:
        raise ConfigError(f"{where}: loguniform needs 0 < low < high, got {body!r}")


def parse_grid_option(text: str) -> tuple[str, list[Any]]:
    """``--grid optimizer.lr=0.01,0.1`` → ('optimizer.lr', [0.01, 0.1]); ``[32],[64,64]`` → two
    lists (commas inside brackets do not split)."""
    key, sep, values = text.partition("=")
    if not sep or not key.strip() or not values.strip():
        raise ConfigError(f"--grid {text}: expected KEY.PATH=v1,v2,..., e.g. "
                          "--grid optimizer.lr=0.01,0.1")
    items = split_top(values)
    if any(not item for item in items):
        raise ConfigError(f"--grid {text}: empty value between commas")
    return key.strip(), [parse_value(item) for item in items]


def parse_random_option(text: str) -> tuple[str, Distribution]:
    """``--random optimizer.lr=loguniform(1e-4,1)`` → ('optimizer.lr', Distribution)."""
    key, sep, dist = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--random {text}: expected KEY.PATH=dist(...), e.g. "
                          "--random optimizer.lr=loguniform(1e-4,1)")
    return key.strip(), parse_distribution(dist, f"--random {text}")
