"""Language models that score a short window of words (log10 probability)."""

from unspin.lm.base import LanguageModel, find_system_lm, load_kenlm
from unspin.lm.ngram import BigramLM, InterpolatedLM

__all__ = ["BigramLM", "InterpolatedLM", "LanguageModel", "find_system_lm", "load_kenlm"]
