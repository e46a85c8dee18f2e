"""``unspin.trace(text, index)``: which indexed documents a (spun) text was copied from.

Candidates come from the index (documents sharing most sampled anchor shingles); each is
aligned sentence by sentence (a sentence pair needs half the query sentence's
shingles), and kept when the aligned sentences share at least ``MIN_SHARED`` shingles
and ``min_score`` of the query's shingles; a match on a single source sentence must
also cover half the query (so a shared boilerplate line is not a source).  Every source of a stitched copy is kept with
the passages it supplied; a partial copy is matched on its own sentences only.

>>> import unspin
>>> res = unspin.trace(open("spun.txt").read(), "my-index")     # doctest: +SKIP
>>> m = res.matches[0]; m.id, m.score, m.coverage                # doctest: +SKIP
('xwlb-2019-0412', 0.91, 1.0)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from unspin.text.decode import check_text, han_count
from unspin.trace.align import Passage, Substitution, align, sentences
from unspin.trace.index import TraceIndex

MIN_SCORE = 0.1
"""Least share of the query's shingles the aligned sentences of a source must hold."""
MIN_SHARED = 10
"""Least number of shingles a source must share with the query through aligned sentences."""
MIN_SINGLE_COVERAGE = 0.5
"""A source aligned on one sentence only must cover this share of the query (boilerplate guard)."""


@dataclass
class Match:
    """One source document of the query."""

    id: str
    score: float
    coverage: float
    passages: list[Passage]
    swaps: list[Substitution] = field(default_factory=list)
    source_text: str = field(default="", repr=False)

    def substitution_counts(self) -> list[tuple[str, str, int]]:
        """``(spun, original, count)``, most frequent first."""
        counts = Counter((s.spun, s.original) for s in self.swaps)
        return [(a, b, n) for (a, b), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "score": round(self.score, 4), "coverage": round(self.coverage, 4),
            "passages": [{"query_start": p.query_start, "query_end": p.query_end,
                          "source_start": p.source_start, "source_end": p.source_end} for p in self.passages],
            "substitutions": [{"spun": a, "original": b, "count": n} for a, b, n in self.substitution_counts()],
        }


@dataclass
class TraceResult:
    """Ranked sources of a query text (best first)."""

    text: str
    matches: list[Match]

    def to_dict(self) -> dict[str, Any]:
        """The ``unspin trace --format json`` object."""
        return {"matches": [m.to_dict() for m in self.matches]}


@cache
def _open_cached(path: str) -> TraceIndex:
    return TraceIndex.open(path)


def resolve_index(index: TraceIndex | str | Path) -> TraceIndex:
    """An open :class:`TraceIndex` (folders are opened once per process)."""
    return index if isinstance(index, TraceIndex) else _open_cached(str(Path(index).resolve()))


def trace(text: str, index: TraceIndex | str | Path, top_k: int = 5, min_score: float = MIN_SCORE,
          candidates: int = 20) -> TraceResult:
    """Find the indexed sources of ``text`` (see module docstring).

    Raises :class:`unspin.InputError` for empty or non-Chinese text and
    :class:`unspin.errors.IndexError_` for a missing or corrupt index.
    """
    check_text(text)
    ix = resolve_index(index)
    fp = ix.fingerprinter
    found = ix.candidates(fp.sampled(text), limit=candidates)
    if not found:
        return TraceResult(text, [])
    q_sents = sentences(text, fp)
    total = sum(len(s.shingles) for s in q_sents) or 1
    han = han_count(text) or 1
    kept: list[tuple[Match, object]] = []
    for num, hits in found:
        if hits < 2:
            break
        doc_id, source = ix.document(num)
        al = align(q_sents, source, fp, query_text=text)
        score, coverage = al.shared / total, al.aligned_chars / han
        if al.shared >= MIN_SHARED and score >= min_score and (
                al.sentences >= 2 or coverage >= MIN_SINGLE_COVERAGE):
            kept.append((Match(doc_id, score, coverage, al.passages, source_text=source), al))
    kept.sort(key=lambda ma: (-ma[0].score, ma[0].id))
    for m, al in kept[:top_k]:
        m.swaps = al.substitutions(text, m.source_text)
    return TraceResult(text, [m for m, _ in kept[:top_k]])
