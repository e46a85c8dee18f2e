"""The one result type shared by the Python API, the CLI, the HTTP API and the web page.

A :class:`Result` describes one analysed document: its restored text, its spin
probability and the list of :class:`Edit` objects (spans of the input believed to be
spun, with the likely original word), one per occurrence; :meth:`Result.evidence` gives the
distinct pairs as :class:`Evidence` (an edit with its ``count``).  Offsets are Unicode code
points into the input.

>>> e = Edit(start=3, end=5, spun="本年", original="今年", confidence=0.93, alternatives=["当年"])
>>> r = Result(text="雷军:本年要", restored="雷军:今年要", spin_probability=0.97, edits=[e])
>>> r.to_dict()["edits"][0]["original"]
'今年'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from operator import attrgetter
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


@dataclass(frozen=True, slots=True)
class Evidence(Edit):
    """A distinct ``(spun, original)`` pair: its most confident occurrence and how often it occurs."""

    count: int = 1


@dataclass(slots=True)
class Result:
    """Analysis of one document (see module docstring)."""

    text: str
    restored: str
    spin_probability: float
    edits: list[Edit] = field(default_factory=list)
    threshold: float = DEFAULT_THRESHOLD
    note: str | None = None  # e.g. why a verdict was lowered
    stage: str = "decoder"  # who decided: "decoder", or "cascade" (cleared by the first stage: no evidence read)

    @property
    def label(self) -> str:
        """``"spun"`` or ``"natural"`` at :attr:`threshold`."""
        return "spun" if self.spin_probability >= self.threshold else "natural"

    @property
    def chars(self) -> int:
        return len(self.text)

    def evidence(self, k: int = 5) -> list[Evidence]:
        """The ``k`` strongest distinct pairs, each its most confident edit with the pair's ``count``.

        >>> r = Result("拜访拜访", "访问访问", 0.9, [Edit(0, 2, "拜访", "访问", 0.8), Edit(2, 4, "拜访", "访问", 0.9)])
        >>> [(e.spun, e.original, e.confidence, e.count, e.start) for e in r.evidence()]
        [('拜访', '访问', 0.9, 2, 2)]
        """
        counts = Counter((e.spun, e.original) for e in self.edits)
        best: dict[tuple[str, str], Edit] = {}
        for e in self.edits:
            key = (e.spun, e.original)
            if key not in best or e.confidence > best[key].confidence:
                best[key] = e
        ranked = sorted(best.values(), key=lambda e: (-e.confidence, -counts[e.spun, e.original], e.start))
        return [Evidence(**asdict(e), count=counts[e.spun, e.original]) for e in ranked[:k]]

    def marked(self) -> str:
        """The input with each edit written in place as ``【spun→original】`` (``restore --format diff``).

        >>> Result("本年要交付", "今年要交付", 0.9, [Edit(0, 2, "本年", "今年", 0.9)]).marked()
        '【本年→今年】要交付'
        """
        return apply_edits(self.text, self.edits, lambda e: f"【{e.spun}→{e.original}】")

    def to_dict(self) -> dict[str, Any]:
        """The ``unspin restore --format json`` object."""
        return {
            "restored": self.restored,
            "spin_probability": round(self.spin_probability, 6),
            "label": self.label,
            "edits": [e.to_dict() for e in self.edits],
            **({"note": self.note} if self.note else {}),
            **({"stage": self.stage} if self.stage != "decoder" else {}),
        }

    def detect_record(self, path: str | None = None, k: int = 5) -> dict[str, Any]:
        """The ``unspin detect --format jsonl`` record."""
        return {
            "path": path,
            "spin_probability": round(self.spin_probability, 6),
            "label": self.label,
            "chars": self.chars,
            "evidence": [e.to_dict() for e in self.evidence(k)],  # distinct pairs, each with its count
            **({"note": self.note} if self.note else {}),
            **({"stage": self.stage} if self.stage != "decoder" else {}),
        }


def apply_edits(text: str, edits: list[Edit], render: Callable[[Edit], str] = attrgetter("original")) -> str:
    """Replace each edit's span by ``render(edit)`` (its original); every other character is kept.

    >>> apply_edits("本年要交给", [Edit(0, 2, "本年", "今年", 1.0), Edit(3, 5, "交给", "交付", 1.0)])
    '今年要交付'
    """
    out: list[str] = []
    pos = 0
    for e in sorted(edits, key=lambda e: e.start):
        out.append(text[pos : e.start])
        out.append(render(e))
        pos = e.end
    out.append(text[pos:])
    return "".join(out)
