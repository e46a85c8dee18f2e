"""Sharded trace indexes: same answers as one index, idempotent re-adding, refused mixtures, CLI end to end."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from conftest import start_interruptible

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


# -- issue 18, reliability finding 6: each shard carries the identity of its index and its place --------------


def _two_builds(tmp_path, corpus, fp, shards=(2, 2)):
    """Two sharded indexes of the same 20 documents (same fingerprinter), closed."""
    out = []
    for name, n in zip("ab", shards, strict=True):
        ix = ShardedIndex.create(tmp_path / name, fp, shards=n)
        ix.add(corpus[:20], engine="serial")
        ix.close()
        out.append(tmp_path / name)
    return out


def _swap_in(src, dst) -> None:
    """Replace the shard database ``dst`` by a copy of ``src``."""
    for f in dst.parent.glob("trace.sqlite*"):
        f.unlink()
    dst.write_bytes(src.read_bytes())


def _refused(ix, corpus, tmp_path, capsys, why: str) -> None:
    """Tracing, stats and adding the same documents all stop with one line naming ``why``."""
    with pytest.raises(IndexError_, match=why):
        TraceIndex.open(ix)
    src = tmp_path / "again.jsonl"
    _write_corpus(src, corpus[:20])
    q = tmp_path / "q.txt"
    q.write_text(corpus[3][1], encoding="utf-8")
    for argv in (["trace", str(q), "--index", str(ix)], ["index", "stats", "--index", str(ix)],
                 ["index", "add", str(src), "--index", str(ix), "--quiet"]):
        assert main(argv) == 4, argv
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 2 and why in err[0] and err[1].startswith("  hint:"), err


def test_a_shard_copied_in_from_another_index_is_refused(tmp_path, corpus, fp, capsys):
    a, b = _two_builds(tmp_path, corpus, fp)
    _swap_in(b / "shard-001" / "trace.sqlite", a / "shard-001" / "trace.sqlite")  # same documents, same vocabulary
    _refused(a, corpus, tmp_path, capsys, "shard shard-001 of the trace index at")
    assert "belongs to another index" in str(pytest.raises(IndexError_, TraceIndex.open, a).value)
    plain = tmp_path / "plain"  # an unsharded index of the same documents carries no identity at all
    TraceIndex.create(plain, fp).close()
    _swap_in(plain / "trace.sqlite", a / "shard-001" / "trace.sqlite")
    with pytest.raises(IndexError_, match="carries no identity of this index"):
        TraceIndex.open(a)


def test_a_manifest_listing_the_shards_in_another_order_is_refused(tmp_path, corpus, fp, capsys):
    a, _ = _two_builds(tmp_path, corpus, fp)
    manifest = json.loads((a / MANIFEST).read_text())
    (a / MANIFEST).write_text(json.dumps({**manifest, "shards": manifest["shards"][::-1]}))
    _refused(a, corpus, tmp_path, capsys, "is shard number 1, but shards.json lists it at place 0")
    (a / MANIFEST).write_text(json.dumps(manifest))  # put back: whole again, nothing was added
    ix = TraceIndex.open(a)
    assert len(ix) == 20 and [json.loads(json.dumps(s.settings["shard"])) for s in ix.shards] == \
        [{"index": manifest["index"], "number": i, "of": 2} for i in (0, 1)]
    assert "shard" not in ix.settings and ix.stats()["settings"]["shards"] == 2


def test_a_shard_of_a_four_shard_build_is_refused_in_a_two_shard_one(tmp_path, corpus, fp, capsys):
    a, b = _two_builds(tmp_path, corpus, fp, shards=(2, 4))
    _swap_in(b / "shard-001" / "trace.sqlite", a / "shard-001" / "trace.sqlite")
    with pytest.raises(IndexError_, match="belongs to another index"):
        TraceIndex.open(a)
    manifest = json.loads((b / MANIFEST).read_text())  # the 4-shard index's own id, cut to 2 shards
    (b / MANIFEST).write_text(json.dumps({**manifest, "shards": manifest["shards"][:2]}))
    _refused(b, corpus, tmp_path, capsys, "is a shard of a 4-shard build, this index has 2 shards")


def test_an_index_from_before_shard_identities_is_read_and_stamped_on_the_next_add(tmp_path, corpus, fp):
    a, _ = _two_builds(tmp_path, corpus, fp)

    def strip() -> None:  # as built by an earlier unspin: no id in the manifest or the shards
        m = json.loads((a / MANIFEST).read_text())
        del m["index"]
        (a / MANIFEST).write_text(json.dumps(m))
        for name in m["shards"]:
            with sqlite3.connect(a / name / "trace.sqlite") as conn:
                meta = json.loads(conn.execute("SELECT value FROM settings WHERE key = 'meta'").fetchone()[0])
                meta.pop("shard")
                conn.execute("UPDATE settings SET value = ? WHERE key = 'meta'", (json.dumps(meta),))
            conn.close()

    strip()
    assert len(TraceIndex.open(a)) == 20  # read as it is
    ix = ShardedIndex.open(a, write=True)  # an add checks the routing, then stamps the identity
    assert ix.add(corpus[:25], engine="serial").added == 5
    ix.close()
    index_id = json.loads((a / MANIFEST).read_text())["index"]
    assert [s.settings["shard"] for s in TraceIndex.open(a).shards] == \
        [{"index": index_id, "number": i, "of": 2} for i in (0, 1)]
    strip()
    m = json.loads((a / MANIFEST).read_text())
    (a / MANIFEST).write_text(json.dumps({**m, "shards": m["shards"][::-1]}))
    with pytest.raises(IndexError_, match="holds documents of another shard"):
        ShardedIndex.open(a, write=True)


def test_one_shard_alone_is_not_added_to(tmp_path, corpus, fp, capsys):
    a, _ = _two_builds(tmp_path, corpus, fp)
    src = tmp_path / "more.jsonl"
    _write_corpus(src, corpus[20:30])
    assert main(["index", "add", str(src), "--index", str(a / "shard-000"), "--quiet"]) == 4
    assert "is one shard of a sharded index" in capsys.readouterr().err
    assert len(TraceIndex.open(a)) == 20


def _article(i: int) -> str:
    base = "".join(d for _, d in (("", "雷军说今年要交付三十万辆小米汽车，"), ("", "公司的新工厂已经投产。")))
    return f"第{i}号报道：{base * 4}编号{i * 7919 % 100003}，结束于第{i % 97}段。"


def _committed(idx, running: bool = True) -> int:
    """Documents committed in the shards of ``idx`` so far (while the writers are ``running``, 0 for a
    shard that cannot be read at this moment)."""
    n = 0
    for db in idx.glob("shard-*/trace.sqlite"):
        try:
            with sqlite3.connect(db, timeout=0.1 if running else 5) as conn:  # recovers a killed writer's log
                n += conn.execute("SELECT count(*) FROM docs").fetchone()[0]
            conn.close()
        except sqlite3.Error:
            if not running:
                raise
    return n


def _alive(group: int) -> bool:
    """Whether a process of process group ``group`` still runs."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def test_index_add_shards_stops_on_ctrl_c_and_sigterm_and_a_rerun_resumes(tmp_path):
    """The documents come through a pipe held open, so the add cannot finish before the signal."""
    n = 12_000
    lines = [json.dumps({"id": f"d{i}", "text": _article(i)}, ensure_ascii=False) + "\n" for i in range(n)]
    src = tmp_path / "archive.jsonl"
    src.write_text("".join(lines), encoding="utf-8")
    idx = tmp_path / "idx"
    cmd = [sys.executable, "-m", "unspin.cli", "index", "add", "-", "--index", str(idx), "--shards", "2", "--quiet"]
    committed = 0
    halves = (lines[: n // 2], lines[n // 2 :])  # each run gets new documents to commit
    for (sig, group), part in zip(((signal.SIGINT, True), (signal.SIGTERM, False)), halves, strict=True):
        # Ctrl-C reaches every process; kill reaches one
        proc = start_interruptible(cmd, stdin=subprocess.PIPE)  # CI may run the suite with SIGINT ignored

        def feed(proc=proc, part=part) -> None:
            try:
                proc.stdin.write("".join(part))  # all of them, yet stdin stays open: no end of input
                proc.stdin.flush()
            except (BrokenPipeError, ValueError, OSError):
                pass

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        end = time.monotonic() + 120
        while _committed(idx) <= committed and proc.poll() is None and time.monotonic() < end:
            time.sleep(0.05)
        assert proc.poll() is None, (proc.returncode, proc.stderr.read())
        os.killpg(proc.pid, sig) if group else proc.send_signal(sig)
        end = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < end:
            time.sleep(0.05)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise AssertionError(f"index add --shards 2 hung after {sig.name}")
        out, err = proc.stdout.read(), proc.stderr.read()
        assert proc.returncode == 130 and err.strip() == "unspin: interrupted" and out == "", (sig, out, err)
        end = time.monotonic() + 10
        while _alive(proc.pid) and time.monotonic() < end:  # multiprocessing's resource tracker ends soon after
            time.sleep(0.05)
        assert not _alive(proc.pid), "a writer was left behind"
        assert _committed(idx, running=False) > committed  # what was committed stays
        committed = _committed(idx, running=False)
        with contextlib.suppress(OSError):
            proc.stdin.close()
        feeder.join(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
    cmd[cmd.index("-")] = str(src)
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"unchanged {committed:,}," in again.stdout and f"index has {n:,} documents in 2 shards" in again.stdout
    for db in idx.glob("shard-*/trace.sqlite"):
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.close()
