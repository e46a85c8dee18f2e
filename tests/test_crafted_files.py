"""Crafted model and index files: every field's type and range checked at load, the work per file
bounded, each refused with one line (issue 18, reliability finding 5)."""

from __future__ import annotations

import json
import marshal
import shutil
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from unspin.errors import IndexError_, ModelError
from unspin.model import DEFAULT_MODEL_DIR, FILES, _sha256, load_model

ROOT = Path(__file__).resolve().parents[1]
SPUN = ROOT / "examples" / "spun.txt"
DOCS = [(f"n{i}", f"雷军说今年要交付{i}万辆小米汽车，第{i}批订单已经排到明年，工厂正在扩建新的生产线。") for i in range(6)]


@pytest.fixture()
def model_copy(tmp_path) -> Path:
    dst = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, dst)
    return dst


def _reseal(folder: Path) -> None:
    """Recompute the checksums of meta.json, as an attacker editing a model folder would."""
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta["files"] = {n: _sha256(folder / n) for n in FILES if (folder / n).is_file()}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unspin.cli", *args], capture_output=True, text=True, timeout=timeout)


def _one_line(proc: subprocess.CompletedProcess, code: int, words: str) -> None:
    assert proc.returncode == code, proc.stderr
    err = [line for line in proc.stderr.splitlines() if not line.strip().startswith("hint:")]
    assert len(err) == 1 and words in err[0] and "Traceback" not in proc.stderr, proc.stderr


def test_a_lexicon_bin_whose_key_takes_forever_to_hash_is_refused_at_once(model_copy):
    t: tuple = ()
    for _ in range(64):  # 130 bytes on disk, 2**64 tuples when hashed
        t = (t, t)
    raw = b"{" + marshal.dumps(t) + marshal.dumps(("本年",)) + b"0"  # {t: ...}: marshal.loads hashes the key
    (model_copy / "lexicon.bin").write_bytes(zlib.compress(raw))
    _reseal(model_copy)
    _one_line(_cli("detect", str(SPUN), "--model", str(model_copy), timeout=60), 3, "lexicon.bin does not hold a lexicon")
    shared = b"{" + marshal.dumps("本年") + marshal.dumps(((t,), (1,), (1.0,))) + b"0"  # nested in a value
    (model_copy / "lexicon.bin").write_bytes(zlib.compress(shared))
    _reseal(model_copy)
    with pytest.raises(ModelError, match="lexicon.bin does not hold a lexicon"):
        load_model(model_copy)


@pytest.mark.parametrize("change, words", [
    (lambda a: a.__setitem__("stage1.feature", np.where(a["stage1.feature"] >= 0, 999, -1).astype(np.int32)),
     "splits on feature 999, out of range"),
    (lambda a: a.__setitem__("stage2.roots", np.zeros(20_000_000, dtype=np.int32)), "20,000,000 trees"),
    (lambda a: a.__setitem__("stage1.value", np.full_like(a["stage1.value"], np.inf)), "not a finite number"),
])
def test_crafted_trees_are_refused(model_copy, change, words):
    with np.load(model_copy / "pairs.npz") as z:
        arrays = dict(z)
    change(arrays)
    np.savez_compressed(model_copy / "pairs.npz", **arrays)
    _reseal(model_copy)
    with pytest.raises(ModelError, match="pairs.npz is corrupt") as exc:
        load_model(model_copy)
    assert words in str(exc.value)


@pytest.mark.parametrize("field, value, words", [
    ("doc", lambda d: {**d, "scale": [0.0] * len(d["scale"])}, "scales must be at least"),
    ("doc", lambda d: {**d, "coef": d["coef"] + [1.0], "mean": d["mean"] + [0.0], "scale": d["scale"] + [1.0]},
     "expected 11"),
    ("doc", lambda d: {**d, "bias": "1"}, "bias"),
    ("settings", lambda s: {**s, "edit_threshold": "abc"}, "setting edit_threshold = 'abc' is not a valid"),
    ("settings", lambda s: {**s, "max_candidates": 10**9}, "setting max_candidates"),
    ("settings", lambda s: {**s, "context_pass": [0.6]}, "setting context_pass = list"),
    ("settings", lambda s: {**s, "corpus_weight": float("nan")}, "setting corpus_weight"),
])
def test_crafted_meta_fields_are_refused_at_load(model_copy, field, value, words):
    meta = json.loads((model_copy / "meta.json").read_text(encoding="utf-8"))
    meta[field] = value(meta[field])
    (model_copy / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError) as exc:
        load_model(model_copy)
    assert words in str(exc.value)


def test_a_model_with_zero_scales_is_one_line_in_the_cli(model_copy):
    meta = json.loads((model_copy / "meta.json").read_text(encoding="utf-8"))
    meta["doc"]["scale"] = [0.0] * len(meta["doc"]["scale"])
    (model_copy / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    _one_line(_cli("detect", str(SPUN), "--model", str(model_copy)), 3, "scales must be at least")


# -- indexes ---------------------------------------------------------------------------------------


@pytest.fixture()
def small_index(tmp_path) -> Path:
    from unspin.trace.fingerprint import Fingerprinter
    from unspin.trace.index import TraceIndex

    ix = TraceIndex.create(tmp_path / "ix", Fingerprinter(frozenset({"今年", "交付"})))
    ix.add(DOCS)
    ix.close()
    return tmp_path / "ix"


def _sql(index: Path, statement: str, *params) -> None:
    with sqlite3.connect(index / "trace.sqlite") as conn:
        conn.execute(statement, params)
    conn.close()


def _settings(index: Path, **changes) -> None:
    with sqlite3.connect(index / "trace.sqlite") as conn:
        meta = json.loads(conn.execute("SELECT value FROM settings WHERE key = 'meta'").fetchone()[0])
        conn.execute("UPDATE settings SET value = ? WHERE key = 'meta'", (json.dumps({**meta, **changes}),))
    conn.close()


@pytest.mark.parametrize("changes, words", [
    ({"vocabulary_size": 3_000_000_000}, "vocabulary_size=3000000000 out of range"),
    ({"vocabulary_size": 7}, "holds 2 words, its settings say 7"),
    ({"k": "4"}, "must be whole numbers"),
    ({"sample": 4.0}, "must be whole numbers"),
])
def test_index_settings_of_the_wrong_type_or_size_are_refused(small_index, changes, words):
    from unspin.trace.index import TraceIndex

    _settings(small_index, **changes)
    with pytest.raises(IndexError_, match="is corrupt") as exc:
        TraceIndex.open(small_index)
    assert words in str(exc.value)


def test_an_index_vocabulary_of_too_many_words_is_refused(small_index):
    from unspin.trace.index import MAX_VOCAB_WORDS, TraceIndex, _fingerprinter

    blob = zlib.compress("\n".join(f"{i:x}" for i in range(MAX_VOCAB_WORDS + 1)).encode())
    _sql(small_index, "UPDATE settings SET value = ? WHERE key = 'vocabulary'", blob)
    _settings(small_index, vocabulary_size=MAX_VOCAB_WORDS)
    _fingerprinter.cache_clear()
    with pytest.raises(IndexError_, match="over 2,000,000 words"):
        TraceIndex.open(small_index)


@pytest.mark.parametrize("statement", [
    "UPDATE docs SET text = 12345",  # text stored as INTEGER
    "UPDATE docs SET text = 'plain text'",  # as TEXT, not a compressed blob
    "UPDATE docs SET id = CAST(id AS BLOB)",  # ids as blobs
    "UPDATE postings SET doc = 'x' || doc",  # text document numbers in the postings
    "UPDATE postings SET doc = doc + 0.5",
])
def test_wrongly_typed_index_columns_are_one_line(small_index, tmp_path, statement):
    _sql(small_index, statement)
    q = tmp_path / "q.txt"
    q.write_text(DOCS[2][1], encoding="utf-8")
    _one_line(_cli("trace", str(q), "--index", str(small_index)), 4, "is corrupt")
