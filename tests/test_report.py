"""`nnlab report`: one self-contained HTML page per run, sweep or comparison — checked as files
here and in a real headless Chromium (no console errors, every image decoded, not blank)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import Browser, blank, find_chromium
from typer.testing import CliRunner

import nnlab
from nnlab.cli import app
from nnlab.tools import report

runner = CliRunner()
QUIET = ["run.plots=false", "run.report=false"]
VISIBLE_FRAMES = 'document.querySelectorAll(".frames img:not([hidden])").length'


def train(tmp: Path, *overrides: str, config: str | None = None) -> Path:
    return nnlab.train(config, overrides=[*QUIET, *overrides], runs_dir=tmp).run_dir


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A report of each kind: regression, 2-class, word2vec, a sweep and a comparison."""
    tmp = tmp_path_factory.mktemp("reports")
    sine = train(tmp, "train.epochs=12", "data.n=80", "model.hidden=[8]")
    relu = train(tmp, "train.epochs=12", "data.n=80", "model.hidden=[8]",
                 "model.activation=relu")
    moons = train(tmp, "data.name=moons", "data.n=120", "train.epochs=10", "model.hidden=[8]")
    words = train(tmp, "train.epochs=2", config="configs/lessons/word2vec.yaml")
    sets = [a for o in ("train.epochs=3", "data.n=60", "model.hidden=[4]", *QUIET)
            for a in ("--set", o)]
    sweep = runner.invoke(app, ["sweep", "--grid", "model.activation=tanh,relu", *sets,
                                "--jobs", "2", "--runs-dir", str(tmp / "sweeps"), "--quiet"])
    assert sweep.exit_code == 0, sweep.output
    (folder,) = (tmp / "sweeps").iterdir()
    return {"regression": report.write_report([sine]), "classification":
            report.write_report([moons]), "word2vec": report.write_report([words]),
            "sweep": report.write_report([folder]),
            "comparison": report.write_report([sine, relu], tmp / "cmp.html")}


def test_every_run_writes_its_report_unless_switched_off(tmp_path):
    run = nnlab.train(None, overrides=["train.epochs=3", "data.n=40", "run.plots=false"],
                      runs_dir=tmp_path).run_dir
    assert (run / "report.html").is_file()
    assert f"report: {run / 'report.html'}" in (run / "train.log").read_text()
    off = train(tmp_path / "off", "train.epochs=2", "data.n=40")
    assert not (off / "report.html").exists()


def test_a_report_failure_is_logged_not_fatal(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no page")

    monkeypatch.setattr(report, "write_report", broken)
    result = nnlab.train(None, overrides=["train.epochs=2", "data.n=40", "run.plots=false"],
                         runs_dir=tmp_path)
    assert result.summary["status"] == "completed"
    assert "report: not written (RuntimeError: no page)" in (result.run_dir / "train.log"
                                                             ).read_text()


def test_pages_are_self_contained(pages):
    for kind, path in pages.items():
        text = path.read_text(encoding="utf-8")
        assert text.startswith("<!DOCTYPE html>"), kind
        sources = re.findall(r'\b(?:src|href)="([^"#]*)"', text)
        external = [s for s in sources if not s.startswith("data:")
                    and (":" in s or s.startswith("/") or not s.endswith("report.html"))]
        assert not external, (kind, external[:3])  # links to runs' reports: relative only
        assert "<script src" not in text and "@import" not in text and "url(" not in text
        assert re.findall(r'<img src="data:image/png;base64,', text), kind


def test_run_pages_show_what_applies(pages):
    sine = pages["regression"].read_text(encoding="utf-8")
    for part in ('id="config"', 'id="dynamics"', "fit of", 'id="histograms"',
                 'id="layers"', 'id="schedule"', "mse"):
        assert part in sine, part
    assert 'id="mistakes"' not in sine  # regression has no misclassified examples
    moons = pages["classification"].read_text(encoding="utf-8")
    assert "confusion matrix" in moons and 'id="mistakes"' in moons
    assert "decision regions during training" in moons
    words = pages["word2vec"].read_text(encoding="utf-8")
    assert 'id="words"' in words and "Row k of the first weight matrix" in words
    assert "context" in words  # misclassified word2vec samples as context → word rows


def test_the_same_run_gives_the_same_bytes(pages, tmp_path):
    run = pages["classification"].parent
    again = report.write_report([run], tmp_path / "again.html")
    assert again.read_bytes() == pages["classification"].read_bytes()


def test_sweep_and_comparison_pages(pages):
    sweep = pages["sweep"].read_text(encoding="utf-8")
    assert 'id="ranking"' in sweep and "model.activation=relu" in sweep
    assert "mean val_loss" in sweep
    cmp = pages["comparison"].read_text(encoding="utf-8")
    assert "differ in model.activation" in cmp and 'id="curves"' in cmp


def test_cli_report_and_its_errors(pages, tmp_path):
    run = pages["regression"].parent
    sweep = pages["sweep"].parent
    result = runner.invoke(app, ["report", str(sweep), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(tmp_path / "r.html")
    bad = runner.invoke(app, ["report", str(run), "--out", str(tmp_path / "r.png")])
    assert bad.exit_code == 2 and "ending in .html" in bad.stderr
    missing = runner.invoke(app, ["report", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "no such run directory" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- a real browser

@pytest.fixture(scope="session")
def browser():
    binary = find_chromium()
    if binary is None:
        pytest.skip("no chromium on PATH: apt-get install chromium (.ci/run installs it)")
    pytest.importorskip("websocket", reason="websocket-client is in the test extra")
    b = Browser(binary)
    yield b
    b.close()


def test_the_browser_check_catches_a_broken_page(browser, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text('<html><body><img src="data:image/png;base64,AAAA">'
                    "<script>nosuchfunction();</script></body></html>")
    seen = browser.load(page)
    assert seen["images"] == [0] and seen["errors"]


@pytest.mark.parametrize("kind", ["regression", "classification", "word2vec", "sweep",
                                  "comparison"])
def test_report_opens_in_a_real_browser(browser, pages, kind):
    seen = browser.load(pages[kind], checks=(VISIBLE_FRAMES,))
    assert seen["errors"] == []
    assert seen["images"] and min(seen["images"]) > 0, seen["images"]
    assert not blank(seen["screenshot"])
    if kind in ("regression", "classification"):
        assert seen["checks"] == [1]  # the animation shows one frame at a time


def test_the_slider_and_play_button_change_the_frame(browser, pages):
    steps = (
        "(() => { const s = document.querySelector('.frames input'); s.value = '0';"
        " s.dispatchEvent(new Event('input')); return document.querySelector("
        "'.frames .frame-label').textContent; })()",
        "(() => { document.querySelector('.frames button').click();"
        " return new Promise(r => setTimeout(() => r(document.querySelector("
        "'.frames .frame-label').textContent), 1000)); })()",
    )
    seen = browser.load(pages["classification"], checks=steps)
    assert seen["errors"] == []
    assert seen["checks"][0] == "epoch 0" and seen["checks"][1] not in ("epoch 0", "")


def test_report_of_an_mnist_run_in_a_browser(browser, mnist_dir, tmp_path):
    run = train(tmp_path, f"data.path={mnist_dir}", "data.limit=600", "train.epochs=2",
                config="configs/mnist_nielsen.yaml")
    page = report.write_report([run])
    text = page.read_text(encoding="utf-8")
    assert 'id="mistakes"' in text and "<h3>weights</h3>" in text
    seen = browser.load(page)
    assert seen["errors"] == [] and min(seen["images"]) > 0 and not blank(seen["screenshot"])
