"""The document detector's logistic regression is fitted by scikit-learn (issue 18, finding 7) and applied
from plain arrays: the same estimator as the Newton steps it replaced, and a model loads and scores without
scikit-learn."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from unspin.train.logistic import Logistic

pytest.importorskip("sklearn")


def _newton(Z: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """The hand-written fit this replaced (standardised features with a bias column; bias not penalised)."""
    w = np.zeros(Z.shape[1])
    reg = np.full(Z.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(Z @ w, -30, 30)))
        step = np.linalg.solve((Z * (p * (1 - p))[:, None]).T @ Z + np.diag(reg + 1e-9), Z.T @ (p - y) + reg * w)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    return w


@pytest.mark.parametrize(("n", "d", "l2"), [(3000, 20, 1.0), (500, 3, 0.1)])
def test_fit_is_the_same_estimator_as_the_newton_steps_it_replaced(n, d, l2):
    rng = np.random.default_rng(d)
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 50, size=d) + rng.normal(size=d) * 10
    y = (rng.random(n) < 1 / (1 + np.exp(-((X - X.mean(0)) / X.std(0)) @ rng.normal(size=d)))).astype(float)
    m = Logistic.fit(X, y, l2=l2)
    Z = np.hstack([(X - m.mean) / np.asarray(m.scale), np.ones((n, 1))])
    w = _newton(Z, y, l2)
    assert np.abs(np.asarray(m.coef) - w[:-1]).max() < 1e-6 and abs(m.bias - w[-1]) < 1e-6
    assert np.abs(m.predict(X) - 1 / (1 + np.exp(-Z @ w))).max() < 1e-6
    assert Logistic.from_dict(m.to_dict(), d) == m  # exported as plain lists, read back the same


def test_one_class_and_a_bad_penalty():
    X = np.arange(6.0).reshape(3, 2)
    assert Logistic.fit(X, np.ones(3)).predict(X).min() > 0.99
    assert Logistic.fit(X, np.zeros(3)).predict(X).max() < 0.01
    with pytest.raises(ValueError, match="l2 must be positive"):
        Logistic.fit(X, np.array([0.0, 1.0, 1.0]), l2=0)


def test_the_shipped_model_loads_and_scores_without_scikit_learn():
    code = ("import sys, unspin; m = unspin.load_model(); r = unspin.detect('雷军说今年要交付三十万辆小米汽车，明年还要更多。')\n"
            "import numpy as np; x = np.ones((1, len(m.doc.coef)))\n"
            "z = ((x - np.asarray(m.doc.mean)) / np.asarray(m.doc.scale)) @ np.asarray(m.doc.coef) + m.doc.bias\n"
            "assert abs(m.doc.predict(x)[0] - 1 / (1 + np.exp(-z[0]))) < 1e-15\n"
            "print(sorted(k for k in sys.modules if k.split('.')[0] == 'sklearn'), 0 <= r.spin_probability <= 1)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[]", "True"]
