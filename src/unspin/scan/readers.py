"""Readers: turn input files into :class:`Doc` records, cheaply (no decoding of text files).

Kinds, by name: ``.jsonl``/``.ndjson``/``.json`` (optionally ``.gz`` or ``.zst``),
``.parquet``, ``.warc``/``.warc.gz``, ``.html``/``.htm``, ``.txt`` and folders (every
``.txt``/``.html``/``.htm`` file inside, in sorted order).  Bad records become rejected
docs; a truncated or corrupt file ends that file with one ``corrupt_file`` reject.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from unspin.errors import InputError
from unspin.files import files_under
from unspin.scan.record import Doc
from unspin.text.decode import MAX_BYTES, lines, read_limited
from unspin.text.page import HTML_EXTS

JSONL_EXTS = (".jsonl", ".ndjson", ".json")
COMPRESSIONS = ("", ".gz", ".zst")
MAX_FILE_BYTES = 4 * MAX_BYTES
"""Largest text/HTML file or WARC record read (longer: a ``too_long`` reject, never read whole)."""
MAX_LINE_BYTES = 8 * MAX_BYTES
"""Largest JSONL line read (JSON escapes may take 6 bytes a character)."""
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
MAX_ID_CHARS = 1000
"""Ids are cut to this length."""


def input_kind(path: str | Path) -> str:
    """``jsonl``, ``parquet``, ``warc``, ``html``, ``txt`` or ``folder``; raises InputError."""
    p = Path(path)
    name = p.name.lower()
    if p.is_dir():
        return "folder"
    if not p.is_file():
        raise InputError(f"no such file or folder: {p}")
    if any(name.endswith(e + c) for e in JSONL_EXTS for c in COMPRESSIONS):
        return "jsonl"
    for kind, exts in (("parquet", (".parquet",)), ("warc", (".warc", ".warc.gz")),
                       ("html", HTML_EXTS), ("txt", (".txt",))):
        if name.endswith(exts):
            return kind
    raise InputError(
        f"unknown input kind: {p}",
        hint="use .jsonl[.gz|.zst], .parquet, .warc[.gz], .html, .txt files or a folder",
    )


def input_size(path: str | Path) -> int:
    """Bytes on disk of a file, or of the files a folder input reads."""
    p = Path(path)
    if p.is_dir():
        return sum(f.stat().st_size for f in files_under(p, _is_page))
    return p.stat().st_size


def read(path: str, text_field: str = "text", id_field: str = "id", encoding: str | None = None) -> Iterator[Doc]:
    """Every document of one input, in a stable order."""
    kind = input_kind(path)
    if kind == "jsonl":
        return read_jsonl(path, text_field, id_field, encoding)
    if kind == "parquet":
        return read_parquet(path, text_field, id_field)
    if kind == "warc":
        return read_warc(path)
    if kind == "folder":
        return read_folder(path)
    return iter([_file_doc(Path(path), path, Path(path).stat().st_size)])


def _open(path: str) -> tuple[BinaryIO, BinaryIO]:
    """(decompressed stream, raw file); ``raw.tell()`` is the on-disk position."""
    raw = open(path, "rb")  # noqa: SIM115 - closed by the caller
    if path.lower().endswith(".gz"):
        return gzip.GzipFile(fileobj=raw), raw
    if path.lower().endswith(".zst"):
        return io.BufferedReader(_ZstdFrames(raw)), raw
    return raw, raw


class _ZstdFrames(io.RawIOBase):
    """The decompressed bytes of a ``.zst`` file, frame after frame; a file that ends inside a frame
    raises ``EOFError`` (zstandard's ``stream_reader`` just stops there, so a truncated file read as a
    shorter one)."""

    def __init__(self, raw: BinaryIO, chunk: int = 1 << 17) -> None:
        import zstandard

        self._zstd, self._raw, self._chunk = zstandard, raw, chunk
        self._dobj = zstandard.ZstdDecompressor().decompressobj()
        self._started = False  # bytes of the current frame were fed
        self._buf, self._at = b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while self._at >= len(self._buf):
            self._buf, self._at = b"", 0
            data = self._raw.read(self._chunk)
            if not data:
                if self._started:
                    raise EOFError("the .zst file ends inside a frame (truncated)")
                return 0
            while data:
                self._started = True
                self._buf += self._dobj.decompress(data)
                data = b""
                if self._dobj.eof:  # a frame ended: the rest starts the next one
                    data, self._started = self._dobj.unused_data, False
                    self._dobj = self._zstd.ZstdDecompressor().decompressobj()
        n = min(len(b), len(self._buf) - self._at)
        b[:n] = self._buf[self._at : self._at + n]
        self._at += n
        return n


def _corrupt_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (OSError, EOFError, ValueError)
    try:
        import zstandard

        errors += (zstandard.ZstdError,)
    except ImportError:  # pragma: no cover
        pass
    return errors


def read_jsonl(path: str, text_field: str, id_field: str, encoding: str | None = None) -> Iterator[Doc]:
    """One doc per non-blank line; the line number stands in for a missing id."""
    stream, raw = _open(path)
    lineno = 0
    try:
        with raw, stream:
            for lineno, line in enumerate(lines(stream, MAX_LINE_BYTES), 1):  # noqa: B007 - lineno used after the loop
                if line is None:
                    yield Doc(f"{path}:{lineno}", path, pos=raw.tell()).fail(
                        "too_long", f"line is over {MAX_LINE_BYTES:,} bytes")
                elif line.strip():
                    yield _json_doc(line, f"{path}:{lineno}", path, text_field, id_field, encoding, raw.tell())
    except _corrupt_errors() as exc:
        yield Doc(f"{path}:{lineno + 1}", path, pos=Path(path).stat().st_size).fail(
            "corrupt_file", f"cannot read past line {lineno}: {exc}")


def _json_doc(line: bytes, where: str, source: str, text_field: str, id_field: str,
              encoding: str | None, pos: int) -> Doc:
    doc = Doc(where, source, pos=pos)
    try:
        obj = json.loads(line.decode(encoding or "utf-8-sig"))  # -sig: a BOM on line 1 is not an error
    except (UnicodeDecodeError, LookupError) as exc:
        return doc.fail("undecodable", f"line is not {encoding or 'UTF-8'}: {exc}")
    except (ValueError, RecursionError) as exc:  # bad JSON, nested too deep, a 5,000-digit number
        return doc.fail("invalid_json", f"{type(exc).__name__}: {exc}"[:300])
    if not isinstance(obj, dict):
        return doc.fail("invalid_json", f"line is a JSON {type(obj).__name__}, not an object")
    if _SURROGATE_ESCAPE.search(line):
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return doc.fail("undecodable", "the record holds a lone surrogate (\\udXXX): not valid Unicode")
    return _row_doc(obj, doc, text_field, id_field)


def _row_doc(row: dict, doc: Doc, text_field: str, id_field: str) -> Doc:
    """Fill ``doc`` from a JSONL object or Parquet row."""
    try:
        if row.get(id_field) is not None:
            doc.id = str(row[id_field])[:MAX_ID_CHARS]
    except (ValueError, RecursionError) as exc:  # an id that cannot be shown as text
        return doc.fail("invalid_json", f"field {id_field!r} cannot be read: {type(exc).__name__}")
    if text_field not in row or row[text_field] is None:
        return doc.fail("missing_field", f"no field {text_field!r}")
    if not isinstance(row[text_field], str):
        return doc.fail("not_string", f"field {text_field!r} is a {type(row[text_field]).__name__}")
    doc.text, doc.record = row[text_field], row
    return doc


def read_parquet(path: str, text_field: str, id_field: str, batch_rows: int = 1024) -> Iterator[Doc]:
    """One doc per row, read a batch of rows at a time."""
    import pyarrow.parquet as pq

    size = Path(path).stat().st_size
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for bad files
        yield Doc(f"{path}:0", path, pos=size).fail("corrupt_file", str(exc))
        return
    total = max(pf.metadata.num_rows, 1)
    n = 0
    for batch in pf.iter_batches(batch_size=batch_rows):
        for row in batch.to_pylist():
            n += 1
            yield _row_doc(row, Doc(f"{path}:{n}", path, pos=size * n // total), text_field, id_field)


def read_warc(path: str) -> Iterator[Doc]:
    """HTML responses (main text extracted later) and text/plain resource/conversion records."""
    from warcio.archiveiterator import ArchiveIterator

    n = 0
    try:
        with open(path, "rb") as raw:
            for rec in ArchiveIterator(raw):
                doc = _warc_doc(rec, path, n)
                if doc is not None:
                    n += 1
                    doc.pos = raw.tell()
                    yield doc
    except Exception as exc:  # noqa: BLE001 - warcio raises many types for truncated archives
        yield Doc(f"{path}#{n}", path, pos=Path(path).stat().st_size).fail("corrupt_file", str(exc))


def _warc_doc(rec, path: str, n: int) -> Doc | None:
    if rec.rec_type == "response":
        ctype = rec.http_headers.get_header("Content-Type", "") if rec.http_headers else ""
        plain = False
    elif rec.rec_type in ("resource", "conversion"):
        ctype = rec.rec_headers.get_header("Content-Type", "")
        plain = "text/plain" in ctype
    else:
        return None
    if "html" not in ctype and not plain:
        return None
    uri = rec.rec_headers.get_header("WARC-Target-URI") or f"{path}#{n}"
    data = rec.content_stream().read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        return Doc(uri, path).fail("too_long", f"record is over {MAX_FILE_BYTES:,} bytes")
    return Doc(uri, path, raw=data, html=not plain)


def read_folder(path: str) -> Iterator[Doc]:
    """Every .txt / .html file under ``path``, sorted; the id is the relative path."""
    root = Path(path)
    pos = 0
    for f in files_under(root, _is_page):
        pos += f.stat().st_size
        yield _file_doc(f, str(f.relative_to(root)), pos)


def _is_page(p: Path) -> bool:
    return p.suffix.lower() in (".txt", *HTML_EXTS)


def _file_doc(f: Path, doc_id: str, pos: int) -> Doc:
    doc = Doc(doc_id, str(f), pos=pos)
    try:
        if f.stat().st_size > MAX_FILE_BYTES:
            return doc.fail("too_long", f"{f.stat().st_size:,} bytes, over {MAX_FILE_BYTES:,}")
        data = read_limited(f, MAX_FILE_BYTES)
    except (OSError, InputError) as exc:
        return doc.fail("corrupt_file", str(exc))
    doc.raw, doc.html = data, f.suffix.lower() in HTML_EXTS
    return doc
