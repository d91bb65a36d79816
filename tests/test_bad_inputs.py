"""Every hostile input of tests/bad_inputs.py, through the whole command line (in-process).

Each case asserts what a user relies on: the exit code, exactly one ``error:`` line on stderr,
no traceback, no "internal error", nothing written outside the runs folder and nothing executed
(``PWNED`` never appears). Cases that must succeed (a cut-off metrics line, a damaged summary in
a listing) exit 0 without a traceback.
"""

from __future__ import annotations

import collections
import os
import shutil
from pathlib import Path

import pytest
from bad_inputs import GOOD_RUN_CONFIG, Case, all_cases
from typer.testing import CliRunner

from nnlab.cli import app

CASES = all_cases()
runner = CliRunner()


def test_the_catalogue_covers_every_class_of_failure():
    kinds = collections.Counter(c.kind for c in CASES)
    assert len(CASES) >= 60
    for kind in ("encoding", "bomb", "markup", "run-files", "filesystem", "data", "duplicate",
                 "architecture", "wording", "usage", "injection", "sweep"):
        assert kinds[kind] >= 2, kind


@pytest.fixture(scope="module")
def good_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small finished run to copy and damage."""
    base = tmp_path_factory.mktemp("good")
    (base / "good.yaml").write_text(GOOD_RUN_CONFIG)
    result = runner.invoke(app, ["train", str(base / "good.yaml"), "--quiet",
                                 "--runs-dir", str(base / "runs")])
    assert result.exit_code == 0, result.output
    (run,) = (base / "runs").iterdir()
    return run


def _tree(root: Path, skip: Path) -> set[str]:
    """Every path below ``root`` except ``skip`` and matplotlib's font cache."""
    out = set()
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        if here == skip or skip in here.parents or "matplotlib" in here.parts:
            dirs[:] = []
            continue
        out |= {str((here / n).relative_to(root)) for n in [*dirs, *files]
                if n != "matplotlib"}
    return out


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input(case: Case, good_run: Path, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    work, home = tmp_path / "work", tmp_path / "home"
    (work / "runs").mkdir(parents=True)
    home.mkdir()
    for var, value in (("HOME", home), ("XDG_CACHE_HOME", home / ".cache"),
                       ("XDG_DATA_HOME", home / ".local/share")):
        monkeypatch.setenv(var, str(value))
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "matplotlib"))  # the library's own cache
    monkeypatch.delenv("NNLAB_DEBUG", raising=False)
    monkeypatch.chdir(work)
    for name, data in case.files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    argv = list(case.argv)
    if case.needs_run:
        run = work / "runs" / good_run.name
        shutil.copytree(good_run, run)
        if case.tamper:
            case.tamper(run)
        argv = [f"runs/{run.name}" if a == "RUN" else a for a in argv]
    before = _tree(work, work / "runs") | {f"~/{p}" for p in _tree(home, home / "-")}

    result = runner.invoke(app, argv, prog_name="nnlab")

    after = _tree(work, work / "runs") | {f"~/{p}" for p in _tree(home, home / "-")}
    stderr = result.stderr
    assert result.exit_code == case.code, (result.exception, stderr)
    assert "Traceback" not in result.output + stderr and "internal error" not in stderr
    if case.code != 0:
        lines = [ln for ln in stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert case.says.lower() in stderr.lower(), stderr
    assert not (work / "PWNED").exists() and not (tmp_path / "PWNED").exists(), "executed"
    assert after == before, f"created outside runs/: {sorted(after - before)}"
