"""L2-regularised logistic regression fitted with Newton's method (numpy only).

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
    def fit(cls, X: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 50) -> Logistic:
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        mean = X.mean(axis=0)
        scale = X.std(axis=0) + 1e-6
        Z = np.hstack([(X - mean) / scale, np.ones((len(X), 1))])
        w = np.zeros(Z.shape[1])
        reg = np.full(Z.shape[1], l2)
        reg[-1] = 0.0
        for _ in range(iters):
            p = 1 / (1 + np.exp(-np.clip(Z @ w, -30, 30)))
            grad = Z.T @ (p - y) + reg * w
            hess = (Z * (p * (1 - p))[:, None]).T @ Z + np.diag(reg + 1e-9)
            step = np.linalg.solve(hess, grad)
            w -= step
            if np.abs(step).max() < 1e-7:
                break
        return cls(list(w[:-1]), float(w[-1]), list(mean), list(scale))

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
