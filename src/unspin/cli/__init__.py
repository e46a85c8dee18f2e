"""The ``unspin`` command line: one module per group of commands, each adding its subparsers.

Errors reach the user as one line (``unspin: error: ...`` plus a hint) and a non-zero
exit code; set ``UNSPIN_DEBUG=1`` to see tracebacks.  Warnings about repaired input
(:class:`~unspin.errors.UnspinWarning`) are one line too: ``unspin: warning: ...``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

from unspin.errors import UnspinError, UnspinWarning

COMMAND_MODULES = ["unspin.cli.engine", "unspin.cli.trace", "unspin.cli.serve", "unspin.cli.scan"]
"""Each module defines ``register(subparsers)``; a subparser sets ``func(args) -> int``."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="unspin", description="Find, undo and trace spun (伪原创) Chinese text."
    )
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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", UnspinWarning)
            warnings.showwarning = _show_warning
            return int(args.func(args) or 0)
    except UnspinError as exc:
        print(f"unspin: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("unspin: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - last line of defence: never a traceback for users
        if os.environ.get("UNSPIN_DEBUG"):
            raise
        print(f"unspin: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("  hint: rerun with UNSPIN_DEBUG=1 and report the traceback", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
