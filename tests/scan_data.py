"""Test corpora for the scan tests: held-out natural paragraphs, half of them spun."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path


@cache
def docs(n: int, length: int = 160) -> tuple[tuple[str, str], ...]:
    """``n`` ``(id, text)`` documents; the odd ones spun with a thesaurus table (r=0.8)."""
    import random

    import unspin
    from unspin.evaluate import heldout_paragraphs, make_docs
    from unspin.lexicon.sources import cilin
    from unspin.spin import random_table, spin

    texts = make_docs(heldout_paragraphs(unspin.load_model(), None, "text"), length, n, random.Random(5))
    table = random_table(cilin(), seed=23, coverage=0.7)
    out = []
    for i, text in enumerate(texts):
        if i % 2:
            text = spin(text, table, r=0.8, seed=i).text
        out.append((f"d{i:04d}", text))
    return tuple(out)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def read_jsonl(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


@cache
def archive(n: int = 10, length: int = 400) -> tuple[str, ...]:
    """``n`` natural held-out documents of about ``length`` characters (the articles of a trace index)."""
    import random

    import unspin
    from unspin.evaluate import heldout_paragraphs, make_docs

    return tuple(make_docs(heldout_paragraphs(unspin.load_model(), None, "text"), length, n, random.Random(7)))


@cache
def _table() -> dict[str, str]:
    from unspin.lexicon.sources import cilin
    from unspin.spin import random_table

    return random_table(cilin(), seed=23, coverage=0.7)


def spun_copy(text: str, r: float, seed: int) -> str:
    """``text`` spun by a thesaurus spinner at rate ``r`` (one fixed choice per word)."""
    from unspin.spin import spin

    return spin(text, _table(), r=r, seed=seed).text


def build_index(folder: Path, articles: list[tuple[str, str, dict]]) -> str:
    """A trace index of ``(id, text, metadata)`` articles in ``folder/index`` (built by the CLI)."""
    from unspin.cli import main

    folder.mkdir(parents=True, exist_ok=True)
    src = write_jsonl(folder / "archive.jsonl", [{"id": i, "text": t, **meta} for i, t, meta in articles])
    index = folder / "index"
    assert main(["index", "add", str(src), "--index", str(index), "--quiet"]) == 0
    return str(index)
