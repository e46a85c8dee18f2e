"""A cooperative time limit for one analysis, so that abandoned work stops using the CPU.

Python cannot stop a thread from outside; instead the decoder calls :func:`check` as it
goes, and raises :class:`TimeoutError` once the deadline set for the current thread has
passed.  Without a deadline, :func:`check` costs one attribute lookup.

>>> with deadline(0.0):
...     check()
Traceback (most recent call last):
...
TimeoutError: analysis ran past its time limit
>>> check()  # no deadline outside the block
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_local = threading.local()


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Analyses run in this thread inside the block stop (TimeoutError) after ``seconds``."""
    previous = getattr(_local, "at", None)
    _local.at = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.at = previous


def check() -> None:
    """Raise :class:`TimeoutError` if this thread's deadline has passed."""
    at = getattr(_local, "at", None)
    if at is not None and time.monotonic() > at:
        raise TimeoutError("analysis ran past its time limit")
