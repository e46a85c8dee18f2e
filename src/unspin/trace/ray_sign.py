"""``unspin index add --engine ray``: compute document signatures on Ray, index them here.

Signing (anchor masking and shingling) is the CPU-heavy part of indexing; the SQLite
index has a single writer.  So the driver reads the documents, Ray actors (each holding
a copy of the index's :class:`Fingerprinter`) sign batches in parallel, and the driver
adds the signed batches in input order through the normal :meth:`TraceIndex.add`,
which keeps its transactions, idempotence and ``--replace`` rules.  At most
``2 x workers`` batches are in flight, so memory stays flat.

Without ``address`` a private local Ray instance with ``workers`` CPUs is started (no
dashboard, no usage stats); with one (``auto`` or ``HOST:PORT``) it joins that cluster.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

import numpy as np

from unspin.trace.fingerprint import Fingerprinter
from unspin.trace.index import AddReport, Doc, TraceIndex

Signed = list[tuple[Doc, np.ndarray]]


class _Signer:
    """Body of a Ray actor: signs batches of ``(id, text[, metadata])`` with one fingerprinter."""

    def __init__(self, fp: Fingerprinter) -> None:
        self.fp = fp

    def sign(self, batch: list[Doc]) -> Signed:
        return [(doc, self.fp.sampled(doc[1])) for doc in batch]


def sign_on_ray(docs: Iterable[Doc], fp: Fingerprinter, workers: int = 2,
                address: str | None = None, batch: int = 500) -> Iterator[Signed]:
    """Batches of ``(document, sampled shingle ids)``, in input order, signed by Ray actors."""
    from unspin.cluster import session

    with session(address, workers) as ray:
        actor = ray.remote(num_cpus=1)(_Signer)
        fp_ref = ray.put(fp)
        pool = [actor.remote(fp_ref) for _ in range(workers)]
        pending: deque = deque()
        it = iter(docs)
        for n, chunk in enumerate(iter(lambda: list(islice(it, batch)), [])):
            pending.append(pool[n % workers].sign.remote(chunk))
            if len(pending) >= 2 * workers:
                yield ray.get(pending.popleft())
        while pending:
            yield ray.get(pending.popleft())


@dataclass
class _Presigned:
    """Stands in for the index's fingerprinter while one signed batch is added."""

    fp: Fingerprinter
    hashes: dict[str, np.ndarray]

    def sampled(self, text: str) -> np.ndarray:
        got = self.hashes.pop(text, None)
        return got if got is not None else self.fp.sampled(text)


def add_on_ray(ix: TraceIndex, docs: Iterable[Doc], replace: bool = False, workers: int = 2,
               address: str | None = None, batch: int = 500,
               progress: Callable[[AddReport], None] | None = None) -> AddReport:
    """:meth:`TraceIndex.add` with the signatures computed on Ray; same result, same report."""
    return add_signed(ix, sign_on_ray(docs, ix.fingerprinter, workers, address, batch), replace, batch, progress)


def add_signed(ix: TraceIndex, batches: Iterable[Signed], replace: bool = False, batch: int = 500,
               progress: Callable[[AddReport], None] | None = None) -> AddReport:
    """:meth:`TraceIndex.add` of batches signed elsewhere (Ray actors, ``unspin dedup``'s worker
    processes) with the index's own fingerprinter; same result, same report."""
    total = AddReport()
    fp = ix.fingerprinter
    try:
        for signed in batches:
            ix.fingerprinter = _Presigned(fp, {doc[1]: h for doc, h in signed})
            part = ix.add([doc for doc, _ in signed], replace=replace, batch=batch)
            for field in ("added", "unchanged", "replaced"):
                setattr(total, field, getattr(total, field) + getattr(part, field))
            total.problems += part.problems
            if progress:
                progress(total)
    finally:
        ix.fingerprinter = fp
    return total
