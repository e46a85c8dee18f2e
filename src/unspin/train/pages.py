"""Learn a spinner's pairs from its own pages, with no originals (``unspin learn-pairs --pages``).

A spinner applies one fixed table to every page it writes, so its pairs recur: across a
batch of pages from one source the same odd word keeps appearing where the language model
wants the same original, and that original is rarely left in place.  Each page is decoded
with the model once; every reading ``spun <- original`` the decoder scored anywhere in the
batch becomes one row of batch evidence (:data:`PAGE_FEATURES`): the LM gains pooled over all
its occurrences, the pages it was read on, the share of them where it was the best reading,
the pair probabilities, how over-used the spun word and how under-used the original are in
the batch against the segmenter's frequencies, and the decoder's pair features averaged.
None of them names the pair: they carry to tables no model saw.

With a model that holds the **page classifier** (``pages`` trees, fitted by
:func:`unspin.train.page_model.train_page_model` on batches of pages spun by the model's own
spinner families), each spun word keeps its best-scored original when that scores at least
the model's ``page_threshold`` on at least ``min_pages`` pages.  A model without it (older
``unspin train --out`` folders) keeps the rule it had: the best reading on ``min_pages`` pages
and 60% of the pages with any reading, mean probability 0.4, the spun word 3x over-used.
Either way the meaning guard of the model must let the pair pass (no antonym, no contrast
character, no doubtful pair), pairs of the public table's known part are learned only when they are
most of what the batch teaches (:func:`public_if_lineage`: a tool of another lineage writes
some of the table's words for other originals, 计谋 for 战略 where the table has 策略), and
each original keeps one spun word, the one read on the most
pages (:func:`one_per_original`): a tool writes one word for an original, so a second reading
of the same original is a natural word the decoder misread (治理 <- 管理 beside the tool's
经管 <- 管理).

>>> stats = PairStats(best=[0.9, 0.8, 0.95], seen_pages=3)
>>> round(stats.share, 2), round(stats.mean_p, 2)
(1.0, 0.88)
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from unspin.decode.document import analyse
from unspin.decode.features import PAIR_FEATURES
from unspin.lexicon import Lexicon, Source
from unspin.text.segment import total_freq, word_freq

PAGE_FEATURES = [
    "delta_mean", "delta_median", "log_readings", "log_pages", "coverage", "mean_p", "best_share", "freq_shift",
    "spun_overuse", "original_underuse", "original_pages",
    *(f"pair_{name}" for name in PAIR_FEATURES),
]
"""The batch evidence on one reading (see module docstring): LM gains (log10) pooled over its
occurrences; readings and pages (log); the share of the spun word's occurrences read; mean pair
probability; share of its pages where it was the best reading; the log shift of count(spun) /
count(original) in the batch against their frequencies; log over-use of the spun word and
under-use of the original against the segmenter's frequencies; the share of the batch's pages
holding the original; and the decoder's pair features (:data:`PAIR_FEATURES`) averaged."""
RULE = {"min_share": 0.6, "min_p": 0.4, "min_overuse": 3.0}
"""The rule of a model without a page classifier (module docstring)."""


@dataclass
class PairStats:
    """What the batch showed of one reading ``spun <- original`` (see module docstring)."""

    best: list[float] = field(default_factory=list)  # pair probability on each page where it was the best reading
    probs: list[float] = field(default_factory=list)  # pair probability on each page read
    deltas: list[float] = field(default_factory=list)  # LM gain of every occurrence read, all pages
    features: np.ndarray | None = None  # sum of the decoder's pair features over the pages read
    seen_pages: int = 0  # pages where the spun word had any reading

    @property
    def share(self) -> float:
        return len(self.best) / max(self.seen_pages, 1)

    @property
    def mean_p(self) -> float:
        return sum(self.best) / max(len(self.best), 1)


@dataclass
class Batch:
    """The batch evidence: readings, and how often each word occurs and on how many pages."""

    pairs: dict[tuple[str, str], PairStats]
    counts: Counter  # occurrences of each word over the batch
    pages_with: Counter  # pages holding each word
    words: int  # words in the batch
    pages: int


@dataclass(frozen=True)
class LearnedPair:
    spun: str
    original: str
    pages: int
    share: float
    mean_p: float
    overuse: float
    score: float | None = None  # the page classifier's probability (None: learned by the rule)


def overuse(word: str, occurrences: int, words: int) -> float:
    """How many times more often ``word`` occurs than the segmenter's frequencies predict."""
    expected = (word_freq(word) + 1) / total_freq() * max(words, 1)
    return occurrences / expected


def collect(texts: Iterable[str], model, progress: Callable[[int], None] | None = None) -> Batch:
    """The batch evidence of the pages (each decoded once)."""
    stats: dict[tuple[str, str], PairStats] = defaultdict(PairStats)
    seen: Counter = Counter()
    counts: Counter = Counter()
    pages_with: Counter = Counter()
    n = words = 0
    for n, text in enumerate(texts, 1):
        a = analyse(text, model)
        counts.update(a.words)
        pages_with.update(set(a.words))
        words += len(a.words)
        for spun, hyps in a.pairs.items():
            seen[spun] += 1
            top = max(hyps, key=lambda h: h.p2)
            for h in hyps:
                st = stats[(spun, h.candidate.word)]
                st.probs.append(h.p2)
                st.deltas.extend(h.deltas)
                if h.features is not None:
                    st.features = h.features.copy() if st.features is None else st.features + h.features
                if h is top:
                    st.best.append(h.p2)
        if progress is not None:
            progress(n)
    for (spun, _), st in stats.items():
        st.seen_pages = seen[spun]
    return Batch(dict(stats), counts, pages_with, words, n)


def page_features(batch: Batch) -> tuple[list[tuple[str, str]], np.ndarray]:
    """``(readings, rows of PAGE_FEATURES)`` of every reading in ``batch``.

    >>> b = Batch({("本年", "今年"): PairStats([0.9], [0.9], [1.5, 0.5], np.ones(len(PAIR_FEATURES)), 1)},
    ...           Counter({"本年": 2}), Counter({"本年": 1}), 400, 1)
    >>> keys, X = page_features(b)
    >>> keys, X.shape == (1, len(PAGE_FEATURES)), float(X[0, 0])
    ([('本年', '今年')], True, 1.0)
    """
    expected = batch.words / total_freq()  # occurrences per unit of the segmenter's frequency
    keys = list(batch.pairs)
    X = np.zeros((len(keys), len(PAGE_FEATURES)))
    for i, (spun, orig) in enumerate(keys):
        st = batch.pairs[spun, orig]
        d = np.asarray(st.deltas) if st.deltas else np.zeros(1)
        fs, fo = word_freq(spun) + 1, word_freq(orig) + 1
        cs, co = batch.counts[spun], batch.counts[orig]
        mean_pair = st.features / len(st.probs) if st.features is not None else np.zeros(len(PAIR_FEATURES))
        X[i] = [
            d.mean(), float(np.median(d)), math.log(len(st.deltas) + 1), math.log(len(st.probs)),
            len(st.deltas) / max(cs, 1), sum(st.probs) / len(st.probs), st.share,
            math.log((cs + 0.5) / (co + 0.5)) - math.log(fs / fo),
            math.log((cs + 0.5) / (fs * expected + 0.5)), math.log((fo * expected + 0.5) / (co + 0.5)),
            batch.pages_with[orig] / max(batch.pages, 1), *mean_pair,
        ]
    return keys, X


def learn_from_pages(
    texts: Iterable[str], model, min_pages: int = 2, progress: Callable[[int], None] | None = None,
) -> list[LearnedPair]:
    """The pairs the batch's spinner uses (see module docstring), most supported first."""
    batch = collect(texts, model, progress)
    trees = getattr(model, "pair_pages", None)
    if trees is not None:
        chosen = _classified(batch, trees, float(model.settings.get("page_threshold", 0.5)), min_pages)
    else:
        chosen = _ruled(batch, min_pages)
    out, public = [], []
    for (spun, orig), score in chosen:
        st = batch.pairs[spun, orig]
        flags = model.lexicon.flags(spun, orig)
        if model.guard.reverses(spun, orig) or flags & Source.DOUBTFUL:
            continue
        ratio = overuse(spun, batch.counts[spun], batch.words)
        out.append(LearnedPair(spun, orig, len(st.probs), round(st.share, 3), round(st.mean_p, 3),
                               round(math.log10(max(ratio, 1e-9)), 2), None if score is None else round(score, 3)))
        public.append(bool(flags & Source.PUBLIC))
    out = public_if_lineage(out, public)
    out = one_per_original(out)
    out.sort(key=lambda p: (-p.pages, -p.mean_p, p.spun))
    return out


def public_if_lineage(pairs: list[LearnedPair], public: list[bool]) -> list[LearnedPair]:
    """``pairs`` without those of the public table (``public``) unless they are most of them.

    A tool of the public table's lineage writes its words for its originals, so most of what the
    batch teaches is public pairs, and they are right.  A tool of another lineage writes some of
    the same words for other originals (计谋 for 战略, where the table has 策略): there the public
    pairs are a minority and mostly wrong, and the decoder weighs them anyway.

    >>> ps = [LearnedPair("计谋", "策略", 5, 1.0, 0.8, 1.0, 0.9), LearnedPair("鼎新", "改革", 5, 1.0, 0.8, 1.0, 0.9),
    ...       LearnedPair("轨制", "制度", 5, 1.0, 0.8, 1.0, 0.9)]
    >>> [p.spun for p in public_if_lineage(ps, [True, False, False])]
    ['鼎新', '轨制']
    >>> len(public_if_lineage(ps, [True, True, False]))
    3
    """
    if 2 * sum(public) > len(pairs):
        return pairs
    return [p for p, pub in zip(pairs, public, strict=True) if not pub]


def one_per_original(pairs: list[LearnedPair]) -> list[LearnedPair]:
    """For each original, the pair read on the most pages (then the best scored): one tool writes
    one word for an original, so the others are misreadings.

    >>> ps = [LearnedPair("经管", "管理", 9, 1.0, 0.8, 1.0, 0.9), LearnedPair("治理", "管理", 4, 1.0, 0.8, 1.0, 0.95)]
    >>> [p.spun for p in one_per_original(ps)]
    ['经管']
    """
    best: dict[str, LearnedPair] = {}
    for p in pairs:
        old = best.get(p.original)
        if old is None or (p.pages, p.score or p.mean_p, old.spun) > (old.pages, old.score or old.mean_p, p.spun):
            best[p.original] = p
    return list(best.values())


def best_readings(keys: list[tuple[str, str]], p: np.ndarray, readings: np.ndarray, min_pages: int) -> np.ndarray:
    """Indices of each spun word's best-scored reading (scores ``p``), when it was read on
    ``min_pages`` pages or more (``readings``): what learning keeps, before its threshold."""
    best: dict[str, int] = {}
    for i, (spun, _) in enumerate(keys):
        if spun not in best or p[i] > p[best[spun]]:
            best[spun] = i
    idx = np.array(sorted(best.values()), dtype=np.int64)
    return idx[readings[idx] >= min_pages] if len(idx) else idx


def _classified(batch: Batch, trees, threshold: float, min_pages: int) -> list[tuple[tuple[str, str], float]]:
    """Each spun word's best-scored reading, when it scores ``threshold`` on ``min_pages`` pages."""
    keys, X = page_features(batch)
    if not keys:
        return []
    p = trees.predict(X)
    readings = np.array([len(batch.pairs[k].probs) for k in keys])
    return [(keys[i], float(p[i])) for i in best_readings(keys, p, readings, min_pages) if p[i] >= threshold]


def _ruled(batch: Batch, min_pages: int) -> list[tuple[tuple[str, str], None]]:
    """The readings the rule keeps (a model without a page classifier; module docstring)."""
    out = []
    for (spun, orig), st in batch.pairs.items():
        if len(st.best) < min_pages or st.share < RULE["min_share"] or st.mean_p < RULE["min_p"]:
            continue
        if overuse(spun, batch.counts[spun], batch.words) >= RULE["min_overuse"]:
            out.append(((spun, orig), None))
    return out


def as_lexicon(pairs: Iterable[LearnedPair]) -> Lexicon:
    """The learned pairs as ``Source.LEARNED`` lexicon entries (pass as ``lexicon=`` / ``extra``)."""
    lex = Lexicon()
    for p in pairs:
        lex.add(p.spun, p.original, Source.LEARNED)
    return lex
