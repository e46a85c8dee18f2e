"""Input decoding, script handling and segmentation."""

from __future__ import annotations

import pytest

from unspin.errors import InputError
from unspin.text.decode import check_text, decode_bytes, read_input
from unspin.text.script import Script, to_simplified, to_traditional
from unspin.text.segment import tokenize

TEXT = "市教育局昨天召开新闻发布会，宣布今年将新建二十所公立幼儿园。"


@pytest.mark.parametrize("enc", ["utf-8", "gb18030", "gbk", "big5", "utf-16"])
def test_decode_detects_encodings(enc):
    text = to_traditional(TEXT) if enc == "big5" else TEXT
    assert decode_bytes(text.encode(enc)) == text


def test_decode_explicit_encoding_error():
    with pytest.raises(InputError, match="cannot decode"):
        decode_bytes(TEXT.encode("gbk"), encoding="utf-8")


def test_binary_rejected():
    with pytest.raises(InputError, match="binary"):
        decode_bytes(bytes(range(256)) * 10)


@pytest.mark.parametrize("bad", ["", "   \n\t ", "only latin text, no hanzi 123"])
def test_empty_and_non_chinese_rejected(bad):
    with pytest.raises(InputError):
        check_text(bad)


def test_too_large_rejected(tmp_path):
    p = tmp_path / "big.txt"
    p.write_text("中" * 2000, encoding="utf-8")
    with pytest.raises(InputError, match="over the limit"):
        read_input(p, max_bytes=1000)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_input(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="folder"):
        read_input(tmp_path)


def test_traditional_roundtrip_keeps_length():
    trad = to_traditional(TEXT)
    assert trad != TEXT and len(trad) == len(TEXT)
    assert to_simplified(trad) == TEXT
    assert Script.of(trad).traditional and not Script.of(TEXT).traditional


def test_tokens_cover_text_exactly():
    text = "今年要交付 30万辆\n小米汽车。"
    toks = tokenize(text)
    assert "".join(t.word for t in toks) == text
    assert all(text[t.start : t.end] == t.word for t in toks)
