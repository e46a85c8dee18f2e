"""Options shared by every command that analyses text."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
"""The installed ``unspin`` package: no command writes a model into it (the built-in model lives there)."""


def probability(text: str) -> float:
    """argparse type of ``--threshold``-like options: a number in [0, 1] (``nan`` is refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a probability in [0, 1]")
    return value


def at_least_one(text: str) -> int:
    """argparse type of ``--workers``-like options: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is less than 1")
    return value


def port(text: str) -> int:
    """argparse type of ``--port``: 1 to 65535."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port: use 1 to 65535")
    return value


def seconds(text: str) -> float:
    """argparse type of ``--timeout``-like options: a finite number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < value < float("inf"):  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text} is not a number of seconds above 0")
    return value


def refuse_package_folder(flag: str, path: str) -> None:
    """Refuse an output folder inside the installed package (``train --out``, ``learn-pairs --out``)."""
    from unspin.errors import InputError

    if Path(path).resolve().is_relative_to(PACKAGE):
        raise InputError(f"{flag} {path} is inside the installed unspin package, which holds the "
                         "built-in model: write elsewhere and use it with --model DIR")


def add_command(
    sub: argparse._SubParsersAction, name: str, summary: str, description: str, examples: str,
    extra: str | None = None,
) -> argparse.ArgumentParser:
    """A subcommand whose ``--help`` shows ``description`` and then ``examples``, both as written.

    ``extra`` names the optional dependencies it needs (``pip install 'unspin[EXTRA]'``): the
    one-line error when one of them is missing says so.
    """
    p = sub.add_parser(name, help=summary, description=textwrap.dedent(description).strip(),
                       epilog="examples:\n" + textwrap.indent(textwrap.dedent(examples).strip("\n"), "  "),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(extra=extra)
    return p


def add_cascade_options(p: argparse.ArgumentParser, default: bool, what: str) -> None:
    """``--cascade`` / ``--no-cascade``: whether the cheap first stage (unspin.cascade) clears the
    clearly natural inputs before the full decoder; ``default`` as the command's purpose wants
    (on for a crawl, ``scan``; off for a verdict on each text)."""
    on = "(default) " if default else ""
    off = "" if default else "(default) "
    p.add_argument("--cascade", dest="cascade", action="store_true", default=default,
                   help=f"{on}a cheap first stage clears each clearly natural {what} before the full decoder: "
                        "several times faster on a crawl, no evidence for those (\"stage\": \"cascade\"), "
                        "and it misses some pages of spinners it never saw (docs/cascade.md)")
    p.add_argument("--no-cascade", dest="cascade", action="store_false",
                   help=f"{off}the full decoder reads every {what}")


def add_model_options(p: argparse.ArgumentParser) -> None:
    """``--model``, ``--keep``, ``--lexicon`` and ``--encoding``."""
    p.add_argument("--model", metavar="PATH", help="model folder (default: the built-in model)")
    p.add_argument("--keep", metavar="FILE", help="terms never to change, one per line")
    p.add_argument("--lexicon", metavar="FILE", help="extra pairs: 'spun<TAB>original' or synonym groups")
    p.add_argument("--encoding", metavar="NAME", help="input encoding (default: detect UTF-8/GBK/Big5)")


def engine_kwargs(args: argparse.Namespace) -> dict:
    """Keyword arguments for :func:`unspin.restore` from parsed options (model loaded once)."""
    from unspin.api import resolve_keep, resolve_lexicon
    from unspin.model import load_model
    from unspin.text.decode import check_side_file

    check_side_file("--keep", args.keep)
    check_side_file("--lexicon", args.lexicon)
    return {
        "model": load_model(args.model),
        "keep": resolve_keep(args.keep),
        "lexicon": resolve_lexicon(args.lexicon),
    }
