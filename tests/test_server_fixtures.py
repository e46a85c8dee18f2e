"""Fixtures shared by the server, schema and browser tests (imported by those modules)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed: pip install 'unspin[server]'")

ROOT = Path(__file__).resolve().parents[1]
UNRELATED = (
    "今年春天，城西湿地公园完成了二期改造，新增步道三公里，并种植了两万株本地植物。"
    "公园管理处表示，改造后的湿地吸引了更多候鸟停留，周末游客数量比去年同期增加了近一倍。"
    "为了保护鸟类栖息环境，部分区域将在繁殖季节暂时关闭，市民可以通过观鸟平台远距离观察。"
)


@pytest.fixture(scope="session")
def original_text() -> str:
    return (ROOT / "examples" / "original.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def spun_doc(original_text):
    """The example article run through a spinner of the public table's lineage, the way real
    tools spin (one choice per word, 90% of hits): ``.text`` and the answer ``.swaps``.  (A raw
    Cilin spinner replacing every hit was used before; the trace index's vocabulary is now the
    model's lexicon alone, issue 18, and such a copy rewrites past what any real tool does.)"""
    from unspin.lexicon import public
    from unspin.spin import choose_table, spin

    return spin(original_text, choose_table(public.table("known"), seed=5), r=0.9, seed=5, mode="chars")


@pytest.fixture(scope="session")
def trace_index(tmp_path_factory, original_text) -> Path | None:
    """A real trace index of two articles (the source and an unrelated one), or None."""
    try:
        import unspin.trace  # noqa: F401
    except ImportError:
        return None
    from unspin.cli import main

    corpus = tmp_path_factory.mktemp("corpus")
    (corpus / "news-0412.txt").write_text(original_text, encoding="utf-8")
    (corpus / "park-0301.txt").write_text(UNRELATED, encoding="utf-8")
    index = tmp_path_factory.mktemp("index")
    assert main(["index", "add", str(corpus), "--index", str(index), "--quiet"]) == 0
    return index


@pytest.fixture(scope="session")
def app(model, trace_index):
    """The app with the default model and, when the trace package is there, the test index."""
    from unspin.server import create_app

    return create_app(model=model, index=trace_index)


@pytest.fixture(scope="session")
def bare_app(model):
    """The app without an index."""
    from unspin.server import create_app

    return create_app(model=model)


@pytest.fixture(scope="session")
def base_url(app):
    """A real uvicorn server on a free localhost port."""
    from unspin.server.testing import serve_in_thread

    with serve_in_thread(app) as url:
        yield url
