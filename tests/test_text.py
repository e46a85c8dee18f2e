"""Input decoding, script handling and segmentation."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import warnings

import pytest

from unspin.errors import InputError, UnspinWarning
from unspin.text.decode import check_text, clean_text, decode_bytes, read_input
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


# --- stray control characters ---------------------------------------------------------------

CONTROLS = "\x00\x08\x0b\x1b\x7f\x85\x9f"
PAGE = "市教育局昨天召开新闻发布会，宣布今年将新建二十所公立幼儿园。\n" * 20


def _stray(text: str = PAGE) -> str:
    """``text`` with one of each control character scattered in it."""
    cut = len(text) // (len(CONTROLS) + 1)
    return "".join(text[i * cut : (i + 1) * cut] + c for i, c in enumerate(CONTROLS)) + text[len(CONTROLS) * cut :]


def test_stray_controls_are_removed_not_refused():
    data = _stray().encode("utf-8")
    assert decode_bytes(data) == PAGE
    assert decode_bytes(_stray().replace("\x85", "").replace("\x9f", "").encode("gbk")) == PAGE
    assert clean_text("今年\t要\r\n交付\x00") == ("今年\t要\r\n交付", "1 control character")


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 50,
        b"\x89PNG\r\n\x1a\n" + random.Random(1).randbytes(5000),
        TEXT.encode("utf-16-le") * 20,  # no BOM: NULs all over
        ("\x9b" * 20 + TEXT).encode("utf-8") * 20,  # C1 controls after decoding
    ],
)
def test_real_binary_still_refused(data):
    with pytest.raises(InputError, match="binary"):
        decode_bytes(data)


def test_read_input_warns_once_with_the_path(tmp_path):
    p = tmp_path / "page.txt"
    p.write_bytes(_stray().encode("utf-8"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert read_input(p) == PAGE
    assert [str(w.message) for w in caught] == [f"removed {len(CONTROLS)} control characters from {p}"]
    assert caught[0].category is UnspinWarning


@pytest.mark.parametrize(
    ("text", "removed"),
    [
        (TEXT[:5] + "\x00\x1b" + TEXT[5:], "2 control characters"),
        (TEXT + "\ud800", "1 lone surrogate"),
        ("\udfff" + TEXT + "\x7f", "1 control character and 1 lone surrogate"),
    ],
)
def test_api_text_is_cleaned_with_a_warning(text, removed):
    with pytest.warns(UnspinWarning, match=f"removed {removed} from the text"):
        assert check_text(text) == TEXT


def test_surrogate_pairs_are_joined_not_dropped():
    assert clean_text("今年\ud83d\ude00") == ("今年😀", "")


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("UNSPIN_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "unspin.cli", *args], capture_output=True, env=env, timeout=120)


def test_cli_warning_is_one_line(tmp_path, monkeypatch, capsys):
    """The warning line and exit code, with the model stubbed out (fast, model-independent)."""
    from unspin import batch
    from unspin.cli import engine, main

    class Fake:
        threshold = 0.5
        stage = "decoder"

        def detect_record(self, path, evidence):
            return {"spin_probability": 0.1, "label": "original", "chars": 1, "path": path, "evidence": []}

    monkeypatch.setattr(engine, "engine_kwargs", lambda args: {"model": None, "keep": frozenset(), "lexicon": None})
    monkeypatch.setattr(batch, "analyse_many", lambda texts, *a, **kw: [Fake() for _ in texts])
    p = tmp_path / "page.txt"
    p.write_bytes(_stray().encode("utf-8"))
    assert main(["detect", str(p)]) == 0
    assert capsys.readouterr().err == f"unspin: warning: removed {len(CONTROLS)} control characters from {p}\n"


def test_cli_detect_cleans_controls_and_refuses_binary(tmp_path):
    page, png = tmp_path / "page.txt", tmp_path / "image.png"
    page.write_bytes(_stray().encode("utf-8"))
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + random.Random(2).randbytes(5000))
    ok = _run_cli("detect", str(page))
    assert ok.returncode == 0, ok.stderr
    assert ok.stderr.decode() == f"unspin: warning: removed {len(CONTROLS)} control characters from {page}\n"
    bad = _run_cli("detect", str(png))
    assert bad.returncode == 2
    assert len(bad.stderr.decode().splitlines()) == 1 and "binary" in bad.stderr.decode()


def test_cut_equals_jieba(heldout_docs):
    """The segmenter's own DAG walk gives jieba's words (``jieba.cut(HMM=False)``) on real text and on
    mixes of Chinese, Latin letters, digits, symbols and whitespace."""
    from unspin.text.segment import _jieba, cut

    jb = _jieba()
    rng = random.Random(4)
    pieces = ["今年", "要", "交付", "AI", "GPT-4o", "3.14%", " ", "\r\n", "\t", "C++", "e_mail.com", "１２３", "Ａ",
              "a", "9", "。", "，", "不克不及", "新闻联播", "x1y2"]
    texts = list(heldout_docs) + [TEXT, ""]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 30))) for _ in range(300)]
    for t in texts:
        assert cut(t) == list(jb.cut(t, HMM=False))


def test_segmenter_loads_without_pkg_resources_and_leaves_it_importable():
    """jieba is imported with its pkg_resources lookup refused (a slow import, deprecated), and the
    refusal does not outlive the import."""
    code = ("import sys\nfrom unspin.text.segment import tokenize, same_pos\n"
            "words = [t.word for t in tokenize('今年要交付三十万辆汽车')]\n"
            "assert words[:3] == ['今年', '要', '交付'], words\n"
            "same_pos('汽车', '轿车')\n"
            "assert 'pkg_resources' not in sys.modules\n"
            "assert sys.modules.get('pkg_resources', 0) is not None\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
