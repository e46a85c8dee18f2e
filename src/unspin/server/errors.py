"""Every error leaves the server as JSON ``{"error": code, "message": ..., "hint": ...}``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from unspin.errors import InputError, UnspinError


class ApiError(Exception):
    """An error answer with an HTTP status."""

    def __init__(self, status: int, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.hint = status, code, message, hint


def error_response(status: int, code: str, message: str, hint: str | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, "hint": hint}, status_code=status)


def input_error(exc: InputError) -> ApiError:
    """Map the engine's input checks (empty, no Chinese) to 422 with a stable code."""
    code = "empty_input" if "empty" in exc.message else "not_chinese" if "Chinese" in exc.message else "bad_input"
    return ApiError(422, code, exc.message, exc.hint)


def _is_json(request: Request) -> bool:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return ctype == "application/json" or ctype.endswith("+json")


async def _on_api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.hint)


async def _on_unspin_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UnspinError)
    if isinstance(exc, InputError):
        return await _on_api_error(_, input_error(exc))
    return error_response(500, "engine_error", exc.message, exc.hint)


def _bad_json() -> JSONResponse:
    return error_response(400, "bad_json", "request body is not valid UTF-8 JSON",
                          'send a JSON object such as {"text": "..."}')


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return _bad_json()
    if request.method == "POST" and not _is_json(request):
        return error_response(415, "bad_content_type", "request body must be JSON",
                              "set the header Content-Type: application/json")
    first = errors[0] if errors else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
    return error_response(422, "invalid_request", f"{where}: {first.get('msg', 'invalid value')}",
                          'the body is {"text": "...", ...}; see /openapi.json')


async def _on_http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400:  # FastAPI's "error parsing the body" (e.g. not UTF-8)
        return _bad_json()
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "bad_request")
    resp = error_response(exc.status_code, code, str(exc.detail))
    if exc.headers:
        resp.headers.update(exc.headers)
    return resp


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(UnspinError, _on_unspin_error)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(HTTPException, _on_http)
