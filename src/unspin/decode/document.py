"""Analyse one document: gather LM evidence for every candidate swap, decide per pair.

A spinner applies one table to the whole document, so evidence is pooled per
hypothesis ``spun word <- original word`` over all its occurrences; the decision (and
the confidence) is made once per pair and applied at every occurrence.  This module runs
the passes over the text; the parts live beside it:

- :mod:`unspin.decode.candidates`: which originals each word may stand for;
- :mod:`unspin.decode.channel`: the pooled evidence of a pair and its features;
- :mod:`unspin.decode.decision`: the two classifier stages, the guards, the verdict.

Densely spun text hides its own evidence (the neighbours of a swapped word are swapped
too), so a second pass re-reads every slot with the first pass's confident edits applied.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np

from unspin.decode.calibration import calibrate, chars
from unspin.decode.candidates import candidates, merge_split, public_originals, public_spun
from unspin.decode.channel import PairEvidence, alters_word, featurise
from unspin.decode.deadline import check as check_deadline
from unspin.decode.decision import (
    CONTAINS_THRESHOLD,
    NO_EVIDENCE_CAP,
    TABLE_CONFIDENCE,
    Analysis,
    density_features,
    document_context,
    score_pairs,
    stage2_matrix,
)
from unspin.lexicon import Candidate, Lexicon, Source
from unspin.result import Result, apply_edits
from unspin.text.page import body_spans
from unspin.text.script import Script, to_simplified
from unspin.text.segment import tokenize

__all__ = [
    "CONTAINS_THRESHOLD", "NO_EVIDENCE_CAP", "TABLE_CONFIDENCE", "Analysis", "PairEvidence", "alters_word", "analyse",
    "chunks", "decode", "density_features", "keep_mask", "document_context", "score_pairs", "stage2_matrix",
]
_PUBLIC = int(Source.PUBLIC)
_TABLE = int(Source.TABLE)
CONTEXT = 2  # words of context on each side (trigram model)
MIN_DELTA = 0.0  # a hypothesis is kept only if it makes some occurrence more probable
PUBLIC_MIN_DELTA = -0.5  # ... or, for a public-table pair, reads at most 3x worse (density may carry it)
PUBLIC_PREFERRED = 0.3  # log10 gain at which the LM "prefers" a public-table original (2x)
CHUNK_CHARS = 50_000  # longer texts are analysed in pieces of about this size (bounded memory)
DECISIVE = (0.05, 0.95)  # detect skips the second pass when the first verdict lies outside this


def _outside_body(text: str) -> np.ndarray | None:
    """Mask of the characters outside the article body (menus, keyword titles, footers, spam
    lines: :func:`unspin.text.page.body_spans`), or None when the whole text is body."""
    spans = body_spans(text)
    if spans == [(0, len(text))]:
        return None
    mask = np.ones(len(text) + 1, dtype=bool)
    for s, e in spans:
        mask[s:e] = False
    return mask


def keep_mask(text: str, keep: frozenset[str]) -> np.ndarray:
    """``True`` at every character of ``text`` inside an occurrence of a keep-list term (never edited)."""
    mask = np.zeros(len(text) + 1, dtype=bool)
    for term in keep:
        start = text.find(term)
        while start >= 0:
            mask[start : start + len(term)] = True
            start = text.find(term, start + 1)
    return mask


@dataclass
class _Evidence:
    """What one pass over the slots gathered (``slots``: index -> (candidates, LM gains))."""

    pairs: dict[tuple[str, str], PairEvidence]
    odd: dict[str, list[float]]
    slots: dict[int, tuple[list[Candidate], list[float]]]
    pos_delta: int = 0
    public: int = 0
    preferred: int = 0


def _open_slots(model, words: list[str], spans, blocked, extra: Lexicon | None) -> list[int]:
    """Indices of the words that have candidates and are not blocked (keep-list, outside the body)."""
    lexicon = model.lexicon
    if blocked is not None:
        cs = np.concatenate([[0], np.cumsum(blocked)])
        hit = [bool(cs[e] - cs[s]) for s, e in spans]
    out = []
    for j, w in enumerate(words):
        if len(w) < 2 or (w not in lexicon and (extra is None or w not in extra)):
            continue
        if blocked is not None and hit[j]:
            continue
        out.append(j)
    return out


def _gather(
    model, words: list[str], slots: list[int], context: list[str], extra: Lexicon | None,
    previous: _Evidence | None = None, changed: set[int] | None = None,
) -> _Evidence:
    """LM evidence for every candidate of every slot; the window around slot ``j`` is read
    from ``context`` (the words as written, or with the first pass's edits applied).  With
    ``previous``, only slots whose window holds a ``changed`` position are scored again, and
    the public-table tallies are not taken again (they describe the text as written)."""
    slot_scores = model.lm.slot_scores
    ev = _Evidence({}, defaultdict(lambda: [0.0, 0.0, 0]), {})
    evidence = ev.pairs
    near = bytearray(len(words) + 2 * CONTEXT + 1)
    for k in changed or ():
        near[k : k + 2 * CONTEXT + 1] = b"\x01" * (2 * CONTEXT + 1)  # near[j + CONTEXT]: a change within CONTEXT
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


def _scored(model, ev: _Evidence, words: list[str], ctx: list[float]) -> list[PairEvidence]:
    """Keep the hypotheses worth a decision, featurise and score them."""
    hyps = [
        h for h in ev.pairs.values()
        if max(h.deltas) > (PUBLIC_MIN_DELTA if h.candidate.sources & _PUBLIC else MIN_DELTA)
        or h.candidate.sources & _TABLE
    ]
    featurise(hyps, set(words), ev.odd, model)
    score_pairs(model, hyps, len(words), ctx)
    return hyps


def _restored_context(words: list[str], hyps: list[PairEvidence], min_p: float) -> list[str] | None:
    """``words`` with every pair at or above ``min_p`` restored (best candidate per spun word),
    or None when nothing changes."""
    best: dict[str, PairEvidence] = {}
    for h in hyps:
        if h.p2 >= min_p and (h.spun not in best or h.p2 > best[h.spun].p2):
            best[h.spun] = h
    if not best:
        return None
    out = list(words)
    for h in best.values():
        for pos in h.positions:
            out[pos] = h.candidate.word
    return out


def analyse(
    text: str, model, keep: frozenset[str] = frozenset(), extra: Lexicon | None = None,
    verdict_only: bool = False,
) -> Analysis:
    """Gather and score the evidence for every candidate swap in ``text``.

    With the model setting ``context_pass`` (a probability), a second pass re-reads every
    slot with the first pass's confident edits applied around it: in densely spun text the
    neighbours of a swapped word are often swapped too, which hides the evidence.  With
    ``verdict_only`` (``unspin detect``), the second pass runs only when the first leaves
    the verdict in doubt (:data:`DECISIVE`).
    """
    traditional = Script.of(text).traditional
    simple = to_simplified(text) if traditional else text
    toks = merge_split([t for t in tokenize(simple) if not t.word.isspace()], model, extra)
    words = [t.word for t in toks]
    spans = [(t.start, t.end) for t in toks]
    blocked = keep_mask(simple, keep) if keep else None
    outside = _outside_body(simple)
    if outside is not None:
        blocked = outside if blocked is None else blocked | outside
    slots = _open_slots(model, words, spans, blocked, extra)
    ev = _gather(model, words, slots, words, extra)
    body = [w for w, (s, _) in zip(words, spans, strict=True) if outside is None or not outside[s]]
    n_orig = sum(w in public_originals(model) for w in body)
    ctx = document_context(len(body), ev.public, ev.preferred, n_orig)
    hyps = _scored(model, ev, words, ctx)
    second = model.settings.get("context_pass")
    if second is not None and verdict_only:
        first = _analysis(text, spans, words, hyps, ev, ev, traditional, n_orig, len(body), model, ctx)
        if not DECISIVE[0] < first.spin_probability < DECISIVE[1]:
            return first
    if second is not None:
        context = _restored_context(words, hyps, float(second))
        if context is not None:
            changed = {j for j, (a, b) in enumerate(zip(words, context, strict=True)) if a != b}
            final = _gather(model, words, slots, context, extra, ev, changed)
            hyps = _scored(model, final, words, ctx)
            return _analysis(text, spans, words, hyps, final, ev, traditional, n_orig, len(body), model, ctx)
    return _analysis(text, spans, words, hyps, ev, ev, traditional, n_orig, len(body), model, ctx)


def _analysis(
    text, spans, words, hyps, ev: _Evidence, first: _Evidence, traditional, n_orig: int, n_body: int, model,
    ctx: list[float],
) -> Analysis:
    """The :class:`Analysis` of the final pass ``ev``; the public-table tallies come from ``first``."""
    pairs: dict[str, list[PairEvidence]] = defaultdict(list)
    for h in hyps:
        pairs[h.spun].append(h)
    a = Analysis(
        text, spans, words, dict(pairs), [], 0.0, ev.pos_delta, traditional, first.public, first.preferred, n_orig,
        n_body, ctx,
    )
    a.doc_features = a.doc_vector(model.edit_threshold)
    raw = float(model.doc.predict(np.array([a.doc_features]))[0]) if model.doc else 0.0
    a.spin_probability = calibrate(model.calibration, raw, chars(text))
    return a


def decode(
    text: str, model, keep: frozenset[str] = frozenset(), extra: Lexicon | None = None,
    verdict_only: bool = False,
) -> Result:
    """Analyse ``text`` and return the shared :class:`Result` (see :func:`analyse`).

    A text over :data:`CHUNK_CHARS` is analysed in pieces cut at line ends (memory stays
    bounded); its spin probability is the length-weighted mean of the pieces'.
    """
    results, starts = [], []
    for start, piece in chunks(text, CHUNK_CHARS):
        results.append(analyse(piece, model, keep, extra, verdict_only).result(model.edit_threshold))
        starts.append(start)
    if len(results) == 1:
        return results[0]
    edits = [replace(e, start=e.start + s, end=e.end + s) for r, s in zip(results, starts, strict=True)
             for e in r.edits]
    prob = sum(r.spin_probability * len(r.text) for r in results) / max(len(text), 1)
    notes = {r.note for r in results if r.note}
    return Result(text, apply_edits(text, edits), prob, edits, note=next(iter(notes)) if notes else None)


def chunks(text: str, size: int) -> list[tuple[int, str]]:
    r"""``(start, piece)`` pieces of at most ``size`` characters, each cut after its last line
    or sentence end (hard at ``size`` when it has none).

    >>> chunks("甲乙。\n丙丁。\n戊", 4)
    [(0, '甲乙。\n'), (4, '丙丁。\n'), (8, '戊')]
    """
    out, start = [], 0
    while len(text) - start > size:
        window = text[start : start + size]
        cut = max(window.rfind("\n"), max(window.rfind(p) for p in "。！？"))
        end = start + (cut + 1 if cut > 0 else size)
        out.append((start, text[start:end]))
        start = end
    out.append((start, text[start:]))
    return out
