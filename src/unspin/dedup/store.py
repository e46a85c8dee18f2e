"""The signed crawl on disk: per shard of documents, their signatures and their texts.

A shard ``NNNNNN.npz`` holds, for ``n`` documents numbered from ``first``: the anchor and raw ids of
each (:meth:`~unspin.trace.fingerprint.Fingerprinter.signature`, the index's own sampled shingles
kept per channel) and its text (UTF-8, one blob with offsets), written to a temporary name and
renamed, so a killed run keeps every finished shard.  :class:`Store` reads them back: all
signatures at once (a few hundred bytes a document), texts one at a time (``NNNNNN.txt``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from unspin.scan.writers import atomic


def sign_batch(fp, first: int, texts: list[str]) -> dict[str, np.ndarray]:
    """The shard record of documents ``first .. first + len(texts) - 1``."""
    anchors, raws = [], []
    for t in texts:
        a, r = fp.signature(t)
        anchors.append(a)
        raws.append(r)
    blobs = [t.encode("utf-8") for t in texts]
    return {"first": np.array([first], dtype=np.int64),
            "anchor_len": np.array([len(a) for a in anchors], dtype=np.int32),
            "anchor": np.concatenate(anchors) if anchors else np.zeros(0, np.int64),
            "raw_len": np.array([len(r) for r in raws], dtype=np.int32),
            "raw": np.concatenate(raws) if raws else np.zeros(0, np.int64),
            "text_end": np.cumsum([len(b) for b in blobs], dtype=np.int64),
            "text": b"".join(blobs)}


def write_shard(folder: Path, index: int, shard: dict) -> None:
    """The shard's texts (``NNNNNN.txt``), then its signatures (``NNNNNN.npz``, which marks it done)."""
    with atomic(folder / f"{index:06d}.txt", "wb") as f:
        f.write(shard["text"])
    with atomic(folder / f"{index:06d}.npz", "wb") as f:
        np.savez(f, **{k: v for k, v in shard.items() if k != "text"})


@dataclass
class Signatures:
    """Every document's sampled ids, concatenated: document ``i`` owns ``ids[start[i]:start[i + 1]]``
    (its anchor ids, then its raw ids: the raw channel's ids are salted, so the two never collide)."""

    ids: np.ndarray
    start: np.ndarray

    def of(self, i: int) -> np.ndarray:
        return self.ids[self.start[i] : self.start[i + 1]]

    def size(self) -> np.ndarray:
        return np.diff(self.start)


class Store:
    """The shards of a work folder (see module docstring), opened for reading."""

    def __init__(self, folder: Path, shard_size: int, count: int) -> None:
        self.folder, self.shard_size, self.count = folder, shard_size, count
        self._ends: dict[int, np.ndarray] = {}

    def shard_path(self, k: int) -> Path:
        return self.folder / f"{k:06d}.npz"

    def done(self, k: int) -> bool:
        return self.shard_path(k).is_file()

    def signatures(self) -> Signatures:
        """All documents' ids (anchors and raw ids of each document together, anchors first), read into
        one preallocated array (memory: the ids once, plus one shard)."""
        shards = range((self.count + self.shard_size - 1) // self.shard_size)
        sizes = []
        for k in shards:
            with np.load(self.shard_path(k)) as z:
                sizes.append(z["anchor_len"].astype(np.int64) + z["raw_len"])
        size = np.concatenate(sizes) if sizes else np.zeros(0, np.int64)
        start = np.zeros(len(size) + 1, dtype=np.int64)
        np.cumsum(size, out=start[1:])
        ids = np.empty(int(start[-1]), dtype=np.int64)
        for k in shards:
            with np.load(self.shard_path(k)) as z:
                a_len, r_len, a, r = z["anchor_len"], z["raw_len"], z["anchor"], z["raw"]
            docs = np.arange(len(a_len))
            owner = np.concatenate([np.repeat(docs, a_len), np.repeat(docs, r_len)])
            order = np.argsort(owner, kind="stable")  # each document's anchors, then its raw ids
            first = int(start[k * self.shard_size])
            ids[first : first + len(owner)] = np.concatenate([a, r])[order]
        return Signatures(ids, start)

    def text(self, i: int) -> str:
        k, j = divmod(i, self.shard_size)
        ends = self._ends.get(k)
        if ends is None:
            with np.load(self.shard_path(k)) as z:
                ends = self._ends[k] = z["text_end"]
        lo = int(ends[j - 1]) if j else 0
        with open(self.shard_path(k).with_suffix(".txt"), "rb") as f:
            f.seek(lo)
            return f.read(int(ends[j]) - lo).decode("utf-8")
