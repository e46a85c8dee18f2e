"""The ``unspin`` command line: one module per group of commands, each adding its subparsers.

Errors reach the user as one line (``unspin: error: ...`` plus a hint) and a non-zero
exit code; set ``UNSPIN_DEBUG=1`` to see tracebacks.  Warnings about repaired input
(:class:`~unspin.errors.UnspinWarning`) are one line too: ``unspin: warning: ...``.
A command whose optional dependencies are missing names the extra to install.
Building the parser imports no engine or server code, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import signal
import sys
import threading
import warnings

from unspin.errors import UnspinError, UnspinWarning
from unspin.text.decode import printable

COMMAND_MODULES = ["unspin.cli.engine", "unspin.cli.trace", "unspin.cli.serve", "unspin.cli.scan", "unspin.cli.dedup"]
"""Each module defines ``register(subparsers)``; a subparser sets ``func(args) -> int``."""


DESCRIPTION = """Find, undo and trace spun (伪原创) Chinese text.

A 伪原创 spinner swaps words for synonyms (今年→本年, 交付→交给) so that a copied
article passes plagiarism checks.  unspin scores how likely a text is spun, puts the
original words back, and finds the article it was copied from."""

EPILOG = """examples:
  unspin restore examples/spun.txt --format diff    # the text, edits marked 【spun→original】
  unspin detect examples/spun.txt examples/original.txt
  unspin scan crawl.jsonl.gz --out scores.parquet   # whole corpora, all cores (unspin[scan])
  unspin index add archive/ --index idx && unspin trace copy.txt --index idx
  unspin serve                                       # web page and HTTP API (unspin[server])

`unspin COMMAND --help` explains a command, with examples.  Optional parts install as
extras: pip install 'unspin[server]' (also scan, ray, trace, data, all)."""

OPTIONAL_MODULES = {
    "fastapi": "server", "uvicorn": "server", "starlette": "server", "anyio": "server", "ray": "ray",
    "pyarrow": "scan", "zstandard": "scan", "warcio": "scan", "trafilatura": "scan", "matplotlib": "scan",
    "sklearn": "train",
}
"""Modules of the extras, and the extra that brings each (unless the command names its own)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="unspin", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"unspin {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _version() -> str:
    from unspin import __version__

    return __version__


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """``unspin: warning: <message>`` for :class:`UnspinWarning`; Python's format for others."""
    if issubclass(category, UnspinWarning):
        text = f"unspin: warning: {message}\n"
    else:
        text = warnings.formatwarning(message, category, filename, lineno, line)
    (file or sys.stderr).write(text)


def _missing_extra(exc: Exception, args: argparse.Namespace) -> str | None:
    """The error line for a missing optional module, naming the extra to install (else ``None``)."""
    top = (getattr(exc, "name", None) or "").partition(".")[0]
    if not isinstance(exc, ModuleNotFoundError) or top not in OPTIONAL_MODULES:
        return None
    own = getattr(args, "extra", None)
    extra = own if own and top != "ray" else OPTIONAL_MODULES[top]
    return f"`unspin {args.command}` needs {top}, which is not installed: pip install 'unspin[{extra}]'"


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops like Ctrl-C: clean, resumable, one line
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", UnspinWarning)
            warnings.showwarning = _show_warning
            return int(args.func(args) or 0)
    except UnspinError as exc:
        print(f"unspin: error: {printable(exc.message, 2000)}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {printable(exc.hint, 2000)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("unspin: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - last line of defence: never a traceback for users
        if os.environ.get("UNSPIN_DEBUG"):
            raise
        if missing := _missing_extra(exc, args):
            print(f"unspin: error: {missing}", file=sys.stderr)
            return 1
        if isinstance(exc, OSError) and exc.errno is not None:  # permission denied, disk full, ...
            where = f": {printable(str(exc.filename))}" if exc.filename else ""
            print(f"unspin: error: {exc.strerror or exc}{where}", file=sys.stderr)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                print("  hint: free some space and rerun the same command", file=sys.stderr)
            return 1
        print(f"unspin: internal error: {type(exc).__name__}: {printable(str(exc))}", file=sys.stderr)
        print("  hint: rerun with UNSPIN_DEBUG=1 and report the traceback", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
