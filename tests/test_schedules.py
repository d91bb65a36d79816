"""Learning-rate schedules: values per epoch, plateau behaviour, state round trip."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

from nnlab.core import schedules
from nnlab.core.schedules import SCHEDULES
from nnlab.errors import CheckpointError, ConfigError


def lrs(spec, epochs: int = 10, base: float = 0.1) -> list[float]:
    sched = schedules.get(spec)
    return [sched.lr(e, base, epochs) for e in range(epochs)]


def test_constant() -> None:
    assert lrs("constant") == [0.1] * 10


def test_step() -> None:
    got = lrs({"name": "step", "step_size": 3, "gamma": 0.5})
    assert got == pytest.approx([0.1] * 3 + [0.05] * 3 + [0.025] * 3 + [0.0125])
    assert schedules.get("step").lr(10, 1.0, 100) == pytest.approx(0.1)  # defaults 10, 0.1


def test_exponential() -> None:
    assert lrs({"name": "exponential", "gamma": 0.5}, 4, 1.0) == pytest.approx(
        [1, 0.5, 0.25, 0.125]
    )
    assert schedules.get("exponential").lr(2, 1.0, 10) == pytest.approx(0.95**2)


def test_cosine() -> None:
    sched = schedules.get("cosine")  # T = the run's epochs
    assert sched.lr(0, 0.1, 10) == pytest.approx(0.1)
    assert sched.lr(5, 0.1, 10) == pytest.approx(0.05)
    assert sched.lr(10, 0.1, 10) == pytest.approx(0.0, abs=1e-15)
    assert sched.lr(2, 0.1, 10) == pytest.approx(0.05 * (1 + math.cos(math.pi * 0.2)))
    sched = schedules.get({"name": "cosine", "eta_min": 0.01, "t_max": 4})
    assert sched.lr(2, 0.1, 100) == pytest.approx(0.055)
    assert sched.lr(4, 0.1, 100) == sched.lr(50, 0.1, 100) == pytest.approx(0.01)  # clamped


def feed(sched, values, key: str = "val_loss", base: float = 1.0) -> list[float]:
    """The lr of each epoch when epoch e ends with metric ``values[e]``."""
    out = []
    for epoch, value in enumerate(values):
        out.append(sched.lr(epoch, base, len(values)))
        sched.observe(epoch, {"loss": 99.0, key: value} if key != "loss" else {"loss": value})
    return out


def test_plateau_reduces_after_patience_epochs_without_improvement() -> None:
    sched = schedules.get({"name": "plateau", "factor": 0.5, "patience": 2})
    got = feed(sched, [5, 4, 4, 4, 3.9, 3.9, 3.9, 3.9, 3.9, 3])
    # epochs 2, 3 do not improve → halved from epoch 4; 5, 6 → again from 7; 7, 8 → from 9
    assert got == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.125]


def test_plateau_min_delta_min_lr_and_max_mode() -> None:
    sched = schedules.get(
        {
            "name": "reduce_on_plateau",
            "factor": 0.1,
            "patience": 1,
            "min_delta": 0.5,
            "min_lr": 0.05,
        }
    )
    # 4.8 is not better than 5 by more than 0.5: reduce; floor at min_lr
    assert feed(sched, [5, 4.8, 4.0, 3.9, 3.8]) == pytest.approx([1, 1, 0.1, 0.1, 0.05])
    sched = schedules.get(
        {"name": "plateau", "monitor": "val_accuracy", "mode": "max", "patience": 1, "factor": 0.5}
    )
    assert feed(sched, [0.5, 0.6, 0.6, 0.7], key="val_accuracy") == [1, 1, 1, 0.5]


def test_plateau_falls_back_to_training_loss_and_ignores_nan() -> None:
    sched = schedules.get({"name": "plateau", "patience": 1, "factor": 0.5})
    assert feed(sched, [3, 2, 2, 1], key="loss") == [1, 1, 1, 0.5]
    sched = schedules.get({"name": "plateau", "patience": 1, "factor": 0.5})
    sched.observe(0, {"train_loss": 1.0})
    sched.observe(1, {"train_loss": float("nan")})
    assert sched.lr(2, 1.0, 10) == 0.5
    sched.observe(2, {"accuracy": 0.1})  # nothing to monitor: ignored
    assert sched.lr(3, 1.0, 10) == 0.5


def test_stateless_schedules_ignore_metrics() -> None:
    for name in ("constant", "step", "exponential", "cosine"):
        sched = schedules.get(name)
        before = [sched.lr(e, 0.1, 20) for e in range(20)]
        for e in range(20):
            sched.observe(e, {"val_loss": 1.0})
        assert [sched.lr(e, 0.1, 20) for e in range(20)] == before
        assert sched.state_dict() == {}


def test_plateau_state_round_trip() -> None:
    values = [5, 4, 4, 4, 3.9, 3.9, 3.9, 3.9, 3.9, 3, 3, 3]
    spec = {"name": "plateau", "factor": 0.5, "patience": 2}
    straight = feed(schedules.get(spec), values)

    first = schedules.get(spec)
    head = feed(first, values[:5])
    buf = io.BytesIO()
    np.savez(buf, **first.state_dict())
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as npz:
        state = {k: npz[k] for k in npz.files}
    second = schedules.get(spec)
    second.load_state_dict(state)
    tail = []
    for epoch, value in enumerate(values[5:], start=5):
        tail.append(second.lr(epoch, 1.0, len(values)))
        second.observe(epoch, {"val_loss": value})
    assert head + tail == straight
    with pytest.raises(CheckpointError):
        schedules.get(spec).load_state_dict({"scale": np.array(1.0)})


def test_repr_aliases_and_registry_errors() -> None:
    assert type(schedules.get("plateau")) is type(schedules.get("reduce_on_plateau"))
    assert repr(schedules.get({"name": "step", "gamma": 0.5})) == "step(gamma=0.5)"
    assert SCHEDULES.params("cosine") == {"eta_min": 0.0, "t_max": None}
    with pytest.raises(ConfigError, match="did you mean 'cosine'"):
        schedules.get("cosin")
    with pytest.raises(ConfigError, match="did you mean 'patience'"):
        schedules.get({"name": "plateau", "patiense": 3})
    for bad in [
        {"name": "step", "step_size": 0},
        {"name": "step", "step_size": 2.5},
        {"name": "exponential", "gamma": 0},
        {"name": "cosine", "t_max": 0},
        {"name": "plateau", "factor": 1.0},
        {"name": "plateau", "mode": "up"},
        {"name": "plateau", "patience": -1},
    ]:
        with pytest.raises(ConfigError):
            schedules.get(bad)
