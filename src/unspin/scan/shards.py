"""Shards on disk: the work folder ``OUT.parts/`` that makes a scan resumable.

Each shard ``KEY`` (input index + chunk index) leaves ``KEY.out.jsonl``,
``KEY.rejects.jsonl``, optionally ``KEY.clean.jsonl``, and last ``KEY.done.json`` (its
statistics).  Every file is written to a temporary name and renamed, and the done
marker comes last, so a shard either counts as finished with all its rows or is redone
from scratch: a rerun after a crash never duplicates or loses a record.

Once the outputs are merged, ``complete.json`` (the summary) is written before anything
is removed, so a run killed while cleaning up is finished by the next run of the same
command.  Only a folder holding a ``manifest.json`` of ours (or an empty one) is removed.
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
MANIFEST, COMPLETE = "manifest.json", "complete.json"


class WorkDir:
    """The ``OUT.parts`` folder of one scan."""

    def __init__(self, opts: ScanOptions) -> None:
        self.opts = opts
        self.path = Path(str(opts.out) + ".parts")

    def ours(self) -> bool:
        """Whether the folder exists and holds a scan of ours (finished or not)."""
        return any((self.path / n).is_file() for n in (MANIFEST, COMPLETE))

    def resuming(self) -> bool:
        """Whether this run continues an earlier one (and may find its half-merged outputs)."""
        return not self.opts.overwrite and self.ours()

    def _read(self, name: str):
        try:
            return json.loads((self.path / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def open(self) -> set[str]:
        """Create or resume the folder; return the keys of finished shards."""
        want = self.opts.fingerprint()
        if self.path.exists() and not self.path.is_dir():
            raise UnspinError(f"{self.path} is a file", hint="move it away: unspin keeps its work there")
        if self.path.is_dir() and not any(self.path.iterdir()):
            self.path.rmdir()  # made by a run killed before it wrote anything
        if self.path.exists() and not self.ours():
            raise UnspinError(f"{self.path} exists but is not an unspin scan work folder",
                              hint="move it away or pass another --out")
        if self.path.exists() and self.opts.overwrite:
            shutil.rmtree(self.path)
        if self.path.exists():
            have = self._read(MANIFEST) if (self.path / MANIFEST).is_file() else None
            if have is None:
                have = (self._read(COMPLETE) or {}).get("manifest")
            if have != want:
                raise UnspinError(
                    f"{self.path} holds an unfinished scan with other inputs or options",
                    hint="rerun the same command to resume it, or add --overwrite to start over",
                )
        self.path.mkdir(parents=True, exist_ok=True)
        if not (self.path / COMPLETE).is_file():
            with atomic(self.path / MANIFEST, "w") as f:
                json.dump(want, f)
        return {p.name.removesuffix(".done.json") for p in self.path.glob("*.done.json")}

    def completed(self) -> dict | None:
        """The summary of a run that merged every output and was stopped while cleaning up."""
        done = self._read(COMPLETE) if (self.path / COMPLETE).is_file() else None
        return done["summary"] if isinstance(done, dict) and "summary" in done else None

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

    def complete(self, summary: dict) -> None:
        """Record that every output is written (the point after which nothing is redone)."""
        with atomic(self.path / COMPLETE, "w") as f:
            json.dump({"manifest": self.opts.fingerprint(), "summary": summary}, f)

    def remove(self) -> None:
        """Delete the folder, ``complete.json`` last (a kill at any point is finished by a rerun)."""
        for f in self.path.iterdir():
            if f.name != COMPLETE:
                f.unlink()
        (self.path / COMPLETE).unlink(missing_ok=True)
        self.path.rmdir()


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
