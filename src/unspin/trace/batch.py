"""Batch tracing: many queries against one index, opened once (per worker process).

A query is ``(id, text, problem)``: a query that could not be read carries its ``problem``
instead of a text, and comes out as an error record, as does a query :func:`trace` refuses
(no Chinese text); the batch goes on.  Results come out in input order.

>>> import tempfile
>>> from unspin.trace.fingerprint import Fingerprinter
>>> from unspin.trace.index import TraceIndex
>>> d = tempfile.mkdtemp()
>>> ix = TraceIndex.create(d, Fingerprinter(frozenset({"今年"})))
>>> _ = ix.add([("a1", "雷军说今年要交付三十万辆小米汽车。小米汽车的订单已经排到了明年。")])
>>> for t in trace_many([("q1", "hello", None), ("q2", None, "not UTF-8")], d):
...     print(to_record(t))
{'id': 'q1', 'matches': [], 'error': 'input has no Chinese characters (hint: unspin analyses Chinese text)'}
{'id': 'q2', 'matches': [], 'error': 'not UTF-8'}
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unspin.errors import InputError, UnspinError
from unspin.files import files_under
from unspin.pool import process_pool, quiet_worker
from unspin.trace.api import TraceResult, resolve_index, trace
from unspin.trace.index import TraceIndex

Query = tuple[str, str | None, str | None]
"""``(id, text, problem)``: ``text`` is ``None`` when the query could not be read (``problem`` says why)."""


@dataclass
class Traced:
    """One query's outcome: its sources, or why it was not traced."""

    id: str
    result: TraceResult | None
    error: str | None = None


def to_record(t: Traced) -> dict[str, Any]:
    """The ``--format jsonl`` record: ``{"id", "matches"}`` plus ``"error"`` for a query not traced."""
    if t.result is None:
        return {"id": t.id, "matches": [], "error": t.error}
    return {"id": t.id, **t.result.to_dict()}


def trace_one(query: Query, index: TraceIndex | str | Path, top_k: int = 5, swaps: bool = True) -> Traced:
    """Trace one query; bad input (unreadable, empty, no Chinese) is an error record, not an exception.
    ``swaps=False``: sources only, no substitutions (see :func:`unspin.trace.trace`)."""
    qid, text, problem = query
    if text is None:
        return Traced(qid, None, problem or "no text")
    try:
        return Traced(qid, trace(text, index, top_k=top_k, swaps=swaps))
    except InputError as exc:
        return Traced(qid, None, str(exc))
    except UnspinError:  # the index or the model: every query would fail the same way
        raise
    except Exception as exc:  # noqa: BLE001 - one poison query never ends a batch (as in `unspin scan`)
        return Traced(qid, None, f"error: {type(exc).__name__}: {str(exc)[:300]}")


_worker_index: TraceIndex | None = None


def _open_worker(path: str) -> None:
    global _worker_index
    quiet_worker()
    _worker_index = TraceIndex.open(path)


def _trace_in_worker(job: tuple[Query, int]) -> Traced:
    assert _worker_index is not None
    traced = trace_one(job[0], _worker_index, job[1])
    for m in traced.result.matches if traced.result else ():
        _ = m.swaps  # read here, in the worker, not by the driver after the match is sent back
    return traced


def trace_many(queries: Iterable[Query], index: str | Path, top_k: int = 5, workers: int = 1) -> Iterator[Traced]:
    """:func:`trace_one` of every query, in order; ``workers > 1`` runs them in that many processes
    (each match's swaps read there; in one process they are read when first asked for)."""
    if workers <= 1:
        ix = resolve_index(index)
        for q in queries:
            yield trace_one(q, ix, top_k)
        return
    path = str(Path(index).resolve())
    TraceIndex.open(path).close()  # a missing or bad index fails here, once
    pending: deque[Future] = deque()
    # spawn: no inherited SQLite connections or threads; a worker that dies ends the batch with one line
    with process_pool(workers, "spawn", "a trace worker process",
                      "the records written so far are complete: trace the remaining queries again (fewer "
                      "--workers if memory is short)", _open_worker, (path,)) as pool:
        for q in queries:
            pending.append(pool.submit(_trace_in_worker, (q, top_k)))
            while len(pending) > 4 * workers or (pending and pending[0].done()):
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def read_files(paths: Iterable[str | Path], encoding: str | None = None) -> Iterator[Query]:
    """Queries from files (a folder: every file under it, sorted), each named by its path."""
    from unspin.text.decode import read_input

    for p in map(Path, paths):
        for f in files_under(p) if p.is_dir() else [p]:
            try:
                yield str(f), read_input(f, encoding), None
            except UnspinError as exc:
                yield str(f), None, str(exc)


def read_queries(path: str | Path) -> Iterator[Query]:
    """Queries from a JSONL file of ``{"id": ..., "text": ...}`` lines: bad lines, and lines holding a lone
    surrogate (``"\\ud800"``, not valid Unicode: as ``unspin scan`` rejects them), are error queries, with
    the surrogate of an id written ``\\udXXX``."""
    from unspin.readers import read_documents

    if not str(path).lower().endswith((".jsonl", ".jsonl.gz")):
        raise InputError(f"{path}: --queries takes a .jsonl or .jsonl.gz file of {{\"id\", \"text\"}} lines")
    for rec in read_documents([path]):
        qid = rec.id.encode("utf-8", "backslashreplace").decode("utf-8")  # printable in any output
        if qid != rec.id or (rec.text is not None and not _valid_unicode(rec.text)):
            yield qid, None, "the record holds a lone surrogate (\\udXXX): not valid Unicode"
        else:
            yield qid, rec.text, rec.problem


def _valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
