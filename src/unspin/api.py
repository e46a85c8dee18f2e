"""The Python API: ``unspin.restore(text)`` and ``unspin.detect(text)``.

Both return a :class:`unspin.Result`.  ``keep`` (terms never to change) and ``lexicon``
(extra substitution pairs) take either a path to a file or Python values.

>>> import unspin
>>> r = unspin.restore(open("examples/spun.txt", encoding="utf-8").read())  # doctest: +SKIP
>>> [(e.spun, e.original) for e in r.edits][:2], r.label                    # doctest: +SKIP
([('当局', '政府'), ('尺度', '标准')], 'spun')
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from unspin.decode.learned import decode  # learned pairs gated: the one place (decode/learned.py)
from unspin.lexicon import Lexicon, Source
from unspin.lexicon.sources import read_user_lexicon, read_word_list
from unspin.model import Model, load_model
from unspin.result import DEFAULT_THRESHOLD, Result
from unspin.text.decode import check_text

KeepArg = str | Path | Iterable[str] | None
LexiconArg = str | Path | Iterable[tuple[str, str]] | Lexicon | None


def _model(model: Model | str | Path | None) -> Model:
    return model if isinstance(model, Model) else load_model(model)


def resolve_keep(keep: KeepArg) -> frozenset[str]:
    """A keep-list from a file path or an iterable of terms."""
    if keep is None:
        return frozenset()
    if isinstance(keep, str | Path):
        return frozenset(read_word_list(keep))
    return frozenset(k for k in keep if k)


def resolve_lexicon(lexicon: LexiconArg) -> Lexicon | None:
    """A user lexicon from a file path, ``(spun, original)`` pairs, or a :class:`Lexicon`.

    Directed pairs (TAB lines, Python tuples) are spinner-table entries that are always
    applied; synonym-group lines only add candidates for the model to weigh.  The
    segmenter's dictionary is never changed (results must not depend on what a process
    analysed before): a user word the segmenter splits is joined before scoring.
    """
    if lexicon is None or isinstance(lexicon, Lexicon):
        return lexicon
    if isinstance(lexicon, str | Path):
        pairs = read_user_lexicon(lexicon)
    else:
        pairs = [(a, b, True) for a, b in lexicon]
    lex = Lexicon()
    for spun, orig, directed in pairs:
        lex.add(spun, orig, Source.USER | Source.TABLE if directed else Source.USER)
    return lex


def restore(
    text: str, model: Model | str | Path | None = None, keep: KeepArg = None, lexicon: LexiconArg = None
) -> Result:
    """Find the swapped words in ``text`` and put back the likely originals.

    Raises :class:`unspin.InputError` for empty or non-Chinese text.
    """
    return decode(check_text(text), _model(model), resolve_keep(keep), resolve_lexicon(lexicon))


def detect(
    text: str, model: Model | str | Path | None = None, keep: KeepArg = None, lexicon: LexiconArg = None,
    *, cascade: bool = False, threshold: float = DEFAULT_THRESHOLD,
) -> Result:
    """Score how likely ``text`` is spun; the result also carries the evidence edits.

    Cheaper than :func:`restore` on clear cases: the second (restored-context) pass runs
    only when the first leaves the verdict in doubt, so the edits may be fewer.  The full
    decoder reads every text by default; with ``cascade=True`` a cheap first stage
    (:mod:`unspin.cascade`, for corpora) reads the text first and clears it when it looks
    clearly natural: the result then has ``stage == "cascade"``, the cascade's (low)
    probability and no edits.  The cascade knows spin by the words spinner tables write, so
    it clears some texts of spinners it never saw (docs/cascade.md).  ``threshold`` is the
    result's label threshold (the cascade never clears at a threshold at or below its cut).

    Raises :class:`unspin.InputError` for empty or non-Chinese text.
    """
    from unspin.batch import analyse_many

    out = analyse_many([text], _model(model), resolve_keep(keep), resolve_lexicon(lexicon), cascade=cascade,
                       threshold=threshold)[0]
    if isinstance(out, BaseException):
        raise out
    return out
