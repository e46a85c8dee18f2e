"""Errors that tell the user what went wrong and what to do next."""

from __future__ import annotations


class UnspinError(Exception):
    """A user-facing error: one line of message plus an optional hint.

    >>> str(UnspinError("input is empty", hint="pass a file with Chinese text"))
    'input is empty (hint: pass a file with Chinese text)'
    """

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message

    def __reduce__(self):
        """Pickle with the hint (an error raised in a worker process reaches the user whole)."""
        return type(self), (self.message, self.hint)


class InputError(UnspinError):
    """The input text or file cannot be analysed (empty, binary, not Chinese, too large)."""


class ModelError(UnspinError):
    """A model, language model or lexicon is missing or corrupt."""

    exit_code = 3


class IndexError_(UnspinError):
    """A trace index is missing, corrupt or inconsistent."""

    exit_code = 4


class UnspinWarning(UserWarning):
    """Input was usable after a repair (e.g. control characters removed).

    The CLI prints it as one line, ``unspin: warning: <message>``; filter it with
    ``warnings.simplefilter("ignore", UnspinWarning)``.
    """
