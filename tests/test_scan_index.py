"""unspin scan --index: every scored record gets its best source in a trace index (local engine;
the Ray engine is compared with it in test_scan_ray.py)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from scan_data import archive, build_index, read_jsonl, spun_copy, write_jsonl

import unspin
from unspin.cli import main
from unspin.errors import IndexError_, UnspinError
from unspin.scan import ScanOptions, scan

INDEXED = range(1, 6)  # archive()[0] is a law text made almost only of thesaurus words: too few anchors


def _meta(i: int) -> dict:
    """Title, url and date under the names `index add` reads; article 5 has none."""
    return {} if i == 5 else {"title": f"标题{i}", "url": f"https://news.example/{i}", "date": f"2024-03-0{i}"}


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> str:
    a = archive()
    return build_index(tmp_path_factory.mktemp("archive"), [(f"art{i}", a[i], _meta(i)) for i in INDEXED])


def crawl() -> list[dict]:
    """Spun copies of indexed articles, a lightly spun one, unrelated pages and two bad records;
    ``want`` is the source each should be traced to (not part of the scanned record)."""
    a = archive()
    rows = [{"id": f"copy{i}", "text": spun_copy(a[i], 0.8, seed=i), "want": f"art{i}"} for i in (1, 2, 3, 5)]
    rows.append({"id": "light4", "text": spun_copy(a[4], 0.15, seed=4), "want": "art4"})  # reads as natural
    rows += [{"id": f"other{i}", "text": spun_copy(a[i], r, seed=i), "want": None} for i, r in ((6, 0.0), (7, 0.8))]
    rows += [{"id": "latin", "text": "no Chinese here", "want": None}, {"id": "notext", "want": None}]
    return rows


def _scan(folder: Path, rows: list[dict], **kw) -> tuple[list[dict], list[dict], object]:
    folder.mkdir(exist_ok=True)
    src = folder / "crawl.jsonl"
    if not src.exists():  # a rerun must see the same input (a resume checks its size and time)
        write_jsonl(src, rows)
    out = kw.pop("out", folder / "scores.jsonl")
    opts = ScanOptions(inputs=[str(src)], out=str(out), progress=False, shard_size=kw.pop("shard_size", 3),
                       workers=kw.pop("workers", 1), **kw)
    summary = scan(opts)
    return _read(out), read_jsonl(opts.rejects_path), summary


def _read(path: Path) -> list[dict]:
    if str(path).endswith(".parquet"):
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    return read_jsonl(path)


def test_every_record_gets_its_source_with_metadata_or_null(tmp_path, index_dir):
    rows = crawl()
    got, rejects, summary = _scan(tmp_path, rows, index=index_dir)
    scored = [r for r in rows if r["id"] not in ("latin", "notext")]
    assert [r["id"] for r in got] == [r["id"] for r in scored]
    assert [(r["id"], r["reason"]) for r in rejects] == [("latin", "no_chinese"), ("notext", "missing_field")]
    for row, want in zip(got, scored, strict=True):
        if want["want"] is None:
            assert row["origin"] is None and row["origin_reason"] == "no_match", row
            continue
        i = int(want["want"].removeprefix("art"))
        assert row["origin"]["id"] == want["want"] and row["origin_reason"] is None, row
        assert row["origin"]["meta"] == _meta(i) and 0.5 < row["origin"]["coverage"] <= 1
        best = unspin.trace(want["text"], index_dir).matches[0]  # the same tracer, the same numbers
        assert row["origin"] == {k: best.to_dict()[k] for k in ("id", "score", "coverage", "meta")}
        assert "origins" not in row
    light = next(r for r in got if r["id"] == "light4")
    assert light["label"] == "natural" and light["origin"]["id"] == "art4"  # a copy even when barely spun
    assert (summary.traced, summary.origins, summary.trace_errors) == (7, 5, 0)
    assert f"origins   5 of 7 documents traced to a source in {Path(index_dir).resolve()}" in summary.text(0.5)


def test_trace_top_trace_flagged_and_parquet(tmp_path, index_dir):
    rows = crawl()[:7]
    got, _, summary = _scan(tmp_path, rows, index=index_dir, trace_top=3, trace_flagged=True,
                            out=tmp_path / "s.parquet", summary_json=str(tmp_path / "s.json"))
    assert summary.flagged >= 4 and summary.traced == summary.flagged
    for row, want in zip(got, rows, strict=True):
        if row["label"] == "natural":
            assert row["origin"] is None and row["origins"] == [] and row["origin_reason"] == "not_flagged"
        elif want["want"]:
            assert row["origins"][0] == row["origin"] and row["origin"]["id"] == want["want"]
            assert dict(row["origin"]["meta"]) == _meta(int(want["want"][3:]))  # a Parquet map: (key, value) pairs
            assert 1 <= len(row["origins"]) <= 3
        else:
            assert row["origin"] is None and row["origin_reason"] == "no_match"
    assert next(r for r in got if r["id"] == "light4")["origin_reason"] == "not_flagged"
    saved = json.loads((tmp_path / "s.json").read_text())
    assert saved["origins"] == summary.origins == 4 and saved["index"] == str(Path(index_dir).resolve())


def test_forked_workers_open_the_index_themselves(tmp_path, index_dir):
    rows = crawl()
    one, _, s1 = _scan(tmp_path, rows, index=index_dir, out=tmp_path / "one.jsonl")
    two, _, s2 = _scan(tmp_path, rows, index=index_dir, out=tmp_path / "two.jsonl", workers=2)
    assert one == two and s2.origins == s1.origins == 5


def test_a_record_the_tracer_fails_on_keeps_its_score(tmp_path, index_dir, monkeypatch):
    batch = importlib.import_module("unspin.trace.batch")  # `unspin.trace` is also the function

    real = batch.trace_one

    def flaky(query, index, top_k=5, swaps=True):
        if query[0] == "copy2":
            raise ValueError("alignment blew up")
        return real(query, index, top_k, swaps)

    monkeypatch.setattr(batch, "trace_one", flaky)
    got, rejects, summary = _scan(tmp_path, crawl(), index=index_dir)
    bad = next(r for r in got if r["id"] == "copy2")
    assert bad["origin"] is None and bad["origin_reason"] == "error: ValueError: alignment blew up"
    assert bad["label"] == "spun" and len(rejects) == 2  # scored as ever, not a reject
    assert (summary.origins, summary.trace_errors) == (4, 1) and "1 not traced" in summary.text(0.5)


def test_an_index_that_breaks_mid_scan_stops_it_resumably(tmp_path, index_dir, monkeypatch):
    batch = importlib.import_module("unspin.trace.batch")  # `unspin.trace` is also the function

    real, calls = batch.trace_one, []

    def breaks(query, index, top_k=5, swaps=True):
        calls.append(query[0])
        if len(calls) == 5:
            raise IndexError_(f"trace index at {index_dir} is corrupt: boom", hint="rebuild it")
        return real(query, index, top_k, swaps)

    monkeypatch.setattr(batch, "trace_one", breaks)
    with pytest.raises(IndexError_, match="boom"):
        _scan(tmp_path, crawl(), index=index_dir)
    assert not (tmp_path / "scores.jsonl").exists()
    assert len(list((tmp_path / "scores.jsonl.parts").glob("*.done.json"))) == 1  # the first 3 records
    monkeypatch.setattr(batch, "trace_one", real)
    got, _, summary = _scan(tmp_path, crawl(), index=index_dir)
    assert summary.resumed_shards == 1 and summary.origins == 5 and len(got) == 7


def test_resume_keeps_origins_and_refuses_a_changed_index(tmp_path, index_dir, monkeypatch):
    import shutil

    import unspin.scan.local as local

    rows = crawl()
    ref, _, ref_summary = _scan(tmp_path, rows, index=index_dir, out=tmp_path / "ref.jsonl")
    real, calls = local.process_shard, []

    def interrupted(shard, opts):
        calls.append(shard.key)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(shard, opts)

    monkeypatch.setattr(local, "process_shard", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _scan(tmp_path, rows, index=index_dir, shard_size=2)
    monkeypatch.setattr(local, "process_shard", real)
    with pytest.raises(UnspinError, match="other inputs or options"):  # another index
        _scan(tmp_path, rows, index=build_index(tmp_path / "other", [("x", archive()[1], {})]), shard_size=2)
    got, _, summary = _scan(tmp_path, rows, index=index_dir, shard_size=2)
    assert got == ref and summary.resumed_shards == 2
    assert (summary.traced, summary.origins) == (ref_summary.traced, ref_summary.origins) == (7, 5)

    copy = shutil.copytree(index_dir, tmp_path / "copy")  # an index that grows between two runs
    monkeypatch.setattr(local, "process_shard", interrupted)
    calls.clear()
    with pytest.raises(KeyboardInterrupt):
        _scan(tmp_path, rows, index=str(copy), shard_size=2, out=tmp_path / "again.jsonl")
    assert main(["index", "add", str(write_jsonl(tmp_path / "more.jsonl", [{"id": "art6", "text": archive()[6]}])),
                 "--index", str(copy), "--quiet"]) == 0
    monkeypatch.setattr(local, "process_shard", real)
    with pytest.raises(UnspinError, match="other inputs or options"):
        _scan(tmp_path, rows, index=str(copy), shard_size=2, out=tmp_path / "again.jsonl")


def test_a_missing_or_corrupt_index_stops_the_scan_before_any_work(tmp_path, capsys):
    src = write_jsonl(tmp_path / "in.jsonl", crawl()[:2])
    out = tmp_path / "o.jsonl"
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "trace.sqlite").write_bytes(b"this is not a database" * 100)
    for index, says in ((tmp_path / "none", "no trace index at"), (corrupt, "corrupt"),
                        (src, "no trace index at")):
        assert main(["scan", str(src), "--out", str(out), "--index", str(index)]) == 4
        err = capsys.readouterr().err
        assert err.startswith("unspin: error: ") and says in err.splitlines()[0] and "Traceback" not in err
        assert not out.exists() and not (tmp_path / "o.jsonl.parts").exists()
    assert main(["scan", str(src), "--out", str(out), "--trace-top", "3"]) == 2
    assert "need --index" in capsys.readouterr().err
    with pytest.raises(UnspinError, match="at least 1"):
        scan(ScanOptions(inputs=[str(src)], out=str(out), index=str(corrupt), trace_top=0))
