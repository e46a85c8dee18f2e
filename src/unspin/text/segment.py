"""Word segmentation with character offsets (jieba, loaded lazily once).

>>> [t.word for t in tokenize("今年要交付")]
['今年', '要', '交付']
"""

from __future__ import annotations

import logging
import math
import re
from functools import cache
from typing import NamedTuple


class Token(NamedTuple):
    """A word and its ``[start, end)`` code-point span in the text."""

    word: str
    start: int
    end: int


def _import_jieba():
    """``import jieba``, without the ``pkg_resources`` import jieba tries first.

    jieba asks ``pkg_resources`` only to open its own data files and falls back to a plain
    ``open`` when the import fails; importing ``pkg_resources`` scans every installed distribution
    (0.08 s of a 1.5 s first ``unspin detect``) and warns of its deprecation on new setuptools.  So
    the import is refused while jieba loads, unless something already imported it, and allowed
    again after."""
    import sys

    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        import jieba

        return jieba
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # import fails: jieba opens its files
    try:
        import jieba
    finally:
        del sys.modules["pkg_resources"]
    return jieba


@cache
def _jieba():
    jieba = _import_jieba()
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokenize(text: str) -> list[Token]:
    """Segment ``text`` into tokens that cover it exactly (whitespace included): the words of
    ``jieba.cut(text, HMM=False)`` (:func:`cut`)."""
    out: list[Token] = []
    pos = 0
    for w in cut(text):
        out.append(Token(w, pos, pos + len(w)))
        pos += len(w)
    return out


def cut(text: str) -> list[str]:
    """``list(jieba.cut(text, HMM=False))``, word for word, in less time: jieba's blocks, its
    dictionary DAG and its best route by the same sums, with each word's log probability looked
    up once per process instead of every time and no DAG or route dictionaries built.
    ``tests/test_text.py`` checks it against jieba."""
    jb = _jieba()
    han, skip = jb.re_han_default, jb.re_skip_default
    out: list[str] = []
    for blk in han.split(text):
        if not blk:
            continue
        if han.match(blk):
            out += _cut_block(blk)
        else:
            for x in skip.split(blk):
                if skip.match(x):
                    out.append(x)
                else:
                    out += x
    return out


def _cut_block(s: str) -> list[str]:
    """jieba's ``__cut_DAG_NO_HMM`` of one block (``get_DAG``, ``calc``, then single Latin letters
    and digits joined)."""
    freq, logp, logtotal, eng = _tables()
    n = len(s)
    score = [0.0] * (n + 1)
    end = [0] * (n + 1)
    for k in range(n - 1, -1, -1):
        best, bx = None, k
        i, frag = k, s[k]
        while True:  # the dictionary holds every prefix of its words (count 0 when not a word)
            lp = logp.get(frag, _UNSEEN)
            if lp is _UNSEEN:
                if frag not in freq:
                    break
                lp = logp[frag] = math.log(freq[frag]) - logtotal if freq[frag] else None
            if lp is not None:
                v = lp + score[i + 1]
                if best is None or v > best or (v == best and i > bx):
                    best, bx = v, i
            i += 1
            if i >= n:
                break
            frag = s[k : i + 1]
        if best is None:  # no word starts here: the character alone, at jieba's floor (count 1)
            best, bx = -logtotal + score[k + 1], k
        score[k], end[k] = best, bx
    out: list[str] = []
    x, buf = 0, ""
    while x < n:
        y = end[x] + 1
        word = s[x:y]
        if y - x == 1 and eng.match(word):
            buf += word
        else:
            if buf:
                out.append(buf)
                buf = ""
            out.append(word)
        x = y
    if buf:
        out.append(buf)
    return out


_TABLES: list = [None, None]
_UNSEEN = object()


def _tables() -> tuple[dict[str, int], dict[str, float], float, re.Pattern]:
    """jieba's dictionary, the log probabilities looked up so far, log of the total count and its
    Latin/digit pattern (started again if anything changed jieba's dictionary)."""
    jb = _jieba()
    key = (id(jb.dt.FREQ), jb.dt.total)
    if _TABLES[0] != key:
        _TABLES[:] = [key, (jb.dt.FREQ, {}, math.log(jb.dt.total), jb.re_eng)]
    return _TABLES[1]


def word_freq(word: str) -> int:
    """Frequency of ``word`` in jieba's dictionary (0 when unknown)."""
    return _jieba().dt.FREQ.get(word, 0) or 0


def total_freq() -> int:
    """The sum of jieba's dictionary frequencies (``word_freq(w) / total_freq()`` is w's probability)."""
    return _jieba().dt.total


@cache
def _pos_tags() -> dict[str, str]:
    """jieba's part-of-speech table (word -> tag), loaded once."""
    _jieba()  # jieba imported (without pkg_resources) and initialised before its posseg module
    import jieba.posseg

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
