"""Shards on disk: the work folder ``OUT.parts/`` that makes a scan resumable.

Each shard ``KEY`` (input index + chunk index) leaves ``KEY.out.jsonl``,
``KEY.rejects.jsonl``, optionally ``KEY.clean.jsonl``, and last ``KEY.done.json`` (its
statistics).  Every file is written to a temporary name and renamed, and the done
marker comes last, so a shard either counts as finished with all its rows or is redone
from scratch: a rerun after a crash never duplicates or loses a record.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

from unspin.errors import UnspinError
from unspin.scan.options import ScanOptions
from unspin.scan.readers import input_size, read
from unspin.scan.record import Doc, Shard, ShardResult, shard_key
from unspin.scan.writers import atomic, write_jsonl

KINDS = ("out", "rejects", "clean")


class WorkDir:
    """The ``OUT.parts`` folder of one scan."""

    def __init__(self, opts: ScanOptions) -> None:
        self.opts = opts
        self.path = Path(str(opts.out) + ".parts")

    def open(self) -> set[str]:
        """Create or resume the folder; return the keys of finished shards."""
        manifest = self.path / "manifest.json"
        want = self.opts.fingerprint()
        if self.path.exists() and self.opts.overwrite:
            shutil.rmtree(self.path)
        if self.path.exists():
            have = json.loads(manifest.read_text()) if manifest.is_file() else None
            if have != want:
                raise UnspinError(
                    f"{self.path} holds an unfinished scan with other inputs or options",
                    hint="rerun the same command to resume it, or add --overwrite to start over",
                )
        elif Path(self.opts.out).exists() and not self.opts.overwrite:
            raise UnspinError(f"{self.opts.out} exists", hint="add --overwrite to replace it")
        self.path.mkdir(parents=True, exist_ok=True)
        with atomic(manifest, "w") as f:
            json.dump(want, f)
        return {p.name.removesuffix(".done.json") for p in self.path.glob("*.done.json")}

    def file(self, key: str, kind: str) -> Path:
        return self.path / f"{key}.{kind}.jsonl"

    def write(self, res: ShardResult) -> None:
        """Write one finished shard: its rows first, then the done marker."""
        write_jsonl(self.file(res.key, "out"), res.records)
        write_jsonl(self.file(res.key, "rejects"), res.rejects)
        if self.opts.clean_out:
            write_jsonl(self.file(res.key, "clean"), res.clean)
        with atomic(self.path / f"{res.key}.done.json", "w") as f:
            json.dump(res.stats, f)

    def finished(self) -> list[str]:
        """Keys of all finished shards, in output order."""
        return sorted(p.name.removesuffix(".done.json") for p in self.path.glob("*.done.json"))

    def stats(self, key: str) -> dict:
        return json.loads((self.path / f"{key}.done.json").read_text())

    def parts(self, kind: str) -> list[Path]:
        return [self.file(k, kind) for k in self.finished()]

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def cut_shards(index: int, path: str, opts: ScanOptions, skip: frozenset[str] = frozenset()) -> Iterator[Shard]:
    """The shards of input number ``index``; shards whose key is in ``skip`` (already done)
    come without documents, so progress can still count their bytes."""
    docs: list[Doc] = []
    n = chunk = start = end = 0
    for doc in read(path, opts.text_field, opts.id_field, opts.encoding):
        n += 1
        end = max(end, doc.pos)
        if shard_key(index, chunk) not in skip:
            docs.append(doc)
        if n == opts.shard_size:
            yield Shard(shard_key(index, chunk), docs, end - start)
            docs, n, chunk, start = [], 0, chunk + 1, end
    if n:
        yield Shard(shard_key(index, chunk), docs, max(input_size(path), end) - start)
