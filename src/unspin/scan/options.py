"""Everything a scan needs to know, passed unchanged to every worker."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from unspin.result import DEFAULT_THRESHOLD

OUTPUT_EXTS = (".jsonl", ".jsonl.gz", ".parquet")


def output_format(path: str | Path) -> str:
    """``"jsonl"``, ``"jsonl.gz"`` or ``"parquet"`` from a file name; ``""`` if unknown."""
    name = str(path).lower()
    return next((ext[1:] for ext in OUTPUT_EXTS if name.endswith(ext)), "")


@dataclass
class ScanOptions:
    """Options of one scan (see ``unspin scan --help``)."""

    inputs: list[str]
    out: str
    text_field: str = "text"
    id_field: str = "id"
    encoding: str | None = None
    model: str | None = None
    keep: str | None = None
    lexicon: str | None = None
    threshold: float = DEFAULT_THRESHOLD
    evidence: int = 5
    restore: bool = False
    cascade: bool = True  # detect: the first stage (unspin.cascade) clears clearly natural documents
    drop_above: float | None = None
    clean_out: str | None = None
    rejects: str | None = None
    shard_size: int = 500
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    engine: str = "local"
    address: str | None = None
    plot: str | None = None
    summary_json: str | None = None
    overwrite: bool = False
    progress: bool | None = None  # None: a bar on a terminal, quiet log lines otherwise
    index: str | None = None  # a trace index folder: every record gets its best source (``origin``)
    trace_top: int = 1  # with ``index``: more than 1 also adds ``origins``, the K best sources
    trace_flagged: bool = False  # with ``index``: trace only records labelled spun
    learn: bool = False  # with ``index``: the traced copy's swaps go in ``origin.substitutions`` (learn-pairs reads them)

    @property
    def rejects_path(self) -> str:
        """``--rejects``, or the output name with ``.rejects.jsonl``."""
        if self.rejects:
            return self.rejects
        stem = str(self.out)
        for ext in OUTPUT_EXTS:
            if stem.lower().endswith(ext):
                stem = stem[: -len(ext)]
                break
        return stem + ".rejects.jsonl"

    def outputs(self) -> dict[str, str]:
        """Every file the scan writes, by option name."""
        named = {"--out": self.out, "--rejects": self.rejects_path, "--clean-out": self.clean_out,
                 "--plot": self.plot, "--summary-json": self.summary_json}
        return {flag: str(path) for flag, path in named.items() if path}

    @property
    def drop_threshold(self) -> float:
        """Documents scored above this are left out of ``--clean-out``."""
        return self.threshold if self.drop_above is None else self.drop_above

    def fingerprint(self) -> dict:
        """The settings that decide the shards' contents (a resume must match them)."""
        keep = ("text_field", "id_field", "encoding", "model", "keep", "lexicon", "threshold",
                "evidence", "restore", "drop_above", "clean_out", "shard_size")
        d = {k: v for k, v in asdict(self).items() if k in keep}
        d["inputs"] = [_file_id(p) for p in self.inputs]
        d["clean_out"] = bool(self.clean_out)
        d["outputs"] = {flag: str(Path(path).resolve()) for flag, path in self.outputs().items()}
        if self.index:  # an index written to since (documents added) would give shards of two indexes
            d["index"] = _index_id(self.index)
            d["trace_top"], d["trace_flagged"] = self.trace_top, self.trace_flagged
            if self.learn:
                d["learn"] = True
        if not self.cascade:  # records differ with and without the cascade (a resume must match)
            d["cascade"] = False
        return d


def _index_id(folder: str) -> list:
    """The trace index folder and the size and time of every file of it that holds data (databases,
    non-empty write-ahead logs, a sharded index's manifest and shards): a write lands in the log
    while any reader has the index open, and in the database once checkpointed.  Lock files,
    shared-memory files and the empty log a read-only open leaves are not data."""
    p = Path(folder)
    files = []
    for f in sorted(x for x in p.rglob("*") if x.is_file()):
        try:
            st = f.stat()
        except FileNotFoundError:  # a log removed by a writer closing just now
            continue
        if f.name.endswith(("-shm", ".lock")) or (f.name.endswith("-wal") and not st.st_size):
            continue
        files.append([str(f.relative_to(p)), st.st_size, st.st_mtime_ns])
    return [str(p.resolve()), files]


def _file_id(path: str) -> list:
    p = Path(path)
    st = p.stat()
    return [str(p.resolve()), st.st_size if p.is_file() else 0, int(st.st_mtime)]
