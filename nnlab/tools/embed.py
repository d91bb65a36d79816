"""Word vectors of a trained word2vec run (``data.name: text``) and their cosine similarities.

The embedding of word k is row k of the first weight matrix W (V × N): the input x of word k is
the one-hot e_k, so the hidden layer sees h = Wᵀe_k = W[k]. Similarity is the cosine
cos(u, v) = u·v / (‖u‖ ‖v‖), in [−1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import NnlabError, closest
from ..runs.training import load_run


@dataclass
class Embeddings:
    """One row of ``vectors`` per word of ``vocab``."""

    vocab: list[str]
    vectors: np.ndarray

    @classmethod
    def from_run(cls, run: str | Path, checkpoint: str = "best") -> Embeddings:
        """The first-layer weights of a run trained on a text data set."""
        exp = load_run(run, checkpoint)
        vocab = exp.dataset.info.get("vocab")
        if exp.dataset.name != "text" or not vocab:
            raise NnlabError(f"{run}: embeddings need a run trained on data.name: text (this one "
                             f"used '{exp.dataset.name}'); train configs/lessons/word2vec.yaml")
        return cls(list(vocab), np.asarray(exp.network.layers[0].W, dtype=np.float64))

    def index(self, word: str) -> int:
        """Row of ``word`` (lowercased); unknown words raise with the closest spelling."""
        w = word.lower()
        if w in self.vocab:
            return self.vocab.index(w)
        raise NnlabError(f"'{word}' is not in the vocabulary ({len(self.vocab)} words)"
                         f"{closest(w, self.vocab, n=3)}")

    def unit(self) -> np.ndarray:
        """Rows scaled to length 1 (zero rows stay zero)."""
        norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
        return self.vectors / np.where(norms > 0, norms, 1.0)

    def similarity(self, a: str, b: str) -> float:
        """cos(vector of a, vector of b)."""
        u = self.unit()
        return float(u[self.index(a)] @ u[self.index(b)])

    def matrix(self, words: list[str]) -> np.ndarray:
        """Pairwise cosine similarities of ``words`` (len × len)."""
        u = self.unit()[[self.index(w) for w in words]]
        return u @ u.T

    def nearest(self, word: str, top: int = 5) -> list[tuple[str, float]]:
        """The ``top`` words with the largest cosine similarity to ``word`` (itself excluded)."""
        u = self.unit()
        k = self.index(word)
        sims = u @ u[k]
        sims[k] = -np.inf
        order = np.argsort(-sims, kind="stable")[:max(top, 0)]
        return [(self.vocab[i], float(sims[i])) for i in order]
