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


@pytest.mark.parametrize("mode", ["words", "chars"])
def test_covered_swaps_are_restored_from_the_source(archive, mode):
    """Whole jieba words swapped, or raw strings (inside longer words, garbles that change the length)."""
    ix, docs = archive
    tp = fp = gold_n = model_tp = 0
    for i in (1, 8, 15, 22):
        s = spin(docs[i], choose_table(public.table("all"), seed=i), 0.8, seed=i, mode=mode)
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
    assert tp / (tp + fp) >= 0.97 and tp / gold_n >= 0.95, (tp, fp, gold_n)
    assert tp > model_tp * 1.5  # the source knows what the model must guess


def test_text_the_copier_added_is_left_to_the_model(archive):
    """A clause added inside a covered sentence: the source shows no swap there; the model restores it."""
    ix, docs = archive
    added = "各级领导干部要充分发挥带头作用，"
    covered_cases = 0
    for k in (5, 9, 12, 16):
        table = choose_table(public.table("all"), seed=k)
        at = docs[k].index("，", 150) + 1
        head = spin(docs[k][:at], table, 0.8, seed=k, mode="chars").text
        mid = spin(added, table, 1.0, seed=0, mode="chars")
        text = head + mid.text + spin(docs[k][at:], table, 0.8, seed=k + 1, mode="chars").text
        a, b = len(head), len(head) + len(mid.text)
        result, traced = unspin.restore_from_source(text, ix)
        assert traced.matches[0].id == f"a{k}"
        if not _inside([(p.query_start, p.query_end) for m in traced.matches for p in m.passages], a, b):
            continue
        covered_cases += 1
        assert not [w for m in traced.matches for w in m.swaps if w.start < b and a < w.end]
        there = {(e.start, e.end, e.original) for e in result.edits if e.start < b and a < e.end}
        assert there and there <= {(a + w.start, a + w.end, w.original) for w in mid.swaps}
    assert covered_cases


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


# ---- the diff of one aligned sentence pair (character level, read as word swaps) ----------
def _gold(s) -> list[tuple[int, int, str, str]]:
    return [(w.start, w.end, w.spun, w.original) for w in s.swaps]


def _found(swaps) -> list[tuple[int, int, str, str]]:
    return [(w.start, w.end, w.spun, w.original) for w in swaps]


def test_a_swap_inside_a_longer_word_is_cut_to_what_the_spinner_replaced():
    from unspin.text.segment import tokenize
    from unspin.trace.swaps import word_swaps

    original = "我们不能为了局部利益而损害全局，更要比较大的风险。"
    assert "局部利益" in [t.word for t in tokenize(original)]  # jieba keeps it one word
    s = spin(original, {"局部": "部分", "比较": "比力"}, r=1.0, seed=0, mode="chars")
    assert len(s.swaps) == 2
    assert _found(word_swaps(s.text, original, offset=0)) == _gold(s)
    assert _found(word_swaps(s.text, original, offset=100)) == [(a + 100, b + 100, c, d) for a, b, c, d in _gold(s)]


def test_a_garble_that_changes_the_length_is_one_swap():
    from unspin.trace.swaps import word_swaps

    table = {"一般": "一样平常", "表示": "透露表现", "坚决": "坚定", "密切": "亲昵", "关系": "干系"}
    for original in ("一般来说，这种情况不多见。",           # inside jieba's word 一般来说
                     "我们表示坚决反对。",                   # right before another swap
                     "发言人表示，双方的合作关系十分密切。"):
        s = spin(original, table, r=1.0, seed=0, mode="chars")
        assert any(len(w.spun) != len(w.original) for w in s.swaps)
        assert _found(word_swaps(s.text, original)) == _gold(s), s.text


def test_adjacent_swaps_come_out_separately():
    from unspin.trace.swaps import word_swaps

    table = {"日益": "日趋", "密切": "亲昵", "世界": "天下", "联系": "接洽", "历史": "汗青", "机遇": "机会",
             "局部": "部分", "利益": "长处", "充分": "充实", "发挥": "阐扬"}
    for original in ("全球经济日益密切的世界经济联系，为各国提供历史机遇。",
                     "不能为谋取局部利益而不顾大局，要充分发挥各方作用。"):  # jieba: 局部利益, 充分发挥
        s = spin(original, table, r=1.0, seed=0, mode="chars")
        assert _found(word_swaps(s.text, original)) == _gold(s), s.text


def test_the_document_settles_a_garble_its_sentence_alone_cannot():
    from unspin.trace.swaps import document_swaps

    sents = ["他不能够按时参加会议。", "这件事不能再拖下去了。", "我们不能放松警惕。"]
    table = {"不能": "不克不及"}
    spun = [spin(t, table, r=1.0, seed=0, mode="chars").text for t in sents]
    offsets = [0, 20, 40]
    found = document_swaps(list(zip(spun, sents, offsets, strict=True)))
    assert [(w.start, w.spun, w.original) for w in found] == [(1, "不克不及", "不能"), (23, "不克不及", "不能"),
                                                             (42, "不克不及", "不能")]


def test_dropped_or_added_text_is_no_swap():
    from unspin.trace.swaps import word_swaps

    original = "会议强调，在新的一年里，要进一步加强管理，提高效率。"
    cases = {
        "会议强调，要进一步增强管理，提高效率。": [("增强", "加强")],          # a clause dropped
        "会议强调，要增强管理，提高效率。": [("增强", "加强")],                # and a phrase
        "据悉，会议强调，在新的一年里，要进一步增强管理，提高效率。": [("增强", "加强")],  # a clause added
        "会议强调，在新的一年里，要进一步加强管理，提高效率和质量。": [],           # a phrase added
        "会议强调，在新的一年里，要进一步加强管理。": [],                    # the last clause dropped
    }
    for spun, want in cases.items():
        assert [(w.spun, w.original) for w in word_swaps(spun, original)] == want, spun


def test_source_edit_confidence_follows_the_reading_and_the_document():
    from unspin.trace.api import Match, TraceResult
    from unspin.trace.restore import SOURCE_CONFIDENCE, source_edits
    from unspin.trace.swaps import Substitution

    text = "本年本年透露表现天下天下天下了"
    swaps = [Substitution(0, 2, "本年", "今年", 0.3), Substitution(2, 4, "本年", "今年", 0.3),
             Substitution(4, 8, "透露表现", "表示", 2.0),
             Substitution(8, 10, "天下", "世界", 0.3), Substitution(10, 12, "天下", "世界", 0.3),
             Substitution(12, 14, "天下", "全球", 0.3)]
    traced = TraceResult(text, [Match("a", 1.0, 1.0, [], swaps=swaps)])
    conf = {e.start: e.confidence for e in source_edits(traced)[0]}
    assert conf[0] == conf[2] == SOURCE_CONFIDENCE            # a plain pair, seen twice
    assert 0.8 < conf[4] < SOURCE_CONFIDENCE                   # a garble seen once
    assert conf[8] == conf[10] == SOURCE_CONFIDENCE            # 天下 → 世界 twice ...
    assert conf[12] == SOURCE_CONFIDENCE                       # ... 天下 → 全球 once: two originals may share a spun word
    swaps[5] = Substitution(12, 14, "环球", "世界", 0.3)        # one original, two spun words: a conflict
    conf = {e.start: e.confidence for e in source_edits(TraceResult(text, [Match("a", 1, 1, [], swaps=swaps)]))[0]}
    assert conf[12] < 0.5 < conf[8] < SOURCE_CONFIDENCE
