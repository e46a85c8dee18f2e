"""Restore from the source: a traced copy is restored with the words its source shows."""

from __future__ import annotations

import gzip
import json

import pytest

import unspin
from unspin.cli import main
from unspin.lexicon import public
from unspin.spin import choose_table, spin
from unspin.train.corpora import documents, peoples_daily


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[str, list[str]]:
    docs = [d for d, _ in zip((d for d in documents(peoples_daily(), seed=5, min_chars=400, max_chars=1000)
                                if len(d) >= 400), range(30), strict=False)]
    folder = tmp_path_factory.mktemp("archive")
    with gzip.open(folder / "docs.jsonl.gz", "wt", encoding="utf-8") as f:
        for i, d in enumerate(docs):
            f.write(json.dumps({"id": f"a{i}", "text": d}, ensure_ascii=False) + "\n")
    ix = str(folder / "index")
    assert main(["index", "add", str(folder / "docs.jsonl.gz"), "--index", ix, "--quiet"]) == 0
    return ix, docs


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def test_covered_swaps_are_restored_from_the_source(archive):
    ix, docs = archive
    tp = fp = gold_n = model_tp = 0
    for i in (1, 8, 15, 22):
        s = spin(docs[i], choose_table(public.table("all"), seed=i), 0.8, seed=i, mode="words")
        result, traced = unspin.restore_from_source(s.text, ix)
        assert traced.matches[0].id == f"a{i}"
        covered = [(p.query_start, p.query_end) for m in traced.matches for p in m.passages]
        gold = {(w.start, w.end, w.original) for w in s.swaps if _inside(covered, w.start, w.end)}
        pred = {(e.start, e.end, e.original) for e in result.edits if _inside(covered, e.start, e.end)}
        tp, fp, gold_n = tp + len(gold & pred), fp + len(pred - gold), gold_n + len(gold)
        model = {(e.start, e.end, e.original) for e in unspin.restore(s.text).edits}
        model_tp += len(gold & model)
        assert all(s.text[e.start : e.end] == e.spun for e in result.edits)
        assert result.label == "spun"
    assert gold_n > 100
    assert tp / (tp + fp) >= 0.93 and tp / gold_n >= 0.9, (tp, fp, gold_n)
    assert tp > model_tp * 1.5  # the source knows what the model must guess


def test_restore_index_cli_lists_sources(archive, tmp_path, capsys):
    ix, docs = archive
    path = tmp_path / "copy.txt"
    path.write_text(spin(docs[3], choose_table(public.table("all"), seed=3), 0.8, 3).text, encoding="utf-8")
    assert main(["restore", str(path), "--index", ix, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["sources"][0]["id"] == "a3" and out["edits"] and out["label"] == "spun"
    keep = tmp_path / "keep.txt"
    keep.write_text(out["edits"][0]["spun"], encoding="utf-8")
    assert main(["restore", str(path), "--index", ix, "--format", "json", "--keep", str(keep)]) == 0
    kept = json.loads(capsys.readouterr().out)
    assert out["edits"][0]["spun"] not in {e["spun"] for e in kept["edits"]}


def test_text_with_no_source_falls_back_to_the_model(archive):
    ix, _ = archive
    text = "市教育局昨天召开新闻发布会，宣布今年将在城区和郊区新建二十所公立幼儿园，新增学位约六千个。"
    result, traced = unspin.restore_from_source(text, ix)
    assert traced.matches == [] and result.text == text
    assert result.edits == unspin.restore(text).edits
