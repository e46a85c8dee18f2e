"""Request and response bodies of the HTTP API (they mirror :mod:`unspin.result`).

``RestoreResponse`` is ``Result.to_dict()``; ``DetectResponse`` is ``Result.detect_record()``
without the ``path``; ``TraceResponse`` is the trace package's ``to_dict()``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from unspin.result import DEFAULT_THRESHOLD

EXAMPLE = "雷军:本年要交给30万辆小米轿车"
HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
TEXT_SCHEMA = {"minLength": 1, "pattern": HAN}
"""Documented (not enforced by pydantic) so that empty / non-Chinese text gets its own error code."""


def _encodable(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text contains a lone surrogate (not valid Unicode)") from None
    return value


class TextRequest(BaseModel):
    """A document to analyse."""

    model_config = ConfigDict(extra="forbid", strict=True)  # "0.5" is not a number, "yes" not a boolean

    text: str = Field(description="the document, plain text with some Chinese", examples=[EXAMPLE],
                      json_schema_extra=TEXT_SCHEMA)
    keep: list[str] = Field(
        default_factory=list, max_length=10_000, description="terms never to change (names, brands)"
    )

    @field_validator("text")
    @classmethod
    def _text_ok(cls, v: str) -> str:
        return _encodable(v)

    @field_validator("keep")
    @classmethod
    def _keep_ok(cls, v: list[str]) -> list[str]:
        return [_encodable(k) for k in v]


class DetectRequest(TextRequest):
    threshold: float = Field(DEFAULT_THRESHOLD, ge=0.0, le=1.0, description="label 'spun' at or above this")
    evidence: int = Field(5, ge=0, le=1000, description="how many of the most confident edits to return")


class TraceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # "0.5" is not a number, "yes" not a boolean

    text: str = Field(description="the suspected copy", examples=[EXAMPLE], json_schema_extra=TEXT_SCHEMA)
    top_k: int = Field(5, ge=1, le=50, description="how many sources to return")
    include_source: bool = Field(False, description="add each source's full text (for a side-by-side view)")

    @field_validator("text")
    @classmethod
    def _text_ok(cls, v: str) -> str:
        return _encodable(v)


class EditOut(BaseModel):
    """One swapped word: ``text[start:end] == spun`` (offsets in code points)."""

    start: int
    end: int
    spun: str
    original: str
    confidence: float
    alternatives: list[str]


class EvidenceOut(EditOut):
    """A distinct swapped pair: its most confident occurrence, and how often the pair occurs."""

    count: int = Field(description="occurrences of this (spun, original) pair in the text")


Label = Literal["spun", "natural"]


class RestoreResponse(BaseModel):
    restored: str
    spin_probability: float
    label: Label
    edits: list[EditOut]


class DetectResponse(BaseModel):
    spin_probability: float
    label: Label
    chars: int
    evidence: list[EvidenceOut] = Field(description="distinct pairs, most confident first")
    stage: Literal["cascade"] | None = Field(
        None, description="`cascade` when the first stage cleared the text as clearly natural (no evidence "
                          "read; the server's --no-cascade turns it off); absent when the full decoder decided")


class Passage(BaseModel):
    """A stretch of the query aligned with a stretch of the source (code-point offsets)."""

    query_start: int
    query_end: int
    source_start: int
    source_end: int


class Substitution(BaseModel):
    spun: str
    original: str
    count: int


class Match(BaseModel):
    id: str
    meta: dict[str, str] = Field(default_factory=dict,
                                 description="the source's title, url, date and other fields kept by `index add`")
    score: float
    coverage: float
    passages: list[Passage]
    substitutions: list[Substitution]
    source_text: str | None = Field(None, description="the source's full text, with include_source")


class TraceResponse(BaseModel):
    matches: list[Match]


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    model: str
    index: bool
    index_info: dict[str, str | int | float | None] = Field(default_factory=dict)
    max_bytes: int
    timeout_s: float


class ErrorResponse(BaseModel):
    """Every 4xx/5xx answer: a machine-readable code, one line of message and an optional hint."""

    error: str = Field(description="e.g. bad_json, empty_input, not_chinese, too_large, no_index, timeout")
    message: str
    hint: str | None = None
