"""The trace index: one SQLite file holding documents, sampled shingle postings and build settings.

Adding is incremental and idempotent by document id, in transactions of ``batch``
documents: a document and its postings are written together or not at all, so an
interrupted ``unspin index add`` leaves every committed document usable.

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

import hashlib
import json
import sqlite3
import time
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from unspin.errors import IndexError_
from unspin.trace.fingerprint import Fingerprinter

DB_NAME = "trace.sqlite"
FORMAT = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, sha1 TEXT NOT NULL,
    chars INTEGER NOT NULL, text BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS postings (h INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (h, doc))
    WITHOUT ROWID;
"""


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

    def __init__(self, path: Path, conn: sqlite3.Connection, fp: Fingerprinter, settings: dict) -> None:
        self.path = path
        self.conn = conn
        self.fingerprinter = fp
        self.settings = settings
        self._count: int | None = None

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, fp: Fingerprinter, vocabulary_source: str = "custom") -> TraceIndex:
        """A new empty index in folder ``path`` (created if needed); an existing index is an error."""
        p = Path(path)
        if (p / DB_NAME).exists():
            raise IndexError_(f"a trace index already exists at {p}")
        if p.exists() and not p.is_dir():
            raise IndexError_(f"{p} is a file, not a folder", hint="pass a folder for --index")
        p.mkdir(parents=True, exist_ok=True)
        conn = _connect(p / DB_NAME)
        settings = {
            "format": FORMAT, "k": fp.k, "sample": fp.sample, "vocabulary_size": len(fp.vocabulary),
            "vocabulary_source": vocabulary_source, "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        vocab_blob = zlib.compress("\n".join(sorted(fp.vocabulary)).encode("utf-8"), 6)
        with conn:
            conn.executescript(_SCHEMA)
            conn.execute("INSERT INTO settings VALUES ('meta', ?)", (json.dumps(settings),))
            conn.execute("INSERT INTO settings VALUES ('vocabulary', ?)", (vocab_blob,))
        return cls(p, conn, fp, settings)

    @classmethod
    def open(cls, path: str | Path) -> TraceIndex:
        """Open the index in folder ``path``; :class:`IndexError_` when missing or corrupt."""
        p = Path(path)
        db = p / DB_NAME
        if not db.is_file():
            raise IndexError_(f"no trace index at {p}", hint="build one with `unspin index add CORPUS --index DIR`")
        try:
            conn = _connect(db)
            rows = dict(conn.execute("SELECT key, value FROM settings").fetchall())
            settings = json.loads(rows["meta"])
            vocab = frozenset(zlib.decompress(rows["vocabulary"]).decode("utf-8").split("\n"))
        except (sqlite3.DatabaseError, KeyError, ValueError, zlib.error) as exc:
            raise IndexError_(f"trace index at {p} is corrupt or unreadable: {exc}",
                              hint="rebuild it with `unspin index add` into a new folder") from None
        if settings.get("format") != FORMAT:
            raise IndexError_(f"trace index at {p} has format {settings.get('format')}, expected {FORMAT}",
                              hint="rebuild it with this version of unspin")
        return cls(p, conn, Fingerprinter(vocab, settings["k"], settings["sample"]), settings)

    @classmethod
    def open_or_create(cls, path: str | Path, make_fp) -> TraceIndex:
        """Open the index at ``path``, or create it with the fingerprinter ``make_fp()`` returns."""
        if (Path(path) / DB_NAME).exists():
            return cls.open(path)
        fp, source = make_fp()
        return cls.create(path, fp, source)

    def close(self) -> None:
        self.conn.close()

    # -- writing -------------------------------------------------------------------------
    def add(self, docs: Iterable[tuple[str, str]], replace: bool = False, batch: int = 500,
            progress=None) -> AddReport:
        """Add ``(id, text)`` documents; same id and text is a no-op, same id with new text is skipped
        (reported) unless ``replace``."""
        report = AddReport()
        buf: list[tuple[str, str]] = []
        for item in docs:
            buf.append(item)
            if len(buf) >= batch:
                self._add_batch(buf, replace, report)
                buf = []
                if progress:
                    progress(report)
        if buf:
            self._add_batch(buf, replace, report)
        return report

    def _add_batch(self, docs: list[tuple[str, str]], replace: bool, report: AddReport) -> None:
        prints = [self.fingerprinter.sampled(text) for _, text in docs]
        self._count = None
        with self.conn:
            for (doc_id, text), hashes in zip(docs, prints, strict=True):
                sha = _sha1(text)
                row = self.conn.execute("SELECT num, sha1, text FROM docs WHERE id = ?", (doc_id,)).fetchone()
                if row is not None and row[1] == sha:
                    report.unchanged += 1
                    continue
                if row is not None and not replace:
                    report.problems.append((doc_id, "id already indexed with different text (use --replace)"))
                    continue
                if row is not None:
                    old = self.fingerprinter.sampled(_unpack(row[2]))
                    self.conn.executemany("DELETE FROM postings WHERE h = ? AND doc = ?",
                                          ((int(h), row[0]) for h in old))
                    self.conn.execute("DELETE FROM docs WHERE num = ?", (row[0],))
                    report.replaced += 1
                else:
                    report.added += 1
                cur = self.conn.execute(
                    "INSERT INTO docs (id, sha1, chars, text) VALUES (?, ?, ?, ?)",
                    (doc_id, sha, len(text), zlib.compress(text.encode("utf-8"), 1)),
                )
                num = cur.lastrowid
                self.conn.executemany("INSERT OR IGNORE INTO postings VALUES (?, ?)",
                                      ((int(h), num) for h in hashes))

    # -- reading -------------------------------------------------------------------------
    def lookup(self, hashes: np.ndarray, max_df: int = 2000) -> tuple[dict[int, list[int]], dict[int, int]]:
        """Postings of each distinct hash in ``hashes`` and its document frequency.

        Returns ``(docs, df)``: ``docs[h]`` lists the documents holding ``h`` (empty when
        ``h`` is in more than ``max_df`` documents: boilerplate), ``df[h]`` is the number of
        documents holding ``h`` (``max_df + 1`` when capped, 0 when unseen).
        """
        docs: dict[int, list[int]] = {}
        df: dict[int, int] = {}
        q = "SELECT doc FROM postings WHERE h = ? LIMIT ?"
        for h in np.unique(hashes).tolist():
            rows = [d for (d,) in self.conn.execute(q, (h, max_df + 1)).fetchall()]
            df[h] = len(rows)
            docs[h] = rows if len(rows) <= max_df else []
        return docs, df

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
        row = self.conn.execute("SELECT id, text FROM docs WHERE num = ?", (num,)).fetchone()
        if row is None:
            raise IndexError_(f"document #{num} missing from the index at {self.path}")
        return row[0], _unpack(row[1])

    def __len__(self) -> int:
        if self._count is None:
            self._count = self.conn.execute("SELECT count(*) FROM docs").fetchone()[0]
        return self._count

    def stats(self) -> dict:
        """Documents, characters, postings, size on disk and build settings."""
        docs, chars = self.conn.execute("SELECT count(*), coalesce(sum(chars), 0) FROM docs").fetchone()
        postings = self.conn.execute("SELECT count(*) FROM postings").fetchone()[0]
        size = sum(f.stat().st_size for f in self.path.iterdir() if f.name.startswith(DB_NAME))
        return {"path": str(self.path), "documents": docs, "characters": chars, "postings": postings,
                "bytes": size, "settings": self.settings}


def _connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _unpack(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8")
