"""The document decision: turn pooled evidence into edits and a spin probability.

Stage 1 scores each pair from its own features; the document's spin density (how many
stage-1 pairs look spun) and its public-table context feed stage 2, so a word in a heavily
spun document needs less evidence than the same word in clean text.  Guards sit on top:
an edit that deletes or adds characters of a word (低收入 -> 收入), or that may change its
meaning (a pair with no shared gloss and no thesaurus link, ``Source.DOUBTFUL``), needs
far stronger evidence (:data:`CONTAINS_THRESHOLD`); a "spun" verdict with no edit to show
for it is lowered below the threshold and says so (``Result.note``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from unspin.decode.channel import PairEvidence, alters_word
from unspin.decode.features import doc_vector
from unspin.lexicon import Source
from unspin.result import DEFAULT_THRESHOLD, Edit, Result, apply_edits
from unspin.text.script import to_traditional

_TRUSTED = int(Source.USER | Source.LEARNED | Source.TABLE)
_TABLE = int(Source.TABLE)
_DOUBTFUL = int(Source.DOUBTFUL)
TABLE_CONFIDENCE = 0.9  # floor for user-asserted spinner-table pairs (Source.TABLE)
CONTAINS_THRESHOLD = 0.97  # pair probability an edit that deletes/adds part of a word needs
CONTAINS_MIN_DELTA = 1.0  # ... and every occurrence must read 10x better restored
DOUBTFUL_MIN_DELTA = 1.0  # an edit that may change meaning: every occurrence must read 10x better restored
NO_EVIDENCE_CAP = 0.45  # a verdict with no edit to show is lowered to this
DENSITY_PRIOR = 60  # natural words added to every document when rating its spin density
LOCAL_RADIUS = 50  # words on each side of a pair that rate the density around it (local_density)
LOCAL_PRIOR = 20  # natural words added to every such window


@dataclass
class Analysis:
    """Everything the decoder found in one document (the training code reads it too)."""

    text: str
    spans: list[tuple[int, int]]  # code-point span of each LM word
    words: list[str]
    pairs: dict[str, list[PairEvidence]]
    doc_features: list[float]
    spin_probability: float
    pos_delta: int = 0  # occurrences where some candidate beats the written word by > 10x
    traditional: bool = False  # the input was Traditional script: originals are given back in it
    public: int = 0  # occurrences of words the public spinner table writes
    preferred: int = 0  # ... of which the LM prefers one of the table's originals
    originals: int = 0  # occurrences of words the public table rewrites (left in place)
    n_body: int = 0  # words in the article body (see unspin.text.page.body_spans); 0 = all words
    context: list[float] = field(default_factory=list)  # stage 2's document context (:func:`document_context`)

    def doc_vector(self, edit_threshold: float) -> list[float]:
        """The detector's features from the current pair probabilities (see ``DOC_FEATURES``)."""
        best_p = [max(h.p2 for h in row) for row in self.pairs.values()]
        n = self.n_body or len(self.words)
        return doc_vector(best_p, n, self.pos_delta, edit_threshold, self.public, self.preferred, self.originals)

    def result(self, edit_threshold: float, max_alternatives: int = 4) -> Result:
        """Turn the evidence into the shared :class:`Result` (edits above ``edit_threshold``).

        A "spun" verdict that no edit supports is lowered below the default threshold,
        with a note saying so.
        """
        edits: list[Edit] = []
        for hyps in self.pairs.values():
            ranked = sorted(hyps, key=lambda h: -h.p2)
            best = ranked[0]
            if best.p2 < edit_threshold or not passes_guard(best, edit_threshold):
                continue
            alts = [h.candidate.word for h in ranked[1:] if h.p2 >= 0.05][:max_alternatives]
            orig = best.candidate.word
            if self.traditional:
                orig, alts = to_traditional(orig), [to_traditional(a) for a in alts]
            for pos in best.positions:
                s, e = self.spans[pos]
                edits.append(Edit(s, e, self.text[s:e], orig, round(best.p2, 4), alts))
        edits.sort(key=lambda e: e.start)
        prob, note = self.spin_probability, None
        if not edits and prob >= DEFAULT_THRESHOLD:
            prob = min(prob, NO_EVIDENCE_CAP)
            note = "reads like spun text, but no swapped word can be shown: verdict lowered"
        return Result(self.text, apply_edits(self.text, edits), prob, edits, note=note)


def passes_guard(h: PairEvidence, edit_threshold: float) -> bool:
    """Edits that delete or add part of a word, or that may change its meaning (a pair with no
    shared gloss and no thesaurus link, ``Source.DOUBTFUL``), need far stronger evidence
    (see module docstring)."""
    if h.candidate.sources & _TRUSTED:
        return True
    if alters_word(h.spun, h.candidate.word):
        return h.p2 >= max(edit_threshold, CONTAINS_THRESHOLD) and min(h.deltas) >= CONTAINS_MIN_DELTA
    if h.candidate.sources & _DOUBTFUL:
        return min(h.deltas) >= DOUBTFUL_MIN_DELTA
    return True


def document_context(n_words: int, public: int, preferred: int, originals: int) -> list[float]:
    """How much the document looks like public-table spin before any pair is judged, for stage 2:
    words the table writes that the LM would rather restore (per 100 words, and as a share),
    and words the table rewrites still in place (a spinner leaves few).

    (A generic part, the words the LM rejects in favour of any candidate, was measured here
    and left out: detection of spinners no model trained on fell, e.g. the table's held-out
    part at 500 characters from AUC 0.92 to 0.87; see BENCHMARKS.md.)
    """
    n = n_words + DENSITY_PRIOR
    return [100.0 * preferred / n, preferred / (public + 3), 100.0 * originals / n]


def density_features(p1: list[float], n_words: int) -> list[float]:
    """Document context for stage 2: how spun the document looks from stage 1 alone.

    Rates are per 100 words plus :data:`DENSITY_PRIOR` natural ones, so that one odd word
    in a 60-word snippet does not make it look densely spun.
    """
    n = n_words + DENSITY_PRIOR
    ps = sorted(p1, reverse=True)
    return [100.0 * sum(p >= 0.5 for p in ps) / n, 100.0 * sum(ps) / n]


def local_density(hyps: list[PairEvidence], n_words: int) -> np.ndarray:
    """For each hypothesis, how spun the words around it look to stage 1 (set ``p1`` first): over the
    :data:`LOCAL_RADIUS` words on each side of each of its occurrences (itself left out), the words
    whose best ``p1`` is at least 0.5 and the sum of best ``p1``, per 100 words plus
    :data:`LOCAL_PRIOR`; the densest occurrence counts.  A page spun in one paragraph only is dense
    there and nowhere else, which the document's density dilutes.

    >>> from unspin.lexicon import Candidate
    >>> h = [PairEvidence("本年", Candidate("今年", 0, 1.0), [5], p1=0.9),
    ...      PairEvidence("交给", Candidate("交付", 0, 1.0), [7, 400], p1=0.8)]
    >>> local_density(h, 500).round(2).tolist()
    [[1.33, 1.07], [1.3, 1.17]]
    """
    counts = [len(h.positions) for h in hyps]
    at = np.fromiter((p for h in hyps for p in h.positions), dtype=np.intp, count=sum(counts))
    n = max(n_words, int(at.max(initial=-1)) + 1)
    best = np.zeros(n)
    np.maximum.at(best, at, np.repeat([h.p1 for h in hyps], counts))
    hot = np.concatenate([[0.0], np.cumsum(best >= 0.5)])
    mass = np.concatenate([[0.0], np.cumsum(best)])
    lo, hi = np.maximum(at - LOCAL_RADIUS, 0), np.minimum(at + LOCAL_RADIUS + 1, n)
    width = hi - lo - 1 + LOCAL_PRIOR
    rows = np.column_stack([100.0 * (hot[hi] - hot[lo] - (best[at] >= 0.5)) / width,
                            100.0 * (mass[hi] - mass[lo] - best[at]) / width])
    starts = np.cumsum([0, *counts[:-1]])
    return np.maximum.reduceat(rows, starts, axis=0) if len(rows) else np.zeros((0, 2))


def stage2_matrix(model, hyps: list[PairEvidence], n_words: int, ctx: list[float]) -> np.ndarray:
    """Score ``hyps`` with stage 1 (sets ``p1``) and return stage 2's inputs: each pair's
    features plus the document's density computed from the stage-1 probabilities, its
    context ``ctx`` (:func:`document_context`) and the density around the pair
    (:func:`local_density`; last, so that trees fitted before it never read it)."""
    X = np.vstack([h.features for h in hyps])
    best: dict[str, float] = {}
    for h, p in zip(hyps, model.pair_stage1.predict(X), strict=True):
        h.p1 = float(p)
        best[h.spun] = max(best.get(h.spun, 0.0), h.p1)
    dens = density_features(list(best.values()), n_words) + list(ctx)
    return np.hstack([X, np.tile(dens, (len(hyps), 1)), local_density(hyps, n_words)])


def score_pairs(model, hyps: list[PairEvidence], n_words: int, ctx: list[float]) -> None:
    """Set ``p1`` and ``p2`` of every hypothesis (user table pairs get at least TABLE_CONFIDENCE)."""
    if not hyps or model.pair_stage1 is None:
        return
    X2 = stage2_matrix(model, hyps, n_words, ctx)
    p2 = model.pair_stage2.predict(X2) if model.pair_stage2 is not None else [h.p1 for h in hyps]
    for h, p in zip(hyps, p2, strict=True):
        h.p2 = max(float(p), TABLE_CONFIDENCE) if h.candidate.sources & _TABLE else float(p)
