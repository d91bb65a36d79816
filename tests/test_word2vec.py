"""The `text` data source (CBOW / skip-gram pairs), word2vec training and `nnlab embed`."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nnlab
from nnlab.cli import app
from nnlab.config import load_config
from nnlab.data.text import corpora, tokenize
from nnlab.errors import ConfigError, NnlabError
from nnlab.tools.embed import Embeddings

ROOT = Path(__file__).resolve().parents[1]
WORD2VEC = ROOT / "configs" / "lessons" / "word2vec.yaml"
runner = CliRunner()


def dataset(**data):
    cfg = load_config(data={"data": {"name": "text", "val_split": 0, **data}})
    return nnlab.build(cfg).dataset


def words_of(d, row: np.ndarray) -> dict[str, float]:
    vocab = d.info["vocab"]
    return {vocab[i]: float(row[i]) for i in np.flatnonzero(row)}


def test_tokens_sentences_and_comments():
    words, sentence = tokenize("# a comment line\nThe cat's mat. Dogs BARK!\n\nnew para 42 x")
    assert words == ["the", "cat's", "mat", "dogs", "bark", "new", "para", "x"]
    assert sentence.tolist() == [0, 0, 0, 1, 1, 3, 3, 3]


def test_vocabulary_in_order_of_first_appearance():
    d = dataset(text="I like playing football", window=1)
    assert d.info["vocab"] == ["i", "like", "playing", "football"]
    assert d.task == "classification" and d.n_classes == 4 and d.n_features == 4


def test_cbow_averages_the_context_window():
    d = dataset(text="a b c d. e f", window=2)
    vocab = d.info["vocab"]
    assert [vocab[k] for k in d.y_train] == ["a", "b", "c", "d", "e", "f"]
    assert words_of(d, d.x_train[0]) == {"b": 0.5, "c": 0.5}
    assert words_of(d, d.x_train[2]) == pytest.approx({"a": 1 / 3, "b": 1 / 3, "d": 1 / 3})
    assert words_of(d, d.x_train[3]) == {"b": 0.5, "c": 0.5}  # "e" is in the next sentence
    assert words_of(d, d.x_train[4]) == {"f": 1.0}
    np.testing.assert_allclose(d.x_train.sum(axis=1), 1.0)


def test_skipgram_one_pair_per_context_word():
    d = dataset(text="a b c", window=1, mode="skipgram")
    vocab = d.info["vocab"]
    pairs = [(vocab[int(np.argmax(x))], vocab[y]) for x, y in zip(d.x_train, d.y_train)]
    assert pairs == [("a", "b"), ("b", "a"), ("b", "c"), ("c", "b")]
    assert set(d.x_train.ravel()) == {0.0, 1.0}


def test_min_count_drops_rare_words():
    d = dataset(text="the cat and the dog and the end", window=1, min_count=2)
    assert d.info["vocab"] == ["the", "and"] and d.info["counts"] == [3, 2]
    assert len(d.x_train) == 5  # "the and the and the": rare words removed before windowing


def test_explicit_pairs_and_their_errors():
    d = dataset(text="I like playing football", pairs=[["i", "like"], ["I", "playing",
                                                                       "football"]])
    np.testing.assert_array_equal(d.x_train, [[1, 0, 0, 0], [0.5, 0, 0.5, 0]])
    assert d.y_train.tolist() == [1, 3]
    with pytest.raises(NnlabError, match=r"data.pairs.0.1: 'likes' is not .*did you mean 'like'"):
        dataset(text="I like playing football", pairs=[["i", "likes"]])


def test_config_errors_name_the_key(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text("data:\n  name: text\n  corpus: tinny\n")
    with pytest.raises(ConfigError, match=r"exp.yaml:3: data.corpus: .*did you mean 'tiny'"):
        load_config(path)
    path.write_text("data:\n  name: text\n")
    with pytest.raises(ConfigError, match="exactly one corpus"):
        load_config(path)
    path.write_text("data:\n  name: sine\n  pairs: [[a, b]]\n")
    with pytest.raises(ConfigError, match=r"exp.yaml:3: data.pairs: only used by data.name: text"):
        load_config(path)
    with pytest.raises(NnlabError, match="data.path: corpus file"):
        nnlab.build(load_config(data={"data": {"name": "text", "path": str(tmp_path / "no.txt")}}))


def test_the_shipped_corpus():
    assert "tiny" in corpora()
    d = dataset(corpus="tiny")
    vocab = d.info["vocab"]
    assert 200 < len(vocab) < 400 and 1000 < d.info["tokens"] < 2000
    assert {"cat", "dog", "king", "queen", "bread", "cheese", "rain", "snow"} <= set(vocab)
    assert "corpus" not in vocab  # the '#' header is a comment


GROUPS = [["cat", "dog", "kitten", "puppy"], ["bread", "cheese", "soup", "cake"],
          ["king", "queen", "prince", "princess"], ["rain", "snow", "wind", "sun"]]


def test_related_words_end_up_closer(tmp_path):
    result = nnlab.train(WORD2VEC, overrides=["train.epochs=15"], runs_dir=tmp_path,
                         handle_signals=False)
    emb = Embeddings.from_run(result.run_dir)
    assert emb.vectors.shape == (len(emb.vocab), 10)
    within = np.mean([emb.similarity(a, b) for g in GROUPS
                      for a, b in itertools.combinations(g, 2)])
    across = np.mean([emb.similarity(a, b) for g, h in itertools.combinations(GROUPS, 2)
                      for a in g for b in h])
    assert within > across + 0.2, (within, across)
    related = [("cat", "dog"), ("king", "queen"), ("bread", "cheese"), ("rain", "snow")]
    unrelated = [("cat", "bread"), ("king", "soup"), ("bread", "snow"), ("rain", "puppy")]
    assert (np.mean([emb.similarity(*p) for p in related])
            > np.mean([emb.similarity(*p) for p in unrelated]) + 0.3)

    out = runner.invoke(app, ["embed", str(result.run_dir), "--nearest", "King", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["word"] == "king" and len(data["nearest"]) == 5
    assert data["nearest"][0]["word"] == "queen"
    out = runner.invoke(app, ["embed", str(result.run_dir), "--words", "cat,dog,bread"])
    assert out.exit_code == 0 and "cosine similarity" in out.output
    out = runner.invoke(app, ["embed", str(result.run_dir), "--nearest", "kitte"])
    assert out.exit_code == 2 and "did you mean 'kitten'" in out.output


def test_embed_refuses_other_runs(tmp_path):
    result = nnlab.train(None, overrides=["train.epochs=1", "model.hidden=[2]"], runs_dir=tmp_path,
                         handle_signals=False)
    with pytest.raises(NnlabError, match="data.name: text"):
        Embeddings.from_run(result.run_dir)
