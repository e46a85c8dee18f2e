"""Atomic writes (tmp + rename) and merging shard files into JSONL, JSONL.gz or Parquet."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BATCH = 5000


@contextmanager
def atomic(path: str | Path, mode: str = "wb") -> Iterator[Any]:
    """Open ``path.tmp`` for writing and rename it to ``path`` only if the block succeeds."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, mode, encoding=None if "b" in mode else "utf-8") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def dumps(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, default=str)


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> None:
    """Write rows as JSON lines, atomically."""
    with atomic(path, "w") as f:
        for row in rows:
            f.write(dumps(row) + "\n")


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def _batches(parts: list[Path]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for part in parts:
        for row in _read_jsonl(part):
            batch.append(row)
            if len(batch) >= BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def score_schema(restore: bool, trace_top: int = 0, cascade: bool = False):
    """Arrow schema of the score records (explicit, so empty evidence lists keep their type);
    ``trace_top`` > 0 (a scan with ``--index``) adds ``origin`` and ``origin_reason``, and
    ``origins`` when above 1.  A source's ``meta`` is a map of strings.  With ``cascade``,
    ``stage`` is ``"cascade"`` for a document the first stage cleared, else null."""
    import pyarrow as pa

    edit = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("spun", pa.string()),
                      ("original", pa.string()), ("confidence", pa.float64()),
                      ("alternatives", pa.list_(pa.string())), ("count", pa.int64())])
    fields = [("id", pa.string()), ("source", pa.string()), ("spin_probability", pa.float64()),
              ("label", pa.string()), ("chars", pa.int64()), ("evidence", pa.list_(edit))]
    if restore:
        fields.append(("restored", pa.string()))
    if cascade:
        fields.append(("stage", pa.string()))
    if trace_top:
        origin = pa.struct([("id", pa.string()), ("score", pa.float64()), ("coverage", pa.float64()),
                            ("meta", pa.map_(pa.string(), pa.string()))])
        fields += [("origin", origin), ("origin_reason", pa.string())]
        if trace_top > 1:
            fields.append(("origins", pa.list_(origin)))
    return pa.schema(fields)


def _infer_schema(parts: list[Path]):
    import pyarrow as pa

    schemas = [pa.Table.from_pylist(b).schema for b in _batches(parts)]
    if not schemas:
        return pa.schema([])
    return pa.unify_schemas(schemas, promote_options="permissive")


def merge(parts: list[Path], out: str | Path, fmt: str, schema=None) -> int:
    """Concatenate JSONL shard files (in order) into ``out``; returns the row count.

    ``fmt`` is ``jsonl``, ``jsonl.gz`` or ``parquet``; Parquet without ``schema`` infers
    one over all parts first.  Memory stays at one batch of rows.
    """
    n = 0
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = schema if schema is not None else _infer_schema(parts)
        with atomic(out) as f, pq.ParquetWriter(f, schema) as writer:
            for batch in _batches(parts):
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                n += len(batch)
        return n
    with atomic(out) as raw:
        f = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if fmt == "jsonl.gz" else raw
        for part in parts:
            with open(part, "rb") as src:
                for line in src:
                    f.write(line)
                    n += 1
        if f is not raw:
            f.close()
    return n
