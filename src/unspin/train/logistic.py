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
    def from_dict(cls, d: dict) -> Logistic:
        """Inverse of :meth:`to_dict`; :class:`ValueError` for anything but equal-length lists of numbers."""
        coef, mean, scale = ([float(x) for x in d[k]] for k in ("coef", "mean", "scale"))
        if not len(coef) == len(mean) == len(scale) or not all(map(np.isfinite, [*coef, *mean, *scale])):
            raise ValueError("detector weights are not equal-length lists of finite numbers")
        return cls(coef, float(d["bias"]), mean, scale)
