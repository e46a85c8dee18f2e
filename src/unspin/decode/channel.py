"""The channel: how a swap ``spun <- original`` looks, in features that carry over to unseen pairs.

Evidence for a hypothesis is pooled over all its occurrences in a document
(:class:`PairEvidence`); :func:`pair_features` turns it into the rows the pair classifiers read
(:data:`unspin.decode.features.PAIR_FEATURES`): LM gains, thesaurus / gloss / vector
membership, shared characters, part of speech, frequencies, how odd the spun word reads
among its candidates, and the public table as one prior among them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from unspin.decode.candidates import candidates, fanout, freq_rank, public_originals, public_pair, public_spun
from unspin.decode.features import PAIR_FEATURES, pair_rows, pair_static
from unspin.lexicon import Candidate, Lexicon, Source
from unspin.text.segment import word_freq

_POS_DIFFERS = int(Source.POS_DIFFERS)


@dataclass
class PairEvidence:
    """All the evidence for ``spun <- candidate.word`` in one document."""

    spun: str
    candidate: Candidate
    positions: list[int] = field(default_factory=list)  # indices into the LM word list
    deltas: list[float] = field(default_factory=list)  # log10 P(with original) - log10 P(as written)
    features: np.ndarray | None = None
    p1: float = 0.0
    p2: float = 0.0


def alters_word(spun: str, original: str) -> bool:
    """True when one word holds the other: restoring would delete or add characters of a word."""
    return spun in original or original in spun


@dataclass(slots=True)
class WordEntry:
    """What the decoder needs of one word a spinner may have written, whatever the text around it:
    its candidates (:func:`unspin.decode.candidates.candidates`), the fillers of its LM slot (the
    word itself, then each candidate) and, once a document keeps one of its pairs, the static
    feature rows of its pairs (:func:`unspin.decode.features.pair_static`).  Cached per model."""

    word: str
    cands: list[Candidate]
    fillers: list[str]
    sources: np.ndarray  # int64, per candidate
    public_spun: bool  # the public table writes this word (public_spun)
    static: np.ndarray  # len(cands) x PAIR_FEATURES, static columns only, filled when first needed
    filled: np.ndarray  # bool per candidate: its static row is computed


_NONE = WordEntry("", [], [], np.zeros(0, dtype=np.int64), False, np.zeros((0, 0)), np.zeros(0, dtype=bool))


def word_entry(model, word: str, extra: Lexicon | None) -> WordEntry | None:
    """The :class:`WordEntry` of ``word`` (None when it has no candidate); cached per model for
    words the user lexicon ``extra`` does not hold (their candidates do not depend on it)."""
    if extra is not None and word in extra:
        return _entry(model, word, candidates(model, word, extra))
    cache = model.__dict__.setdefault("_entry_cache", {})
    e = cache.get(word)
    if e is None:
        e = cache[word] = _entry(model, word, candidates(model, word, None)) or _NONE
    return None if e is _NONE else e


def _entry(model, word: str, cands: list[Candidate]) -> WordEntry | None:
    if not cands:
        return None
    return WordEntry(word, cands, [word, *(c.word for c in cands)],
                     np.array([c.sources for c in cands], dtype=np.int64), public_spun(model, word),
                     np.zeros((len(cands), len(PAIR_FEATURES))), np.zeros(len(cands), dtype=bool))


def fill_static(model, pairs: list[tuple[WordEntry, int]]) -> None:
    """Compute the static feature rows of the pairs ``(entry, candidate index)`` that lack them, in one batch
    (only pairs a document keeps: the rest of a word's candidates may never need theirs)."""
    todo = [(e, i) for e, i in pairs if not e.filled[i]]
    if not todo:
        return
    originals = public_originals(model)
    spun = [e.word for e, _ in todo]
    cands = [e.cands[i] for e, i in todo]
    rows = pair_static(
        [c.sources for c in cands], [c.similarity for c in cands], [word_freq(w) for w in spun],
        [word_freq(c.word) for c in cands], [bool(set(w) & set(c.word)) for w, c in zip(spun, cands, strict=True)],
        [len(c.word) - len(w) for w, c in zip(spun, cands, strict=True)],
        [alters_word(w, c.word) for w, c in zip(spun, cands, strict=True)], [w in originals for w in spun],
        [public_pair(model, c.word, w) for w, c in zip(spun, cands, strict=True)],
        [not c.sources & _POS_DIFFERS for c in cands], [freq_rank(model, w) for w in spun],
        [fanout(model, c.word) for c in cands], [fanout(model, w) for w in spun],
    )
    for (e, i), row in zip(todo, rows, strict=True):
        e.static[i] = row
        e.filled[i] = True


def pair_features(
    model, entries: list[WordEntry], word: np.ndarray, cand: np.ndarray, sums: np.ndarray, counts: np.ndarray,
    mx: np.ndarray, mn: np.ndarray, present: np.ndarray, odd_frac: np.ndarray, odd_mean: np.ndarray,
) -> np.ndarray:
    """PAIR_FEATURES rows of the kept hypotheses ``entries[word[i]].cands[cand[i]]`` (ordered by
    spun word), from their pooled gains (``sums`` ... ``mn`` over ``counts`` occurrences), whether the
    original occurs in the document, and the spun word's oddness (``odd_*``, per entry).
    The margin to the best other kept candidate of the same spun word and the rank among them
    are computed here (ties share the better rank)."""
    n = len(word)
    if n == 0:
        return np.zeros((0, len(PAIR_FEATURES)))
    fill_static(model, [(entries[w], c) for w, c in zip(word.tolist(), cand.tolist(), strict=True)])
    uniq, inverse = np.unique(word, return_inverse=True)
    used = [entries[w] for w in uniq.tolist()]
    offset = np.cumsum([0] + [len(e.cands) for e in used[:-1]])
    rows = np.vstack([e.static for e in used])[offset[inverse] + cand]
    means = sums / counts
    order = np.lexsort((-means, word))  # by word, best mean first (a stable sort: ties keep their order)
    w_s, m_s = word[order], means[order]
    first = np.ones(n, dtype=bool)
    first[1:] = w_s[1:] != w_s[:-1]
    group = np.cumsum(first) - 1
    gstart = np.flatnonzero(first)
    size = np.diff(np.append(gstart, n))
    top = m_s[gstart]
    second = np.where(size > 1, m_s[np.minimum(gstart + 1, n - 1)], 0.0)
    fresh = first.copy()
    fresh[1:] |= m_s[1:] != m_s[:-1]
    rank_s = np.maximum.accumulate(np.where(fresh, np.arange(n), 0)) - gstart[group]
    g = np.empty(n, dtype=np.intp)
    g[order] = group
    rank = np.empty(n)
    rank[order] = rank_s
    margins = means - np.where(means >= top[g], second[g], top[g])
    return pair_rows(rows, sums, counts, mx, mn, margins, present, odd_frac[word], odd_mean[word], size[g], rank)
