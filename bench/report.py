"""Shared by the bench scripts: write a result as a Markdown table under bench/results/."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def write_table(name: str, title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Write ``# title`` and a table to ``bench/results/<name>``; return the text (also printed)."""
    lines = [f"# {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / name).write_text(text, encoding="utf-8")
    print(text)
    return text
