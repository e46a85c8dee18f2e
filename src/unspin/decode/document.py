"""Analyse one document: gather LM evidence for every candidate swap, decide per pair.

A spinner applies one table to the whole document, so evidence is pooled per
hypothesis ``spun word <- original word`` over all its occurrences; the decision (and
the confidence) is made once per pair and applied at every occurrence.  Two stages:
stage 1 scores each pair from its own evidence; the document's overall spin density
(how many stage-1 pairs look spun) then feeds stage 2, so a word in a heavily spun
document needs less evidence than the same word in clean text.

Two guards sit on top of the classifiers: an edit that deletes or adds characters of a
word (低收入 -> 收入, 扬州市 -> 扬州) needs far stronger evidence than a same-length swap
(:data:`CONTAINS_THRESHOLD`), and a "spun" verdict with no edit to show for it is
lowered below the threshold and says so (``Result.note``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace

import numpy as np

from unspin.decode.deadline import check as check_deadline
from unspin.decode.features import doc_vector, pair_matrix
from unspin.lexicon import Candidate, Lexicon, Source
from unspin.result import DEFAULT_THRESHOLD, Edit, Result, apply_edits
from unspin.text.page import body_spans
from unspin.text.script import Script, to_simplified, to_traditional
from unspin.text.segment import Token, tokenize, word_freq

CONTEXT = 2  # words of context on each side (trigram model)


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


@dataclass
class Analysis:
    """Everything the decoder found in one document (the training code reads it too)."""

    text: str
    spans: list[tuple[int, int]]  # code-point span of each LM word
    words: list[str]
    pairs: dict[str, list[PairEvidence]]
    doc_features: list[float]
    spin_probability: float
    pos_delta: int = 0  # occurrences where some candidate beats the written word by > 10x
    traditional: bool = False  # the input was Traditional script: originals are given back in it
    public: int = 0  # occurrences of words the public spinner table writes
    preferred: int = 0  # ... of which the LM prefers one of the table's originals
    originals: int = 0  # occurrences of words the public table rewrites (left in place)
    n_body: int = 0  # words in the article body (see unspin.text.page.body_spans); 0 = all words

    def public_context(self) -> list[float]:
        """Stage 2's public-table context of this document (:func:`public_context`)."""
        return public_context(self.n_body or len(self.words), self.public, self.preferred, self.originals)

    def doc_vector(self, edit_threshold: float) -> list[float]:
        """The detector's features from the current pair probabilities (see ``DOC_FEATURES``)."""
        best_p = [max(h.p2 for h in row) for row in self.pairs.values()]
        n = self.n_body or len(self.words)
        return doc_vector(best_p, n, self.pos_delta, edit_threshold, self.public, self.preferred, self.originals)

    def result(self, edit_threshold: float, max_alternatives: int = 4) -> Result:
        """Turn the evidence into the shared :class:`Result` (edits above ``edit_threshold``).

        A "spun" verdict that no edit supports is lowered below the default threshold,
        with a note saying so.
        """
        edits: list[Edit] = []
        for hyps in self.pairs.values():
            ranked = sorted(hyps, key=lambda h: -h.p2)
            best = ranked[0]
            if best.p2 < edit_threshold or not _passes_guard(best, edit_threshold):
                continue
            alts = [h.candidate.word for h in ranked[1:] if h.p2 >= 0.05][:max_alternatives]
            orig = best.candidate.word
            if self.traditional:
                orig, alts = to_traditional(orig), [to_traditional(a) for a in alts]
            for pos in best.positions:
                s, e = self.spans[pos]
                edits.append(Edit(s, e, self.text[s:e], orig, round(best.p2, 4), alts))
        edits.sort(key=lambda e: e.start)
        prob, note = self.spin_probability, None
        if not edits and prob >= DEFAULT_THRESHOLD:
            prob = min(prob, NO_EVIDENCE_CAP)
            note = "reads like spun text, but no swapped word can be shown: verdict lowered"
        return Result(self.text, apply_edits(self.text, edits), prob, edits, note=note)


def alters_word(spun: str, original: str) -> bool:
    """True when one word holds the other: restoring would delete or add characters of a word."""
    return spun in original or original in spun


def _passes_guard(h: PairEvidence, edit_threshold: float) -> bool:
    """Edits that delete or add part of a word need far stronger evidence (see module docstring)."""
    if not alters_word(h.spun, h.candidate.word) or h.candidate.sources & _TRUSTED:
        return True
    return h.p2 >= max(edit_threshold, CONTAINS_THRESHOLD) and min(h.deltas) >= CONTAINS_MIN_DELTA


def _rank(c: Candidate) -> float:
    strong = bool(c.sources & _STRONG)
    return (
        4.0 * bool(c.sources & _PUBLIC) + 3.0 * strong + bool(c.sources & _CNSYN) + c.similarity
        + 0.3 * math.log10(word_freq(c.word) + 1)
    )


_STRONG = int(Source.CILIN | Source.USER | Source.LEARNED)
_TRUSTED = int(Source.USER | Source.LEARNED | Source.TABLE)
_CNSYN = int(Source.CNSYN)
_TABLE = int(Source.TABLE)
_PUBLIC = int(Source.PUBLIC)
MIN_DELTA = 0.0  # a hypothesis is kept only if it makes some occurrence more probable
PUBLIC_MIN_DELTA = -0.5  # ... or, for a public-table pair, reads at most 3x worse (density may carry it)
TABLE_CONFIDENCE = 0.9  # floor for user-asserted spinner-table pairs (Source.TABLE)
CONTAINS_THRESHOLD = 0.97  # pair probability an edit that deletes/adds part of a word needs
CONTAINS_MIN_DELTA = 1.0  # ... and every occurrence must read 10x better restored
PUBLIC_PREFERRED = 0.3  # log10 gain at which the LM "prefers" a public-table original (2x)
NO_EVIDENCE_CAP = 0.45  # a verdict with no edit to show is lowered to this
MAX_MERGE = 4  # tokens joined at most to find a spun word the segmenter split
CHUNK_CHARS = 50_000  # longer texts are analysed in pieces of about this size (bounded memory)
DECISIVE = (0.05, 0.95)  # detect skips the second pass when the first verdict lies outside this
DENSITY_PRIOR = 60  # natural words added to every document when rating its spin density


def _candidates(model, word: str, extra: Lexicon | None) -> list[Candidate]:
    """Candidate originals of ``word``, strongest first, at most ``model.max_candidates``."""
    cache = model.__dict__.setdefault("_cand_cache", {})
    if extra is None and word in cache:
        return cache[word]
    cands = model.lexicon.candidates(word)
    if extra is not None and word in extra:
        merged = {c.word: c for c in cands}
        for c in extra.candidates(word):
            old = merged.get(c.word)
            merged[c.word] = Candidate(c.word, c.sources | (old.sources if old else 0), 1.0)
        cands = list(merged.values())
    cands = sorted(cands, key=lambda c: -_rank(c))[: model.max_candidates]
    if extra is None:
        cache[word] = cands
    return cands


def _public_spun(model, word: str) -> bool:
    """True when the public spinner table writes ``word`` (it has a ``Source.PUBLIC`` candidate)."""
    return bool(_public_sources(model, word))


def _public_sources(model, word: str) -> frozenset[str]:
    """The originals the public table (known part) rewrites as ``word`` (cached per model)."""
    cache = model.__dict__.setdefault("_public_cache", {})
    v = cache.get(word)
    if v is None:
        v = cache[word] = frozenset(c.word for c in model.lexicon.candidates(word) if c.sources & _PUBLIC)
    return v


def _public_pair(model, spun: str, original: str) -> bool:
    """True when the public table (known part) has ``original -> spun``."""
    return original in _public_sources(model, spun)


def _public_originals(model) -> frozenset[str]:
    """Words the public table (known part) rewrites: a spinner leaves few of them in place."""
    v = model.__dict__.get("_public_originals")
    if v is None:
        from unspin.lexicon import public

        v = model.__dict__["_public_originals"] = frozenset(o for o, _ in public.pairs("known"))
    return v


def _merge_split(toks: list[Token], model, extra: Lexicon | None) -> list[Token]:
    """Join adjacent tokens that together form a word a spinner writes.

    A spinner's odd words are often split by the segmenter (本年 -> 本 / 年,
    不克不及 -> 不克 / 不及), which would hide them from the decoder.  Two one-character
    tokens are joined when they form any lexicon word; up to :data:`MAX_MERGE` tokens
    when they form a word of the public spinner table.
    """
    lexicon = model.lexicon
    out: list[Token] = []
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        merged, word, end = None, t.word, t.end
        for k in range(2, min(MAX_MERGE, n - i) + 1):
            nxt = toks[i + k - 1]
            if nxt.start != end or len(word) + len(nxt.word) > 6:
                break
            word, end = word + nxt.word, nxt.end
            if word not in lexicon and (extra is None or word not in extra):
                continue
            singles = k == 2 and len(t.word) == 1 and len(nxt.word) == 1
            if singles or _public_spun(model, word) or (extra is not None and word in extra):
                merged = (Token(word, t.start, end), k)  # keep looking: the longest join wins
        if merged is None:
            out.append(t)
            i += 1
        else:
            out.append(merged[0])
            i += merged[1]
    return out


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
            cands = _candidates(model, w, extra)
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
        if previous is None and _public_spun(model, w):
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
    _featurise(hyps, set(words), ev.odd, model)
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
    toks = _merge_split([t for t in tokenize(simple) if not t.word.isspace()], model, extra)
    words = [t.word for t in toks]
    spans = [(t.start, t.end) for t in toks]
    blocked = keep_mask(simple, keep) if keep else None
    outside = _outside_body(simple)
    if outside is not None:
        blocked = outside if blocked is None else blocked | outside
    slots = _open_slots(model, words, spans, blocked, extra)
    ev = _gather(model, words, slots, words, extra)
    body = [w for w, (s, _) in zip(words, spans, strict=True) if outside is None or not outside[s]]
    n_orig = sum(w in _public_originals(model) for w in body)
    ctx = public_context(len(body), ev.public, ev.preferred, n_orig)
    hyps = _scored(model, ev, words, ctx)
    second = model.settings.get("context_pass")
    if second is not None and verdict_only:
        first = _analysis(text, spans, words, hyps, ev, ev, traditional, n_orig, len(body), model)
        if not DECISIVE[0] < first.spin_probability < DECISIVE[1]:
            return first
    if second is not None:
        context = _restored_context(words, hyps, float(second))
        if context is not None:
            changed = {j for j, (a, b) in enumerate(zip(words, context, strict=True)) if a != b}
            final = _gather(model, words, slots, context, extra, ev, changed)
            hyps = _scored(model, final, words, ctx)
            return _analysis(text, spans, words, hyps, final, ev, traditional, n_orig, len(body), model)
    return _analysis(text, spans, words, hyps, ev, ev, traditional, n_orig, len(body), model)


def _analysis(
    text, spans, words, hyps, ev: _Evidence, first: _Evidence, traditional, n_orig: int, n_body: int, model
) -> Analysis:
    """The :class:`Analysis` of the final pass ``ev``; the public-table tallies come from ``first``."""
    pairs: dict[str, list[PairEvidence]] = defaultdict(list)
    for h in hyps:
        pairs[h.spun].append(h)
    a = Analysis(
        text, spans, words, dict(pairs), [], 0.0, ev.pos_delta, traditional, first.public, first.preferred, n_orig,
        n_body,
    )
    a.doc_features = a.doc_vector(model.edit_threshold)
    a.spin_probability = float(model.doc.predict(np.array([a.doc_features]))[0]) if model.doc else 0.0
    return a


def _featurise(hyps: list[PairEvidence], present: set[str], odd: dict, model) -> None:
    originals = _public_originals(model)
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
        [_public_pair(model, h.candidate.word, h.spun) for h in hyps],
    )
    extra = np.array(
        [
            [
                odd[h.spun][0] / odd[h.spun][2], odd[h.spun][1] / odd[h.spun][2], len(top[h.spun]), r,
                _freq_rank(model, h.spun), _fanout(model, h.candidate.word), _fanout(model, h.spun),
            ]
            for h, r in zip(hyps, ranks, strict=True)
        ]
    ).reshape(len(hyps), 7)
    X = np.hstack([X, np.clip(extra, -15, 15)])
    for h, row in zip(hyps, X, strict=True):
        h.features = row


def _fanout(model, word: str) -> float:
    """log(1 + number of words ``word`` may stand for): a channel prior (spinners pick among them)."""
    cache = model.__dict__.setdefault("_fan_cache", {})
    v = cache.get(word)
    if v is None:
        v = cache[word] = math.log1p(len(model.lexicon.candidates(word)))
    return v


def _freq_rank(model, word: str) -> float:
    """log10 frequency of ``word`` minus that of its most frequent candidate (spinners pick rare words)."""
    cache = model.__dict__.setdefault("_freq_rank_cache", {})
    v = cache.get(word)
    if v is None:
        best = max((word_freq(c.word) for c in model.lexicon.candidates(word)), default=0)
        v = cache[word] = math.log10(word_freq(word) + 1) - math.log10(best + 1)
    return v


def public_context(n_words: int, public: int, preferred: int, originals: int) -> list[float]:
    """How much the document looks like public-table spin, for stage 2: words the table writes
    that the LM would rather restore (per 100 words, and as a share), and words the table
    rewrites still in place (a spinner leaves few)."""
    n = n_words + DENSITY_PRIOR
    return [100.0 * preferred / n, preferred / (public + 3), 100.0 * originals / n]


def density_features(p1: list[float], n_words: int) -> list[float]:
    """Document context for stage 2: how spun the document looks from stage 1 alone.

    Rates are per 100 words plus :data:`DENSITY_PRIOR` natural ones, so that one odd word
    in a 60-word snippet does not make it look densely spun.
    """
    n = n_words + DENSITY_PRIOR
    ps = sorted(p1, reverse=True)
    return [100.0 * sum(p >= 0.5 for p in ps) / n, 100.0 * sum(ps) / n]


def stage2_matrix(model, hyps: list[PairEvidence], n_words: int, ctx: list[float]) -> np.ndarray:
    """Score ``hyps`` with stage 1 (sets ``p1``) and return stage 2's inputs: each pair's
    features plus the document's density computed from the stage-1 probabilities and its
    public-table context ``ctx`` (:func:`public_context`)."""
    X = np.vstack([h.features for h in hyps])
    best: dict[str, float] = {}
    for h, p in zip(hyps, model.pair_stage1.predict(X), strict=True):
        h.p1 = float(p)
        best[h.spun] = max(best.get(h.spun, 0.0), h.p1)
    dens = density_features(list(best.values()), n_words) + list(ctx)
    return np.hstack([X, np.tile(dens, (len(hyps), 1))])


def score_pairs(model, hyps: list[PairEvidence], n_words: int, ctx: list[float]) -> None:
    """Set ``p1`` and ``p2`` of every hypothesis (user table pairs get at least TABLE_CONFIDENCE)."""
    if not hyps or model.pair_stage1 is None:
        return
    X2 = stage2_matrix(model, hyps, n_words, ctx)
    p2 = model.pair_stage2.predict(X2) if model.pair_stage2 is not None else [h.p1 for h in hyps]
    for h, p in zip(hyps, p2, strict=True):
        h.p2 = max(float(p), TABLE_CONFIDENCE) if h.candidate.sources & _TABLE else float(p)


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
