"""Many texts at once: :func:`detect_batch`, and its results as columns for Hugging Face ``datasets``.

>>> import datasets, unspin                                          # doctest: +SKIP
>>> ds = datasets.Dataset.from_dict({"text": ["雷军:本年要交给30万辆小米轿车", ""]})  # doctest: +SKIP
>>> ds = ds.map(lambda b: unspin.to_columns(unspin.detect_batch(b["text"], skip_errors=True)),
...             batched=True)                                        # doctest: +SKIP
>>> ds.column_names                                                  # doctest: +SKIP
['text', 'spin_probability', 'spin_label', 'spin_evidence']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from unspin.api import KeepArg, LexiconArg, _model, resolve_keep, resolve_lexicon
from unspin.errors import InputError
from unspin.lexicon import Lexicon
from unspin.model import Model
from unspin.result import DEFAULT_THRESHOLD, Result
from unspin.text.decode import check_text

SKIPPED = "skipped"
"""``spin_label`` of a text that :func:`detect_batch` skipped (empty, no Chinese, not a string)."""
FIELDS = ("spin_probability", "spin_label", "spin_evidence")
"""What :func:`spin_fields` gives for each text (a datatrove document's metadata, a dataset's columns)."""


def analyse_many(
    texts: Sequence[object],
    model: Model,
    keep: frozenset[str] = frozenset(),
    lexicon: Lexicon | None = None,
    *,
    mode: Literal["detect", "restore"] = "detect",
    cascade: bool = False,
    threshold: float = DEFAULT_THRESHOLD,
    decoder: Callable[[str], Result] | None = None,
    catch: tuple[type[BaseException], ...] = (InputError,),
) -> list[Result | BaseException]:
    """The engine call every interface shares (``unspin.detect``/``detect_batch``, ``unspin detect``,
    ``unspin scan``, the server): one :class:`Result` per text, in order, or the exception (of the
    ``catch`` kinds; others propagate) that text raised, e.g. :class:`InputError` for an empty text.

    In ``detect`` mode with ``cascade``, the first stage (:mod:`unspin.cascade`) scores every
    text at once and clears the clearly natural ones (``stage == "cascade"``, no edits); the
    others, and every text in ``restore`` mode, get the full decoder's result (``decoder``
    replaces it, e.g. the server's restore from a trace source).  The cascade stays off with a
    user ``lexicon`` (its pairs are always applied; the cascade never saw them), for a model
    without one, and when ``threshold`` is at or below its cut.
    """
    from unspin.decode.learned import decode  # learned pairs gated (decode/learned.py)

    out: list[Result | BaseException | None] = [None] * len(texts)
    todo: list[tuple[int, str]] = []
    for i, text in enumerate(texts):
        try:
            if not isinstance(text, str):
                raise InputError(f"not a string but {type(text).__name__}")
            todo.append((i, check_text(text)))
        except catch as exc:
            out[i] = exc
    if mode == "detect" and cascade and lexicon is None and todo:
        from unspin.cascade import STAGE, cascade_of

        casc = cascade_of(model)
        if casc is not None and casc.cut < threshold:
            probs = casc.probabilities([t for _, t in todo])
            rest = []
            for (i, text), p in zip(todo, probs.tolist(), strict=True):
                if casc.clears(p, threshold):
                    out[i] = Result(text, text, p, [], threshold, stage=STAGE)
                else:
                    rest.append((i, text))
            todo = rest
    run = decoder or (lambda t: decode(t, model, keep, lexicon, verdict_only=mode == "detect"))
    for i, text in todo:
        try:
            result = run(text)
        except catch as exc:
            out[i] = exc
            continue
        result.threshold = threshold
        out[i] = result
    return out  # type: ignore[return-value] - every slot is filled above


def detect_batch(
    texts: Iterable[str | None],
    model: Model | str | Path | None = None,
    keep: KeepArg = None,
    lexicon: LexiconArg = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    skip_errors: bool = False,
    mode: Literal["detect", "restore"] = "detect",
    cascade: bool = False,
) -> list[Result | None]:
    """:func:`unspin.detect` (or with ``mode="restore"``, :func:`unspin.restore`) of each text, in order.

    The model, ``keep`` and ``lexicon`` are resolved once for the whole batch, and the texts go
    through one engine call (:func:`analyse_many`: in ``detect`` mode the cascade clears the
    clearly natural texts first; ``cascade=False`` runs the full decoder on every text).  A text
    that cannot be analysed (empty, no Chinese, too long, not a string) raises
    :class:`unspin.InputError` naming its position, or with ``skip_errors=True`` gives ``None`` in
    its place, so the output always lines up with the input (as ``datasets.map(batched=True)`` needs).
    """
    loaded, kept, lex = _model(model), resolve_keep(keep), resolve_lexicon(lexicon)
    results = analyse_many(list(texts), loaded, kept, lex, mode=mode, cascade=cascade, threshold=threshold)
    out: list[Result | None] = []
    for i, r in enumerate(results):
        if isinstance(r, InputError):
            if not skip_errors:
                raise InputError(f"texts[{i}]: {r.message}", r.hint) from None
            out.append(None)
        elif isinstance(r, BaseException):
            raise r
        else:
            out.append(r)
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
