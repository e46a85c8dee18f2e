"""The substitution lexicon: for each word a spinner may have written, the words it may have replaced.

A :class:`Lexicon` maps a *spun* word to its candidate *originals*, each with a bit set
of where the pair came from (:class:`Source`) and a similarity (vector cosine, or 1.0 for
thesaurus pairs).  It is built from data by :func:`build_lexicon` and stored as a gzip TSV.

>>> lex = Lexicon()
>>> lex.add("本年", "今年", Source.USER)
>>> [c.word for c in lex.candidates("本年")]
['今年']
"""

from __future__ import annotations

import gzip
import io
import marshal
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntFlag
from itertools import chain
from pathlib import Path


class Source(IntFlag):
    """Where a substitution pair came from."""

    CILIN = 1
    CNSYN = 2
    VECTOR = 4
    USER = 8
    LEARNED = 16
    TABLE = 32  # a directed spun -> original entry the user asserts: always applied
    PUBLIC = 64  # the public 伪原创 table (known part): real spinners' lineage, still only a candidate
    GLOSS = 128  # the words share an English gloss (CC-CEDICT): a translation round trip's pair
    DOUBTFUL = 256  # not a source but a warning: no shared gloss, no thesaurus link (may change meaning)
    POS_DIFFERS = 512  # not a source: jieba tags the two words with different parts of speech


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candidate original for a spun word; ``sources`` is an int of :class:`Source` bits."""

    word: str
    sources: int
    similarity: float


class Lexicon:
    """Directed substitution pairs ``spun -> original`` (see module docstring).

    Rows loaded from a packed file stay packed (tuples) until a word is looked up or
    changed, which keeps loading the 700k-pair default lexicon well under a second.
    """

    def __init__(self) -> None:
        self._pairs: dict[str, dict[str, tuple[int, float]]] = {}
        self._packed: dict[str, tuple[tuple[str, ...], tuple[int, ...], tuple[float, ...]]] = {}

    def __len__(self) -> int:
        return sum(len(v) for v in self._pairs.values()) + sum(len(v[0]) for v in self._packed.values())

    def __contains__(self, word: str) -> bool:
        return word in self._pairs or word in self._packed

    def words(self) -> Iterable[str]:
        """Every word that has at least one candidate original."""
        return [*self._pairs.keys(), *self._packed.keys()]

    def _row(self, spun: str, create: bool = False) -> dict[str, tuple[int, float]] | None:
        packed = self._packed.pop(spun, None)
        if packed is not None:
            self._pairs[spun] = {w: (f, s) for w, f, s in zip(*packed, strict=True)}
        if create:
            return self._pairs.setdefault(spun, {})
        return self._pairs.get(spun)

    def _items(self) -> Iterable[tuple[str, dict[str, tuple[int, float]]]]:
        yield from self._pairs.items()
        for spun, (ws, fs, ss) in self._packed.items():
            yield spun, {w: (f, s) for w, f, s in zip(ws, fs, ss, strict=True)}

    def add(self, spun: str, original: str, source: Source | int, similarity: float = 1.0) -> None:
        """Add (or strengthen) the pair ``spun -> original``."""
        if spun == original:
            return
        row = self._row(spun, create=True)
        flags, sim = row.get(original, (0, 0.0))
        row[original] = (flags | int(source), max(sim, similarity))

    def add_group(self, group: list[str], source: Source, similarity: float = 1.0) -> None:
        """Add every ordered pair of a synonym group."""
        for a in group:
            for b in group:
                if a != b:
                    self.add(a, b, source, similarity)

    def remove(self, spun: str, original: str) -> None:
        row = self._row(spun)
        if row is not None:
            row.pop(original, None)
            if not row:
                del self._pairs[spun]

    def candidates(self, spun: str) -> list[Candidate]:
        """Candidate originals for ``spun`` (empty when unknown)."""
        packed = self._packed.get(spun)
        if packed is not None:
            return [Candidate(w, f, s) for w, f, s in zip(*packed, strict=True)]
        row = self._pairs.get(spun, {})
        return [Candidate(w, f, s) for w, (f, s) in row.items()]

    def flags(self, spun: str, original: str) -> int:
        """The :class:`Source` bits of the pair ``spun -> original`` (0 when the lexicon lacks it)."""
        return next((c.sources for c in self.candidates(spun) if c.word == original), 0)

    def words_with(self, source: Source | int) -> frozenset[str]:
        """The spun words that have a candidate with a ``source`` bit."""
        bit = int(source)
        return frozenset([*(w for w, row in self._pairs.items() if any(f & bit for f, _ in row.values())),
                          *(w for w, (_, fs, _) in self._packed.items() if any(f & bit for f in fs))])

    def without(self, source: Source | int) -> Lexicon:
        """A copy with the ``source`` bit cleared from every pair and the pairs that held only it
        dropped, candidates in their order (a learned model as it was before learning)."""
        bit = int(source)
        out = self.copy()
        for w in self.words_with(bit):
            kept = {o: (f & ~bit, s) for o, (f, s) in out._row(w).items() if f & ~bit}
            if kept:
                out._pairs[w] = kept
            else:
                del out._pairs[w]
        return out

    def prune(self, keep_word, max_candidates: int = 30, rank=None) -> Lexicon:
        """Keep pairs whose words pass ``keep_word``; at most ``max_candidates`` per word by ``rank``."""
        out = Lexicon()
        for spun, row in self._items():
            if not keep_word(spun):
                continue
            items = [(w, fs) for w, fs in row.items() if keep_word(w)]
            if rank is not None:
                items.sort(key=lambda it: rank(spun, it[0], it[1]), reverse=True)
            for w, (f, s) in items[:max_candidates]:
                out._pairs.setdefault(spun, {})[w] = (f, s)
        return out

    def copy(self) -> Lexicon:
        out = Lexicon()
        out._pairs = {k: dict(v) for k, v in self._pairs.items()}
        out._packed = dict(self._packed)
        return out

    def save(self, path: str | Path) -> None:
        """Write as gzip TSV: ``spun  original  sources  similarity`` (sorted, reproducible),
        plus a packed copy beside it (``.bin``, zlib-compressed marshal) for fast loading."""
        rows = dict(self._items())
        with gzip.GzipFile(path, "wb", mtime=0) as raw, io.TextIOWrapper(raw, "utf-8") as f:
            for spun in sorted(rows):
                for w, (flags, sim) in sorted(rows[spun].items()):
                    f.write(f"{spun}\t{w}\t{flags}\t{sim:.3f}\n")
        packed = {
            spun: (tuple(row), tuple(f for f, _ in row.values()), tuple(round(s, 3) for _, s in row.values()))
            for spun, row in sorted(rows.items())
        }
        Path(_packed_path(path)).write_bytes(zlib.compress(marshal.dumps(packed), 6))

    @classmethod
    def load(cls, path: str | Path) -> Lexicon:
        """Load a lexicon (from the packed ``.bin`` beside ``path`` when present: save writes both)."""
        lex = cls()
        bin_path = Path(_packed_path(path))
        if bin_path.is_file():
            lex._packed = _read_packed(bin_path)
            return lex
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                spun, w, flags, sim = line.rstrip("\n").split("\t")
                lex._pairs.setdefault(spun, {})[w] = (int(flags), float(sim))
        return lex


MAX_PACKED_BYTES = 200_000_000
"""Largest decompressed packed lexicon read (a crafted file cannot exhaust memory)."""


def _read_packed(path: Path) -> dict:
    """The packed lexicon: decompressed with a size cap, and checked to be plain data of the
    expected shape (``spun -> (words, flags, similarities)``: a string to three equal-length tuples
    of strings, integers and numbers) before use.  Every check looks at a fixed depth by type and
    prints nothing of the file: a crafted file of nested, shared tuples (small on disk,
    astronomically large when walked or printed) is refused at once.

    ``marshal.loads`` itself hashes every key of the dict, and a key that is a tuple of shared
    tuples takes forever to hash (inside one C call, deaf to signals): so a file from outside the
    installed package is first walked by :func:`_safe_shape`, which admits only the lexicon's
    shape (about 1 s for the built-in model's 870,000 pairs).  The package's own model is code's
    peer (and :func:`unspin.model.load_model` has checked its sha256): it is neither walked nor
    checked for shape after loading (0.08 s of a first ``unspin detect``)."""
    d = zlib.decompressobj()
    raw = d.decompress(path.read_bytes(), MAX_PACKED_BYTES)
    if d.unconsumed_tail or not d.eof:
        raise ValueError(f"{path.name} is truncated or decompresses to over {MAX_PACKED_BYTES:,} bytes")
    trusted = path.resolve().is_relative_to(_PACKAGE)
    if not trusted and not _safe_shape(raw):
        raise ValueError(f"{path.name} does not hold a lexicon (spun word -> words, flags, similarities)")
    data = marshal.loads(raw)
    if type(data) is not dict:
        raise ValueError(f"{path.name} does not hold a lexicon")
    if trusted:
        return data
    rows = list(data.values())
    ok = set(map(type, data)) <= {str} and set(map(type, rows)) <= {tuple}
    ok = ok and all(len(r) == 3 and len(r[0]) == len(r[1]) == len(r[2]) for r in rows)
    ok = ok and set(map(type, chain.from_iterable(rows))) <= {tuple}
    for col, kinds in enumerate(({str}, {int}, {float, int})):  # by type, never isinstance: no subclasses
        ok = ok and set(map(type, chain.from_iterable(r[col] for r in rows))) <= kinds
    if not ok:
        raise ValueError(f"{path.name} does not hold a lexicon (spun word -> words, flags, similarities)")
    return data


_STR1 = frozenset((0x75, 0x74, 0x61, 0x41, 0xF5, 0xF4, 0xE1, 0xC1))  # 4-byte length
_STR2 = frozenset((0x7A, 0x5A, 0xFA, 0xDA))  # 1-byte length
_FIXED = {5: b"\x72\x69\xe9", 9: b"\x67\xe7"}
"""Type codes of 5-byte tokens (reference, int) and of 9-byte ones (float)."""
_PACKAGE = Path(__file__).resolve().parents[1]
"""The installed package: a model inside it is as trusted as the code."""


def _safe_shape(raw: bytes) -> bool:
    """Whether ``raw`` is a marshal stream of exactly the packed lexicon's shape: a dict of string
    keys (or references to strings) to a 3-tuple of tuples of strings, integers and floats.  Walks
    the bytes once, building nothing; what it admits ``marshal.loads`` reads in linear time."""
    n = len(raw)
    if n < 2 or raw[0] not in (0x7B, 0xFB) or raw[-1] != 0x30:
        return False
    is_str = bytearray(b"\0" if raw[0] & 0x80 else b"")  # per ref slot: 1 when it holds a string
    frm = int.from_bytes
    i, end = 1, n - 1
    str1, str2 = _STR1, _STR2
    try:
        while i < end:
            c = raw[i]  # the key: a string, or a reference to one (never a container: hashing it could run forever)
            if c in str1:
                i += 5 + frm(raw[i + 1 : i + 5], "little")
                if c & 0x80:
                    is_str.append(1)
            elif c in str2:
                i += 2 + raw[i + 1]
                if c & 0x80:
                    is_str.append(1)
            elif c == 0x72:
                if not is_str[frm(raw[i + 1 : i + 5], "little")]:
                    return False
                i += 5
            else:
                return False
            if raw[i] & 0x7F != 0x29 or raw[i + 1] != 3:  # the value: a 3-tuple of tuples
                return False
            if raw[i] & 0x80:
                is_str.append(0)
            i += 2
            for col in range(3):
                c = raw[i]
                if c & 0x7F == 0x29:
                    m, i = raw[i + 1], i + 2
                elif c & 0x7F == 0x28:
                    m, i = frm(raw[i + 1 : i + 5], "little"), i + 5
                else:
                    return False
                if c & 0x80:
                    is_str.append(0)
                if col == 0:  # words
                    for _ in range(m):
                        c = raw[i]
                        if c == 0x72:
                            i += 5
                        elif c in str1:
                            i += 5 + frm(raw[i + 1 : i + 5], "little")
                            if c & 0x80:
                                is_str.append(1)
                        elif c in str2:
                            i += 2 + raw[i + 1]
                            if c & 0x80:
                                is_str.append(1)
                        else:
                            return False
                    continue
                size = 5 if col == 1 else 9
                codes = raw[i : i + size * m : size]
                if len(codes) == m and not codes.translate(None, _FIXED[size]):  # all one width: at once
                    is_str.extend(bytes(m - codes.count(0x72) - codes.count(0x69) - codes.count(0x67)))
                    i += size * m
                    continue
                for _ in range(m):  # mixed widths: one by one
                    c = raw[i]
                    if c in (0x72, 0x69, 0xE9):
                        i += 5
                    elif c in (0x67, 0xE7) and col == 2:
                        i += 9
                    else:
                        return False
                    if c & 0x80:
                        is_str.append(0)
    except IndexError:
        return False
    return i == end


def _packed_path(path: str | Path) -> str:
    p = str(path)
    return (p[: -len(".tsv.gz")] if p.endswith(".tsv.gz") else p) + ".bin"
