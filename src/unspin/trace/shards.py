"""A trace index split into shards: built in parallel, queried in parallel, scored as one index.

Layout: a folder holding ``shards.json`` (the manifest) and one folder per shard, each a
normal :class:`~unspin.trace.index.TraceIndex`.  A document goes to shard
``blake2b-64(id) mod N``, so adding the same documents again finds them in the same shard
(unchanged) and ``--replace`` replaces them there.  All shards share one fingerprinter
(masked vocabulary and shingle settings); an index whose shards disagree is refused.

:class:`ShardedIndex` reads like a ``TraceIndex`` (what :func:`unspin.trace.api.trace`
uses): ``lookup`` asks every shard at once (threads: SQLite releases the GIL) and adds up
the document frequencies, so IDF weights are those of the whole collection and a sharded
index ranks candidates exactly as one index of the same documents does.  Document numbers
are global: ``local * N + shard``.  ``TraceIndex.open`` and ``unspin trace``, ``index
stats``, ``serve --index``, ``restore --index`` open a sharded folder transparently.

Building (``unspin index add CORPUS --index DIR --shards N``): the reader routes documents
to one writer per shard, a local process (``engine="local"``) or a Ray actor
(``engine="ray"``, ``unspin[ray]``; on a cluster the index folder must be on storage every
node sees); each writer signs and inserts its documents in the usual transactions.

Each shard knows its index and its place: the manifest holds the index's id (a random UUID
made when the index is created) and every shard's settings hold ``{"index": id, "number": i,
"of": N}``.  Opening checks both, so a shard copied in from another index (even one built from
the same documents), a manifest that lists the shards in another order, or a shard of an
index of another shard count is refused with one line: documents stay unique by id across
the shards.  An index built before shards carried their identity is read as it is; the first
``index add`` to it checks that a sample of each shard's documents routes to that shard, then
stamps the identity.  ``index add --shards N`` stops cleanly on Ctrl-C or ``kill``: committed
transactions are kept and a rerun adds the rest.

>>> import tempfile
>>> from unspin.trace.fingerprint import Fingerprinter
>>> d = tempfile.mkdtemp()
>>> ix = ShardedIndex.create(d, Fingerprinter(frozenset({"今年"})), shards=2)
>>> docs = [(f"a{i}", f"雷军说今年要交付{i}万辆小米汽车。") for i in range(6)]
>>> ix.add(docs, engine="serial").added, ix.add(docs, engine="serial").unchanged, len(ix)
(6, 6, 6)
>>> sorted(ix.document(num)[0] for num, _ in ix.candidates(ix.fingerprinter.sampled("雷军说要交付3万辆小米汽车")))
['a3']
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import IO, Any

import numpy as np

from unspin.errors import IndexError_, UnspinError
from unspin.pool import WorkerDied, died_message
from unspin.trace.fingerprint import Fingerprinter
from unspin.trace.index import (
    DB_NAME,
    AddReport,
    Doc,
    TraceIndex,
    _lock,
    _os_error,
    _parse,
    _sql_errors,
    claim_folder,
)

MANIFEST = "shards.json"
KIND = "unspin-trace-shards"
FORMAT = 1
MAX_SHARDS = 1024
_MAX_MANIFEST_BYTES = 1 << 20
_SEND = 500
"""Documents per message from the reader to a shard's writer."""
_ID = re.compile(r"[0-9a-f]{32}")
"""An index id: a UUID's 32 hexadecimal digits."""
_REBUILD = "rebuild it with `unspin index add CORPUS --index NEW_DIR --shards N`"


def shard_of(doc_id: str, shards: int) -> int:
    """The shard of document ``doc_id`` among ``shards``: stable across runs, machines and Python versions."""
    digest = hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def is_sharded(path: str | Path) -> bool:
    """Whether ``path`` is a sharded index folder (a manifest, no single index file)."""
    p = Path(path)
    return (p / MANIFEST).is_file() and not (p / DB_NAME).exists()


def _read_manifest(p: Path) -> tuple[list[str], str | None]:
    """Shard folder names listed by the manifest in ``p`` and the index's id (``None``: built before
    shards carried one); :class:`IndexError_` unless it is exactly ours."""
    try:
        with open(p / MANIFEST, "rb") as f:
            raw = f.read(_MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        raise _os_error(p, exc) from None
    try:
        if len(raw) > _MAX_MANIFEST_BYTES:
            raise ValueError("manifest over 1 MB")
        m = json.loads(raw)
        if not isinstance(m, dict) or m.get("kind") != KIND:
            raise ValueError("not an unspin shard manifest")
        if m.get("format") != FORMAT:
            raise ValueError(f"manifest format {m.get('format')!r}, expected {FORMAT}")
        names = m.get("shards")
        if not (isinstance(names, list) and 1 <= len(names) <= MAX_SHARDS and len(set(names)) == len(names)
                and all(isinstance(n, str) and n and n not in (".", "..") and n == Path(n).name
                        and "\\" not in n and "\0" not in n for n in names)):
            raise ValueError("its shard list must name 1 to 1,024 distinct folders inside the index folder")
        index_id = m.get("index")
        if index_id is not None and not (isinstance(index_id, str) and _ID.fullmatch(index_id)):
            raise ValueError("its index id must be 32 hexadecimal digits")
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise IndexError_(f"sharded trace index at {p} has a bad {MANIFEST}: {str(exc)[:200]}", hint=_REBUILD) from None
    return names, index_id


def _write_manifest(p: Path, names: list[str], index_id: str, created: str | None = None) -> None:
    tmp = p / (MANIFEST + ".creating")
    tmp.write_text(json.dumps({"kind": KIND, "format": FORMAT, "index": index_id, "shards": names,
                               "routing": "blake2b-64(id) mod N",
                               "created": created or time.strftime("%Y-%m-%d %H:%M:%S")}, indent=1) + "\n",
                   encoding="utf-8")
    os.replace(tmp, p / MANIFEST)


def _identity(index_id: str, number: int, count: int) -> dict[str, Any]:
    """What shard ``number`` of ``count`` of index ``index_id`` holds in its settings (key ``"shard"``)."""
    return {"index": index_id, "number": number, "of": count}


def _stamp(ix: TraceIndex, ident: dict[str, Any]) -> None:
    """Record ``ident`` in the settings of ``ix`` (a shard open for writing)."""
    settings = {**ix.settings, "shard": ident}
    with _sql_errors(ix.path, "write"), ix.conn:
        ix.conn.execute("UPDATE settings SET value = ? WHERE key = 'meta'", (json.dumps(settings),))
    ix.settings = settings


def _check_place(p: Path, name: str, ix: TraceIndex, index_id: str | None, number: int, count: int) -> None:
    """Refuse shard ``name`` (``ix``) unless it is shard ``number`` of ``count`` of index ``index_id``
    (``None``: an index from before identities, whose shards must carry none either)."""
    found = ix.settings.get("shard")
    if index_id is None and found is None:
        return
    where = f"shard {name} of the trace index at {p}"
    if not isinstance(found, dict):
        why = "carries no identity of this index (copied in from another index?)"
    elif index_id is None or found.get("index") != index_id:
        why = "belongs to another index (copied in from it?)"
    elif found.get("of") != count:
        why = f"is a shard of a {found.get('of')}-shard build, this index has {count} shards"
    elif found.get("number") != number:
        why = f"is shard number {found.get('number')}, but {MANIFEST} lists it at place {number}"
    else:
        return
    raise IndexError_(f"{where} {why}; refusing to mix shards, whose documents would be duplicated or lost",
                      hint=f"restore the shard folders and {MANIFEST} as `unspin index add --shards N` made them, or "
                      + _REBUILD)


def _routed_here(ix: TraceIndex, number: int, count: int, sample: int = 500) -> bool:
    """Whether the first and last ``sample`` documents of shard ``ix`` route to shard ``number`` of ``count``."""
    rows = ("SELECT id FROM (SELECT id FROM docs ORDER BY num LIMIT ?) UNION "
            "SELECT id FROM (SELECT id FROM docs ORDER BY num DESC LIMIT ?)")
    with _sql_errors(ix.path, "read"):
        ids = [r[0] for r in ix.conn.execute(rows, (sample, sample))]
    return all(isinstance(i, str) and shard_of(i, count) == number for i in ids)


def _mismatch(p: Path, name: str, first: str) -> IndexError_:
    return IndexError_(f"shard {name} of the trace index at {p} was built with another fingerprinter than {first} "
                       "(masked vocabulary or shingle settings differ); refusing to mix them",
                       hint="all shards must come from one `unspin index add --shards N`; " + _REBUILD)


def _own_shard(p: Path, name: str) -> None:
    """Refuse to write a shard that is a symbolic link (its folder or its database): it may be a part
    of another index, which an add here would change."""
    for link in (p / name, p / name / DB_NAME):
        if link.is_symlink():
            raise IndexError_(f"shard {name} of the trace index at {p} is a symbolic link ({link} -> "
                              f"{os.readlink(link)}); refusing to write into what may be another index",
                              hint="replace the link by a copy of the shard, or " + _REBUILD)


def _adopt(p: Path, names: list[str], shards: list[TraceIndex]) -> list[TraceIndex]:
    """Give an index built before shards carried their identity (``shards``, open read-only; the
    folder's writer lock held) an id and stamp each shard with its place, once a sample of every
    shard's documents is found routed to it; the shards reopened read-only."""
    for number, (name, ix) in enumerate(zip(names, shards, strict=True)):
        if not _routed_here(ix, number, len(names)):
            raise IndexError_(f"shard {name} of the trace index at {p} holds documents of another shard "
                              f"({MANIFEST} lists its shards in another order, or it comes from another index)",
                              hint=_REBUILD)
    for s in shards:
        s.close()
    index_id = uuid.uuid4().hex
    for number, name in enumerate(names):
        ix = TraceIndex.open(p / name, write=True)
        try:
            _stamp(ix, _identity(index_id, number, len(names)))
        finally:
            ix.close()
    try:
        created = json.loads((p / MANIFEST).read_text(encoding="utf-8")).get("created")
        _write_manifest(p, names, index_id, created if isinstance(created, str) else None)
    except OSError as exc:
        raise _os_error(p, exc) from None
    return [TraceIndex.open(p / name) for name in names]


class ShardedIndex:
    """A sharded trace index in folder ``path`` (see module docstring); open with :meth:`open` or :meth:`create`."""

    def __init__(self, path: Path, names: list[str], shards: list[TraceIndex], lock: IO | None = None) -> None:
        self.path = path
        self.names = names
        self.shards = shards
        self.fingerprinter: Fingerprinter = shards[0].fingerprinter
        own = {k: v for k, v in shards[0].settings.items() if k != "shard"}
        self.settings: dict[str, Any] = {**own, "shards": len(shards)}
        self._lock = lock  # held while this object may write
        self._pool: ThreadPoolExecutor | None = None
        self.parallel = len(shards) > 1
        """Ask the shards at the same time (threads); ``False``: one after another."""

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, write: bool = False, _lock_held: IO | None = None) -> ShardedIndex:
        """Open the sharded index in folder ``path``: every shard read-only (``write`` takes the writer
        lock of the folder, for :meth:`add`); :class:`IndexError_` when a shard is missing, corrupt or
        built with another fingerprinter."""
        p = Path(path)
        names, index_id = _read_manifest(p)
        lock = _lock_held or (_lock(p) if write else None)
        shards: list[TraceIndex] = []
        try:
            for number, name in enumerate(names):
                if not (p / name / DB_NAME).is_file():
                    raise IndexError_(f"shard {name} of the trace index at {p} is missing", hint=_REBUILD)
                if lock is not None:
                    _own_shard(p, name)
                if lock is not None and any((p / name / (DB_NAME + s)).exists() for s in ("-wal", "-journal")):
                    # a writer killed in a transaction (OOM, or stopped when another failed) left its log,
                    # which a read-only connection cannot recover: the writer about to add recovers it
                    TraceIndex.open(p / name, write=True).close()
                shards.append(TraceIndex.open(p / name))
                if shards[-1].fingerprinter != shards[0].fingerprinter:
                    raise _mismatch(p, name, names[0])
                _check_place(p, name, shards[-1], index_id, number, len(names))
            if index_id is None and lock is not None:
                shards = _adopt(p, names, shards)
        except BaseException:
            for s in shards:
                s.close()
            if lock:
                lock.close()
            raise
        return cls(p, names, shards, lock)

    @classmethod
    def create(cls, path: str | Path, fp: Fingerprinter, shards: int, vocabulary_source: str = "custom") -> ShardedIndex:
        """A new empty index of ``shards`` shards in folder ``path``, open for adding."""
        p = Path(path)
        if not 1 <= shards <= MAX_SHARDS:
            raise IndexError_(f"cannot make {shards} shards: use 1 to {MAX_SHARDS}")
        lock = claim_folder(p, DB_NAME, MANIFEST)
        try:
            names = [f"shard-{i:03d}" for i in range(shards)]
            index_id = uuid.uuid4().hex
            for number, name in enumerate(names):
                if (p / name / DB_NAME).exists():  # left by a killed creation: no manifest, so never added to
                    _own_shard(p, name)
                    ix = TraceIndex.open(p / name, write=True)
                    problem = (_mismatch(p, name, "the one asked for") if ix.fingerprinter != fp else
                               IndexError_(f"{p / name} holds documents but {p} has no {MANIFEST}",
                                           hint="move it away, or pass another folder for --index") if len(ix)
                               else None)
                    if problem:
                        ix.close()
                        raise problem
                else:
                    ix = TraceIndex.create(p / name, fp, vocabulary_source)
                try:
                    _stamp(ix, _identity(index_id, number, shards))
                finally:
                    ix.close()
            try:
                _write_manifest(p, names, index_id)
            except OSError as exc:
                raise _os_error(p, exc) from None
        except BaseException:
            lock.close()
            raise
        return cls.open(p, _lock_held=lock)

    @classmethod
    def open_or_create(cls, path: str | Path, make_fp, shards: int | None = None) -> ShardedIndex:
        """Open the sharded index at ``path`` for adding, or create it with ``shards`` shards and the
        fingerprinter ``make_fp()`` returns; an existing index must have ``shards`` shards (when given)."""
        p = Path(path)
        if is_sharded(p):
            ix = cls.open(p, write=True)
            if shards is not None and shards != len(ix.shards):
                ix.close()
                raise IndexError_(f"the trace index at {p} has {len(ix.names)} shards, not {shards}",
                                  hint="leave out --shards to add to it, or build a new index in another folder")
            return ix
        if (p / DB_NAME).exists():
            raise IndexError_(f"the trace index at {p} is a single index; --shards applies to a new index",
                              hint="leave out --shards to add to it, or build a sharded index in another folder")
        if not shards:
            raise IndexError_(f"no trace index at {p}", hint="pass --shards N to create a sharded one")
        fp, source = make_fp()
        return cls.create(p, fp, shards, source)

    def close(self) -> None:
        if self._pool:
            self._pool.shutdown(wait=False)
            self._pool = None
        for s in self.shards:
            s.close()
        if self._lock:
            self._lock.close()
            self._lock = None

    # -- reading -------------------------------------------------------------------------
    def _each(self, fn: Callable[[TraceIndex], Any]) -> list[Any]:
        """``fn(shard)`` for every shard, in shard order: the first in this thread, the others at the
        same time in a thread pool (SQLite releases the GIL while it searches)."""
        if not self.parallel:
            return [fn(s) for s in self.shards]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(len(self.shards) - 1, thread_name_prefix="unspin-shard")
        rest = [self._pool.submit(fn, s) for s in self.shards[1:]]
        return [fn(self.shards[0]), *(f.result() for f in rest)]

    def lookup(self, hashes: np.ndarray, max_df: int = 2000) -> tuple[dict[int, list[int]], dict[int, int]]:
        """:meth:`TraceIndex.lookup` over all shards: global document numbers and document frequencies
        (``max_df + 1`` when the shards together hold a hash in more than ``max_df`` documents).

        One round, on all shards at once: each counts (up to ``max_df + 1``) and lists the documents
        of every hash; the counts are summed, and only the lists of hashes whose sum is at most
        ``max_df`` are parsed.
        """
        uniq = np.unique(hashes).tolist()
        parts = self._each(lambda s: s.counted_lists(uniq, max_df))
        n = len(self.shards)
        docs: dict[int, list[int]] = {}
        df: dict[int, int] = {}
        for h in uniq:
            df[h] = min(sum(p[h][0] for p in parts), max_df + 1)
            docs[h] = ([local * n + i for i, p in enumerate(parts) for local in _parse(p[h][1])]
                       if df[h] <= max_df else [])
        return docs, df

    def candidates(self, hashes: np.ndarray, limit: int = 20, max_df: int = 2000) -> list[tuple[int, int]]:
        """``(doc number, shared sampled shingles)`` for the ``limit`` docs sharing most of ``hashes``."""
        hits: Counter[int] = Counter()
        for rows in self.lookup(hashes, max_df)[0].values():
            hits.update(rows)
        return hits.most_common(limit)

    def _route(self, num: int) -> tuple[TraceIndex, int]:
        n = len(self.shards)
        if num < 0:
            raise IndexError_(f"document #{num} missing from the index at {self.path}")
        return self.shards[num % n], num // n

    def document(self, num: int) -> tuple[str, str]:
        """``(id, text)`` of global document number ``num``."""
        shard, local = self._route(num)
        return shard.document(local)

    def documents(self, nums: list[int]) -> list[tuple[str, str]]:
        """``(id, text)`` of each of the global document numbers ``nums``, in order."""
        return [self.document(num) for num in nums]

    def metadata(self, num: int) -> dict[str, str]:
        """Title, url, date and other fields stored for global document number ``num``."""
        shard, local = self._route(num)
        return shard.metadata(local)

    def __len__(self) -> int:
        return sum(len(s) for s in self.shards)

    def stats(self) -> dict:
        """Documents, characters, postings and size on disk, in total and per shard; build settings."""
        parts = self._each(lambda s: s.stats())
        total = {k: sum(p[k] for p in parts) for k in ("documents", "characters", "postings", "bytes")}
        total["bytes"] += (self.path / MANIFEST).stat().st_size
        return {"path": str(self.path), **total, "settings": self.settings,
                "shards": [{"name": name, **{k: p[k] for k in ("documents", "characters", "postings", "bytes")}}
                           for name, p in zip(self.names, parts, strict=True)]}

    # -- writing -------------------------------------------------------------------------
    def add(self, docs: Iterable[Doc], replace: bool = False, batch: int | None = None,
            progress: Callable[[AddReport], None] | None = None, engine: str = "local",
            address: str | None = None) -> AddReport:
        """Add documents, each to its shard (see :meth:`TraceIndex.add` for the rules; ``batch``:
        documents per transaction of a shard, by default its :meth:`TraceIndex.auto_batch`).

        ``engine``: ``"local"`` builds the shards in parallel, one process per shard; ``"ray"``
        one Ray actor per shard (``address``: a cluster to join, else a private local instance);
        ``"serial"`` in this process, one shard after another (for small additions).
        """
        if self._lock is None:
            raise IndexError_(f"the trace index at {self.path} was opened read-only")
        if engine not in ("local", "ray", "serial"):
            raise ValueError(f"unknown engine {engine!r}")
        run = {"serial": self._add_serial, "local": self._add_processes, "ray": self._add_ray}[engine]
        for s in self.shards:  # no reader of ours keeps a writer's WAL file alive after it closes
            s.close()
        try:
            report = run(docs, replace, batch, progress, address)
        except BaseException:
            with suppress(UnspinError):
                self._reopen()
            raise
        self._reopen()
        return report

    def _reopen(self) -> None:
        self.shards = [TraceIndex.open(self.path / name) for name in self.names]

    def _batches(self, docs: Iterable[Doc], batch: int = _SEND):
        """``(shard, documents)`` batches of at most ``batch`` documents, routed by id."""
        n = len(self.shards)
        bufs: list[list[Doc]] = [[] for _ in range(n)]
        for doc in docs:
            i = shard_of(doc[0], n)
            bufs[i].append(doc)
            if len(bufs[i]) >= batch:
                yield i, bufs[i]
                bufs[i] = []
        for i, buf in enumerate(bufs):
            if buf:
                yield i, buf

    def _add_serial(self, docs, replace, batch, progress, address) -> AddReport:
        total = AddReport()
        writers = []
        try:
            for name in self.names:
                writers.append(TraceIndex.open(self.path / name, write=True))
            for i, part in self._batches(docs):
                _merge(total, writers[i].add(part, replace=replace, batch=batch))
                if progress:
                    progress(total)
        finally:
            for w in writers:
                w.close()
        return total

    def _add_processes(self, docs, replace, batch, progress, address) -> AddReport:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")  # no inherited SQLite connections or threads
        results = ctx.Queue()
        inboxes = [ctx.Queue(maxsize=3) for _ in self.names]
        procs = [ctx.Process(target=_shard_worker, daemon=True,
                             args=(str(self.path / name), replace, batch, inbox, results, i))
                 for i, (name, inbox) in enumerate(zip(self.names, inboxes, strict=True))]
        total = AddReport()
        done: set[int] = set()

        def drain(block: bool) -> None:
            """Take the writers' messages (wait for one when ``block``); raise a writer's error."""
            while True:
                try:
                    kind, i, payload = results.get(timeout=0.5) if block else results.get_nowait()
                except queue.Empty:
                    break
                block = False
                if kind in ("report", "done"):
                    _merge(total, payload)
                    if progress:
                        progress(total)
                    if kind == "done":
                        done.add(i)
                else:
                    raise payload
            for i, p in enumerate(procs):
                if i not in done and p.exitcode is not None:  # stopped without a word: killed (OOM?)
                    time.sleep(0.5)  # its last messages may still be in the pipe
                    if not results.empty():
                        return
                    raise WorkerDied(died_message(f"the writer of shard {self.names[i]}", p.exitcode),
                                     hint="rerun the same command: committed documents are kept")

        def put(i: int, item) -> None:
            while True:
                try:
                    inboxes[i].put(item, timeout=0.5)
                    return
                except queue.Full:
                    drain(False)

        for p in procs:
            p.start()
        try:
            for i, part in self._batches(docs):
                put(i, part)
                drain(False)
            for i in range(len(procs)):
                put(i, None)
            while len(done) < len(procs):
                drain(True)
        finally:
            if len(done) < len(procs):  # a writer failed or died, or Ctrl-C: documents may be left in
                for q in [*inboxes, results]:  # the pipes, whose feeder threads must not hold up the exit
                    q.cancel_join_thread()
            for p in procs:
                if p.is_alive() and len(done) < len(procs):
                    p.terminate()
                p.join()
        return total

    def _add_ray(self, docs, replace, batch, progress, address) -> AddReport:
        from unspin.cluster import session

        total = AddReport()
        writers: list = []
        with session(address, len(self.names)) as ray:
            try:
                actor = ray.remote(num_cpus=1)(_ShardWriter)
                writers = [actor.remote(str(self.path / name), replace, batch) for name in self.names]
                pending: deque = deque()
                for i, part in self._batches(docs):
                    pending.append(writers[i].add.remote(part))
                    while len(pending) >= 2 * len(writers):
                        _merge(total, _ray_get(ray, pending.popleft()))
                        if progress:
                            progress(total)
                while pending:
                    _merge(total, _ray_get(ray, pending.popleft()))
                    if progress:
                        progress(total)
                for w in writers:
                    _merge(total, _ray_get(ray, w.close.remote()))
                if progress:
                    progress(total)
            finally:
                for w in writers:
                    ray.kill(w)
        return total


def _merge(total: AddReport, part: AddReport) -> None:
    total.added += part.added
    total.replaced += part.replaced
    total.unchanged += part.unchanged
    total.problems += part.problems


def _shard_worker(path: str, replace: bool, batch: int | None, inbox, results, i: int) -> None:
    """A local writer process: add every document from ``inbox`` (lists, then ``None``) to the shard
    at ``path`` in one streaming :meth:`TraceIndex.add`; report what each transaction added."""
    ix = None
    try:
        ix = TraceIndex.open(path, write=True)
        sent = AddReport()

        def docs():
            while (part := inbox.get()) is not None:
                yield from part

        def report(r: AddReport) -> None:
            results.put(("report", i, _delta(r, sent)))

        final = ix.add(docs(), replace=replace, batch=batch, progress=report)
        results.put(("done", i, _delta(final, sent)))
    except UnspinError as exc:
        results.put(("error", i, exc))
    except KeyboardInterrupt:
        pass
    except Exception as exc:  # noqa: BLE001 - reported to the driver as one line
        results.put(("error", i, IndexError_(f"writing shard {Path(path).name} failed: {type(exc).__name__}: {exc}")))
    finally:
        if ix is not None:
            ix.close()


def _delta(r: AddReport, sent: AddReport) -> AddReport:
    """What ``r`` (a running report) holds beyond ``sent``; ``sent`` becomes ``r``."""
    d = AddReport(r.added - sent.added, r.replaced - sent.replaced, r.unchanged - sent.unchanged,
                  r.problems[len(sent.problems):])
    sent.added, sent.replaced, sent.unchanged, sent.problems = r.added, r.replaced, r.unchanged, list(r.problems)
    return d


class _ShardWriter:
    """Body of a Ray actor: holds one shard open for writing; adds the documents it is sent in
    transactions of the shard's ``batch`` (or :meth:`TraceIndex.auto_batch`) documents."""

    def __init__(self, path: str, replace: bool, batch: int | None) -> None:
        self.ix = TraceIndex.open(path, write=True)
        self.replace, self.batch = replace, batch
        self.buf: list[Doc] = []

    def add(self, docs: list[Doc]) -> AddReport:
        """Buffer ``docs``; write the buffer when it is a full transaction (what was written, if any)."""
        self.buf += docs
        return self._flush() if len(self.buf) >= (self.batch or self.ix.auto_batch()) else AddReport()

    def _flush(self) -> AddReport:
        buf, self.buf = self.buf, []
        return self.ix.add(buf, replace=self.replace, batch=max(1, len(buf))) if buf else AddReport()

    def close(self) -> AddReport:
        try:
            return self._flush()
        finally:
            self.ix.close()


def _ray_get(ray, ref):
    """``ray.get(ref)``, re-raising our own errors (a locked or read-only shard) as themselves."""
    try:
        return ray.get(ref)
    except Exception as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, UnspinError):
            raise cause from None
        raise
