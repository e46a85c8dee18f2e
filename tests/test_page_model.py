"""learn-pairs' page classifier: batch evidence that names no pair, fitted on simulated sources,
stored in the model, and the rule kept for models without it (unspin.train.pages, page_model)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from unspin.decode.features import PAIR_FEATURES
from unspin.train.page_model import choose_threshold
from unspin.train.pages import (
    PAGE_FEATURES,
    Batch,
    LearnedPair,
    PairStats,
    best_readings,
    learn_from_pages,
    one_per_original,
    page_features,
    public_if_lineage,
)


def _batch() -> Batch:
    stats = {
        ("本年", "今年"): PairStats([0.9, 0.8], [0.9, 0.8, 0.2], [1.0, 2.0, 3.0], np.ones(len(PAIR_FEATURES)) * 3, 3),
        ("本年", "当年"): PairStats([], [0.1], [-1.0], np.zeros(len(PAIR_FEATURES)), 3),
    }
    return Batch(stats, Counter({"本年": 6, "今年": 1}), Counter({"本年": 3, "今年": 1}), 1000, 4)


def test_page_features_pool_every_occurrence_and_name_no_pair():
    keys, X = page_features(_batch())
    assert keys == [("本年", "今年"), ("本年", "当年")] and X.shape == (2, len(PAGE_FEATURES))
    row = dict(zip(PAGE_FEATURES, X[0], strict=True))
    assert row["delta_mean"] == 2.0 and row["delta_median"] == 2.0
    assert row["log_pages"] == pytest.approx(np.log(3)) and row["best_share"] == pytest.approx(2 / 3)
    assert row["coverage"] == pytest.approx(3 / 6) and row["mean_p"] == pytest.approx(1.9 / 3)
    assert row["original_pages"] == pytest.approx(1 / 4)
    assert row["pair_sum_delta"] == 1.0  # the decoder's features averaged over the 3 pages read
    assert row["freq_shift"] > 0  # 本年 outnumbers 今年 here, unlike in the segmenter's counts
    assert X[1, PAGE_FEATURES.index("delta_mean")] == -1.0


def test_each_spun_word_keeps_its_best_reading_read_on_two_pages():
    keys = [("甲", "乙"), ("甲", "丙"), ("丁", "戊")]
    p = np.array([0.4, 0.7, 0.9])
    assert best_readings(keys, p, np.array([3, 3, 1]), 2).tolist() == [1]  # 丁<-戊 read on one page only
    assert best_readings(keys, p, np.array([3, 1, 2]), 2).tolist() == [2]  # 甲<-丙 on one page: not 甲<-乙 instead
    assert choose_threshold(np.array([0.9, 0.5]), np.array([False, False])) == 1.0  # nothing right: keep nothing


def test_each_original_keeps_the_spun_word_read_on_the_most_pages():
    tool = LearnedPair("经管", "管理", 9, 1.0, 0.8, 1.0, 0.8)
    misread = LearnedPair("治理", "管理", 4, 1.0, 0.9, 1.0, 0.95)
    other = LearnedPair("本年", "今年", 2, 1.0, 0.7, 1.0, 0.7)
    assert sorted(one_per_original([misread, tool, other]), key=lambda p: p.spun) == [other, tool]
    tie = LearnedPair("监管", "管理", 9, 1.0, 0.8, 1.0, 0.9)
    assert one_per_original([tool, tie]) == [tie]  # equal pages: the better score


def test_public_pairs_are_learned_only_from_a_tool_of_their_lineage():
    other = [LearnedPair("计谋", "策略", 5, 1.0, 0.8, 1.0, 0.9), LearnedPair("鼎新", "改革", 5, 1.0, 0.8, 1.0, 0.9),
             LearnedPair("轨制", "制度", 5, 1.0, 0.8, 1.0, 0.9)]
    assert [p.spun for p in public_if_lineage(other, [True, False, False])] == ["鼎新", "轨制"]
    assert public_if_lineage(other, [True, True, False]) == other  # mostly public: the table's own lineage
    assert public_if_lineage(other[:2], [True, False]) == [other[1]]  # a tie is no majority
    assert public_if_lineage([], []) == []


@pytest.mark.slow
def test_the_page_classifier_is_fitted_stored_and_used(model, heldout_docs, tmp_path):
    import shutil

    from unspin.lexicon import public
    from unspin.model import load_model
    from unspin.spin import choose_table, spin
    from unspin.train.page_model import train_page_model, write_page_model

    trees, threshold, meta = train_page_model(model, tools=3, pages=12, progress=lambda m: None)
    assert 0.0 < threshold <= 1.0 and meta["tools"] == 3 and meta["validation"]["kept"] >= 0
    folder = tmp_path / "m"
    shutil.copytree(model.path, folder)
    write_page_model(folder, trees, threshold, meta)
    saved = load_model(folder)  # checksums hold, the pair classifiers are kept
    assert saved.pair_pages is not None and saved.settings["page_threshold"] == pytest.approx(threshold)
    X = np.random.default_rng(0).normal(size=(5, len(PAGE_FEATURES)))
    assert np.allclose(saved.pair_pages.predict(X), trees.predict(X))
    for stage in ("pair_stage1", "pair_stage2"):
        old, new = getattr(model, stage), getattr(saved, stage)
        assert np.array_equal(old.threshold, new.threshold) and np.array_equal(old.value, new.value)
    table = choose_table(public.table("heldout"), seed=5)
    pages = [spin(d, table, 0.9, i, "chars").text for i, d in enumerate(heldout_docs[:10])]
    learned = learn_from_pages(pages, saved)
    assert learned and all(p.score is not None and p.score >= threshold and p.pages >= 2 for p in learned)
    ruled = learn_from_pages(pages, replace(saved, pair_pages=None))  # a model without it keeps the rule
    assert all(p.score is None for p in ruled)


def test_pages_only_with_too_little_text_is_a_one_line_error(tmp_path, capsys, heldout_docs):
    import json

    from unspin.cli import main

    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps({"text": d}, ensure_ascii=False) + "\n" for d in heldout_docs[:5]),
                      encoding="utf-8")
    assert main(["train", "--pages-only", "--corpus", str(corpus), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "too little text for the page classifier" in err and "Traceback" not in err
