"""Document-level decoding: score every candidate swap in context, decide per spinner pair."""

from unspin.decode.document import Analysis, PairEvidence, analyse

__all__ = ["Analysis", "PairEvidence", "analyse"]
