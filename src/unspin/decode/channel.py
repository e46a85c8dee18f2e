"""The channel: how a swap ``spun <- original`` looks, in features that carry over to unseen pairs.

Evidence for a hypothesis is pooled over all its occurrences in a document
(:class:`PairEvidence`); :func:`featurise` turns it into the row the pair classifiers read
(:data:`unspin.decode.features.PAIR_FEATURES`): LM gains, thesaurus / gloss / vector
membership, shared characters, part of speech, frequencies, how odd the spun word reads
among its candidates, and the public table as one prior among them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from unspin.decode.candidates import fanout, freq_rank, public_originals, public_pair
from unspin.decode.features import pair_matrix
from unspin.lexicon import Candidate, Source
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


def featurise(hyps: list[PairEvidence], present: set[str], odd: dict, model) -> None:
    originals = public_originals(model)
    means = [sum(h.deltas) / len(h.deltas) for h in hyps]
    top: dict[str, list[float]] = defaultdict(list)
    for h, m in zip(hyps, means, strict=True):
        top[h.spun].append(m)
    for v in top.values():
        v.sort(reverse=True)
    margins, ranks = [], []
    for h, m in zip(hyps, means, strict=True):
        ms = top[h.spun]
        other = (ms[1] if len(ms) > 1 else 0.0) if m >= ms[0] else ms[0]
        margins.append(m - other)
        ranks.append(ms.index(m))
    X = pair_matrix(
        [h.deltas for h in hyps], margins, [h.candidate.sources for h in hyps],
        [h.candidate.similarity for h in hyps], [word_freq(h.spun) for h in hyps],
        [word_freq(h.candidate.word) for h in hyps],
        [bool(set(h.spun) & set(h.candidate.word)) for h in hyps],
        [len(h.candidate.word) - len(h.spun) for h in hyps], [h.candidate.word in present for h in hyps],
        [alters_word(h.spun, h.candidate.word) for h in hyps],
        [h.spun in originals for h in hyps],
        [public_pair(model, h.candidate.word, h.spun) for h in hyps],
        [not h.candidate.sources & _POS_DIFFERS for h in hyps],
    )
    extra = np.array(
        [
            [
                odd[h.spun][0] / odd[h.spun][2], odd[h.spun][1] / odd[h.spun][2], len(top[h.spun]), r,
                freq_rank(model, h.spun), fanout(model, h.candidate.word), fanout(model, h.spun),
            ]
            for h, r in zip(hyps, ranks, strict=True)
        ]
    ).reshape(len(hyps), 7)
    X = np.hstack([X, np.clip(extra, -15, 15)])
    for h, row in zip(hyps, X, strict=True):
        h.features = row
