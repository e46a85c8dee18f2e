"""Reading inputs, for every command: one set of readers over one set of rules.

What every reader shares: folders are listed by :func:`unspin.files.files_under` (one that cannot
be listed is an error, never an empty input); ``.gz`` and ``.zst`` files are decompressed as
they are read, and a file that ends inside a compressed frame is a truncated file, never a
shorter one; JSON lines are parsed by :func:`json_object` (a BOM on line 1 is not an error,
nesting too deep or a 5,000-digit number is a bad line, not a crash); text and HTML files are
read up to a limit, never whole when larger.

Its users, each with the record it needs:

- :func:`read` (``scan``, ``dedup``): ``.jsonl``/``.ndjson``/``.json`` (plain, ``.gz`` or
  ``.zst``), ``.parquet``, ``.warc[.gz]``, ``.html``, ``.txt`` and folders of ``.txt``/``.html``
  pages, as :class:`Item`-like records (``scan`` makes its own ``Doc``); bad records are
  rejected with a reason code and a truncated or corrupt file ends with one ``corrupt_file`` reject.
- :func:`read_documents` (``index add``, ``trace --queries``): ``.txt``, ``.jsonl[.gz|.zst]``,
  ``.parquet`` and folders of them, as :class:`Record` (decoded text, title/url/date kept).
- :func:`read_corpus` (``train``, ``eval``): texts of ``.txt`` (a document per blank-line block)
  and ``.jsonl``/``.json`` files; :func:`read_pages` (``learn-pairs --pages``): one text per page.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.jsonl").write_text('{"id": 1, "text": "今年要交付"}\\n{"id": 2}\\n', encoding="utf-8")
>>> [(r.id, r.text, r.problem) for r in read_documents([d / "a.jsonl"])]
[('1', '今年要交付', None), ('2', None, 'no text field')]
>>> [(i.id, i.text, i.reject) for i in read(str(d / "a.jsonl"))]
[('1', '今年要交付', None), ('2', None, 'missing_field')]
"""

from __future__ import annotations

import gzip
import io
import json
import re
import sys
import warnings
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from unspin.errors import InputError, UnspinError, UnspinWarning
from unspin.files import files_under
from unspin.text.decode import MAX_BYTES, decode_bytes, han_count, lines, read_input, read_limited
from unspin.text.page import HTML_EXTS

JSONL_EXTS = (".jsonl", ".ndjson", ".json")
STDIN = "-"
"""The input name of standard input."""
COMPRESSIONS = ("", ".gz", ".zst")
MAX_FILE_BYTES = 4 * MAX_BYTES
"""Largest text/HTML file or WARC record ``read`` takes (longer: a ``too_long`` reject, never read whole)."""
MAX_LINE_BYTES = 8 * MAX_BYTES
"""Largest JSONL line read (JSON escapes may take 6 bytes a character)."""
MAX_ID_CHARS = 1000
"""Ids of :func:`read` are cut to this length."""
MAX_DOCUMENT_BYTES = 4_000_000
"""Largest ``.txt`` file :func:`read_documents` reads: 4 bytes for each character of the largest
document an index takes (:data:`unspin.trace.index.MAX_DOC_CHARS`); JSONL lines may take 8 times that."""
META_ALIASES = {"title": ("title", "headline"), "url": ("url", "link"),
                "date": ("date", "published", "pub_date", "publish_date", "published_at")}
"""Metadata :func:`read_documents` keeps from every record: the first field present of each name's aliases."""
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


# -- streams ---------------------------------------------------------------------------------
def open_stream(path: str | Path) -> tuple[BinaryIO, BinaryIO]:
    """``(decompressed stream, raw file)`` of ``path`` by its name (``.gz``, ``.zst``, else plain);
    ``raw.tell()`` is the position on disk.  Close both (the stream first)."""
    raw = open(path, "rb")  # noqa: SIM115 - closed by the caller
    name = str(path).lower()
    if name.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw), raw
    if name.endswith(".zst"):
        try:
            return io.BufferedReader(_ZstdFrames(raw)), raw
        except ImportError:
            raw.close()
            raise InputError(f"reading {path} needs zstandard", hint="pip install 'unspin[scan]'") from None
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


def corrupt_errors() -> tuple[type[BaseException], ...]:
    """What reading a truncated or corrupt (compressed) file raises."""
    errors: tuple[type[BaseException], ...] = (OSError, EOFError, ValueError, zlib.error)
    try:
        import zstandard

        errors += (zstandard.ZstdError,)
    except ImportError:  # pragma: no cover
        pass
    return errors


def json_lines(path: str | Path, max_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[int, bytes | None, int]]:
    """``(line number, line, bytes of the file read so far)`` for every line of a (compressed) JSONL
    file; ``None`` for a line over ``max_bytes``.  Raises :func:`corrupt_errors` past a truncation.
    ``-`` is standard input (plain JSON lines; bytes read are not known: 0)."""
    if str(path) == STDIN:
        for n, line in enumerate(lines(sys.stdin.buffer, max_bytes), 1):
            yield n, line, 0
        return
    stream, raw = open_stream(path)
    with raw, stream:
        for n, line in enumerate(lines(stream, max_bytes), 1):
            yield n, line, raw.tell()


def json_object(line: bytes, encoding: str | None = None,
                surrogates: bool = True) -> tuple[dict | None, str | None, str]:
    """``(object, None, "")`` for a JSON object line, else ``(None, reason, detail)``: ``undecodable``
    (not ``encoding``, default UTF-8; or, unless ``surrogates``, holding a lone surrogate escape) or
    ``invalid_json`` (bad JSON, nested too deep, not an object)."""
    try:
        obj = json.loads(line.decode(encoding or "utf-8-sig"))  # -sig: a BOM on line 1 is not an error
    except (UnicodeDecodeError, LookupError) as exc:
        return None, "undecodable", f"line is not {encoding or 'UTF-8'}: {exc}"
    except (ValueError, RecursionError) as exc:  # bad JSON, nested too deep, a 5,000-digit number
        return None, "invalid_json", f"not valid JSON (or nested too deep): {type(exc).__name__}: {exc}"[:300]
    if not isinstance(obj, dict):
        return None, "invalid_json", f"line is a JSON {type(obj).__name__}, not an object"
    if not surrogates and _SURROGATE_ESCAPE.search(line):
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return None, "undecodable", "the record holds a lone surrogate (\\udXXX): not valid Unicode"
    return obj, None, ""


# -- scan and dedup: every kind, rejects with a reason -----------------------------------------
@dataclass(slots=True)
class Item:
    """One input record as :func:`read` makes it (``scan`` passes its own ``Doc``, which has these
    fields and :meth:`fail`)."""

    id: str
    source: str
    text: str | None = None
    raw: bytes | None = None  # undecoded bytes (text files, HTML, WARC payloads)
    html: bool = False  # raw/text is HTML whose main text must be extracted
    record: dict[str, Any] | None = None  # the JSONL/Parquet row
    pos: int = 0  # bytes of the input file consumed after this record (progress)
    reject: str | None = None
    detail: str = ""

    def fail(self, reason: str, detail: str) -> Item:
        self.reject, self.detail = reason, detail
        self.text = self.raw = self.record = None
        return self


Make = Callable[..., Any]
"""A record class: ``make(id, source, pos=..., raw=..., html=...)`` with ``.fail(reason, detail)``."""


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


def read(path: str, text_field: str = "text", id_field: str = "id", encoding: str | None = None,
         make: Make = Item) -> Iterator[Any]:
    """Every record of one input, in a stable order, as ``make`` records."""
    kind = input_kind(path)
    if kind == "jsonl":
        return read_jsonl(path, text_field, id_field, encoding, make)
    if kind == "parquet":
        return read_parquet(path, text_field, id_field, make=make)
    if kind == "warc":
        return read_warc(path, make)
    if kind == "folder":
        return read_folder(path, make)
    return iter([_file_doc(Path(path), path, Path(path).stat().st_size, make)])


def read_jsonl(path: str, text_field: str, id_field: str, encoding: str | None = None,
               make: Make = Item) -> Iterator[Any]:
    """One record per non-blank line; the line number stands in for a missing id."""
    lineno = 0
    try:
        for lineno, line, pos in json_lines(path):  # noqa: B007 - lineno used after the loop
            if line is None:
                yield make(f"{path}:{lineno}", path, pos=pos).fail("too_long", f"line is over {MAX_LINE_BYTES:,} bytes")
            elif line.strip():
                doc = make(f"{path}:{lineno}", path, pos=pos)
                obj, reason, detail = json_object(line, encoding, surrogates=False)
                yield _row_doc(obj, doc, text_field, id_field) if obj is not None else doc.fail(reason, detail)
    except corrupt_errors() as exc:
        yield make(f"{path}:{lineno + 1}", path, pos=Path(path).stat().st_size).fail(
            "corrupt_file", f"cannot read past line {lineno}: {exc}")


def _row_doc(row: dict, doc: Any, text_field: str, id_field: str) -> Any:
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


def read_parquet(path: str, text_field: str, id_field: str, batch_rows: int = 1024,
                 make: Make = Item) -> Iterator[Any]:
    """One record per row, read a batch of rows at a time."""
    import pyarrow.parquet as pq

    size = Path(path).stat().st_size
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for bad files
        yield make(f"{path}:0", path, pos=size).fail("corrupt_file", str(exc))
        return
    total = max(pf.metadata.num_rows, 1)
    n = 0
    for batch in pf.iter_batches(batch_size=batch_rows):
        for row in batch.to_pylist():
            n += 1
            yield _row_doc(row, make(f"{path}:{n}", path, pos=size * n // total), text_field, id_field)


def read_warc(path: str, make: Make = Item) -> Iterator[Any]:
    """HTML responses (main text extracted later) and text/plain resource/conversion records."""
    from warcio.archiveiterator import ArchiveIterator

    n = 0
    try:
        with open(path, "rb") as raw:
            for rec in ArchiveIterator(raw):
                doc = _warc_doc(rec, path, n, make)
                if doc is not None:
                    n += 1
                    doc.pos = raw.tell()
                    yield doc
    except Exception as exc:  # noqa: BLE001 - warcio raises many types for truncated archives
        yield make(f"{path}#{n}", path, pos=Path(path).stat().st_size).fail("corrupt_file", str(exc))


def _warc_doc(rec, path: str, n: int, make: Make) -> Any | None:
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
        return make(uri, path).fail("too_long", f"record is over {MAX_FILE_BYTES:,} bytes")
    return make(uri, path, raw=data, html=not plain)


def read_folder(path: str, make: Make = Item) -> Iterator[Any]:
    """Every .txt / .html file under ``path``, sorted; the id is the relative path."""
    root = Path(path)
    pos = 0
    for f in files_under(root, _is_page):
        pos += f.stat().st_size
        yield _file_doc(f, str(f.relative_to(root)), pos, make)


def _is_page(p: Path) -> bool:
    return p.suffix.lower() in (".txt", *HTML_EXTS)


def _file_doc(f: Path, doc_id: str, pos: int, make: Make) -> Any:
    doc = make(doc_id, str(f), pos=pos)
    try:
        if f.stat().st_size > MAX_FILE_BYTES:
            return doc.fail("too_long", f"{f.stat().st_size:,} bytes, over {MAX_FILE_BYTES:,}")
        data = read_limited(f, MAX_FILE_BYTES)
    except (OSError, InputError) as exc:
        return doc.fail("corrupt_file", str(exc))
    doc.raw, doc.html = data, f.suffix.lower() in HTML_EXTS
    return doc


# -- index add and trace --queries: decoded documents with their title, url and date -----------
@dataclass(frozen=True, slots=True)
class Record:
    """One document to index; ``problem`` says why it cannot be indexed (``text`` is then ``None``)."""

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
    """Records of every input; folders are walked for ``.txt``, ``.jsonl[.gz|.zst]`` and ``.parquet``.

    A ``.txt`` file is one document named by its path (under the folder given); a JSONL line or
    Parquet row needs ``id_field`` and ``text_field``; a record with no Chinese text has a ``problem``.
    ``-`` reads JSON lines from standard input (``zcat dump.jsonl.gz | unspin index add - ...``).
    """
    fields = _Fields(id_field, text_field, tuple(meta_fields))
    for p in map(Path, paths):
        if str(p) == STDIN:
            yield from _jsonl_documents(p, fields, 8 * MAX_DOCUMENT_BYTES)
        elif p.is_dir():
            for f in files_under(p, _document_kind):
                yield from _read_document_file(f, fields, root=p)
        elif p.is_file():
            if not _document_kind(p):
                raise InputError(f"{p}: unsupported input",
                                 hint="pass .txt, .jsonl, .jsonl.gz, .jsonl.zst, .parquet or a folder")
            yield from _read_document_file(p, fields, root=p.parent)
        else:
            raise InputError(f"no such file or folder: {p}")


def _document_kind(p: Path) -> str | None:
    name = p.name.lower()
    if name.endswith(".txt"):
        return "txt"
    if any(name.endswith(".jsonl" + c) for c in COMPRESSIONS):
        return "jsonl"
    return "parquet" if name.endswith(".parquet") else None


def _checked(doc_id: str, text: object, meta: dict[str, Any] | None = None) -> Record:
    if not isinstance(text, str) or not text.strip():
        return Record(doc_id, None, "empty text")
    if han_count(text) == 0:
        return Record(doc_id, None, "no Chinese text")
    return Record(doc_id, text, meta=meta or {})


def _read_document_file(p: Path, fields: _Fields, root: Path) -> Iterator[Record]:
    kind = _document_kind(p)
    if kind == "txt":
        doc_id, limit = p.relative_to(root).as_posix(), MAX_DOCUMENT_BYTES
        try:
            if p.stat().st_size > limit:
                raise InputError(f"{p.stat().st_size:,} bytes, over the limit of {limit:,}",
                                 hint="split it into smaller documents")
            yield _checked(doc_id, decode_bytes(read_limited(p, limit)))
        except InputError as exc:
            yield Record(doc_id, None, str(exc))
    elif kind == "jsonl":
        yield from _jsonl_documents(p, fields, 8 * MAX_DOCUMENT_BYTES)
    else:
        yield from _parquet_documents(p, fields)


def _jsonl_documents(p: Path, fields: _Fields, max_line: int) -> Iterator[Record]:
    """Records of a JSONL file; a bad line is a problem record, a truncated file ends with one."""
    stdin = str(p) == STDIN
    n, name = 0, "stdin" if stdin else p.name
    try:
        for n, line, _ in json_lines(p, max_line):  # noqa: B007 - n used below
            where = f"{name}:{n}"
            if line is None:
                yield Record(where, None, "line over the size limit (split the document)")
            elif line.strip():
                rec, _, detail = json_object(line)
                yield _json_document(rec, where, fields) if rec is not None else Record(where, None, detail)
    except corrupt_errors() as exc:
        yield Record(f"{name}:{n + 1}", None,
                     f"cannot read {'standard input' if stdin else p} past line {n}: {exc}")


def _json_document(rec: dict, where: str, fields: _Fields) -> Record:
    if rec.get(fields.id) in (None, ""):
        return Record(where, None, f"no {fields.id!r} field")
    try:
        doc_id = str(rec[fields.id])
    except (ValueError, RecursionError):
        return Record(where, None, f"{fields.id!r} cannot be read as text")
    if fields.text not in rec:
        return Record(doc_id, None, "no text field")
    return _checked(doc_id, rec[fields.text], fields.metadata(rec))


def _parquet_documents(p: Path, fields: _Fields) -> Iterator[Record]:
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


# -- train, eval and learn-pairs: plain texts ----------------------------------------------------
def read_corpus(paths: list[str | Path], text_field: str = "text") -> Iterator[str]:
    """Texts of a user's corpus files (txt: one document per blank-line block; ``.jsonl``/``.json``:
    ``text_field``; ``.gz`` or ``.zst``-compressed or not; folders walked).

    A file that cannot be read or decoded (binary, corrupt or truncated archive) is skipped with
    a warning naming it; malformed JSONL lines are skipped.
    """
    for p in map(Path, paths):
        if p.is_dir():
            yield from read_corpus(files_under(p), text_field)
            continue
        if not p.is_file():
            raise InputError(f"corpus file not found: {p}")
        try:
            stream, raw = open_stream(p)
            with raw, stream:
                text = decode_bytes(stream.read())
        except (InputError, *corrupt_errors()) as exc:
            warnings.warn(f"skipping corpus file {p}: {getattr(exc, 'message', exc)}", UnspinWarning, stacklevel=2)
            continue
        name = re.sub(r"\.(gz|zst)$", "", p.name)
        if name.endswith((".jsonl", ".json")):
            for line in text.splitlines():
                rec, _, _ = json_object(line.encode("utf-8", "surrogatepass"))
                if rec is not None and isinstance(rec.get(text_field), str):
                    yield rec[text_field]
        else:
            yield from (b.strip() for b in re.split(r"\n\s*\n", text) if b.strip())


def read_pages(paths: list[str], encoding: str | None = None) -> list[str]:
    """Page texts: each record of a ``.jsonl[.gz]`` file (its ``text``), every other file one page
    (HTML reduced to its text), folders recursed.  A page that cannot be read is skipped with a
    warning naming it."""
    out: list[str] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += read_pages([str(x) for x in files_under(p)], encoding)
        elif not p.is_file():
            raise InputError(f"no such file: {p}")
        elif p.name.endswith((".jsonl", ".jsonl.gz")):
            out += [t for t in read_corpus([p]) if t.strip()]
        else:
            try:
                out.append(read_input(p, encoding))
            except UnspinError as exc:
                warnings.warn(UnspinWarning(f"skipped page {p}: {exc}"), stacklevel=2)
    return out
