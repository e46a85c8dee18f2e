"""Fit the length-aware calibration of the spin probability (:mod:`unspin.decode.calibration`).

``unspin train`` calls :func:`fit_calibration` as its last step; ``unspin train
--recalibrate MODEL --out DIR`` runs it alone on an existing model.  The documents are
natural paragraphs outside the held-out buckets ``unspin eval`` keeps and not themselves a
training document (``Model.trained_on`` holds whole documents, so a paragraph of a
multi-paragraph training document can recur here), cut to lengths drawn log-uniformly between 20 and 1,500
characters, half of them spun by the model's training families, one fold of the public
table hidden half the time, as in training.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable

from unspin.decode.calibration import chars, curve, features, fit
from unspin.model import Model, load_model, text_hash

MIN_CHARS, MAX_CHARS = 20, 1500
MIN_DOCS = 50  # fewer new documents than this: no calibration


def calibration_docs(paragraphs: Iterable[str], model: Model, n: int, seed: int) -> list[str]:
    """``n`` documents of log-uniform length (:data:`MIN_CHARS` to :data:`MAX_CHARS`) from
    consecutive ``paragraphs`` the model never trained on, each cut at a sentence end.

    >>> paras = ["今天天气很好。我们去公园散步。" * 3] * 50
    >>> docs = calibration_docs(paras, Model(None, None), 5, seed=1)
    >>> len(docs), all(len(d) >= 20 for d in docs)
    (5, True)
    """
    from unspin.train.build import is_heldout

    rng = random.Random(seed)
    out: list[str] = []
    buf, size = [], 0
    target = _length(rng)
    for p in paragraphs:
        if is_heldout(p) or text_hash(p) in model.trained_on:
            continue
        buf.append(p)
        size += len(p) + 1
        if size < target:
            continue
        text = "\n".join(buf)[:target]
        end = max(text.rfind("。"), text.rfind("\n"))
        text = text[: end + 1] if end >= MIN_CHARS else text
        if chars(text) >= MIN_CHARS:
            out.append(text)
        buf, size, target = [], 0, _length(rng)
        if len(out) >= n:
            break
    return out


def _length(rng: random.Random) -> int:
    return int(math.exp(rng.uniform(math.log(MIN_CHARS), math.log(MAX_CHARS))))


def fit_calibration(
    model: Model, paragraphs: Iterable[str], families: tuple[str, ...], n_docs: int = 3000, seed: int = 29,
    progress: Callable[[str], None] = print,
) -> dict[str, list[dict]]:
    """Fit ``model.calibration`` (see module docstring).  Returns the calibration curves per
    length bucket, ``before`` and ``after``, on a fifth of the documents kept out of the fit."""
    from unspin.train.build import _decode_all, _labelled

    docs = calibration_docs(paragraphs, model, n_docs, seed)
    data = _labelled(docs, model.lexicon, seed, learned_share=0.0, families=families)
    progress(f"calibrating the spin probability by length on {len(data):,} new documents")
    model.calibration = None
    analyses = _decode_all(model, data, progress)
    raw = [a.spin_probability for a in analyses]
    lengths = [chars(a.text) for a in analyses]
    ys = [bool(d[1]) for d in data]
    n_fit = int(len(data) * 0.8)
    if len(data) < MIN_DOCS or len(set(ys[:n_fit])) < 2:
        progress(f"only {len(data)} documents to calibrate on: the spin probability stays uncalibrated")
        return {}
    model.calibration = fit(raw[:n_fit], lengths[:n_fit], ys[:n_fit])
    after = model.calibration.predict(features(raw[n_fit:], lengths[n_fit:]))
    report = {"before": curve(raw[n_fit:], ys[n_fit:], lengths[n_fit:]),
              "after": curve([float(p) for p in after], ys[n_fit:], lengths[n_fit:])}
    for b, a in zip(report["before"], report["after"], strict=True):
        progress(f"  {b['bucket']} chars: {b['docs']} held-out docs, ECE {b['ece']} -> {a['ece']}")
    return report


def recalibrate(
    model_path: str | None, out: str, corpus: list[str] | None = None, text_field: str = "text",
    progress: Callable[[str], None] = print,
) -> Model:
    """``unspin train --recalibrate MODEL --out DIR``: a copy of the model at ``model_path``
    (default: the built-in one) with its calibration fitted again, written to ``out``."""
    from dataclasses import replace

    from unspin.train.build import FAMILIES, training_paragraphs

    model = load_model(model_path)
    model = replace(model, settings=dict(model.settings), meta=dict(model.meta))
    families = tuple(model.meta.get("families") or FAMILIES)
    report = fit_calibration(model, training_paragraphs(corpus, text_field), families, progress=progress)
    model.save(out, {"calibration_curve": report})
    progress(f"model written to {out}")
    return model
