"""Issue 10: crafted files, poison records, output clashes, kills and bounded resources (fast cases).

Every test here failed before the fix it covers.  The long kill loops are ``bench/kill_loop.py``.
"""

from __future__ import annotations

import gzip
import json
import pickle
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest

from unspin.cli import main
from unspin.errors import ModelError
from unspin.model import DEFAULT_MODEL_DIR, FORMAT, load_model

ROOT = Path(__file__).resolve().parents[1]
SPUN = ROOT / "examples" / "spun.txt"


class _Payload:
    """Unpickling this runs ``touch MARKER``: proof that a file was unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        import os

        return os.system, (f"touch {shlex.quote(str(self.marker))}",)


# -- model folders: data, not code -----------------------------------------------------------------


@pytest.fixture()
def model_copy(tmp_path) -> Path:
    dst = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, dst)
    return dst


def _reseal(folder: Path) -> None:
    """Recompute the checksums of meta.json, as an attacker editing a model folder would."""
    from unspin.model import FILES, _sha256

    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta["files"] = {n: _sha256(folder / n) for n in FILES if (folder / n).is_file()}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def _model_error(folder: Path) -> str:
    with pytest.raises(ModelError) as exc:
        load_model(folder)
    return str(exc.value)


def test_shipped_model_is_data_only_and_checksummed():
    meta = json.loads((DEFAULT_MODEL_DIR / "meta.json").read_text(encoding="utf-8"))
    assert meta["format"] == FORMAT and "pairs.npz" in meta["files"] and "vectors.npz" in meta["files"]
    assert not list(DEFAULT_MODEL_DIR.glob("*.pkl*"))
    m = load_model()
    assert m.pair_stage1 is not None and m.pair_stage2 is not None and m.doc is not None


def test_old_pickled_model_is_refused_not_unpickled(model_copy, tmp_path):
    marker = tmp_path / "pwned"
    (model_copy / "pairs.npz").unlink()
    (model_copy / "pairs.pkl").write_bytes(pickle.dumps(_Payload(marker)))
    meta = json.loads((model_copy / "meta.json").read_text(encoding="utf-8"))
    meta["format"] = 1
    del meta["files"]
    (model_copy / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    msg = _model_error(model_copy)
    assert "older unspin version" in msg and "unspin train" in msg
    (model_copy / "meta.json").unlink()  # pickles alone: still an old model, still not unpickled
    assert "older unspin version" in _model_error(model_copy)
    assert not marker.exists()


@pytest.mark.parametrize("name", ["pairs.npz", "corpus_lm.json.gz"])
def test_pickle_inside_a_resealed_data_file_never_runs(model_copy, tmp_path, name):
    marker = tmp_path / "pwned"
    if name == "pairs.npz":
        np.savez(model_copy / name, **{"stage1.feature": np.array([_Payload(marker)], dtype=object)})
    else:
        (model_copy / name).write_bytes(gzip.compress(pickle.dumps(_Payload(marker))))
    _reseal(model_copy)
    msg = _model_error(model_copy)
    assert f"{model_copy / name} is corrupt" in msg and "unspin train" in msg
    assert not marker.exists()


def test_checksums_name_the_bad_file(model_copy):
    with open(model_copy / "pairs.npz", "r+b") as f:
        f.seek(100)
        f.write(b"\0\0\0\0")
    msg = _model_error(model_copy)
    assert str(model_copy / "pairs.npz") in msg and "checksum" in msg and "unspin train" in msg
    shutil.copy(DEFAULT_MODEL_DIR / "pairs.npz", model_copy / "pairs.npz")
    (model_copy / "corpus_lm.json.gz").write_bytes(gzip.compress(b"{}"))  # not listed in the checksums
    assert "not in the checksums" in _model_error(model_copy)
    (model_copy / "corpus_lm.json.gz").unlink()
    (model_copy / "meta.json").write_text("{" * 10_000, encoding="utf-8")
    assert "not valid JSON" in _model_error(model_copy)
    (model_copy / "meta.json").write_text('{"format": 99}', encoding="utf-8")
    assert "format 99" in _model_error(model_copy)


def test_crafted_trees_and_weights_are_refused(model_copy):
    with np.load(model_copy / "pairs.npz") as z:
        arrays = dict(z)
    arrays["stage1.left"] = arrays["stage1.left"] + 10**6  # links out of the tree
    np.savez(model_copy / "pairs.npz", **arrays)
    _reseal(model_copy)
    assert "pairs.npz is corrupt" in _model_error(model_copy)
    shutil.copy(DEFAULT_MODEL_DIR / "pairs.npz", model_copy / "pairs.npz")
    meta = json.loads((model_copy / "meta.json").read_text(encoding="utf-8"))
    meta["doc"]["coef"] = meta["doc"]["coef"][:-1]
    (model_copy / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    _reseal(model_copy)
    assert "meta.json is corrupt" in _model_error(model_copy)


def test_lm_path_error_does_not_echo_the_file(model_copy, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:SECRET-LINE\n", encoding="utf-8")
    meta = json.loads((model_copy / "meta.json").read_text(encoding="utf-8"))
    meta["settings"]["lm_path"] = str(secret)
    (model_copy / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    msg = _model_error(model_copy)
    assert "not a KenLM language model" in msg and "SECRET" not in msg
    meta["settings"]["lm_path"] = "/dev/zero"
    (model_copy / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    assert "not a file" in _model_error(model_copy)


def test_bigram_and_trees_round_trip(tmp_path):
    from unspin.lm import BigramLM

    lm = BigramLM.from_sentences([["今年", "要", "交付"], ["今年", "要", "交付", "汽车"]])
    lm.save(tmp_path / "lm.json.gz")
    back = BigramLM.load(tmp_path / "lm.json.gz")
    assert back.unigrams == lm.unigrams and back.bigrams == lm.bigrams and back.discount == lm.discount
    with pytest.raises(ValueError, match="over"):
        BigramLM.load(tmp_path / "lm.json.gz", max_bytes=10)
    trees = load_model().pair_stage1
    X = np.random.default_rng(0).normal(size=(50, int(trees.feature.max()) + 1))
    assert np.array_equal(type(trees).from_dict(trees.to_dict()).predict(X), trees.predict(X))


def test_learn_pairs_writes_a_checksummed_copy_and_keeps_partial_folders(tmp_path, capsys):
    ev = tmp_path / "pairs.tsv"
    ev.write_text("本年\t今年\t3\n", encoding="utf-8")
    out = tmp_path / "m"
    partial = tmp_path / "m.partial"
    partial.mkdir()
    (partial / "mine.txt").write_text("user data", encoding="utf-8")
    assert main(["learn-pairs", str(ev), "--out", str(out)]) == 2
    assert "m.partial exists" in capsys.readouterr().err and (partial / "mine.txt").is_file()
    shutil.rmtree(partial)
    assert main(["learn-pairs", str(ev), "--out", str(out)]) == 0
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["format"] == FORMAT and meta["learned"][-1]["pairs_seen"] == 1
    assert meta["built_with"] and not list(out.glob("*.pkl*"))
    assert any(c.word == "今年" for c in load_model(out).lexicon.candidates("本年"))


# -- trace indexes: read-only, no stored SQL, bounded blobs, atomic creation, one writer ------------

DOCS = [(f"n{i}", f"雷军说今年要交付{i}万辆小米汽车，第{i}批订单已经排到明年。") for i in range(6)]


@pytest.fixture()
def small_index(tmp_path) -> Path:
    from unspin.trace.fingerprint import Fingerprinter
    from unspin.trace.index import TraceIndex

    ix = TraceIndex.create(tmp_path / "ix", Fingerprinter(frozenset({"今年", "交付"})))
    ix.add(DOCS)
    ix.close()
    return tmp_path / "ix"


def _sql(index: Path, statement: str, *params) -> None:
    import sqlite3

    with sqlite3.connect(index / "trace.sqlite") as conn:
        conn.execute(statement, params)
    conn.close()


def test_index_with_a_trigger_is_refused_and_the_trigger_never_runs(small_index, tmp_path, capsys):
    from unspin.errors import IndexError_
    from unspin.trace.index import TraceIndex

    _sql(small_index, "CREATE TRIGGER t AFTER INSERT ON docs BEGIN DELETE FROM postings; END")
    for write in (False, True):
        with pytest.raises(IndexError_, match="unexpected trigger 't'"):
            TraceIndex.open(small_index, write=write)
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "new", "text": DOCS[0][1] + "再加一句。"}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    assert main(["index", "add", str(corpus), "--index", str(small_index), "--quiet"]) == 4
    assert "unexpected trigger" in capsys.readouterr().err
    import sqlite3

    with sqlite3.connect(small_index / "trace.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM postings").fetchone()[0] > 0


def test_reading_is_read_only_and_says_so(small_index):
    from unspin.errors import IndexError_
    from unspin.trace.index import TraceIndex

    before = (small_index / "trace.sqlite").read_bytes()
    ix = TraceIndex.open(small_index)
    assert len(ix) == 6
    with pytest.raises(IndexError_, match="read-only"):
        ix.add([("x", "今年要交付三十万辆汽车，明年更多。")])
    ix.close()
    assert (small_index / "trace.sqlite").read_bytes() == before


def _snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under ``folder``: size, modification time and bytes."""
    return {str(f.relative_to(folder)): (f.stat().st_size, f.stat().st_mtime_ns, f.read_bytes())
            for f in sorted(folder.rglob("*")) if f.is_file()}


def test_opening_an_index_for_reading_writes_nothing(small_index, tmp_path, monkeypatch):
    """Issue 18, finding 2: a reader creates no -wal/-shm/lock file and changes no byte, single or
    sharded, and every connection it opens is a ``mode=ro`` URI."""
    import sqlite3

    import unspin
    from unspin.trace.batch import trace_many
    from unspin.trace.fingerprint import Fingerprinter
    from unspin.trace.index import TraceIndex
    from unspin.trace.shards import ShardedIndex

    sharded = ShardedIndex.create(tmp_path / "shx", Fingerprinter(frozenset({"今年", "交付"})), shards=2)
    sharded.add(DOCS, engine="serial")
    sharded.close()
    opened: list[str] = []
    real_connect = sqlite3.connect

    def spy(database, *a, **k):
        opened.append(str(database))
        return real_connect(database, *a, **k)

    monkeypatch.setattr(sqlite3, "connect", spy)
    for folder in (small_index, tmp_path / "shx"):
        before = _snapshot(folder)
        assert not any(name.endswith(("-wal", "-shm", "-journal")) for name in before)
        ix = TraceIndex.open(folder)
        assert len(ix) == 6 and ix.stats()["documents"] == 6
        assert unspin.trace(DOCS[2][1], ix).matches[0].id == "n2"
        ix.close()
        assert [t.result.matches[0].id for t in trace_many([("q", DOCS[3][1], None)], folder)] == ["n3"]
        assert _snapshot(folder) == before
    assert opened and all(uri.startswith("file:") and "mode=ro" in uri for uri in opened)


def _run_read_only(folder: Path, *argv: str) -> tuple[int, str, str]:
    """Run ``argv`` (a command line) in a child that sees ``folder`` as read-only storage: a read-only
    bind mount in a private mount namespace when we are root (chmod stops no write of root's), else
    ``chmod -w``."""
    import os
    import subprocess

    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("UNSPIN_DEBUG", None)
    if os.geteuid() == 0:
        mount = ["unshare", "-m", "sh", "-c", 'mount --bind -o ro "$0" "$0" && exec "$@"', str(folder)]
        if shutil.which("unshare") is None or subprocess.run(
                [*mount, "sh", "-c", f"! touch {shlex.quote(str(folder / 'probe'))}"], capture_output=True).returncode:
            pytest.skip("cannot mount a read-only folder here (root without CAP_SYS_ADMIN)")
        argv = (*mount, *argv)
    else:
        for f in [folder, *folder.rglob("*")]:
            f.chmod(f.stat().st_mode & ~0o222)
    try:
        p = subprocess.run(list(argv), capture_output=True, env=env, timeout=300)
    finally:
        if os.geteuid() != 0:
            for f in [folder, *folder.rglob("*")]:
                f.chmod(f.stat().st_mode | 0o200)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_an_index_on_read_only_storage_is_read_by_every_command(tmp_path):
    """Issue 18, finding 2: trace, index stats, restore --index, scan --index, trace --queries --workers 2,
    a sharded index and serve's tracer, on read-only storage, without writing a byte; an index left in
    WAL mode by an older unspin opens immutable, unless its log holds an unfinished write."""
    import os
    import sqlite3
    import sys

    ro = tmp_path / "ro"
    ro.mkdir()
    corpus = ro / "c.jsonl"
    corpus.write_text("".join(json.dumps({"id": i, "text": t + "小米汽车的销量在本月创下新高，市场反应热烈。"},
                                         ensure_ascii=False) + "\n" for i, t in DOCS), encoding="utf-8")
    assert main(["index", "add", str(corpus), "--index", str(ro / "ix"), "--quiet"]) == 0
    assert main(["index", "add", str(corpus), "--index", str(ro / "shx"), "--shards", "2", "--quiet"]) == 0
    shutil.copytree(ro / "ix", ro / "old")
    with sqlite3.connect(ro / "old" / "trace.sqlite") as conn:  # as unspin < 0.x left it: in WAL mode
        assert conn.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    conn.close()
    query = ro / "q.txt"
    query.write_text(DOCS[3][1] + "小米汽车的销量在本月创下新高。", encoding="utf-8")
    queries = ro / "q.jsonl"
    queries.write_text("".join(json.dumps({"id": f"q{i}", "text": query.read_text(encoding="utf-8")},
                                          ensure_ascii=False) + "\n" for i in range(4)), encoding="utf-8")
    before = _snapshot(ro)
    cli = (sys.executable, "-m", "unspin.cli")
    serve = ("import sys; from unspin.server.tracing import IndexTracer; t = IndexTracer(sys.argv[1]); "
             "print(t.info()['documents'], t.trace(open(sys.argv[2], encoding='utf-8').read(), 1)['matches'][0]['id'])")
    for argv, expected in [
        ((*cli, "trace", str(query), "--index", str(ro / "ix")), "n3"),
        ((*cli, "trace", str(query), "--index", str(ro / "shx")), "n3"),
        ((*cli, "trace", str(query), "--index", str(ro / "old")), "n3"),
        ((*cli, "index", "stats", "--index", str(ro / "ix")), "documents  6"),
        ((*cli, "index", "stats", "--index", str(ro / "shx")), "documents  6"),
        ((*cli, "restore", str(query), "--index", str(ro / "ix"), "--format", "json"), '"sources": [{"id": "n3"'),
        ((*cli, "trace", "--queries", str(queries), "--index", str(ro / "shx"), "--workers", "2", "--format",
          "jsonl"), '{"id": "q3", "matches": [{"id": "n3"'),
        ((sys.executable, "-c", serve, str(ro / "ix"), str(query)), "6 n3"),
    ]:
        code, out, err = _run_read_only(ro, *argv)
        assert code == 0 and expected in out and "read-only" not in err and "readonly" not in err, (argv, out, err)
    out = tmp_path / "scores.jsonl"
    code, _, err = _run_read_only(ro, *cli, "scan", str(corpus), "--index", str(ro / "ix"), "--out", str(out),
                                  "--workers", "1")
    assert code == 0 and all(json.loads(x)["origin"] for x in out.read_text(encoding="utf-8").splitlines()), err
    assert _snapshot(ro) == before
    if os.geteuid() == 0:  # a journal a killed writer left: refused, never read around
        import subprocess

        killed = ("import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA cache_size=1'); "
                  "c.execute('BEGIN IMMEDIATE'); c.execute('UPDATE docs SET chars = chars + 1'); "
                  "c.execute('DELETE FROM postings'); os._exit(0)")  # pages spilled: a hot journal
        subprocess.run([sys.executable, "-c", killed, str(ro / "ix" / "trace.sqlite")], check=True)
        assert (ro / "ix" / "trace.sqlite-journal").stat().st_size
        code, _, err = _run_read_only(ro, *cli, "trace", str(query), "--index", str(ro / "ix"))
        assert code == 4 and "unfinished write (trace.sqlite-journal)" in err and "Traceback" not in err, err


def test_zlib_bomb_in_a_stored_text_is_refused(small_index, monkeypatch):
    import zlib

    from unspin.errors import IndexError_
    from unspin.trace import index as index_mod
    from unspin.trace.index import TraceIndex

    monkeypatch.setattr(index_mod, "MAX_DOC_CHARS", 1000)
    _sql(small_index, "UPDATE docs SET text = ? WHERE id = 'n1'", zlib.compress(b"a" * 10_000_000, 9))
    ix = TraceIndex.open(small_index)
    num = ix.conn.execute("SELECT num FROM docs WHERE id = 'n1'").fetchone()[0]
    with pytest.raises(IndexError_, match="corrupt"):
        ix.document(num)


def test_killed_index_creation_leaves_no_index_and_a_rerun_succeeds(tmp_path, monkeypatch):
    from unspin.trace import index as index_mod
    from unspin.trace.fingerprint import Fingerprinter
    from unspin.trace.index import TraceIndex

    real = index_mod.json.dumps

    def killed(*a, **k):
        raise KeyboardInterrupt  # stands for a SIGKILL in the middle of creating the file

    monkeypatch.setattr(index_mod.json, "dumps", killed)
    with pytest.raises(KeyboardInterrupt):
        TraceIndex.create(tmp_path / "ix", Fingerprinter(frozenset({"今年"})))
    monkeypatch.setattr(index_mod.json, "dumps", real)
    assert not (tmp_path / "ix" / "trace.sqlite").exists()
    ix = TraceIndex.open_or_create(tmp_path / "ix", lambda: (Fingerprinter(frozenset({"今年"})), "test"))
    assert ix.add(DOCS).added == 6 and not (tmp_path / "ix" / "trace.sqlite.creating").exists()


def test_a_second_writer_is_told_the_index_is_in_use(small_index, tmp_path, capsys):
    from unspin.trace.index import TraceIndex

    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "z", "text": "今年要交付三十万辆汽车。"}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    writer = TraceIndex.open(small_index, write=True)
    assert main(["index", "add", str(corpus), "--index", str(small_index), "--quiet"]) == 4
    assert "in use by another" in capsys.readouterr().err
    writer.close()
    assert main(["index", "add", str(corpus), "--index", str(small_index), "--quiet"]) == 0


def test_index_add_poison_records_are_skipped_with_reasons(small_index, tmp_path, capsys, monkeypatch):
    from unspin.trace import index as index_mod

    monkeypatch.setattr(index_mod, "MAX_DOC_CHARS", 200)
    good = "今年要交付三十万辆汽车，明年还要更多。"
    lines = [
        "\ufeff" + json.dumps({"id": "bom", "text": good}, ensure_ascii=False),
        '{"id": "surrogate-text", "text": "今年\\ud800要交付"}',
        '{"id": "lone\\udc00", "text": "今年要交付汽车"}',
        '{"id": "deep", "x": ' + "[" * 5000 + "]" * 5000 + "}",
        json.dumps({"id": "huge", "text": good * 20}, ensure_ascii=False),
        json.dumps({"id": "esc\x1b[31m", "text": ""}),
        json.dumps({"id": "ok", "text": good + "好。"}, ensure_ascii=False),
    ]
    corpus = tmp_path / "c.jsonl"
    corpus.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
    for _ in range(2):  # a rerun skips the same records again and does not trip on them
        assert main(["index", "add", str(corpus), "--index", str(small_index), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and "internal error" not in err
        assert "lone surrogate" in err and "nested too deep" in err and "over the limit" in err
        assert "esc\\x1b[31m" in err and "\x1b" not in err
    from unspin.trace.index import TraceIndex

    ix = TraceIndex.open(small_index)
    ids = {r[0] for r in ix.conn.execute("SELECT id FROM docs")}
    assert {"bom", "ok"} <= ids and not {"huge", "deep"} & ids


def test_index_over_an_input_file_is_refused(tmp_path, capsys):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "a", "text": "今年要交付三十万辆汽车。"}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    before = corpus.read_bytes()
    assert main(["index", "add", str(corpus), "--index", str(corpus), "--quiet"]) == 4
    assert "is a file" in capsys.readouterr().err and corpus.read_bytes() == before


# -- scan: never destroy input, poison records are rejects, kills during cleanup ----------------------

GOOD = "雷军在发布会上说，今年要交付三十万辆小米汽车，明年的目标是再翻一番。"


def _corpus(path: Path, n: int = 4) -> Path:
    rows = [json.dumps({"id": f"g{i}", "text": GOOD + "第" + "一二三四五六七八九十"[i % 10] + "条。"},
                       ensure_ascii=False) for i in range(n)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _scan(*args: str) -> int:
    return main(["scan", *args, "--workers", "1", "--shard-size", "2"])


@pytest.mark.parametrize("flag", ["--rejects", "--clean-out", "--summary-json", "--plot"])
def test_scan_refuses_to_write_over_an_input(tmp_path, capsys, flag):
    import os

    src = _corpus(tmp_path / "in.jsonl")
    before = src.read_bytes()
    os.link(src, tmp_path / "alias.jsonl")  # the same file under another name
    for target in (src, tmp_path / "alias.jsonl"):
        args = [str(src), "--out", str(tmp_path / "o.jsonl"), flag, str(target)]
        if flag == "--plot":
            args[-1] = str(target.with_suffix(".png"))
            target.with_suffix(".png").write_bytes(b"my picture")
            assert _scan(*args) == 2 and "exists" in capsys.readouterr().err
            continue
        assert _scan(*args) == 2
        assert "is an input of this scan" in capsys.readouterr().err
    assert src.read_bytes() == before and not (tmp_path / "o.jsonl").exists()


def test_scan_never_replaces_a_file_it_reads_even_with_overwrite(small_index, model_copy, tmp_path, capsys):
    """Issue 18, finding 3: with --overwrite, --rejects or --summary-json at the --keep file or at the
    index database replaced it.  No output may be a file the scan reads (by name or hard link) or lie
    inside the index or the model folder."""
    import os

    src = _corpus(tmp_path / "in.jsonl")
    keep, lex, lm = tmp_path / "keep.txt", tmp_path / "lex.tsv", tmp_path / "my.lm"
    keep.write_text("雷军\n", encoding="utf-8")
    lex.write_text("本年\t今年\n", encoding="utf-8")
    lm.write_bytes(b"a language model")
    meta = json.loads((model_copy / "meta.json").read_text(encoding="utf-8"))
    meta["settings"]["lm_path"] = str(lm)
    (model_copy / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    os.link(small_index / "trace.sqlite", tmp_path / "alias.db")
    targets = {keep: "is the --keep file", lex: "is the --lexicon file", lm: "is the model's language model",
               small_index / "trace.sqlite": "is part of the trace index", tmp_path / "alias.db": "is part of the trace "
               "index", small_index / "new.json": "is part of the trace index", model_copy / "meta.json": "is part of "
               "the model", model_copy / "lexicon.bin": "is part of the model"}
    before = _snapshot(tmp_path)
    common = [str(src), "--index", str(small_index), "--keep", str(keep), "--lexicon", str(lex), "--model",
              str(model_copy), "--overwrite"]
    for flag in ("--rejects", "--summary-json", "--out"):
        for target, what in targets.items():
            out = [] if flag == "--out" else ["--out", str(tmp_path / "o.jsonl")]
            name = str(target) + (".jsonl" if flag == "--out" and target.name == "new.json" else "")
            if flag == "--out" and not name.endswith(".jsonl"):
                continue
            assert _scan(*common, *out, flag, name) == 2, (flag, target)
            err = capsys.readouterr().err
            assert f"{flag} {name} {what}" in err and "--overwrite or not" in err, err
    assert _snapshot(tmp_path) == before and not (tmp_path / "o.jsonl").exists()


def test_scan_refuses_existing_outputs_folders_and_paths_under_files(tmp_path, capsys):
    src = _corpus(tmp_path / "in.jsonl")
    keep = tmp_path / "summary.json"
    keep.write_text("mine", encoding="utf-8")
    out = str(tmp_path / "o.jsonl")
    assert _scan(str(src), "--out", out, "--summary-json", str(keep)) == 2
    assert "--summary-json" in capsys.readouterr().err and keep.read_text(encoding="utf-8") == "mine"
    assert _scan(str(src), "--out", out, "--rejects", str(tmp_path)) == 2
    assert "is a folder" in capsys.readouterr().err
    assert _scan(str(src), "--out", str(src) + "/o.jsonl") == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert _scan(str(src), "--out", out, "--rejects", out) == 2
    assert "same file" in capsys.readouterr().err
    assert _scan(str(src), "--out", out, "--plot", str(tmp_path / "p.jsonl")) == 2
    assert "image format" in capsys.readouterr().err
    assert _scan(str(src), "--out", out, "--summary-json", str(keep), "--overwrite") == 0
    assert json.loads(keep.read_text(encoding="utf-8"))["documents"] == 4


@pytest.mark.parametrize("value", ["nan", "2", "-1", "x"])
def test_bad_thresholds_are_refused_before_any_work(tmp_path, capsys, value):
    src = _corpus(tmp_path / "in.jsonl")
    for argv in (["detect", str(SPUN), "--threshold", value],
                 ["scan", str(src), "--out", str(tmp_path / "o.jsonl"), "--threshold", value]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2 and "--threshold" in capsys.readouterr().err
    from unspin.errors import UnspinError
    from unspin.scan import ScanOptions, scan

    with pytest.raises(UnspinError, match="probability"):
        scan(ScanOptions(inputs=[str(src)], out=str(tmp_path / "o.jsonl"), threshold=float(value)
                         if value != "x" else float("nan")))
    assert not (tmp_path / "o.jsonl.parts").exists()


def test_poison_records_are_rejects_and_the_scan_goes_on(tmp_path, monkeypatch):
    from unspin.scan import steps

    real_score = steps.score

    def score(docs, opts):  # the shard's batch fails, then each record alone: only the poison one is a reject
        if any(d.text and "POISON" in d.text for d in docs):
            raise RuntimeError("engine failure")
        return real_score(docs, opts)

    monkeypatch.setattr(steps, "score", score)
    lines = [
        "\ufeff" + json.dumps({"id": "bom", "text": GOOD}, ensure_ascii=False),
        '{"id": "s-text", "text": "' + GOOD + '\\ud800"}',
        '{"id": "s-id\\udc00", "text": "' + GOOD + '"}',
        '{"id": "deep", "text": "x", "y": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"id": ' + "9" * 5000 + ', "text": "今年"}',
        json.dumps({"id": "engine", "text": GOOD + "POISON"}, ensure_ascii=False),
        json.dumps({"id": "ok", "text": GOOD}, ensure_ascii=False),
    ]
    src = tmp_path / "in.jsonl"
    src.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
    out = tmp_path / "o.jsonl"
    for fmt in ("o.jsonl", "o.parquet"):
        out = tmp_path / fmt
        assert _scan(str(src), "--out", str(out), "--clean-out", str(tmp_path / ("c." + fmt[2:]))) == 0
        rejects = {r["id"]: r for r in map(json.loads, (tmp_path / "o.rejects.jsonl").read_text("utf-8").splitlines())}
        assert rejects[f"{src}:2"]["reason"] == rejects[f"{src}:3"]["reason"] == "undecodable"  # lone surrogates
        assert rejects[f"{src}:4"]["reason"] == "invalid_json" and rejects[f"{src}:5"]["reason"] == "invalid_json"
        assert rejects["engine"]["reason"] == "error" and "engine failure" in rejects["engine"]["detail"]
        assert len(rejects) == 5
        assert [r["id"] for r in map(json.loads, out.with_suffix(".jsonl").read_text("utf-8").splitlines())] \
            == ["bom", "ok"] if fmt == "o.jsonl" else True
        (tmp_path / "o.rejects.jsonl").unlink()
        (tmp_path / ("c." + fmt[2:])).unlink()


def test_scan_killed_while_cleaning_up_is_finished_by_a_rerun(tmp_path, monkeypatch, capsys):
    from unspin.scan.shards import WorkDir

    src = _corpus(tmp_path / "in.jsonl", 6)
    out = tmp_path / "o.jsonl"
    args = [str(src), "--out", str(out), "--summary-json", str(tmp_path / "s.json")]
    real_remove = WorkDir.remove

    def killed(self):
        for f in self.path.glob("*.out.jsonl"):  # some files gone (not their done markers), then the kill
            f.unlink()
        raise KeyboardInterrupt

    monkeypatch.setattr(WorkDir, "remove", killed)
    assert _scan(*args) == 130
    first = out.read_bytes()
    monkeypatch.setattr(WorkDir, "remove", real_remove)
    assert _scan(*args) == 0
    assert out.read_bytes() == first and not (tmp_path / "o.jsonl.parts").exists()
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["documents"] == 6
    assert "documents 6" in capsys.readouterr().err


def test_scan_never_deletes_a_work_folder_it_did_not_make(tmp_path, capsys):
    src = _corpus(tmp_path / "in.jsonl")
    parts = tmp_path / "o.jsonl.parts"
    parts.mkdir()
    (parts / "notes.txt").write_text("mine", encoding="utf-8")
    assert _scan(str(src), "--out", str(tmp_path / "o.jsonl"), "--overwrite") == 2
    assert "not an unspin scan work folder" in capsys.readouterr().err and (parts / "notes.txt").exists()


def test_sigterm_stops_a_scan_like_ctrl_c_and_it_resumes(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    src = _corpus(tmp_path / "in.jsonl", 80)
    out = tmp_path / "o.jsonl"
    cmd = [sys.executable, "-m", "unspin.cli", "scan", str(src), "--out", str(out), "--workers", "2",
           "--shard-size", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    end = time.monotonic() + 60
    while not list((tmp_path / "o.jsonl.parts").glob("*.done.json")) and time.monotonic() < end:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGTERM)  # the driver only, as `kill PID` does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "rerun the same command" in err, err
    assert "Traceback" not in err
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 80


def test_disk_full_during_a_scan_is_one_line_and_a_rerun_resumes(tmp_path, monkeypatch, capsys):
    import errno
    import os

    from unspin.scan import writers

    src = _corpus(tmp_path / "in.jsonl", 6)
    out = tmp_path / "o.jsonl"
    calls = {"n": 0}
    real_fsync = os.fsync

    def fsync(fd):
        calls["n"] += 1
        if calls["n"] > 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(writers.os, "fsync", fsync)
    assert _scan(str(src), "--out", str(out)) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "free some space" in err and "internal error" not in err
    monkeypatch.setattr(writers.os, "fsync", real_fsync)
    assert _scan(str(src), "--out", str(out)) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 6


def test_sqlite_errors_become_plain_index_messages(tmp_path):
    import sqlite3

    from unspin.errors import IndexError_
    from unspin.trace.index import _sql_errors

    for message, expected in (("database or disk is full", "disk is full"),
                              ("attempt to write a readonly database", "read-only"),
                              ("database is locked", "in use"),
                              ("file is not a database", "corrupt")):
        with pytest.raises(IndexError_, match=expected), _sql_errors(tmp_path, "write"):
            raise sqlite3.OperationalError(message)


# -- inputs: bounded reads, plain errors, Extension B, safe printing ---------------------------------


def _cli(*args: str, stdin: bytes | None = None, timeout: float = 60):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("UNSPIN_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "unspin.cli", *args], input=stdin, capture_output=True,
                          env=env, timeout=timeout)


@pytest.mark.parametrize("argv", [["restore", "/dev/zero"], ["detect", "/dev/urandom"],
                                  ["trace", "/dev/zero", "--index", "nowhere"],
                                  ["restore", "-"]])
def test_devices_and_pipes_stop_at_the_read_limit(argv):
    import time

    start = time.monotonic()
    p = _cli(*argv, stdin=b"\xe4\xbb\x8a" * 1_000_000 if argv[-1] == "-" else None, timeout=60)
    err = p.stderr.decode()
    assert p.returncode != 0 and "over the limit" in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) <= 2 and time.monotonic() - start < 30


def test_option_files_must_be_regular_files(tmp_path, capsys):
    assert main(["restore", str(SPUN), "--keep", "/dev/zero"]) == 2
    assert "--keep /dev/zero: not a regular file" in capsys.readouterr().err
    assert main(["detect", str(SPUN), "--lexicon", str(tmp_path / "none.tsv")]) == 2
    assert "no such file" in capsys.readouterr().err



def test_a_huge_synonym_group_is_refused_naming_its_line(tmp_path, capsys):
    """Issue 18, finding 8: one group of 5,000 words expanded to 25 M pairs; groups hold at most 50 words
    and a file at most 2,000,000 pairs."""
    from unspin.lexicon.sources import read_user_lexicon

    words = [f"词{i}" for i in range(5000)]
    lex = tmp_path / "lex.txt"
    lex.write_text("# groups\n本年\t今年\n" + " ".join(words) + "\n", encoding="utf-8")
    assert main(["restore", str(SPUN), "--lexicon", str(lex)]) == 3
    err = capsys.readouterr().err
    assert f"{lex}:3: a synonym group of 5,000 words, over the limit of 50" in err and len(err.splitlines()) == 2
    lex.write_text(" ".join(words[:50]) + "\n", encoding="utf-8")
    assert len(read_user_lexicon(lex)) == 50 * 49
    lex.write_text("".join(" ".join(words[i:i + 50]) + "\n" for i in range(0, 5000, 50)) * 9, encoding="utf-8")
    with pytest.raises(ModelError, match=r"lex.txt:817: over 2,000,000 pairs in all"):
        read_user_lexicon(lex)

def test_unreadable_input_is_one_line(tmp_path, monkeypatch):
    from unspin.errors import InputError
    from unspin.text import decode as decode_mod

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied", str(a[0]))

    monkeypatch.setattr(decode_mod, "open", denied, raising=False)
    with pytest.raises(InputError, match="cannot read .*Permission denied"):
        decode_mod.read_limited(tmp_path / "x.txt")


def test_os_errors_are_one_line_not_internal_errors(monkeypatch, capsys):
    import errno

    from unspin.cli import engine

    def full(args):
        raise OSError(errno.ENOSPC, "No space left on device", "/out/file")

    monkeypatch.setattr(engine, "cmd_restore", full)
    assert main(["restore", str(SPUN)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "unspin: error: No space left on device: /out/file" and "internal" not in err


def test_extension_b_characters_are_chinese():
    from unspin.text.decode import check_text, han_count

    ext_b = "\U00020000\U0002a6d6\U0002b740\U00030000"
    assert han_count(ext_b) == 4
    assert check_text(ext_b + "\n") == ext_b + "\n"


def test_ids_and_paths_print_escaped(tmp_path, capsys):
    from unspin.text.decode import printable

    assert printable("a\x1b]0;pwned\x07b\u202e") == "a\\x1b]0;pwned\\x07b\\u202e"
    odd = tmp_path / "x\x1b[2J.txt"
    odd.write_text(SPUN.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["detect", str(odd)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "x\\x1b[2J.txt" in out


def test_bom_offsets_are_into_the_text_after_the_bom(tmp_path, capsys):
    f = tmp_path / "bom.txt"
    f.write_bytes(b"\xef\xbb\xbf" + SPUN.read_bytes())
    assert main(["restore", str(f), "--format", "json"]) == 0
    res = json.loads(capsys.readouterr().out)
    text = f.read_bytes().decode("utf-8-sig")  # documented: offsets skip the BOM, like Python's utf-8-sig
    assert all(text[e["start"]:e["end"]] == e["spun"] for e in res["edits"])
    assert not res["restored"].startswith("\ufeff")


# -- HTTP: strict field types ------------------------------------------------------------------------


@pytest.mark.parametrize("body", [{"text": "今年要交付", "threshold": "0.5"}, {"text": "今年要交付", "evidence": 5.0},
                                  {"text": "今年要交付", "threshold": True}])
def test_http_numbers_and_booleans_are_strict(model, body):
    pytest.importorskip("fastapi", reason="the server extra is not installed")
    from fastapi.testclient import TestClient

    from unspin.server import create_app

    client = TestClient(create_app(model=model))
    r = client.post("/v1/detect", json=body)
    assert r.status_code == 422, r.text
    trace = client.post("/v1/trace", json={"text": "今年要交付", "include_source": "yes"})
    assert trace.status_code in (404, 422) and "yes" not in str(trace.json().get("hint"))
    assert client.post("/v1/detect", json={"text": "今年要交付汽车", "threshold": 1}).status_code == 200


def test_learn_pairs_and_train_refuse_to_write_into_the_installed_package(tmp_path, capsys):
    """Issue 18: `learn-pairs --out` wrote inside the installed package, which `train --out` refuses
    (one check, `refuse_package_folder`, serves both)."""
    from unspin.cli.common import PACKAGE

    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("本年\t今年\n", encoding="utf-8")
    target = PACKAGE / "test-learned-model"
    try:
        for argv in (["learn-pairs", str(pairs), "--out", str(target)], ["train", "--out", str(target)]):
            assert main(argv) == 2
            assert "is inside the installed unspin package" in capsys.readouterr().err
            assert not target.exists() and not target.with_name(target.name + ".partial").exists()
    finally:
        for leftover in (target, target.with_name(target.name + ".partial")):
            shutil.rmtree(leftover, ignore_errors=True)
    assert main(["learn-pairs", str(pairs), "--out", str(tmp_path / "m")]) == 0 and (tmp_path / "m").is_dir()


def test_train_out_on_a_file_is_refused_before_training(tmp_path, capsys):
    f = tmp_path / "model.txt"
    f.write_text("mine", encoding="utf-8")
    assert main(["train", "--out", str(f)]) == 2
    assert "is a file" in capsys.readouterr().err and f.read_text(encoding="utf-8") == "mine"
