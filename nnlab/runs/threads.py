"""How many BLAS threads a training process uses.

A second BLAS thread pays off only for large matrix products: at Nielsen's batch of 10 the
products are done before a second thread would have started, while a [784,100,10] network at
batch 128, and the per-epoch metrics (chunks of 8,192 samples), keep two cores busy. Processes
that train side by side (parallel sweep trials) each get their share of the cores instead, since
two-threaded BLAS in two processes on two cores makes every one of them many times slower.

``NNLAB_THREADS=N`` fixes the number for every product; unset or ``auto``, `blas_threads`
chooses, never more than OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS when those are
set. The number of threads can change the last bits of a product (OpenBLAS splits long sums
differently), so a run is bit-identical to another with the same config, seed and thread counts;
a run records its counts and a resumed run keeps them.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator, Sequence
from typing import Any

from ..errors import ConfigError

ENV = "NNLAB_THREADS"
BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
LARGE = 4_000_000  # multiply-adds of one forward pass from which two threads are faster


def cores() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def blas_threads(batch_size: int | None = None, sizes: Sequence[int] = (), *,
                 jobs: int = 1) -> int:
    """BLAS threads for one of ``jobs`` processes training side by side.

    ``NNLAB_THREADS`` when set; else this process's share of the cores (capped by the BLAS
    libraries' own environment variables) if a forward pass of ``batch_size`` rows through a
    network of layer ``sizes`` takes at least `LARGE` multiply-adds (batch × Σ fan_in·fan_out),
    and 1 below that. Without a batch size: the share itself — what a sweep gives each trial.
    """
    fixed = _env_threads()
    if fixed is not None:
        return fixed
    share = max(1, cores() // max(1, jobs))
    for var in BLAS_ENV:
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) > 0:
            share = min(share, int(value))
    if batch_size is None:
        return share
    work = batch_size * sum(a * b for a, b in zip(sizes, sizes[1:]))
    return share if work >= LARGE else 1


def _env_threads() -> int | None:
    value = os.environ.get(ENV, "").strip().lower()
    if value in ("", "auto"):
        return None
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{ENV}={os.environ[ENV]!r}: expected auto or a whole number >= 1")
    return int(value)


@functools.cache
def _controller() -> Any:
    from threadpoolctl import ThreadpoolController  # lazy: scans the loaded libraries once

    return ThreadpoolController()


@contextlib.contextmanager
def limited(threads: int | None) -> Iterator[None]:
    """Run the block with ``threads`` BLAS threads (None: as they are); ≈10 µs after the first."""
    if threads is None:
        yield
        return
    with _controller().limit(limits=threads, user_api="blas"):
        yield
