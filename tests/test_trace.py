"""Trace: index, fingerprints, alignment, CLI end to end and every bad-input path (real registry text)."""

from __future__ import annotations

import gzip
import json

import pytest

import unspin
from unspin.cli import main
from unspin.errors import IndexError_, InputError
from unspin.lexicon import sources
from unspin.spin import random_table, spin
from unspin.text.script import to_simplified
from unspin.trace import TraceIndex
from unspin.trace.api import score_candidates
from unspin.trace.fingerprint import Fingerprinter, default_vocabulary, lexicon_vocabulary
from unspin.trace.learn import fold_pairs, read_evidence
from unspin.train.corpora import documents, peoples_daily


@pytest.fixture(scope="module")
def corpus() -> list[tuple[str, str]]:
    """60 real People's Daily documents of 400-1200 characters."""
    docs = (d for d in documents(peoples_daily(), seed=3, min_chars=400, max_chars=1200) if len(d) >= 400)
    return [(f"pd-{i}", d) for i, d in zip(range(60), docs, strict=False)]


@pytest.fixture(scope="module")
def table() -> dict[str, str]:
    return random_table(sources.cilin(), seed=11, coverage=0.8)


def _meta(i: int) -> dict:
    """Metadata of corpus document ``i`` under the aliases readers accept (odd: no link, no author)."""
    meta = {"headline": f"标题{i}", "pub_date": f"1998-01-{i % 28 + 1:02d}", "ignored": "x"}
    return meta if i % 2 else {**meta, "link": f"https://example.com/{i}", "author": "记者"}


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, corpus) -> str:
    folder = tmp_path_factory.mktemp("corpus")
    with gzip.open(folder / "docs.jsonl.gz", "wt", encoding="utf-8") as f:
        for i, (doc_id, text) in enumerate(corpus[:50]):
            f.write(json.dumps({"doc": doc_id, "body": text, **_meta(i)}, ensure_ascii=False) + "\n")
    ix = str(tmp_path_factory.mktemp("ix") / "index")
    assert main(["index", "add", str(folder / "docs.jsonl.gz"), "--index", ix, "--id-field", "doc",
                 "--text-field", "body", "--meta", "author", "--quiet"]) == 0
    return ix


def test_spun_copy_and_excerpt_trace_to_their_source(index_dir, corpus, table):
    for i in (3, 17, 31):
        doc_id, text = corpus[i]
        spun = spin(text, table, r=0.6, seed=i)
        res = unspin.trace(spun.text, index_dir)
        assert res.matches and res.matches[0].id == doc_id
        assert res.matches[0].coverage > 0.8
        third = spun.text[len(spun.text) // 3 : 2 * len(spun.text) // 3]
        assert unspin.trace(third, index_dir).matches[0].id == doc_id


def test_substitutions_are_the_spinner_swaps(index_dir, corpus, table):
    doc_id, text = corpus[5]
    spun = spin(text, table, r=0.6, seed=1)
    m = unspin.trace(spun.text, index_dir).matches[0]
    found = {(s.spun, s.original) for s in m.swaps}
    gold = {(s.spun, s.original) for s in spun.swaps}
    assert len(found & gold) >= 0.6 * len(gold)
    for p in m.passages:  # passages point at the right text
        assert 0 <= p.query_start < p.query_end <= len(spun.text)
        assert 0 <= p.source_start < p.source_end <= len(text)


def test_stitched_copy_returns_each_source(index_dir, corpus, table):
    parts = [corpus[i][1] for i in (7, 21, 40)]
    stitched = spin("\n".join(p[: len(p) // 2] for p in parts), table, r=0.5, seed=2).text
    res = unspin.trace(stitched, index_dir)
    assert {"pd-7", "pd-21", "pd-40"} <= {m.id for m in res.matches}
    for m in res.matches[:3]:
        assert 0.15 < m.coverage < 0.6


def test_unindexed_text_has_no_match(index_dir, corpus, table):
    for doc_id, text in corpus[50:56]:
        assert unspin.trace(spin(text, table, 0.6, seed=0).text, index_dir).matches == [], doc_id


TEMPLATE = ("新华社北京3月5日电 第十四届全国人民代表大会第二次会议主席团第1次会议在人民大会堂举行，"
            "主席团常务主席赵乐际、李鸿忠、王东明、肖捷主持会议。会议应到192人，出席188人，"
            "出席人数符合法定人数，会议表决通过了第2号至第7号议案的审议办法。")


def test_shared_template_sentences_are_not_a_source(tmp_path, corpus, table):
    """Two template sentences shared with many indexed documents do not make any of them a source."""
    ix = TraceIndex.create(tmp_path / "ix", Fingerprinter(frozenset(table) | frozenset(table.values())))
    ix.add([(f"t{i}", TEMPLATE + corpus[i][1]) for i in range(8)] + corpus[8:20])
    query = spin(TEMPLATE + corpus[55][1], table, 0.5, seed=3).text
    scored = score_candidates(query, ix)
    assert sum(c.alignment.sentences >= 2 for c in scored) >= 4  # the template aligns with many documents
    assert unspin.trace(query, ix).matches == []
    own = spin(TEMPLATE + corpus[3][1], table, 0.5, seed=3).text  # a real copy with the same template
    assert [m.id for m in unspin.trace(own, ix).matches][:1] == ["t3"]


def test_lookup_counts_document_frequency(index_dir, corpus):
    ix = TraceIndex.open(index_dir)
    hashes = ix.fingerprinter.sampled(corpus[4][1])
    docs, df = ix.lookup(hashes, max_df=2)
    assert set(df) == {int(h) for h in hashes} and all(df[h] >= 1 for h in df)
    assert all(len(docs[h]) == df[h] if df[h] <= 2 else docs[h] == [] for h in df)


def test_masking_offsets_match_anchor_text(corpus):
    fp = Fingerprinter(default_vocabulary(lexicon_vocabulary(unspin.load_model().lexicon))[0])
    for _, text in corpus[:5]:
        chars, pos = fp.anchors(text)
        assert chars == fp.anchor_text(text) and len(text) // 10 < len(chars) < len(text) // 2
        simple = to_simplified(text)
        assert all(simple[p] == c for p, c in zip(pos, chars, strict=True))
        spans = list(fp.masked(simple))
        assert all(simple[a:b] in fp.vocabulary for a, b in spans) and len(spans) > 20
        assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False))


def test_json_output_schema(index_dir, corpus, table, tmp_path, capsys):
    q = tmp_path / "q.txt"
    q.write_text(spin(corpus[9][1], table, 0.5, seed=4).text, encoding="utf-8")
    assert main(["trace", str(q), "--index", index_dir, "--format", "json", "--top-k", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    m = out["matches"][0]
    assert set(m) == {"id", "meta", "score", "coverage", "passages", "substitutions"} and m["id"] == "pd-9"
    assert m["meta"] == {"title": "标题9", "date": "1998-01-10"}
    assert set(m["passages"][0]) == {"query_start", "query_end", "source_start", "source_end"}
    assert set(m["substitutions"][0]) == {"spun", "original", "count"}
    assert main(["trace", str(q), "--index", index_dir]) == 0
    text = capsys.readouterr().out
    assert text.startswith("1. pd-9  score") and "→" in text and "source " in text
    assert text.splitlines()[1] == "   标题9  1998-01-10"


def test_proof_names_the_article_and_full_passages(index_dir, corpus, table, tmp_path, capsys):
    q = tmp_path / "q.txt"
    q.write_text(spin(corpus[4][1], table, 0.5, seed=4).text, encoding="utf-8")
    assert main(["trace", str(q), "--index", index_dir, "--top-k", "1"]) == 0
    cut = capsys.readouterr().out
    assert "   标题4  1998-01-05  https://example.com/4  author: 记者\n" in cut and "…" in cut
    assert main(["trace", str(q), "--index", index_dir, "--top-k", "1", "--full"]) == 0
    full = capsys.readouterr().out
    m = unspin.trace(q.read_text(encoding="utf-8"), index_dir, top_k=1).matches[0]
    assert m.meta == {"title": "标题4", "date": "1998-01-05", "url": "https://example.com/4", "author": "记者"}
    p = m.passages[0]
    assert m.source_text[p.source_start : p.source_end].replace("\n", " ").strip() in full
    from unspin.server.tracing import IndexTracer

    assert IndexTracer(index_dir).trace(q.read_text(encoding="utf-8"), 1)["matches"][0]["meta"] == m.meta


def test_metadata_is_updated_and_old_indexes_are_read(tmp_path, corpus, monkeypatch, capsys):
    import importlib

    index_module = importlib.import_module("unspin.trace.index")  # `unspin.trace` is also the function

    ix = TraceIndex.create(tmp_path / "ix", Fingerprinter(frozenset({"今年"})))
    ix.add([("a", corpus[0][1])])
    assert ix.metadata(1) == {}
    r = ix.add([("a", corpus[0][1], {"title": "新标题", "date": None, "tags": ["x", "y"], "n": 3})])
    assert r.unchanged == 1 and ix.metadata(1) == {"title": "新标题", "tags": '["x", "y"]', "n": "3"}
    ix.close()
    old = tmp_path / "old"
    with monkeypatch.context() as m:  # an index as unspin 0.x (format 1, no meta column) built it
        m.setattr(index_module, "FORMAT", 1)
        m.setattr(index_module, "_SCHEMA", index_module._SCHEMA_V1)
        TraceIndex.create(old, Fingerprinter(frozenset({"今年"}))).close()
    ro = TraceIndex.open(old)
    assert len(ro) == 0 and ro.metadata(1) == {}
    with pytest.raises(IndexError_, match="older unspin .format 1.: it can be traced, not added to"):
        TraceIndex.open(old, write=True)
    assert main(["index", "add", str(tmp_path), "--index", str(old)]) == 4
    assert "rebuild it" in capsys.readouterr().err


def test_add_is_idempotent_and_reports_conflicts(tmp_path, corpus, capsys):
    folder = tmp_path / "txt"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(corpus[0][1], encoding="utf-8")
    (folder / "sub" / "b.txt").write_text(corpus[1][1], encoding="gb18030")
    (folder / "empty.txt").write_text("  \n", encoding="utf-8")
    ix = str(tmp_path / "ix")
    assert main(["index", "add", str(folder), "--index", ix, "--quiet"]) == 2  # empty.txt skipped: exit 2, some input unusable
    assert "empty.txt: empty text" in capsys.readouterr().err
    (folder / "empty.txt").unlink()
    assert main(["index", "add", str(folder), "--index", ix, "--quiet"]) == 0
    assert "added 0, replaced 0, unchanged 2" in capsys.readouterr().out
    (folder / "a.txt").write_text(corpus[2][1], encoding="utf-8")
    assert main(["index", "add", str(folder), "--index", ix, "--quiet"]) == 2
    assert "a.txt: id already indexed with different text" in capsys.readouterr().err
    assert unspin.trace(corpus[0][1], ix).matches[0].id == "a.txt"  # old text kept
    assert main(["index", "add", str(folder), "--index", ix, "--quiet", "--replace"]) == 0
    assert "replaced 1, unchanged 1" in capsys.readouterr().out
    assert unspin.trace(corpus[2][1], TraceIndex.open(ix)).matches[0].id == "a.txt"
    assert len(TraceIndex.open(ix)) == 2
    assert main(["index", "stats", "--index", ix, "--format", "json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["documents"] == 2 and st["settings"]["k"] == 4 and st["bytes"] > 0


def test_bad_jsonl_records_are_skipped_with_reasons(tmp_path, corpus, capsys):
    f = tmp_path / "d.jsonl"
    f.write_text("\n".join([
        json.dumps({"id": "ok", "text": corpus[3][1]}, ensure_ascii=False),
        json.dumps({"id": "notext"}), json.dumps({"id": "latin", "text": "hello world"}),
        json.dumps({"text": "没有编号的文档"}, ensure_ascii=False), "{broken",
        json.dumps({"id": "ok", "text": corpus[4][1]}, ensure_ascii=False),
    ]), encoding="utf-8")
    assert main(["index", "add", str(f), "--index", str(tmp_path / "ix"), "--quiet"]) == 2
    err = capsys.readouterr().err
    for why in ("notext: no text field", "latin: no Chinese text", "no 'id' field", "not valid JSON",
                "ok: id already indexed with different text"):
        assert why in err
    assert len(TraceIndex.open(tmp_path / "ix")) == 1


def test_parquet_input(tmp_path, corpus):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": [1, 2], "text": [corpus[0][1], corpus[1][1]], "title": ["甲", None],
                             "published": ["1998-01-01", "1998-01-02"], "src": ["a", "b"]}), tmp_path / "d.parquet")
    assert main(["index", "add", str(tmp_path / "d.parquet"), "--index", str(tmp_path / "ix"), "--quiet",
                 "--meta", "src", "missing"]) == 0
    m = unspin.trace(corpus[1][1], tmp_path / "ix").matches[0]
    assert m.id == "2" and m.meta == {"date": "1998-01-02", "src": "b"}
    assert main(["index", "add", str(tmp_path / "d.parquet"), "--index", str(tmp_path / "ix2"),
                 "--text-field", "body"]) == 2


def test_interrupted_add_keeps_committed_documents(tmp_path, corpus):
    fp = Fingerprinter(frozenset({"今年", "本年"}))
    ix = TraceIndex.create(tmp_path / "ix", fp)

    def docs():
        yield from corpus[:3]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ix.add(docs(), batch=2)
    ix.close()
    again = TraceIndex.open(tmp_path / "ix")
    assert len(again) == 2  # the first batch committed, the half batch rolled back
    rows = again.conn.execute("SELECT count(DISTINCT doc) FROM postings").fetchone()[0]
    assert rows == 2


def test_bad_index_and_query_errors(tmp_path, index_dir, capsys):
    q = tmp_path / "q.txt"
    q.write_text("今年要交付三十万辆汽车。", encoding="utf-8")
    assert main(["trace", str(q), "--index", str(tmp_path / "nothing")]) == 4
    assert "no trace index at" in capsys.readouterr().err
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "trace.sqlite").write_bytes(b"this is not a database" * 100)
    assert main(["trace", str(q), "--index", str(bad)]) == 4
    assert main(["index", "stats", "--index", str(bad)]) == 4
    assert "corrupt" in capsys.readouterr().err
    (tmp_path / "latin.txt").write_text("only latin text here", encoding="utf-8")
    assert main(["trace", str(tmp_path / "latin.txt"), "--index", index_dir]) == 2
    assert "no Chinese characters" in capsys.readouterr().err
    assert main(["trace", str(tmp_path / "missing.txt"), "--index", index_dir]) == 2
    assert main(["index", "add", str(tmp_path / "missing.jsonl"), "--index", str(tmp_path / "i3")]) == 2
    assert main(["index", "add", str(q), "--index", str(tmp_path / "i4"), "--quiet"]) == 0
    (tmp_path / "x.csv").write_text("a,b", encoding="utf-8")
    assert main(["index", "add", str(tmp_path / "x.csv"), "--index", str(tmp_path / "i4")]) == 2
    with pytest.raises(InputError):
        unspin.trace("   ", index_dir)
    with pytest.raises(IndexError_):
        TraceIndex.create(index_dir, Fingerprinter(frozenset()))


def test_fingerprint_ignores_thesaurus_swaps_and_script():
    vocab, label = default_vocabulary(lexicon_vocabulary(unspin.load_model().lexicon))
    assert label == "lexicon" and "今年" in vocab  # the model alone decides (issue 18)
    fp = Fingerprinter(vocab)
    a = fp.anchor_text("雷军：今年要交付30万辆小米汽车")
    assert a == fp.anchor_text("雷军：本年要交给30万辆小米轿车") == fp.anchor_text("雷軍：今年要交付30萬輛小米汽車")
    assert "30" in a and "雷" in a


def test_learn_pairs_cli_writes_a_model_with_learned_pairs(tmp_path, index_dir, corpus, table, capsys):
    q = tmp_path / "q.txt"
    q.write_text(spin(corpus[12][1], table, 0.7, seed=8).text, encoding="utf-8")
    assert main(["trace", str(q), "--index", index_dir, "--format", "json"]) == 0
    (tmp_path / "t.json").write_text(capsys.readouterr().out, encoding="utf-8")
    (tmp_path / "u.tsv").write_text("# mine\n搞出\t推出\t3\n", encoding="utf-8")
    evidence = read_evidence([tmp_path / "t.json", tmp_path / "u.tsv"])
    assert evidence[("搞出", "推出")] >= 3 and len(evidence) > 5
    out = tmp_path / "model"
    assert main(["learn-pairs", str(tmp_path / "t.json"), str(tmp_path / "u.tsv"), "--out", str(out)]) == 0
    learned = unspin.load_model(out).lexicon
    assert any(c.word == "推出" and c.sources & 16 for c in learned.candidates("搞出"))
    assert main(["learn-pairs", str(tmp_path / "u.tsv"), "--out", str(out)]) == 2  # not empty
    (tmp_path / "bad.tsv").write_text("只有一列\n", encoding="utf-8")
    assert main(["learn-pairs", str(tmp_path / "bad.tsv"), "--out", str(tmp_path / "m2")]) == 2
    assert not (tmp_path / "m2").exists()


def test_fold_pairs_respects_min_count():
    from collections import Counter

    from unspin.lexicon import Lexicon

    lex = fold_pairs(Lexicon(), Counter({("本年", "今年"): 2, ("轿车", "汽车"): 1}), min_count=2)
    assert "本年" in lex and "轿车" not in lex


def test_batch_trace_files_and_queries(index_dir, corpus, table, tmp_path, capsys):
    pages = tmp_path / "pages"
    pages.mkdir()
    for i in (3, 12):
        (pages / f"p{i}.txt").write_text(spin(corpus[i][1], table, 0.5, seed=i).text, encoding="utf-8")
    (pages / "latin.txt").write_text("only latin text here", encoding="utf-8")
    (pages / "binary.txt").write_bytes(bytes(range(256)) * 20)
    assert main(["trace", str(pages), "--index", index_dir, "--format", "jsonl"]) == 2
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"].rsplit("/", 1)[1] for r in records] == ["binary.txt", "latin.txt", "p12.txt", "p3.txt"]
    assert records[0]["error"] and "no Chinese" in records[1]["error"] and records[1]["matches"] == []
    assert records[2]["matches"][0]["id"] == "pd-12" and records[3]["matches"][0]["meta"]["title"] == "标题3"
    assert "error" not in records[2]

    queries = tmp_path / "q.jsonl"
    lines = [json.dumps({"id": f"q{i}", "text": (pages / f"p{i}.txt").read_text(encoding="utf-8")}) for i in (3, 12)]
    queries.write_text("\n".join([lines[0], "{broken", '{"id": "e", "text": "abc"}', lines[1]]), encoding="utf-8")
    outs = []
    for workers in ("1", "2"):
        assert main(["trace", "--queries", str(queries), "--index", index_dir, "--format", "jsonl",
                     "--workers", workers]) == 2
        outs.append([json.loads(line) for line in capsys.readouterr().out.splitlines()])
    assert outs[0] == outs[1]
    assert [(r["id"], bool(r.get("error"))) for r in outs[0]] == [
        ("q3", False), ("q.jsonl:2", True), ("e", True), ("q12", False)]
    assert outs[0][0]["matches"][0]["id"] == "pd-3"
    proofs = tmp_path / "proofs.jsonl"
    proofs.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in outs[0]), encoding="utf-8")
    assert read_evidence([proofs])  # learn-pairs reads a batch's records, error records included

    assert main(["trace", str(pages / "p3.txt"), str(pages / "latin.txt"), "--index", index_dir]) == 2
    text = capsys.readouterr().out
    assert text.startswith(f"== {pages / 'p3.txt'} ==\n1. pd-3") and "not traced: input has no Chinese" in text
    assert main(["trace", str(pages), "--queries", str(queries), "--index", index_dir]) == 2



def test_a_query_with_a_lone_surrogate_is_an_error_record_and_the_batch_goes_on(index_dir, corpus, table, tmp_path,
                                                                                 capsys):
    """Issue 18, finding 4: a lone surrogate in a query's text or id stopped the batch with an internal
    UnicodeEncodeError; it is an error record (the id written \\udXXX), as in `unspin scan`."""
    good = [json.dumps({"id": f"q{i}", "text": spin(corpus[i][1], table, 0.5, seed=i).text}) for i in (3, 12)]
    queries = tmp_path / "q.jsonl"
    queries.write_text("\n".join([good[0], '{"id": "t", "text": "今年\\ud800要交付三十万辆汽车"}',
                                  '{"id": "i\\udc00", "text": "今年要交付三十万辆汽车"}', good[1]]), encoding="utf-8")
    for workers in ("1", "2"):
        assert main(["trace", "--queries", str(queries), "--index", index_dir, "--format", "jsonl",
                     "--workers", workers, "--quiet"]) == 2
        out, err = capsys.readouterr()
        records = [json.loads(line) for line in out.splitlines()]
        assert [r["id"] for r in records] == ["q3", "t", "i\\udc00", "q12"], err
        assert all("lone surrogate" in r["error"] for r in records[1:3]) and "internal error" not in err
        assert records[3]["matches"][0]["id"] == "pd-12"
    assert main(["trace", "--queries", str(queries), "--index", index_dir, "--quiet"]) == 2
    assert "== i\\udc00 ==\nnot traced: the record holds a lone surrogate" in capsys.readouterr().out

# ---- robustness across spinners: the raw channel and stitched remainders ---------------------
@pytest.fixture(scope="module")
def public_spinner():
    """A real spinner's choices: the public table, one choice per word, raw string replacement."""
    from unspin.lexicon import public
    from unspin.spin import choose_table

    return choose_table(public.table("all"), seed=4)


def test_raw_string_spin_and_short_excerpt_trace_through_the_raw_channel(index_dir, corpus, public_spinner):
    """Raw-string replacement inside words (人民检察院 -> 群众审查院) breaks anchors; the untouched
    stretches between swaps still lead to the source, through the index's raw shingles."""
    ix = TraceIndex.open(index_dir)
    assert ix.fingerprinter.raw_sample > 0  # `index add` turns the raw channel on
    # (29 was here; with the model's lexicon alone as the masked vocabulary (issue 18) its excerpt
    # misses, as 3 of these 50 documents' excerpts do, against 4 of 50 with the thesauri added)
    for i in (2, 13, 27):
        doc_id, text = corpus[i]
        spun = spin(text, public_spinner, r=0.9, seed=i, mode="chars").text
        assert spun != text
        assert unspin.trace(spun, index_dir).matches[0].id == doc_id
        piece = spun[: max(90, len(spun) // 7)]  # about a seventh of the article
        assert [m.id for m in unspin.trace(piece, index_dir).matches][:1] == [doc_id]


def test_a_source_that_supplied_a_small_part_is_found_once_the_others_are_set_aside(index_dir, corpus,
                                                                                 public_spinner):
    big = [corpus[i][1] for i in (8, 22, 33)]
    small = corpus[44][1][:120]
    text = spin("\n".join(big + [small]), public_spinner, r=0.7, seed=5).text
    scored = {c.id: c for c in score_candidates(text, TraceIndex.open(index_dir))}
    assert scored["pd-44"].coverage < 0.1  # too small a share of the whole copy on its own
    assert {"pd-8", "pd-22", "pd-33", "pd-44"} <= {m.id for m in unspin.trace(text, index_dir).matches}


def test_a_page_sharing_one_sentence_with_the_archive_has_no_source(index_dir, corpus, public_spinner):
    """The remainder rule only runs after a real source is accepted: one shared sentence in an
    otherwise new page stays a small share of that page."""
    shared = corpus[12][1].split("。")[1] + "。"
    page = corpus[55][1] + shared + corpus[56][1]  # documents 50-59 are not indexed
    assert unspin.trace(spin(page, public_spinner, r=0.7, seed=6).text, index_dir).matches == []


def test_an_index_without_the_raw_channel_still_traces(tmp_path, corpus, table):
    """Indexes built before the raw channel (no ``raw_sample`` setting) open and trace as before."""
    ix = TraceIndex.create(tmp_path / "old", Fingerprinter(frozenset(table) | frozenset(table.values()), raw_sample=0))
    ix.add(corpus[:20])
    ix.close()
    opened = TraceIndex.open(tmp_path / "old")
    assert opened.fingerprinter.raw_sample == 0
    assert unspin.trace(spin(corpus[4][1], table, r=0.6, seed=1).text, opened).matches[0].id == "pd-4"
