"""The readers of :mod:`unspin.readers` as ``scan`` and ``dedup`` use them: their records are scan
:class:`~unspin.scan.record.Doc` objects.  Kinds, rejects and limits are those of :func:`unspin.readers.read`."""

from __future__ import annotations

from collections.abc import Iterator

from unspin import readers
from unspin.readers import input_kind, input_size
from unspin.scan.record import Doc

__all__ = ["input_kind", "input_size", "read"]


def read(path: str, text_field: str = "text", id_field: str = "id", encoding: str | None = None) -> Iterator[Doc]:
    """Every document of one input, in a stable order (see :func:`unspin.readers.read`)."""
    return readers.read(path, text_field, id_field, encoding, make=Doc)
