"""Clustering a crawl's spun copies on a trace index of the crawl itself.

Every document is indexed (the same signatures as ``unspin index add``), then traced against the
index with itself left out (:func:`links`: the same candidates, alignment and acceptance as
``unspin trace``).  Each accepted source is a *link*.  Links join documents into clusters
(union-find), except links of *stitched* pages: a page whose sources bring different sentences
(one source explains part of the page, another explains a part the first does not) names its
sources instead of joining them, so that two articles are never merged through a page that
quotes both.

Two passes.  In the first, every document is one group.  A crawl holding five copies of an article
makes each of its sentences look like a template line to ``trace`` (aligned by more than 3
candidates, or found in 4 documents or more), which hides the article from an excerpt or a stitched
page that quotes it.  So the documents that had a candidate come close without being accepted are
traced again with the first pass's clusters as groups: a cluster counts once, as one source would
in an archive.

>>> uf = UnionFind(4); uf.union(0, 1); uf.union(3, 1); [uf.find(i) for i in range(4)]
[0, 0, 2, 0]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from unspin.text.decode import han_count
from unspin.trace.align import align, sentences
from unspin.trace.api import MIN_REST_CHARS, MIN_SCORE, MIN_SHARED, Scored, score_candidates, select_sources
from unspin.trace.index import TraceIndex

COPY_COVERAGE = 0.8
"""A member covering this share of the kept document, and covered by it as much, is a ``copy``;
else it is an ``excerpt`` (one holds a part of the other)."""
MIN_LINK_SCORE = 0.2
"""Least share of a document's anchor (or raw) shingles an accepted source must hold to join their
clusters (a weaker one still names a source of a stitched page).
``trace`` accepts a related story sharing formula sentences (a daily epidemic report, a session of
the same congress) 1-2% of the time; in a crawl every document is a query, and each such match
would merge two articles.  Those matches hold 1-18% of the query's anchor shingles (on the bench's
natural xwlb items), a copy a half or more; one source of a page stitched from three may hold less."""
WHOLE = 0.8
"""Where spin decides, only members at least this share of the longest one's length are considered
(an excerpt reads as natural as its original, but is not it)."""
SPIN_TIE = 0.05
"""Spin probabilities this close to the lowest count as tied (the longest of them is kept)."""


@dataclass(frozen=True, slots=True)
class Link:
    """An accepted source of a document: its number, the share of the document it covers
    (Chinese characters of aligned sentences), the share of the document's anchor shingles it
    holds, and whether it brings sentences the best source does not (a stitched page)."""

    num: int
    coverage: float
    score: float
    extra: bool = False
    strong: bool = True
    """Holds :data:`MIN_LINK_SCORE` of the document's shingles: may join two clusters."""


@dataclass(slots=True)
class Traced:
    """One document's links, and the candidates that came close without being accepted."""

    num: int
    links: list[Link] = field(default_factory=list)
    near: list[int] = field(default_factory=list)


def links(ix: TraceIndex, num: int, group: Callable[[int], int] | None = None, candidates: int = 20) -> Traced:
    """Trace indexed document ``num`` against the rest of the index (see module docstring)."""
    _, text = ix.document(num)
    try:
        scored = score_candidates(text, ix, candidates, exclude=num, group=group)
    except ValueError:  # no sentence at all (nothing to trace)
        return Traced(num)
    kept = select_sources(scored)
    out = Traced(num)
    if kept:
        best = max(kept, key=lambda c: (c.coverage, c.score, -c.num))
        mine = {qi for qi, *_ in best.alignment.query_sentences}
        han = best.query.han if best.query else []
        for c in kept:
            extra = sum(han[qi] for qi, *_ in c.alignment.query_sentences if qi not in mine) if han else 0
            out.links.append(Link(c.num, round(c.coverage, 4), round(c.score, 4), extra >= MIN_REST_CHARS, _strong(c)))
    taken = {c.num for c in kept}
    out.near = [c.num for c in scored if c.num not in taken and _near(c)]
    return out


def _strong(c: Scored) -> bool:
    """Whether an accepted source holds :data:`MIN_LINK_SCORE` of the document's anchor or raw shingles."""
    e = c.evidence()
    return max(e.score, e.raw_score) >= MIN_LINK_SCORE


def _near(c: Scored) -> bool:
    return c.score >= MIN_SCORE and c.alignment.shared >= MIN_SHARED


class UnionFind:
    """Connected components over ``0..n-1`` (path halving; the smaller root wins, so roots are stable)."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        p = self.parent
        while p[i] != i:
            p[i] = p[p[i]]
            i = p[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = min(ra, rb), max(ra, rb)
            self.parent[hi] = lo


def stitched_pages(traced: dict[int, Traced]) -> set[int]:
    """Documents one of whose sources brings sentences the best source does not explain."""
    return {t.num for t in traced.values() if any(link.extra for link in t.links)}


def components(n: int, traced: dict[int, Traced], stitched: set[int]) -> UnionFind:
    """Union of every strong link whose two ends are not stitched pages (see module docstring)."""
    uf = UnionFind(n)
    for t in traced.values():
        if t.num in stitched:
            continue
        for link in t.links:
            if link.num not in stitched and link.strong:
                uf.union(t.num, link.num)
    return uf


def second_look(traced: dict[int, Traced], uf: UnionFind) -> list[int]:
    """Documents worth tracing again with groups: a near candidate outside their own cluster."""
    return sorted(t.num for t in traced.values() if any(uf.find(c) != uf.find(t.num) for c in t.near))


@dataclass(frozen=True, slots=True)
class Member:
    """What the keep rule needs to know of a document."""

    num: int
    order: int
    """Position in the input (ties go to the first)."""
    chars: int
    date: tuple | None = None


def date_key(value: Any) -> tuple | None:
    """A sortable key of a date field: ``2013-05-28``, ``2013/5/28 08:00``, ``20130528``, epoch seconds;
    ``None`` when it cannot be read as a date.

    >>> date_key("2013-05-28") < date_key("2013-6-1 08:00") < date_key(1400000000)
    True
    >>> date_key("yesterday") is None
    True
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        import datetime as dt

        try:
            t = dt.datetime.fromtimestamp(float(value), dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return (t.year, t.month, t.day, t.hour, t.minute, t.second)
    if not isinstance(value, str):
        return None
    s = value.strip()
    if re.fullmatch(r"\d{8}", s):
        return (int(s[:4]), int(s[4:6]), int(s[6:8]), 0, 0, 0)
    parts = re.findall(r"\d+", s)
    if not parts or len(parts[0]) != 4 or len(parts) < 2:
        return None
    nums = [int(p) for p in parts[:6]]
    return tuple(nums + [0] * (6 - len(nums)))


def choose_kept(members: Sequence[Member], stitched: set[int],
                spin: Callable[[list[int]], dict[int, float]] | None) -> tuple[int, str]:
    """The document kept for a cluster, and why: ``earliest_date``, ``lowest_spin``, ``longest``
    (``only`` for a cluster of one).  Stitched pages are kept only when nothing else is left.

    The rule: the earliest ``date`` among members that have one; else (or among equal dates) the
    lowest spin probability among the members of :data:`WHOLE` length (``spin`` scores them;
    probabilities within :data:`SPIN_TIE` of the lowest tie); else (or among ties) the longest; then the first in input order.
    """
    if len(members) == 1:
        return members[0].num, "only"
    pool = [m for m in members if m.num not in stitched] or list(members)
    reason = None
    dated = [m for m in pool if m.date is not None]
    if dated:
        first = min(m.date for m in dated)
        pool = [m for m in dated if m.date == first]
        reason = "earliest_date"
    if len(pool) > 1 and spin is not None:
        longest = max(m.chars for m in pool)
        pool = [m for m in pool if m.chars >= WHOLE * longest]  # an excerpt is not the original
        probs = spin([m.num for m in pool])
        if probs:
            low = min(probs.values())
            tied = [m for m in pool if probs.get(m.num, 1.0) <= low + SPIN_TIE]
            if len(tied) < len(pool):
                reason = reason or "lowest_spin"
            pool = tied
    if len(pool) > 1:
        longest = max(m.chars for m in pool)
        if any(m.chars != longest for m in pool):
            reason = reason or "longest"
        pool = [m for m in pool if m.chars == longest]
    kept = min(pool, key=lambda m: m.order)
    return kept.num, reason or ("lowest_spin" if spin is not None else "longest")


def relation(ix: TraceIndex, num: int, kept: int) -> tuple[str, float, float]:
    """``(copy|excerpt, similarity, coverage)`` of document ``num`` against the kept document: the
    share of its anchor shingles held by the sentences aligned with the kept document, and the
    share of its Chinese characters those sentences cover (see :data:`COPY_COVERAGE`)."""
    fp = ix.fingerprinter
    _, text = ix.document(num)
    _, source = ix.document(kept)
    mine, theirs = _aligned(text, source, fp), _aligned(source, text, fp)
    kind = "copy" if mine[1] >= COPY_COVERAGE and theirs[1] >= COPY_COVERAGE else "excerpt"
    return kind, round(mine[0], 4), round(mine[1], 4)


def _aligned(query: str, source: str, fp) -> tuple[float, float]:
    """(share of ``query``'s anchor shingles, share of its Chinese characters) aligned with ``source``."""
    q = sentences(query, fp)
    if not q:
        return 0.0, 0.0
    al = align(q, source, fp, query_text=query)
    shingles = sum(len(s.shingles) for s in q) or 1
    han = [han_count(query[s.start : s.end]) for s in q]
    covered = sum(han[qi] for qi, *_ in al.query_sentences)
    return al.shared / shingles, covered / (sum(han) or 1)
