"""The report of one run: summary, config, curves, every picture, training dynamics, evaluation,
mistakes, per-layer training signals, learning rate, histograms and (word2vec) the word map."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...runs.format import status_text
from ...runs.rundir import RunDir
from .. import compare
from .. import mistakes as examples
from ..evaluation import default_split, evaluate
from ..plots import dynamics, histograms, kinds, results, training, words
from ..plots.source import KINDS, checkpoint_name, run_info, why_not
from ..plots.style import fmt, png_bytes
from .page import Page, esc, frames, img, pairs, pre, table

EXPLAIN = {
    "curves": "Loss per epoch on the training set (solid) and the validation set (dashed), "
              "measured after each epoch in evaluation mode; epoch 0 is the network at "
              "initialization.",
    "fit": "The data, the true function and the network's prediction; outside the shaded "
           "edges the network never saw data (extrapolation).",
    "boundary": "Decision regions of the best checkpoint with the training (circles) and "
                "validation (triangles) points; the most confidently misclassified validation "
                "points are ringed.",
    "speed": "Nielsen's speed of learning ‖δˡ‖ = ‖∂C/∂bˡ‖ per hidden layer (Neural Networks and "
             "Deep Learning, ch. 5): early layers of a deep sigmoid network learn slower.",
    "weights": "What each first-layer unit responds to: its 784 weights as a 28×28 image.",
}


def run_page(run: str | Path, pictures: Mapping[str, bytes] | None = None,
             experiment: Any = None) -> str:
    """The HTML of the report of ``run``; ``pictures`` (kind → PNG bytes) already drawn and
    the run's ``experiment`` with its best weights are reused instead of made again."""
    rd = RunDir.open(run)
    summary = rd.summary_or_empty()
    records = rd.read_metrics()
    exp = experiment if experiment is not None else _experiment(rd.path)
    page = Page(f"nnlab run {rd.name}", " · ".join(str(s) for s in (
        summary.get("network"), (summary.get("data") or {}).get("name"),
        summary.get("status")) if s))
    page.add("summary", "Summary", _summary(summary))
    page.add("config", "Configuration", _config(rd.path))
    pics = _pictures(rd.path, exp, records, pictures or {})
    page.add("pictures", "Pictures", *pics)
    page.add("dynamics", "Training dynamics", _dynamics(rd, exp))
    page.add("evaluation", "Evaluation", _evaluation(exp))
    page.add("mistakes", "Most confidently misclassified", _mistakes(exp))
    page.add("layers", "Per layer: gradient norms and dead units", _layers(records))
    page.add("schedule", "Learning rate", _schedule(records, rd.config_dict()))
    page.add("histograms", "Weights and activations", _histograms(rd, exp))
    page.add("words", "Word vectors", _words(exp, rd.name))
    return page.render()


def _experiment(path: Path) -> Any:
    """The run's experiment with its best weights (last without best); None without any."""
    if RunDir(path).newest_checkpoint() is None:
        return None
    from ...runs.training import load_run

    return load_run(path, checkpoint_name(path))


def _summary(s: Mapping[str, Any]) -> str:
    if not s:
        return '<p class="note">No summary.json yet: the run has not written one.</p>'
    d = s.get("data") or {}
    items = [("network", s.get("network")), ("parameters", s.get("n_params")),
             ("data", f"{d.get('name')} ({d.get('task')}): {d.get('train')} train, "
                      f"{d.get('val')} validation, {d.get('test')} test"),
             ("status", status_text(s)),
             ("epochs", f"{s.get('epochs_run')}/{s.get('epochs')}"),
             ("best epoch", s.get("best_epoch")), ("monitor", s.get("monitor")),
             ("seed", s.get("seed")), ("wall time", f"{s.get('wall_time')} s"),
             ("overrides", " ".join(s.get("overrides") or []) or "none")]
    metrics = sorted({k for part in ("best", "final") for k in (s.get(part) or {})
                      if k != "epoch"})
    rows = [[part] + [(s.get(part) or {}).get(k) for k in metrics] for part in ("best", "final")]
    versions = ", ".join(f"{k} {v}" for k, v in (s.get("versions") or {}).items())
    return pairs(items) + table(["", *metrics], rows) + f'<p class="note">{esc(versions)}</p>'


def _config(path: Path) -> str:
    shown = compare.show_run(path)
    diff = shown["config_diff"]
    changed = (table(["key", "default", "value"],
                     [{k: compare.format_value(v) for k, v in row.items()} for row in diff],
                     ["changed from the defaults", "default", "this run"])
               if diff else '<p class="note">Every setting is the built-in default '
                            '(run.* aside).</p>')
    return (changed + "<details><summary>the resolved config.yaml</summary>"
            + pre(RunDir(path).config_text()) + "</details>")


def _pictures(path: Path, exp: Any, records: list, given: Mapping[str, bytes]) -> list[str]:
    if not records:
        return ['<p class="note">No metrics yet.</p>']
    info = run_info(path)
    wanted = [k for k in KINDS if why_not(k, info) is None]
    out = []
    for kind in wanted:
        png = given.get(kind) or png_bytes(kinds.draw_run(path, [kind])[kind])
        out.append(f"<h3>{esc(kind)}</h3><p class=\"note\">{esc(EXPLAIN[kind])}</p>"
                   + img(png, f"{kind} of {path.name}"))
    return out


def _dynamics(rd: RunDir, exp: Any) -> str:
    if exp is None:
        return ""
    shots = dynamics.frames(exp.dataset, rd.read_snapshots())
    if len(shots) < 2:
        return ""
    what = "fit" if exp.dataset.task == "regression" else "decision regions"
    return (f'<p class="note">The {what} at {len(shots)} epochs spaced log-uniformly, from '
            "predictions on a fixed grid recorded during training (run.snapshots). Press play "
            "or drag the slider.</p>"
            + frames([(f"epoch {e}", png) for e, png in shots], f"{what} during training"))


def _evaluation(exp: Any) -> str:
    if exp is None:
        return ""
    split = default_split(exp)
    r = evaluate(exp, split)
    keys = [k for k in ("n", "loss", "data_loss", "l2_penalty", "accuracy", "mse", "mae",
                        "max_error") if k in r]
    head = (f'<p class="note">The best checkpoint on the {esc(split)} split '
            f"({r['n']} samples of {esc(r['data'])}); loss {esc(r['loss_name'])}.</p>")
    out = head + pairs((k, r[k]) for k in keys)
    if "confusion_matrix" in r:
        out += img(png_bytes(results.draw_confusion(r["confusion_matrix"], split)),
                   "confusion matrix")
        out += "<details><summary>per class</summary>" + table(
            ["class", "precision", "recall", "support"], r["classes"]) + "</details>"
    return out


def _mistakes(exp: Any) -> str:
    m = None if exp is None else examples.mistakes(exp)
    if m is None:
        return ""
    head = (f'<p class="note">{m.total} of {m.n} {m.split} samples are misclassified; the '
            f"{len(m.x)} the network was surest about, with the probability it gave its "
            "answer.</p>")
    if not len(m.x):
        return head
    if m.x.shape[1] == 784:
        caps = [f"{t} → {p} ({c:.2f})" for t, p, c in zip(m.true, m.predicted, m.confidence)]
        return head + img(png_bytes(results.draw_digits(m.x, caps, "true → predicted "
                                                        "(probability)")), "misclassified")
    vocab = exp.dataset.info.get("vocab")
    if vocab:
        return head + table(["context", "true word", "predicted", "probability"],
                            examples.word_rows(m, list(vocab)))
    if m.x.shape[1] == 2:
        return head + '<p class="note">They are ringed on the decision regions above.</p>'
    return head + table(["input", "true class", "predicted", "probability"],
                        examples.input_rows(m))


def _layers(records: list) -> str:
    if not records or not records[0].get("grad_norm_w"):
        return ""
    return ('<p class="note">‖∂C/∂Wˡ‖ of every layer and the share of dead hidden units, '
            "measured on the probe samples after each epoch.</p>"
            + img(png_bytes(training.draw_layers(records)), "gradient norms and dead units"))


def _schedule(records: list, cfg: Mapping[str, Any]) -> str:
    if not training.has_lr(records):
        return ""
    schedule = fmt((cfg.get("optimizer") or {}).get("schedule", ""))
    return img(png_bytes(training.draw_lr(records, schedule)), "learning rate per epoch")


def _histograms(rd: RunDir, exp: Any) -> str:
    snaps = rd.read_snapshots()
    if "epochs" not in snaps:
        return ""
    names = [repr(layer) for layer in exp.network.layers] if exp is not None else None
    return ('<p class="note">Histograms of every layer\'s weights and of its outputs on the '
            "probe samples at a few of the recorded epochs (dark: early, light: late).</p>"
            + img(png_bytes(histograms.draw_histograms(snaps, names)),
                  "weight and activation histograms"))


def _words(exp: Any, name: str) -> str:
    vocab = None if exp is None else exp.dataset.info.get("vocab")
    if not vocab or exp.dataset.name != "text":
        return ""
    w = exp.network.layers[0].W
    return ('<p class="note">Row k of the first weight matrix W is the vector of word k '
            "(the one-hot input e_k gives h = Wᵀe_k); words used in the same contexts end up "
            "close.</p>" + img(png_bytes(words.draw_word_map(list(vocab), w, name)),
                               "map of the word vectors"))
