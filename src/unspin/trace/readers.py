"""Documents to index: a folder (or file) of ``.txt``, JSONL / ``.jsonl.gz`` and Parquet.

Every record comes out as a :class:`Record`; ``text`` is ``None`` and ``problem`` says
why when the record has no usable Chinese text.  ``meta`` holds the title, url and date of a
JSONL / Parquet record (under any name of :data:`META_ALIASES`) and the fields asked for.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.jsonl").write_text('{"id": 1, "text": "今年要交付"}\\n{"id": 2}\\n', encoding="utf-8")
>>> [(r.id, r.text, r.problem) for r in read_documents([d / "a.jsonl"])]
[('1', '今年要交付', None), ('2', None, 'no text field')]
>>> _ = (d / "a.jsonl").write_text('{"id": 1, "text": "今年", "headline": "标题", "src": "新华社"}', encoding="utf-8")
>>> next(read_documents([d / "a.jsonl"], meta_fields=("src",))).meta
{'title': '标题', 'src': '新华社'}
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unspin.errors import InputError
from unspin.files import files_under
from unspin.text.decode import decode_bytes, han_count, lines, read_limited
from unspin.trace.index import MAX_DOC_CHARS

MAX_FILE_BYTES = 4 * MAX_DOC_CHARS
"""Largest .txt file read (longer ones are skipped with a message, never read whole)."""
META_ALIASES = {"title": ("title", "headline"), "url": ("url", "link"),
                "date": ("date", "published", "pub_date", "publish_date", "published_at")}
"""Metadata kept from every record: the first field present of each name's aliases."""


@dataclass(frozen=True, slots=True)
class Record:
    """One input document; ``problem`` says why it cannot be indexed (``text`` is then ``None``)."""

    id: str
    text: str | None
    problem: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Fields:
    id: str
    text: str
    meta: tuple[str, ...]

    def metadata(self, rec: dict[str, Any]) -> dict[str, Any]:
        """The title, url, date (first alias present) and requested fields of ``rec``."""
        found = {name: next((rec[a] for a in aliases if rec.get(a) not in (None, "")), None)
                 for name, aliases in META_ALIASES.items()}
        found.update({f: rec.get(f) for f in self.meta})
        return {k: v for k, v in found.items() if v not in (None, "")}

    def columns(self, names: list[str]) -> list[str]:
        """Parquet columns to read: id, text and every metadata field present."""
        wanted = [a for aliases in META_ALIASES.values() for a in aliases] + list(self.meta)
        return [self.id, self.text] + [c for c in dict.fromkeys(wanted) if c in names and c not in (self.id, self.text)]


def read_documents(paths: list[str | Path], id_field: str = "id", text_field: str = "text",
                   meta_fields: tuple[str, ...] = ()) -> Iterator[Record]:
    """Records of every input; folders are walked for ``.txt``, ``.jsonl``, ``.jsonl.gz`` and ``.parquet``."""
    fields = _Fields(id_field, text_field, tuple(meta_fields))
    for p in map(Path, paths):
        if p.is_dir():
            for f in files_under(p, _kind):
                yield from _read_file(f, fields, root=p)
        elif p.is_file():
            if not _kind(p):
                raise InputError(f"{p}: unsupported input", hint="pass .txt, .jsonl, .jsonl.gz, .parquet or a folder")
            yield from _read_file(p, fields, root=p.parent)
        else:
            raise InputError(f"no such file or folder: {p}")


def _kind(p: Path) -> str | None:
    name = p.name.lower()
    for suffix, kind in ((".txt", "txt"), (".jsonl", "jsonl"), (".jsonl.gz", "jsonl"), (".parquet", "parquet")):
        if name.endswith(suffix):
            return kind
    return None


def _checked(doc_id: str, text: object, meta: dict[str, Any] | None = None) -> Record:
    if not isinstance(text, str) or not text.strip():
        return Record(doc_id, None, "empty text")
    if han_count(text) == 0:
        return Record(doc_id, None, "no Chinese text")
    return Record(doc_id, text, meta=meta or {})


def _read_file(p: Path, fields: _Fields, root: Path) -> Iterator[Record]:
    kind = _kind(p)
    if kind == "txt":
        doc_id = p.relative_to(root).as_posix()
        try:
            if p.stat().st_size > MAX_FILE_BYTES:
                raise InputError(f"{p.stat().st_size:,} bytes, over the limit of {MAX_FILE_BYTES:,}",
                                 hint="split it into smaller documents")
            yield _checked(doc_id, decode_bytes(read_limited(p, MAX_FILE_BYTES)))
        except InputError as exc:
            yield Record(doc_id, None, str(exc))
    elif kind == "jsonl":
        yield from _read_jsonl(p, fields)
    else:
        yield from _read_parquet(p, fields)


def _read_jsonl(p: Path, fields: _Fields) -> Iterator[Record]:
    """Records of a JSONL file; a bad line is a problem record, a truncated file ends with one."""
    n = 0
    try:
        with open(p, "rb") as raw, (gzip.GzipFile(fileobj=raw) if p.name.lower().endswith(".gz") else raw) as f:
            for n, line in enumerate(lines(f, 8 * MAX_FILE_BYTES), 1):  # noqa: B007 - n used below
                if line is None:
                    yield Record(f"{p.name}:{n}", None, "line over the size limit (split the document)")
                elif line.strip():
                    yield _json_record(line, f"{p.name}:{n}", fields)
    except (OSError, EOFError, zlib.error) as exc:
        yield Record(f"{p.name}:{n + 1}", None, f"cannot read {p} past line {n}: {exc}")


def _json_record(line: bytes, where: str, fields: _Fields) -> Record:
    try:
        rec = json.loads(line.decode("utf-8-sig"))  # -sig: a BOM on line 1 is not an error
    except UnicodeDecodeError:
        return Record(where, None, "not UTF-8")
    except (ValueError, RecursionError):
        return Record(where, None, "not valid JSON (or nested too deep)")
    if not isinstance(rec, dict):
        return Record(where, None, "not a JSON object")
    id_field = fields.id
    if rec.get(id_field) in (None, ""):
        return Record(where, None, f"no {id_field!r} field")
    try:
        doc_id = str(rec[id_field])
    except (ValueError, RecursionError):
        return Record(where, None, f"{id_field!r} cannot be read as text")
    if fields.text not in rec:
        return Record(doc_id, None, "no text field")
    return _checked(doc_id, rec[fields.text], fields.metadata(rec))


def _read_parquet(p: Path, fields: _Fields) -> Iterator[Record]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError("reading Parquet needs pyarrow", hint="pip install 'unspin[trace]'") from None
    try:
        pf = pq.ParquetFile(p)
        missing = {fields.id, fields.text} - set(pf.schema_arrow.names)
        if missing:
            raise InputError(f"{p}: no column {', '.join(sorted(missing))}", hint="use --id-field/--text-field")
        for batch in pf.iter_batches(columns=fields.columns(pf.schema_arrow.names), batch_size=2000):
            for rec in batch.to_pylist():
                doc_id = rec[fields.id]
                yield (_checked(str(doc_id), rec[fields.text], fields.metadata(rec)) if doc_id is not None
                       else Record(p.name, None, "null id"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read Parquet file {p}: {exc}") from None
