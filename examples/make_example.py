"""Rebuild the shipped example: spin examples/original.txt (our own text) with a Cilin table.

    .venv/bin/python examples/make_example.py

writes examples/spun.txt (the input for the README's run command) and
examples/answer.json (every swap the spinner made: span in spun.txt, spun and original word).
"""

from __future__ import annotations

import json
from pathlib import Path

from unspin.lexicon.sources import cilin
from unspin.spin import random_table, spin

HERE = Path(__file__).parent


def main() -> None:
    original = (HERE / "original.txt").read_text(encoding="utf-8")
    table = random_table(cilin(), seed=2026, coverage=1.0)
    spun = spin(original, table, r=0.6, seed=7)
    (HERE / "spun.txt").write_text(spun.text, encoding="utf-8")
    answer = [{"start": s.start, "end": s.end, "spun": s.spun, "original": s.original} for s in spun.swaps]
    (HERE / "answer.json").write_text(json.dumps(answer, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(answer)} swaps written to examples/spun.txt and examples/answer.json")


if __name__ == "__main__":
    main()
