"""The CLI contract end to end (subprocess: real exit codes, stdout and stderr)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from unspin.text.script import to_traditional

ROOT = Path(__file__).resolve().parents[1]
SPUN = ROOT / "examples" / "spun.txt"


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("UNSPIN_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "unspin.cli", *args], input=stdin, capture_output=True, env=env, timeout=120
    )


def test_restore_text_keeps_every_unedited_character():
    p = run("restore", str(SPUN), "--format", "json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert set(out) >= {"restored", "spin_probability", "edits"}
    text = SPUN.read_text(encoding="utf-8")
    for e in out["edits"]:
        assert set(e) == {"start", "end", "spun", "original", "confidence", "alternatives"}
        assert text[e["start"] : e["end"]] == e["spun"]
    t = run("restore", str(SPUN))
    assert t.returncode == 0 and t.stdout.decode() == out["restored"]
    assert out["restored"].count("\n") == text.count("\n")


def test_restore_reads_stdin():
    p = run("restore", "-", "--format", "json", stdin=SPUN.read_bytes())
    assert p.returncode == 0 and json.loads(p.stdout)["spin_probability"] > 0.5


def test_detect_table_and_jsonl(tmp_path):
    clean = tmp_path / "clean.txt"
    clean.write_text((ROOT / "examples" / "original.txt").read_text(encoding="utf-8"), encoding="utf-8")
    p = run("detect", str(SPUN), str(clean), "--format", "jsonl")
    assert p.returncode == 0, p.stderr
    recs = [json.loads(line) for line in p.stdout.decode().splitlines()]
    assert [r["path"] for r in recs] == [str(SPUN), str(clean)]
    assert recs[0]["label"] == "spun" and recs[0]["spin_probability"] > recs[1]["spin_probability"]
    assert recs[0]["evidence"] and recs[0]["chars"] == len(SPUN.read_text(encoding="utf-8"))
    t = run("detect", str(SPUN))
    assert t.returncode == 0 and "spun" in t.stdout.decode()


def test_gbk_and_big5_files(tmp_path):
    text = SPUN.read_text(encoding="utf-8")
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(text.encode("gbk"))
    p = run("restore", str(gbk), "--format", "json")
    assert p.returncode == 0 and json.loads(p.stdout)["edits"]
    trad = to_traditional(text)
    big5 = tmp_path / "big5.txt"
    big5.write_bytes(trad.encode("big5", errors="ignore"))
    p = run("restore", str(big5), "--format", "json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    src = big5.read_bytes().decode("big5")
    for e in out["edits"]:
        assert src[e["start"] : e["end"]] == e["spun"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n  ", "empty"),
        (b"hello world, no Chinese here", "no Chinese"),
        (bytes(range(256)) * 4, "binary"),
        (b"\x81\x30\xff\xfe\xfa" * 50, "cannot decode"),
    ],
)
def test_bad_input_gives_one_line_error(tmp_path, content, message):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    for cmd in ("restore", "detect"):
        p = run(cmd, str(f))
        assert p.returncode != 0
        err = p.stderr.decode()
        assert message in err and "Traceback" not in err


def test_missing_file_huge_file_and_bad_model(tmp_path):
    p = run("restore", str(tmp_path / "missing.txt"))
    assert p.returncode != 0 and "no such file" in p.stderr.decode()
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as f:
        f.truncate(100_000_000)
    p = run("detect", str(huge))
    assert p.returncode != 0 and "limit" in p.stderr.decode() and "Traceback" not in p.stderr.decode()
    p = run("restore", str(SPUN), "--model", str(tmp_path))
    assert p.returncode != 0 and "no unspin model" in p.stderr.decode()


def test_keep_and_lexicon_options(tmp_path):
    base = json.loads(run("restore", str(SPUN), "--format", "json").stdout)
    assert base["edits"]
    keep = tmp_path / "keep.txt"
    kept_words = {e["spun"] for e in base["edits"]}
    keep.write_text("\n".join(kept_words), encoding="utf-8")
    kept = json.loads(run("restore", str(SPUN), "--format", "json", "--keep", str(keep)).stdout)
    assert not {e["spun"] for e in kept["edits"]} & kept_words
    answer = json.loads((ROOT / "examples" / "answer.json").read_text(encoding="utf-8"))
    done = {e["spun"] for e in base["edits"]}
    pair = next(a for a in answer if a["spun"] not in done)
    lex = tmp_path / "lex.tsv"
    lex.write_text(f"{pair['spun']}\t{pair['original']}\n", encoding="utf-8")
    more = json.loads(run("restore", str(SPUN), "--format", "json", "--lexicon", str(lex)).stdout)
    assert any(e["spun"] == pair["spun"] and e["original"] == pair["original"] for e in more["edits"])
