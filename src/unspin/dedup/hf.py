"""``unspin dedup`` for a Hugging Face ``datasets.Dataset``: the dedup record as columns, copies dropped.

>>> from unspin.dedup.hf import dedup_dataset                                   # doctest: +SKIP
>>> clean = dedup_dataset(ds, text_column="text", date_column="date", workers=8)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

COLUMNS = {"cluster": "dedup_cluster", "cluster_size": "dedup_cluster_size", "keep": "dedup_keep",
           "relation": "dedup_relation", "similarity": "dedup_similarity", "sources": "dedup_sources"}
"""Record field -> the column it becomes."""


def dedup_dataset(ds: Any, text_column: str = "text", id_column: str | None = None, date_column: str | None = None,
                  workers: int = 1, spin: bool = True, drop: bool = True, keep_stitched: bool = False,
                  model: str | None = None) -> Any:
    """``ds`` with the columns of :data:`COLUMNS` (``unspin dedup``'s record of each row), and without the
    rows not kept when ``drop`` (stitched pages too, unless ``keep_stitched``).

    Rows are identified by ``id_column`` (values must be unique) or by their position.  A row
    ``unspin dedup`` cannot use (no text, no Chinese) is kept as it is, its columns ``None``
    (``dedup_keep``: true).  ``date_column`` feeds the kept-document rule (the earliest date wins).
    """
    from unspin.dedup.run import DedupOptions, dedup

    cols = [c for c in (text_column, id_column, date_column) if c]
    missing = [c for c in cols if c not in ds.column_names]
    if missing:
        from unspin.errors import InputError

        raise InputError(f"the dataset has no column {', '.join(missing)}", hint=f"columns: {ds.column_names}")
    with tempfile.TemporaryDirectory(prefix="unspin-dedup-") as tmp:
        path, out = Path(tmp) / "rows.jsonl", Path(tmp) / "clusters.jsonl"
        ids = []
        with open(path, "w", encoding="utf-8") as f:
            for i, row in enumerate(ds.select_columns(cols)):
                doc_id = str(row[id_column]) if id_column else str(i)
                ids.append(doc_id)
                rec = {"id": doc_id, "text": row[text_column]}
                if date_column and row[date_column] is not None:
                    rec["date"] = row[date_column]
                f.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
        dedup(DedupOptions(inputs=[str(path)], out=str(out), workers=workers, spin=spin, keep_stitched=keep_stitched,
                           model=model, progress=False))
        with open(out, encoding="utf-8") as f:
            recs = {r["id"]: r for r in map(json.loads, f)}
    for field, column in COLUMNS.items():
        values = [recs[i][field] if i in recs else (True if field == "keep" else None) for i in ids]
        if field == "keep":
            values = [v or (keep_stitched and recs.get(i, {}).get("relation") == "stitched") for v, i in
                      zip(values, ids, strict=True)]
        ds = ds.add_column(column, values)
    return ds.filter(lambda keep: keep, input_columns="dedup_keep") if drop else ds
