"""Train the cascade (:mod:`unspin.cascade`) for a model: ``unspin train --cascade-only --out DIR``.

1. Natural documents of 150-3,000 characters from the registry corpora the model trains on
   (People's Daily 1998 and reviews; never a paragraph of the held-out buckets eval uses), or
   from ``--corpus``; each also spun by one of the model's spinner families
   (:func:`unspin.train.build.training_tables`: the public table's known part, that plus
   thesaurus pairs, thesaurus tables, translation round trips), one choice per word, most
   hits replaced, by jieba words or raw characters, as ``unspin train`` spins; 30% of the
   training parts' spun copies have one stretch spun only (15-40% of the text).
2. The paragraphs fall in three parts by hash, so no text of one is in another.  Part A (40%)
   learns the per-word ``prior`` (how often an occurrence of a lexicon word was a swap,
   smoothed towards the base rate), the hashed character-bigram model (a logistic regression
   over bigram shares) and the character counts of natural text (with the segmenter's
   dictionary words); part B (40%) fits the document model (a logistic regression over
   :data:`unspin.cascade.DOC_FEATURES`), half of its documents read with a third of the
   words' priors hidden (spinners whose words it never saw); part C (20%) chooses the cut.
3. The cut: the full decoder reads part C's spun documents; each is scored by the cascade
   as if its spinner's words had never been seen swapped (the lowest probability over its
   readings with each third of the priors hidden: :func:`unseen_probabilities`); of those the
   decoder flags, at most ``max_loss`` (0.2%, under the 0.5% target) may fall under the cut,
   which is then halved (``margin``: other text, other spinners).

Needs scikit-learn (``pip install 'unspin[train]'``); prediction needs numpy only.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from unspin.cascade import (
    BIGRAM_BITS,
    CASCADE_FILE,
    DOC_FEATURES,
    LM_BITS,
    UNIGRAMS,
    Cascade,
    _simplify_table,
    bigram_buckets,
    han_pairs,
)
from unspin.lexicon import Source

PARTIAL_SHARE = 0.3  # training documents (parts A and B) spun in one stretch only
MAX_LOSS = 0.002
MARGIN = 0.5
ALPHA = 3.0  # prior smoothing: occurrences worth of the base rate


@dataclass
class Doc:
    """A training document: its text, the spans of its swaps, and its spinner family ("" for natural)."""

    text: str
    swaps: frozenset[tuple[int, int]]
    family: str
    part: str = "a"  # a: priors, bigrams and character counts; b: the document model; c: the cut


def static_table(model) -> tuple[list[str], np.ndarray]:
    """The words the lexicon can rewrite (2-4 characters) and their untrained weights
    (``prior`` 0, ``rarity``, ``garbled``, ``public``)."""
    from unspin.text.segment import word_freq

    lex = model.lexicon
    words = sorted(w for w in lex.words() if 2 <= len(w) <= 4)
    table = np.zeros((len(words), 4), dtype=np.float32)
    for i, w in enumerate(words):
        cands = lex.candidates(w)
        f = word_freq(w)
        best = max((word_freq(c.word) for c in cands), default=0)
        table[i, 1] = min(max(np.log10(best + 1) - np.log10(f + 1), 0.0), 6.0)
        table[i, 2] = f == 0
        table[i, 3] = any(c.sources & Source.PUBLIC for c in cands)
    return words, table


def documents(model, seed: int = 13, n_docs: int = 4000, families: tuple[str, ...] | None = None,
              corpus: list[str] | None = None, text_field: str = "text") -> list[Doc]:
    """Training documents, half of them spun (see module docstring, step 1)."""
    from unspin.spin import spin, spin_span
    from unspin.train import corpora
    from unspin.train.build import FAMILIES, _interleave, is_heldout, training_tables

    fams = tuple(families or FAMILIES)
    if corpus:
        paragraphs = corpora.read_corpus(corpus, text_field)
    else:
        paragraphs = _interleave(corpora.peoples_daily(), corpora.reviews())
    pools: dict[str, list[str]] = {"a": [], "b": [], "c": []}
    for p in paragraphs:  # parts by paragraph, so no text of one part is in another
        if not is_heldout(p):
            pools["aabbc"[int(hashlib.sha1(p.encode()).hexdigest()[:8], 16) % 5]].append(p)
    texts = [(part, t) for part, pool in pools.items() for k in (1, 2)
             for t in corpora.documents(iter(pool), seed + k, min_chars=150, max_chars=3000)]
    rng = random.Random(seed)
    rng.shuffle(texts)
    texts = texts[:n_docs]
    tables = training_tables(model.lexicon, rng, 18, fams)
    local = random.Random(seed + 1)  # partial spin: its own stream, so part C stays as it was
    out = []
    for i, (part, text) in enumerate(texts):  # every text twice, natural and spun: the model learns spin, not topic
        out.append(Doc(text, frozenset(), "", part))
        table, kind = rng.choice(tables)
        r = rng.uniform(0.3, 0.9) if kind == "thesaurus" else rng.uniform(0.5, 1.0)
        mode = rng.choice(("words", "chars"))
        if part != "c" and local.random() < PARTIAL_SHARE:  # a spinner at work on one part of the page
            size = int(len(text) * local.uniform(0.15, 0.4))
            start = local.randrange(max(len(text) - size, 1))
            s = spin_span(text, start, start + size, table, r=r, seed=i, mode=mode)
        else:
            s = spin(text, table, r=r, seed=i, mode=mode)
        if s.swaps:
            out.append(Doc(s.text, frozenset((w.start, w.end) for w in s.swaps), kind, part))
    return out


def learn_priors(casc: Cascade, docs: list[Doc]) -> np.ndarray:
    """Per word: (swaps + ALPHA * base) / (occurrences + ALPHA), over ``docs``."""
    occ = np.zeros(len(casc.words))
    swp = np.zeros(len(casc.words))
    for d in docs:
        ids, starts, lens = casc.hits(casc.codes(d.text))
        np.add.at(occ, ids, 1)
        if d.swaps:
            is_swap = np.array([(int(s), int(s + n)) in d.swaps for s, n in zip(starts, lens, strict=True)], dtype=bool)
            np.add.at(swp, ids[is_swap], 1)
    base = swp.sum() / max(occ.sum(), 1)
    return ((swp + ALPHA * base) / (occ + ALPHA)).astype(np.float32)


def char_counts(texts: list[str], casc: Cascade, dictionary: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``log(count + 0.5)`` of the hashed character bigrams and of the characters of natural ``texts``;
    with ``dictionary``, also of every word of the segmenter's dictionary, each counted once (modern
    words the texts lack are not odd)."""
    bigrams = np.zeros(1 << LM_BITS)
    unigrams = np.zeros(UNIGRAMS)
    if dictionary:
        from unspin.text.segment import _jieba

        words = [w for w, f in _jieba().dt.FREQ.items() if f and len(w) >= 2]
        texts = [*texts, "\n".join(words)]
    for t in texts:
        cp = casc.codes(t)
        if len(cp) < 2:
            continue
        mask = han_pairs(cp)
        bigrams += np.bincount(bigram_buckets(cp, LM_BITS)[mask], minlength=1 << LM_BITS)
        unigrams += np.bincount(cp[:-1][mask].astype(np.int64), minlength=UNIGRAMS)[:UNIGRAMS]
    return np.log(bigrams + 0.5).astype(np.float32), np.log(unigrams + 0.5).astype(np.float32)


def hidden_priors(casc: Cascade, words_fold: np.ndarray, fold: int) -> np.ndarray:
    """The word table with the priors of one fold of words reset to the base rate: the table of a
    spinner whose words the cascade never saw swapped."""
    table = casc.table.copy()
    base = float(np.median(table[:, 0]))
    table[words_fold == fold, 0] = base
    return table


def _bigram_matrix(casc: Cascade, docs: list[Doc]):
    from scipy.sparse import csr_matrix

    rows, cols, vals = [], [], []
    for i, d in enumerate(docs):
        b = bigram_buckets(casc.codes(d.text))
        if not len(b):
            continue
        u, c = np.unique(b, return_counts=True)
        rows.append(np.full(len(u), i))
        cols.append(u)
        vals.append(c / len(b))
    return csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(len(docs), 1 << BIGRAM_BITS))


def fit_bigrams(casc: Cascade, docs: list[Doc], C: float = 30.0) -> np.ndarray:
    """Weights of a logistic regression over the documents' hashed bigram shares (its bias is
    left out: the document model adds its own)."""
    from sklearn.linear_model import LogisticRegression

    X = _bigram_matrix(casc, docs)
    y = np.array([bool(d.swaps) for d in docs])
    lr = LogisticRegression(C=C, max_iter=2000, solver="liblinear")
    lr.fit(X, y)
    return lr.coef_[0].astype(np.float32)


HIDDEN_FOLDS = 3
HIDE_SHARE = 0.5


def word_folds(casc: Cascade) -> np.ndarray:
    """Each word's fold (by a hash of the word) for :func:`hidden_priors`."""
    return np.array([int(hashlib.sha1(w.encode()).hexdigest()[:8], 16) % HIDDEN_FOLDS for w in casc.words])


def unseen_probabilities(casc: Cascade, texts: list[str]) -> np.ndarray:
    """Each text's lowest cascade probability over its reading with all priors and with each fold
    of the priors hidden: how the cascade would score the text had its spinner used words it
    never saw swapped (the cut is chosen on these, so that it carries to unseen spinners)."""
    folds, full = word_folds(casc), casc.table
    scores = [casc.probabilities(texts)]
    for f in range(HIDDEN_FOLDS):
        casc.table = hidden_priors(casc, folds, f)
        scores.append(casc.probabilities(texts))
    casc.table = full
    return np.minimum.reduce(scores)


def fit_documents(casc: Cascade, docs: list[Doc], seed: int = 13) -> None:
    """Fit the document model (standardised logistic regression) into ``casc``.  A ``HIDE_SHARE`` of
    the documents is read with one fold of the words' priors hidden (:func:`hidden_priors`), so
    that the model also learns what spin by words it never saw swapped looks like."""
    from sklearn.linear_model import LogisticRegression

    rng = random.Random(seed)
    folds = word_folds(casc)
    full = casc.table
    hidden = [hidden_priors(casc, folds, f) for f in range(HIDDEN_FOLDS)]
    rows = []
    for d in docs:
        casc.table = hidden[rng.randrange(HIDDEN_FOLDS)] if rng.random() < HIDE_SHARE else full
        rows.append(casc.features(d.text))
    casc.table = full
    X = np.vstack(rows)
    y = np.array([bool(d.swaps) for d in docs])
    mean, scale = X.mean(0), X.std(0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=1.0, max_iter=5000)
    lr.fit((X - mean) / scale, y)
    casc.coef, casc.bias, casc.mean, casc.scale = lr.coef_[0], float(lr.intercept_[0]), mean, scale


def choose_cut(p_flagged: np.ndarray, max_loss: float = MAX_LOSS, margin: float = MARGIN) -> float:
    """The cut that clears at most ``max_loss`` of the flagged spun documents (their cascade
    probabilities ``p_flagged``), times ``margin``."""
    if not len(p_flagged):
        return 0.0
    p = np.sort(p_flagged)
    k = int(np.floor(max_loss * len(p)))  # documents allowed under the cut
    return float(p[k] * margin)


def decoder_verdicts(tasks: list[tuple[object, str]], workers: int = 1) -> list[float]:
    """The full decoder's ``detect`` probability (cascade off) of each ``(model, text)``, in
    ``workers`` forked processes."""
    models = list({id(m): m for m, _ in tasks}.values())
    index = {id(m): k for k, m in enumerate(models)}
    jobs = [(index[id(m)], t) for m, t in tasks]
    _MODELS[:] = models
    if workers <= 1 or len(jobs) < 20:
        return [_verdict(j) for j in jobs]
    from unspin.pool import process_pool, quiet_worker

    with process_pool(workers, "fork", "a decoder worker process", "rerun the same command",
                      initializer=quiet_worker) as pool:
        return list(pool.map(_verdict, jobs, chunksize=4))


_MODELS: list = []


def _verdict(job: tuple[int, str]) -> float:
    from unspin.api import detect

    return detect(job[1], model=_MODELS[job[0]], cascade=False).spin_probability


def train_cascade(model, seed: int = 13, n_docs: int = 4000, families: tuple[str, ...] | None = None,
                  corpus: list[str] | None = None, text_field: str = "text", workers: int = 1,
                  docs: list[Doc] | None = None, verdicts: dict[str, float] | None = None,
                  margin: float = MARGIN, progress: Callable[[str], None] = print) -> Cascade:
    """A cascade for ``model`` (see module docstring).  ``docs`` and ``verdicts`` (decoder
    probabilities by text) let a caller reuse them across runs (leave-one-family-out)."""
    from unspin.train.build import FAMILIES

    t0 = time.time()
    fams = tuple(families or FAMILIES)
    if docs is None:
        progress(f"cascade: spinning training documents ({', '.join(fams)})")
        docs = documents(model, seed, n_docs, fams, corpus, text_field)
    docs = [d for d in docs if not d.family or d.family in fams]
    n = len(docs)
    a, b, c = ([d for d in docs if d.part == part] for part in "abc")
    if any(len({bool(d.swaps) for d in part}) < 2 for part in (a, b, c)):
        from unspin.errors import InputError

        raise InputError(f"too few documents to train the cascade ({n} natural and spun)",
                         hint="pass more text (detect then runs the full decoder on every document)")
    words, table = static_table(model)
    casc = Cascade(words, table, np.zeros(1 << BIGRAM_BITS, np.float32), np.zeros(len(DOC_FEATURES)), 0.0,
                   np.zeros(len(DOC_FEATURES)), np.ones(len(DOC_FEATURES)), 0.0, {}, _simplify_table())
    progress(f"cascade: {len(words):,} words; priors and bigrams from {len(a):,} documents")
    casc.table[:, 0] = learn_priors(casc, a)
    casc.bigrams = fit_bigrams(casc, a)
    casc.lm_bigrams, casc.lm_unigrams = char_counts([d.text for d in a if not d.swaps], casc, dictionary=True)
    progress(f"cascade: document model from {len(b):,} documents")
    fit_documents(casc, b, seed)
    spun_c = [d for d in c if d.swaps]
    verdicts = dict(verdicts or {})
    todo = [d.text for d in spun_c if d.text not in verdicts]
    if todo:
        progress(f"cascade: the decoder reads {len(todo):,} spun validation documents")
        verdicts.update(zip(todo, decoder_verdicts([(model, t) for t in todo], workers), strict=True))
    p_dec = np.array([verdicts[d.text] for d in spun_c])
    p_casc = unseen_probabilities(casc, [d.text for d in spun_c])
    flagged = p_casc[p_dec >= 0.5]
    casc.cut = choose_cut(flagged, MAX_LOSS, margin)
    nat = [d.text for d in c if not d.swaps]
    cleared = float((casc.probabilities(nat) < casc.cut).mean()) if nat else 0.0
    casc.meta = {
        "families": list(fams), "documents": n, "seed": seed, "max_loss": MAX_LOSS, "margin": margin,
        "validation": {"spun": len(spun_c), "flagged_by_decoder": int(len(flagged)),
                       "flagged_lost": int((flagged < casc.cut).sum()), "natural": len(nat),
                       "natural_cleared": round(cleared, 4)},
        "corpus": bool(corpus), "seconds": round(time.time() - t0, 1),
    }
    casc._verdicts = verdicts  # noqa: SLF001 - handed back to a caller that reuses them
    progress(f"cascade: cut {casc.cut:.4f}; validation: {len(flagged)} of {len(spun_c)} spun documents flagged "
             f"by the decoder, {casc.meta['validation']['flagged_lost']} under the cut; "
             f"{cleared:.1%} of {len(nat)} natural documents cleared")
    return casc


def write_cascade(casc: Cascade, folder: str | Path) -> None:
    """Save ``casc`` into the model ``folder`` and add it to meta.json's checksums."""
    from unspin.model import update_meta

    casc.save(Path(folder) / CASCADE_FILE)
    update_meta(folder, cascade={k: v for k, v in casc.meta.items() if k != "seconds"} | {"cut": round(casc.cut, 6)})
