"""The HTTP endpoints: thin wrappers that run the engine in a worker thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request

from unspin import __version__
from unspin.api import restore
from unspin.model import Model
from unspin.result import Result
from unspin.server.errors import ApiError
from unspin.server.limits import Worker
from unspin.server.schemas import (
    DetectRequest,
    DetectResponse,
    ErrorResponse,
    Health,
    RestoreResponse,
    TextRequest,
    TraceRequest,
    TraceResponse,
)
from unspin.server.tracing import Tracer
from unspin.text.decode import check_text


@dataclass
class Engine:
    """What every request shares: the model (loaded once), the optional index, the limits."""

    model: Model
    tracer: Tracer | None
    worker: Worker
    max_bytes: int
    cascade: bool = True  # /v1/detect: the first stage clears clearly natural texts (``serve --no-cascade``: off)

    def restore(self, text: str, keep: list[str] | None) -> Result:
        """The model's restoration or, with an index that can restore, the source's where it covers the text."""
        from_source = getattr(self.tracer, "restore", None)
        if from_source is not None:
            return from_source(text, self.model, keep)
        return restore(text, model=self.model, keep=keep)

    def detect(self, text: str, keep: list[str] | None, threshold: float) -> Result:
        """The shared engine call (:func:`unspin.batch.analyse_many`): the cascade clears a clearly
        natural text; any other gets :meth:`restore`'s result, so its evidence is the page's edits."""
        from unspin.api import resolve_keep
        from unspin.batch import analyse_many

        kept = resolve_keep(keep)
        out = analyse_many([text], self.model, kept, cascade=self.cascade, threshold=threshold,
                           decoder=lambda t: self.restore(t, keep))[0]
        if isinstance(out, BaseException):
            raise out
        return out

    def need_tracer(self) -> Tracer:
        if self.tracer is None:
            raise ApiError(409, "no_index", "no trace index is loaded on this server",
                           "start it with `unspin serve --index DIR` (build one with `unspin index add`)")
        return self.tracer


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"model": ErrorResponse} for c in codes}


_BODY_ERRORS = _errors(400, 413, 415, 422, 503)
router = APIRouter()


def _engine(request: Request) -> Engine:
    return request.app.state.engine


@router.post("/v1/restore", response_model=RestoreResponse, responses=_BODY_ERRORS, tags=["analysis"])
async def restore_endpoint(body: TextRequest, request: Request) -> dict[str, Any]:
    """Find the swapped words and put back the likely originals (``unspin restore --format json``;
    with an index loaded, ``--index``: restored from the source where one covers the text)."""
    eng = _engine(request)
    result = await eng.worker.run(lambda: eng.restore(body.text, body.keep))
    return result.to_dict()


@router.post("/v1/detect", response_model=DetectResponse, response_model_exclude_none=True, responses=_BODY_ERRORS,
             tags=["analysis"])
async def detect_endpoint(body: DetectRequest, request: Request) -> dict[str, Any]:
    """Score how likely the text is spun, with the strongest evidence (``unspin detect --format jsonl``;
    ``stage`` is ``cascade`` when the first stage cleared a clearly natural text: no evidence then)."""
    eng = _engine(request)
    result = await eng.worker.run(lambda: eng.detect(body.text, body.keep, body.threshold))
    record = result.detect_record(None, body.evidence)
    del record["path"]
    return record


@router.post("/v1/trace", response_model=TraceResponse, response_model_exclude_none=True,
             responses=_errors(400, 409, 413, 415, 422, 503), tags=["trace"])
async def trace_endpoint(body: TraceRequest, request: Request) -> dict[str, Any]:
    """The indexed documents this text was most likely copied from, with aligned passages
    (``unspin trace --format json``); ``include_source`` adds each source's full text."""
    eng = _engine(request)
    tracer = eng.need_tracer()
    out = await eng.worker.run(lambda: tracer.trace(check_text(body.text), body.top_k))
    if not body.include_source:
        for m in out["matches"]:
            m.pop("source_text", None)
    return out


@router.get("/healthz", response_model=Health, tags=["service"])
async def healthz(request: Request) -> dict[str, Any]:
    """Liveness and what is loaded."""
    eng = _engine(request)
    info = eng.tracer.info() if eng.tracer else {}
    return {
        "status": "ok", "version": __version__, "model": _model_name(eng.model),
        "index": eng.tracer is not None,
        "index_info": {k: v for k, v in info.items() if not (isinstance(v, str) and ("/" in v or "\\" in v))},
        "max_bytes": eng.max_bytes, "timeout_s": eng.worker.timeout_s,
    }


def _model_name(model: Model) -> str:
    """``built-in``, or the model folder's name: ``/healthz`` shows no path of the machine."""
    from pathlib import Path

    from unspin.model import DEFAULT_MODEL_DIR

    if model.path is None or Path(model.path).resolve() == DEFAULT_MODEL_DIR.resolve():
        return "built-in"
    return Path(model.path).name
