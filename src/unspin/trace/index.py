"""The trace index: one SQLite file holding documents, sampled shingle postings and build settings.

Adding is incremental and idempotent by document id, in transactions of ``batch``
documents (by default a share of the index, at least 2,000, that grows with it: see
:data:`BATCH_SHARE`): a document and its postings are written together or not at all, so an
interrupted ``unspin index add`` leaves every committed document usable.  A new index
is built in a temporary file and renamed, so a kill during creation leaves no index at all.

An index is a file users may share, so it is treated as data: it is opened read-only for
tracing (SQLite ``mode=ro``), refused unless its schema is exactly the one below (no
triggers or views: no stored SQL ever runs), and stored blobs are decompressed with a
size limit.  Only one ``unspin index add`` writes an index at a time (a lock file).

Reading writes nothing, so an index on read-only storage (a shared mount, a container
volume) can be traced: a writer works in WAL mode and switches the file back to a rollback
journal when it closes, and a ``mode=ro`` reader of such a file creates no file and changes
no byte.  An index left in WAL mode (by an older unspin, or a writer still running) needs
its ``-shm`` file to be read safely; where that cannot be created (read-only storage) it is
opened ``immutable=1``, unless a log or journal there holds an unfinished write.

>>> import tempfile
>>> from unspin.trace.fingerprint import Fingerprinter
>>> d = tempfile.mkdtemp()
>>> ix = TraceIndex.create(d, Fingerprinter(frozenset({"今年", "本年"})))
>>> ix.add([("a1", "雷军说今年要交付三十万辆小米汽车。")]).added
1
>>> ix.add([("a1", "雷军说今年要交付三十万辆小米汽车。")]).unchanged
1
>>> ix.stats()["documents"]
1
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import sqlite3
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import chain
from pathlib import Path
from typing import IO, Any

import numpy as np

from unspin.errors import IndexError_
from unspin.trace.fingerprint import Fingerprinter

DB_NAME = "trace.sqlite"
LOCK_NAME = "trace.lock"
FORMAT = 2
"""Index format: 2 added ``docs.meta`` (title, url, date, ``--meta`` fields); format 1 is still read."""
MAX_DOC_CHARS = 1_000_000
"""Largest document ``add`` accepts (longer ones are skipped with a message: split them)."""
MAX_VOCAB_BYTES = 32 << 20
MAX_VOCAB_WORDS = 2_000_000
"""Largest masked vocabulary accepted from an index, uncompressed and in words (the model's lexicon
has 71,000; 2,000,000 words take about 250 MB of memory)."""
_BATCH_CHARS = 64_000_000
"""``add`` writes a batch early once it holds this many characters (memory stays bounded)."""
MIN_BATCH = 2000
"""Least documents per transaction of ``add`` (unless told otherwise)."""
BATCH_SHARE = 8
"""A transaction of ``add`` holds up to 1/BATCH_SHARE of the documents already indexed: postings go
to random places of the B-tree, so a transaction rewrites about ``min(its postings, all)`` pages;
transactions that grow with the index keep the bytes written per document flat."""
_WRITE_CACHE_KIB = 131_072
"""SQLite page cache of a writing connection (interior pages and the id index stay in memory)."""
_READ_CACHE_KIB = 32_768
"""SQLite page cache of a reading connection: the postings B-tree's interior pages (~10 MB per
million documents) stay in memory, so a lookup reads only leaves (from the OS page cache)."""
_REBUILD = "rebuild it with `unspin index add` into a new folder"

MAX_META_CHARS = 2000
"""Longest metadata value kept (longer ones are cut)."""

_SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, sha1 TEXT NOT NULL,
    chars INTEGER NOT NULL, text BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS postings (h INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (h, doc))
    WITHOUT ROWID;
"""
_SCHEMA = _SCHEMA_V1.replace("text BLOB NOT NULL)", "text BLOB NOT NULL, meta TEXT)")
Doc = tuple[str, str] | tuple[str, str, dict[str, Any]]
"""A document to add: ``(id, text)`` or ``(id, text, metadata)``."""


@dataclass
class AddReport:
    """What one ``add`` did; ``problems`` lists ``(id, reason)`` for every skipped document."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (f"added {self.added:,}, replaced {self.replaced:,}, unchanged {self.unchanged:,}, "
                f"skipped {len(self.problems):,}")


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class TraceIndex:
    """A trace index in folder ``path`` (see module docstring); open with :meth:`open` or :meth:`create`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, fp: Fingerprinter, settings: dict,
                 lock: IO | None = None) -> None:
        self.path = path
        self.conn = conn
        self.fingerprinter = fp
        self.settings = settings
        self._lock = lock  # held while this object may write
        self._count: int | None = None

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, fp: Fingerprinter, vocabulary_source: str = "custom") -> TraceIndex:
        """A new empty index in folder ``path`` (created if needed); an existing index is an error."""
        p = Path(path)
        lock = claim_folder(p, DB_NAME)
        try:
            settings = {
                "format": FORMAT, "k": fp.k, "sample": fp.sample, "raw_sample": fp.raw_sample,
                "vocabulary_size": len(fp.vocabulary),
                "vocabulary_source": vocabulary_source, "created": time.strftime("%Y-%m-%d %H:%M:%S"),
            }
            vocab_blob = zlib.compress("\n".join(sorted(fp.vocabulary)).encode("utf-8"), 6)
            tmp = p / (DB_NAME + ".creating")
            for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):  # a killed creation's (we hold the lock)
                leftover.unlink(missing_ok=True)
            with _sql_errors(p, "create"):
                conn = sqlite3.connect(tmp)
                with conn:
                    conn.executescript(_SCHEMA)
                    conn.execute("INSERT INTO settings VALUES ('meta', ?)", (json.dumps(settings),))
                    conn.execute("INSERT INTO settings VALUES ('vocabulary', ?)", (vocab_blob,))
                conn.close()
                os.replace(tmp, p / DB_NAME)
                conn = _connect(p / DB_NAME, write=True)
        except BaseException:
            lock.close()
            raise
        return cls(p, conn, fp, settings, lock)

    @classmethod
    def open(cls, path: str | Path, write: bool = False) -> TraceIndex:
        """Open the index in folder ``path`` (read-only unless ``write``, which takes the writer lock);
        :class:`IndexError_` when missing, corrupt, foreign, read-only or in use.

        A sharded index folder (``shards.json``) opens as a :class:`~unspin.trace.shards.ShardedIndex`,
        which reads the same way."""
        p = Path(path)
        db = p / DB_NAME
        if not db.is_file():
            from unspin.trace.shards import ShardedIndex, is_sharded

            if is_sharded(p):
                return ShardedIndex.open(p, write=write)  # type: ignore[return-value]
            raise IndexError_(f"no trace index at {p}", hint="build one with `unspin index add CORPUS --index DIR`")
        lock = _lock(p) if write else None
        try:
            with _sql_errors(p, "write" if write else "read"):
                conn = _connect(db, write)
                schema = _check_schema(conn, p)
                rows = dict(conn.execute("SELECT key, value FROM settings").fetchall())
            try:
                settings = json.loads(rows["meta"])
                if not isinstance(settings, dict):
                    raise ValueError("its settings are not an object")
                k, sample = settings["k"], settings["sample"]
                raw_sample = settings.get("raw_sample", 0)  # 0: built before the raw channel
                size = settings.get("vocabulary_size")
                if not all(type(v) is int for v in (k, sample, raw_sample, size)):
                    raise ValueError("its shingle settings and vocabulary size must be whole numbers")
                if not (1 <= k <= 16 and 1 <= sample <= 1 << 16 and 0 <= raw_sample <= 1 << 16
                        and 0 <= size <= MAX_VOCAB_WORDS):
                    raise ValueError(f"settings k={k}, sample={sample}, raw_sample={raw_sample}, vocabulary_size="
                                     f"{size} out of range")
                if not isinstance(rows["vocabulary"], bytes):
                    raise ValueError("its vocabulary is not a compressed blob")
                fp = _fingerprinter(rows["vocabulary"], k, sample, raw_sample)
                if len(fp.vocabulary) != size:
                    raise ValueError(f"its vocabulary holds {len(fp.vocabulary):,} words, its settings say {size:,}")
            except (KeyError, TypeError, ValueError, RecursionError, zlib.error) as exc:
                raise IndexError_(f"trace index at {p} is corrupt: {str(exc)[:200]}", hint=_REBUILD) from None
            fmt = settings.get("format")
            if fmt != schema or (write and fmt != FORMAT):
                why = ("was built by an older unspin (format 1): it can be traced, not added to"
                       if fmt == schema == 1 else f"has format {fmt!r}, expected {FORMAT}")
                raise IndexError_(f"trace index at {p} {why}", hint="rebuild it with this version of unspin "
                                  "(`unspin index add` into a new folder; format 2 keeps titles, URLs and dates)")
        except BaseException:
            if lock:
                lock.close()
            raise
        return cls(p, conn, fp, settings, lock)

    @classmethod
    def open_or_create(cls, path: str | Path, make_fp) -> TraceIndex:
        """Open the index at ``path`` for writing, or create it with the fingerprinter ``make_fp()`` returns."""
        if (Path(path) / DB_NAME).exists():
            return cls.open(path, write=True)
        fp, source = make_fp()
        return cls.create(path, fp, source)

    def close(self) -> None:
        if self._lock:  # a writer: leave a file that readers on read-only storage can open (module docstring)
            _leave_wal(self.conn)
        self.conn.close()
        if self._lock:
            self._lock.close()

    # -- writing -------------------------------------------------------------------------
    def add(self, docs: Iterable[Doc], replace: bool = False, batch: int | None = None,
            progress=None) -> AddReport:
        """Add ``(id, text[, metadata])`` documents; same id and text is a no-op (new metadata is
        stored), same id with new text is skipped (reported) unless ``replace``.

        Each transaction holds ``batch`` documents; by default :meth:`auto_batch` of them, a
        share of the index that grows with it (see :data:`MIN_BATCH`).
        """
        report = AddReport()
        buf: list[tuple[str, str, dict[str, str]]] = []
        chars = 0
        size = batch or self.auto_batch()
        for doc in docs:
            doc_id, text = doc[0], doc[1]
            meta = _clean_meta(doc[2]) if len(doc) > 2 else {}
            problem = _problem(doc_id, text)
            if problem:
                report.problems.append((doc_id, problem))
                continue
            buf.append((doc_id, text, meta))
            chars += len(text)
            if len(buf) >= size or chars >= _BATCH_CHARS:
                self._add_batch(buf, replace, report)
                buf, chars = [], 0
                size = batch or self.auto_batch()
                if progress:
                    progress(report)
        if buf:
            self._add_batch(buf, replace, report)
        return report

    def auto_batch(self) -> int:
        """Documents per transaction when ``add`` is not told: :data:`MIN_BATCH`, or a
        :data:`BATCH_SHARE` of the documents already indexed when that is more."""
        return max(MIN_BATCH, len(self) // BATCH_SHARE)

    def _add_batch(self, docs: list[tuple[str, str, dict[str, str]]], replace: bool, report: AddReport) -> None:
        """One transaction: the documents, then all their postings in ``(h, doc)`` order (one sweep
        through the postings B-tree instead of a page write per posting)."""
        prints = [self.fingerprinter.sampled(text) for _, text, _ in docs]
        pending: dict[int, np.ndarray] = {}
        added_before = report.added
        with _sql_errors(self.path, "write"), self.conn:
            for (doc_id, text, meta), hashes in zip(docs, prints, strict=True):
                sha = _sha1(text)
                stored = json.dumps(meta, ensure_ascii=False) if meta else None
                row = self.conn.execute("SELECT num, sha1, text FROM docs WHERE id = ?", (doc_id,)).fetchone()
                if row is not None and row[1] == sha:
                    if stored:
                        self.conn.execute("UPDATE docs SET meta = ? WHERE num = ?", (stored, row[0]))
                    report.unchanged += 1
                    continue
                if row is not None and not replace:
                    report.problems.append((doc_id, "id already indexed with different text (use --replace)"))
                    continue
                if row is not None:
                    if pending.pop(row[0], None) is None:  # else its postings were not written yet
                        old = self.fingerprinter.sampled(_unpack(row[2]))
                        self.conn.executemany("DELETE FROM postings WHERE h = ? AND doc = ?",
                                              ((int(h), row[0]) for h in old))
                    self.conn.execute("DELETE FROM docs WHERE num = ?", (row[0],))
                    report.replaced += 1
                else:
                    report.added += 1
                cur = self.conn.execute(
                    "INSERT INTO docs (id, sha1, chars, text, meta) VALUES (?, ?, ?, ?, ?)",
                    (doc_id, sha, len(text), zlib.compress(text.encode("utf-8"), 1), stored),
                )
                pending[cur.lastrowid] = hashes
            if pending:
                nums = np.fromiter(pending, dtype=np.int64, count=len(pending))
                hs = np.concatenate(list(pending.values()))
                ds = np.repeat(nums, [len(v) for v in pending.values()])
                order = np.lexsort((ds, hs))
                hs, ds = hs[order], ds[order]
                for i in range(0, len(hs), 100_000):
                    self.conn.executemany("INSERT OR IGNORE INTO postings VALUES (?, ?)",
                                          zip(hs[i : i + 100_000].tolist(), ds[i : i + 100_000].tolist(), strict=True))
        if self._count is not None:
            self._count += report.added - added_before

    # -- reading -------------------------------------------------------------------------
    def lookup(self, hashes: np.ndarray, max_df: int = 2000) -> tuple[dict[int, list[int]], dict[int, int]]:
        """Postings of each distinct hash in ``hashes`` and its document frequency.

        Returns ``(docs, df)``: ``docs[h]`` lists the documents holding ``h`` (empty when
        ``h`` is in more than ``max_df`` documents: boilerplate), ``df[h]`` is the number of
        documents holding ``h`` (``max_df + 1`` when capped, 0 when unseen).  Both in ascending
        order of ``h``.

        One statement per :data:`_LOOKUP_CHUNK` hashes: each hash's documents are counted
        inside SQLite up to ``max_df + 1``, and listed (comma-joined) only when there are at
        most ``max_df`` of them: a boilerplate hash's list is never fetched.
        """
        uniq = np.unique(hashes).tolist()
        found = self.counted_lists(uniq, max_df)
        df = {h: found[h][0] for h in uniq}
        return {h: _parse(found[h][1]) for h in uniq}, df

    def counted_lists(self, hashes: list[int], max_df: int) -> dict[int, tuple[int, str | None]]:
        """For each of ``hashes`` (distinct): how many documents hold it (counted up to ``max_df + 1``)
        and, when at most ``max_df`` do, their numbers comma-joined (``None`` otherwise).  The raw
        material of :meth:`lookup`, which a sharded index merges before parsing."""
        found: dict[int, tuple[int, str | None]] = {}
        with _sql_errors(self.path, "read"):
            for chunk, args in _chunks(hashes):
                for h, n, listed in self.conn.execute(_lookup_sql(len(chunk)), (max_df, *args)).fetchall():
                    if listed is not None and not (isinstance(listed, str) and _NUMBERS.fullmatch(listed)):
                        raise ValueError(f"postings of {h} hold a document number that is not a whole number")
                    found[h] = (n, listed)
        return {h: found.get(h, (0, None)) for h in hashes}

    def candidates(self, hashes: np.ndarray, limit: int = 20, max_df: int = 2000) -> list[tuple[int, int]]:
        """``(doc number, shared sampled shingles)`` for the ``limit`` docs sharing most of ``hashes``.

        Shingles found in more than ``max_df`` documents (boilerplate) are ignored.
        """
        hits: Counter[int] = Counter()
        for rows in self.lookup(hashes, max_df)[0].values():
            hits.update(rows)
        return hits.most_common(limit)

    def document(self, num: int) -> tuple[str, str]:
        """``(id, text)`` of document number ``num``."""
        return self.documents([num])[0]

    def documents(self, nums: list[int]) -> list[tuple[str, str]]:
        """``(id, text)`` of each of the document numbers ``nums``, in order (one statement per
        :data:`_LOOKUP_CHUNK` of them: a query's candidates are read at once)."""
        rows: dict[int, tuple[Any, Any]] = {}
        with _sql_errors(self.path, "read"):
            for chunk, args in _chunks(nums):
                rows.update((n, (i, t)) for n, i, t in self.conn.execute(_documents_sql(len(chunk)), args))
            out = []
            for num in nums:
                row = rows.get(num)
                if row is None:
                    raise IndexError_(f"document #{num} missing from the index at {self.path}")
                if not isinstance(row[0], str):
                    raise ValueError(f"document #{num} has an id of type {type(row[0]).__name__}")
                out.append((row[0], _unpack(row[1])))
            return out

    def metadata(self, num: int) -> dict[str, str]:
        """Title, url, date and other fields stored for document number ``num`` (``{}`` when none)."""
        if self.settings.get("format") != FORMAT:
            return {}
        with _sql_errors(self.path, "read"):
            row = self.conn.execute("SELECT meta FROM docs WHERE num = ?", (num,)).fetchone()
        try:
            meta = json.loads(row[0]) if row and isinstance(row[0], str) and row[0] else {}
        except (ValueError, RecursionError):
            return {}
        return _clean_meta(meta) if isinstance(meta, dict) else {}

    def __len__(self) -> int:
        if self._count is None:
            with _sql_errors(self.path, "read"):
                self._count = self.conn.execute("SELECT count(*) FROM docs").fetchone()[0]
        return self._count

    def stats(self) -> dict:
        """Documents, characters, postings, size on disk and build settings."""
        with _sql_errors(self.path, "read"):
            docs, chars = self.conn.execute("SELECT count(*), coalesce(sum(chars), 0) FROM docs").fetchone()
            postings = self.conn.execute("SELECT count(*) FROM postings").fetchone()[0]
        size = sum(f.stat().st_size for f in self.path.iterdir() if f.name.startswith(DB_NAME))
        return {"path": str(self.path), "documents": docs, "characters": chars, "postings": postings,
                "bytes": size, "settings": self.settings}


def rank_candidates(postings: dict[int, list[int]], weight: dict[int, float], limit: int,
                    min_shared: int = 2) -> list[int]:
    """The ``limit`` documents with the largest sum of ``weight[h]`` over the hashes ``h`` whose
    ``postings`` list them, among those listed by at least ``min_shared`` hashes; ties by document
    number.  Summed in hash order (as a loop over ``postings`` would), in numpy.

    >>> rank_candidates({1: [7, 9], 2: [9], 3: [7, 8, 9]}, {1: 0.5, 2: 2.0, 3: 0.25}, limit=5)
    [9, 7]
    """
    lists = [(docs, weight[h]) for h, docs in postings.items() if docs]
    if not lists:
        return []
    sizes = [len(docs) for docs, _ in lists]
    docs = np.fromiter(chain.from_iterable(d for d, _ in lists), dtype=np.int64, count=sum(sizes))
    nums, where = np.unique(docs, return_inverse=True)
    score = np.bincount(where, weights=np.repeat([w for _, w in lists], sizes))
    shared = np.bincount(where) >= min_shared
    nums, score = nums[shared], score[shared]
    return nums[np.lexsort((nums, -score))][:limit].tolist()


def _clean_meta(meta: dict[str, Any]) -> dict[str, str]:
    """``meta`` as short valid strings: empty values dropped, long ones cut, lists and objects as JSON."""
    def safe(v: str, limit: int) -> str:
        return v[:limit].encode("utf-8", "replace").decode("utf-8")

    out = {}
    for key, value in meta.items():
        if value is None or value == "":
            continue
        v = json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, (dict, list)) else str(value)
        out[safe(str(key), 100)] = safe(v, MAX_META_CHARS)
    return out


def _problem(doc_id: str, text: str) -> str | None:
    """Why ``(doc_id, text)`` cannot be indexed, or ``None``."""
    if len(text) > MAX_DOC_CHARS:
        return f"{len(text):,} characters, over the limit of {MAX_DOC_CHARS:,} (split it into smaller documents)"
    for what, value in (("id", doc_id), ("text", text)):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"{what} is not valid Unicode (a lone surrogate)"
    return None


def claim_folder(folder: Path, *markers: str) -> IO:
    """Make ``folder`` for a new index and hold its writer lock; :class:`IndexError_` when it is a
    file or already holds one of ``markers`` (checked again once the lock is held: another writer
    may have created the index while we waited)."""
    if folder.exists() and not folder.is_dir():
        raise IndexError_(f"{folder} is a file, not a folder", hint="pass a folder for --index")

    def refuse_existing() -> None:
        if any((folder / m).exists() for m in markers):
            raise IndexError_(f"a trace index already exists at {folder}")

    refuse_existing()
    folder.mkdir(parents=True, exist_ok=True)
    lock = _lock(folder)
    try:
        refuse_existing()
    except BaseException:
        lock.close()
        raise
    return lock


def _lock(folder: Path) -> IO:
    """Hold the writer lock of the index in ``folder``; :class:`IndexError_` when another process has it."""
    try:
        f = open(folder / LOCK_NAME, "a+b")  # noqa: SIM115 - held until the index is closed
    except OSError as exc:
        raise _os_error(folder, exc) from None
    try:
        import fcntl
    except ImportError:  # pragma: no cover - no advisory locks on this platform
        return f
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        raise IndexError_(f"trace index at {folder} is in use by another `unspin index add`",
                          hint="wait for it to finish, then rerun") from None
    return f


def _os_error(folder: Path, exc: OSError) -> IndexError_:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return IndexError_(f"trace index at {folder} is read-only for you ({exc.strerror})",
                           hint="check its permissions, or copy it to a folder you can write")
    return IndexError_(f"cannot use the trace index at {folder}: {exc.strerror or exc}")


@contextmanager
def _sql_errors(folder: Path, action: str) -> Iterator[None]:
    """Turn SQLite and OS errors into one-line :class:`IndexError_` (read-only, full, busy, corrupt)."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        msg = str(exc)
        if "readonly" in msg or "read-only" in msg or (action == "write" and "unable to open" in msg):
            raise IndexError_(f"trace index at {folder} is read-only: cannot {action} it ({msg})",
                              hint="check its permissions, or copy it to a folder you can write") from None
        if "locked" in msg or "busy" in msg:
            raise IndexError_(f"trace index at {folder} is in use ({msg})", hint="wait and rerun") from None
        if "full" in msg:
            raise IndexError_(f"cannot {action} the trace index at {folder}: the disk is full",
                              hint="free space and rerun: committed documents are kept") from None
        if "unable to open" in msg:
            raise IndexError_(f"cannot open the trace index at {folder} ({msg})",
                              hint="check that you may read it") from None
        raise IndexError_(f"trace index at {folder} is corrupt or unreadable: {msg}", hint=_REBUILD) from None
    except OSError as exc:
        raise _os_error(folder, exc) from None
    except (ValueError, zlib.error) as exc:  # a stored text over the limit, or not zlib/UTF-8
        raise IndexError_(f"trace index at {folder} is corrupt: {str(exc)[:200]}", hint=_REBUILD) from None


@cache
def _expected_schema(script: str) -> frozenset[tuple]:
    conn = sqlite3.connect(":memory:")
    conn.executescript(script)
    return frozenset(conn.execute(_SCHEMA_QUERY).fetchall())


_SCHEMA_QUERY = "SELECT type, name, tbl_name, sql FROM sqlite_master"


def _check_schema(conn: sqlite3.Connection, folder: Path) -> int:
    """The format (1 or 2) whose schema the index has exactly; refuse any other (triggers, views,
    altered tables)."""
    found = set(conn.execute(_SCHEMA_QUERY).fetchall())
    extra = found - _expected_schema(_SCHEMA)
    if not extra:
        return FORMAT
    if not found - _expected_schema(_SCHEMA_V1):
        return 1
    kind, name = sorted(extra)[0][:2]
    raise IndexError_(f"trace index at {folder} has an unexpected {kind} {name!r}; refusing to use it",
                      hint="only use indexes built by `unspin index add`; " + _REBUILD)


def _connect(db: Path, write: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(db, check_same_thread=False) if write else _connect_read(db)
    conn.execute("PRAGMA trusted_schema=OFF")
    if write:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA cache_size=-{_WRITE_CACHE_KIB}")
        conn.execute("PRAGMA journal_size_limit=67108864")  # a big transaction's WAL shrinks back after it
    else:
        conn.execute(f"PRAGMA cache_size=-{_READ_CACHE_KIB}")
    return conn


def _connect_read(db: Path) -> sqlite3.Connection:
    """A read-only connection to ``db`` that writes nothing (see the module docstring): ``mode=ro``;
    on read-only storage, where SQLite cannot create the ``-shm`` file a WAL-mode file needs,
    ``immutable=1`` unless an unfinished write is pending beside it."""
    uri = db.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
    try:
        conn.execute("PRAGMA trusted_schema=OFF")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the file (and a WAL's -shm)
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        if _may_write(db) or not any(w in str(exc) for w in ("readonly", "read-only", "unable to open")):
            raise
    for suffix in ("-wal", "-journal"):
        side = db.with_name(db.name + suffix)
        if side.exists() and side.stat().st_size:
            raise IndexError_(f"trace index at {db.parent} is on read-only storage with an unfinished write "
                              f"({side.name})", hint="copy the index again from where `unspin index add` finished")
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, check_same_thread=False)


def _may_write(db: Path) -> bool:
    """Whether this process may create files beside ``db`` and write it (``False`` on read-only storage
    or without permission)."""
    return os.access(db.parent, os.W_OK) and os.access(db, os.W_OK)


def _leave_wal(conn: sqlite3.Connection) -> None:
    """Switch a writer's file back from WAL to a rollback journal (the WAL is checkpointed into it), so
    that readers need no ``-shm`` file; skipped at once while another connection has it open."""
    try:
        conn.execute("PRAGMA busy_timeout=0")
        conn.execute("PRAGMA journal_mode=DELETE").fetchone()
    except sqlite3.Error:
        pass  # a reader still has it open, or the disk is full: it stays in WAL mode, still readable


@lru_cache(maxsize=4)
def _fingerprinter(vocab_blob: bytes, k: int, sample: int, raw_sample: int = 0) -> Fingerprinter:
    """The fingerprinter of a stored vocabulary: indexes built together (the shards of one index)
    share one object, loaded once."""
    text = _unpack(vocab_blob, MAX_VOCAB_BYTES)
    if text.count("\n") >= MAX_VOCAB_WORDS:
        raise ValueError(f"its vocabulary holds over {MAX_VOCAB_WORDS:,} words")
    return Fingerprinter(frozenset(text.split("\n") if text else ()), k, sample, raw_sample)


_LOOKUP_CHUNK = 256
"""Hashes looked up per statement (a whole query is usually one chunk)."""


def _chunks(hashes: list[int]) -> Iterator[tuple[list[int], list[int]]]:
    """``(chunk, its statement arguments)``: the chunk padded (with its last hash) to the size of
    its statement."""
    for i in range(0, len(hashes), _LOOKUP_CHUNK):
        chunk = hashes[i : i + _LOOKUP_CHUNK]
        yield chunk, chunk + [chunk[-1]] * (_padded(len(chunk)) - len(chunk))


def _padded(n: int) -> int:
    return max(8, 1 << (n - 1).bit_length())


@cache
def _lookup_sql(n: int) -> str:
    """The lookup statement for ``n`` hashes, padded to a power of two (few distinct statements, so
    SQLite's prepared statements are reused): for each hash, its documents counted up to ``?1 + 1``
    and, when at most ``?1``, listed comma-joined (one string per hash, not one row per posting)."""
    values = ",".join(f"(?{j + 2})" for j in range(_padded(n)))
    return ("SELECT h, n, CASE WHEN n <= ?1 THEN (SELECT group_concat(doc) FROM postings WHERE postings.h = t.h) END "
            "FROM (SELECT q.column1 AS h, (SELECT count(*) FROM (SELECT 1 FROM postings WHERE h = q.column1 "
            f"LIMIT ?1 + 1)) AS n FROM (VALUES {values}) AS q) AS t")


@cache
def _documents_sql(n: int) -> str:
    """The statement reading the documents of ``n`` numbers, padded as :func:`_lookup_sql`."""
    return f"SELECT num, id, text FROM docs WHERE num IN ({','.join('?' * _padded(n))})"


_NUMBERS = re.compile(r"-?[0-9]{1,19}(?:,-?[0-9]{1,19})*")
"""A comma-joined list of document numbers (as postings hold them: integers)."""


def _parse(listed: str | None) -> list[int]:
    return list(map(int, listed.split(","))) if listed else []


def _unpack(blob: bytes, max_bytes: int = 4 * MAX_DOC_CHARS) -> str:
    """Decompress a stored text, refusing more than ``max_bytes`` (a zlib bomb)."""
    if not isinstance(blob, bytes):  # a crafted index: text stored as INTEGER or TEXT
        raise ValueError(f"stored text is of type {type(blob).__name__}, not a compressed blob")
    d = zlib.decompressobj()
    data = d.decompress(blob, max_bytes)
    if d.unconsumed_tail:
        raise ValueError(f"stored text is over {max_bytes:,} bytes")
    return data.decode("utf-8")
