"""Learn a spinner's pairs from its own pages, with no originals (``unspin learn-pairs --pages``).

A spinner applies one fixed table to every page it writes, so its pairs recur: across a
batch of pages from one source the same odd word keeps appearing where the language model
wants the same original, and that original is (almost) never left in place.  Each page is
decoded with the model; a pair ``spun <- original`` is learned when, over the batch,

* it is the decoder's best reading of ``spun`` on at least ``min_pages`` pages,
* on at least ``min_share`` of the pages where ``spun`` has any reading at all,
* with a mean pair probability of at least ``min_p``,
* ``spun`` is overused: it occurs on more pages than the segmenter's word frequencies
  predict for a natural text of that length (at least ``min_overuse`` times more), and
* the meaning guard of the model lets it pass (no antonym, no contrast character, no
  doubtful pair).

>>> stats = PairStats(pages=4, best=[0.9, 0.8, 0.95], seen_pages=3)
>>> round(stats.share, 2), round(stats.mean_p, 2)
(1.0, 0.88)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from unspin.decode.document import analyse
from unspin.lexicon import Lexicon, Source
from unspin.text.segment import total_freq, word_freq


@dataclass
class PairStats:
    """What the batch showed of one pair (see module docstring)."""

    pages: int = 0  # pages in the batch
    best: list[float] = field(default_factory=list)  # pair probability on each page where it was the best reading
    seen_pages: int = 0  # pages where the spun word had any reading
    occurrences: int = 0  # occurrences of the spun word over the batch
    words: int = 0  # words of the pages holding it

    @property
    def share(self) -> float:
        return len(self.best) / max(self.seen_pages, 1)

    @property
    def mean_p(self) -> float:
        return sum(self.best) / max(len(self.best), 1)


@dataclass(frozen=True)
class LearnedPair:
    spun: str
    original: str
    pages: int
    share: float
    mean_p: float
    overuse: float


def overuse(word: str, occurrences: int, words: int) -> float:
    """How many times more often ``word`` occurs than the segmenter's frequencies predict."""
    expected = (word_freq(word) + 1) / total_freq() * max(words, 1)
    return occurrences / expected


def collect(texts: Iterable[str], model, progress: Callable[[int], None] | None = None) -> dict:
    """``(spun, original) -> PairStats`` over the pages (each decoded once)."""
    stats: dict[tuple[str, str], PairStats] = defaultdict(PairStats)
    seen: dict[str, int] = defaultdict(int)
    occ: dict[str, int] = defaultdict(int)
    words: dict[str, int] = defaultdict(int)
    n = 0
    for n, text in enumerate(texts, 1):
        a = analyse(text, model)
        counts: dict[str, int] = defaultdict(int)
        for w in a.words:
            counts[w] += 1
        for spun, hyps in a.pairs.items():
            seen[spun] += 1
            occ[spun] += counts[spun]
            words[spun] += len(a.words)
            best = max(hyps, key=lambda h: h.p2)
            stats[(spun, best.candidate.word)].best.append(best.p2)
        if progress is not None:
            progress(n)
    for (spun, _), st in stats.items():
        st.pages, st.seen_pages, st.occurrences, st.words = n, seen[spun], occ[spun], words[spun]
    return stats


def learn_from_pages(
    texts: Iterable[str], model, min_pages: int = 3, min_share: float = 0.6, min_p: float = 0.4,
    min_overuse: float = 3.0, progress: Callable[[int], None] | None = None,
) -> list[LearnedPair]:
    """The pairs the batch's spinner uses (see module docstring), most supported first."""
    out = []
    for (spun, orig), st in collect(texts, model, progress).items():
        if len(st.best) < min_pages or st.share < min_share or st.mean_p < min_p:
            continue
        ratio = overuse(spun, st.occurrences, st.words)
        doubtful = model.lexicon.flags(spun, orig) & Source.DOUBTFUL
        if ratio < min_overuse or model.guard.reverses(spun, orig) or doubtful:
            continue
        out.append(LearnedPair(spun, orig, len(st.best), round(st.share, 3), round(st.mean_p, 3),
                               round(math.log10(ratio), 2)))
    out.sort(key=lambda p: (-p.pages, -p.mean_p, p.spun))
    return out


def as_lexicon(pairs: Iterable[LearnedPair]) -> Lexicon:
    """The learned pairs as ``Source.LEARNED`` lexicon entries (pass as ``lexicon=`` / ``extra``)."""
    lex = Lexicon()
    for p in pairs:
        lex.add(p.spun, p.original, Source.LEARNED)
    return lex
