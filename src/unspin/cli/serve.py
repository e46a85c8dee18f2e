"""``unspin serve``: the HTTP API and the web page on uvicorn."""

from __future__ import annotations

import argparse
import os
import sys
import threading

from unspin.cli.common import add_cascade_options, add_command, at_least_one, port, seconds
from unspin.server import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_S


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "serve", "serve the HTTP API and the web page (needs unspin[server])", """
        Serve the web page (paste or open an article, see each swapped word and its likely
        original) and the HTTP API: POST /v1/restore, /v1/detect, /v1/trace (with --index),
        GET /healthz; the schema is at /openapi.json.  Everything runs on this machine.""", """
        unspin serve                                  # http://127.0.0.1:8000/
        unspin serve --index idx --host 0.0.0.0 --workers 2
        curl -s localhost:8000/v1/detect -H 'Content-Type: application/json' \\
             -d '{"text": "本市本年将新建二十所公立幼儿园"}'""", extra="server")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=port, default=8000, help="port, 1 to 65535 (default 8000)")
    p.add_argument("--index", metavar="DIR", help="trace index folder (enables /v1/trace and the sources view)")
    p.add_argument("--model", metavar="PATH", help="model folder (default: the built-in model)")
    p.add_argument("--workers", type=at_least_one, default=1, help="worker processes (default 1)")
    p.add_argument("--max-bytes", type=at_least_one, default=DEFAULT_MAX_BYTES,
                   help=f"largest request body (default {DEFAULT_MAX_BYTES:,})")
    p.add_argument("--timeout", type=seconds, default=DEFAULT_TIMEOUT_S,
                   help=f"seconds per request before 503 (default {DEFAULT_TIMEOUT_S:g})")
    add_cascade_options(p, default=False, what="text of /v1/detect")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"],
                   help="uvicorn's log level (default info)")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn  # a missing server extra becomes one line naming it (unspin.cli.main)

    from unspin.server.app import ENV

    settings = {"model": args.model, "index": args.index, "max_bytes": args.max_bytes, "timeout_s": args.timeout,
                "cascade": "1" if args.cascade else "0"}
    for key, value in settings.items():  # every worker process builds its app from these
        if value is not None:
            os.environ[ENV[key]] = str(value)
    print(f"unspin: starting on port {args.port} (loading the model{' and the index' if args.index else ''})…",
          file=sys.stderr)
    done = threading.Event()
    threading.Thread(target=_announce, args=(args.host, args.port, done), daemon=True).start()
    try:
        uvicorn.run("unspin.server.app:app_from_env", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level=args.log_level)
    finally:
        done.set()
    return 0


def _announce(host: str, port: int, done: threading.Event) -> None:
    """Print the URL once ``/healthz`` answers (the model loads first: ~10 s), never before."""
    import http.client

    near = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # a wildcard: ask locally
    while not done.wait(0.2):
        conn = http.client.HTTPConnection(near, port, timeout=5)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                shown = f"[{host}]" if ":" in host else host
                print(f"unspin: serving on http://{shown}:{port}/ (Ctrl+C to stop)", file=sys.stderr, flush=True)
                return
        except (OSError, http.client.HTTPException):
            pass  # not listening yet
        finally:
            conn.close()
