"""Issue 18, reliability finding 1: a worker process killed (the OOM killer, ``kill -9``) or failing
(a full disk) ends the run with one line and a non-zero exit, within bounded time; a rerun resumes.

Each test runs the real command in a child process and SIGKILLs one of its workers (found with psutil).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

psutil = pytest.importorskip("psutil")

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = [s for s in (ROOT / "examples" / "original.txt").read_text(encoding="utf-8").split("。") if len(s) > 8]
UNSPIN = [sys.executable, "-m", "unspin.cli"]


def _text(i: int) -> str:
    """A distinct article of ~300 characters."""
    n = len(SENTENCES)
    return "。".join(SENTENCES[(i * 7 + k) % n] for k in range(6)) + f"。这是第{i}篇报道，编号{i * 37 % 1000}。"


def _jsonl(path: Path, n: int) -> Path:
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": _text(i)}, ensure_ascii=False) + "\n"
                            for i in range(n)), encoding="utf-8")
    return path


def _workers(proc: subprocess.Popen, timeout: float = 60) -> list:
    """The worker processes of ``proc`` (not multiprocessing's resource tracker), once there are two."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        kids = [c for c in psutil.Process(proc.pid).children(recursive=True)
                if "resource_tracker" not in " ".join(_cmdline(c))]
        if len(kids) >= 2:
            return kids
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("no worker processes started")


def _cmdline(p) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return []


def _ends(proc: subprocess.Popen, timeout: float = 90) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        for c in psutil.Process(proc.pid).children(recursive=True):
            c.kill()
        proc.kill()
        proc.communicate()
        raise AssertionError(f"the command hung for {timeout} s after its worker was killed") from None


def _one_line(err: str) -> None:
    assert "Traceback" not in err and "internal error" not in err, err
    assert "killed by SIGKILL" in err and "hint:" in err, err


def test_scan_ends_when_a_worker_is_killed_and_a_rerun_resumes(tmp_path):
    src = _jsonl(tmp_path / "in.jsonl", 120)
    out = tmp_path / "o.jsonl"
    cmd = [*UNSPIN, "scan", str(src), "--out", str(out), "--workers", "2", "--shard-size", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    end = time.monotonic() + 120
    while not list((tmp_path / "o.jsonl.parts").glob("*.done.json")) and time.monotonic() < end:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    _workers(proc)[0].send_signal(signal.SIGKILL)
    _, err = _ends(proc)
    assert proc.returncode == 1 and "a scan worker process was killed" in err, err
    _one_line(err)
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 120


@pytest.fixture()
def index(tmp_path) -> Path:
    from unspin.cli import main

    idx = tmp_path / "idx"
    assert main(["index", "add", str(_jsonl(tmp_path / "archive.jsonl", 20)), "--index", str(idx), "--quiet"]) == 0
    return idx


def test_trace_queries_end_when_a_worker_is_killed(tmp_path, index):
    queries = _jsonl(tmp_path / "q.jsonl", 600)
    cmd = [*UNSPIN, "trace", "--queries", str(queries), "--index", str(index), "--format", "jsonl", "--workers", "2"]
    # unbuffered bytes: a buffered readline would read ahead lines that communicate() then never sees
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    first = proc.stdout.readline().decode()  # the workers are tracing
    assert first.startswith('{"id": "d0"'), first + proc.communicate()[1].decode()
    _workers(proc)[0].send_signal(signal.SIGKILL)
    out, err = (x.decode() for x in _ends(proc))
    assert proc.returncode == 1 and "a trace worker process was killed" in err, err
    _one_line(err)
    lines = [first, *out.splitlines()]
    ids = [json.loads(x)["id"] for x in lines]
    assert len(lines) < 600 and ids == [f"d{i}" for i in range(len(ids))], ids  # in order, none lost


def test_index_add_shards_ends_when_a_writer_is_killed_and_a_rerun_resumes(tmp_path):
    corpus = _jsonl(tmp_path / "archive.jsonl", 9000)  # still adding after a second (signing got 2.4x faster)
    idx = tmp_path / "idx"
    cmd = [*UNSPIN, "index", "add", str(corpus), "--index", str(idx), "--shards", "2", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    writers = [p for p in _workers(proc) if "spawn" in " ".join(_cmdline(p))]
    time.sleep(1.0)  # the writers are adding
    assert proc.poll() is None, "the add finished before a writer could be killed: give it more documents"
    writers[0].send_signal(signal.SIGKILL)
    _, err = _ends(proc)
    assert proc.returncode == 1 and "was killed by SIGKILL" in err and "writer of shard" in err, err
    _one_line(err)
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "index has 9,000 documents in 2 shards" in again.stdout


FULL_DISK = """
import sqlite3
from unspin.trace import index

_real = index.TraceIndex._add_batch
_calls = [0]

def _add_batch(self, docs, replace, report):  # a writer's first transaction meets a full disk
    _calls[0] += 1
    if _calls[0] >= 1:
        with index._sql_errors(self.path, "write"):
            raise sqlite3.OperationalError("database or disk is full")
    return _real(self, docs, replace, report)

index.TraceIndex._add_batch = _add_batch
"""


def test_index_add_shards_onto_a_full_disk_ends_with_one_line_and_a_rerun_resumes(tmp_path):
    corpus = _jsonl(tmp_path / "archive.jsonl", 3000)
    idx = tmp_path / "idx"
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(FULL_DISK, encoding="utf-8")  # runs in every process, writers too
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")])}
    cmd = [*UNSPIN, "index", "add", str(corpus), "--index", str(idx), "--shards", "2", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    _, err = _ends(proc)
    assert proc.returncode == 4 and "the disk is full" in err and err.count("unspin: error:") == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600)  # space again: it finishes
    assert again.returncode == 0, again.stderr
    assert "index has 3,000 documents in 2 shards" in again.stdout


def test_a_dead_worker_is_named_by_its_signal():
    from unspin.pool import died_message

    assert died_message("a scan worker process", -signal.SIGKILL) == (
        "a scan worker process was killed by SIGKILL (out of memory?) before finishing its part")
    assert died_message("x", 3) == "x stopped with exit code 3 before finishing its part"
    assert os.cpu_count()
