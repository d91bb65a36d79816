"""Shared fixtures. Real-MNIST tests find the files through NNLAB_DATA_DIR (CI sets it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Never write into the real user cache from tests."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


@pytest.fixture
def mnist_dir() -> Path:
    """The folder holding the MNIST .gz files, or skip with the reason."""
    base = os.environ.get("NNLAB_DATA_DIR")
    if not base:
        pytest.skip("real MNIST not available: set NNLAB_DATA_DIR to a folder with mnist/*.gz")
    for cand in (Path(base) / "mnist", Path(base)):
        if (cand / "train-images-idx3-ubyte.gz").is_file():
            return cand
    pytest.skip(f"real MNIST not found under NNLAB_DATA_DIR={base}")
