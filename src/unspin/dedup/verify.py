"""Verification of a candidate pair: ``trace``'s sentence alignment, read for what a spinner cannot do.

The smaller document (in Chinese characters) is aligned sentence by sentence with the larger one
(:func:`unspin.trace.align.align`, the alignment ``trace`` uses).  What the aligned sentences show:

* ``coverage``: the share of the smaller document's Chinese characters in aligned sentences;
* ``similarity``: the share of their *anchor* shingles (what is left once every word a spinner could
  swap is masked) found in the sentences they align with, and ``raw_similarity``, the same share of
  their raw shingles (letters and digits, nothing masked);
* ``numbers``: the share of their digit and Latin tokens found in the other document.

A spinner swaps words and keeps everything else: a spun copy keeps its anchors, its numbers and
its names while its raw text changes (``similarity`` well above ``raw_similarity``), or keeps the
text outright (a verbatim copy).  A *related* story built on the same template — the next daily
report, the same committee's next session, the same ceremony a year later — keeps the template's
text while its numbers, dates and names change: ``raw_similarity`` at or above ``similarity``, its
numbers not found, and sentences of its own.  So a pair is a **link** (its documents join one
cluster) when its numbers are kept and its anchors match closely (:data:`MIN_SIMILARITY`), and
either the aligned sentences cover :data:`COVER` of the smaller document while anchors match
:data:`COVER_MARGIN` better than the raw text (or the text is verbatim, :data:`VERBATIM`), or they
cover :data:`SPUN_COVER` of it with anchors matching :data:`SPUN_MARGIN` better than the raw text and
at least :data:`SPUN_SIMILARITY`, its whole text keeping :data:`SPUN_CONTAINED` of its anchors there (a heavy spin, whose raw text no longer aligns every sentence; a
short template story, whose boilerplate sentences align on their anchors alone, matches less), or
it is a close copy (:data:`CLOSE_COVER`).  Thresholds were chosen on a tune crawl
(``bench/bench_dedup.py``'s design, seed 17) and are reported on another seed (18).

A pair that is no link may still make one document a *part* of the other (:meth:`Side.part`):
:data:`PART_CHARS` aligned Chinese characters on the same evidence (anchors :data:`PART_MARGIN`
above the raw text); a page with parts of two or more documents that explain different sentences of
it is a stitched page (:mod:`unspin.dedup.cluster`).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field

from unspin.text.decode import han_count
from unspin.trace.align import Sentence, SourceView, align, sentences
from unspin.trace.api import MIN_REST_CHARS

COVER = 0.9
COVER_MARGIN = 0.03
MIN_SIMILARITY = 0.5
VERBATIM = 0.9
SPUN_COVER = 0.5
SPUN_MARGIN = 0.3
SPUN_SIMILARITY = 0.62
SPUN_CONTAINED = 0.5
"""...and whose whole text keeps this share of its anchors in the other document: a spun copy keeps its
anchors in the sentences the raw alignment missed too; a story sharing a passage with another does not."""
CLOSE_COVER = 0.95
CLOSE_RAW = 0.7
CLOSE_SIMILARITY = 0.55
"""A *close copy*: nearly every sentence aligned (:data:`CLOSE_COVER`), most raw text kept
(:data:`CLOSE_RAW`) and anchors at least :data:`CLOSE_SIMILARITY`: a light spin by a table whose
words are not in the masked vocabulary, which breaks anchors as much as raw text."""
MIN_NUMBERS = 0.8
"""Share of the aligned sentences' digit and Latin tokens the other document must hold (when they have
:data:`MIN_TOKENS` or more)."""
MIN_TOKENS = 1
PART_MARGIN = 0.1
"""A part needs anchors matching this much better than the raw text (or verbatim text)."""
PART_CHARS = MIN_REST_CHARS
"""Least aligned Chinese characters for one document to hold a part of the other."""
_TOKEN = re.compile(r"[0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+")


@dataclass(frozen=True, slots=True)
class Side:
    """How much of ``query`` another document explains (see module docstring)."""

    coverage: float = 0.0
    similarity: float = 0.0
    raw_similarity: float = 0.0
    numbers: float = 1.0
    aligned: dict[int, int] = field(default_factory=dict)
    """Aligned sentence of the query -> its Chinese characters."""
    tokens: int = 0
    """Digit and Latin tokens in the aligned sentences (``numbers`` is the share found)."""
    contained: float = 1.0
    """Share of the query's anchor shingles, all sentences aligned or not, that the other document holds."""

    @property
    def chars(self) -> int:
        return sum(self.aligned.values())

    def evidence(self) -> bool:
        """Numbers kept and anchors matching closely."""
        return (self.tokens < MIN_TOKENS or self.numbers >= MIN_NUMBERS) and self.similarity >= MIN_SIMILARITY

    def link(self) -> bool:
        if not self.evidence():
            return False
        kept_text = self.similarity >= self.raw_similarity + COVER_MARGIN or self.raw_similarity >= VERBATIM
        close = (self.coverage >= CLOSE_COVER and self.raw_similarity >= CLOSE_RAW
                 and self.similarity >= CLOSE_SIMILARITY)
        spun = (self.coverage >= SPUN_COVER and self.contained >= SPUN_CONTAINED
                and self.similarity >= max(SPUN_SIMILARITY, self.raw_similarity + SPUN_MARGIN))
        return (self.coverage >= COVER and kept_text) or close or spun

    def part(self) -> bool:
        kept_text = self.similarity >= self.raw_similarity + PART_MARGIN or self.raw_similarity >= VERBATIM
        return self.evidence() and self.chars >= PART_CHARS and kept_text


@dataclass(frozen=True, slots=True)
class View:
    """A document read once for verification: its sentences (as a query) and its :class:`SourceView`."""

    text: str
    sentences: list[Sentence]
    source: SourceView
    han: list[int]
    """Chinese characters of each sentence."""
    tokens: frozenset[str]
    """Digit and Latin tokens of the whole text."""

    @classmethod
    def of(cls, text: str, fp) -> View:
        sents = sentences(text, fp)
        return cls(text, sents, SourceView(text, fp, sents), [han_count(text[s.start : s.end]) for s in sents],
                   frozenset(_TOKEN.findall(text)))


class Views:
    """The :class:`View` of the last ``size`` documents asked for, by number: a document is verified
    against several others (its cluster's members), and reading it is most of a check's cost.

    >>> from unspin.trace.fingerprint import Fingerprinter
    >>> views = Views(Fingerprinter(frozenset(), k=2), size=1)
    >>> views.get(0, "甲乙丙。") is views.get(0, "甲乙丙。"), len(views)
    (True, 1)
    """

    def __init__(self, fp, size: int = 512) -> None:
        self.fp, self.size = fp, size
        self._views: OrderedDict[int, View] = OrderedDict()

    def __len__(self) -> int:
        return len(self._views)

    def get(self, num: int, text: str) -> View:
        v = self._views.get(num)
        if v is None:
            v = self._views[num] = View.of(text, self.fp)
            if len(self._views) > self.size:
                self._views.popitem(last=False)
        else:
            self._views.move_to_end(num)
        return v


def side(query_view: View, source_view: View, fp) -> Side:
    """How much of one document (``query_view``) another (``source_view``) explains."""
    q, query, han = query_view.sentences, query_view.text, query_view.han
    if not q:
        return Side()
    al = align(q, source_view.source, fp, query_text=query)
    aligned = {qi: han[qi] for qi, *_ in al.query_sentences}
    raw = sum(len(q[qi].raw) for qi in aligned)
    tokens = [t for qi in aligned for t in _TOKEN.findall(query[q[qi].start : q[qi].end])]
    numbers = 1.0
    if tokens:
        numbers = sum(t in source_view.tokens for t in tokens) / len(tokens)
    anchors = source_view.source.anchors
    total = sum(len(s.shingles) for s in q)
    held = sum(x in anchors for s in q for x in s.shingles)
    return Side(sum(aligned.values()) / (sum(han) or 1), al.similarity, al.raw_shared / raw if raw else 0.0,
                numbers, aligned, len(tokens), held / total if total else 0.0)


@dataclass(frozen=True, slots=True)
class Check:
    """A verified pair: ``small`` is the document with fewer Chinese characters; ``forward`` is how much of
    it ``large`` explains, ``backward`` how much of ``large`` it explains (measured only when the
    forward side is a link or a part)."""

    small: int
    large: int
    forward: Side
    backward: Side | None = None

    @property
    def link(self) -> bool:
        return self.forward.link()

    def explains(self, doc: int) -> Side | None:
        """How much of document ``doc`` (one of the pair) the other explains, when measured."""
        return self.forward if doc == self.small else self.backward


def check(i: int, j: int, text_i: str, text_j: str, fp, views: Views | None = None) -> Check:
    """Verify candidate pair ``(i, j)`` (see module docstring); ``views`` keeps documents read for the
    next checks."""
    if (han_count(text_i), i) > (han_count(text_j), j):
        i, j, text_i, text_j = j, i, text_j, text_i
    views = Views(fp, 2) if views is None else views
    small, large = views.get(i, text_i), views.get(j, text_j)
    forward = side(small, large, fp)
    if not (forward.link() or forward.part()):
        return Check(i, j, forward)
    return Check(i, j, forward, side(large, small, fp))
