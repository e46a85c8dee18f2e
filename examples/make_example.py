"""Rebuild the shipped example: spin examples/original.txt (our own text) the way a real tool would,
with a table the shipped model has never learned from.

    .venv/bin/python examples/make_example.py

The spinner is the public 伪原创 table's fixed *held-out* part (no shipped model learns
from it: see ``unspin.lexicon.public``), one choice per word for the whole document,
every hit replaced by plain string matching, as string-replacing tools do.  Writes
examples/spun.txt (the input for the README's run command) and examples/answer.json
(every swap the spinner made: span in spun.txt, spun and original word).
"""

from __future__ import annotations

import json
from pathlib import Path

from unspin.lexicon import public
from unspin.spin import choose_table, spin

HERE = Path(__file__).parent


def main() -> None:
    original = (HERE / "original.txt").read_text(encoding="utf-8")
    table = choose_table(public.table("heldout"), seed=2026)
    spun = spin(original, table, r=1.0, seed=7, mode="chars")
    (HERE / "spun.txt").write_text(spun.text, encoding="utf-8")
    answer = [{"start": s.start, "end": s.end, "spun": s.spun, "original": s.original} for s in spun.swaps]
    (HERE / "answer.json").write_text(json.dumps(answer, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(answer)} swaps written to examples/spun.txt and examples/answer.json")


if __name__ == "__main__":
    main()
