"""`unspin train --corpus` on a user's corpus, and the `unspin eval` harness, end to end."""

from __future__ import annotations

import json
from itertools import islice

import pytest

from unspin.cli import main
from unspin.train import corpora
from unspin.train.build import is_heldout


@pytest.fixture(scope="module")
def user_corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "archive.jsonl"
    paras = islice((p for p in corpora.peoples_daily() if not is_heldout(p)), 700)
    with open(path, "w", encoding="utf-8") as f:
        for i, p in enumerate(paras):
            f.write(json.dumps({"id": i, "body": p}, ensure_ascii=False) + "\n")
        f.write("{not json\n")
    return path


def test_train_on_user_corpus_then_restore(user_corpus, tmp_path, capsys):
    out = tmp_path / "model"
    assert main(["train", "--corpus", str(user_corpus), "--text-field", "body", "--out", str(out),
                 "--max-docs", "70"]) == 0
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["built_with"] == "unspin train --corpus" and meta["documents"] >= 50
    assert (out / "corpus_lm.pkl.gz").is_file() and (out / "pairs.pkl").is_file()
    capsys.readouterr()
    assert main(["restore", "examples/spun.txt", "--format", "json", "--model", str(out)]) == 0
    res = json.loads(capsys.readouterr().out)
    assert 0.0 <= res["spin_probability"] <= 1.0


def test_train_corpus_needs_out_and_enough_text(user_corpus, tmp_path, capsys):
    assert main(["train", "--corpus", str(user_corpus)]) == 2
    assert "--out" in capsys.readouterr().err
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("今年要交付三十万辆汽车。\n\n明年还要更多。", encoding="utf-8")
    assert main(["train", "--corpus", str(tiny), "--out", str(tmp_path / "m")]) == 2
    assert "usable documents" in capsys.readouterr().err


def test_eval_reports_every_setting(tmp_path, capsys):
    js, md = tmp_path / "r.json", tmp_path / "r.md"
    assert main(["eval", "--docs", "6", "--lengths", "300", "--rates", "0.5,0.8", "--json", str(js),
                 "--markdown", str(md)]) == 0
    report = json.loads(js.read_text(encoding="utf-8"))
    assert [(r["length"], r["r"]) for r in report["rows"]] == [(300, 0.5), (300, 0.8)]
    for row in report["rows"]:
        assert 0.0 <= row["precision"] <= 1.0 and 0.0 <= row["recall"] <= 1.0
        assert 0.0 <= row["roc_auc"] <= 1.0
    assert report["heldout_paragraphs"] > 1000
    assert "| 300 | 0.5 |" in md.read_text(encoding="utf-8")
