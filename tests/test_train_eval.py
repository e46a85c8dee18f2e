"""`unspin train --corpus` on a user's corpus, and the `unspin eval` harness, end to end."""

from __future__ import annotations

import json
from itertools import islice

import pytest

from unspin.cli import main
from unspin.model import FORMAT
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
    assert meta["format"] == FORMAT and set(meta["files"]) >= {"corpus_lm.json.gz", "pairs.npz", "lexicon.tsv.gz",
                                                              "vectors.npz"}  # the base model's vectors
    assert not list(out.glob("*.pkl*"))  # data files only: nothing is pickled
    assert meta["calibration"] is None or len(meta["calibration"]["coef"]) == 3
    capsys.readouterr()
    assert main(["restore", "examples/spun.txt", "--format", "json", "--model", str(out)]) == 0
    res = json.loads(capsys.readouterr().out)
    assert 0.0 <= res["spin_probability"] <= 1.0


def test_train_corpus_needs_out_and_enough_text(user_corpus, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:  # --out is a required option
        main(["train", "--corpus", str(user_corpus)])
    assert stop.value.code == 2 and "--out" in capsys.readouterr().err
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("今年要交付三十万辆汽车。\n\n明年还要更多。", encoding="utf-8")
    assert main(["train", "--corpus", str(tiny), "--out", str(tmp_path / "m")]) == 2
    assert "usable documents" in capsys.readouterr().err


def test_eval_reports_every_spinner_and_setting(tmp_path, capsys):
    js, md = tmp_path / "r.json", tmp_path / "r.md"
    table = tmp_path / "my-table.txt"
    table.write_text("今年→本年\n发展→成长\n问题→题目\n", encoding="utf-8")
    assert main(["eval", "--docs", "6", "--lengths", "300", "--rates", "0.5,0.8", "--table", str(table),
                 "--json", str(js), "--markdown", str(md)]) == 0
    report = json.loads(js.read_text(encoding="utf-8"))
    spinners = ["round-trip", "vector", "public-heldout", "public-known", "partial", "antonym-traps",
                "table:my-table.txt", "real-tool", "thesaurus"]
    assert [(r["spinner"], r["length"], r["r"]) for r in report["rows"]] == [
        (s, 300, r) for s in spinners for r in (0.5, 0.8)
    ]
    for row in report["rows"]:
        assert 0.0 <= row["precision"] <= 1.0 and 0.0 <= row["recall"] <= 1.0
        assert set(row["by_kind"]) <= {"known", "heldout", "other"}
    held = [r for r in report["rows"] if r["spinner"] == "public-heldout"]
    assert all(set(r["by_kind"]) <= {"heldout", "known", "other"} and "heldout" in r["by_kind"] for r in held)
    assert report["natural"][0]["length"] == 300 and report["natural"][0]["deleting_edits"] >= 0
    assert report["heldout_paragraphs"] > 1000
    text = md.read_text(encoding="utf-8")
    assert "Spinner `public-heldout`" in text and "| 300 | 0.8 |" in text


def test_eval_rejects_a_missing_table(capsys):
    assert main(["eval", "--docs", "2", "--lengths", "300", "--table", "no-such-table.tsv"]) == 2
    assert "spinner table not found" in capsys.readouterr().err
