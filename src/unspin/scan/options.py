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
        return d


def _file_id(path: str) -> list:
    p = Path(path)
    st = p.stat()
    return [str(p.resolve()), st.st_size if p.is_file() else 0, int(st.st_mtime)]
