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

Stitched copies are explained greedily: once sources are accepted, the query sentences
they leave unexplained (``MIN_REST_CHARS`` Chinese characters or more) are judged again as
a query of their own, so a source that supplied only a tenth of a copy is found once
the others are set aside.  A page with no accepted source is never judged this way, so
a sentence it happens to share with the archive stays a share of the whole page.

>>> import unspin
>>> res = unspin.trace(open("spun.txt").read(), "my-index")     # doctest: +SKIP
>>> m = res.matches[0]; m.id, m.score, m.coverage                # doctest: +SKIP
('xwlb-2019-0412', 0.91, 1.0)
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial
from os import PathLike
from pathlib import Path
from typing import Any

from unspin.text.decode import check_text, han_count
from unspin.trace.align import Alignment, Passage, Sentence, SourceView, align_many, sentences
from unspin.trace.index import TraceIndex, rank_candidates
from unspin.trace.swaps import Substitution

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
RAW_MIN_SHARED = 10
"""Least raw (unmasked) shingles a source must share through aligned sentences, when its anchors fall short."""
RAW_MIN_SCORE = 0.15
"""Least share of the query's raw shingles a source must hold when its anchors fall short."""
RAW_PART_SIMILARITY = 0.4
"""Share of the aligned sentences' raw shingles a source must hold when its anchors fall short."""
TEMPLATE_DF = 4
"""A query sentence most of whose indexed shingles are in this many documents or more is a template
line of the archive (a formula repeated across articles), like one aligned by many candidates."""
MIN_REST_CHARS = 30
"""Least Chinese characters left unexplained by the accepted sources for them to be judged
again on their own (stitched copies)."""


@dataclass
class Match:
    """One source document of the query.  Its :attr:`swaps` are read when first asked for
    (:meth:`read_swaps_later`): reading them is most of a trace's time, and a caller that only
    needs the sources never pays for it."""

    id: str
    score: float
    coverage: float
    passages: list[Passage]
    swaps: list[Substitution] = field(default_factory=list)
    source_text: str = field(default="", repr=False)
    meta: dict[str, str] = field(default_factory=dict)
    """The source's title, url, date and ``--meta`` fields, as indexed."""

    def read_swaps_later(self, reader: Callable[[], list[Substitution]]) -> None:
        """Let :attr:`swaps` be ``reader()``, computed on first access (``reader`` must pickle, e.g. a
        :func:`functools.partial` of a module function, for a match sent between processes)."""
        self.__dict__.pop("swaps", None)
        self.__dict__["_reader"] = reader

    def __getattr__(self, name: str):  # only for attributes not set: the swaps of read_swaps_later
        reader = self.__dict__.get("_reader") if name == "swaps" else None
        if reader is None:
            raise AttributeError(name)
        self.__dict__["swaps"] = swaps = reader()
        del self.__dict__["_reader"]
        return swaps

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
    miss: str | None = None
    """Without matches: why none was accepted (too short, the closest document's score), with a hint."""

    def to_dict(self) -> dict[str, Any]:
        """The ``unspin trace --format json`` object."""
        return {"matches": [m.to_dict() for m in self.matches]}


@cache
def _open_cached(path: str, pid: int) -> TraceIndex:
    return TraceIndex.open(path)


def resolve_index(index: TraceIndex | str | Path) -> TraceIndex:
    """An open :class:`TraceIndex` or :class:`~unspin.trace.shards.ShardedIndex` (folders, sharded or
    not, are opened once per process)."""
    if isinstance(index, (str, PathLike)):  # per process: a forked worker must not share its parent's connection
        return _open_cached(str(Path(index).resolve()), os.getpid())
    return index


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
    query: QueryFacts | None = field(default=None, repr=False)
    """The query's sentences, shared by every candidate (for :meth:`evidence` on a part)."""

    def evidence(self, within: frozenset[int] | None = None) -> Evidence:
        """The alignment's evidence over the query sentences ``within`` (all when ``None``)."""
        q, al = self.query, self.alignment
        if q is None:
            return Evidence(al.shared, self.score, self.coverage, self.content, al.similarity, al.sentences)
        idx = range(len(q.han)) if within is None else within
        rows = [(qi, sh, raw, src) for (qi, sh, raw), (_, _, *src) in zip(al.query_sentences, al.pairs, strict=True)
                if within is None or qi in within]
        shared, raw = sum(r[1] for r in rows), sum(r[2] for r in rows)
        anchors, raws = sum(q.shingles[r[0]] for r in rows), sum(q.raw[r[0]] for r in rows)
        han = sum(q.han[i] for i in idx) or 1
        return Evidence(
            shared, shared / (sum(q.shingles[i] for i in idx) or 1), sum(q.han[r[0]] for r in rows) / han,
            sum(q.han[r[0]] for r in rows if r[0] not in q.boilerplate) / han,
            shared / anchors if anchors else 0.0, len({tuple(r[3]) for r in rows}),
            raw, raw / (sum(q.raw[i] for i in idx) or 1), raw / raws if raws else 0.0)


@dataclass(frozen=True)
class QueryFacts:
    """Per query sentence: anchor shingles, raw shingles and Chinese characters; and the boilerplate sentences."""

    shingles: list[int]
    raw: list[int]
    han: list[int]
    boilerplate: frozenset[int]


@dataclass(frozen=True)
class Evidence:
    """What a candidate's alignment shows over (a part of) the query; see :func:`accepted`."""

    shared: int
    score: float
    coverage: float
    content: float
    similarity: float
    sentences: int
    raw_shared: int = 0
    """Raw (unmasked) shingles shared by the aligned sentences."""
    raw_score: float = 0.0
    """Share of the query's raw shingles they hold."""
    raw_similarity: float = 0.0
    """Share of the aligned query sentences' raw shingles found in their source sentences."""


def idf_weights(df: dict[int, int], n_docs: int) -> dict[int, float]:
    """``log((N + 1) / (df + 1))`` for every hash: rare (informative) shingles weigh most."""
    return {h: math.log((n_docs + 1) / (d + 1)) for h, d in df.items()}


def score_candidates(text: str, ix: TraceIndex, candidates: int = 20, exclude: int | None = None,
                     group: Callable[[int], int] | None = None) -> list[Scored]:
    """Align the ``candidates`` documents sharing the most IDF weight of sampled shingles with ``text``.

    A query sentence aligned by more than :data:`BOILERPLATE_SENTENCE` of them is boilerplate
    (a template line of the corpus) and does not count towards any candidate's ``content``.

    For a query that is itself indexed (``unspin dedup``): ``exclude`` is its own document number,
    left out of the candidates and of every document frequency; ``group`` maps a document number
    to its group (the copies of one article found so far), so that a group counts once in
    document frequencies and in the boilerplate count, as one source would in an archive.
    """
    fp = ix.fingerprinter
    postings, df = ix.lookup(fp.sampled(text))
    if exclude is not None or group is not None:
        postings, df = _regrouped(postings, df, exclude, group)
    ranked = rank_candidates(postings, idf_weights(df, len(ix)), candidates)
    if not ranked:
        return []
    q_sents = sentences(text, fp)
    docs = ix.documents(ranked)
    alignments = align_many(SourceView(text, fp, q_sents), [source for _, source in docs], fp)
    out = [Scored(num, doc_id, source, al, 0.0, 0.0)
           for num, (doc_id, source), al in zip(ranked, docs, alignments, strict=True)]
    key = group or (lambda num: num)
    aligned_by = Counter(qi for qi, _ in {(qi, key(c.num)) for c in out for qi, *_ in c.alignment.query_sentences})
    common = {qi for qi, s in enumerate(q_sents) if _is_template(s, df)}
    facts = QueryFacts([len(s.shingles) for s in q_sents], [len(s.raw) for s in q_sents],
                       [han_count(text[s.start : s.end]) for s in q_sents],
                       frozenset(qi for qi, n in aligned_by.items() if n > BOILERPLATE_SENTENCE or qi in common))
    for c in out:  # the whole-query measures are the evidence over every sentence
        c.query = facts
        e = c.evidence()
        c.score, c.coverage, c.content = e.score, e.coverage, e.content
    return out


def _regrouped(postings: dict[int, list[int]], df: dict[int, int], exclude: int | None,
               group: Callable[[int], int] | None) -> tuple[dict[int, list[int]], dict[int, int]]:
    """``postings`` without document ``exclude``, and ``df`` counting ``group``s (see
    :func:`score_candidates`); a capped (boilerplate) shingle stays capped."""
    out_p, out_df = {}, {}
    for h, docs in postings.items():
        if not docs:  # unseen, or in too many documents to be listed
            out_p[h], out_df[h] = docs, df[h]
            continue
        kept = [d for d in docs if d != exclude]
        out_p[h] = kept
        out_df[h] = len({group(d) for d in kept}) if group else len(kept)
    return out_p, out_df


def _is_template(s: Sentence, df: dict[int, int]) -> bool:
    """Whether most of sentence ``s``'s indexed shingles are in :data:`TEMPLATE_DF` documents or more."""
    seen = sorted(df[h] for h in (*s.shingles, *s.raw) if h in df)
    return len(seen) >= 2 and seen[len(seen) // 2] >= TEMPLATE_DF


def accepted(c: Scored | Evidence, min_score: float = MIN_SCORE) -> bool:
    """Whether candidate ``c`` (or its evidence over a part of the query) shows a source (module docstring):
    its anchors do, or its raw shingles do on the raw channel's own thresholds."""
    e = c.evidence() if isinstance(c, Scored) else c
    if not (e.sentences >= 2 or e.coverage >= MIN_SINGLE_COVERAGE):
        return False
    part = e.coverage >= HALF or e.content >= MIN_CONTENT_COVERAGE
    return ((e.shared >= MIN_SHARED and e.score >= min_score
             and (e.coverage >= HALF or e.score >= HALF or (part and e.similarity >= MIN_PART_SIMILARITY)))
            or (e.raw_shared >= RAW_MIN_SHARED and e.raw_score >= max(min_score, RAW_MIN_SCORE)
                and part and e.raw_similarity >= RAW_PART_SIMILARITY))


def select_sources(scored: list[Scored], min_score: float = MIN_SCORE) -> list[Scored]:
    """The accepted candidates, then (greedily) those that explain what the accepted ones leave over.

    >>> select_sources([])
    []
    """
    kept = [c for c in scored if accepted(c, min_score)]
    if not kept:
        return kept
    q = kept[0].query
    while q is not None:
        explained = {qi for c in kept for qi, *_ in c.alignment.query_sentences}
        rest = frozenset(i for i in range(len(q.han)) if i not in explained)
        if sum(q.han[i] for i in rest) < MIN_REST_CHARS:
            break
        taken = {c.num for c in kept}
        found = [(c.evidence(rest), c) for c in scored if c.num not in taken]
        found = [(e, c) for e, c in found if accepted(e, min_score)]
        if not found:
            break
        kept.append(max(found, key=lambda ec: (ec[0].score, ec[1].score, -ec[1].num))[1])
    return kept


def trace(text: str, index: TraceIndex | str | Path, top_k: int = 5, min_score: float = MIN_SCORE,
          candidates: int = 20, swaps: bool = True) -> TraceResult:
    """Find the indexed sources of ``text`` (see module docstring).

    ``swaps=False`` skips reading each match's substitutions (most of the time a trace takes),
    for callers that only need which documents the text came from.

    Raises :class:`unspin.InputError` for empty or non-Chinese text and
    :class:`unspin.errors.IndexError_` for a missing or corrupt index.
    """
    text = check_text(text)
    ix = resolve_index(index)
    scored = score_candidates(text, ix, candidates)
    kept = select_sources(scored, min_score)
    kept.sort(key=lambda c: (-c.score, c.id))
    matches = []
    for c in kept[:top_k]:
        m = Match(c.id, c.score, c.coverage, c.alignment.passages, source_text=c.source)
        if swaps:
            m.read_swaps_later(partial(c.alignment.substitutions, text, c.source))
        m.meta = ix.metadata(c.num)
        matches.append(m)
    return TraceResult(text, matches, None if matches else _why_missed(text, ix, scored, min_score))


SHORT_CHARS = 100
"""A query with fewer Chinese characters than this holds few fingerprints: a miss says so."""


def _why_missed(text: str, ix: TraceIndex, scored: list[Scored], min_score: float) -> str:
    """Why no source was accepted, with what to do: one line for ``unspin trace``."""
    chars = han_count(text)
    short = f"the text is short ({chars} Chinese characters): trace a longer passage"
    if not scored:
        n = len(ix.fingerprinter.sampled(text))
        if n < MIN_SHARED:
            return (f"too short to trace: {chars} Chinese characters give {n} fingerprints, and a source must "
                    f"share at least {MIN_SHARED} (hint: trace a passage of {SHORT_CHARS}+ characters)")
        return (f"no indexed document shares any of the text's {n} fingerprints (hint: its source is not in this "
                "index, or the copy was rewritten beyond swapped words)")
    best = max(scored, key=lambda c: (c.score, c.coverage, -c.num))
    hint = short if chars < SHORT_CHARS else ("its source is probably not in this index (a related story shares "
                                              "some sentences), or the copy was rewritten beyond swapped words")
    return (f"the closest document, {best.id}, shares {best.alignment.shared} fingerprints, {best.score:.0%} of the "
            f"text's, and covers {best.coverage:.0%} of it; a source must share at least {MIN_SHARED} and "
            f"{min_score:.0%}, and cover half the text or match the sentences it covers closely (hint: {hint})")
