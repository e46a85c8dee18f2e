"""Pages spun in one part: the training pages that teach it and the density stage 2 reads around a pair."""

from __future__ import annotations

import doctest

from unspin.decode import decision
from unspin.decode.channel import PairEvidence
from unspin.lexicon import Candidate, Lexicon, Source
from unspin.train import build


def test_docstring_examples():
    assert doctest.testmod(decision).failed == 0
    assert doctest.testmod(build).failed == 0


def test_the_density_around_a_pair_sees_a_spun_stretch_that_the_page_dilutes():
    c = Candidate("原词", 0, 1.0)
    stretch = [PairEvidence(f"词{i}", c, [100 + 3 * i], p1=0.9) for i in range(10)]  # one dense paragraph
    lone = PairEvidence("孤词", c, [900], p1=0.9)
    local = decision.local_density([*stretch, lone], 1000)
    assert local[0, 0] > 5 and local[-1, 0] == 0  # dense inside the stretch, nothing around the lone word
    page = decision.density_features([h.p1 for h in [*stretch, lone]], 1000)
    assert local[0, 0] > 5 * page[0]  # the page's own rate is diluted by its natural part


def test_some_training_pages_are_spun_in_one_stretch_only():
    import random

    lex = Lexicon()
    lex.add("本年", "今年", Source.CILIN)
    doc = "".join(f"第{i}段今年的工作今年完成。" for i in range(40))
    for seed in range(20):
        start, end = build.partial_span(doc, random.Random(seed))
        assert doc[end - 1] == "。" and (start == 0 or doc[start - 1] == "。")  # whole sentences
        assert 0.25 * len(doc) <= end - start <= 0.5 * len(doc) + 15 or end == len(doc)
    data = build._labelled([doc] * 40, lex, seed=1, spin_share=1.0, partial_share=1.0, learned_share=0.0,
                           families=("thesaurus",))
    spans = [sorted(key) for _, key, _, _ in data if key]
    assert spans and all(s[-1][1] - s[0][0] < 0.6 * len(doc) for s in spans)  # every page spun in one part
