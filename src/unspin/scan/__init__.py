"""``unspin scan``: score whole corpora, locally on all cores or on a Ray cluster.

A small datatrove-like pipeline.  One record type, :class:`~unspin.scan.record.Doc`,
flows through steps::

    readers (JSONL/.gz/.zst, Parquet, folder of .txt, WARC, HTML)
      -> cut into shards of N documents per input file
      -> decode -> extract main text (HTML) -> check -> score      (in workers)
      -> shard files written atomically -> merged into the outputs  (in the driver)

The executor is interchangeable: :mod:`unspin.scan.local` (multiprocessing) or
:mod:`unspin.scan.ray_engine` (Ray Data).  Both produce the same records.

>>> from unspin.scan import ScanOptions, scan          # doctest: +SKIP
>>> summary = scan(ScanOptions(inputs=["news.jsonl.gz"], out="scores.parquet"))  # doctest: +SKIP
"""

from unspin.scan.options import ScanOptions
from unspin.scan.run import scan

__all__ = ["ScanOptions", "scan"]
