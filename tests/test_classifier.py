"""The pair classifier's trees: fitted by scikit-learn, read into plain arrays."""

from __future__ import annotations

import numpy as np
import pytest

from unspin.train.classifier import Trees


def test_fitted_trees_predict_without_scikit_learn_objects():
    X = np.array([[0.0], [1.0], [2.0], [3.0]] * 20)
    y = np.array([0, 0, 1, 1] * 20)
    trees = Trees.fit(X, y)
    p = trees.predict(np.array([[3.0], [0.0]]))
    assert p[0] > 0.5 > p[1]
    arrays = trees.to_dict()
    assert isinstance(arrays["feature"], np.ndarray) and arrays["feature"].dtype == np.int32


def test_a_booster_whose_trees_cannot_be_read_fails_with_one_line():
    class Other:  # a future scikit-learn without the node arrays
        _predictors = []

    with pytest.raises(RuntimeError, match="boosted trees cannot be read"):
        Trees.from_sklearn(Other())
