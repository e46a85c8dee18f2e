"""HTTP API: every endpoint, every error path, limits, concurrency and the CLI entry point."""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed: pip install 'unspin[server]'")

import anyio  # noqa: E402
import httpx  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from test_server_fixtures import *  # noqa: E402,F403  (app, bare_app, base_url, spun_doc, trace_index ...)

from unspin.result import Edit, Result, apply_edits  # noqa: E402
from unspin.server import create_app  # noqa: E402
from unspin.server.errors import ApiError  # noqa: E402
from unspin.server.limits import Worker  # noqa: E402
from unspin.server.schemas import DetectResponse, EditOut, EvidenceOut, RestoreResponse  # noqa: E402
from unspin.server.tracing import StaticTracer  # noqa: E402

JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def client(app):
    return TestClient(app)


@pytest.fixture(scope="module")
def bare(bare_app):
    return TestClient(bare_app)


def check_result(text: str, body: dict) -> None:
    """Edits point into the input, and the restored text is the input with them applied."""
    for e in body["edits"]:
        assert text[e["start"] : e["end"]] == e["spun"]
        assert 0.0 <= e["confidence"] <= 1.0
    edits = [Edit(**e) for e in body["edits"]]
    assert body["restored"] == apply_edits(text, edits)
    assert body["label"] == ("spun" if body["spin_probability"] >= 0.5 else "natural")


def test_restore_finds_swaps(client, spun_doc):
    r = client.post("/v1/restore", json={"text": spun_doc.text})
    assert r.status_code == 200, r.text
    body = r.json()
    check_result(spun_doc.text, body)
    assert body["edits"], "a fully spun article should show at least one swapped word"
    assert body["restored"] != spun_doc.text


def test_restore_keep_protects_terms(client, spun_doc):
    first = client.post("/v1/restore", json={"text": spun_doc.text}).json()["edits"]
    assert first, "the model found no swapped word in a fully spun article"
    kept = first[0]["spun"]
    again = client.post("/v1/restore", json={"text": spun_doc.text, "keep": [kept]}).json()
    assert kept not in {e["spun"] for e in again["edits"]}


def test_detect_record(client, spun_doc):
    r = client.post("/v1/detect", json={"text": spun_doc.text, "evidence": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["chars"] == len(spun_doc.text)
    assert len(body["evidence"]) <= 3
    confs = [e["confidence"] for e in body["evidence"]]
    assert confs == sorted(confs, reverse=True)
    assert client.post("/v1/detect", json={"text": spun_doc.text, "threshold": 0.0}).json()["label"] == "spun"
    edits = client.post("/v1/restore", json={"text": spun_doc.text}).json()["edits"]
    every = client.post("/v1/detect", json={"text": spun_doc.text, "evidence": 1000}).json()["evidence"]
    pairs = [(e["spun"], e["original"]) for e in edits]
    assert len(every) == len(set(pairs))  # one entry per distinct pair, with its count of occurrences
    assert {(e["spun"], e["original"]): e["count"] for e in every} == {p: pairs.count(p) for p in pairs}


def test_api_types_mirror_the_shared_result():
    e = Edit(0, 2, "本年", "今年", 0.9, ["当年"])
    r = Result("本年", "今年", 0.8, [e])
    assert set(EditOut.model_fields) == {f.name for f in dataclasses.fields(Edit)}
    assert set(RestoreResponse.model_fields) == set(r.to_dict())
    cleared = dataclasses.replace(r, stage="cascade")  # the cascade's record adds "stage" (docs/cascade.md)
    assert set(DetectResponse.model_fields) == set(cleared.detect_record()) - {"path"}
    assert set(r.detect_record()) == set(cleared.detect_record()) - {"stage"}
    assert set(EvidenceOut.model_fields) == set(r.detect_record()["evidence"][0])
    RestoreResponse.model_validate(r.to_dict())


def test_healthz(client, bare):
    h = client.get("/healthz").json()
    assert h["status"] == "ok" and h["max_bytes"] == 1_000_000
    assert bare.get("/healthz").json()["index"] is False


def test_healthz_reveals_no_path_of_the_machine(client, model, trace_index):
    """Issue 18: `/healthz` showed the model's and the index's absolute paths; now their names."""
    from pathlib import Path

    h = client.get("/healthz").json()
    assert h["model"] == "built-in" and "/" not in str(h) and "\\" not in str(h)
    if trace_index is not None:
        assert h["index_info"] == {"name": Path(trace_index).name, "documents": 2}
    mine = dataclasses.replace(model, path=Path("/srv/secret/models/news-2024"))
    assert TestClient(create_app(model=mine)).get("/healthz").json()["model"] == "news-2024"


def test_page_and_assets_are_local(client):
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "http" not in r.text.replace('href="/openapi.json"', "")  # no external URL at all
    for asset in ("app.js", "app.css", "align.js", "compare.js", "dom.js", "i18n.js", "popover.js", "upload.js"):
        a = client.get(f"/static/{asset}")
        assert a.status_code == 200, asset
        assert "https://" not in a.text and "http://" not in a.text, asset


def test_openapi_documents_every_endpoint(client):
    spec = client.get("/openapi.json").json()
    assert {"/v1/detect", "/v1/restore", "/v1/trace", "/healthz"} <= set(spec["paths"])
    assert "413" in spec["paths"]["/v1/restore"]["post"]["responses"]
    assert client.get("/docs").status_code == 404  # the stock docs page would load a CDN


@pytest.mark.parametrize(
    ("path", "content", "headers", "status", "code"),
    [
        ("/v1/restore", b"{bad", JSON, 400, "bad_json"),
        ("/v1/restore", b'{"text": "\xff\xfe"}', JSON, 400, "bad_json"),
        ("/v1/restore", "雷军".encode(), {"content-type": "text/plain"}, 415, "bad_content_type"),
        ("/v1/restore", b"[1, 2]", JSON, 422, "invalid_request"),
        ("/v1/restore", b"", JSON, 422, "invalid_request"),
        ("/v1/restore", b'{"txt": "x"}', JSON, 422, "invalid_request"),
        ("/v1/restore", b'{"text": 3}', JSON, 422, "invalid_request"),
        ("/v1/restore", b'{"text": "\\ud800\xe4\xb8\xad"}', JSON, 422, "invalid_request"),
        ("/v1/restore", b'{"text": ""}', JSON, 422, "empty_input"),
        ("/v1/detect", b'{"text": "  \\n "}', JSON, 422, "empty_input"),
        ("/v1/detect", b'{"text": "hello world"}', JSON, 422, "not_chinese"),
        ("/v1/detect", '{"text": "雷军", "threshold": 2}'.encode(), JSON, 422, "invalid_request"),
        ("/v1/trace", '{"text": "雷军", "top_k": 0}'.encode(), JSON, 422, "invalid_request"),
        ("/v1/trace", b'{"text": "hello"}', JSON, 422, "not_chinese"),
    ],
)
def test_bad_requests_get_clear_4xx(client, path, content, headers, status, code):
    r = client.post(path, content=content, headers=headers)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == code and body["message"]


def test_unknown_route_and_method(client):
    assert client.get("/v2/nothing").json()["error"] == "not_found"
    assert client.get("/v1/restore").json()["error"] == "method_not_allowed"


def test_too_large_declared_and_streamed(model):
    small = TestClient(create_app(model=model, max_bytes=100))
    r = small.post("/v1/restore", json={"text": "雷军" * 100})
    assert r.status_code == 413 and r.json()["error"] == "too_large"

    def chunks():  # no Content-Length: the limit must hold while reading
        for _ in range(10):
            yield b"x" * 50

    r = small.post("/v1/restore", content=chunks(), headers=JSON)
    assert r.status_code == 413
    assert small.post("/v1/restore", json={"text": "雷军说今年"}).status_code == 200


def test_trace_without_index_is_409(bare):
    r = bare.post("/v1/trace", json={"text": "雷军说今年要交付"})
    assert r.status_code == 409
    assert r.json()["error"] == "no_index" and "--index" in r.json()["hint"]


def test_trace_with_real_index(client, trace_index, spun_doc, original_text):
    if trace_index is None:
        pytest.skip("the trace package (unspin.trace) is not available")
    r = client.post("/v1/trace", json={"text": spun_doc.text, "top_k": 3})
    assert r.status_code == 200, r.text
    matches = r.json()["matches"]
    assert matches and matches[0]["id"] == "news-0412.txt"
    assert "source_text" not in matches[0] and matches[0]["meta"] == {}  # .txt sources have no metadata
    for p in matches[0]["passages"]:
        assert 0 <= p["query_start"] < p["query_end"] <= len(spun_doc.text)
    full = client.post("/v1/trace", json={"text": spun_doc.text, "include_source": True}).json()
    assert full["matches"][0]["source_text"] == original_text


class SlowTracer(StaticTracer):
    def trace(self, text: str, top_k: int) -> dict:
        time.sleep(0.6)
        return super().trace(text, top_k)


def test_trace_answer_names_the_source_article(model):
    meta = {"title": "雷军谈交付", "url": "https://example.com/a1", "date": "2024-03-01"}
    match = {"id": "a1", "meta": meta, "score": 0.9, "coverage": 1.0, "passages": [], "substitutions": []}
    r = TestClient(create_app(model=model, index=StaticTracer([match]))).post("/v1/trace", json={"text": "雷军"})
    assert r.status_code == 200 and r.json()["matches"][0]["meta"] == meta


def test_time_limit_answers_503(model):
    slow = TestClient(create_app(model=model, index=SlowTracer([]), timeout_s=0.1))
    r = slow.post("/v1/trace", json={"text": "雷军说今年要交付"})
    assert r.status_code == 503 and r.json()["error"] == "timeout"


def test_saturated_worker_refuses():
    w = Worker(timeout_s=1.0, max_running=0)
    with pytest.raises(ApiError) as exc:
        anyio.run(w.run, lambda: 1)
    assert exc.value.status == 503 and exc.value.code == "busy"


def test_concurrent_requests_on_real_server(base_url, spun_doc):
    texts = [spun_doc.text, spun_doc.text[:200], spun_doc.text[100:]] * 4
    with httpx.Client(base_url=base_url, timeout=60) as c:
        serial = [c.post("/v1/restore", json={"text": t}).json() for t in texts[:3]]
        with ThreadPoolExecutor(8) as pool:
            parallel = list(pool.map(lambda t: c.post("/v1/restore", json={"text": t}).json(), texts))
    assert parallel == serial * 4


def test_cli_serve_starts_uvicorn():
    from unspin.server.testing import serve_in_subprocess

    with serve_in_subprocess("--log-level", "warning", "--timeout", "9", timeout_s=60) as url:
        h = httpx.get(f"{url}/healthz").json()
        assert h["timeout_s"] == 9 and h["index"] is False
        assert httpx.get(f"{url}/").status_code == 200



@pytest.mark.parametrize("option", [("--port", "70000"), ("--port", "0"), ("--max-bytes", "-1"), ("--timeout", "0"),
                                    ("--timeout", "nan"), ("--workers", "0")])
def test_serve_refuses_options_out_of_bounds_up_front(option, monkeypatch, capsys):
    """Issue 18, finding 8: refused by the argument parser (one error line, exit 2), before the model loads
    or uvicorn starts (`--port 70000` was a traceback, the others started a server)."""
    import uvicorn

    from unspin.cli import main

    def started(*a, **k):
        raise AssertionError(f"uvicorn started with {option}")

    monkeypatch.setattr(uvicorn, "run", started)
    with pytest.raises(SystemExit) as exc:
        main(["serve", *option])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith(f"unspin serve: error: argument {option[0]}: {option[1]} ")

def test_serve_announces_its_url_only_once_it_answers(tmp_path):
    """Issue 18: `unspin serve` printed its URL ~10 s before it accepted connections (the model loads
    first); the URL line now comes once /healthz answers."""
    import subprocess
    import sys

    from unspin.server.testing import free_port

    port = free_port()
    log = tmp_path / "serve.log"
    code = "import sys; from unspin.cli import main; sys.exit(main())"
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", code, "serve", "--port", str(port), "--log-level", "warning"],
                                stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 120
        while "serving on" not in log.read_text(encoding="utf-8"):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.02)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200  # at once, no retry
        lines = log.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("unspin: starting on port") and "serving on" not in lines[0]
        assert f"unspin: serving on http://127.0.0.1:{port}/ (Ctrl+C to stop)" in lines
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_restore_with_an_index_uses_the_source_so_page_and_sources_agree(client, app, bare_app, spun_doc,
                                                                          trace_index, model):
    if trace_index is None:
        pytest.skip("the trace extra is not installed")
    served = client.post("/v1/restore", json={"text": spun_doc.text}).json()
    import unspin

    expected, traced = unspin.restore_from_source(spun_doc.text, trace_index, model=model)
    assert traced.matches and served["edits"] == [e.to_dict() for e in expected.edits]
    source_swaps = {(s.start, s.spun, s.original) for m in traced.matches for s in m.swaps}
    assert source_swaps <= {(e["start"], e["spun"], e["original"]) for e in served["edits"]}
    bare = TestClient(bare_app).post("/v1/restore", json={"text": spun_doc.text}).json()
    assert bare["edits"] == [e.to_dict() for e in unspin.restore(spun_doc.text, model=model).edits]
