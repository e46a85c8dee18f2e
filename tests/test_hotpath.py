"""The decoder's array hot path equals the straightforward reference (tests/hotpath_reference.py) to the bit."""

from __future__ import annotations

import numpy as np
import pytest
from hotpath_reference import reference_path

from unspin.decode.document import analyse
from unspin.lexicon import Lexicon, Source, public
from unspin.spin import choose_table, spin


def _dump(a):
    return (a.spin_probability, a.doc_features, a.pos_delta, a.public, a.preferred, a.originals, a.context,
            [(h.spun, h.candidate, h.positions, h.deltas, h.features.tolist(), h.p1, h.p2)
             for hs in a.pairs.values() for h in hs])


@pytest.fixture(scope="module")
def texts(heldout_docs):
    known, whole = public.table("known"), public.table("all")
    return [
        heldout_docs[0],
        spin(heldout_docs[1], choose_table(known, seed=1), 0.8, seed=1, mode="chars").text,  # dense: second pass
        spin(heldout_docs[2], choose_table(whole, seed=2), 0.5, seed=2, mode="chars").text,
        "雷军:本年要交给30万辆小米轿车",
        "首页 | 新闻\n" + spin(heldout_docs[3], choose_table(known, seed=3), 1.0, seed=3, mode="chars").text,
    ]


@pytest.mark.parametrize("verdict_only", [False, True])
def test_array_path_equals_reference(model, texts, verdict_only):
    for text in texts:
        fast = _dump(analyse(text, model, verdict_only=verdict_only))
        with reference_path():
            ref = _dump(analyse(text, model, verdict_only=verdict_only))
        assert fast == ref


def test_array_path_equals_reference_with_user_lexicon_and_keep(model, texts):
    lex = Lexicon()
    lex.add("本年", "今年", Source.USER | Source.TABLE)
    lex.add("轿车", "汽车", Source.USER)
    for text in texts:
        keep = frozenset({text[5:7]})
        fast = _dump(analyse(text, model, keep, lex))
        with reference_path():
            ref = _dump(analyse(text, model, keep, lex))
        assert fast == ref


def test_tree_layout_equals_node_walk(model):
    rng = np.random.default_rng(0)
    for trees in (model.pair_stage1, model.pair_stage2):
        width = int(trees.feature.max()) + 1
        for n in (1, 7, 300):
            X = rng.normal(0, 3, size=(n, width))
            X[::5, 1] = np.nan  # missing values take each node's missing-value branch
            assert np.array_equal(trees._raw(X), trees._raw_nodes(X))


def test_sentences_masked_once_equal_sentences_masked_alone(heldout_docs):
    """trace's sentences read their anchors from one mask of the whole text: the same shingles as
    masking each sentence alone (Traditional text, and text without sentence breaks, too)."""
    from unspin.text.script import to_simplified, to_traditional
    from unspin.trace.align import _SENTENCE, Sentence, sentences
    from unspin.trace.fingerprint import default_fingerprinter, shingle_ids

    fp, _ = default_fingerprinter()

    def alone(text):
        out = []
        for m in _SENTENCE.finditer(to_simplified(text)):
            s = m.group()
            if s.strip():
                out.append(Sentence(m.start(), m.end(),
                                    frozenset(shingle_ids(fp.anchor_text(s, simplified=True), fp.k).tolist()),
                                    frozenset(fp.raw_shingles(s, simplified=True).tolist())))
        return out

    texts = [*heldout_docs, to_traditional(heldout_docs[0]), heldout_docs[1].replace("。", "，"), "甲乙丙。丁戊！", ""]
    for t in texts:
        assert sentences(t, fp) == alone(t)
