"""Candidate pairs from shared signature ids: an inverted index in numpy, one partition of ids at a time.

Every document's sampled ids (the trace index's postings) are grouped by id; an id held by 2 to
:data:`MAX_DF` documents makes a pair of each two of them (an id in more documents is boilerplate,
as in ``trace``); pairs sharing :data:`MIN_SHARED` ids or more are candidates.  Ids are split into
``parts`` partitions by their high bits and each partition's pairs are counted alone, then sent to
``parts`` buckets by pair, where the counts are added: the temporaries of one step are a
partition's postings or a bucket's pairs, and on a cluster the two splits are the two shuffles
(see docs/dedup.md, "Scale").

>>> from unspin.dedup.store import Signatures
>>> ids = np.array([1, 2, 3, 1, 2, 9, 1, 7], dtype=np.int64)
>>> sig = Signatures(ids, np.array([0, 3, 6, 8]))
>>> c = candidate_pairs(sig, parts=2)
>>> c.a.tolist(), c.b.tolist(), c.shared.tolist()
([0], [1], [2])
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from unspin.dedup.graph import components
from unspin.dedup.store import Signatures

MAX_DF = 50
"""An id held by more documents than this makes no pairs (a template line, a common name)."""
MIN_SHARED = 2
"""Least ids a pair must share to be verified."""
PARTS = 16


@dataclass
class Candidates:
    """Pairs ``a < b`` with the ids they share, and each document's informative ids (held by at most
    :data:`MAX_DF` documents), sorted by :attr:`score`, best first."""

    a: np.ndarray
    b: np.ndarray
    shared: np.ndarray
    informative: np.ndarray
    postings: int = 0
    pair_postings: int = 0

    @property
    def score(self) -> np.ndarray:
        """Share of the smaller document's informative ids the pair shares (an estimate of containment)."""
        return self.shared / np.maximum(1, np.minimum(self.informative[self.a], self.informative[self.b]))


def candidate_pairs(sig: Signatures, max_df: int = MAX_DF, min_shared: int = MIN_SHARED,
                    parts: int = PARTS, spill: Path | None = None, min_score: float = 0.0) -> Candidates:
    """The candidate pairs of documents ``0 .. len(sig.start) - 2`` (see module docstring), those with a
    :attr:`~Candidates.score` of ``min_score`` or more (dropped as each bucket is counted: at 1 M
    documents, 30 M pairs share two ids and 250 k reach the verification floor).

    ``spill``: a folder where each partition's bucketed pair counts are written as they are made
    (the shuffle, on disk) instead of kept in memory until every partition is done; then memory
    holds one partition's pairs, or one bucket's, at a time (at 1 M documents several GB less)."""
    n = len(sig.start) - 1
    docs = np.repeat(np.arange(n, dtype=np.int32), sig.size())
    part = ((sig.ids.view(np.uint64) >> np.uint64(48)) % np.uint64(parts)).astype(np.uint8)
    informative = np.zeros(n, dtype=np.int64)
    buckets: list[list] = [[] for _ in range(parts)]
    pair_postings = 0
    for p in range(parts):
        sel = part == p
        keys, owners = sig.ids[sel], docs[sel]
        order = np.lexsort((owners, keys))
        keys, owners = keys[order], owners[order]
        if not len(keys):
            continue
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        sizes = np.diff(np.r_[starts, len(keys)])
        informative += np.bincount(owners[np.repeat(sizes, sizes) <= max_df], minlength=n)
        found = []
        for size in range(2, max_df + 1):
            at = starts[sizes == size]
            if not len(at):
                continue
            members = owners[at[:, None] + np.arange(size)].astype(np.int64)
            i, j = np.triu_indices(size, 1)
            found.append(members[:, i].ravel() * n + members[:, j].ravel())
        if found:
            pair_codes = np.concatenate(found)
            pair_postings += len(pair_codes)
            u, c = np.unique(pair_codes, return_counts=True)
            bucket = u % parts  # pairs are counted per bucket of pair codes: one bucket's temporaries at a time
            for b in range(parts):
                at_b = bucket == b
                piece = (u[at_b], c[at_b].astype(np.int32))
                if spill is not None:
                    path = spill / f"{b:03d}-{p:03d}.npz"
                    np.savez(path, codes=piece[0], counts=piece[1])
                    buckets[b].append(path)
                else:
                    buckets[b].append(piece)
    kept_codes, kept_shared = [], []
    for b in range(parts):
        if not buckets[b]:
            continue
        codes, counts = (np.concatenate(col) for col in zip(*map(_piece, buckets[b]), strict=True))
        buckets[b] = []
        u, inverse = np.unique(codes, return_inverse=True)
        shared = np.bincount(inverse, weights=counts).astype(np.int64)
        keep = shared >= min_shared
        if min_score > 0:
            low = np.minimum(informative[u // max(n, 1)], informative[u % max(n, 1)])
            keep &= shared / np.maximum(1, low) >= min_score  # as Candidates.score computes it
        kept_codes.append(u[keep])
        kept_shared.append(shared[keep])
    u = np.concatenate(kept_codes) if kept_codes else np.zeros(0, np.int64)
    shared = np.concatenate(kept_shared) if kept_shared else np.zeros(0, np.int64)
    out = Candidates(u // max(n, 1), u % max(n, 1), shared, informative, len(sig.ids), pair_postings)
    order = np.lexsort((out.b, out.a, -out.score))
    out.a, out.b, out.shared = out.a[order], out.b[order], out.shared[order]
    return out


def _piece(x) -> tuple[np.ndarray, np.ndarray]:
    """A bucket's ``(pair codes, counts)`` from one partition: in memory, or spilled to a file (read, then removed)."""
    if isinstance(x, tuple):
        return x
    with np.load(x) as f:
        out = f["codes"], f["counts"]
    x.unlink()
    return out


def grouped(a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(order, component)``: an order of the pairs ``(a[k], b[k])`` (given best first) that keeps each
    component of the candidate graph together, components in the order of their best pair and pairs
    best first inside; and each pair's component label, in that order.  Verified this way, a
    component's pairs meet in one batch: one reading of each document serves all its pairs, and a
    pair its batch has already joined is not verified.

    >>> order, comp = grouped(np.array([0, 2, 0]), np.array([1, 3, 4]), 5)
    >>> order.tolist(), comp.tolist()
    ([0, 2, 1], [0, 0, 2])
    """
    label = components(a, b, n)[np.asarray(a, dtype=np.int64)]
    first = np.full(n, len(label), dtype=np.int64)
    np.minimum.at(first, label, np.arange(len(label)))
    order = np.lexsort((np.arange(len(label)), first[label]))
    return order, label[order]
