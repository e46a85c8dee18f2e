"""Simplified/Traditional script handling, one character at a time so offsets never move.

The engine works on Simplified text; Traditional input is mapped character by character
(OpenCC's character table, shipped in ``opencc-python-reimplemented``), analysed, and
its own characters are kept in the output.

>>> to_simplified("今年要交付汽車")
'今年要交付汽车'
>>> Script.of("今年要交付汽車").traditional
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path


@cache
def _table(name: str) -> dict[str, str]:
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / name
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        src, _, dst = line.partition("\t")
        first = dst.split(" ")[0]
        if len(src) == 1 and len(first) == 1:
            out.setdefault(src, first)
    return out


@cache
def _translation(name: str) -> dict[int, str]:
    """``_table(name)`` as a :meth:`str.translate` table (the mapping runs in C)."""
    return {ord(src): dst for src, dst in _table(name).items()}


def to_simplified(text: str) -> str:
    """Map Traditional characters to Simplified; the result has the same length."""
    return text.translate(_translation("TSCharacters.txt"))


def to_traditional(text: str) -> str:
    """Map Simplified characters to (the most common) Traditional ones, same length."""
    return text.translate(_translation("STCharacters.txt"))


@dataclass(frozen=True, slots=True)
class Script:
    """Which script a text is written in."""

    traditional: bool

    @classmethod
    def of(cls, text: str) -> Script:
        t = _table("TSCharacters.txt")
        trad = sum(1 for c in text if c in t and t[c] != c)
        han = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
        return cls(traditional=han > 0 and trad / han > 0.05)
