"""Issue 15: spinners nobody taught us — glosses, the meaning guard, families, learning from pages."""

from __future__ import annotations

import pytest

import unspin
from unspin.lexicon import Source
from unspin.lexicon.guard import Guard


def test_gloss_senses_drop_classifiers_and_cross_references():
    from unspin.lexicon.gloss import normalise_sense

    assert normalise_sense("CL:輛|辆[liang4]") == []
    assert normalise_sense("variant of 交付") == []
    assert normalise_sense("to hand over (sth)") == ["hand over"]
    assert normalise_sense("car or bus") == ["car", "bus"]


def test_gloss_pivot_finds_a_round_trip_and_shared_meaning():
    from unspin.lexicon.gloss import glosses

    g = glosses()
    for spun, original in [("交给", "交付"), ("轿车", "汽车"), ("或许", "可能"), ("职工", "员工"), ("时刻", "时间")]:
        assert g.shared(spun, original) > 0, (spun, original)
        assert original in g.pivot(spun)
    assert not g.overlap("城市", "乡村") and not g.overlap("朋友", "冤家")


def test_guard_reads_contrast_characters_and_listed_antonyms_both_ways(tmp_path):
    g = Guard(frozenset({("上", "下"), ("下", "上")}), frozenset({("朋友", "冤家"), ("冤家", "朋友")}))
    assert g.reverses("下面", "上面") and g.reverses("上面", "下面")
    assert g.reverses("冤家", "朋友")
    assert not g.reverses("上下", "下上")  # two contrast swaps in one word: not a one-character reversal
    assert not g.reverses("今年", "本年")
    g.save(tmp_path / "g.tsv.gz")
    assert Guard.load(tmp_path / "g.tsv.gz") == g


def test_guard_keeps_doubtful_pairs_apart_from_reversals(tmp_path):
    g = Guard(frozenset(), frozenset({("增加", "减少"), ("减少", "增加")}), frozenset({("朋友", "冤家"), ("冤家", "朋友")}))
    assert g.reverses("减少", "增加") and not g.doubtful("减少", "增加")
    assert g.doubtful("冤家", "朋友") and not g.reverses("冤家", "朋友")
    g.save(tmp_path / "g.tsv.gz")
    assert Guard.load(tmp_path / "g.tsv.gz") == g


def _wordnet(folder):
    """A two-synset WordNet: increase <-> decrease (verbs), nothing else."""
    folder.mkdir()
    (folder / "data.verb").write_text(
        "  1 This software and database is being provided\n"
        "00001 30 v 02 increase 0 grow 0 001 ! 00002 v 0101 | become bigger\n"
        "00002 30 v 01 decrease 0 001 ! 00001 v 0101 | become smaller\n", encoding="latin-1")
    for name in ("noun", "adj", "adv"):
        (folder / f"data.{name}").write_text("  1 licence\n", encoding="latin-1")
    return folder


def test_wordnet_antonyms_are_read_lemma_to_lemma_both_ways(tmp_path):
    from unspin.lexicon.wordnet import read_antonyms

    assert read_antonyms(_wordnet(tmp_path / "wn")) == {("increase", "decrease"), ("decrease", "increase")}


def test_missing_wordnet_says_how_to_install_it(tmp_path, monkeypatch):
    from unspin.errors import ModelError
    from unspin.lexicon.wordnet import find_wordnet

    monkeypatch.setenv("UNSPIN_WORDNET", str(tmp_path / "nowhere"))
    with pytest.raises(ModelError, match="wordnet-base"):
        find_wordnet()


def test_glossed_opposites_pair_words_whose_senses_wordnet_opposes():
    from unspin.lexicon.guard import gloss_antonyms

    pairs = gloss_antonyms(frozenset({("increase", "decrease"), ("decrease", "increase")}))
    assert ("增加", "减少") in pairs and ("减少", "增加") in pairs
    assert ("增加", "增长") not in pairs  # both "increase": a synonym, never an opposite
    assert all(len(a) >= 2 and len(b) >= 2 for a, b in pairs)  # single characters are too ambiguous


def test_guard_file_refuses_a_foreign_line(tmp_path):
    import gzip

    p = tmp_path / "g.tsv.gz"
    p.write_bytes(gzip.compress("char\t上\n".encode()))
    with pytest.raises(ValueError, match="not a guard line"):
        Guard.load(p)


def test_built_guard_is_derived_from_the_dictionaries():
    from unspin.lexicon.guard import build_guard

    g = build_guard()
    for a, b in [("下面", "上面"), ("南方", "北方"), ("外面", "里面"), ("直接", "间接"), ("优势", "劣势")]:
        assert g.reverses(a, b), (a, b)
    for a, b in [("增加", "减少"), ("买入", "卖出"), ("提高", "降低"), ("战争", "和平"), ("失业", "就业")]:
        assert g.reverses(a, b), (a, b)  # glossed opposites (WordNet through CC-CEDICT)
    for a, b in [("今年", "本年"), ("交付", "交给"), ("汽车", "轿车"), ("时间", "时刻"), ("员工", "职工")]:
        assert not g.reverses(a, b) and not g.doubtful(a, b), (a, b)
    assert g.doubtful("冤家", "朋友") and not g.reverses("冤家", "朋友")  # Cilin files them as synonyms


def test_shipped_model_has_no_reversing_candidate_and_marks_doubtful_pairs(model):
    from unspin.decode.candidates import candidates_of

    assert model.guard.chars and model.guard.words
    for spun, original in [("上面", "下面"), ("北方", "南方"), ("里面", "外面"), ("减少", "增加"), ("和平", "战争")]:
        assert original not in {c.word for c in model.lexicon.candidates(spun)}
    for spun, original in [("乡村", "城市"), ("冤家", "朋友")]:
        doubtful = [c for c in model.lexicon.candidates(spun) if c.word == original]
        assert not doubtful or doubtful[0].sources & Source.DOUBTFUL
    assert model.guard.doubtful("冤家", "朋友")
    assert "汽车" in {c.word for c in candidates_of(model, "轿车")}  # a gloss candidate beyond the tables


def test_a_doubtful_pair_needs_proof_even_in_a_spun_document():
    from unspin.decode.channel import PairEvidence
    from unspin.decode.decision import passes_guard
    from unspin.lexicon import Candidate

    weak = PairEvidence("乡村", Candidate("城市", int(Source.PUBLIC | Source.DOUBTFUL), 1.0), [1, 5], [0.4, 2.0], p2=0.9)
    strong = PairEvidence("乡村", Candidate("城市", int(Source.PUBLIC | Source.DOUBTFUL), 1.0), [1], [2.0], p2=0.99)
    plain = PairEvidence("轿车", Candidate("汽车", int(Source.GLOSS), 1.0), [1], [0.4], p2=0.9)
    assert not passes_guard(weak, 0.6) and passes_guard(strong, 0.6) and passes_guard(plain, 0.6)


def test_natural_text_with_antonym_traps_keeps_its_words(model):
    text = ("随着城镇化的推进，越来越多的年轻人从城市回到乡村创业。当前，乡村振兴需要人才，"
            "以后还要加大投入。家庭收入增加了，支出也在增加。南方的雨水多，北方的风大，"
            "外面很冷，里面很暖和。") * 2
    r = unspin.restore(text, model=model)
    assert not [e for e in r.edits if model.guard.reverses(e.spun, e.original)]
    assert not [e for e in r.edits if (e.spun, e.original) in {("乡村", "城市"), ("当前", "以后"), ("支出", "收入")}]


def test_family_spinners_make_the_swaps_they_claim():
    from unspin.evaluate import round_trip_table
    from unspin.spin import choose_table, spin

    rt = round_trip_table()
    assert "轿车" in rt["汽车"]
    s = spin("今年要交付三十万辆汽车。", choose_table({"汽车": ["轿车"], "交付": ["交给"]}, 1), 1.0, 0)
    assert s.text == "今年要交给三十万辆轿车。" and len(s.swaps) == 2


def test_partial_spin_changes_one_paragraph_only():
    from unspin.evaluate import Spinner, _spin_doc

    doc = "今年要交付汽车。\n今年要交付汽车。\n今年要交付汽车。"
    sp = Spinner("partial", lambda i: {"汽车": "轿车"}, None, "chars", partial=True)
    s = _spin_doc(sp, doc, 0, 1.0, 0)
    assert s.text.split("\n") == ["今年要交付汽车。", "今年要交付轿车。", "今年要交付汽车。"]
    assert [s.text[w.start : w.end] for w in s.swaps] == ["轿车"]


def test_hidden_fold_removes_the_public_prior_of_one_fold_only(model):
    from unspin.lexicon import public
    from unspin.train.build import HIDDEN_FOLDS, hidden_fold

    hidden = hidden_fold(model, 0)
    pairs = [(o, s) for o, s in public.pairs("known")[:3000]
             if any(c.word == o and c.sources & Source.PUBLIC for c in model.lexicon.candidates(s))]
    for orig, spun in pairs[:300]:
        flags = {c.word: c.sources for c in hidden.lexicon.candidates(spun)}.get(orig, 0)
        if public.pair_bucket(orig, spun, HIDDEN_FOLDS) == 0:
            assert not flags & Source.PUBLIC
        else:
            assert flags & Source.PUBLIC


def test_mixed_training_tables_overlap_the_public_table_only_in_part(model):
    import random

    from unspin.lexicon import public
    from unspin.train.build import training_tables

    known = {o: set(s) for o, s in public.table("known").items() if len(o) >= 2}
    shares = {"public": [], "mixed": []}
    for table, kind in training_tables(model.lexicon, random.Random(3), n_tables=24, families=("public", "mixed")):
        shares[kind].append(sum(s in known.get(o, ()) for o, s in table.items()) / len(known))
    assert min(shares["public"]) >= 0.5  # a public-lineage tool replaces most of what it knows
    assert min(shares["mixed"]) < 0.4 < max(shares["mixed"])  # a real tool shares only part of the table


def test_channel_features_carry_gloss_and_part_of_speech(model):
    from unspin.decode.document import analyse
    from unspin.decode.features import PAIR_FEATURES

    a = analyse("雷军说，本年要交给三十万辆小米轿车，时刻表已经定了。", model)
    rows = {(h.spun, h.candidate.word): h.features for hs in a.pairs.values() for h in hs}
    assert ("轿车", "汽车") in rows
    f = dict(zip(PAIR_FEATURES, rows[("轿车", "汽车")], strict=True))
    assert f["gloss"] == 1.0 and f["same_pos"] == 1.0


def test_context_fit_reads_the_words_around_the_spun_word(model):
    """The shipped model carries the word vectors: an original that fits the words around it scores
    above the spun word, and a candidate that would not fit (a gloss pivot's 训练 for 火车) below."""
    from unspin.decode.document import analyse
    from unspin.decode.features import CONTEXT_FIT

    assert model.vectors is not None and len(model.vectors) > 50_000

    def fit(text: str, spun: str, original: str) -> float:
        hs = analyse(text, model).pairs.get(spun, [])
        return next(float(h.features[CONTEXT_FIT]) for h in hs if h.candidate.word == original)

    cars = "小米汽车工厂今年交付三十万辆轿车，汽车销量和新能源汽车的产能都在增长。"
    assert fit(cars, "轿车", "汽车") > 0.05  # 汽车 sits closer than 轿车 to 销量, 新能源, 产能
    assert fit(cars, "交付", "交给") < -0.05  # handing cars over to nobody: the natural word fits better
    assert fit("他在车站等了很久，时刻表上的火车一直没有来，乘客们都很着急。", "火车", "训练") < -0.1


@pytest.mark.slow
def test_learning_from_pages_finds_an_unseen_spinners_pairs(model, heldout_docs):
    from unspin.lexicon import public
    from unspin.spin import choose_table, spin
    from unspin.train.pages import as_lexicon, learn_from_pages

    table = choose_table(public.table("heldout"), seed=5)
    pages = [spin(d, table, 0.9, i, "chars").text for i, d in enumerate(heldout_docs[:12])]
    learned = learn_from_pages(pages, model, min_pages=3)
    right = [p for p in learned if table.get(p.original) == p.spun]
    assert right and len(right) >= 0.6 * len(learned)  # 12 short pages; bench_learn_pages measures 100
    lex = as_lexicon(learned)
    assert all(c.sources & Source.LEARNED for w in lex.words() for c in lex.candidates(w))


def test_learn_pairs_from_pages_on_the_command_line(tmp_path, heldout_docs):
    import subprocess
    import sys
    from pathlib import Path

    from unspin.lexicon import public
    from unspin.spin import choose_table, spin

    table = choose_table(public.table("heldout"), seed=5)
    pages = tmp_path / "site"
    pages.mkdir()
    for i, d in enumerate(heldout_docs[:8]):
        (pages / f"{i}.txt").write_text(spin(d, table, 0.9, i, "chars").text, encoding="utf-8")
    (pages / "bad.txt").write_bytes(b"")  # an unreadable page is skipped with a warning, the rest learned
    unspin_cli = [str(Path(sys.executable).with_name("unspin"))]
    out = subprocess.run([*unspin_cli, "learn-pairs", "--pages", str(pages), "--min-pages", "2",
                          "--out", str(tmp_path / "m")], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "pages" in out.stderr and "skipped page" in out.stderr
    lines = [ln.split("\t") for ln in out.stdout.splitlines() if "\t" in ln]
    assert lines and all(len(x) == 3 and int(x[2]) >= 2 for x in lines)
    assert (tmp_path / "m" / "meta.json").is_file()
    none = subprocess.run([*unspin_cli, "learn-pairs", "--out", str(tmp_path / "m2")], capture_output=True, text=True)
    assert none.returncode != 0 and "nothing to learn from" in none.stderr and "Traceback" not in none.stderr


def test_scan_learn_keeps_each_traced_copys_swaps_for_learn_pairs(tmp_path):
    from collections import Counter

    from scan_data import archive, build_index, read_jsonl, spun_copy, write_jsonl

    from unspin.scan import ScanOptions, scan
    from unspin.trace.learn import read_evidence

    a = archive()
    index = build_index(tmp_path / "archive", [(f"art{i}", a[i], {}) for i in (1, 2, 3)])
    src = write_jsonl(tmp_path / "crawl.jsonl", [{"id": f"c{i}", "text": spun_copy(a[i], 0.8, seed=i)} for i in (1, 2)])
    out = tmp_path / "scores.jsonl"
    scan(ScanOptions(inputs=[str(src)], out=str(out), progress=False, workers=1, index=index, learn=True))
    rows = read_jsonl(out)
    subs = [s for r in rows for s in r["origin"]["substitutions"]]
    assert subs and all({"spun", "original", "count"} <= set(s) for s in subs)
    want: Counter = Counter()
    for s in subs:
        want[(s["spun"], s["original"])] += s["count"]
    assert read_evidence([out]) == want
    with pytest.raises(unspin.UnspinError, match="need --index"):
        scan(ScanOptions(inputs=[str(src)], out=str(tmp_path / "x.jsonl"), progress=False, learn=True))
