"""What the server needs from a trace index, and the adapter over :mod:`unspin.trace`.

The server only talks to a :class:`Tracer`; tests and embedders can pass their own.  A
tracer with a ``restore(text, model, keep)`` method (as :class:`IndexTracer` has) also
answers ``/v1/restore``, so the page's restored text and its sources panel agree.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from unspin.errors import UnspinError

if TYPE_CHECKING:
    from unspin.result import Result


@runtime_checkable
class Tracer(Protocol):
    """A loaded trace index."""

    def trace(self, text: str, top_k: int) -> dict[str, Any]:
        """``{"matches": [...]}`` as in :class:`~unspin.server.schemas.TraceResponse`, each
        match with its ``source_text``."""
        ...

    def info(self) -> dict[str, Any]:
        """A few facts for ``/healthz`` (the index's name, number of documents): no path of the machine
        (values holding one are left out)."""
        ...


class IndexTracer:
    """:class:`Tracer` over an index folder built by ``unspin index add``."""

    def __init__(self, path: str | Path) -> None:
        try:
            from unspin.trace import TraceIndex
        except ImportError as exc:
            raise UnspinError(f"tracing is not available: {exc}",
                              hint="install unspin[trace], or serve without --index") from None
        self.index = TraceIndex.open(path)
        self._lock = threading.Lock()  # one SQLite connection, shared by the worker threads

    def trace(self, text: str, top_k: int) -> dict[str, Any]:
        from unspin.trace import trace

        with self._lock:
            result = trace(text, self.index, top_k=top_k)
        out = result.to_dict()
        for m, match in zip(out["matches"], result.matches, strict=True):
            m["id"] = str(m["id"])
            m["source_text"] = match.source_text
        return out

    def restore(self, text: str, model, keep) -> Result:
        """Restore from the source where the index holds one (``unspin restore --index``)."""
        from unspin.trace import trace
        from unspin.trace.restore import restore_from_source

        with self._lock:
            traced = trace(text, self.index)
        return restore_from_source(text, None, model=model, keep=keep, traced=traced)[0]

    def info(self) -> dict[str, Any]:
        with self._lock:
            return {"name": self.index.path.name, "documents": len(self.index)}


class StaticTracer:
    """A :class:`Tracer` with canned matches (each with ``source_text``): for tests and demos."""

    def __init__(self, matches: list[dict[str, Any]]) -> None:
        self.matches = matches

    def trace(self, text: str, top_k: int) -> dict[str, Any]:
        return {"matches": [dict(m) for m in self.matches[:top_k]]}

    def info(self) -> dict[str, Any]:
        return {"name": None, "documents": len(self.matches)}
