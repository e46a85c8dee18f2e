"""A synthetic spinner, the way 伪原创 tools work: one fixed table, each hit replaced with probability r.

Used to train the classifiers and by ``unspin eval``.  A table maps an original word to
the one word this spinner writes for it.  Tables come from a real spinner table
(:func:`choose_table`: one choice per original word, kept for the whole document, as
real tools do) or from synonym groups (:func:`random_table`).  :func:`spin` returns the
spun text and the exact record of every swap (the answer key).  It matches either
jieba words (``mode="words"``) or raw characters, longest entry first, the way plain
string-replacing tools do (``mode="chars"``: such tools also swap inside longer words).

>>> table = {"今年": "本年", "交付": "交给"}
>>> spun = spin("雷军:今年要交付", table, r=1.0, seed=0)
>>> spun.text, [(s.start, s.end, s.spun, s.original) for s in spun.swaps]
('雷军:本年要交给', [(3, 5, '本年', '今年'), (6, 8, '交给', '交付')])
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from unspin.text.segment import tokenize


@dataclass(frozen=True, slots=True)
class Swap:
    start: int
    end: int
    spun: str
    original: str


@dataclass(frozen=True, slots=True)
class Spun:
    text: str
    swaps: list[Swap]


def random_table(groups: Iterable[list[str]], seed: int, coverage: float = 1.0) -> dict[str, str]:
    """One spinner's table: each word of the groups maps to one random other member.

    ``coverage`` is the share of words that get an entry (a spinner does not swap everything).
    """
    rng = random.Random(seed)
    table: dict[str, str] = {}
    for g in groups:
        for w in g:
            if w in table or len(w) < 2 or rng.random() > coverage:
                continue
            others = [x for x in g if x != w and len(x) >= 2]
            if others:
                table[w] = rng.choice(others)
    return table


def choose_table(table: dict[str, list[str]], seed: int, coverage: float = 1.0) -> dict[str, str]:
    """One spinner's fixed choice from a real table (``original -> [spun, ...]``).

    Entries with a one-character original are left out (no tool is that careless, and
    the restorer works on words); ``coverage`` is the share of entries this tool has.

    >>> choose_table({"今年": ["本年", "当年"], "车": ["轿"]}, seed=1)
    {'今年': '当年'}
    """
    rng = random.Random(seed)
    out: dict[str, str] = {}
    for orig in sorted(table):
        if len(orig) >= 2 and rng.random() < coverage:
            out[orig] = rng.choice(sorted(table[orig]))
    return out


def _units(text: str, table: dict[str, str], mode: str) -> list[str]:
    """The text cut into the pieces the spinner looks up: jieba words, or longest table matches."""
    if mode == "words":
        return [t.word for t in tokenize(text)]
    longest = max((len(k) for k in table), default=1)
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        for k in range(min(longest, n - i), 1, -1):
            if text[i : i + k] in table:
                out.append(text[i : i + k])
                i += k
                break
        else:
            out.append(text[i])
            i += 1
    return out


def spin(text: str, table: dict[str, str], r: float, seed: int, mode: str = "words") -> Spun:
    """Replace each hit of ``table`` with probability ``r`` (``mode``: see module docstring).

    >>> spin("比较大", {"比较": "比力"}, r=1.0, seed=0, mode="chars").text
    '比力大'
    """
    rng = random.Random(seed)
    out: list[str] = []
    swaps: list[Swap] = []
    pos = 0
    for unit in _units(text, table, mode):
        new = table.get(unit)
        if new is not None and rng.random() < r:
            swaps.append(Swap(pos, pos + len(new), new, unit))
            out.append(new)
            pos += len(new)
        else:
            out.append(unit)
            pos += len(unit)
    return Spun("".join(out), swaps)


def spin_span(text: str, start: int, end: int, table: dict[str, str], r: float, seed: int,
              mode: str = "words") -> Spun:
    """:func:`spin` of ``text[start:end]`` only, the rest of ``text`` kept (a page spun in one part);
    the swaps' offsets are in the whole text.

    >>> s = spin_span("比较大，比较小", 4, 7, {"比较": "比力"}, r=1.0, seed=0, mode="chars")
    >>> s.text, [(w.start, w.end) for w in s.swaps]
    ('比较大，比力小', [(4, 6)])
    """
    part = spin(text[start:end], table, r, seed=seed, mode=mode)
    return Spun(text[:start] + part.text + text[end:],
                [Swap(w.start + start, w.end + start, w.spun, w.original) for w in part.swaps])
