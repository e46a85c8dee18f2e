"""The pair (channel) classifier: gradient-boosted trees over the decoder's evidence features.

Trees capture what a linear model cannot (a large LM gain means more for a thesaurus
pair than for a loose vector neighbour; a rare spun word with a common candidate is a
strong sign).  They are fitted with scikit-learn at training time and then flattened
into plain numpy arrays, so that prediction needs no scikit-learn and costs a few
vectorised steps per tree level, even for the few hundred rows of one document.

>>> import numpy as np
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]] * 20); y = np.array([0, 0, 1, 1] * 20)
>>> clf = Trees.fit(X, y)
>>> bool(clf.predict(np.array([[3.0]]))[0] > 0.5), bool(clf.predict(np.array([[0.0]]))[0] < 0.5)
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from unspin import _native as native

_ARRAYS = {"feature": np.int32, "threshold": np.float64, "missing_left": np.bool_, "left": np.int32,
           "right": np.int32, "value": np.float64, "roots": np.int32}
"""The node arrays of :class:`Trees` and their types (the serialised form)."""
MAX_TREES, MAX_NODES, MAX_DEPTH = 10_000, 4_000_000, 32
"""Bounds on trees read from a file (training makes 150 trees of depth 6, about 9,000 nodes)."""


@dataclass
class Trees:
    """Boosted trees as flat arrays: all trees' nodes concatenated, ``roots`` index each tree."""

    feature: np.ndarray  # int32, -1 for leaves
    threshold: np.ndarray  # float64
    missing_left: np.ndarray  # bool
    left: np.ndarray  # int32, absolute node index
    right: np.ndarray  # int32
    value: np.ndarray  # float64, leaf values (raw log-odds contribution)
    roots: np.ndarray  # int32
    baseline: float
    depth: int

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray, seed: int = 0, trees: int = 150, max_depth: int = 6) -> Trees:
        from sklearn.ensemble import HistGradientBoostingClassifier

        clf = HistGradientBoostingClassifier(
            max_iter=trees, max_depth=max_depth, learning_rate=0.1, l2_regularization=1.0, random_state=seed
        )
        clf.fit(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=int))
        return cls.from_sklearn(clf)

    @classmethod
    def from_sklearn(cls, clf) -> Trees:
        """Flatten a fitted ``HistGradientBoostingClassifier`` (binary) into :class:`Trees`.

        Why a private attribute: the histogram booster has no public tree API, and the
        estimators that have one (``GradientBoostingClassifier.estimators_[i].tree_``) fit
        the same 150 trees of depth 6 27x slower (3.9 vs 104.9 CPU-seconds on 40,000 x 30,
        measured 2026-12-05), i.e. hours instead of minutes on the 1.4 M training rows.
        ``_predictors`` holds one predictor per iteration whose ``nodes`` record array
        (``feature_idx``, ``num_threshold``, ``left``, ``right``, ``value``, ...) has been
        stable since scikit-learn 1.0; the ``train`` extra pins ``scikit-learn>=1.4,<2``,
        and a missing field fails here with one line instead of a wrong model.
        """
        predictors = getattr(clf, "_predictors", None)
        needed = {"feature_idx", "num_threshold", "missing_go_to_left", "left", "right", "value", "is_leaf", "depth"}
        if not predictors or not needed <= set(predictors[0][0].nodes.dtype.names or ()):
            import sklearn

            raise RuntimeError(f"scikit-learn {sklearn.__version__}: its boosted trees cannot be read; "
                               "install the version the train extra pins (scikit-learn>=1.4,<2)")
        parts, roots, offset = [], [], 0
        for (pred,) in predictors:
            nodes = pred.nodes
            roots.append(offset)
            parts.append((nodes, offset))
            offset += len(nodes)

        def cat(field: str, dtype) -> np.ndarray:
            return np.concatenate([n[field].astype(dtype) for n, _ in parts])

        left = np.concatenate([n["left"].astype(np.int64) + off for n, off in parts])
        right = np.concatenate([n["right"].astype(np.int64) + off for n, off in parts])
        leaf = cat("is_leaf", bool)
        feature = np.where(leaf, -1, cat("feature_idx", np.int64))
        idx = np.arange(len(leaf))
        return cls(
            feature=feature.astype(np.int32), threshold=cat("num_threshold", np.float64),
            missing_left=cat("missing_go_to_left", bool),
            left=np.where(leaf, idx, left).astype(np.int32), right=np.where(leaf, idx, right).astype(np.int32),
            value=np.where(leaf, cat("value", np.float64), 0.0), roots=np.array(roots, dtype=np.int32),
            baseline=float(np.ravel(clf._baseline_prediction)[0]), depth=int(cat("depth", np.int64).max()),
        )

    def to_dict(self) -> dict[str, np.ndarray]:
        """Plain arrays (no objects): ``np.savez`` them, load with ``np.load(..., allow_pickle=False)``."""
        d = {name: np.ascontiguousarray(getattr(self, name), dtype=dtype) for name, dtype in _ARRAYS.items()}
        d["baseline"], d["depth"] = np.float64(self.baseline), np.int64(self.depth)
        return d

    @classmethod
    def from_dict(cls, d, n_features: int | None = None) -> Trees:
        """Inverse of :meth:`to_dict`; :class:`ValueError` when the arrays do not form valid trees
        within bounds (at most :data:`MAX_TREES` trees of :data:`MAX_NODES` nodes in all, depth up
        to :data:`MAX_DEPTH`, finite leaf values, and split features below ``n_features`` when given):
        the work of a prediction is bounded by the file, whoever wrote it."""
        arrays = {}
        for name, dtype in _ARRAYS.items():
            a = np.asarray(d[name])
            if a.ndim != 1 or a.dtype.kind != np.dtype(dtype).kind:
                raise ValueError(f"tree array {name!r} has shape {a.shape} and type {a.dtype}")
            arrays[name] = a.astype(dtype)
        n = len(arrays["feature"])
        if any(len(arrays[k]) != n for k in ("threshold", "missing_left", "left", "right", "value")):
            raise ValueError("tree arrays differ in length")
        if not 1 <= len(arrays["roots"]) <= MAX_TREES or n > MAX_NODES:
            raise ValueError(f"{len(arrays['roots']):,} trees of {n:,} nodes, over the limits of "
                             f"1-{MAX_TREES:,} trees and {MAX_NODES:,} nodes")
        links = np.concatenate([arrays["left"], arrays["right"], arrays["roots"]])
        if n == 0 or links.min(initial=0) < 0 or links.max(initial=0) >= n or arrays["feature"].min() < -1:
            raise ValueError("tree node links point outside the tree")
        top = int(arrays["feature"].max())
        if n_features is not None and top >= n_features:
            raise ValueError(f"a tree splits on feature {top}, out of range ({n_features} features)")
        if not np.isfinite(arrays["value"]).all():
            raise ValueError("a tree leaf value is not a finite number")
        baseline, depth = np.asarray(d["baseline"]), np.asarray(d["depth"])
        if baseline.shape or depth.shape or baseline.dtype.kind not in "fi" or depth.dtype.kind != "i":
            raise ValueError("tree baseline or depth is not a single number")
        baseline, depth = float(baseline), int(depth)
        if not np.isfinite(baseline) or not 0 <= depth <= MAX_DEPTH:
            raise ValueError(f"tree baseline {baseline} or depth {depth} out of range")
        return cls(**arrays, baseline=baseline, depth=depth)

    def raw(self, X: np.ndarray, chunk: int = 2048) -> np.ndarray:
        """Summed log-odds for each row of ``X`` (``chunk`` rows at a time: memory stays
        proportional to ``chunk`` x trees, not to the document)."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if len(X) > chunk:
            return np.concatenate([self._raw(X[i : i + chunk]) for i in range(0, len(X), chunk)])
        return self._raw(X)

    def _raw(self, X: np.ndarray) -> np.ndarray:
        layout = self._complete()
        if layout is None:
            return self._raw_nodes(X)
        leaves = layout[3]
        walk = self._walk_native if native.trees is not None and len(X) else self._walk
        return self.baseline + np.take(leaves, walk(X, layout)).sum(axis=1)

    def _walk(self, X: np.ndarray, layout: tuple) -> np.ndarray:
        """The leaf (index into the layout's leaves) each row reaches in each tree, in numpy."""
        feature, threshold, missing_right, _, row_leaf = layout
        n, k = X.shape
        trees, inner = len(self.roots), (1 << self.depth) - 1
        flat = X.ravel()
        rows = (np.arange(n, dtype=np.intp) * k)[:, None]
        tree_base = np.arange(trees, dtype=np.intp) * inner - 1
        has_nan = bool(np.isnan(flat).any())
        node = np.ones((n, trees), dtype=np.intp)  # heap position from 1 within each tree: children 2p, 2p+1
        at, f = np.empty_like(node), np.empty_like(node)
        for _ in range(self.depth):
            np.add(node, tree_base, out=at)
            np.take(feature, at, out=f)
            f += rows
            x = np.take(flat, f)
            right = x > np.take(threshold, at)
            if has_nan:
                right = np.where(np.isnan(x), np.take(missing_right, at), right)
            node += node
            node += right
        return node - 1 + row_leaf

    def _walk_native(self, X: np.ndarray, layout: tuple) -> np.ndarray:
        """:meth:`_walk` in C (``unspin/_native/trees.c``): the same comparisons, the same leaves."""
        feature, threshold, missing_right, _, _ = layout
        n, k = X.shape
        leaf = np.empty((n, len(self.roots)), dtype=np.int64)
        native.trees.walk(np.ascontiguousarray(X), feature.astype(np.int64, copy=False), threshold, missing_right,
                          leaf, n, k, len(self.roots), self.depth)
        return leaf

    def _complete(self):
        """The trees as complete binary trees of depth ``depth`` in heap order (built once):
        a leaf above the last level is copied to every leaf slot below it, so every row takes
        exactly ``depth`` steps with no child links to look up; the same comparisons as
        :meth:`_raw_nodes` and the same leaf values, summed in the same order, so the same
        result to the bit.  None when that layout would be too large (deep trees)."""
        cached = self.__dict__.get("_layout", False)
        if cached is not False:
            return cached
        trees, depth = len(self.roots), self.depth
        leaf = np.flatnonzero(self.feature < 0)
        loops = bool((self.left[leaf] == leaf).all() and (self.right[leaf] == leaf).all())
        if trees << depth > 1 << 22 or not loops or np.isnan(self.threshold).any():  # (odd files: walked as written)
            self.__dict__["_layout"] = None
            return None
        inner = (1 << depth) - 1
        feature = np.zeros((trees, max(inner, 1)), dtype=np.intp)
        threshold = np.full((trees, max(inner, 1)), np.inf)
        missing_right = np.zeros((trees, max(inner, 1)), dtype=bool)
        leaves = np.zeros((trees, 1 << depth))
        for t, root in enumerate(self.roots.tolist()):
            stack = [(root, 0, 0)]
            while stack:
                node, pos, level = stack.pop()
                if self.feature[node] < 0 or level == depth:
                    lo = hi = pos
                    for _ in range(depth - level):
                        lo, hi = 2 * lo + 1, 2 * hi + 2
                    leaves[t, lo - inner : hi - inner + 1] = self.value[node]
                    continue
                feature[t, pos] = self.feature[node]
                threshold[t, pos] = self.threshold[node]
                missing_right[t, pos] = not self.missing_left[node]
                stack.append((int(self.left[node]), 2 * pos + 1, level + 1))
                stack.append((int(self.right[node]), 2 * pos + 2, level + 1))
        row_leaf = np.arange(trees, dtype=np.intp) * (1 << depth) - inner
        layout = (feature.ravel(), threshold.ravel(), missing_right.ravel(), leaves.ravel(), row_leaf)
        self.__dict__["_layout"] = layout
        return layout

    def _raw_nodes(self, X: np.ndarray) -> np.ndarray:
        """The straightforward walk over the node arrays (the reference :meth:`_raw` equals)."""
        n, k = X.shape
        flat = X.ravel()
        row_base = np.repeat(np.arange(n, dtype=np.int64) * k, len(self.roots))
        node = np.tile(self.roots, n)
        has_nan = bool(np.isnan(flat).any())
        for _ in range(self.depth):
            x = flat[row_base + np.maximum(self.feature[node], 0)]
            go_left = x <= self.threshold[node]
            if has_nan:
                go_left = np.where(np.isnan(x), self.missing_left[node], go_left)
            node = np.where(go_left, self.left[node], self.right[node])
        return self.baseline + self.value[node].reshape(n, len(self.roots)).sum(axis=1)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """P(positive) for each row of ``X``."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.raw(X), -30, 30)))
