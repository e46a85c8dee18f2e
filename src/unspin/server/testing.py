"""Run a real uvicorn server on a free localhost port in a background thread (tests, benchmarks)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_in_thread(app: ASGIApp, timeout_s: float = 20.0) -> Iterator[str]:
    """Serve ``app`` with uvicorn; yields the base URL (``http://127.0.0.1:PORT``)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serve_in_subprocess(*options: str, timeout_s: float = 120.0) -> Iterator[str]:
    """Run ``unspin serve --port PORT *options`` in a child process; yields the base URL once
    ``/healthz`` answers, and stops the server afterwards."""
    import subprocess
    import sys
    import tempfile

    import httpx

    port = free_port()
    code = "import sys; from unspin.cli import main; sys.exit(main())"
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:  # not a pipe: a chatty server must never block on it
        proc = subprocess.Popen([sys.executable, "-c", code, "serve", "--port", str(port), *options],
                                stdout=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    httpx.get(f"{url}/healthz", timeout=2).raise_for_status()
                    break
                except httpx.HTTPError:
                    if proc.poll() is not None:
                        log.seek(0)
                        raise RuntimeError(f"unspin serve exited: {log.read().decode()}") from None
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"unspin serve did not answer within {timeout_s:g} s") from None
                    time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=30)
