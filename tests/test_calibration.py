"""Length-aware calibration of the spin probability (issue 18: short texts hold little evidence)."""

from __future__ import annotations

import doctest
import random
from dataclasses import replace

import numpy as np
import pytest

from unspin.decode import calibration
from unspin.decode.calibration import calibrate, chars, curve, fit
from unspin.decode.document import analyse
from unspin.model import load_model
from unspin.train import calibrate as train_calibrate
from unspin.train import corpora


@pytest.mark.parametrize("module", [calibration, train_calibrate])
def test_docstring_examples(module):
    assert doctest.testmod(module).failed == 0


def _synthetic(n: int, seed: int = 0):
    """Raw detector outputs that are over-confident on short texts: a short natural text
    often reads 0.99, a long one never does."""
    rng = random.Random(seed)
    ps, lengths, ys = [], [], []
    for _ in range(n):
        length = int(np.exp(rng.uniform(np.log(20), np.log(1500))))
        spun = rng.random() < 0.5
        noisy = length < 100 and rng.random() < 0.3
        p = 0.999 if spun != noisy else 0.001
        ps.append(p)
        lengths.append(length)
        ys.append(spun)
    return ps, lengths, ys


def test_calibration_lowers_short_texts_only():
    cal = fit(*_synthetic(2000))
    short, long = calibrate(cal, 0.999, 30), calibrate(cal, 0.999, 1200)
    assert short < 0.9 < 0.98 < long  # a short text's verdict holds less evidence
    assert calibrate(None, 0.999, 30) == 0.999  # no calibrator: the raw probability


def test_curve_reports_each_length_bucket():
    ps, lengths, ys = _synthetic(600)
    before = curve(ps, ys, lengths)
    cal = fit(ps, lengths, ys)
    after = curve(list(cal.predict(calibration.features(ps, lengths))), ys, lengths)
    assert [b["bucket"] for b in before] == ["20-100", "100-300", "300+"]
    assert sum(b["docs"] for b in before) == 600
    assert after[0]["ece"] < before[0]["ece"]  # the short bucket was over-confident


def test_model_applies_its_calibration():
    model = load_model()
    text = "国务院总理今天在北京会面了来访的外国客人。"
    raw = analyse(text, replace(model, calibration=None)).spin_probability
    cal = fit(*_synthetic(2000))
    got = analyse(text, replace(model, calibration=cal)).spin_probability
    assert got == pytest.approx(calibrate(cal, raw, chars(text)))


def test_fit_calibration_on_new_documents():
    model = load_model()
    model = replace(model, settings=dict(model.settings))
    paras = (p for p in corpora.peoples_daily())
    report = train_calibrate.fit_calibration(model, paras, ("public", "thesaurus"), n_docs=80, progress=lambda m: None)
    assert model.calibration is not None and len(model.calibration.coef) == 3
    assert {b["bucket"] for b in report["after"]} <= {"20-100", "100-300", "300+"}
