"""Issue 18, reliability finding 7: inputs that read as less than they are, a shared ``--out`` and a
shard that links to another index."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from unspin.cli import main

GOOD = "雷军在发布会上说，今年要交付三十万辆小米汽车，明年的目标是再翻一番。"


def _rows(n: int) -> bytes:
    return "".join(json.dumps({"id": f"g{i}", "text": GOOD + f"第{i}条。"}, ensure_ascii=False) + "\n"
                   for i in range(n)).encode("utf-8")


def _rejects(out: Path) -> list[dict]:
    path = Path(str(out).removesuffix(".jsonl") + ".rejects.jsonl")
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("cut", [0.5, 0.97])
def test_a_truncated_zst_file_is_a_corrupt_file_reject(tmp_path, cut):
    zstandard = pytest.importorskip("zstandard")
    data = zstandard.ZstdCompressor().compress(_rows(40))
    src = tmp_path / "in.jsonl.zst"
    src.write_bytes(data[: int(len(data) * cut)])
    out = tmp_path / "o.jsonl"
    main(["scan", str(src), "--out", str(out), "--workers", "1"])
    rejects = _rejects(out)
    assert rejects and rejects[-1]["reason"] == "corrupt_file" and "truncated" in rejects[-1]["detail"]
    whole = tmp_path / "whole.jsonl.zst"  # several frames, read whole
    whole.write_bytes(data + zstandard.ZstdCompressor().compress(_rows(3)))
    assert main(["scan", str(whole), "--out", str(tmp_path / "w.jsonl"), "--workers", "1"]) == 0
    assert len((tmp_path / "w.jsonl").read_text(encoding="utf-8").splitlines()) == 43


@pytest.fixture()
def unlistable(tmp_path, monkeypatch) -> Path:
    """A folder this process cannot list.  Tests run as root, for whom ``chmod 000`` blocks nothing, so
    listing it raises EACCES as it would for any other user."""
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD, encoding="utf-8")
    real = os.scandir

    def scandir(path="."):
        if Path(os.fsdecode(path)).resolve() == folder.resolve():
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    return folder


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err
    assert "cannot list the folder" in err and "Permission denied" in err, err
    return err


def test_an_unreadable_folder_is_an_error_in_scan(tmp_path, unlistable, capsys):
    assert main(["scan", str(unlistable), "--out", str(tmp_path / "o.jsonl"), "--workers", "1"]) == 2
    _one_line(capsys)
    assert not (tmp_path / "o.jsonl").exists()


def test_an_unreadable_folder_is_an_error_in_index_add(tmp_path, unlistable, capsys):
    assert main(["index", "add", str(unlistable), "--index", str(tmp_path / "idx"), "--quiet"]) == 2
    _one_line(capsys)


def test_an_unreadable_folder_is_an_error_in_trace(tmp_path, unlistable, capsys):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text(GOOD, encoding="utf-8")
    assert main(["index", "add", str(tmp_path / "docs"), "--index", str(tmp_path / "idx"), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["trace", str(unlistable), "--index", str(tmp_path / "idx"), "--format", "jsonl"]) == 2
    _one_line(capsys)


def test_a_second_scan_on_the_same_out_is_told_it_is_in_use(tmp_path, capsys, monkeypatch):
    from unspin.scan import run as run_mod

    src = tmp_path / "in.jsonl"
    src.write_bytes(_rows(4))
    out = tmp_path / "o.jsonl"
    real = run_mod._scan_locked
    seen = {}

    def first(opts):  # while the first scan runs, a second one starts on the same --out
        seen["second"] = main(["scan", str(src), "--out", str(out), "--workers", "1"])
        seen["err"] = capsys.readouterr().err
        return real(opts)

    monkeypatch.setattr(run_mod, "_scan_locked", first)
    assert main(["scan", str(src), "--out", str(out), "--workers", "1"]) == 0
    assert seen["second"] == 2 and "is in use by another `unspin scan`" in seen["err"], seen
    assert "Traceback" not in seen["err"]
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4
    assert not Path(str(out) + ".lock").exists()  # the lock goes with the run


def test_a_shard_linked_to_another_index_is_not_written_into(tmp_path, capsys):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(4):
        (docs / f"a{i}.txt").write_text(GOOD + f"第{i}篇。", encoding="utf-8")
    for name in ("mine", "other"):
        assert main(["index", "add", str(docs), "--index", str(tmp_path / name), "--shards", "2", "--quiet"]) == 0
    shard = tmp_path / "mine" / "shard-001"
    before = {f.name: f.read_bytes() for f in (tmp_path / "other" / "shard-001").iterdir()}
    import shutil

    shutil.rmtree(shard)
    shard.symlink_to(tmp_path / "other" / "shard-001")
    more = tmp_path / "more"
    more.mkdir()
    for i in range(4, 12):
        (more / f"b{i}.txt").write_text(GOOD + f"第{i}篇新闻。", encoding="utf-8")
    capsys.readouterr()
    assert main(["index", "add", str(more), "--index", str(tmp_path / "mine"), "--quiet"]) == 4
    err = capsys.readouterr().err
    assert "shard-001" in err and "symbolic link" in err and "Traceback" not in err, err
    assert {f.name: f.read_bytes() for f in (tmp_path / "other" / "shard-001").iterdir()} == before
