"""unspin dedup: clusters of spun copies, excerpts and stitched pages; the kept-document rule; bad
records; resume; the CLI's one-line errors (real People's Daily text, a thesaurus spinner)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from unspin.cli import main
from unspin.dedup import DedupOptions, dedup
from unspin.dedup.cluster import Member as M
from unspin.dedup.cluster import choose_kept, date_key


def _sents(t: str) -> list[str]:
    return re.findall(r"[^。！？]+[。！？]?", t)


def make_crawl(path: Path) -> dict[str, str]:
    """Six articles, each with copies spun at r = 0.3 and 0.8 and a spun 30% excerpt; two stitched
    pages; six unrelated articles; three bad records.  Odd articles and their copies carry dates
    (the original's the earliest), even ones none.  Returns each good id's true cluster."""
    from unspin.lexicon import sources
    from unspin.spin import random_table, spin
    from unspin.train.corpora import documents, peoples_daily

    docs = (d for d in documents(peoples_daily(), seed=3, min_chars=400, max_chars=1200) if len(d) >= 400)
    corpus = [d for _, d in zip(range(12), docs, strict=False)]
    table = random_table(sources.cilin(), seed=11, coverage=0.8)
    rows, truth = [], {}
    for i, t in enumerate(corpus[:6]):
        def date(d: int, i: int = i) -> dict:
            return {"date": f"1998-0{d}-1{i}"} if i % 2 else {}

        s = _sents(t)
        group = [{"id": f"a{i}", "text": t, **date(1)},
                 {"id": f"a{i}-r3", "text": spin(t, table, 0.3, i).text, **date(2)},
                 {"id": f"a{i}-r8", "text": spin(t, table, 0.8, i + 100).text, **date(3)},
                 {"id": f"a{i}-ex", "text": spin("".join(s[: max(2, len(s) * 3 // 10)]), table, 0.6, i).text}]
        rows += group
        truth.update({r["id"]: f"a{i}" for r in group})
    for i in (0, 2):
        a, b = _sents(corpus[i]), _sents(corpus[i + 1])
        rows.append({"id": f"st{i}", "text": spin("".join(a[: len(a) // 2] + b[len(b) // 2 :]), table, 0.5, i).text})
        truth[f"st{i}"] = f"a{i}"
    for i, t in enumerate(corpus[6:]):
        rows.append({"id": f"n{i}", "text": t})
        truth[f"n{i}"] = f"n{i}"
    rows += [{"id": "bad"}, {"id": "en", "text": "hello world"}, {"id": "a1", "text": "重复的编号不能再用一次。"}]
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        f.write("{broken\n")
    return truth


def _read(path: Path) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("dedup")
    truth = make_crawl(d / "crawl.jsonl")
    code = main(["dedup", str(d / "crawl.jsonl"), "--out", str(d / "out.jsonl"), "--clean-out", str(d / "clean.jsonl"),
                 "--workers", "1", "--index-out", str(d / "ix"), "--summary-json", str(d / "s.json"), "--quiet"])
    assert code == 0
    return d, truth, _read(d / "out.jsonl")


def test_copies_and_excerpts_cluster_and_unrelated_documents_stay_alone(run):
    _, truth, out = run
    assert set(out) == set(truth)
    for i in range(6):
        ids = [f"a{i}", f"a{i}-r3", f"a{i}-r8", f"a{i}-ex"]
        assert len({out[x]["cluster"] for x in ids}) == 1, [out[x] for x in ids]
        assert sum(out[x]["keep"] for x in ids) == 1
        assert out[f"a{i}-ex"]["relation"] == "excerpt"
        assert out[f"a{i}-r8"]["relation"] == "copy" and out[f"a{i}-r8"]["similarity"] > 0.5
    clusters = {}
    for doc_id, rec in out.items():
        if not doc_id.startswith("st"):
            clusters.setdefault(rec["cluster"], set()).add(truth[doc_id])
    assert all(len(v) == 1 for v in clusters.values()), clusters  # no false merge
    for i in range(6):
        assert out[f"n{i}"] == {**out[f"n{i}"], "cluster": f"n{i}", "cluster_size": 1, "keep": True, "relation": "self",
                                "keep_reason": "only"}


def test_the_original_is_kept_by_date_else_by_spin(run):
    _, _, out = run
    for i in range(6):
        kept = [k for k, r in out.items() if r["keep"] and k.startswith(f"a{i}")]
        assert len(kept) == 1 and out[kept[0]]["keep_reason"] == ("earliest_date" if i % 2 else "lowest_spin")
        assert not kept[0].endswith("-ex")  # an excerpt is never taken for the original
        if i % 2:
            assert kept == [f"a{i}"]
    # the detector tells these originals from their copies (it scores a4, from 1998, as 0.67: spun)
    assert out["a0"]["keep"] and out["a2"]["keep"] and out["a2-r8"]["cluster"] == "a2"


def test_stitched_pages_name_their_sources_and_are_dropped(run):
    _, _, out = run
    for i in (0, 2):
        rec = out[f"st{i}"]
        assert rec["relation"] == "stitched" and not rec["keep"], rec
        assert sorted(rec["sources"]) == [f"a{i}", f"a{i + 1}"]
    assert out["a0"]["cluster"] != out["a1"]["cluster"]  # a stitched page never merges its sources


def test_rejects_clean_output_summary_and_index(run, capsys):
    d, _, out = run
    rejects = [json.loads(x) for x in (d / "out.rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["reason"] for r in rejects) == ["duplicate_id", "invalid_json", "missing_field", "no_chinese"]
    clean = _read(d / "clean.jsonl")
    assert set(clean) == {k for k, r in out.items() if r["keep"]}
    assert clean["a1"]["date"] == "1998-01-11"  # rows kept whole
    s = json.loads((d / "s.json").read_text())
    assert s["documents"] == len(out) + 4 and s["removed"] == sum(not r["keep"] for r in out.values())
    assert s["sizes"]["1"] == 6 and s["stitched"] == 2
    assert not (d / "out.jsonl.parts").exists()
    assert main(["trace", str(d / "clean.jsonl"), "--index", str(d / "ix"), "--format", "json"]) in (0, 1)
    capsys.readouterr()


def test_resume_after_an_interruption_gives_the_same_result(run, tmp_path, monkeypatch):
    d, _, out = run
    import unspin.dedup.run as dr

    real, calls = dr.links, {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 12:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    opts = DedupOptions(inputs=[str(d / "crawl.jsonl")], out=str(tmp_path / "o.jsonl"), workers=1, shard_size=5,
                        progress=False)
    monkeypatch.setattr(dr, "links", dying)
    with pytest.raises(KeyboardInterrupt):
        dedup(opts)
    assert len(list((tmp_path / "o.jsonl.parts" / "pass1").glob("*.jsonl"))) == 2
    monkeypatch.setattr(dr, "links", real)
    s = dedup(opts)
    assert s.signed == 0  # the signatures of the first run were reused
    again = _read(tmp_path / "o.jsonl")
    assert {k: (r["cluster"], r["keep"], r["relation"]) for k, r in again.items()} == \
        {k: (r["cluster"], r["keep"], r["relation"]) for k, r in out.items()}


def test_errors_are_one_line(run, tmp_path, capsys):
    d, _, _ = run
    crawl = str(d / "crawl.jsonl")
    assert main(["dedup", crawl, "--out", str(d / "out.jsonl")]) == 2  # exists
    assert main(["dedup", crawl, "--out", crawl, "--overwrite"]) == 2  # an input
    assert main(["dedup", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "o.jsonl")]) == 2
    assert main(["dedup", crawl, "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("unspin: error:") == 4


def test_keep_rule_and_dates():
    assert date_key("1998-01-02") < date_key("1998/1/10 08:00") < date_key("19980111") < date_key(1e9)
    assert date_key("n/a") is None
    ms = [M(0, 0, 100), M(1, 1, 300, date_key("2020-01-02")), M(2, 2, 500, date_key("2020-01-01"))]
    assert choose_kept(ms, set(), None) == (2, "earliest_date")
    ms = [M(0, 0, 100), M(1, 1, 300), M(2, 2, 290)]
    assert choose_kept(ms, set(), lambda nums: {0: 0.01, 1: 0.9, 2: 0.02}) == (2, "lowest_spin")
    assert choose_kept(ms, set(), None) == (1, "longest")
    assert choose_kept(ms, {1}, None) == (2, "longest")  # a stitched page is not kept while others are
