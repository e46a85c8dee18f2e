"""``unspin dedup``: spin-robust near-duplicate clustering of a crawl, with no archive.

The crawl is indexed with the trace index's own signatures (masked anchors and raw shingles,
:mod:`unspin.trace.fingerprint`), every document is traced against the others with ``trace``'s
candidates, alignment and acceptance (:mod:`unspin.dedup.cluster`), and linked documents form
clusters (union-find); stitched pages name their sources instead of joining them.  See docs/dedup.md.

>>> from unspin.dedup import DedupOptions, dedup                       # doctest: +SKIP
>>> s = dedup(DedupOptions(inputs=["crawl.jsonl.gz"], out="clusters.jsonl", clean_out="clean.jsonl"))  # doctest: +SKIP
>>> s.clusters, s.removed, s.share_removed                              # doctest: +SKIP
"""

from unspin.dedup.run import DedupOptions, DedupSummary, dedup

__all__ = ["DedupOptions", "DedupSummary", "dedup"]
