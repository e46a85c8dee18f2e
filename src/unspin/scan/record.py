"""The record that flows through the pipeline, and the result of one shard."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REASONS = (
    "invalid_json", "missing_field", "not_string", "undecodable", "empty", "no_chinese",
    "too_long", "no_main_text", "corrupt_file", "error",
)
"""Why a record was rejected (the ``reason`` field of the rejects file)."""


@dataclass(slots=True)
class Doc:
    """One input document at any step: raw bytes, then text, then a score (or a reject)."""

    id: str
    source: str
    text: str | None = None
    raw: bytes | None = None  # undecoded bytes (text files, HTML, WARC payloads)
    html: bool = False  # raw/text is HTML whose main text must be extracted
    record: dict[str, Any] | None = None  # the original JSONL/Parquet row (for --clean-out)
    pos: int = 0  # bytes of the input file consumed after this document (progress)
    reject: str | None = None  # one of REASONS
    detail: str = ""
    result: dict[str, Any] | None = None  # the output record once scored

    def fail(self, reason: str, detail: str) -> Doc:
        """Mark this document rejected (drops its payload) and return it."""
        self.reject, self.detail = reason, detail
        self.text = self.raw = self.record = None
        return self

    def reject_record(self) -> dict[str, Any]:
        """The rejects-file row (lone surrogates escaped: it must always be writable)."""
        return {k: escaped(v) for k, v in
                (("id", self.id), ("source", self.source), ("reason", self.reject), ("detail", self.detail))}

    def clean_record(self) -> dict[str, Any]:
        """What ``--clean-out`` keeps: the original row, or id/source/text."""
        if self.record is not None:
            return self.record
        return {"id": self.id, "source": escaped(self.source), "text": self.text}


@dataclass(slots=True)
class Shard:
    """Up to ``shard_size`` consecutive documents of one input; ``key`` orders the outputs."""

    key: str
    docs: list[Doc]
    nbytes: int = 0  # input bytes this shard covers (progress)


def shard_key(input_index: int, chunk: int) -> str:
    return f"{input_index:05d}-{chunk:06d}"


@dataclass(slots=True)
class ShardResult:
    """What a worker sends back: output rows and the shard's statistics."""

    key: str
    records: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    clean: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


def escaped(text: str | None) -> str | None:
    """``text`` with lone surrogates written as ``\\udXXX`` (valid UTF-8 either way)."""
    return text if text is None else text.encode("utf-8", "backslashreplace").decode("utf-8")
