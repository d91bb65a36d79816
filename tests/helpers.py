"""Helpers shared by the tests (imported, not collected): finite differences, interrupts."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from nnlab.config import load_config
from nnlab.errors import ConfigError


def numeric_grad(f: Callable[[np.ndarray], float], z: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """(f(z + h·e_i) − f(z − h·e_i)) / 2h for every element i of ``z`` (perturbed in place)."""
    g = np.empty_like(z)
    for idx in np.ndindex(z.shape):
        old = z[idx]
        z[idx] = old + h
        up = f(z)
        z[idx] = old - h
        down = f(z)
        z[idx] = old
        g[idx] = (up - down) / (2 * h)
    return g


def rel_error(x: np.ndarray, y: np.ndarray) -> float:
    """‖x − y‖ / (‖x‖ + ‖y‖): scale-free distance between two gradients."""
    return float(np.linalg.norm(x - y) / max(np.linalg.norm(x) + np.linalg.norm(y), 1e-30))


def interrupting(after_calls: int) -> Callable[[int, int, int], None]:
    """An ``on_step`` callback that sends this process SIGINT once, like a user's Ctrl-C."""
    seen = {"n": 0}

    def on_step(epoch: int, step: int, steps: int) -> None:
        seen["n"] += 1
        if seen["n"] == after_calls:
            os.kill(os.getpid(), signal.SIGINT)

    return on_step


def write(tmp_path: Path, text: str) -> Path:
    """``text`` as tmp_path/exp.yaml."""
    path = tmp_path / "exp.yaml"
    path.write_text(text)
    return path


def config_error(tmp_path: Path, text: str, overrides: tuple[str, ...] = ()) -> str:
    """The one-line ConfigError that loading ``text`` (plus ``overrides``) raises."""
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), overrides)
    msg = str(info.value)
    assert "\n" not in msg
    return msg
