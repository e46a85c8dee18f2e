"""Trace a spun article to its source: a substitution-proof index with aligned proof.

- :mod:`~unspin.trace.fingerprint`: shingles over the characters no thesaurus can swap;
- :mod:`~unspin.trace.index`: the SQLite index (documents, postings, settings);
- :mod:`~unspin.trace.align`: sentence alignment and the substitution table;
- :mod:`~unspin.trace.api`: :func:`trace`;
- :mod:`~unspin.trace.learn`: fold observed substitutions into a model (``learn-pairs``).
"""

from unspin.trace.api import Match, TraceResult, trace
from unspin.trace.index import TraceIndex

__all__ = ["Match", "TraceIndex", "TraceResult", "trace"]
