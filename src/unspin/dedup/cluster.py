"""Clusters from verified pairs: links join documents, stitched pages name their sources, one document is kept.

Links (:mod:`unspin.dedup.verify`) join documents into clusters (union-find), except links of
*stitched* pages: a page two or more of whose sources explain different sentences of it (a source
other than the best one explains :data:`~unspin.dedup.verify.PART_CHARS` Chinese characters the best
one does not) names its sources instead of joining them, so two articles are never merged through
a page that quotes both.  A source of a page is a document that explains a part of it without being
held whole by it (an excerpt inside a page is not its source: the page is the excerpt's).

>>> uf = UnionFind(4); uf.union(0, 1); uf.union(3, 1); [uf.find(i) for i in range(4)]
[0, 0, 2, 0]
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from unspin.dedup import graph
from unspin.dedup.verify import COVER, PART_CHARS, Check, Side

WHOLE = 0.8
"""Where spin decides, only members at least this share of the longest one's length are
considered (an excerpt reads as natural as its original, but is not it)."""
SPIN_TIE = 0.05
"""Spin probabilities this close to the lowest count as tied."""
STITCHED_COVER = 0.7
"""A page is stitched only when its sources together explain this share of its Chinese characters: a
document sharing a template line with one story and a quotation with another is no stitched page."""
CONTAINED = 0.85
"""A link holds its smaller document inside the larger when the smaller explains less than this share of
what the larger explains of it (30% excerpts: 0.17–0.65 on the tune crawl; whole copies 0.54–1.35,
0.91 and up for 95% of them)."""
MUTUAL = 0.5
"""...but also every other component holding it that a pair aligns with the best one, each document at
least this share of the other (a heavy spin of the same text that missed a link)."""
HELD_BY = 2
"""...and a component of several documents joins only a component holding at least this many of them (one
heavy spin's partial link does not carry its copies into a story that shares a passage with it)."""
COPY_LENGTH = 0.8
"""A member at least this share of the kept document's length (and the kept one at least this share of
its length) is a ``copy``; else an ``excerpt``."""


class UnionFind:
    """Connected components over ``0..n-1`` (path halving; the smaller root wins, so roots are stable)."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    @classmethod
    def from_labels(cls, labels: np.ndarray) -> UnionFind:
        """The union-find of components already labelled by their smallest node
        (:func:`unspin.dedup.graph.components`)."""
        uf = cls(0)
        uf.parent = labels.tolist()
        return uf

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




def sources_of(checks: Sequence[Check]) -> dict[int, list[tuple[int, Side]]]:
    """For every document, the documents that explain a part of it without being held whole by it."""
    out: dict[int, list[tuple[int, Side]]] = {}
    for c in checks:
        for doc, other in ((c.small, c.large), (c.large, c.small)):
            mine, theirs = c.explains(doc), c.explains(other)
            if mine is None or not (mine.link() or mine.part()):
                continue
            if theirs is not None and theirs.coverage >= COVER > mine.coverage:
                continue  # ``other`` sits whole inside ``doc``: doc is its source, not the other way
            out.setdefault(doc, []).append((other, mine))
    return out


def stitched_pages(sources: dict[int, list[tuple[int, Side]]], checks: Sequence[Check]) -> set[int]:
    """Documents with a source that explains :data:`PART_CHARS` Chinese characters which neither the best
    source nor any source linked to it (through links not involving the document) explains."""
    adjacent: dict[int, list[int]] = {}
    for c in checks:
        if c.link:
            adjacent.setdefault(c.small, []).append(c.large)
            adjacent.setdefault(c.large, []).append(c.small)
    out = set()
    for doc, found in sources.items():
        if len(found) < 2 or explained_share(found) < STITCHED_COVER:
            continue
        found = sorted(found, key=lambda x: (-x[1].chars, x[0]))
        near = _reach(found[0][0], doc, adjacent, {o for o, _ in found})
        explained = {qi for o, s in found if o in near for qi in s.aligned}
        for o, s in found:
            if o not in near and sum(h for qi, h in s.aligned.items() if qi not in explained) >= PART_CHARS:
                out.add(doc)
                break
    return out


def explained_share(found: list[tuple[int, Side]]) -> float:
    """Share of a document's Chinese characters that its sources explain together."""
    aligned: dict[int, int] = {}
    total = 0.0
    for _, side in found:
        aligned.update(side.aligned)
        if side.coverage:
            total = max(total, side.chars / side.coverage)
    return sum(aligned.values()) / total if total else 0.0


_REACH_LIMIT = 10_000
"""Most documents one search for a page's linked sources visits."""


def _reach(start: int, avoid: int, adjacent: dict[int, list[int]], wanted: set[int]) -> set[int]:
    """The documents of ``wanted`` that links connect to ``start`` without passing through ``avoid``."""
    seen, todo, found = {start, avoid}, [start], {start}
    while todo and len(seen) < _REACH_LIMIT and len(found) < len(wanted):
        for nxt in adjacent.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
                if nxt in wanted:
                    found.add(nxt)
    return found


Labeller = Callable[[np.ndarray, np.ndarray, int], np.ndarray]
"""Component labels of ``n`` nodes from edge arrays (:func:`unspin.dedup.graph.components`, or its Ray twin)."""


def contained(c: Check) -> bool:
    """True when link ``c`` holds its smaller document inside the larger one (an excerpt): the smaller
    explains under :data:`CONTAINED` of the share of the larger that the larger explains of it."""
    back = c.backward.coverage if c.backward is not None else 0.0
    return back < CONTAINED * c.forward.coverage


def link_components(n: int, checks: Sequence[Check], stitched: set[int], labeller: Labeller = graph.components) -> UnionFind:
    """Components of the links whose two ends are not stitched pages: the copy links first
    (``labeller``), then each component whose documents sit inside others (:func:`contained`) joins
    the one component holding them best (the most aligned characters), not every one: an excerpt
    whose sentences two articles share joins one of them and does not merge the two."""
    links = [c for c in checks if c.link and c.small not in stitched and c.large not in stitched]
    inner = [contained(c) for c in links]
    edges = [(c.small, c.large) for c, held_inside in zip(links, inner, strict=True) if not held_inside]
    a, b = (np.array(x, dtype=np.int64) for x in zip(*edges, strict=True)) if edges else (np.zeros(0, np.int64),) * 2
    uf = UnionFind.from_labels(labeller(a, b, n))
    held: dict[int, dict[int, int]] = {}  # root of the smaller side -> root of the larger -> aligned characters
    inside: dict[tuple[int, int], set[int]] = {}  # (root of the smaller side, root of the larger) -> smaller documents
    for c, held_inside in zip(links, inner, strict=True):
        if held_inside and (small := uf.find(c.small)) != (large := uf.find(c.large)):
            into = held.setdefault(small, {})
            into[large] = into.get(large, 0) + c.forward.chars
            inside.setdefault((small, large), set()).add(c.small)
    alike = {(uf.find(c.small), uf.find(c.large)) for c in checks if c.small not in stitched and c.large not in stitched
             and c.backward is not None and min(c.forward.coverage, c.backward.coverage) >= MUTUAL}
    alike |= {(b, a) for a, b in alike}
    size = Counter(uf.find(i) for i in {d for c in links for d in (c.small, c.large)})
    for small, into in sorted(held.items()):
        into = {t: v for t, v in into.items() if len(inside[small, t]) >= min(HELD_BY, size[small]) or (small, t) in alike}
        if not into:
            continue
        best = max(sorted(into), key=into.__getitem__)
        uf.union(small, best)
        for other in into:
            if (other, best) in alike:
                uf.union(small, other)
    return uf


def cluster(n: int, checks: Sequence[Check], labeller: Labeller = graph.components
            ) -> tuple[UnionFind, dict[int, list[int]]]:
    """Components over documents ``0..n-1``, and each stitched page's source roots (best source first);
    a page whose sources all fall in one cluster joins it as an ordinary member."""
    found = sources_of(checks)
    stitched = stitched_pages(found, checks)
    uf = link_components(n, checks, stitched, labeller)

    def roots(page: int) -> list[int]:
        out: list[int] = []
        for other, _ in sorted(found[page], key=lambda x: (-x[1].chars, x[0])):
            if other not in stitched and uf.find(other) not in out:
                out.append(uf.find(other))
        return out

    for page in sorted(stitched):
        r = roots(page)
        if len(r) == 1:
            uf.union(page, r[0])  # its sources explain most of it (STITCHED_COVER), and all are one article
    return uf, {p: r for p in sorted(stitched) if len(r := roots(p)) >= 2}


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


Scores = Callable[[list[int]], dict[int, float]]


def choose_kept(members: Sequence[Member], stitched: set[int], spin: Scores | None) -> tuple[int, str]:
    """The document kept for a cluster, and why: ``earliest_date``, ``lowest_spin``, ``longest``
    (``only`` for a cluster of one).  Stitched pages are kept only when nothing else is left.

    The rule: the earliest ``date`` among members that have one; else (or among equal dates) the
    lowest spin probability among the members of :data:`WHOLE` length (``spin`` scores them;
    probabilities within :data:`SPIN_TIE` of the lowest tie); else (or among ties) the longest; then
    the first in input order.
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




def relation(sig, num: int, kept: int, chars: dict[int, int]) -> tuple[str, float, float]:
    """``(copy|excerpt, similarity, coverage)`` of member ``num`` against the kept document: the share of
    its signature found in the kept one's, and the share of the kept one's found in its own."""
    mine, theirs = sig.of(num), sig.of(kept)
    shared = len(np.intersect1d(mine, theirs, assume_unique=True))
    a, b = chars[num], chars[kept]
    kind = "copy" if min(a, b) >= COPY_LENGTH * max(a, b) else "excerpt"
    return kind, round(shared / (len(mine) or 1), 4), round(shared / (len(theirs) or 1), 4)
