"""``unspin.trace(text, index)``: which indexed documents a (spun) text was copied from.

Candidates are the 20 documents sharing the most IDF weight of sampled anchor shingles
(``log((N+1)/(df+1))``; shingles in more than 2,000 documents are ignored).  Each is
aligned sentence by sentence (a sentence pair needs half the query sentence's
shingles).  A query sentence aligned by more than ``BOILERPLATE_SENTENCE`` candidates is
a template line of the corpus.  A candidate is a source when its aligned sentences share
``MIN_SHARED`` shingles and ``min_score`` of the query's, cover ``MIN_CONTENT_COVERAGE`` of
the query with non-template sentences and match them closely (``MIN_PART_SIMILARITY``) or
cover half the query (its characters or its shingles), and span two sentences or
``MIN_SINGLE_COVERAGE`` of the query.  Every source of a stitched copy is kept with the
passages it supplied; a partial copy is matched on its own sentences only.

>>> import unspin
>>> res = unspin.trace(open("spun.txt").read(), "my-index")     # doctest: +SKIP
>>> m = res.matches[0]; m.id, m.score, m.coverage                # doctest: +SKIP
('xwlb-2019-0412', 0.91, 1.0)
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from unspin.text.decode import check_text, han_count
from unspin.trace.align import Alignment, Passage, Substitution, align, sentences
from unspin.trace.index import TraceIndex

MIN_SCORE = 0.08
"""Least share of the query's shingles the aligned sentences of a source must hold."""
MIN_SHARED = 8
"""Least number of shingles a source must share with the query through aligned sentences."""
MIN_SINGLE_COVERAGE = 0.3
"""A source aligned on one sentence only must cover this share of the query."""
BOILERPLATE_SENTENCE = 3
"""A query sentence aligned by more than this many candidate documents is boilerplate."""
MIN_CONTENT_COVERAGE = 0.1
"""Least share of the query a source must cover with non-boilerplate sentences (or half the query)."""
HALF = 0.5
"""A source covering this share of the query's characters or shingles needs no further guard."""
MIN_PART_SIMILARITY = 0.8
"""A source covering less than half the query must match its aligned sentences this closely
(share of their shingles): a spun copy keeps ~all anchors, a related story only some."""


@dataclass
class Match:
    """One source document of the query."""

    id: str
    score: float
    coverage: float
    passages: list[Passage]
    swaps: list[Substitution] = field(default_factory=list)
    source_text: str = field(default="", repr=False)
    meta: dict[str, str] = field(default_factory=dict)
    """The source's title, url, date and ``--meta`` fields, as indexed."""

    def substitution_counts(self) -> list[tuple[str, str, int]]:
        """``(spun, original, count)``, most frequent first."""
        counts = Counter((s.spun, s.original) for s in self.swaps)
        return [(a, b, n) for (a, b), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "meta": self.meta, "score": round(self.score, 4), "coverage": round(self.coverage, 4),
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


@dataclass
class Scored:
    """One candidate source, aligned and measured (before acceptance)."""

    num: int
    id: str
    source: str
    alignment: Alignment
    score: float
    """Share of the query's anchor shingles held by the aligned sentences."""
    coverage: float
    """Share of the query's Chinese characters in aligned sentences."""
    content: float = 0.0
    """Share of the query's Chinese characters in aligned sentences that are not boilerplate."""


def idf_weights(df: dict[int, int], n_docs: int) -> dict[int, float]:
    """``log((N + 1) / (df + 1))`` for every hash: rare (informative) shingles weigh most."""
    return {h: math.log((n_docs + 1) / (d + 1)) for h, d in df.items()}


def score_candidates(text: str, ix: TraceIndex, candidates: int = 20) -> list[Scored]:
    """Align the ``candidates`` documents sharing the most IDF weight of sampled shingles with ``text``.

    A query sentence aligned by more than :data:`BOILERPLATE_SENTENCE` of them is boilerplate
    (a template line of the corpus) and does not count towards any candidate's ``content``.
    """
    fp = ix.fingerprinter
    postings, df = ix.lookup(fp.sampled(text))
    weight = idf_weights(df, len(ix))
    hits: dict[int, float] = defaultdict(float)
    count: Counter[int] = Counter()
    for h, docs in postings.items():
        for d in docs:
            hits[d] += weight[h]
            count[d] += 1
    ranked = sorted((d for d in hits if count[d] >= 2), key=lambda d: (-hits[d], d))[:candidates]
    if not ranked:
        return []
    q_sents = sentences(text, fp)
    total = sum(len(s.shingles) for s in q_sents) or 1
    han = han_count(text) or 1
    sent_han = [han_count(text[s.start : s.end]) for s in q_sents]
    out = []
    for num in ranked:
        doc_id, source = ix.document(num)
        al = align(q_sents, source, fp, query_text=text)
        out.append(Scored(num, doc_id, source, al, al.shared / total, al.aligned_chars / han))
    aligned_by = Counter(qi for c in out for qi, _ in c.alignment.query_sentences)
    for c in out:
        c.content = sum(sent_han[qi] for qi, _ in c.alignment.query_sentences
                        if aligned_by[qi] <= BOILERPLATE_SENTENCE) / han
    return out


def accepted(c: Scored, min_score: float = MIN_SCORE) -> bool:
    """Whether candidate ``c`` is a source (see module docstring)."""
    al = c.alignment
    return (al.shared >= MIN_SHARED and c.score >= min_score
            and (c.coverage >= HALF or c.score >= HALF
                 or (c.content >= MIN_CONTENT_COVERAGE and al.similarity >= MIN_PART_SIMILARITY))
            and (al.sentences >= 2 or c.coverage >= MIN_SINGLE_COVERAGE))


def trace(text: str, index: TraceIndex | str | Path, top_k: int = 5, min_score: float = MIN_SCORE,
          candidates: int = 20) -> TraceResult:
    """Find the indexed sources of ``text`` (see module docstring).

    Raises :class:`unspin.InputError` for empty or non-Chinese text and
    :class:`unspin.errors.IndexError_` for a missing or corrupt index.
    """
    text = check_text(text)
    ix = resolve_index(index)
    kept = [c for c in score_candidates(text, ix, candidates) if accepted(c, min_score)]
    kept.sort(key=lambda c: (-c.score, c.id))
    matches = []
    for c in kept[:top_k]:
        m = Match(c.id, c.score, c.coverage, c.alignment.passages, source_text=c.source)
        m.swaps = c.alignment.substitutions(text, c.source)
        m.meta = ix.metadata(c.num)
        matches.append(m)
    return TraceResult(text, matches)
