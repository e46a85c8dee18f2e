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
from unspin.decode.candidates import merge_split, public_originals
from unspin.decode.channel import PairEvidence, WordEntry, alters_word, pair_features, word_entry
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
from unspin.decode.features import CONTEXT_FIT
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
    """What one pass over the slots gathered, as arrays.

    Slot ``s`` is the word at position ``pos[s]``, of distinct word ``wid[s]`` (``entries[wid[s]]``,
    numbered by first occurrence); its LM gains, one per candidate, are
    ``deltas[start[s] : start[s + 1]]``.  A hypothesis ``spun <- original`` is a pair
    ``(word, candidate index)``, numbered word by word (the order in which the text first shows
    it); ``pid[i]`` is the pair of gain ``i``."""

    pos: list[int]
    wid: np.ndarray
    entries: list[WordEntry]
    start: np.ndarray
    deltas: np.ndarray
    pid: np.ndarray
    pair_base: np.ndarray  # first pair of each distinct word
    odd_frac: np.ndarray  # per distinct word: mean share of candidates that read better, over its slots
    odd_mean: np.ndarray  # ... and the mean of their mean gain
    pos_delta: int = 0
    public: int = 0
    preferred: int = 0

    @property
    def slots(self) -> dict[int, tuple[list[Candidate], list[float]]]:
        """Position -> (candidates, LM gains) of every scored slot (for tests and inspection)."""
        d = self.deltas.tolist()
        return {j: (self.entries[w].cands, d[self.start[s] : self.start[s + 1]])
                for s, (j, w) in enumerate(zip(self.pos, self.wid.tolist(), strict=True))}


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
    the public-table tallies are not taken again (they describe the text as written).

    The loop only asks the LM; pooling per hypothesis is done on arrays (sums run in the
    order of the slots, as a Python ``sum`` over them would)."""
    slot_scores = model.lm.slot_scores
    near = bytearray(len(words) + 2 * CONTEXT + 1)
    for k in changed or ():
        near[k : k + 2 * CONTEXT + 1] = b"\x01" * (2 * CONTEXT + 1)  # near[j + CONTEXT]: a change within CONTEXT
    before = {j: s for s, j in enumerate(previous.pos)} if previous is not None else {}
    pos: list[int] = []
    wid: list[int] = []
    entries: list[WordEntry] = []
    ids: dict[str, int] = {}
    scores: list[float] = []
    fresh: list[int] = []  # per slot: end of its scores in ``scores`` (fresh), or -1 - its slot in ``previous``
    for n, j in enumerate(slots):
        if not n % 64:
            check_deadline()
        w = words[j]
        if previous is not None and not near[j + CONTEXT]:
            s = before.get(j)
            if s is None:
                continue
            e = previous.entries[previous.wid[s]]
            fresh.append(-1 - s)
        else:
            e = word_entry(model, w, extra)
            if e is None:
                continue
            scores += slot_scores(context[max(0, j - CONTEXT) : j], e.fillers, context[j + 1 : j + 1 + CONTEXT])
            fresh.append(len(scores))
        i = ids.get(w)
        if i is None:
            i = ids[w] = len(entries)
            entries.append(e)
        pos.append(j)
        wid.append(i)
    return _pool(pos, wid, entries, scores, fresh, previous)


def _pool(pos, wid_list, entries, scores, fresh_list, previous: _Evidence | None) -> _Evidence:
    """The arrays of :class:`_Evidence` from what :func:`_gather` collected."""
    wid = np.array(wid_list, dtype=np.intp)
    n_cands = np.array([len(e.cands) for e in entries], dtype=np.intp)
    ks = n_cands[wid]
    start = np.zeros(len(pos) + 1, dtype=np.intp)
    np.cumsum(ks, out=start[1:])
    total = int(start[-1])
    slot = np.repeat(np.arange(len(pos), dtype=np.intp), ks)
    within = np.arange(total, dtype=np.intp) - start[slot]
    fresh = np.array(fresh_list, dtype=np.intp)
    deltas = np.empty(total)
    new = fresh >= 0
    if new.any():
        s_scores = np.array(scores)
        at = new[slot]  # gains of the slots scored now: candidate score minus the word's own
        base = (fresh - ks - 1)[slot[at]]
        deltas[at] = s_scores[base + 1 + within[at]] - s_scores[base]
    if not new.all():
        old = -1 - fresh
        at = ~new[slot]
        deltas[at] = previous.deltas[previous.start[old[slot[at]]] + within[at]]
    pair_base = np.zeros(len(entries), dtype=np.intp)
    np.cumsum(n_cands[:-1], out=pair_base[1:])
    pid = pair_base[wid][slot] + within
    # per slot: share of candidates that read better, mean gain, best gain (sums in slot order)
    sums = np.zeros(len(pos))
    np.add.at(sums, slot, deltas)
    better = np.bincount(slot[deltas > 0], minlength=len(pos))
    best = np.full(len(pos), -np.inf)
    np.maximum.at(best, slot, deltas)
    odd_frac = np.zeros(len(entries))
    odd_mean = np.zeros(len(entries))
    np.add.at(odd_frac, wid, better / ks)
    np.add.at(odd_mean, wid, sums / ks)
    n_slots = np.bincount(wid, minlength=len(entries))
    ev = _Evidence(pos, wid, entries, start, deltas, pid, pair_base, odd_frac / n_slots, odd_mean / n_slots,
                   int((best > 1.0).sum()))
    if previous is None:
        spun = np.array([e.public_spun for e in entries], dtype=bool)[wid]
        ev.public = int(spun.sum())
        src = np.concatenate([e.sources for e in entries]) if entries else np.zeros(0, dtype=np.int64)
        gain = spun[slot] & ((src[pid] & _PUBLIC) > 0) & (deltas > PUBLIC_PREFERRED)
        ev.preferred = int(np.unique(slot[gain]).size)
    return ev


def _scored(model, ev: _Evidence, words: list[str], ctx: list[float]) -> list[PairEvidence]:
    """Keep the hypotheses worth a decision, featurise and score them."""
    n_pairs = int(ev.pair_base[-1] + len(ev.entries[-1].cands)) if ev.entries else 0
    if n_pairs == 0:
        return []
    counts = np.bincount(ev.pid, minlength=n_pairs)
    sums = np.zeros(n_pairs)
    np.add.at(sums, ev.pid, ev.deltas)
    mx = np.full(n_pairs, -np.inf)
    np.maximum.at(mx, ev.pid, ev.deltas)
    mn = np.full(n_pairs, np.inf)
    np.minimum.at(mn, ev.pid, ev.deltas)
    src = np.concatenate([e.sources for e in ev.entries])
    floor = np.where(src & _PUBLIC, PUBLIC_MIN_DELTA, MIN_DELTA)
    kept = np.flatnonzero((mx > floor) | ((src & _TABLE) > 0))
    if not len(kept):
        return []
    word = np.repeat(np.arange(len(ev.entries), dtype=np.intp), [len(e.cands) for e in ev.entries])[kept]
    cand = kept - ev.pair_base[word]
    present = set(words)
    originals = [ev.entries[w].cands[c].word for w, c in zip(word.tolist(), cand.tolist(), strict=True)]
    X = pair_features(
        model, ev.entries, word, cand, sums[kept], counts[kept].astype(float), mx[kept], mn[kept],
        np.array([o in present for o in originals], dtype=float), ev.odd_frac, ev.odd_mean,
    )
    positions: dict[int, list[int]] = {}
    for j, w in zip(ev.pos, ev.wid.tolist(), strict=True):
        positions.setdefault(w, []).append(j)
    if model.vectors is not None:
        uniq, group = np.unique(word, return_inverse=True)
        X[:, CONTEXT_FIT] = model.vectors.context_fit(
            words, [positions[w] for w in uniq.tolist()], [ev.entries[w].word for w in uniq.tolist()], originals,
            group)
    # each hypothesis's gains, in slot order, and the positions of its word
    order = np.argsort(ev.pid, kind="stable")
    grouped = ev.deltas[order].tolist()
    first = np.zeros(n_pairs + 1, dtype=np.intp)
    np.cumsum(counts, out=first[1:])
    hyps = []
    for i, (p, w, c) in enumerate(zip(kept.tolist(), word.tolist(), cand.tolist(), strict=True)):
        e = ev.entries[w]
        hyps.append(PairEvidence(e.word, e.cands[c], list(positions[w]), grouped[first[p] : first[p + 1]], X[i]))
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
