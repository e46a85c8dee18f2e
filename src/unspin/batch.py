"""Many texts at once: :func:`detect_batch`, and its results as columns for Hugging Face ``datasets``.

>>> import datasets, unspin                                          # doctest: +SKIP
>>> ds = datasets.Dataset.from_dict({"text": ["雷军:本年要交给30万辆小米轿车", ""]})  # doctest: +SKIP
>>> ds = ds.map(lambda b: unspin.to_columns(unspin.detect_batch(b["text"], skip_errors=True)),
...             batched=True)                                        # doctest: +SKIP
>>> ds.column_names                                                  # doctest: +SKIP
['text', 'spin_probability', 'spin_label', 'spin_evidence']
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from unspin.api import KeepArg, LexiconArg, _model, detect, resolve_keep, resolve_lexicon, restore
from unspin.errors import InputError
from unspin.model import Model
from unspin.result import DEFAULT_THRESHOLD, Result

SKIPPED = "skipped"
"""``spin_label`` of a text that :func:`detect_batch` skipped (empty, no Chinese, not a string)."""
FIELDS = ("spin_probability", "spin_label", "spin_evidence")
"""What :func:`spin_fields` gives for each text (a datatrove document's metadata, a dataset's columns)."""


def detect_batch(
    texts: Iterable[str | None],
    model: Model | str | Path | None = None,
    keep: KeepArg = None,
    lexicon: LexiconArg = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    skip_errors: bool = False,
    mode: Literal["detect", "restore"] = "detect",
) -> list[Result | None]:
    """:func:`unspin.detect` (or with ``mode="restore"``, :func:`unspin.restore`) of each text, in order.

    The model, ``keep`` and ``lexicon`` are resolved once for the whole batch.  A text that cannot
    be analysed (empty, no Chinese, too long, not a string) raises :class:`unspin.InputError`
    naming its position, or with ``skip_errors=True`` gives ``None`` in its place, so the output
    always lines up with the input (as ``datasets.map(batched=True)`` needs).
    """
    analyse = detect if mode == "detect" else restore
    loaded, kept, lex = _model(model), resolve_keep(keep), resolve_lexicon(lexicon)
    out: list[Result | None] = []
    for i, text in enumerate(texts):
        try:
            if not isinstance(text, str):
                raise InputError(f"not a string but {type(text).__name__}")
            result = analyse(text, loaded, kept, lex)
        except InputError as exc:
            if not skip_errors:
                raise InputError(f"texts[{i}]: {exc.message}", exc.hint) from None
            out.append(None)
            continue
        result.threshold = threshold
        out.append(result)
    return out


def spin_fields(result: Result | None, evidence: int = 5) -> dict[str, Any]:
    """``spin_probability``, ``spin_label`` and ``spin_evidence`` (distinct pairs with counts) of one
    result; ``None``, ``"skipped"`` and ``[]`` for a skipped text."""
    if result is None:
        return dict(zip(FIELDS, (None, SKIPPED, []), strict=True))
    rec = result.detect_record(None, evidence)
    return dict(zip(FIELDS, (rec["spin_probability"], rec["label"], rec["evidence"]), strict=True))


def to_columns(results: Iterable[Result | None], evidence: int = 5) -> dict[str, list[Any]]:
    """:func:`spin_fields` of each result as columns: the return value of a ``datasets.map(batched=True)`` function."""
    rows = [spin_fields(r, evidence) for r in results]
    return {key: [row[key] for row in rows] for key in FIELDS}
