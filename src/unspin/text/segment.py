"""Word segmentation with character offsets (jieba, loaded lazily once).

>>> [t.word for t in tokenize("今年要交付")]
['今年', '要', '交付']
"""

from __future__ import annotations

import logging
from functools import cache
from typing import NamedTuple


class Token(NamedTuple):
    """A word and its ``[start, end)`` code-point span in the text."""

    word: str
    start: int
    end: int


@cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokenize(text: str) -> list[Token]:
    """Segment ``text`` into tokens that cover it exactly (whitespace included)."""
    out: list[Token] = []
    pos = 0
    for w in _jieba().cut(text, HMM=False):
        out.append(Token(w, pos, pos + len(w)))
        pos += len(w)
    return out


def word_freq(word: str) -> int:
    """Frequency of ``word`` in jieba's dictionary (0 when unknown)."""
    return _jieba().dt.FREQ.get(word, 0) or 0


def total_freq() -> int:
    """The sum of jieba's dictionary frequencies (``word_freq(w) / total_freq()`` is w's probability)."""
    return _jieba().dt.total


@cache
def _pos_tags() -> dict[str, str]:
    """jieba's part-of-speech table (word -> tag), loaded once."""
    import jieba.posseg

    _jieba()
    return jieba.posseg.dt.word_tag_tab


def same_pos(a: str, b: str) -> float:
    """1.0 when jieba tags both words with the same part of speech (first letter of the tag),
    0.0 when the tags differ, 0.5 when either word has no tag.

    >>> same_pos("汽车", "轿车"), same_pos("汽车", "交付")
    (1.0, 0.0)
    """
    tags = _pos_tags()
    ta, tb = tags.get(a), tags.get(b)
    if not ta or not tb:
        return 0.5
    return float(ta[0] == tb[0])
