"""``unspin dedup``: spin-robust near-duplicate clustering of a crawl, with no archive.

Every document gets the trace index's own signature (masked-anchor and raw shingles,
:mod:`unspin.trace.fingerprint`); pairs sharing enough of it are candidates
(:mod:`unspin.dedup.candidates`), verified by ``trace``'s sentence alignment read for what a spinner
cannot change (:mod:`unspin.dedup.verify`); links form clusters (union-find) and stitched pages name
their sources instead of joining them (:mod:`unspin.dedup.cluster`).  See docs/dedup.md.

>>> from unspin.dedup import DedupOptions, dedup                       # doctest: +SKIP
>>> s = dedup(DedupOptions(inputs=["crawl.jsonl.gz"], out="clusters.jsonl", clean_out="clean.jsonl"))  # doctest: +SKIP
>>> s.clusters, s.removed, s.share_removed                              # doctest: +SKIP
"""

from unspin.dedup.run import DedupOptions, DedupSummary, dedup

__all__ = ["DedupOptions", "DedupSummary", "dedup"]
