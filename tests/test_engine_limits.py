"""Engine limits: a timed-out analysis stops using the CPU; a bad corpus file is skipped and named."""

from __future__ import annotations

import time

import anyio
import pytest

import unspin
from unspin.decode.deadline import deadline
from unspin.server.errors import ApiError
from unspin.server.limits import DEADLINE_GRACE_S, Worker


def test_analysis_stops_at_its_deadline(model, heldout_docs):
    text = "\n".join(heldout_docs) * 5
    t0 = time.monotonic()
    with pytest.raises(TimeoutError), deadline(0.05):
        unspin.restore(text, model=model)
    assert time.monotonic() - t0 < 1.0
    assert unspin.restore(heldout_docs[0], model=model).text  # no deadline left behind


def test_timed_out_request_stops_computing_within_two_seconds(model, heldout_docs):
    text = "\n".join(heldout_docs) * 20
    worker = Worker(timeout_s=0.1)

    async def call() -> None:
        await worker.run(lambda: unspin.restore(text, model=model))

    with pytest.raises(ApiError) as err:
        anyio.run(call)
    assert err.value.status == 503
    t0 = time.monotonic()
    while worker.running and time.monotonic() - t0 < 2.0:
        time.sleep(0.02)
    assert worker.running == 0, "the abandoned analysis is still running"
    assert time.monotonic() - t0 < 2.0 - DEADLINE_GRACE_S


def test_train_corpus_skips_a_bad_file_and_names_it(tmp_path):
    from unspin.errors import UnspinWarning
    from unspin.train.corpora import read_corpus

    good = tmp_path / "a.txt"
    good.write_text("今年要交付三十万辆汽车。\n\n明年还要更多。", encoding="utf-8")
    (tmp_path / "b.txt.gz").write_bytes(b"\x1f\x8bnot really gzip")
    (tmp_path / "c.bin").write_bytes(bytes(range(256)) * 20)
    with pytest.warns(UnspinWarning) as caught:
        texts = list(read_corpus([tmp_path]))
    assert texts == ["今年要交付三十万辆汽车。", "明年还要更多。"]
    named = " ".join(str(w.message) for w in caught)
    assert "b.txt.gz" in named and "c.bin" in named


def test_long_text_is_analysed_in_pieces_with_edits_in_place(model, heldout_docs, monkeypatch):
    from unspin.decode import document
    from unspin.lexicon import public
    from unspin.spin import choose_table, spin

    s = spin("\n".join(heldout_docs[:6]), choose_table(public.table("known"), seed=2), 0.8, 2, "chars")
    whole = unspin.restore(s.text, model=model)
    monkeypatch.setattr(document, "CHUNK_CHARS", 600)
    assert len(document.chunks(s.text, 600)) > 3
    pieces = unspin.restore(s.text, model=model)
    assert all(s.text[e.start : e.end] == e.spun for e in pieces.edits)
    gold = {(w.start, w.end, w.original) for w in s.swaps}
    right = len(gold & {(e.start, e.end, e.original) for e in pieces.edits})
    assert right >= 0.8 * len(gold & {(e.start, e.end, e.original) for e in whole.edits})
    assert pieces.label == whole.label == "spun"


@pytest.mark.parametrize("payload", ["shape", "bomb"])
def test_crafted_packed_lexicon_is_refused(tmp_path, payload):
    import hashlib
    import json
    import marshal
    import shutil
    import zlib

    from unspin.errors import ModelError
    from unspin.lexicon import lexicon as lexmod
    from unspin.model import DEFAULT_MODEL_DIR, load_model

    folder = tmp_path / "m"
    shutil.copytree(DEFAULT_MODEL_DIR, folder)
    if payload == "shape":
        data = zlib.compress(marshal.dumps({"本年": ("今年",)}))
    else:  # decompresses far past the cap
        data = zlib.compress(b"\0" * (lexmod.MAX_PACKED_BYTES + 1000), 9)
    (folder / "lexicon.bin").write_bytes(data)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta["files"]["lexicon.bin"] = hashlib.sha256(data).hexdigest()  # a crafted folder forges its manifest too
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="corrupt"):
        load_model(folder)
