"""The decoder's hot path as it was written first, kept as the reference the fast path must equal.

Plain Python per slot and per candidate (one :class:`PairEvidence` per pair, sums and
features built from lists), the public-table tallies per slot, and the boosted trees walked
node by node (:meth:`unspin.train.classifier.Trees._raw_nodes`), and jieba's own segmenter.  :func:`reference_path`
swaps it in for :mod:`unspin.decode.document`'s array code; ``tests/test_hotpath.py`` checks
that both give the same results to the bit.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from unspin.decode import document
from unspin.decode.candidates import candidates, fanout, freq_rank, public_originals, public_pair, public_spun
from unspin.decode.channel import PairEvidence, alters_word
from unspin.decode.deadline import check as check_deadline
from unspin.decode.decision import score_pairs
from unspin.decode.document import CONTEXT, MIN_DELTA, PUBLIC_MIN_DELTA, PUBLIC_PREFERRED
from unspin.decode.features import PAIR_FEATURES
from unspin.lexicon import Candidate, Source
from unspin.text.segment import Token, _jieba, word_freq
from unspin.train.classifier import Trees

_PUBLIC = int(Source.PUBLIC)
_TABLE = int(Source.TABLE)
_POS_DIFFERS = int(Source.POS_DIFFERS)
_TRUSTED = int(Source.USER | Source.LEARNED)


@dataclass
class Evidence:
    """What one pass over the slots gathered (``slots``: index -> (candidates, LM gains))."""

    pairs: dict[tuple[str, str], PairEvidence]
    odd: dict[str, list[float]]
    slots: dict[int, tuple[list[Candidate], list[float]]]
    pos_delta: int = 0
    public: int = 0
    preferred: int = 0


def gather(model, words, slots, context, extra, previous=None, changed=None) -> Evidence:
    slot_scores = model.lm.slot_scores
    ev = Evidence({}, defaultdict(lambda: [0.0, 0.0, 0]), {})
    evidence = ev.pairs
    near = bytearray(len(words) + 2 * CONTEXT + 1)
    for k in changed or ():
        near[k : k + 2 * CONTEXT + 1] = b"\x01" * (2 * CONTEXT + 1)
    for n, j in enumerate(slots):
        if not n % 64:
            check_deadline()
        w = words[j]
        if previous is not None and not near[j + CONTEXT]:
            if j not in previous.slots:
                continue
            cands, ds = previous.slots[j]
        else:
            cands = candidates(model, w, extra)
            if not cands:
                continue
            left = context[max(0, j - CONTEXT) : j]
            right = context[j + 1 : j + 1 + CONTEXT]
            scores = slot_scores(left, [w, *(c.word for c in cands)], right)
            base = scores[0]
            ds = [x - base for x in scores[1:]]
        ev.slots[j] = (cands, ds)
        for c, d in zip(cands, ds, strict=True):
            h = evidence.get((w, c.word))
            if h is None:
                h = evidence[(w, c.word)] = PairEvidence(w, c)
            h.positions.append(j)
            h.deltas.append(d)
        o = ev.odd[w]
        o[0] += sum(d > 0 for d in ds) / len(ds)
        o[1] += sum(ds) / len(ds)
        o[2] += 1
        ev.pos_delta += max(ds) > 1.0
        if previous is None and public_spun(model, w):
            ev.public += 1
            gains = [d for c, d in zip(cands, ds, strict=True) if c.sources & _PUBLIC]
            ev.preferred += max(gains, default=0.0) > PUBLIC_PREFERRED
    return ev


def scored(model, ev: Evidence, words, ctx) -> list[PairEvidence]:
    hyps = [
        h for h in ev.pairs.values()
        if max(h.deltas) > (PUBLIC_MIN_DELTA if h.candidate.sources & _PUBLIC else MIN_DELTA)
        or h.candidate.sources & _TABLE
    ]
    featurise(hyps, set(words), ev.odd, model, words)
    score_pairs(model, hyps, len(words), ctx)
    return hyps


def featurise(hyps: list[PairEvidence], present: set[str], odd: dict, model, words) -> None:
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
    spuns = list(dict.fromkeys(h.spun for h in hyps))
    fit = np.zeros(len(hyps))
    if model.vectors is not None:
        first = {w: next(h.positions for h in hyps if h.spun == w) for w in spuns}
        fit = model.vectors.context_fit(words, [first[w] for w in spuns], spuns, [h.candidate.word for h in hyps],
                                        np.array([spuns.index(h.spun) for h in hyps], dtype=np.intp))
    X = np.hstack([X, np.clip(extra, -15, 15), fit[:, None]])
    for h, row in zip(hyps, X, strict=True):
        h.features = row


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


def tokenize(text: str) -> list[Token]:
    """jieba's own ``cut(HMM=False)`` as tokens."""
    out, pos = [], 0
    for w in _jieba().cut(text, HMM=False):
        out.append(Token(w, pos, pos + len(w)))
        pos += len(w)
    return out


@contextlib.contextmanager
def reference_path():
    """Run :func:`unspin.decode.document.analyse` on the reference code inside this block."""
    saved = document._gather, document._scored, document.tokenize, Trees._raw
    document._gather, document._scored, document.tokenize, Trees._raw = gather, scored, tokenize, Trees._raw_nodes
    try:
        yield
    finally:
        document._gather, document._scored, document.tokenize, Trees._raw = saved
