"""The decoder on real text: held-out People's Daily spun by a Cilin spinner table."""

from __future__ import annotations

import pytest

import unspin
from unspin.evaluate import roc_auc
from unspin.spin import spin
from unspin.text.script import to_traditional


@pytest.fixture(scope="module")
def spun_docs(heldout_docs, cilin_table):
    return [spin(d, cilin_table, r=0.8, seed=i) for i, d in enumerate(heldout_docs)]


@pytest.fixture(scope="module")
def restored(spun_docs, model):
    return [unspin.restore(s.text, model=model) for s in spun_docs]


def test_edits_are_mostly_right(spun_docs, restored):
    tp = fp = gold = 0
    for s, r in zip(spun_docs, restored, strict=True):
        truth = {(w.start, w.end, w.original) for w in s.swaps}
        pred = {(e.start, e.end, e.original) for e in r.edits}
        tp += len(truth & pred)
        fp += len(pred - truth)
        gold += len(truth)
    assert gold > 100
    assert tp / max(tp + fp, 1) >= 0.7, (tp, fp)
    assert tp / gold >= 0.05, (tp, gold)


def test_every_character_outside_edits_is_kept(spun_docs, restored):
    for s, r in zip(spun_docs, restored, strict=True):
        pos = 0
        rebuilt = []
        for e in r.edits:
            assert s.text[e.start : e.end] == e.spun
            assert 0.0 <= e.confidence <= 1.0
            rebuilt += [s.text[pos : e.start], e.original]
            pos = e.end
        rebuilt.append(s.text[pos:])
        assert "".join(rebuilt) == r.restored


def test_one_decision_per_spinner_pair(restored):
    for r in restored:
        chosen: dict[str, set[str]] = {}
        for e in r.edits:
            chosen.setdefault(e.spun, set()).add(e.original)
        assert all(len(v) == 1 for v in chosen.values())


def test_clean_text_is_left_alone(heldout_docs, model):
    chars = sum(len(d) for d in heldout_docs)
    edits = sum(len(unspin.restore(d, model=model).edits) for d in heldout_docs)
    assert edits / chars < 0.005, (edits, chars)


def test_detection_separates_spun_from_clean(spun_docs, restored, heldout_docs, model):
    clean = [unspin.detect(d, model=model).spin_probability for d in heldout_docs]
    spun = [r.spin_probability for r in restored]
    assert roc_auc(spun, clean) >= 0.9
    assert all(0.0 <= p <= 1.0 for p in clean + spun)


def test_traditional_input_keeps_its_script(spun_docs, model):
    s = spun_docs[0]
    trad = to_traditional(s.text)
    r = unspin.restore(trad, model=model)
    simp = unspin.restore(s.text, model=model)
    assert [(e.start, e.end) for e in r.edits] == [(e.start, e.end) for e in simp.edits]
    for e in r.edits:
        assert trad[e.start : e.end] == e.spun
        assert e.original == to_traditional(e.original)
    assert len(r.restored) == len(trad) + sum(len(e.original) - len(e.spun) for e in r.edits)


def test_keep_list_blocks_edits(spun_docs, restored, model):
    i, r = next((i, r) for i, r in enumerate(restored) if r.edits)
    word = r.edits[0].spun
    kept = unspin.restore(spun_docs[i].text, model=model, keep=[word])
    assert word not in {e.spun for e in kept.edits}


def test_user_lexicon_pair_raises_confidence(spun_docs, model):
    s = spun_docs[1]
    before = unspin.restore(s.text, model=model)
    done = {e.spun for e in before.edits}
    swap = next(w for w in s.swaps if w.spun not in done)
    after = unspin.restore(s.text, model=model, lexicon=[(swap.spun, swap.original)])
    got = [e for e in after.edits if e.spun == swap.spun]
    assert got and got[0].original == swap.original
