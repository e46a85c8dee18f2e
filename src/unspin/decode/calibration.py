"""Length-aware calibration of the spin probability.

The detector reads rates (edits per 100 words, ...), and a rate from a 17-character
headline is worth far less than the same rate from a page: one swap in a short text
made the detector say 0.9999.  A second, tiny logistic model maps the detector's logit
``z`` and the text's length ``L`` (log of its non-space characters) to the probability
that the text is spun, so that a short text's verdict reflects how little evidence it
holds::

    p = sigmoid(a * z + b * z * L + c * L + d)

It is fitted by ``unspin train`` (and ``unspin train --recalibrate MODEL``) on documents
of 20 to 1,500 characters, natural and spun by every training family, that the other
classifiers never saw.  :func:`curve` reports how well it holds per length bucket.

>>> round(float(features(0.5, 100)[0][0]), 3)
0.0
>>> features(0.99, 20).shape
(1, 3)
"""

from __future__ import annotations

import numpy as np

BUCKETS = ((20, 100), (100, 300), (300, None))
"""Length buckets (non-space characters) the calibration curve is reported by."""
MAX_LOGIT = 12.0


def chars(text: str) -> int:
    """Non-space characters of ``text``, the length the calibration reads.

    >>> chars("雷军 今年\\n")
    4
    """
    return sum(not c.isspace() for c in text)


def features(p: float | np.ndarray, n_chars: int | np.ndarray) -> np.ndarray:
    """The calibrator's inputs ``[z, z * L, L]`` for raw probabilities ``p`` of texts of ``n_chars``."""
    p = np.clip(np.atleast_1d(np.asarray(p, dtype=float)), 1e-12, 1 - 1e-12)
    z = np.clip(np.log(p / (1 - p)), -MAX_LOGIT, MAX_LOGIT)
    L = np.log(np.maximum(np.atleast_1d(np.asarray(n_chars, dtype=float)), 1.0))
    return np.column_stack([z, z * L, L])


def calibrate(calibrator, p: float, n_chars: int) -> float:
    """The calibrated probability of a raw detector probability ``p`` for a text of ``n_chars``
    (``p`` itself when the model has no calibrator)."""
    if calibrator is None:
        return p
    return float(calibrator.predict(features(p, n_chars))[0])


def bucket_of(n_chars: int) -> str:
    """The name of the length bucket ``n_chars`` falls in (:data:`BUCKETS`), e.g. ``"20-100"``.

    >>> bucket_of(50), bucket_of(1200)
    ('20-100', '300+')
    """
    for lo, hi in BUCKETS:
        if hi is None or n_chars < hi:
            return f"{lo}-{hi}" if hi else f"{lo}+"
    raise AssertionError("unreachable")


def reliability(p, y, bins: int = 10) -> tuple[float, list[dict]]:
    """Expected calibration error of probabilities ``p`` against outcomes ``y`` over
    equal-width bins (the last one holds 1.0), and each non-empty bin's documents, mean
    prediction and observed share.

    >>> round(reliability([0.1, 0.2, 0.9], [False, True, True], bins=2)[0], 3)
    0.267
    """
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    rows, ece = [], 0.0
    for k in range(bins):
        lo, hi = k / bins, (k + 1) / bins
        m = (p >= lo) & ((p < hi) if k < bins - 1 else (p <= hi))
        if m.any():
            rows.append({"bin": f"{lo:.1f}-{hi:.1f}", "docs": int(m.sum()),
                         "predicted": round(float(p[m].mean()), 3), "observed": round(float(y[m].mean()), 3)})
            ece += m.sum() / len(p) * abs(p[m].mean() - y[m].mean())
    return float(ece), rows


def curve(ps: list[float], ys: list[bool], lengths: list[int], bins: int = 5) -> list[dict]:
    """Calibration per length bucket: documents, spun share, mean probability, expected
    calibration error, and the reliability bins (mean predicted vs observed spun share).

    >>> r = curve([0.1, 0.9, 0.2, 0.8], [False, True, False, True], [50, 50, 500, 500])
    >>> [(b["bucket"], b["docs"], b["ece"]) for b in r]
    [('20-100', 2, 0.1), ('300+', 2, 0.2)]
    """
    out = []
    names = [bucket_of(n) for n in lengths]
    for name in dict.fromkeys(bucket_of(lo) for lo, _ in BUCKETS):
        sel = [i for i, b in enumerate(names) if b == name]
        if not sel:
            continue
        p = np.array([ps[i] for i in sel])
        y = np.array([ys[i] for i in sel], dtype=float)
        ece, rows = reliability(p, y, bins)
        out.append({"bucket": name, "docs": len(sel), "spun_share": round(float(y.mean()), 3),
                    "mean_p": round(float(p.mean()), 3), "ece": round(float(ece), 4), "bins": rows})
    return out


def fit(ps: list[float], lengths: list[int], ys: list[bool]):
    """Fit the calibrator on raw detector probabilities ``ps`` of texts of ``lengths`` with
    labels ``ys`` (spun or not)."""
    from unspin.train.logistic import Logistic

    return Logistic.fit(features(ps, lengths), np.asarray(ys, dtype=float), l2=1.0)

