"""A word n-gram language model behind one small interface, backed by KenLM.

The default is libime's modern Chinese word trigram model (Debian package
``libime-data-language-model``, file ``libime/zh_CN.lm``), queried with PyPI ``kenlm``.
Set ``UNSPIN_LM=/path/to/model.{arpa,bin,lm}`` to use another KenLM model.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from functools import cache
from typing import Protocol

from unspin.errors import ModelError

SYSTEM_LM_GLOBS = ("/usr/lib/*/libime/zh_CN.lm", "/usr/lib/libime/zh_CN.lm", "/usr/share/libime/zh_CN.lm")


class LanguageModel(Protocol):
    """Scores a window of words: ``window(words)`` is the log10 probability of the words given
    each other, without sentence markers.  Two windows that differ in one word and share
    their left context can be compared directly: the context's own score cancels."""

    def window(self, words: Sequence[str]) -> float: ...

    def slot_scores(self, left: Sequence[str], fillers: Sequence[str], right: Sequence[str]) -> list[float]:
        """``window(left + [f] + right)`` for each filler ``f`` (one call: the decoder's hot loop)."""
        ...

    def __contains__(self, word: str) -> bool: ...


def find_system_lm() -> str:
    """Path of the KenLM model to use, or a :class:`ModelError` telling how to install one."""
    env = os.environ.get("UNSPIN_LM")
    if env:
        if not os.path.exists(env):
            raise ModelError(f"UNSPIN_LM points to a missing file: {env}")
        return env
    for pattern in SYSTEM_LM_GLOBS:
        hits = sorted(glob.glob(pattern))
        if hits:
            return hits[0]
    raise ModelError(
        "no language model found (libime/zh_CN.lm)",
        hint="run `sudo apt-get install libime-data-language-model`, or set UNSPIN_LM to a KenLM model",
    )


class KenLM:
    """A KenLM model (binary or ARPA)."""

    def __init__(self, path: str) -> None:
        import kenlm

        try:
            self._m = kenlm.Model(path)
        except (OSError, RuntimeError) as exc:
            raise ModelError(f"cannot load language model {path}: {exc}") from None
        self.path = path
        self.order = self._m.order
        self._score = self._m.score

    def __contains__(self, word: str) -> bool:
        return word in self._m

    def window(self, words: Sequence[str]) -> float:
        return self._score(" ".join(words), bos=False, eos=False)

    def slot_scores(self, left: Sequence[str], fillers: Sequence[str], right: Sequence[str]) -> list[float]:
        pre = " ".join(left) + " " if left else ""
        post = " " + " ".join(right) if right else ""
        score = self._score
        return [score(pre + f + post, False, False) for f in fillers]  # (bos, eos) positional: a little faster

    def token_scores(self, words: Sequence[str]) -> list[float]:
        """log10 p(word | history) for each word of ``words`` (no sentence markers)."""
        return [s for s, _, _ in self._m.full_scores(" ".join(words), bos=False, eos=False)]


@cache
def load_kenlm(path: str | None = None) -> KenLM:
    """Load (once per process) the KenLM model at ``path`` or the system default."""
    return KenLM(path or find_system_lm())
