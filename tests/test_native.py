"""The compiled tree walk (unspin/_native/trees.c) gives the numpy walk's results to the bit."""

from __future__ import annotations

import numpy as np
import pytest

from unspin import _native
from unspin.train.classifier import Trees

pytestmark = pytest.mark.skipif(_native.trees is None, reason="the C extension was not built (no compiler)")


def _both(trees: Trees, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    layout = trees._complete()  # noqa: SLF001
    assert layout is not None
    return trees._walk(X, layout), trees._walk_native(X, layout)  # noqa: SLF001


def test_the_compiled_walk_reaches_the_same_leaves_as_numpy(model):
    rng = np.random.default_rng(3)
    for stage in (model.pair_stage1, model.pair_stage2, model.pair_pages):
        width = int(stage.feature.max()) + 1
        X = rng.normal(size=(257, width)) * rng.choice([0.1, 1, 10], size=width)
        X[rng.random(X.shape) < 0.05] = np.nan  # missing values take the trees' missing branch
        numpy_leaves, c_leaves = _both(stage, X)
        assert np.array_equal(numpy_leaves, c_leaves)
        assert np.array_equal(stage.raw(X), stage.baseline + np.take(stage._complete()[3], numpy_leaves).sum(axis=1))  # noqa: SLF001


def test_the_compiled_walk_fits_small_trees_and_refuses_bad_buffers():
    X = np.array([[0.0], [1.0], [2.0], [3.0]] * 20)
    y = np.array([0, 0, 1, 1] * 20)
    trees = Trees.fit(X, y, trees=5, max_depth=2)
    numpy_leaves, c_leaves = _both(trees, X)
    assert np.array_equal(numpy_leaves, c_leaves)
    feature, threshold, missing_right, _, _ = trees._complete()  # noqa: SLF001
    with pytest.raises(ValueError, match="expected"):
        _native.trees.walk(X[:3], feature.astype(np.int64), threshold, missing_right,
                           np.empty((4, 5), dtype=np.int64), 4, 1, 5, trees.depth)
