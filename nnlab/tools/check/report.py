"""What `nnlab check` reports: one `Check` per line (PASS / WARN / FAIL / SKIP) and the `Report`.

A check says what was measured, what it means and what to do — the three parts of each line
of Karpathy's recipe ("A Recipe for Training Neural Networks"): each step is a small experiment
whose outcome you can predict, so a surprise points at a bug before a long run is wasted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

STATUSES = ("PASS", "WARN", "FAIL", "SKIP")


@dataclass
class Check:
    """One check's verdict: ``status`` in `STATUSES`, the ``measured`` numbers in words, what
    they ``mean``, the ``action`` to take (empty when there is nothing to do) and the raw
    ``values`` for scripts."""

    name: str
    status: str
    measured: str
    meaning: str
    action: str = ""
    values: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status {self.status!r} not in {STATUSES}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Settings:
    """Budgets of the checks that train: the baseline trains at most ``steps`` steps and
    ``samples`` samples; ``overfit`` samples are trained for at most ``overfit_steps``
    full-batch steps; the learning-rate range test goes from ``lr_min`` to ``lr_max`` in
    ``lr_steps`` steps; the trainings use at most ``subset`` training rows."""

    steps: int = 20_000
    samples: int = 200_000
    overfit: int = 4
    overfit_steps: int = 1000
    lr_steps: int = 200
    lr_min: float = 1e-6
    lr_max: float = 10.0
    subset: int = 5000


@dataclass
class Report:
    """Every check of one target (a config) and what was checked."""

    target: str
    checks: list[Check]
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status == "FAIL"]

    @property
    def passed(self) -> bool:
        """True when no check FAILed (warnings allowed)."""
        return not self.failed

    def counts(self) -> dict[str, int]:
        return {s: sum(c.status == s for c in self.checks) for s in STATUSES}

    def by_name(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "passed": self.passed, "counts": self.counts(),
                **self.info, "checks": [c.to_dict() for c in self.checks]}
