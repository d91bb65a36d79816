"""A plain-text corpus as word2vec training pairs (the word2vec write-up: CBOW, skip-gram).

``data.name: text`` reads one corpus — ``data.text`` (inline), ``data.corpus`` (a corpus shipped
with nnlab: ``tiny``) or ``data.path`` (a UTF-8 ``.txt`` file) — and turns it into a
classification data set with one class per vocabulary word:

* tokens: lines starting with ``#`` are comments; the rest, lowercased, is split into words
  ``[a-z]+('[a-z]+)*``; ``.``, ``!``, ``?`` and blank lines end a sentence, and context windows
  never cross a sentence end;
* vocabulary: the words seen at least ``min_count`` times, in order of first appearance (so in
  "I like playing football" the one-hot of "i" is e₁ and "like" is e₂, as in the write-up); rarer
  words are dropped from the token stream before the windows are taken (as word2vec does);
* ``mode: cbow``: one sample per word w_t that has context — x = the average of the one-hot
  vectors of the words w_{t−c}, …, w_{t+c} (c = ``window``, same sentence, w_t excluded),
  target y = w_t;
* ``mode: skipgram``: one sample per (center, context) pair — x = one-hot(w_t), y = w_{t+j},
  0 < |j| ≤ c; samples ordered by center position, then offset;
* ``pairs: [[context..., target], ...]`` replaces the windows by explicit samples (x = the average
  of the one-hots of all words but the last, y = the last word), e.g. ``[[i, like]]`` for the
  worked example.

The network is an ordinary MLP: ``hidden: [N]``, ``activation: identity``, ``bias: false``,
softmax output with ``categorical_crossentropy``; the first weight matrix W (V × N) holds one
embedding row per word (``nnlab embed``). ``Dataset.info`` has ``vocab`` and ``counts``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import closest
from .base import Dataset, DataSpec, holdout
from .samples import fail

CORPORA_DIR = Path(__file__).parent / "corpora"
TEXT_FIELDS = ("text", "corpus", "pairs")
MAX_ELEMENTS = 50_000_000  # x is dense (samples × V): refuse more than ~200 MB of float32
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)*|[.!?]|\n[ \t]*\n")
_COMMENT = re.compile(r"^#.*$", re.MULTILINE)


def corpora() -> list[str]:
    """Names of the corpora shipped with nnlab (``data.corpus``)."""
    return sorted(p.stem for p in CORPORA_DIR.glob("*.txt"))


def check(d: DataSpec) -> None:
    """Config-time checks of the text fields (raises errors carrying the config key)."""
    if d.name != "text":
        return
    given = [k for k in ("text", "corpus", "path") if getattr(d, k) is not None]
    if len(given) != 1:
        raise fail(["data"], "data.name: text needs exactly one corpus: text (inline), corpus "
                   f"(shipped: {', '.join(corpora())}) or path (a .txt file); got "
                   f"{', '.join(given) or 'none'}")
    if d.corpus is not None and d.corpus not in corpora():
        raise fail(["data", "corpus"], f"no shipped corpus '{d.corpus}'"
                   f"{closest(d.corpus, corpora())}; available: "
                   f"{', '.join(corpora())}, or give data.path to your own .txt file")
    for i, pair in enumerate(d.pairs or []):
        if len(pair) < 2:
            raise fail(["data", "pairs", i], "each pair lists context word(s) then the target "
                       "word, e.g. [i, like]")


def read_corpus(d: DataSpec) -> tuple[str, str]:
    """(text, where it came from) for ``data.text``, ``data.corpus`` or ``data.path``."""
    if d.text is not None:
        return d.text, "data.text"
    if d.corpus is not None:
        path, key = CORPORA_DIR / f"{d.corpus}.txt", "corpus"
    else:
        path, key = Path(str(d.path)).expanduser(), "path"
    if not path.is_file():
        raise fail(["data", key], f"corpus file {path} not found; give the path of a UTF-8 "
                   ".txt file")
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except (OSError, UnicodeDecodeError) as err:
        raise fail(["data", key], f"cannot read {path} as UTF-8 text: {err}") from None


def tokenize(text: str) -> tuple[list[str], np.ndarray]:
    """Lowercased words and, per word, the index of its sentence (lines starting with ``#`` are
    comments)."""
    words, sentence, sentences = [], [], 0
    text = _COMMENT.sub("", text)
    for m in _TOKEN.finditer(text.lower()):
        tok = m.group()
        if tok[0].isalpha():
            words.append(tok)
            sentence.append(sentences)
        else:
            sentences += 1
    return words, np.asarray(sentence, dtype=np.int64)


def vocabulary(words: list[str], min_count: int = 1) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(vocab in order of first appearance, counts, word id per token with −1 for dropped)."""
    uniq, first, inverse, counts = np.unique(np.asarray(words), return_index=True,
                                             return_inverse=True, return_counts=True)
    keep = counts >= min_count
    order = np.argsort(first[keep], kind="stable")
    new_id = np.full(len(uniq), -1, dtype=np.int64)
    new_id[np.flatnonzero(keep)[order]] = np.arange(len(order))
    vocab = [str(w) for w in uniq[keep][order]]
    return vocab, counts[keep][order], new_id[inverse.ravel()]


def context_pairs(sentence: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Token positions (center, context) with 0 < |offset| ≤ window inside one sentence,
    ordered by center position, then offset."""
    n = len(sentence)
    pos = np.arange(n)
    centers, contexts, offsets = [], [], []
    for o in (*range(-window, 0), *range(1, window + 1)):
        j = pos + o
        ok = (j >= 0) & (j < n)
        ok[ok] = sentence[j[ok]] == sentence[pos[ok]]
        centers.append(pos[ok])
        contexts.append(j[ok])
        offsets.append(np.full(int(ok.sum()), o))
    c, x, o = (np.concatenate(a) for a in (centers, contexts, offsets))
    order = np.lexsort((o, c))
    return c[order], x[order]


def _one_hot_rows(n: int, v: int, rows: np.ndarray, cols: np.ndarray, dtype: Any) -> np.ndarray:
    """x[r] = average of the one-hots of the cols listed for row r (rows with none stay 0)."""
    if n * v > MAX_ELEMENTS:
        raise fail(["data"], f"{n} samples × {v} words is too large for dense one-hot inputs; "
                   "raise data.min_count, lower data.window or use a smaller corpus")
    x = np.zeros((n, v), dtype=dtype)
    np.add.at(x, (rows, cols), 1)
    x /= np.maximum(x.sum(axis=1, keepdims=True), 1)
    return x


def _explicit(d: DataSpec, vocab: list[str], dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    index = {w: i for i, w in enumerate(vocab)}
    rows, cols, y = [], [], []
    for i, pair in enumerate(d.pairs or []):
        for j, word in enumerate(pair):
            w = str(word).lower()
            if w not in index:
                raise fail(["data", "pairs", i, j], f"'{word}' is not in the vocabulary"
                           f"{closest(w, vocab)}; words: "
                           f"{', '.join(vocab[:12])}{' …' if len(vocab) > 12 else ''}")
            if j < len(pair) - 1:
                rows.append(i)
                cols.append(index[w])
            else:
                y.append(index[w])
    n = len(d.pairs or [])
    x = _one_hot_rows(n, len(vocab), np.asarray(rows), np.asarray(cols), dtype)
    return x, np.asarray(y, dtype=np.int64)


def load(d: DataSpec, rng: np.random.Generator, dtype: Any = np.float32) -> Dataset:
    """The corpus of ``d`` as CBOW / skip-gram samples (see the module doc)."""
    check(d)
    text, source = read_corpus(d)
    words, sentence = tokenize(text)
    if not words:
        raise fail(["data", "text" if d.text is not None else "path"],
                   f"{source}: no words found (words are [a-z]+ after lowercasing)")
    vocab, counts, ids = vocabulary(words, d.min_count)
    if len(vocab) < 2:
        raise fail(["data", "min_count"], f"only {len(vocab)} word(s) occur at least "
                   f"min_count={d.min_count} times; lower data.min_count or use a longer text")
    kept = ids >= 0
    ids, sentence = ids[kept], sentence[kept]
    v = len(vocab)
    if d.pairs:
        x, y = _explicit(d, vocab, dtype)
    else:
        center, context = context_pairs(sentence, d.window)
        if not len(center):
            raise fail(["data", "window"], f"{source}: no word has a neighbour in its sentence; "
                       "use a longer text")
        if d.mode == "skipgram":
            x = _one_hot_rows(len(center), v, np.arange(len(center)), ids[center], dtype)
            y = ids[context]
        else:
            has = np.unique(center)  # sorted token positions that have context
            row = np.searchsorted(has, center)
            x = _one_hot_rows(len(has), v, row, ids[context], dtype)
            y = ids[has]
    info = {"vocab": vocab, "counts": counts.tolist(), "mode": "pairs" if d.pairs else d.mode,
            "window": d.window, "tokens": int(len(ids)), "source": source}
    return holdout("text", "classification", x, y.astype(np.int64), d.val_split, rng,
                   n_classes=v, info=info)
