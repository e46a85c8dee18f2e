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
]
DOC_FEATURES = [
    "edits_per_100", "sum_p", "max_p", "top3_p", "log_words", "pos_delta_rate",
    "public_per_100", "public_preferred_per_100", "public_preferred_share", "public_originals_per_100",
    "log_distinct_edits",
]
_TRUSTED = int(Source.USER | Source.LEARNED)


def pair_matrix(
    deltas: list[list[float]], margins: list[float], sources: list[int], sims: list[float],
    freq_spun: list[int], freq_orig: list[int], shared: list[bool], len_diff: list[int],
    present: list[bool], contains: list[bool], rewritten: list[bool], reverse: list[bool],
    same_pos: list[float],
) -> np.ndarray:
    """One row per hypothesis ``spun <- original`` pooled over its occurrences (see PAIR_FEATURES)."""
    n = len(deltas)
    if n == 0:
        return np.zeros((0, len(PAIR_FEATURES)))
    sums = np.fromiter((sum(d) for d in deltas), float, n)
    counts = np.fromiter((len(d) for d in deltas), float, n)
    mx = np.fromiter((max(d) for d in deltas), float, n)
    mn = np.fromiter((min(d) for d in deltas), float, n)
    src = np.asarray(sources, dtype=np.int64)
    fs = np.log10(np.asarray(freq_spun, dtype=float) + 1)
    fo = np.log10(np.asarray(freq_orig, dtype=float) + 1)
    cols = [
        sums, mx, sums / counts, mn, np.log1p(counts), np.asarray(margins, float),
        (src & Source.CILIN) > 0, (src & Source.CNSYN) > 0, (src & Source.VECTOR) > 0,
        (src & _TRUSTED) > 0, np.asarray(sims, float), fo - fs, fs,
        np.asarray(shared, float), np.asarray(len_diff, float), np.asarray(present, float),
        (src & Source.PUBLIC) > 0, np.asarray(contains, float), np.asarray(rewritten, float),
        np.asarray(reverse, float),
        (src & Source.GLOSS) > 0, (src & Source.DOUBTFUL) > 0, np.asarray(same_pos, float),
    ]
    X = np.column_stack([np.asarray(c, dtype=float) for c in cols])
    X[:, :6] = np.clip(X[:, :6], -15, 15)
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
