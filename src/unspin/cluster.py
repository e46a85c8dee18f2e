"""The Ray connection every engine uses (``scan``, ``index add --engine ray``, sharded builds, ``dedup``).

It lives here, not in one of its users, so that ``unspin.trace`` does not import ``unspin.scan``
for it (issue 18: a circle in the imports).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def connect(address: str | None, workers: int) -> bool:
    """Join the cluster at ``address``, or start a private local instance with ``workers`` CPUs
    (no dashboard, no usage stats, Ray's own log lines kept off the terminal).

    Returns True if this call connected, so the caller should ``ray.shutdown()`` at the end.
    """
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # never phone home
    os.environ.setdefault("RAY_DATA_LOG_LEVEL", "ERROR")  # our summary, not Ray Data's INFO lines
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")  # core-worker notices stay in log files
    import ray

    if ray.is_initialized():
        return False
    common: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": False}
    if address:
        ray.init(address=address, **common)
    else:
        ray.init(num_cpus=workers, include_dashboard=False, **common)
    return True


@contextmanager
def session(address: str | None, workers: int) -> Iterator[Any]:
    """The ``ray`` module, connected by :func:`connect` for the block and shut down after it when this
    call connected (a cluster or an instance someone else started stays up)."""
    started = connect(address, workers)
    import ray

    try:
        yield ray
    finally:
        if started:
            ray.shutdown()
