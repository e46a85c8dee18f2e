"""A synthetic spinner, the way 伪原创 tools work: one fixed table, each hit replaced with probability r.

Used to train the classifiers and by ``unspin eval``.  Tables are built from synonym
groups by :func:`random_table`; :func:`spin` returns the spun text and the exact record
of every swap (the answer key).

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


def spin(text: str, table: dict[str, str], r: float, seed: int) -> Spun:
    """Replace each token found in ``table`` with probability ``r``."""
    rng = random.Random(seed)
    out: list[str] = []
    swaps: list[Swap] = []
    pos = 0
    for tok in tokenize(text):
        new = table.get(tok.word)
        if new is not None and rng.random() < r:
            swaps.append(Swap(pos, pos + len(new), new, tok.word))
            out.append(new)
            pos += len(new)
        else:
            out.append(tok.word)
            pos += len(tok.word)
    return Spun("".join(out), swaps)
