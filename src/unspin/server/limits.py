"""Request size limit (an ASGI middleware) and the per-request time limit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unspin.decode.deadline import deadline
from unspin.server.errors import ApiError, error_response

T = TypeVar("T")
DEADLINE_GRACE_S = 0.5
"""The decoder gives up this long after the request was answered with 503."""


def _too_large(max_bytes: int) -> Any:
    return error_response(
        413, "too_large", f"request body is over the limit of {max_bytes:,} bytes",
        "split the text, or start the server with a larger --max-bytes",
    )


class BodyLimit:
    """Read the whole body (at most ``max_bytes``) before the app sees it; answer 413 beyond."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(self.max_bytes)(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _too_large(self.max_bytes)(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class Worker:
    """Runs engine calls in threads, each under a time limit; refuses work when saturated.

    A call that runs past its limit is answered with 503; the decoder checks a cooperative
    deadline (:mod:`unspin.decode.deadline`) set just past that limit, so the abandoned
    thread stops using the CPU soon after; ``max_running`` bounds how many calls pile up.
    """

    def __init__(self, timeout_s: float, threads: int = 4, max_running: int = 32) -> None:
        self.timeout_s = timeout_s
        self.limiter = anyio.CapacityLimiter(threads)
        self.max_running = max_running
        self.running = 0
        self._lock = threading.Lock()

    def _track(self, fn: Callable[[], T]) -> Callable[[], T]:
        def tracked() -> T:
            with self._lock:
                self.running += 1
            try:
                with deadline(self.timeout_s + DEADLINE_GRACE_S):
                    return fn()
            finally:
                with self._lock:
                    self.running -= 1

        return tracked

    async def run(self, fn: Callable[[], T]) -> T:
        if self.running >= self.max_running:
            raise ApiError(503, "busy", "the server is busy", "retry in a few seconds")
        try:
            with anyio.fail_after(self.timeout_s):
                return await anyio.to_thread.run_sync(self._track(fn), abandon_on_cancel=True,
                                                      limiter=self.limiter)
        except TimeoutError:
            raise ApiError(503, "timeout", f"analysis took longer than {self.timeout_s:g} s",
                           "send a shorter text, or start the server with a larger --timeout") from None
