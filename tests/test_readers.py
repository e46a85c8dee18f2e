"""One reader module (issue 18, finding 7's "three document readers"): ``unspin.readers`` reads for
``scan``/``dedup``, ``index add``/``trace --queries``, ``train``/``eval`` and ``learn-pairs --pages``,
with one rule for compressed, truncated and undecodable input."""

from __future__ import annotations

import gzip
import importlib
import json
from pathlib import Path

import pytest

from unspin import readers
from unspin.cli import main

GOOD = "雷军在发布会上说，今年要交付三十万辆小米汽车，明年的目标是再翻一番。"


def _rows(n: int) -> bytes:
    return "".join(json.dumps({"id": f"g{i}", "text": GOOD + f"第{i}条。", "title": f"标题{i}"},
                              ensure_ascii=False) + "\n" for i in range(n)).encode("utf-8")


def test_every_user_reads_through_the_one_module():
    from unspin.scan import readers as scan_readers
    from unspin.train import corpora

    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("unspin.trace.readers")
    assert corpora.read_corpus is readers.read_corpus
    assert scan_readers.input_kind is readers.input_kind and scan_readers.input_size is readers.input_size
    src = Path(readers.__file__).read_text(encoding="utf-8")
    assert "import unspin.scan" not in src and "from unspin.scan" not in src and "from unspin.trace" not in src
    from unspin.trace.index import MAX_DOC_CHARS

    assert readers.MAX_DOCUMENT_BYTES == 4 * MAX_DOC_CHARS


def test_scan_reads_its_own_records_with_the_same_rejects(tmp_path):
    from unspin.scan.readers import read
    from unspin.scan.record import Doc

    src = tmp_path / "in.jsonl"
    src.write_bytes(_rows(2) + b'[1, 2]\n{"id": "x"}\n{"id": "y", "text": 5}\n{"id": "z", "text": "\\ud800"}\n{bad\n')
    docs = list(read(str(src)))
    assert all(type(d) is Doc for d in docs)
    assert [(d.id, d.reject) for d in docs] == [
        ("g0", None), ("g1", None), (f"{src}:3", "invalid_json"), ("x", "missing_field"), ("y", "not_string"),
        (f"{src}:6", "undecodable"), (f"{src}:7", "invalid_json")]
    assert docs[0].record["title"] == "标题0" and docs[0].text.startswith(GOOD)
    assert [(i.id, i.reject) for i in readers.read(str(src))] == [(d.id, d.reject) for d in docs]  # neutral items


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".jsonl.zst"])
def test_compressed_and_truncated_inputs_read_alike_in_every_reader(tmp_path, suffix):
    if suffix.endswith(".zst"):
        zstandard = pytest.importorskip("zstandard")
        compress = zstandard.ZstdCompressor().compress
    else:
        compress = gzip.compress
    data = compress(_rows(30))
    whole, cut = tmp_path / ("whole" + suffix), tmp_path / ("cut" + suffix)
    whole.write_bytes(data)
    cut.write_bytes(data[: len(data) // 2])

    records = list(readers.read_documents([whole]))
    assert [r.id for r in records] == [f"g{i}" for i in range(30)] and records[4].meta == {"title": "标题4"}
    assert len(list(readers.read_corpus([whole]))) == 30
    assert len([i for i in readers.read(str(whole)) if i.reject is None]) == 30

    last = list(readers.read_documents([cut]))[-1]  # a truncated file is never read as a shorter one
    assert last.text is None and "cannot read" in last.problem
    assert list(readers.read(str(cut)))[-1].reject == "corrupt_file"
    with pytest.warns(UserWarning, match="skipping corpus file"):
        assert list(readers.read_corpus([cut])) == []


def test_index_add_takes_a_zst_archive_and_reports_a_truncated_one(tmp_path, capsys):
    zstandard = pytest.importorskip("zstandard")
    data = zstandard.ZstdCompressor().compress(_rows(12))
    (tmp_path / "a.jsonl.zst").write_bytes(data)
    idx = str(tmp_path / "idx")
    assert main(["index", "add", str(tmp_path / "a.jsonl.zst"), "--index", idx, "--quiet"]) == 0
    assert "added 12," in capsys.readouterr().out
    (tmp_path / "b.jsonl.zst").write_bytes(data[:-7])
    assert main(["index", "add", str(tmp_path / "b.jsonl.zst"), "--index", idx, "--quiet"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_encodings_are_detected_for_text_files(tmp_path):
    (tmp_path / "gbk.txt").write_bytes(GOOD.encode("gbk"))
    (tmp_path / "big5.txt").write_bytes("今年要交付三十萬輛汽車，明年還要更多。".encode("big5"))
    docs = {r.id: r.text for r in readers.read_documents([tmp_path])}
    assert docs["gbk.txt"] == GOOD and docs["big5.txt"].startswith("今年要交付三十萬輛")
    assert sorted(readers.read_corpus([tmp_path])) == sorted(docs.values())
    assert sorted(readers.read_pages([str(tmp_path)])) == sorted(docs.values())


def test_index_add_reads_json_lines_from_standard_input(tmp_path, monkeypatch, capsys):
    import io
    import sys

    data = _rows(3) + b'{"id": "x"}\nnot json\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    assert main(["index", "add", "-", "--index", str(tmp_path / "idx"), "--quiet"]) == 2  # bad lines: exit 2
    out, err = capsys.readouterr()
    assert "added 3," in out and "index has 3 documents" in out
    assert "skipped x:" in err
    assert "skipped stdin:5:" in err  # a bad line is named by its line number on standard input
