"""unspin dedup: clusters of spun copies, excerpts and stitched pages; the kept-document rule; bad
records; resume; the CLI's one-line errors (real People's Daily text, a thesaurus spinner)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from dedup_data import make_crawl

from unspin.cli import main
from unspin.dedup import DedupOptions, dedup
from unspin.dedup.cluster import Member as M
from unspin.dedup.cluster import choose_kept, date_key


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
        assert out[f"a{i}-r3"]["relation"] == "copy" and out[f"a{i}-r8"]["similarity"] > 0.3
    # at r = 0.8 a copy may lose a sentence's alignment (coverage < 80%: read as an excerpt)
    assert sum(out[f"a{i}-r8"]["relation"] == "copy" for i in range(6)) >= 4
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

    real, calls = dr.check, {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 30:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    opts = DedupOptions(inputs=[str(d / "crawl.jsonl")], out=str(tmp_path / "o.jsonl"), workers=1, shard_size=5,
                        progress=False, spin=False)
    monkeypatch.setattr(dr, "check", dying)
    monkeypatch.setattr(dr, "BATCH", 8)
    monkeypatch.setattr(dr, "STRETCH", 1)
    with pytest.raises(KeyboardInterrupt):
        dedup(opts)
    parts = tmp_path / "o.jsonl.parts"
    assert len(list((parts / "sign").glob("*.npz"))) == 7 and len(list((parts / "verify").glob("*.json"))) >= 3
    monkeypatch.setattr(dr, "check", real)
    s = dedup(opts)
    assert s.signed == 0  # the signatures of the first run were reused
    again = _read(tmp_path / "o.jsonl")
    assert _partition(again) == _partition(out)  # the same clusters (kept by length here: spin=False)
    assert {k for k, r in again.items() if r["relation"] == "stitched"} == {"st0", "st2"}


def _partition(out: dict[str, dict]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for k, r in out.items():
        groups.setdefault(r["cluster"], set()).add(k)
    return {frozenset(g) for g in groups.values()}


def test_errors_are_one_line(run, tmp_path, capsys):
    d, _, _ = run
    crawl = str(d / "crawl.jsonl")
    assert main(["dedup", crawl, "--out", str(d / "out.jsonl")]) == 2  # exists
    assert main(["dedup", crawl, "--out", crawl, "--overwrite"]) == 2  # an input
    assert main(["dedup", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "o.jsonl")]) == 2
    assert main(["dedup", crawl, "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("unspin: error:") == 4


def test_verification_links_spun_copies_not_the_same_template_with_other_numbers():
    import re

    from unspin.dedup.verify import check
    from unspin.lexicon import sources
    from unspin.spin import random_table, spin
    from unspin.trace.fingerprint import default_fingerprinter
    from unspin.train.corpora import documents, peoples_daily

    fp, _ = default_fingerprinter()
    text = next(d for d in documents(peoples_daily(), seed=5, min_chars=500, max_chars=1500)
                if len(re.findall(r"[0-9０-９]+", d)) >= 6)
    table = random_table(sources.cilin(), seed=3, coverage=0.8)
    spun = spin(text, table, 0.8, 1).text
    assert check(0, 1, text, spun, fp).link
    assert check(0, 1, text[: len(text) // 3], spun, fp).link  # an excerpt of the original
    # the next report of the same template: every number changed (what a spinner never does)
    digits = "0123456789０１２３４５６７８９"
    renumbered = text.translate({ord(c): digits[(i + 3) % 10 + 10 * (i // 10)] for i, c in enumerate(digits)})
    c = check(0, 1, text, renumbered, fp)
    assert c.forward.coverage > 0.5 and not c.link


def test_link_rule_needs_every_number_and_close_anchors_on_partial_alignments():
    from unspin.dedup.verify import Side

    assert Side(1.0, 0.95, 0.8, 1.0, tokens=1).link()
    assert not Side(1.0, 0.95, 0.8, 0.0, tokens=1).link()  # its one date differs: the next day's story
    assert Side(0.77, 0.8, 0.3).link()  # a heavy spin: most sentences align on anchors alone
    assert not Side(0.77, 0.6, 0.25).link()  # a short template story: boilerplate aligns, little else
    assert Side(0.98, 0.6, 0.8, 1.0, tokens=3).link()  # a close copy: words outside the vocabulary swapped
    assert not Side(0.9, 0.6, 0.8, 1.0, tokens=3).link()  # ... but a tenth of it unaligned: a related story
    # a passage two stories share: the rest of the smaller one keeps few anchors in the larger
    assert not Side(0.63, 1.0, 0.69, contained=0.32).link()
    assert Side(0.63, 1.0, 0.69, contained=0.7).link()


def test_an_excerpt_two_articles_share_joins_one_of_them():
    from unspin.dedup.cluster import cluster
    from unspin.dedup.verify import Check, Side

    def copy(i, j):  # whole copies: each explains all of the other
        return Check(i, j, Side(1.0, 0.9, 0.5, aligned={0: 100}), Side(1.0, 0.9, 0.5, aligned={0: 100}))

    def inside(i, j, back=0.3, chars=100):  # i sits whole inside j
        return Check(i, j, Side(1.0, 0.9, 0.5, aligned={0: chars}), Side(back, 0.9, 0.5, aligned={0: chars}))

    # 0, 1, 2: an article and two copies; 3: an excerpt of it whose sentences article 4 holds too
    checks = [copy(0, 1), copy(1, 2), inside(3, 0), inside(3, 1), inside(3, 2), inside(3, 4)]
    uf, pages = cluster(5, checks)
    assert not pages and {uf.find(i) for i in range(4)} == {0} and uf.find(4) == 4
    # an excerpt inside one article only still joins it, and so does a heavy spin of the same text
    # that missed its link but aligns with the article both ways (5)
    partial = Check(5, 0, Side(0.85, 0.6, 0.3, aligned={0: 85}), Side(0.8, 0.6, 0.3, aligned={0: 80}))
    uf, _ = cluster(6, [copy(0, 1), inside(3, 0), inside(3, 5), partial])
    assert {uf.find(i) for i in (0, 1, 3, 5)} == {0} and uf.find(2) == 2 and uf.find(4) == 4
    # one heavy spin (1) of article 0 holds a passage of story 2: the copies stay out of the story,
    # but an excerpt held by the story through two of its copies (4 and 5, both spun) joins it
    uf, _ = cluster(6, [copy(0, 1), inside(1, 2), copy(4, 5), inside(4, 3), inside(5, 3)])
    assert uf.find(0) == uf.find(1) != uf.find(2) and {uf.find(i) for i in (3, 4, 5)} == {3}


def test_docstring_examples():
    import doctest

    from unspin.dedup import candidates, cluster, graph, verify

    for module in (candidates, cluster, graph, verify):
        assert doctest.testmod(module).failed == 0


def test_candidate_pairs_through_a_disk_shuffle_equal_those_in_memory(tmp_path):
    import numpy as np

    from unspin.dedup.candidates import candidate_pairs
    from unspin.dedup.store import Signatures

    rng = np.random.default_rng(3)
    chunks = [np.unique(rng.integers(0, 3_000, k) * 1_000_000_000_000_037) for k in rng.integers(5, 40, 300)]
    ids = np.concatenate(chunks).astype(np.int64)
    start = np.r_[0, np.cumsum([len(c) for c in chunks])]
    sig = Signatures(ids, start)
    mem = candidate_pairs(sig, parts=4)
    disk = candidate_pairs(sig, parts=4, spill=tmp_path)
    assert len(mem.a) > 100 and not any(tmp_path.iterdir())  # every spilled piece read and removed
    for name in ("a", "b", "shared", "informative"):
        assert np.array_equal(getattr(mem, name), getattr(disk, name))
    floor = candidate_pairs(sig, parts=4, spill=tmp_path, min_score=0.3)
    keep = mem.score >= 0.3
    assert 0 < keep.sum() < len(keep) and np.array_equal(floor.a, mem.a[keep]) and np.array_equal(floor.b, mem.b[keep])


def test_verification_order_and_reading_cache_keep_the_checks():
    """Pairs grouped by candidate component, documents read once: the same checks as reading each pair
    afresh; a pair is skipped only when two earlier links hold its documents together."""
    import numpy as np

    from unspin.dedup.candidates import grouped
    from unspin.dedup.graph import components
    from unspin.dedup.run import verify_batch
    from unspin.dedup.verify import Views, check
    from unspin.lexicon import sources
    from unspin.spin import random_table, spin
    from unspin.trace.fingerprint import default_fingerprinter
    from unspin.train.corpora import documents, peoples_daily

    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 60, 80), rng.integers(0, 60, 80)
    labels = components(a, b, 60)
    uf = __import__("unspin.dedup.cluster", fromlist=["UnionFind"]).UnionFind(60)
    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        uf.union(x, y)
    assert labels.tolist() == [uf.find(i) for i in range(60)]
    order, comp = grouped(a, b, 60)
    assert sorted(order.tolist()) == list(range(80)) and comp.tolist() == labels[a[order]].tolist()
    runs = [c for k, c in enumerate(comp.tolist()) if k == 0 or c != comp[k - 1]]
    assert len(runs) == len(set(runs))  # each component's pairs together

    fp, _ = default_fingerprinter()
    base = list(documents(peoples_daily(), seed=9, min_chars=600, max_chars=1200))[:2]
    table = random_table(sources.cilin(), seed=4, coverage=0.8)
    texts = [base[0]] + [spin(base[0], table, r, k).text for k, r in enumerate((0.3, 0.5, 0.7))] + [base[1]]

    class Store:
        def text(self, n):
            return texts[n]

    pairs = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3), (0, 4), (1, 4)]
    rows = verify_batch(pairs, Store(), fp, Views(fp, 8))
    fresh = {frozenset(p): check(*p, texts[p[0]], texts[p[1]], fp) for p in pairs}
    got = {frozenset(r[:2]) for r in rows}
    assert frozenset((2, 3)) not in got and len(got) == 7  # 2 and 3 are linked to 0 and 1: not verified
    for r in rows:
        c = fresh[frozenset(r[:2])]
        assert r[2][:4] == [c.forward.coverage, c.forward.similarity, c.forward.raw_similarity, c.forward.numbers]
    assert [fresh[frozenset(p)].link for p in pairs[:5]] == [True] * 5 and not fresh[frozenset((0, 4))].link


def test_keep_rule_and_dates():
    assert date_key("1998-01-02") < date_key("1998/1/10 08:00") < date_key("19980111") < date_key(1e9)
    assert date_key("n/a") is None
    ms = [M(0, 0, 100), M(1, 1, 300, date_key("2020-01-02")), M(2, 2, 500, date_key("2020-01-01"))]
    assert choose_kept(ms, set(), None) == (2, "earliest_date")
    ms = [M(0, 0, 100), M(1, 1, 300), M(2, 2, 290)]
    assert choose_kept(ms, set(), lambda nums: {0: 0.01, 1: 0.9, 2: 0.02}) == (2, "lowest_spin")
    assert choose_kept(ms, set(), None) == (1, "longest")
    assert choose_kept(ms, {1}, None) == (2, "longest")  # a stitched page is not kept while others are


def test_datatrove_stages_drop_the_copies_inside_a_real_pipeline(run, tmp_path):
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from unspin.integrations.datatrove import DedupCluster, DedupFilter, DedupSignature

    d, truth, out = run
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    rows = [json.loads(x) for x in (d / "crawl.jsonl").read_text(encoding="utf-8").splitlines() if x.startswith('{"')]
    (crawl / "part.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows
                                              if r.get("text") and r["id"] in truth and r["text"] != "重复的编号不能再用一次。"),
                                      encoding="utf-8")
    work, logs = tmp_path / "dedup", str(tmp_path / "logs")
    LocalPipelineExecutor([JsonlReader(str(crawl)), DedupSignature(work)], tasks=1, logging_dir=logs + "1").run()
    LocalPipelineExecutor([DedupCluster(work, spin=False)], tasks=1, logging_dir=logs + "2").run()
    LocalPipelineExecutor([JsonlReader(str(crawl)), DedupFilter(work, exclusion_writer=JsonlWriter(str(tmp_path / "gone"))),
                           JsonlWriter(str(tmp_path / "clean"), compression=None)], tasks=1,
                          logging_dir=logs + "3").run()
    kept = [json.loads(x) for f in (tmp_path / "clean").glob("*.jsonl") for x in f.read_text().splitlines()]
    families = Counter(truth[r["id"]] for r in kept)
    assert set(families) == set(truth.values()) and set(families.values()) == {1}, families
    assert all(r["metadata"]["dedup_relation"] == "self" for r in kept)
    assert {r["id"]: r["metadata"]["dedup_cluster"] for r in kept if r["id"].startswith("a1")} == {"a1": "a1"}  # dated


def test_datasets_helper_adds_columns_and_drops_copies(tmp_path):
    import datasets

    from unspin.dedup.hf import dedup_dataset

    truth = make_crawl(tmp_path / "c.jsonl", articles=2, unrelated=1)
    rows = [json.loads(x) for x in (tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()
            if x.startswith('{"') and '"text"' in x and json.loads(x)["id"] in truth][:12]
    rows = [r for r in rows if r["text"] != "重复的编号不能再用一次。"]
    ds = datasets.Dataset.from_list([{"doc": r["id"], "text": r["text"], "date": r.get("date")} for r in rows]
                                    + [{"doc": "en", "text": "hello", "date": None}])
    full = dedup_dataset(ds, id_column="doc", date_column="date", spin=False, drop=False)
    assert {"dedup_cluster", "dedup_keep", "dedup_relation", "dedup_sources"} <= set(full.column_names)
    by_id = {r["doc"]: r for r in full}
    assert by_id["en"]["dedup_keep"] and by_id["en"]["dedup_cluster"] is None  # not analysable: passes
    assert by_id["a1-r8"]["dedup_cluster"] == "a1" and by_id["st0"]["dedup_relation"] == "stitched"
    kept = dedup_dataset(ds, id_column="doc", date_column="date", spin=False)
    assert sorted(kept["doc"]) == sorted(r["doc"] for r in full if r["dedup_keep"])
    assert Counter(truth.get(d, d) for d in kept["doc"]) == Counter({"a0": 1, "a1": 1, "n0": 1, "en": 1})
