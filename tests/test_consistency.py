"""Issue 18, item 6: a progress bar that counts what it did, a miss in `trace` that says why, and the
exit codes of the README's table."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from unspin.cli import main

ROOT = Path(__file__).resolve().parents[1]
GOOD = "雷军在发布会上说，今年要交付三十万辆小米汽车，明年的目标是再翻一番。"


def _docs(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"a{i}.txt").write_text(GOOD + f"这是第{i}篇报道，说的是第{i}批订单。", encoding="utf-8")
    return folder


def test_index_add_progress_counts_a_small_add(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)  # the bar shows on a terminal only
    assert main(["index", "add", str(_docs(tmp_path / "d", 6)), "--index", str(tmp_path / "idx")]) == 0
    bar = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert re.search(r"index add: 6 docs\b", bar) and "added 6" in bar, bar


def test_a_miss_in_trace_says_why_with_a_hint(tmp_path, capsys):
    idx = tmp_path / "idx"
    assert main(["index", "add", str(_docs(tmp_path / "d", 3)), "--index", str(idx), "--quiet"]) == 0
    capsys.readouterr()
    short = tmp_path / "short.txt"
    short.write_text("今天天气很好。", encoding="utf-8")
    assert main(["trace", str(short), "--index", str(idx)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("no source found in the index: too short to trace: 6 Chinese characters"), out
    assert "hint: trace a passage of 100+ characters" in out
    unrelated = tmp_path / "park.txt"
    unrelated.write_text("城西湿地公园完成了二期改造，新增步道三公里，并种植了两万株本地植物。公园管理处表示，"
                         "改造后的湿地吸引了更多候鸟停留，周末游客数量比去年同期增加了近一倍。", encoding="utf-8")
    assert main(["trace", str(unrelated), "--index", str(idx)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("no source found in the index: ") and "(hint: " in out, out
    related = tmp_path / "related.txt"  # shares one sentence with the archive, no more
    related.write_text(GOOD + "城西湿地公园完成了二期改造，新增步道三公里，并种植了两万株本地植物。公园管理处表示，"
                       "改造后的湿地吸引了更多候鸟停留，周末游客数量比去年同期增加了近一倍。", encoding="utf-8")
    assert main(["trace", str(related), "--index", str(idx)]) == 0
    out = capsys.readouterr().out
    if out.startswith("no source found"):  # the closest document is named with its numbers and the bar
        assert re.search(r"the closest document, a\d\.txt, shares \d+ fingerprints, \d+% of the text's", out), out
        assert "a source must share at least 8 and 8%" in out


def test_exit_codes_follow_the_readme_table(tmp_path, capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Exit codes"):]
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 3 |", "| 4 |", "| 130 |"):
        assert code in table
    idx = tmp_path / "idx"
    docs = _docs(tmp_path / "d", 2)
    (docs / "latin.txt").write_text("only latin letters", encoding="utf-8")
    assert main(["index", "add", str(docs), "--index", str(idx), "--quiet"]) == 2  # some input unusable
    assert main(["trace", str(docs / "a0.txt"), str(docs / "latin.txt"), "--index", str(idx)]) == 2
    assert main(["detect", str(docs / "a0.txt"), str(docs / "latin.txt")]) == 2
    assert main(["trace", str(docs / "a0.txt"), "--index", str(tmp_path / "none")]) == 4  # the index
    (tmp_path / "model").mkdir()
    assert main(["detect", str(docs / "a0.txt"), "--model", str(tmp_path / "model")]) == 3  # the model
    assert main(["restore", str(docs / "latin.txt")]) == 2  # the input
    capsys.readouterr()
