"""Restore from the source: where a traced source covers a span, its aligned words are the edits.

A copyright team that has the original article needs no guessing: :func:`restore_from_source`
traces the text, takes every swap the alignment shows inside the covered passages as an
edit (a character-level diff of each aligned sentence pair read as word swaps, see
:func:`unspin.trace.swaps.word_swaps`; confidence from how plain the reading is and how
consistently the document shows that pair, see :func:`source_edits`), and lets the model
decide outside them and on words the source does not have (text the copier added) —
helped by the pairs this very trace revealed, which the spinner is likely to have used
elsewhere too (``Source.LEARNED``).  Each distinct swapped pair the source shows halves
the odds that the text is natural, so the spin probability is at least ``1 - 0.5 ** pairs``.

>>> import unspin
>>> result, traced = unspin.restore_from_source(open("spun.txt").read(), "my-index")  # doctest: +SKIP
>>> [(e.spun, e.original, e.confidence) for e in result.edits][:2]                     # doctest: +SKIP
[('本年', '今年', 0.99), ('交给', '交付', 0.99)]
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from unspin.decode.document import decode, keep_mask
from unspin.lexicon import Lexicon, Source
from unspin.result import Edit, Result, apply_edits
from unspin.text.script import to_simplified
from unspin.trace.api import TraceResult, trace
from unspin.trace.index import TraceIndex

SOURCE_CONFIDENCE = 0.99
"""Confidence of an edit the source shows, when the alignment shows its pair plainly or repeatedly."""
COST_DISCOUNT = 0.06
"""A pair the source shows once loses this much confidence per unit of its reading's cost above
:data:`PLAIN_COST` (:attr:`unspin.trace.swaps.Substitution.cost`: garbles and rare words cost more)."""
PLAIN_COST = 0.5


def source_edits(traced: TraceResult, keep: frozenset[str] = frozenset()) -> tuple[list[Edit], list[tuple[int, int]]]:
    """Edits shown by the traced sources (best source first wins a span) and the covered spans.

    A spinner writes one fixed replacement per word.  An edit's confidence is
    :data:`SOURCE_CONFIDENCE` when its pair is seen twice or more, or once with a plain reading
    (less :data:`COST_DISCOUNT` per unit of cost beyond :data:`PLAIN_COST`), times the share of
    the original word's swaps that use this spun word (an original read as two different spun
    words is a conflict: one reading is wrong).  Alternatives are the other originals read for
    the same spun word.
    """
    covered = [(p.query_start, p.query_end) for m in traced.matches for p in m.passages]
    swaps = [s for m in traced.matches for s in m.swaps]
    by_spun: dict[str, Counter[str]] = {}
    by_original: dict[str, Counter[str]] = {}
    for s in swaps:
        by_spun.setdefault(s.spun, Counter())[s.original] += 1
        by_original.setdefault(s.original, Counter())[s.spun] += 1
    kept = keep_mask(traced.text, keep) if keep else None
    edits: list[Edit] = []
    taken: list[tuple[int, int]] = []
    for s in swaps:
        if any(s.start < e and b < s.end for b, e in taken) or (kept is not None and kept[s.start : s.end].any()):
            continue
        spuns = by_original[s.original]
        seen = by_spun[s.spun][s.original]
        plain = 1.0 if seen >= 2 else max(0.5, 1.0 - COST_DISCOUNT * max(0.0, s.cost - PLAIN_COST))
        edits.append(Edit(s.start, s.end, s.spun, s.original,
                          round(SOURCE_CONFIDENCE * plain * spuns[s.spun] / sum(spuns.values()), 4),
                          [w for w, _ in by_spun[s.spun].most_common() if w != s.original][:4]))
        taken.append((s.start, s.end))
    return sorted(edits, key=lambda e: e.start), covered


def _model_edits(model: list[Edit], traced: TraceResult, source: list[Edit]) -> list[Edit]:
    """The model's edits that stand: off the source's edits, and outside the covered passages or
    inside one whose source text lacks the spun word (text the copier added, which the source
    cannot restore)."""
    passages = [(p.query_start, p.query_end, to_simplified(m.source_text[p.source_start : p.source_end]))
                for m in traced.matches for p in m.passages]
    return [e for e in model
            if not any(e.start < s.end and s.start < e.end for s in source)
            and not any(qs < e.end and e.start < qe and to_simplified(e.spun) in text for qs, qe, text in passages)]


def restore_from_source(
    text: str, index: TraceIndex | str | Path | None, model=None, keep=None, lexicon=None, top_k: int = 5,
    traced: TraceResult | None = None,
) -> tuple[Result, TraceResult]:
    """Restore ``text`` using its traced sources (see module docstring); returns the result and the trace.

    ``traced`` (the :func:`unspin.trace` of ``text``, already run) skips tracing; ``index`` is then unused.
    """
    from unspin.api import _model, resolve_keep, resolve_lexicon

    if traced is None:
        traced = trace(text, index, top_k=top_k)
    kept = resolve_keep(keep)
    edits, _ = source_edits(traced, kept)
    user = resolve_lexicon(lexicon)
    extra = user.copy() if user is not None else Lexicon()
    for e in edits:
        extra.add(e.spun, e.original, Source.LEARNED)
    model_result = decode(traced.text, _model(model), kept, extra if len(extra) else None)
    outside = _model_edits(model_result.edits, traced, edits)
    merged = sorted(edits + outside, key=lambda e: e.start)
    shown = len({(e.spun, e.original) for e in edits})
    prob = max(model_result.spin_probability, 1.0 - 0.5**shown)
    note = model_result.note if not edits else None
    return Result(traced.text, apply_edits(traced.text, merged), prob, merged, note=note), traced
