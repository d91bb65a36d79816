"""What a sweep runs: points of the space, each trained once per seed.

    sw = Sweep(grid={"model.activation": ["tanh", "relu"]}, seeds=[0, 1])
    sw.points()     # [{"model.activation": "tanh"}, {"model.activation": "relu"}]
    sw.expand()     # t000 tanh seed 0, t001 tanh seed 1, t002 relu seed 0, t003 relu seed 1

A *point* is one Optuna trial (its value is the mean of the metric over the point's seeds); a
*run* (``Trial`` here, ``t000`` …) is one `nnlab train` of a point with one seed. Grid values
are enumerated: every combination gets ``trials`` samples of the random space. For a planned
sampler (grid, random, qmc) `points` draws every sample up front; for an adaptive one (tpe)
the random part of a point is chosen when it starts.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .algorithms import PLANNED, Algorithm, make_sampler
from .space import Distribution, flow

DEFAULT_TRIALS = 10


@dataclass
class Trial:
    """One run of the sweep: a point of the space with one seed."""

    id: str
    point: int
    values: dict[str, Any]
    seed: int | None
    overrides: list[str]
    status: str = "pending"  # pending running completed pruned failed interrupted error
    run_dir: str | None = None   # inside the sweep folder
    returncode: int | None = None


@dataclass
class Sweep:
    """What to run: a base config, fixed overrides, a grid and/or random space, seeds, and the
    search algorithms."""

    base: Path | None = None
    name: str = "sweep"
    grid: dict[str, list[Any]] = field(default_factory=dict)
    random: dict[str, Distribution] = field(default_factory=dict)
    trials: int = DEFAULT_TRIALS
    seeds: list[int] | None = None
    seed: int = 0
    fixed: list[str] = field(default_factory=list)
    metric: str = "val_loss"
    runs_dir: Path = Path("runs")
    sampler: Algorithm | None = None   # None: grid for a grid alone, else random
    pruner: Algorithm = field(default_factory=lambda: Algorithm("none"))
    base_identity: str | None = field(default=None, repr=False)  # read once, for the key

    @property
    def algorithm(self) -> Algorithm:
        return self.sampler or Algorithm("random" if self.random else "grid")

    @property
    def planned(self) -> bool:
        return self.algorithm.name in PLANNED

    @property
    def per_point(self) -> int:
        return len(self.seeds) if self.seeds else 1

    def n_points(self) -> int:
        grid = 1
        for values in self.grid.values():
            grid *= len(values)
        return grid * (self.trials if self.random else 1)

    def space(self) -> dict[str, Any]:
        return {"grid": self.grid, "random": {k: str(d) for k, d in self.random.items()},
                "trials": self.trials if self.random else None, "seeds": self.seeds,
                "seed": self.seed if self.random else None, "set": self.fixed,
                "sampler": self.algorithm.to_json(), "pruner": self.pruner.to_json()}

    def key(self) -> str:
        """Identity for resuming: the base experiment (merged with every file it builds on,
        so a change anywhere in its ``base:`` chain makes a new sweep), the space, the seeds
        and the name."""
        if self.base_identity is None and self.base is not None:
            from ...config.compose import read_composed

            self.base_identity = json.dumps(read_composed(self.base)[0], sort_keys=True,
                                            default=str)
        blob = json.dumps({"base": self.base_identity, "name": self.name, **self.space()},
                          sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def points(self) -> list[dict[str, Any]]:
        """Grid combinations × samples of the random space, in trial order. Planned samplers
        draw the samples here (from an in-memory Optuna study seeded with ``seed``); an
        adaptive one leaves the random keys out, to be chosen when the point starts."""
        grid = [dict(zip(self.grid, combo)) for combo in itertools.product(*self.grid.values())]
        if not self.random:
            return grid
        if not self.planned:
            return [dict(g) for _ in range(self.trials) for g in grid]
        return [{**g, **s} for s in self.draw(self.trials) for g in grid]

    def draw(self, n: int) -> list[dict[str, Any]]:
        """``n`` samples of the random space from this sweep's (planned) sampler."""
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(sampler=make_sampler(self.algorithm, self.seed))
        samples = []
        for _ in range(n):
            trial = study.ask()
            samples.append({k: d.suggest(trial, k) for k, d in self.random.items()})
            study.tell(trial, 0.0)
        return samples

    def runs_of(self, point: int, values: dict[str, Any]) -> list[Trial]:
        """The runs of one point: one per seed (``train.seed`` set only when seeds are given)."""
        seeds: list[int | None] = list(self.seeds) if self.seeds else [None]
        width = max(3, len(str(self.n_points() * len(seeds) - 1)))
        out = []
        for i, seed in enumerate(seeds):
            overrides = [*self.fixed, *(f"{k}={flow(v)}" for k, v in values.items())]
            if seed is not None:
                overrides.append(f"train.seed={seed}")
            out.append(Trial(f"t{point * len(seeds) + i:0{width}d}", point, dict(values), seed,
                             overrides))
        return out

    def expand(self, points: list[dict[str, Any]] | None = None) -> list[Trial]:
        """Every run: each point (default: `points`) with every seed."""
        points = self.points() if points is None else points
        return [t for p, values in enumerate(points) for t in self.runs_of(p, values)]
