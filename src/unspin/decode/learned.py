"""Learned pairs apply only where the spinner is at work: the one gate every interface shares.

``unspin learn-pairs`` folds a spinner's observed swaps into a model as ``Source.LEARNED``
pairs (and :func:`unspin.train.pages.as_lexicon` passes them as an extra lexicon).  The decoder
trusts such pairs like a user's, so on natural text a learned pair whose "spun" word is also an
ordinary word (系统 in 能源体系) would edit it and raise its score (issue 18: 2 of 20 natural
documents edited, 0.001 → 0.24).  A learned pair is evidence about one spinner, not about the
language: it may only speak where the document already shows that spinner's work.

:func:`decode` is :func:`unspin.decode.document.decode` with that gate:

1. a text holding no learned pair's spun word is decoded once (learned pairs cannot apply);
2. otherwise it is decoded without the learned pairs first; when that already finds it spun
   (``spin_probability`` at least :data:`~unspin.result.DEFAULT_THRESHOLD`), it is decoded with
   them and that result is returned;
3. else the learned pairs are used only when they are used consistently: at least
   :data:`MIN_LEARNED_PAIRS` distinct learned pairs edited, at :data:`MIN_LEARNED_SHARE` or more of
   the places where a learned pair's spun word occurs (a spinner writes its words where they do
   not fit, so the decoder reads most of them as swaps; a natural text uses them where they fit,
   and only a few look odd).  Otherwise the result without them stands: the same edits and score
   as the model before learning.

Measured (tests/test_learned_gate.py's setting: 205 pairs learned from 3 proofs of a Cilin-table
spinner): ungated, 2 of 20 natural People's Daily documents were edited (scores 0.01 → 0.53 and
0.002 → 0.93; one had 4 distinct learned pairs edited, at 4 of its 9 learned-word places); gated,
none, every score unchanged, and the spinner's pages keep all their learned edits.

``unspin restore``/``detect``, :func:`unspin.restore`/:func:`unspin.detect`, ``scan`` and the
server all decode through :mod:`unspin.api`, which calls this.
"""

from __future__ import annotations

from dataclasses import replace

from unspin.decode.document import decode as _decode
from unspin.lexicon import Lexicon, Source
from unspin.result import DEFAULT_THRESHOLD, Result

MIN_LEARNED_PAIRS = 3
"""Distinct learned pairs a text not already found spun must have edited before they are applied."""
MIN_LEARNED_SHARE = 0.6
"""Least share of the places where a learned spun word occurs that those edits must cover."""
_LEARNED = int(Source.LEARNED)


def learned_words(lexicon: Lexicon | None) -> frozenset[str]:
    """The spun words of ``lexicon``'s learned pairs."""
    return lexicon.words_with(Source.LEARNED) if lexicon is not None else frozenset()


def _model_parts(model) -> tuple[frozenset[str], object]:
    """``(learned spun words, the model without its learned pairs)`` of ``model``, worked out once."""
    parts = model.__dict__.get("_learned_parts")
    if parts is None:
        # only `learn-pairs` puts learned pairs in a model, and it records itself in meta.json ("learned"):
        # other models skip the scan of every pair (0.07 CPU-seconds for the built-in model's 870,000)
        words = learned_words(model.lexicon) if model.meta.get("learned") else frozenset()
        parts = model.__dict__["_learned_parts"] = (words, replace(model, lexicon=model.lexicon.without(Source.LEARNED))
                                                    if words else model)
    return parts


def decode(text: str, model, keep: frozenset[str] = frozenset(), extra: Lexicon | None = None,
           verdict_only: bool = False) -> Result:
    """:func:`unspin.decode.document.decode` of ``text``, learned pairs gated (module docstring)."""
    words, base = _model_parts(model)
    extra_words = learned_words(extra)
    if not any(w in text for w in words | extra_words):
        return _decode(text, model, keep, extra, verdict_only)
    plain_extra = extra.without(Source.LEARNED) if extra is not None and extra_words else extra
    plain = _decode(text, base, keep, plain_extra if plain_extra is None or len(plain_extra) else None, verdict_only)
    full = _decode(text, model, keep, extra, verdict_only)
    return full if plain.spin_probability >= DEFAULT_THRESHOLD or consistent(full, text, words | extra_words,
                                                                            model.lexicon, extra) else plain


def consistent(result: Result, text: str, words: frozenset[str], *lexicons: Lexicon | None) -> bool:
    """Whether ``result`` (decoded with learned pairs) uses them consistently: at least
    :data:`MIN_LEARNED_PAIRS` distinct learned pairs edited, at :data:`MIN_LEARNED_SHARE` of the
    occurrences of the learned spun ``words`` in ``text``."""
    learned = [e for e in result.edits
               if any(lex is not None and lex.flags(e.spun, e.original) & _LEARNED for lex in lexicons)]
    places = sum(text.count(w) for w in words if w in text)
    return (len({(e.spun, e.original) for e in learned}) >= MIN_LEARNED_PAIRS
            and len(learned) >= MIN_LEARNED_SHARE * places)
