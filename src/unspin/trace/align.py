"""Sentence alignment of a query against one source, and the substitutions it reveals.

Each query sentence is matched to the source sentence sharing the most anchor shingles
(see :mod:`unspin.trace.fingerprint`); consecutive matches become *passages*.  Inside
each aligned sentence pair a character-level diff, read as word swaps, gives the spinner's
swaps (spun → original: :mod:`unspin.trace.swaps`).

>>> from unspin.trace.fingerprint import Fingerprinter
>>> fp = Fingerprinter(frozenset({"今年", "本年", "交付", "交给"}), k=3)
>>> src = "雷军在发布会上说，今年要交付三十万辆车。其他内容不相关。"
>>> a = align("雷军在发布会上说，本年要交给三十万辆车。", src, fp)
>>> [(p.query_start, p.query_end, p.source_start, p.source_end) for p in a.passages]
[(0, 20, 0, 20)]
>>> sorted((s.spun, s.original) for s in a.substitutions("雷军在发布会上说，本年要交给三十万辆车。", src))
[('交给', '交付'), ('本年', '今年')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from unspin.text.decode import han_count
from unspin.text.script import to_simplified
from unspin.trace.fingerprint import Fingerprinter, shingle_ids
from unspin.trace.swaps import Substitution, document_swaps

_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]*|[。！？!?；;\n]+")
MIN_SIMILARITY = 0.5
"""Share of a query sentence's shingles a source sentence must hold to be aligned."""
MIN_SENTENCE_SHARED = 3
"""Least number of shingles an aligned sentence pair must share."""
EXTEND_SIMILARITY = 0.35
"""Next to an aligned pair, the neighbouring sentences align with this share of shingles (and
``EXTEND_SHARED``): copies keep sentence order, so a weakly matching neighbour is part of the run."""
EXTEND_SHARED = 2
RAW_MIN_SIMILARITY = 0.3
"""A sentence whose anchors do not align it still aligns when its source sentence holds this share
of its raw (unmasked) shingles, and ``RAW_MIN_SHARED`` of them: the stretches a spinner left alone."""
RAW_MIN_SHARED = 6


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    shingles: frozenset[int]
    """Anchor shingles."""
    raw: frozenset[int] = frozenset()
    """Raw shingles (letters and digits, nothing masked)."""


@dataclass(frozen=True, slots=True)
class Passage:
    """Aligned spans ``[query_start, query_end)`` and ``[source_start, source_end)``."""

    query_start: int
    query_end: int
    source_start: int
    source_end: int


@dataclass
class Alignment:
    """How one source explains a query: passages, swaps, and the shingles they share."""

    pairs: list[tuple[int, int, int, int]] = field(default_factory=list)
    shared: int = 0
    aligned_chars: int = 0
    query_sentences: list[tuple[int, int, int]] = field(default_factory=list)
    """``(index in the query's sentences, shared anchor shingles, shared raw shingles)`` of every
    aligned query sentence."""
    query_shingles: int = 0
    """Anchor shingles of the aligned query sentences."""
    raw_shared: int = 0
    """Raw shingles the aligned sentence pairs share."""

    @property
    def similarity(self) -> float:
        """Share of the aligned query sentences' shingles found in their source sentences."""
        return self.shared / self.query_shingles if self.query_shingles else 0.0

    @property
    def sentences(self) -> int:
        """Distinct source sentences aligned."""
        return len({(ss, se) for _, _, ss, se in self.pairs})

    @property
    def passages(self) -> list[Passage]:
        return merge_passages(self.pairs)

    def substitutions(self, query: str, source: str) -> list[Substitution]:
        """The swaps inside every aligned sentence pair (see :func:`word_swaps`), solved together.

        The whole document is one spinner's work: a pair the diff shows in one place makes the
        same reading likelier wherever else it fits (see :func:`document_swaps`).
        """
        return document_swaps([(query[qs:qe], source[ss:se], qs) for qs, qe, ss, se in self.pairs])


def sentences(text: str, fp: Fingerprinter, raw: bool = True) -> list[Sentence]:
    """Sentences of ``text`` (with trailing punctuation) and their anchor and raw shingle sets
    (``raw=False``: anchors only, raw sets left empty).

    The text is masked once as a whole and each sentence's shingles read from it: the same
    anchors as masking each sentence alone, since no vocabulary word holds a sentence break
    (checked once per vocabulary; otherwise, and for text that Simplified conversion would
    change again, each sentence is masked alone).

    >>> fp = Fingerprinter(frozenset(), k=2)
    >>> [(s.start, s.end) for s in sentences("甲乙丙。丁戊！", fp)]
    [(0, 4), (4, 7)]
    """
    t = _simplified(text)  # same length: offsets hold
    spans = _spans(t)
    anchors, raws = _sentence_ids(t, spans, fp)
    return [Sentence(start, end, frozenset(ids.tolist()), frozenset(r.tolist()) if raw else frozenset())
            for (start, end), ids, r in zip(spans, anchors, raws, strict=True)]


def _spans(t: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``t`` (blank ones left out)."""
    return [m.span() for m in _SENTENCE.finditer(t) if m.group().strip()]


def _sentence_ids(t: str, spans: list[tuple[int, int]],
                  fp: Fingerprinter) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The anchor and the raw shingle ids of each sentence ``t[start:end]`` of the Simplified text ``t``."""
    if len(spans) < 2 or not _breaks_free(fp) or _simplified(t) is not t:
        return ([shingle_ids(fp.anchor_text(t[a:b], simplified=True), fp.k) for a, b in spans],
                [fp.raw_shingles(t[a:b], simplified=True) for a, b in spans])
    anchors, anchor_pos, raw, raw_pos = fp.shingles_at(t)
    return _cut(anchors, anchor_pos, spans, fp.k), _cut(raw, raw_pos, spans, fp.k)


def _cut(ids: np.ndarray, pos: np.ndarray, spans: list[tuple[int, int]], k: int) -> list[np.ndarray]:
    """The shingles ``ids`` (shingle ``i`` starting at offset ``pos[i]``) lying wholly inside each span."""
    cut = np.searchsorted(pos, np.asarray(spans, dtype=np.int64).ravel()).tolist()
    return [ids[a : b - k + 1] if b - a >= k else ids[:0] for a, b in zip(cut[::2], cut[1::2], strict=True)]


def _simplified(text: str) -> str:
    """``to_simplified(text)``, and ``text`` itself (the same object) when it holds no character that
    conversion changes: a scan for them costs far less than converting."""
    global _TRADITIONAL
    if _TRADITIONAL is None:
        changed = sorted(c for c in map(chr, range(0x10000)) if to_simplified(c) != c)
        _TRADITIONAL = re.compile("[" + re.escape("".join(changed)) + "]") if changed else re.compile("(?!)")
    return to_simplified(text) if _TRADITIONAL.search(text) else text


_TRADITIONAL: re.Pattern | None = None
_BREAKS = frozenset("。！？!?；;\n")


def _breaks_free(fp: Fingerprinter) -> bool:
    """Whether no word of ``fp``'s vocabulary holds a sentence break (cached per vocabulary)."""
    key = id(fp.vocabulary)
    hit = _BREAKS_FREE.get(key)
    if hit is None or hit[0] is not fp.vocabulary:
        hit = _BREAKS_FREE[key] = (fp.vocabulary, not any(_BREAKS.intersection(w) for w in fp.vocabulary))
    return hit[1]


_BREAKS_FREE: dict[int, tuple[frozenset[str], bool]] = {}


class _Pairs:
    """The ``(shingle, sentence)`` pairs of a text's sentences, as given (a sentence may repeat a
    shingle); what :meth:`shared` counts two texts' sentences by."""

    __slots__ = ("hashes", "sents", "count", "_distinct", "_sizes")

    def __init__(self, per_sentence: list[np.ndarray]) -> None:
        self.hashes = np.concatenate(per_sentence) if per_sentence else np.zeros(0, dtype=np.int64)
        self.sents = np.repeat(np.arange(len(per_sentence)), [len(ids) for ids in per_sentence])
        self.count = len(per_sentence)
        self._distinct: tuple[np.ndarray, np.ndarray] | None = None
        self._sizes: list[int] | None = None

    @classmethod
    def of_sets(cls, sets: list[frozenset[int]]) -> _Pairs:
        return cls([np.fromiter(s, dtype=np.int64, count=len(s)) for s in sets])

    @property
    def distinct(self) -> tuple[np.ndarray, np.ndarray]:
        """``(hashes, sentences)``: the distinct pairs, sorted by shingle (then sentence)."""
        if self._distinct is None:
            self._distinct = _distinct(self.hashes, self.sents)
        return self._distinct

    @property
    def sizes(self) -> list[int]:
        """How many distinct shingles each sentence holds."""
        if self._sizes is None:
            self._sizes = np.bincount(self.distinct[1], minlength=self.count).tolist()
        return self._sizes

    def shared(self, other: _Pairs) -> np.ndarray:
        """``out[i, j]``: how many shingles sentence ``i`` of this text shares with sentence ``j`` of
        ``other`` (this text's pairs sorted once, ``other``'s looked up as they are: a query's against
        all its candidates')."""
        hashes, sents = self.distinct
        n, m = self.count, other.count
        if not len(hashes):
            return np.zeros((n, m), dtype=np.int64)
        hit = np.flatnonzero(hashes[np.minimum(np.searchsorted(hashes, other.hashes), len(hashes) - 1)] == other.hashes)
        if not len(hit):
            return np.zeros((n, m), dtype=np.int64)
        theirs, mine = _distinct(other.hashes[hit], other.sents[hit])  # the shared pairs, once each
        lo = np.searchsorted(hashes, theirs, "left")
        count = np.searchsorted(hashes, theirs, "right") - lo
        ends = np.cumsum(count)
        at = np.arange(ends[-1]) + np.repeat(lo - (ends - count), count)  # this text's pairs holding each
        cells = sents[at] * m + np.repeat(mine, count)
        return np.bincount(cells, minlength=n * m).reshape(n, m)


def _distinct(hashes: np.ndarray, sents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``(hash, sentence)`` pairs, sorted by hash, then sentence."""
    order = np.lexsort((sents, hashes))
    hashes, sents = hashes[order], sents[order]
    new = np.ones(len(hashes), dtype=bool)
    new[1:] = (hashes[1:] != hashes[:-1]) | (sents[1:] != sents[:-1])
    return hashes[new], sents[new]


def _read(texts: list[str], fp: Fingerprinter) -> tuple[list[list[tuple[int, int]]], list[np.ndarray], list[np.ndarray]]:
    """The sentence spans of each source text, and the anchor and raw shingle ids of every sentence of
    them all, in order.  The texts that :func:`_sentence_ids` reads from one mask are masked together,
    joined by line breaks (no vocabulary word holds one): one numpy pass for them all.

    A source is Simplified twice for its spans and anchors (薴 → 苧 → 苎, the one character converted
    twice) and once for its raw shingles, as it always was."""
    spans: list[list[tuple[int, int]]] = []
    anchors: list[list[np.ndarray]] = []
    raw: list[list[np.ndarray]] = []
    joined: list[tuple[int, str]] = []  # (index, Simplified text) of the texts read together
    for text in texts:
        once = _simplified(text)
        t = _simplified(once)
        spans.append(_spans(t))
        if len(spans[-1]) < 2 or not _breaks_free(fp) or _simplified(t) is not t or t is not once:
            a, r = _sentence_ids(t, spans[-1], fp)
            if t is not once:
                r = [fp.raw_shingles(once[x:y], simplified=True) for x, y in spans[-1]]
            anchors.append(a)
            raw.append(r)
        else:
            joined.append((len(spans) - 1, t))
            anchors.append([])
            raw.append([])
    if joined:
        starts = np.cumsum([0] + [len(t) + 1 for _, t in joined]).tolist()[:-1]
        a_ids, a_pos, r_ids, r_pos = fp.shingles_at("\n".join(t for _, t in joined))
        offset = [(x + start, y + start) for (d, _), start in zip(joined, starts, strict=True) for x, y in spans[d]]
        a_cut, r_cut = iter(_cut(a_ids, a_pos, offset, fp.k)), iter(_cut(r_ids, r_pos, offset, fp.k))
        for d, _ in joined:
            anchors[d] = [next(a_cut) for _ in spans[d]]
            raw[d] = [next(r_cut) for _ in spans[d]]
    return spans, [ids for doc in anchors for ids in doc], [ids for doc in raw for ids in doc]


class SourceView:
    """A text's sentences as :func:`align` reads them, a source's or a query's: their spans, and the
    distinct ``(shingle, sentence)`` pairs of each channel, so that what every sentence of one text
    shares with every sentence of another is counted at once (:meth:`_Pairs.shared`).

    Built from the text, or from its :func:`sentences` (raw sets included) when the same document is
    also a query: one view serves any number of alignments (``unspin dedup`` verifies a document
    against several others, ``trace`` a query against its candidates)."""

    def __init__(self, source: str, fp: Fingerprinter, sents: list[Sentence] | None = None) -> None:
        self.original = source
        if sents is None:
            (self.spans,), anchors, raw = _read([source], fp)
            self.anchor_pairs, self.raw_pairs = _Pairs(anchors), _Pairs(raw)
        else:
            self.spans = [(s.start, s.end) for s in sents]
            self.anchor_pairs = _Pairs.of_sets([s.shingles for s in sents])
            self.raw_pairs = _Pairs.of_sets([s.raw for s in sents])
        self._han: list[int] | None = None
        self._anchors: frozenset[int] | None = None

    @property
    def anchors(self) -> frozenset[int]:
        """Every anchor shingle of the text's sentences."""
        if self._anchors is None:
            self._anchors = frozenset(self.anchor_pairs.hashes.tolist())
        return self._anchors

    @property
    def han(self) -> list[int]:
        """Chinese characters of each sentence (of the text as given)."""
        if self._han is None:
            self._han = [han_count(self.original[a:b]) for a, b in self.spans]
        return self._han


def _best(shared: np.ndarray) -> tuple[list[int], list[int]]:
    """For each row of ``shared`` (a :meth:`_Pairs.shared` table): the column sharing the most, the
    first on ties (``-1`` when none shares any), and how many it shares."""
    if not shared.shape[1]:
        return [-1] * shared.shape[0], [0] * shared.shape[0]
    best = shared.argmax(axis=1)
    most = shared[np.arange(len(best)), best]
    return np.where(most > 0, best, -1).tolist(), most.tolist()


def align(query: str | list[Sentence] | SourceView, source: str | SourceView, fp: Fingerprinter,
          query_text: str | None = None) -> Alignment:
    """Align ``query`` (text, its :func:`sentences` with ``query_text``, or its :class:`SourceView`) to
    ``source`` (text, or its :class:`SourceView`)."""
    if isinstance(query, SourceView):
        q = query
    else:
        q_text = query if isinstance(query, str) else query_text or ""
        q = SourceView(q_text, fp, sentences(query, fp) if isinstance(query, str) else query)
    src = source if isinstance(source, SourceView) else SourceView(source, fp)
    return _aligned(q, src.spans, q.anchor_pairs.shared(src.anchor_pairs), q.raw_pairs.shared(src.raw_pairs))


def align_many(query: SourceView, sources: list[str], fp: Fingerprinter) -> list[Alignment]:
    """:func:`align` of ``query`` to each of ``sources``, their shingles read and matched all at once."""
    spans, anchors, raw = _read(sources, fp)
    shared_anchors = query.anchor_pairs.shared(_Pairs(anchors))
    shared_raw = query.raw_pairs.shared(_Pairs(raw))
    out, first = [], 0
    for src in spans:
        end = first + len(src)
        out.append(_aligned(query, src, shared_anchors[:, first:end], shared_raw[:, first:end]))
        first = end
    return out


def _aligned(q: SourceView, spans: list[tuple[int, int]], anchors: np.ndarray, raw: np.ndarray) -> Alignment:
    """The alignment of query ``q`` to the source sentences ``spans``, from the anchor and raw shingles
    each query sentence shares with each of them."""
    n_anchors, n_raw = q.anchor_pairs.sizes, q.raw_pairs.sizes
    match: dict[int, int] = {}
    for qi, (j, shared, j_raw, shared_raw) in enumerate(zip(*_best(anchors), *_best(raw), strict=True)):
        if shared >= MIN_SENTENCE_SHARED and shared / n_anchors[qi] >= MIN_SIMILARITY:
            match[qi] = j
        elif shared_raw >= RAW_MIN_SHARED and shared_raw / n_raw[qi] >= RAW_MIN_SIMILARITY:
            match[qi] = j_raw
    if EXTEND_SIMILARITY < MIN_SIMILARITY:
        _extend(match, anchors, raw, n_anchors, n_raw)
    result = Alignment()
    for qi in sorted(match):
        j = match[qi]
        shared, shared_raw = int(anchors[qi, j]), int(raw[qi, j])
        result.pairs.append((*q.spans[qi], *spans[j]))
        result.shared += shared
        result.raw_shared += shared_raw
        result.query_shingles += n_anchors[qi]
        result.query_sentences.append((qi, shared, shared_raw))
        result.aligned_chars += q.han[qi]
    return result


def _extend(match: dict[int, int], anchors: np.ndarray, raw: np.ndarray, n_anchors: list[int],
            n_raw: list[int]) -> None:
    """Grow aligned runs: the neighbour of an aligned pair aligns to the source neighbour on less evidence
    (anchors, or raw shingles at the anchors' extension share); ``anchors`` and ``raw`` are the shingles
    each query sentence shares with each source sentence, ``n_anchors`` and ``n_raw`` the query's."""
    n, m = anchors.shape
    changed = True
    while changed:
        changed = False
        for qi, j in sorted(match.items()):
            for dq in (-1, 1):
                qn, jn = qi + dq, j + dq
                if qn in match or not (0 <= qn < n and 0 <= jn < m):
                    continue
                if any(shared >= EXTEND_SHARED and shared / max(1, mine) >= EXTEND_SIMILARITY
                       for shared, mine in ((int(anchors[qn, jn]), n_anchors[qn]), (int(raw[qn, jn]), n_raw[qn]))):
                    match[qn] = jn
                    changed = True


def merge_passages(spans: list[tuple[int, int, int, int]], gap: int = 2) -> list[Passage]:
    """Merge aligned sentence spans that follow each other in both texts into passages.

    >>> merge_passages([(0, 5, 10, 15), (5, 9, 15, 20), (9, 12, 40, 44)])
    [Passage(query_start=0, query_end=9, source_start=10, source_end=20), Passage(query_start=9, query_end=12, source_start=40, source_end=44)]
    """
    out: list[list[int]] = []
    for qs, qe, ss, se in spans:
        if out and 0 <= qs - out[-1][1] <= gap and 0 <= ss - out[-1][3] <= gap:
            out[-1][1], out[-1][3] = qe, se
        else:
            out.append([qs, qe, ss, se])
    return [Passage(*p) for p in out]
