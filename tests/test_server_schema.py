"""Property-based run of the OpenAPI document (schemathesis): no input makes the server fail.

Driven through hypothesis directly (``APIOperation.as_strategy``): schemathesis' own
pytest fixture loader does not work with pytest 9.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="the test extra is not installed")
pytest.importorskip("fastapi", reason="the server extra is not installed")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from unspin.server.tracing import StaticTracer  # noqa: E402

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
OPERATIONS = [("POST", "/v1/restore"), ("POST", "/v1/detect"), ("POST", "/v1/trace"), ("GET", "/healthz")]
MATCH = {
    "id": "news-1", "meta": {"title": "雷军谈交付", "url": "https://example.com/news-1"}, "score": 0.9, "coverage": 0.8, "source_text": "雷军说今年要交付",
    "passages": [{"query_start": 0, "query_end": 4, "source_start": 0, "source_end": 4}],
    "substitutions": [{"spun": "本年", "original": "今年", "count": 1}],
}


@pytest.fixture(scope="module")
def api_schema(model):
    from unspin.server import create_app

    app = create_app(model=model, index=StaticTracer([MATCH]), max_bytes=20_000, timeout_s=20)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_every_operation_is_fuzzed(api_schema):
    found = {(r.ok().method.upper(), r.ok().path) for r in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


FUZZED = [(m, p, mode) for m, p in OPERATIONS for mode in GenerationMode
          if m == "POST" or mode is GenerationMode.POSITIVE]  # a GET without parameters has no bad input


@pytest.mark.parametrize(("method", "path", "mode"), FUZZED, ids=lambda v: getattr(v, "value", v))
def test_no_server_errors(api_schema, method, path, mode):
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case):
        case.call_and_validate(checks=CHECKS)

    run()
