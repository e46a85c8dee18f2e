"""Ray on a local 2-CPU instance gives exactly the local results: scan, and index signatures."""

from __future__ import annotations

from pathlib import Path

import pytest
from scan_data import docs, read_jsonl, write_jsonl

from unspin.scan import ScanOptions, scan

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("ray_local")]



def _inputs(tmp_path: Path) -> list[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    d = docs(30)
    rows = [{"id": i, "text": t} for i, t in d[:14]]
    rows[3] = {"id": "no-text"}
    jsonl = write_jsonl(tmp_path / "a.jsonl", rows)
    with open(jsonl, "a", encoding="utf-8") as f:
        f.write("{broken\n")
    parquet = tmp_path / "b.parquet"
    pq.write_table(pa.Table.from_pylist([{"id": i, "text": t} for i, t in d[14:26]]), parquet)
    folder = tmp_path / "c"
    folder.mkdir()
    for i, t in d[26:]:
        (folder / f"{i}.txt").write_text(t, encoding="utf-8")
    return [str(jsonl), str(parquet), str(folder)]


def test_ray_engine_output_equals_local_engine(tmp_path):
    inputs = _inputs(tmp_path)
    common = {"inputs": inputs, "shard_size": 4, "progress": False, "drop_above": 0.5}
    local = scan(ScanOptions(out=str(tmp_path / "local.jsonl"), workers=1, engine="local",
                             clean_out=str(tmp_path / "local.clean.jsonl"), **common))
    ray = scan(ScanOptions(out=str(tmp_path / "ray.jsonl"), workers=2, engine="ray",
                           clean_out=str(tmp_path / "ray.clean.jsonl"), **common))
    for name in ("{}.jsonl", "{}.rejects.jsonl", "{}.clean.jsonl"):
        a, b = read_jsonl(tmp_path / name.format("local")), read_jsonl(tmp_path / name.format("ray"))
        assert a == b and a, name
    assert len(read_jsonl(tmp_path / "ray.jsonl")) == 29  # 30 docs, one without text
    assert [r["reason"] for r in read_jsonl(tmp_path / "ray.rejects.jsonl")] == ["missing_field", "invalid_json"]
    assert (ray.documents, ray.rejected, ray.hist) == (local.documents, local.rejected, local.hist)


def test_index_add_engine_ray_builds_the_same_index(tmp_path):
    import sqlite3

    from unspin.cli import main
    from unspin.trace.index import DB_NAME

    src = write_jsonl(tmp_path / "docs.jsonl", [{"id": i, "text": t} for i, t in docs(30)] + [{"id": "x"}])
    dumps = []
    for engine in ("local", "ray"):
        index = tmp_path / engine
        code = main(["index", "add", str(src), "--index", str(index), "--engine", engine, "--workers", "2",
                     "--quiet"])
        assert code == 2  # the record without text is reported (exit 2: some inputs unused), as on the local path
        with sqlite3.connect(index / DB_NAME) as conn:
            dumps.append([conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in ("docs", "postings")])
    assert dumps[0] == dumps[1]
    assert len(dumps[0][0]) == 30 and len(dumps[0][1]) > 200  # spinner words are masked out of the shingles


def test_ray_scan_with_index_equals_local_and_finds_the_sources(tmp_path, monkeypatch):
    from scan_data import archive, build_index, spun_copy

    a = archive()
    build_index(tmp_path / "archive", [(f"art{i}", a[i], {"title": f"标题{i}"}) for i in (1, 2, 3)])
    rows = [{"id": f"copy{i}", "text": spun_copy(a[i], 0.8, seed=i)} for i in (1, 2, 3)]
    rows += [{"id": "other", "text": a[7]}, {"id": "no-text"}]
    src = write_jsonl(tmp_path / "crawl.jsonl", rows)
    monkeypatch.chdir(tmp_path)  # a relative --index: the actors, started elsewhere, need its absolute path
    common = {"inputs": [str(src)], "shard_size": 2, "progress": False, "index": "archive/index", "trace_top": 2}
    local = scan(ScanOptions(out=str(tmp_path / "local.jsonl"), workers=1, engine="local", **common))
    ray = scan(ScanOptions(out=str(tmp_path / "ray.jsonl"), workers=2, engine="ray", **common))
    got = read_jsonl(tmp_path / "ray.jsonl")
    assert got == read_jsonl(tmp_path / "local.jsonl")
    assert [(r["origin"] or {}).get("meta") for r in got] == [{"title": f"标题{i}"} for i in (1, 2, 3)] + [None]
    assert got[-1]["origin_reason"] == "no_match" and got[-1]["origins"] == []
    assert (ray.traced, ray.origins) == (local.traced, local.origins) == (4, 3)
    assert [r["reason"] for r in read_jsonl(tmp_path / "ray.rejects.jsonl")] == ["missing_field"]


def test_a_broken_index_in_a_ray_actor_stops_the_scan_with_its_own_error(tmp_path):
    from unspin.errors import IndexError_
    from unspin.scan.ray_engine import run_ray

    src = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in docs(2)])
    opts = ScanOptions(inputs=[str(src)], out=str(tmp_path / "o.jsonl"), workers=1, progress=False,
                       index=str(tmp_path / "gone"))  # as if the index were missing on a worker node
    with pytest.raises(IndexError_, match=r"no trace index at .*gone") as err:
        run_ray(opts, frozenset(), lambda res: None, lambda shard: None)
    assert "unspin index add" in err.value.hint
