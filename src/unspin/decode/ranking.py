"""Which candidate originals of a word the decoder weighs: a ranking learned from spun text.

A word may have 30 candidates in the lexicon; the decoder scores at most
``model.max_candidates`` of them (12), so the order decides whether the right original is
scored at all (*coverage*, :mod:`unspin.evaluate`).  ``unspin train`` fits a logistic model
of "this candidate is the word the spinner replaced" on the swaps of its training documents
(:func:`rows`, :func:`fit`), over features that name no pair and no particular thesaurus
(:data:`RANK_FEATURES`): the public table's prior, the meaning guard's warnings, how many
independent sources hold the pair, its similarity, both words' frequencies, a shared character
and the length difference.  Pairs a user or ``learn-pairs`` gave always come first.  A model
saved before the ranker existed keeps the fixed weights of :func:`fixed_score`.

>>> from unspin.lexicon import Candidate, Source
>>> c = Candidate("今年", int(Source.CILIN), 1.0)
>>> [round(float(v), 2) for v in features("本年", [c])[0]]
[0.0, 0.0, 0.0, 1.0, 1.0, 4.0, 1.94, 1.0, 0.0]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from unspin.lexicon import Candidate, Source
from unspin.text.segment import word_freq

RANK_FEATURES = ("public", "doubtful", "pos_differs", "sources", "similarity", "log_freq", "log_freq_spun",
                 "shared_char", "len_diff")
_GENERIC = (int(Source.CILIN), int(Source.CNSYN), int(Source.GLOSS), int(Source.VECTOR))
_TRUSTED = int(Source.USER | Source.LEARNED | Source.TABLE)
_STRONG = int(Source.CILIN | Source.USER | Source.LEARNED)


def features(spun: str, cands: Sequence[Candidate]) -> np.ndarray:
    """One row of :data:`RANK_FEATURES` per candidate original of ``spun``."""
    fs = math.log10(word_freq(spun) + 1)
    chars = set(spun)
    return np.array([[
        bool(c.sources & Source.PUBLIC), bool(c.sources & Source.DOUBTFUL), bool(c.sources & Source.POS_DIFFERS),
        sum(bool(c.sources & g) for g in _GENERIC), c.similarity, math.log10(word_freq(c.word) + 1), fs,
        bool(chars & set(c.word)), abs(len(c.word) - len(spun)),
    ] for c in cands], dtype=np.float64).reshape(len(cands), len(RANK_FEATURES))


def fixed_score(c: Candidate) -> float:
    """The hand-set order of models saved before the learned ranking (kept so they decode as before)."""
    return (4.0 * bool(c.sources & Source.PUBLIC) + 3.0 * bool(c.sources & _STRONG) + bool(c.sources & Source.CNSYN)
            + 1.5 * bool(c.sources & Source.GLOSS) + c.similarity + 0.3 * math.log10(word_freq(c.word) + 1)
            - 1.0 * bool(c.sources & Source.DOUBTFUL))


def ranked(ranker, spun: str, cands: list[Candidate], limit: int) -> list[Candidate]:
    """The ``limit`` best of ``cands`` for ``spun``: trusted pairs first, then by ``ranker``
    (a :class:`~unspin.train.logistic.Logistic` over :data:`RANK_FEATURES`; ``None``: :func:`fixed_score`).
    Ties keep the lexicon's order."""
    if len(cands) <= 1:
        return cands[:limit]
    if ranker is None:
        return sorted(cands, key=lambda c: -fixed_score(c))[:limit]
    score = ranker.logit(features(spun, cands))
    trusted = np.array([bool(c.sources & _TRUSTED) for c in cands])
    order = np.lexsort((-score, ~trusted))
    return [cands[i] for i in order[:limit]]


def rows(swaps: Iterable[tuple[str, str]], lexicon) -> tuple[np.ndarray, np.ndarray]:
    """Training rows: for each ``(spun, original)`` swap whose original the ``lexicon`` holds,
    every candidate of ``spun``, labelled 1 for the original."""
    X, y = [], []
    for spun, original in swaps:
        cands = lexicon.candidates(spun)
        if len(cands) < 2 or not any(c.word == original for c in cands):
            continue
        X.append(features(spun, cands))
        y.extend(c.word == original for c in cands)
    if not X:
        return np.zeros((0, len(RANK_FEATURES))), np.zeros(0)
    return np.vstack(X), np.array(y, dtype=np.float64)


def fit(X: np.ndarray, y: np.ndarray):
    """The ranking model (needs ``unspin[train]``)."""
    from unspin.train.logistic import Logistic

    return Logistic.fit(X, y, l2=1.0)
