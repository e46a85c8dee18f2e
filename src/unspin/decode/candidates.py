"""Candidate originals: for a word a spinner may have written, the words it may have replaced.

Candidates come from the model's lexicon (the public table's known part as a prior,
thesauri, word vectors, shared English glosses; plus a user's or learned pairs), strongest
first and at most ``model.max_candidates`` per word.  Per-model caches keep the lookups
cheap; nothing here reads the text around a word (that is :mod:`unspin.decode.channel`).
"""

from __future__ import annotations

import math

from unspin.lexicon import Candidate, Lexicon, Source
from unspin.text.segment import Token, word_freq

_STRONG = int(Source.CILIN | Source.USER | Source.LEARNED)
_CNSYN = int(Source.CNSYN)
_PUBLIC = int(Source.PUBLIC)
_GLOSS = int(Source.GLOSS)
_DOUBTFUL = int(Source.DOUBTFUL)
MAX_MERGE = 4  # tokens joined at most to find a spun word the segmenter split


def _rank(c: Candidate) -> float:
    strong = bool(c.sources & _STRONG)
    return (
        4.0 * bool(c.sources & _PUBLIC) + 3.0 * strong + bool(c.sources & _CNSYN) + 1.5 * bool(c.sources & _GLOSS)
        + c.similarity + 0.3 * math.log10(word_freq(c.word) + 1) - 1.0 * bool(c.sources & _DOUBTFUL)
    )


def candidates_of(model, word: str) -> list[Candidate]:
    """The candidate originals the decoder weighs for ``word`` (strongest first)."""
    return candidates(model, word, None)


def candidates(model, word: str, extra: Lexicon | None) -> list[Candidate]:
    """Candidate originals of ``word``, strongest first, at most ``model.max_candidates``."""
    cache = model.__dict__.setdefault("_cand_cache", {})
    if extra is None and word in cache:
        return cache[word]
    cands = model.lexicon.candidates(word)
    if extra is not None and word in extra:
        merged = {c.word: c for c in cands}
        for c in extra.candidates(word):
            old = merged.get(c.word)
            merged[c.word] = Candidate(c.word, c.sources | (old.sources if old else 0), 1.0)
        cands = list(merged.values())
    cands = sorted(cands, key=lambda c: -_rank(c))[: model.max_candidates]
    if extra is None:
        cache[word] = cands
    return cands


def public_spun(model, word: str) -> bool:
    """True when the public spinner table writes ``word`` (it has a ``Source.PUBLIC`` candidate)."""
    return bool(_public_sources(model, word))


def _public_sources(model, word: str) -> frozenset[str]:
    """The originals the public table (known part) rewrites as ``word`` (cached per model)."""
    cache = model.__dict__.setdefault("_public_cache", {})
    v = cache.get(word)
    if v is None:
        v = cache[word] = frozenset(c.word for c in model.lexicon.candidates(word) if c.sources & _PUBLIC)
    return v


def public_pair(model, spun: str, original: str) -> bool:
    """True when the public table (known part) has ``original -> spun``."""
    return original in _public_sources(model, spun)


def public_originals(model) -> frozenset[str]:
    """Words the public table (known part) rewrites: a spinner leaves few of them in place."""
    v = model.__dict__.get("public_originals")
    if v is None:
        from unspin.lexicon import public

        v = model.__dict__["public_originals"] = frozenset(o for o, _ in public.pairs("known"))
    return v


def merge_split(toks: list[Token], model, extra: Lexicon | None) -> list[Token]:
    """Join adjacent tokens that together form a word a spinner writes.

    A spinner's odd words are often split by the segmenter (本年 -> 本 / 年,
    不克不及 -> 不克 / 不及), which would hide them from the decoder.  Two one-character
    tokens are joined when they form any lexicon word; up to :data:`MAX_MERGE` tokens
    when they form a word of the public spinner table.
    """
    lexicon = _words(model)
    out: list[Token] = []
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        merged, word, end = None, t.word, t.end
        for k in range(2, min(MAX_MERGE, n - i) + 1):
            nxt = toks[i + k - 1]
            if nxt.start != end or len(word) + len(nxt.word) > 6:
                break
            word, end = word + nxt.word, nxt.end
            if word not in lexicon and (extra is None or word not in extra):
                continue
            singles = k == 2 and len(t.word) == 1 and len(nxt.word) == 1
            if singles or public_spun(model, word) or (extra is not None and word in extra):
                merged = (Token(word, t.start, end), k)  # keep looking: the longest join wins
        if merged is None:
            out.append(t)
            i += 1
        else:
            out.append(merged[0])
            i += merged[1]
    return out


def _words(model) -> frozenset[str]:
    """The lexicon's spun words as a set (built once per model: a set lookup is the cheapest test)."""
    v = model.__dict__.get("_lexicon_words")
    if v is None:
        v = model.__dict__["_lexicon_words"] = frozenset(model.lexicon.words())
    return v


def fanout(model, word: str) -> float:
    """log(1 + number of words ``word`` may stand for): a channel prior (spinners pick among them)."""
    cache = model.__dict__.setdefault("_fan_cache", {})
    v = cache.get(word)
    if v is None:
        v = cache[word] = math.log1p(len(model.lexicon.candidates(word)))
    return v


def freq_rank(model, word: str) -> float:
    """log10 frequency of ``word`` minus that of its most frequent candidate (spinners pick rare words)."""
    cache = model.__dict__.setdefault("_freq_rank_cache", {})
    v = cache.get(word)
    if v is None:
        best = max((word_freq(c.word) for c in model.lexicon.candidates(word)), default=0)
        v = cache[word] = math.log10(word_freq(word) + 1) - math.log10(best + 1)
    return v
