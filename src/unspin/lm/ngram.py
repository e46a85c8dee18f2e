"""A bigram model counted from a user's own corpus, interpolated with the base model.

``unspin train --corpus`` counts words in a publisher's clean archive so that its names,
phrases and house style score as natural.  The bigram uses absolute discounting with
a unigram back-off; only bigrams seen at least ``min_count`` times are kept.

>>> lm = BigramLM.from_sentences([["今年", "要", "交付"], ["今年", "要", "交付", "汽车"]])
>>> round(lm.prob("要", "交付"), 2) > round(lm.prob("要", "汽车"), 2)
True
"""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

MAX_LM_BYTES = 256 << 20
"""Largest corpus bigram file accepted, uncompressed."""


class BigramLM:
    """Absolute-discount bigram with unigram back-off (see module docstring)."""

    def __init__(self, unigrams: Counter, bigrams: Counter, discount: float = 0.75) -> None:
        self.unigrams = unigrams
        self.bigrams = bigrams
        self.discount = discount
        self.total = sum(unigrams.values()) or 1
        self.vocab = len(unigrams) + 1
        self._followers: Counter = Counter(a for a, _ in bigrams)

    @classmethod
    def from_sentences(cls, sentences: Iterable[Sequence[str]], min_count: int = 1) -> BigramLM:
        uni: Counter = Counter()
        bi: Counter = Counter()
        for words in sentences:
            uni.update(words)
            bi.update(zip(words, words[1:], strict=False))
        if min_count > 1:
            bi = Counter({k: v for k, v in bi.items() if v >= min_count})
        return cls(uni, bi)

    def __contains__(self, word: str) -> bool:
        return word in self.unigrams

    def prob(self, prev: str, word: str) -> float:
        p_uni = (self.unigrams.get(word, 0) + 0.5) / (self.total + 0.5 * self.vocab)
        c_prev = self.unigrams.get(prev, 0)
        if not c_prev:
            return p_uni
        c = self.bigrams.get((prev, word), 0)
        backoff = self.discount * self._followers.get(prev, 0) / c_prev
        return max(c - self.discount, 0) / c_prev + max(backoff, 1e-3) * p_uni

    def token_scores(self, words: Sequence[str]) -> list[float]:
        return [math.log10(self.prob(p, w)) for p, w in zip(words, words[1:], strict=False)]

    def save(self, path: str | Path) -> None:
        """Write as gzip JSON (data only): unigram counts, ``[prev, word, count]`` bigrams, discount."""
        body = {"format": 1, "discount": self.discount, "unigrams": dict(self.unigrams),
                "bigrams": [[a, b, c] for (a, b), c in self.bigrams.items()]}
        with gzip.GzipFile(path, "wb", mtime=0) as f:
            f.write(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))

    @classmethod
    def load(cls, path: str | Path, max_bytes: int = MAX_LM_BYTES) -> BigramLM:
        """Read what :meth:`save` wrote; :class:`ValueError` for anything else or over ``max_bytes``."""
        with gzip.open(path, "rb") as f:
            data = f.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise ValueError(f"over {max_bytes:,} bytes uncompressed")
        body = json.loads(data)
        if not isinstance(body, dict) or body.get("format") != 1:
            raise ValueError("not an unspin corpus bigram file")
        uni = Counter({str(w): int(c) for w, c in body["unigrams"].items()})
        bi = Counter({(str(a), str(b)): int(c) for a, b, c in body["bigrams"]})
        return cls(uni, bi, float(body["discount"]))


class InterpolatedLM:
    """``weight`` x corpus bigram + (1 - ``weight``) x base model, per word, in probability space."""

    def __init__(self, base, corpus: BigramLM, weight: float = 0.3) -> None:
        self.base = base
        self.corpus = corpus
        self.weight = weight

    def __contains__(self, word: str) -> bool:
        return word in self.base or word in self.corpus

    def slot_scores(self, left: Sequence[str], fillers: Sequence[str], right: Sequence[str]) -> list[float]:
        return [self.window([*left, f, *right]) for f in fillers]

    def window(self, words: Sequence[str]) -> float:
        base = self.base.token_scores(words)[1:]
        corp = self.corpus.token_scores(words)
        w = self.weight
        return sum(
            math.log10((1 - w) * 10**b + w * 10**c) for b, c in zip(base, corp, strict=False)
        )
