"""A scan killed mid-way resumes: finished shards are skipped, no record is lost or doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import start_interruptible
from scan_data import build_index, docs, read_jsonl, write_jsonl

CLI = [sys.executable, "-c", "import sys; from unspin.cli import main; sys.exit(main())", "scan"]


def _start(args: list[str]) -> subprocess.Popen:
    """The scan in its own process group, Ctrl-C handled as in a terminal (:func:`start_interruptible`)."""
    return start_interruptible(CLI + args)


def _wait_for_shards(parts: Path, n: int, proc: subprocess.Popen, timeout: float = 60) -> int:
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        done = len(list(parts.glob("*.done.json")))
        if done >= n:
            return done
        time.sleep(0.02)
    pytest.fail(f"run ended or stalled before {n} shards were done: {proc.poll()}")


@pytest.mark.parametrize(("sig", "index"), [(signal.SIGKILL, False), (signal.SIGINT, False), (signal.SIGKILL, True)])
def test_killed_run_resumes_without_duplicates_or_losses(tmp_path, sig, index):
    d = docs(120, length=200)
    rows = [{"id": i, "text": t} for i, t in d]
    rows[7] = {"id": "bad"}  # one reject, to check rejects are not doubled either
    src = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    args = [str(src), "--out", str(out), "--workers", "2", "--shard-size", "4", "--summary-json",
            str(tmp_path / "s.json")]
    if index:  # a fresh index (no write-ahead log yet): the killed run's read-only open must not look like a change
        archived = [(f"src-{i}", t, {"title": i}) for i, t in d[0:120:12]]
        args += ["--index", build_index(tmp_path / "archive", archived)]
    proc = _start(args)
    _wait_for_shards(tmp_path / "out.jsonl.parts", 3, proc)
    os.killpg(proc.pid, sig)
    code = proc.wait(30)
    assert not out.exists()
    if sig == signal.SIGINT:
        assert code == 130 and "rerun the same command" in proc.stderr.read()
    done_before = len(list((tmp_path / "out.jsonl.parts").glob("*.done.json")))
    assert 3 <= done_before < 30, "the kill came too late to test a resume"

    again = subprocess.run(CLI + args, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    ids = [r["id"] for r in read_jsonl(out)]
    assert ids == [r["id"] for r in rows if r["id"] != "bad"]  # all, once, in input order
    assert [r["id"] for r in read_jsonl(tmp_path / "out.rejects.jsonl")] == ["bad"]
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["documents"] == 119 and summary["rejected"] == 1
    assert summary["resumed_shards"] == done_before and summary["run_documents"] < 119
    if index:  # every archived text is found, in resumed and redone shards alike
        found = {r["id"]: r["origin"]["meta"]["title"] for r in read_jsonl(out) if r["origin"]}
        assert found == {i: i for i, _ in d[0:120:12]} and summary["origins"] == 10
    assert not (tmp_path / "out.jsonl.parts").exists()


def test_resume_with_other_options_is_refused(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in docs(2)])
    (tmp_path / "out.jsonl.parts").mkdir()
    (tmp_path / "out.jsonl.parts" / "manifest.json").write_text('{"other": 1}')
    res = subprocess.run(CLI + [str(src), "--out", str(tmp_path / "out.jsonl")], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 2 and "--overwrite" in res.stderr and "Traceback" not in res.stderr
