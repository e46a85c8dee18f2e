"""The Ray engine on a local 2-CPU instance gives exactly the local engine's outputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from scan_data import docs, read_jsonl, write_jsonl

from unspin.scan import ScanOptions, scan

pytestmark = pytest.mark.ray


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
