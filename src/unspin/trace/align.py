"""Sentence alignment of a query against one source, and the substitutions it reveals.

Each query sentence is matched to the source sentence sharing the most anchor shingles
(see :mod:`unspin.trace.fingerprint`); consecutive matches become *passages*.  Inside
each aligned sentence pair a word-level diff gives the spinner's swaps (spun → original).

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
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from unspin.text.decode import han_count
from unspin.text.script import to_simplified
from unspin.text.segment import tokenize
from unspin.trace.fingerprint import Fingerprinter, shingle_ids

_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]*|[。！？!?；;\n]+")
MIN_SIMILARITY = 0.5
"""Share of a query sentence's shingles a source sentence must hold to be aligned."""
MIN_SENTENCE_SHARED = 3
"""Least number of shingles an aligned sentence pair must share."""
EXTEND_SIMILARITY = 0.35
"""Next to an aligned pair, the neighbouring sentences align with this share of shingles (and
``EXTEND_SHARED``): copies keep sentence order, so a weakly matching neighbour is part of the run."""
EXTEND_SHARED = 2
_MAX_SWAP_CHARS = 6


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    shingles: frozenset[int]


@dataclass(frozen=True, slots=True)
class Passage:
    """Aligned spans ``[query_start, query_end)`` and ``[source_start, source_end)``."""

    query_start: int
    query_end: int
    source_start: int
    source_end: int


@dataclass(frozen=True, slots=True)
class Substitution:
    """One swap seen at ``[start, end)`` of the query."""

    start: int
    end: int
    spun: str
    original: str


@dataclass
class Alignment:
    """How one source explains a query: passages, swaps, and the shingles they share."""

    pairs: list[tuple[int, int, int, int]] = field(default_factory=list)
    shared: int = 0
    aligned_chars: int = 0
    query_sentences: list[tuple[int, int]] = field(default_factory=list)
    """``(index in the query's sentences, shared shingles)`` of every aligned query sentence."""
    query_shingles: int = 0
    """Shingles of the aligned query sentences."""

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
        """The swaps inside every aligned sentence pair (word-level diff, see :func:`word_swaps`)."""
        return [s for qs, qe, ss, se in self.pairs for s in word_swaps(query[qs:qe], source[ss:se], qs)]


def sentences(text: str, fp: Fingerprinter) -> list[Sentence]:
    """Sentences of ``text`` (with trailing punctuation) and their anchor shingle sets.

    >>> fp = Fingerprinter(frozenset(), k=2)
    >>> [(s.start, s.end) for s in sentences("甲乙丙。丁戊！", fp)]
    [(0, 4), (4, 7)]
    """
    out = []
    for m in _SENTENCE.finditer(text):
        if m.group().strip():
            ids = shingle_ids(fp.anchor_text(m.group()), fp.k)
            out.append(Sentence(m.start(), m.end(), frozenset(ids.tolist())))
    return out


def align(query: str | list[Sentence], source: str, fp: Fingerprinter, query_text: str | None = None) -> Alignment:
    """Align ``query`` (text, or its :func:`sentences` with ``query_text``) to ``source``."""
    q_text = query if isinstance(query, str) else query_text
    q_sents = sentences(query, fp) if isinstance(query, str) else query
    s_sents = sentences(source, fp)
    where: dict[int, list[int]] = defaultdict(list)
    for j, s in enumerate(s_sents):
        for h in s.shingles:
            where[h].append(j)
    match: dict[int, tuple[int, int]] = {}
    for qi, q in enumerate(q_sents):
        if not q.shingles:
            continue
        votes: dict[int, int] = defaultdict(int)
        for h in q.shingles:
            for j in where.get(h, ()):
                votes[j] += 1
        if not votes:
            continue
        j, shared = max(votes.items(), key=lambda kv: (kv[1], -kv[0]))
        if shared >= MIN_SENTENCE_SHARED and shared / len(q.shingles) >= MIN_SIMILARITY:
            match[qi] = (j, shared)
    if EXTEND_SIMILARITY < MIN_SIMILARITY:
        _extend(match, q_sents, s_sents)
    result = Alignment()
    for qi in sorted(match):
        q, (j, shared) = q_sents[qi], match[qi]
        result.pairs.append((q.start, q.end, s_sents[j].start, s_sents[j].end))
        result.shared += shared
        result.query_shingles += len(q.shingles)
        result.query_sentences.append((qi, shared))
        result.aligned_chars += han_count(q_text[q.start : q.end])
    return result


def _extend(match: dict[int, tuple[int, int]], q_sents: list[Sentence], s_sents: list[Sentence]) -> None:
    """Grow aligned runs: the neighbour of an aligned pair aligns to the source neighbour on less evidence."""
    changed = True
    while changed:
        changed = False
        for qi, (j, _) in sorted(match.items()):
            for dq in (-1, 1):
                qn, jn = qi + dq, j + dq
                if qn in match or not (0 <= qn < len(q_sents) and 0 <= jn < len(s_sents)):
                    continue
                q = q_sents[qn]
                shared = len(q.shingles & s_sents[jn].shingles)
                if shared >= EXTEND_SHARED and shared / max(1, len(q.shingles)) >= EXTEND_SIMILARITY:
                    match[qn] = (jn, shared)
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


def word_swaps(spun: str, original: str, offset: int = 0) -> list[Substitution]:
    """Word-level differences between an aligned spun sentence and its source sentence.

    >>> [(s.start, s.spun, s.original) for s in word_swaps("本年要交给汽车", "今年要交付汽车")]
    [(0, '本年', '今年'), (3, '交给', '交付')]
    """
    a = tokenize(to_simplified(spun))
    b = tokenize(original)
    out: list[Substitution] = []
    ops = SequenceMatcher(None, [t.word for t in a], [t.word for t in b], autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in ops:
        if tag != "replace":
            continue
        if i2 - i1 == j2 - j1:
            chunks = [(a[i : i + 1], b[j : j + 1]) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)]
        else:
            chunks = [(a[i1:i2], b[j1:j2])]
        for ta, tb in chunks:
            s_word, o_word = "".join(t.word for t in ta), "".join(t.word for t in tb)
            if _plausible_swap(s_word, o_word):
                out.append(Substitution(offset + ta[0].start, offset + ta[-1].end,
                                        spun[ta[0].start : ta[-1].end], o_word))
    return out


def _plausible_swap(spun: str, original: str) -> bool:
    return (0 < len(spun) <= _MAX_SWAP_CHARS and 0 < len(original) <= _MAX_SWAP_CHARS
            and han_count(spun) == len(spun) and han_count(original) == len(original))
