"""The context-fit channel feature (issue 15): word vectors in the model folder, and a score that
says how much better a candidate original fits the words around the spun word."""

from __future__ import annotations

import numpy as np
import pytest

from unspin.lexicon.vectors import WINDOW, ContextVectors

WORDS = ["汽车", "万辆", "工厂", "交付", "交给", "朋友", "孩子"]
CARS, PEOPLE = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])


def _vectors() -> ContextVectors:
    rows = [CARS, CARS + [0, 0, 0.2], CARS + [0, 0.1, 0], CARS + [0, 0.3, 0], PEOPLE + [0.3, 0, 0], PEOPLE, PEOPLE]
    return ContextVectors(WORDS, np.array(rows, dtype=np.float32))


def test_the_original_that_fits_the_context_scores_above_the_spun_word():
    v = _vectors()
    cars = ["今年", "要", "交给", "三十", "万辆", "汽车", "，", "工厂", "已经", "投产"]
    people = ["他", "把", "交给", "了", "朋友", "和", "孩子"]
    fit = v.context_fit(cars, [[2]], ["交给"], ["交付", "朋友"], np.array([0, 0]))
    assert fit[0] > 0.5 and fit[1] < 0  # 交付 fits among cars, 朋友 does not
    assert v.context_fit(people, [[2]], ["交给"], ["交付"], np.array([0]))[0] < 0  # handing to people: 交给 fits


def test_pairs_pool_the_positions_of_their_word_and_unknown_words_score_zero():
    v = _vectors()
    words = ["交给", "汽车", *["的"] * (2 * WINDOW + 2), "交给", "朋友"]
    both = v.context_fit(words, [[0, len(words) - 2]], ["交给"], ["交付"], np.array([0]))[0]
    first = v.context_fit(words, [[0]], ["交给"], ["交付"], np.array([0]))[0]
    last = v.context_fit(words, [[len(words) - 2]], ["交给"], ["交付"], np.array([0]))[0]
    assert both == pytest.approx((first + last) / 2)  # the mean over occurrences: no context is shared
    assert v.context_fit(words, [[0]], ["交给"], ["未知词"], np.array([0]))[0] == 0.0
    assert v.context_fit(["交给"], [[0]], ["交给"], ["交付"], np.array([0]))[0] == 0.0  # no context at all


def test_vectors_survive_the_model_folder_as_int8_and_a_bad_file_is_refused(tmp_path):
    v = _vectors()
    v.save(tmp_path / "vectors.npz")
    back = ContextVectors.load(tmp_path / "vectors.npz")
    assert back.words == WORDS and np.abs(back.mat - v.mat).max() < 0.01
    np.savez(tmp_path / "bad.npz", words=np.frombuffer("汽车".encode(), dtype=np.uint8),
             vectors=np.zeros((3, 2), dtype=np.int8))
    with pytest.raises(ValueError, match="vectors for 1 words"):
        ContextVectors.load(tmp_path / "bad.npz")
