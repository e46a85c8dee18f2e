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
