"""The ASGI application: ``create_app()`` for code, ``app_from_env()`` for uvicorn workers."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from unspin import __version__
from unspin.api import restore
from unspin.model import Model, load_model
from unspin.server import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_S
from unspin.server.errors import install_handlers
from unspin.server.limits import BodyLimit, Worker
from unspin.server.routes import Engine, router
from unspin.server.schemas import EXAMPLE
from unspin.server.tracing import IndexTracer, Tracer

STATIC = Path(__file__).parent / "static"
PAGE_CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"
ENV = {"model": "UNSPIN_SERVE_MODEL", "index": "UNSPIN_SERVE_INDEX",
       "max_bytes": "UNSPIN_SERVE_MAX_BYTES", "timeout_s": "UNSPIN_SERVE_TIMEOUT", "cascade": "UNSPIN_SERVE_CASCADE"}

DESCRIPTION = """Find, undo and trace spun (伪原创) Chinese text.

Errors are JSON `{"error": code, "message": ..., "hint": ...}`: 400 bad JSON, 413 body too
large, 415 not JSON, 422 empty / non-Chinese / invalid fields, 409 no trace index loaded,
503 over the time limit or busy."""


def create_app(
    model: Model | str | Path | None = None,
    index: Tracer | str | Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    cascade: bool = False,
) -> FastAPI:
    """Build the app; the model (default: built-in), its cascade (``/v1/detect``'s first stage, off
    with ``cascade=False``) and the index (folder or :class:`Tracer`) load now, once per worker."""
    from unspin.cascade import cascade_of

    loaded = model if isinstance(model, Model) else load_model(model)
    tracer = index if index is None or isinstance(index, Tracer) else IndexTracer(index)
    restore(EXAMPLE, model=loaded)  # warm up the segmenter and the language model once
    if cascade:
        cascade_of(loaded)
    app = FastAPI(title="unspin", version=__version__, description=DESCRIPTION,
                  docs_url=None, redoc_url=None)  # the bundled doc pages load assets from a CDN
    app.state.engine = Engine(loaded, tracer, Worker(timeout_s), max_bytes, cascade)
    install_handlers(app)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": PAGE_CSP})

    app.add_middleware(BodyLimit, max_bytes=max_bytes)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (one call per worker process), configured by environment."""
    get = os.environ.get
    return create_app(
        model=get(ENV["model"]) or None,
        index=get(ENV["index"]) or None,
        max_bytes=int(get(ENV["max_bytes"]) or DEFAULT_MAX_BYTES),
        timeout_s=float(get(ENV["timeout_s"]) or DEFAULT_TIMEOUT_S),
        cascade=get(ENV["cascade"]) == "1",
    )
