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
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntFlag
from pathlib import Path


class Source(IntFlag):
    """Where a substitution pair came from."""

    CILIN = 1
    CNSYN = 2
    VECTOR = 4
    USER = 8
    LEARNED = 16
    TABLE = 32  # a directed spun -> original entry the user asserts: always applied


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candidate original for a spun word; ``sources`` is an int of :class:`Source` bits."""

    word: str
    sources: int
    similarity: float


class Lexicon:
    """Directed substitution pairs ``spun -> original`` (see module docstring)."""

    def __init__(self) -> None:
        self._pairs: dict[str, dict[str, tuple[int, float]]] = {}

    def __len__(self) -> int:
        return sum(len(v) for v in self._pairs.values())

    def __contains__(self, word: str) -> bool:
        return word in self._pairs

    def words(self) -> Iterable[str]:
        """Every word that has at least one candidate original."""
        return self._pairs.keys()

    def add(self, spun: str, original: str, source: Source, similarity: float = 1.0) -> None:
        """Add (or strengthen) the pair ``spun -> original``."""
        if spun == original:
            return
        row = self._pairs.setdefault(spun, {})
        flags, sim = row.get(original, (0, 0.0))
        row[original] = (flags | int(source), max(sim, similarity))

    def add_group(self, group: list[str], source: Source, similarity: float = 1.0) -> None:
        """Add every ordered pair of a synonym group."""
        for a in group:
            for b in group:
                if a != b:
                    self.add(a, b, source, similarity)

    def remove(self, spun: str, original: str) -> None:
        row = self._pairs.get(spun)
        if row is not None:
            row.pop(original, None)
            if not row:
                del self._pairs[spun]

    def candidates(self, spun: str) -> list[Candidate]:
        """Candidate originals for ``spun`` (empty when unknown)."""
        row = self._pairs.get(spun, {})
        return [Candidate(w, f, s) for w, (f, s) in row.items()]

    def prune(self, keep_word, max_candidates: int = 30, rank=None) -> Lexicon:
        """Keep pairs whose words pass ``keep_word``; at most ``max_candidates`` per word by ``rank``."""
        out = Lexicon()
        for spun, row in self._pairs.items():
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
        return out

    def save(self, path: str | Path) -> None:
        """Write as gzip TSV: ``spun  original  sources  similarity`` (sorted, reproducible)."""
        with gzip.GzipFile(path, "wb", mtime=0) as raw, __import__("io").TextIOWrapper(raw, "utf-8") as f:
            for spun in sorted(self._pairs):
                for w, (flags, sim) in sorted(self._pairs[spun].items()):
                    f.write(f"{spun}\t{w}\t{flags}\t{sim:.3f}\n")

    @classmethod
    def load(cls, path: str | Path) -> Lexicon:
        lex = cls()
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                spun, w, flags, sim = line.rstrip("\n").split("\t")
                lex._pairs.setdefault(spun, {})[w] = (int(flags), float(sim))
        return lex
