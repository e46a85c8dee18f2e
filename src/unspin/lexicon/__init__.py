"""Substitution lexicons: which word a spinner may have put in place of which."""

from unspin.lexicon.lexicon import Candidate, Lexicon, Source

__all__ = ["Candidate", "Lexicon", "Source"]
