"""Feature vectors for the pair (channel) model and the document (detector) model.

Pure functions of the evidence gathered by :mod:`unspin.decode.document`; the weights
that combine them are learned by ``unspin train``.
"""

from __future__ import annotations

import math

import numpy as np

from unspin.lexicon import Source

PAIR_FEATURES = [
    "sum_delta", "max_delta", "mean_delta", "min_delta", "log_n", "margin",
    "thesaurus", "cnsyn", "vector", "trusted", "similarity",
    "freq_ratio", "log_freq_spun", "shared_char", "len_diff", "original_present",
    # added by the decoder: how odd the spun word reads among all its candidates
    "public", "contains", "spun_is_public_original", "public_reverse",
    # generic channel features that carry over to pairs no table holds
    "gloss", "doubtful", "same_pos",
    # added by the decoder: how odd the spun word reads among all its candidates
    "odd_frac", "odd_mean", "n_candidates_kept", "delta_rank", "freq_rank_spun", "fanout_orig", "fanout_spun",
    # added by the decoder: how much better the original fits the words around it (unspin.lexicon.vectors)
    "context_fit",
]
CONTEXT_FIT = PAIR_FEATURES.index("context_fit")
DOC_FEATURES = [
    "edits_per_100", "sum_p", "max_p", "top3_p", "log_words", "pos_delta_rate",
    "public_per_100", "public_preferred_per_100", "public_preferred_share", "public_originals_per_100",
    "log_distinct_edits",
]
_TRUSTED = int(Source.USER | Source.LEARNED)


STATIC = [i for i, name in enumerate(PAIR_FEATURES) if name not in (
    "sum_delta", "max_delta", "mean_delta", "min_delta", "log_n", "margin", "original_present",
    "odd_frac", "odd_mean", "n_candidates_kept", "delta_rank", "context_fit")]
"""Columns that depend on the pair ``spun <- original`` and the model alone (cached per word)."""


def pair_static(
    sources: list[int], sims: list[float], freq_spun: list[int], freq_orig: list[int], shared: list[bool],
    len_diff: list[int], contains: list[bool], rewritten: list[bool], reverse: list[bool], same_pos: list[float],
    freq_rank_spun: list[float], fanout_orig: list[float], fanout_spun: list[float],
) -> np.ndarray:
    """Rows of PAIR_FEATURES with the :data:`STATIC` columns filled (the rest 0): one row per pair."""
    n = len(sources)
    X = np.zeros((n, len(PAIR_FEATURES)))
    if n == 0:
        return X
    src = np.asarray(sources, dtype=np.int64)
    fs = np.log10(np.asarray(freq_spun, dtype=float) + 1)
    fo = np.log10(np.asarray(freq_orig, dtype=float) + 1)
    cols = {
        6: (src & Source.CILIN) > 0, 7: (src & Source.CNSYN) > 0, 8: (src & Source.VECTOR) > 0,
        9: (src & _TRUSTED) > 0, 10: sims, 11: fo - fs, 12: fs, 13: shared, 14: len_diff,
        16: (src & Source.PUBLIC) > 0, 17: contains, 18: rewritten, 19: reverse,
        20: (src & Source.GLOSS) > 0, 21: (src & Source.DOUBTFUL) > 0, 22: same_pos,
    }
    for i, c in cols.items():
        X[:, i] = np.asarray(c, dtype=float)
    X[:, 27:30] = np.clip(np.array([freq_rank_spun, fanout_orig, fanout_spun], dtype=float).T, -15, 15)
    return X


def pair_rows(
    static: np.ndarray, sums: np.ndarray, counts: np.ndarray, mx: np.ndarray, mn: np.ndarray, margins: np.ndarray,
    present: np.ndarray, odd_frac: np.ndarray, odd_mean: np.ndarray, n_kept: np.ndarray, rank: np.ndarray,
) -> np.ndarray:
    """The full PAIR_FEATURES rows: ``static`` (:func:`pair_static`, one row per pair, overwritten) with the
    document's evidence: the pooled LM gains (sum, max, mean, min over the occurrences, their count),
    the margin to the best other candidate, whether the original occurs in the document, how odd
    the spun word reads among its candidates (share and mean of gains, candidates kept, rank)."""
    X = static
    X[:, 0] = sums
    X[:, 1] = mx
    X[:, 2] = sums / counts
    X[:, 3] = mn
    X[:, 4] = np.log1p(counts)
    X[:, 5] = margins
    X[:, :6] = np.clip(X[:, :6], -15, 15)
    X[:, 15] = present
    X[:, 23] = odd_frac
    X[:, 24] = odd_mean
    X[:, 25] = n_kept
    X[:, 26] = rank
    X[:, 23:27] = np.clip(X[:, 23:27], -15, 15)
    return X


def doc_vector(
    best_p: list[float], n_words: int, pos_delta: int, threshold: float, public: int = 0, preferred: int = 0,
    originals: int = 0,
) -> list[float]:
    """Features of a document from the best pair probability of each distinct candidate word.

    ``public`` counts occurrences of words the public spinner table writes, ``preferred``
    those where the language model prefers one of the table's originals, ``originals``
    words the table would rewrite, still in place (see DOC_FEATURES).
    """
    ps = sorted(best_p, reverse=True)
    n = max(n_words, 1)
    return [
        100.0 * sum(p >= threshold for p in ps) / n,
        100.0 * sum(ps) / n,
        ps[0] if ps else 0.0,
        sum(ps[:3]) / 3.0,
        math.log(n),
        100.0 * pos_delta / n,
        100.0 * public / n,
        100.0 * preferred / n,
        preferred / max(public, 1),
        100.0 * originals / n,
        math.log1p(sum(p >= threshold for p in ps)),
    ]
