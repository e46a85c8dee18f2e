"""The batch API and where data teams use it: Hugging Face ``datasets.map`` and a datatrove pipeline,
each with the real library from the registry (skipped cleanly when it is not installed)."""

from __future__ import annotations

import gzip
import json

import pytest
from test_cli import ROOT, known_spin

import unspin
from unspin.batch import SKIPPED

CLEAN = (ROOT / "examples" / "original.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def spun_text(tmp_path_factory) -> str:
    return known_spin(tmp_path_factory.mktemp("spin")).read_text(encoding="utf-8")


def test_detect_batch_lines_up_with_input_and_matches_detect(spun_text):
    texts = [spun_text, "", CLEAN, None, "hello"]
    results = unspin.detect_batch(texts, skip_errors=True, threshold=0.4)
    assert [r is None for r in results] == [False, True, False, True, True]
    single = unspin.detect(spun_text)
    assert results[0].spin_probability == single.spin_probability and results[0].edits == single.edits
    assert results[0].threshold == 0.4 and results[0].label == "spun" and results[2].label == "natural"
    with pytest.raises(unspin.InputError, match=r"texts\[1\]: input is empty"):
        unspin.detect_batch([spun_text, ""])
    restored = unspin.detect_batch([spun_text], mode="restore")[0]
    assert restored.restored == unspin.restore(spun_text).restored


def test_to_columns_in_datasets_map(spun_text, monkeypatch):
    datasets = pytest.importorskip("datasets", reason="pip install datasets (in the test extra)")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    ds = datasets.Dataset.from_dict({"id": [1, 2, 3], "text": [spun_text, "no Chinese here", CLEAN]})
    out = ds.map(lambda b: unspin.to_columns(unspin.detect_batch(b["text"], skip_errors=True), evidence=3),
                 batched=True, batch_size=2)
    assert out.column_names == ["id", "text", "spin_probability", "spin_label", "spin_evidence"]
    assert list(out["spin_label"]) == ["spun", SKIPPED, "natural"]
    assert out[1]["spin_probability"] is None and out[1]["spin_evidence"] == []
    evidence = out[0]["spin_evidence"]
    assert 0 < len(evidence) <= 3 and all(e["count"] >= 1 for e in evidence)
    assert len({(e["spun"], e["original"]) for e in evidence}) == len(evidence)


def _run_pipeline(tmp_path, docs, **options):
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.writers import JsonlWriter

    from unspin.integrations.datatrove import SpinFilter

    out, dropped = tmp_path / "out", tmp_path / "dropped"
    step = SpinFilter(exclusion_writer=JsonlWriter(str(dropped)), batch_size=2, **options)
    LocalPipelineExecutor(pipeline=[docs, step, JsonlWriter(str(out))], tasks=1, workers=1,
                          logging_dir=str(tmp_path / "logs")).run()

    def read(folder):
        return [json.loads(line) for f in sorted(folder.glob("*.jsonl.gz"))
                for line in gzip.open(f, "rt", encoding="utf-8")] if folder.exists() else []

    return read(out), read(dropped)


@pytest.mark.parametrize("action", ["tag", "drop", "restore"])
def test_datatrove_spin_filter(tmp_path, spun_text, action):
    Document = pytest.importorskip("datatrove.data", reason="pip install datatrove (in the test extra)").Document
    docs = [Document(text=spun_text, id="spun"), Document(text=CLEAN, id="clean"),
            Document(text="an English page", id="english")]
    kept, dropped = _run_pipeline(tmp_path, docs, action=action)
    meta = {d["id"]: d["metadata"] for d in kept + dropped}
    assert {i: m["spin_label"] for i, m in meta.items()} == {"spun": "spun", "clean": "natural", "english": SKIPPED}
    assert meta["spun"]["spin_probability"] > 0.5 and meta["english"]["spin_probability"] is None
    assert meta["spun"]["spin_evidence"] and all("count" in e for e in meta["spun"]["spin_evidence"])
    texts = {d["id"]: d["text"] for d in kept}
    if action == "drop":
        assert set(texts) == {"clean", "english"} and [d["id"] for d in dropped] == ["spun"]
        assert dropped[0]["metadata"]["filter_reason"] == "spun"
    else:
        assert set(texts) == {"spun", "clean", "english"} and not dropped
        assert texts["clean"] == CLEAN
    if action == "restore":
        assert texts["spun"] == unspin.restore(spun_text).restored != spun_text
        assert meta["spun"]["spun_text"] == spun_text
    else:
        assert texts.get("spun", spun_text) == spun_text


def test_datatrove_spin_filter_refuses_unknown_action():
    pytest.importorskip("datatrove", reason="pip install datatrove (in the test extra)")
    from unspin.integrations.datatrove import SpinFilter

    with pytest.raises(ValueError, match="action"):
        SpinFilter(action="delete")
