"""L2-regularised logistic regression: fitted by scikit-learn, stored and applied as plain arrays.

:meth:`Logistic.fit` standardises the features and fits scikit-learn's ``LogisticRegression``
(``C = 1 / l2``, intercept not penalised) with its Newton solver (``newton-cholesky``): the same
estimator the hand-written Newton steps computed before (measured on 4,000 x 25, 20,000 x 3 and
300 x 40 problems: coefficients within 1e-12, probabilities within 1e-13, same CPU time), so
models trained before and after agree.  Training needs ``unspin[train]``; a model stores the
weights as lists (``meta.json``) and :meth:`Logistic.predict` needs numpy alone, so loading
and applying a model imports no scikit-learn.

>>> import numpy as np
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
>>> m = Logistic.fit(X, y, l2=0.01)
>>> bool(m.predict(np.array([[3.0]]))[0] > 0.5)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Logistic:
    """A fitted model: ``p = sigmoid((x - mean) / scale @ coef + bias)``."""

    coef: list[float]
    bias: float
    mean: list[float]
    scale: list[float]

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 100) -> Logistic:
        """Fit ``y`` (0/1) on ``X``: penalty ``l2 / 2 * |coef|^2`` on the standardised features."""
        from sklearn.linear_model import LogisticRegression

        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        mean = X.mean(axis=0)
        scale = X.std(axis=0) + 1e-6
        if len(np.unique(y)) < 2:  # one class: no slope to learn, the bias says which (as far as predict reads)
            return cls([0.0] * X.shape[1], 30.0 if len(y) and y[0] else -30.0, list(mean), list(scale))
        if not l2 > 0:
            raise ValueError(f"l2 must be positive, not {l2}")
        lr = LogisticRegression(C=1.0 / l2, solver="newton-cholesky", tol=1e-10, max_iter=iters)
        lr.fit((X - mean) / scale, y)
        return cls([float(c) for c in lr.coef_[0]], float(lr.intercept_[0]), list(mean), list(scale))

    def logit(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        return ((X - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.coef) + self.bias

    def predict(self, X: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-np.clip(self.logit(X), -30, 30)))

    def to_dict(self) -> dict:
        return {"coef": self.coef, "bias": self.bias, "mean": self.mean, "scale": self.scale}

    @classmethod
    def from_dict(cls, d: dict, n_features: int | None = None) -> Logistic:
        """Inverse of :meth:`to_dict`; :class:`ValueError` for anything but equal-length lists (of
        ``n_features`` when given) of finite numbers with every scale at least :data:`MIN_SCALE`
        (a zero scale makes every probability NaN)."""
        if not isinstance(d, dict) or not all(isinstance(d.get(k), list) for k in ("coef", "mean", "scale")):
            raise ValueError("detector weights are not an object of coef, mean and scale lists")
        if any(isinstance(x, bool) or not isinstance(x, (int, float))
               for k in ("coef", "mean", "scale") for x in d[k][:MAX_FEATURES + 1]):
            raise ValueError("detector weights are not lists of numbers")
        coef, mean, scale = ([float(x) for x in d[k]] for k in ("coef", "mean", "scale"))
        bias = d.get("bias")
        if isinstance(bias, bool) or not isinstance(bias, (int, float)) or not np.isfinite(bias):
            raise ValueError(f"detector bias {bias!r} is not a finite number")
        if not len(coef) == len(mean) == len(scale) or not all(map(np.isfinite, [*coef, *mean, *scale])):
            raise ValueError("detector weights are not equal-length lists of finite numbers")
        if n_features is not None and len(coef) != n_features or not 1 <= len(coef) <= MAX_FEATURES:
            raise ValueError(f"detector has {len(coef)} weights, expected {n_features or f'1-{MAX_FEATURES}'}")
        if min(scale) < MIN_SCALE or max(map(abs, [*coef, *mean, *scale, bias])) > MAX_MAGNITUDE:
            raise ValueError(f"detector scales must be at least {MIN_SCALE} and weights at most {MAX_MAGNITUDE:g}")
        return cls(coef, float(bias), mean, scale)


MAX_FEATURES = 1000
MIN_SCALE = 1e-9
"""Smallest scale accepted from a file (``fit`` makes every scale at least 1e-6)."""
MAX_MAGNITUDE = 1e12
