"""unspin scan: every input kind, rejects, outputs, clean-out, summary (local engine, in process)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from scan_data import docs, read_jsonl, write_jsonl

import unspin
from unspin.errors import UnspinError
from unspin.scan import ScanOptions, scan

ARTICLE = "<html><head><title>新闻</title></head><body><nav>首页 | 国内 | 国际 | 财经 | 登录</nav>" \
          "<article><h1>标题</h1><p>{}</p></article><footer>版权所有 联系我们</footer></body></html>"


def run(tmp_path: Path, inputs: list, **kw) -> tuple[list[dict], list[dict], object]:
    out = kw.pop("out", tmp_path / "out.jsonl")
    opts = ScanOptions(inputs=[str(p) for p in inputs], out=str(out), workers=1, progress=False,
                       shard_size=kw.pop("shard_size", 3), **kw)
    summary = scan(opts)
    rows = _read_any(out)
    return rows, read_jsonl(opts.rejects_path), summary


def _read_any(path: Path) -> list[dict]:
    if str(path).endswith(".parquet"):
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    if str(path).endswith(".gz"):
        return [json.loads(x) for x in gzip.decompress(Path(path).read_bytes()).decode().splitlines()]
    return read_jsonl(path)


def test_jsonl_scores_match_the_python_api(tmp_path):
    d = docs(6)
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t, "extra": 1} for i, t in d])
    rows, rejects, summary = run(tmp_path, [src])
    assert [r["id"] for r in rows] == [i for i, _ in d] and rejects == []
    for row, (_, text) in zip(rows, d, strict=True):
        want = unspin.detect(text, cascade=True)  # scan, the crawl command, uses the cascade by default
        assert row["spin_probability"] == round(want.spin_probability, 6)
        assert row["label"] == want.label and row["chars"] == len(text)
        assert row["source"] == str(src) and len(row["evidence"]) <= 5
    assert summary.documents == 6 and summary.chars == sum(len(t) for _, t in d)
    assert sum(summary.hist) == 6 and summary.flagged == sum(r["label"] == "spun" for r in rows)
    assert not (tmp_path / "out.jsonl.parts").exists()


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".jsonl.zst", ".parquet"])
def test_compressed_jsonl_and_parquet_inputs(tmp_path, suffix):
    d = docs(4)
    rows_in = [{"doc_id": f"x{i}", "body": t} for i, t in d]
    path = tmp_path / f"in{suffix}"
    if suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows_in), path)
    else:
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows_in).encode()
        if suffix.endswith(".gz"):
            path.write_bytes(gzip.compress(data))
        else:
            import zstandard

            path.write_bytes(zstandard.ZstdCompressor().compress(data))
    rows, rejects, _ = run(tmp_path, [path], text_field="body", id_field="doc_id")
    assert [r["id"] for r in rows] == [f"x{i}" for i, _ in d] and rejects == []
    assert [r["chars"] for r in rows] == [len(t) for _, t in d]


def test_folder_of_txt_in_several_encodings(tmp_path):
    d = docs(3)
    folder = tmp_path / "txt"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(d[0][1], encoding="utf-8")
    (folder / "sub" / "b.txt").write_bytes(d[1][1].encode("gb18030"))
    (folder / "c.txt").write_bytes(b"\x00\x01\x02binary" * 20)
    (folder / "ignored.csv").write_text(d[2][1])
    rows, rejects, _ = run(tmp_path, [folder])
    assert [(r["id"], r["chars"]) for r in rows] == [("a.txt", len(d[0][1])), ("sub/b.txt", len(d[1][1]))]
    assert [(r["id"], r["reason"]) for r in rejects] == [("c.txt", "undecodable")]


def test_html_and_warc_main_text_is_extracted(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    d = docs(3, length=400)
    html = tmp_path / "page.html"
    html.write_text(ARTICLE.format(d[0][1]), encoding="utf-8")
    warc = tmp_path / "crawl.warc.gz"
    with open(warc, "wb") as f:
        w = WARCWriter(f, gzip=True)
        for url, body, ctype in [("https://a.example/1", ARTICLE.format(d[1][1]), "text/html; charset=utf-8"),
                                 ("https://a.example/img", "GIF89a", "image/gif"),
                                 ("https://a.example/2", ARTICLE.format(d[2][1]), "text/html; charset=utf-8"),
                                 ("https://a.example/3", "<html><body></body></html>", "text/html")]:
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body.encode()),
                                                http_headers=headers))
    rows, rejects, _ = run(tmp_path, [html, warc])
    assert [r["id"] for r in rows] == [str(html), "https://a.example/1", "https://a.example/2"]
    for row, (_, text) in zip(rows, d, strict=True):  # menus and footers are not scored
        assert abs(row["chars"] - len(text)) <= 10, (row["chars"], len(text))
    assert [(r["id"], r["reason"]) for r in rejects] == [("https://a.example/3", "no_main_text")]


def test_bad_records_are_rejected_with_reasons_and_the_run_goes_on(tmp_path):
    d = docs(3)
    good = [json.dumps({"id": i, "text": t}, ensure_ascii=False).encode() for i, t in d]
    bad = [b"{not json", b'{"id": "m"}', b'{"id": "n", "text": 5}', "{\"id\": \"u\", \"text\": \"\xe4\"}".encode("latin-1"),
           b'{"id": "e", "text": "   "}', b'{"id": "l", "text": "only latin letters"}', b"[1, 2]"]
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join([good[0], *bad, good[1], b"", good[2]]) + b"\n")
    trunc = tmp_path / "trunc.jsonl.gz"
    trunc.write_bytes(gzip.compress(b"\n".join(good) + b"\n")[:-30])
    rows, rejects, summary = run(tmp_path, [src, trunc])
    assert [r["id"] for r in rows[:3]] == [i for i, _ in d]
    reasons = [(r["id"], r["reason"]) for r in rejects]
    assert reasons[:7] == [(f"{src}:2", "invalid_json"), ("m", "missing_field"), ("n", "not_string"),
                           (f"{src}:5", "undecodable"), ("e", "empty"), ("l", "no_chinese"),
                           (f"{src}:8", "invalid_json")]
    assert reasons[-1][1] == "corrupt_file" and all(r["detail"] for r in rejects)
    assert summary.rejected == len(rejects) == 8 and summary.reasons["invalid_json"] == 2


def test_parquet_output_restore_clean_out_and_plot(tmp_path):
    d = docs(8)
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t, "n": k} for k, (i, t) in enumerate(d)])
    out, clean, png = tmp_path / "s.parquet", tmp_path / "clean.jsonl.gz", tmp_path / "h.png"
    rows, _, summary = run(tmp_path, [src], out=out, restore=True, drop_above=0.5, clean_out=str(clean),
                           plot=str(png), summary_json=str(tmp_path / "s.json"))
    assert [r["id"] for r in rows] == [i for i, _ in d]
    assert all(len({(e["spun"], e["original"]) for e in r["evidence"]}) == len(r["evidence"]) for r in rows)
    assert all(e["count"] >= 1 for r in rows for e in r["evidence"])
    assert all(r["restored"] and len(r["restored"]) > 0.8 * r["chars"] for r in rows)
    kept = _read_any(clean)
    assert [k["id"] for k in kept] == [r["id"] for r in rows if r["spin_probability"] <= 0.5]
    assert all(set(k) == {"id", "text", "n"} for k in kept) and summary.kept == len(kept)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "histogram" in summary.text(0.5) and (tmp_path / "s.rejects.jsonl").exists()
    assert f"{clean} ({summary.kept:,} documents with p <= 0.5)" in summary.text(0.5)
    saved = json.loads((tmp_path / "s.json").read_text())  # machine-readable: paths and numbers, no prose
    assert saved["outputs"] == {"scores": str(out), "rejects": str(tmp_path / "s.rejects.jsonl"),
                                "clean": str(clean), "plot": str(png), "summary": str(tmp_path / "s.json")}
    assert saved["drop_threshold"] == 0.5 and saved["kept"] == summary.kept and sum(saved["hist"]) == 8


def test_plot_uses_a_log_scale_when_counts_span_orders_of_magnitude():
    from unspin.scan.summary import Summary, figure

    pytest.importorskip("matplotlib")
    assert figure(Summary(documents=9100, hist=[9000, 60, 0, 20, 0, 0, 0, 0, 5, 15]), 0.5).axes[0].get_yscale() == "log"
    assert figure(Summary(documents=90, hist=[40, 30, 0, 0, 0, 0, 0, 0, 5, 15]), 0.5).axes[0].get_yscale() == "linear"


def test_missing_optional_module_fails_before_any_work(tmp_path, monkeypatch):
    import sys

    src = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in docs(2)])
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ModuleNotFoundError, match=r"o.parquet needs pyarrow: pip install 'unspin\[scan\]'"):
        run(tmp_path, [src], out=tmp_path / "o.parquet")
    assert not (tmp_path / "o.parquet").exists() and not (tmp_path / "o.parquet.parts").exists()


def test_spun_documents_score_higher_than_their_originals(tmp_path):
    d = docs(12)
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in d])
    rows, _, _ = run(tmp_path, [src], shard_size=5)
    spun = [r["spin_probability"] for r in rows[1::2]]
    natural = [r["spin_probability"] for r in rows[0::2]]
    assert sum(spun) / len(spun) > sum(natural) / len(natural)


def test_refuses_unusable_options_and_existing_outputs(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": t} for i, t in docs(2)])
    with pytest.raises(UnspinError, match="unknown format"):
        run(tmp_path, [src], out=tmp_path / "o.csv")
    with pytest.raises(UnspinError, match="needs --clean-out"):
        run(tmp_path, [src], drop_above=0.3)
    (tmp_path / "o.csv").touch()
    with pytest.raises(UnspinError, match="unknown input kind"):
        run(tmp_path, [tmp_path / "o.csv"])
    run(tmp_path, [src])
    with pytest.raises(UnspinError, match="exists"):
        run(tmp_path, [src])
    rows, _, _ = run(tmp_path, [src], overwrite=True)
    assert len(rows) == 2
