"""The one result type shared by the Python API, the CLI, the HTTP API and the web page.

A :class:`Result` describes one analysed document: its restored text, its spin
probability and the list of :class:`Edit` objects (spans of the input believed to be
spun, with the likely original word).  Offsets are Unicode code points into the input.

>>> e = Edit(start=3, end=5, spun="本年", original="今年", confidence=0.93, alternatives=["当年"])
>>> r = Result(text="雷军:本年要", restored="雷军:今年要", spin_probability=0.97, edits=[e])
>>> r.to_dict()["edits"][0]["original"]
'今年'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_THRESHOLD = 0.5
"""Documents with ``spin_probability >= DEFAULT_THRESHOLD`` are labelled ``"spun"``."""


@dataclass(frozen=True, slots=True)
class Edit:
    """One word the spinner is believed to have swapped, and what it was before."""

    start: int
    end: int
    spun: str
    original: str
    confidence: float
    alternatives: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Result:
    """Analysis of one document (see module docstring)."""

    text: str
    restored: str
    spin_probability: float
    edits: list[Edit] = field(default_factory=list)
    threshold: float = DEFAULT_THRESHOLD
    note: str | None = None  # e.g. why a verdict was lowered

    @property
    def label(self) -> str:
        """``"spun"`` or ``"natural"`` at :attr:`threshold`."""
        return "spun" if self.spin_probability >= self.threshold else "natural"

    @property
    def chars(self) -> int:
        return len(self.text)

    def evidence(self, k: int = 5) -> list[Edit]:
        """The ``k`` most confident edits: the strongest evidence of spinning."""
        return sorted(self.edits, key=lambda e: -e.confidence)[:k]

    def to_dict(self) -> dict[str, Any]:
        """The ``unspin restore --format json`` object."""
        return {
            "restored": self.restored,
            "spin_probability": round(self.spin_probability, 6),
            "label": self.label,
            "edits": [e.to_dict() for e in self.edits],
            **({"note": self.note} if self.note else {}),
        }

    def detect_record(self, path: str | None = None, k: int = 5) -> dict[str, Any]:
        """The ``unspin detect --format jsonl`` record."""
        return {
            "path": path,
            "spin_probability": round(self.spin_probability, 6),
            "label": self.label,
            "chars": self.chars,
            "evidence": [e.to_dict() for e in self.evidence(k)],
            **({"note": self.note} if self.note else {}),
        }


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Replace each edit's span by its original; every other character is kept.

    >>> apply_edits("本年要交给", [Edit(0, 2, "本年", "今年", 1.0), Edit(3, 5, "交给", "交付", 1.0)])
    '今年要交付'
    """
    out: list[str] = []
    pos = 0
    for e in sorted(edits, key=lambda e: e.start):
        out.append(text[pos : e.start])
        out.append(e.original)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)
