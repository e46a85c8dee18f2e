"""Options shared by every command that analyses text."""

from __future__ import annotations

import argparse


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

    return {
        "model": load_model(args.model),
        "keep": resolve_keep(args.keep),
        "lexicon": resolve_lexicon(args.lexicon),
    }
