"""Worker processes whose death ends the run with one line, never a hang.

``multiprocessing.Pool`` replaces a worker killed in the middle of a task (by the OOM killer,
``kill -9``) and waits for that task forever.  :class:`concurrent.futures.ProcessPoolExecutor`
instead fails every unfinished task with ``BrokenProcessPool``; :func:`process_pool` turns that
into :class:`WorkerDied` (one line, exit code 1) and stops the remaining workers, so the run
ends and the next run of the same command resumes from what was finished.  ``unspin scan``,
``unspin trace --workers N`` and ``unspin train`` (the cascade's decoder runs) use it;
``index add --shards N`` has its own writer processes, which :mod:`unspin.trace.shards` watches
the same way.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from unspin.errors import UnspinError


class WorkerDied(UnspinError):
    """A worker process stopped without finishing its part (killed, out of memory)."""

    exit_code = 1


def quiet_worker() -> None:
    """Signals of a worker process: Ctrl-C (which reaches the whole process group) is left to the
    driver, which stops the workers; SIGTERM, which the driver stops them with, ends one at once
    (a forked worker would otherwise inherit the CLI's SIGTERM handler and print a traceback)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def died_message(what: str, exitcode: int | None) -> str:
    """``a worker process ... was killed by signal 9 (SIGKILL: out of memory?)``, or its exit code."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        why = f"was killed by {name}" + (" (out of memory?)" if -exitcode == signal.SIGKILL else "")
    elif exitcode is not None:
        why = f"stopped with exit code {exitcode}"
    else:
        why = "stopped"
    return f"{what} {why} before finishing its part"


@contextmanager
def process_pool(workers: int, start_method: str, what: str, hint: str,
                 initializer: Callable[..., object] | None = None, initargs: tuple = ()) -> Iterator[ProcessPoolExecutor]:
    """A :class:`ProcessPoolExecutor` of ``workers`` processes (``start_method``: fork or spawn).

    A worker that dies makes the block raise :class:`WorkerDied` naming ``what`` (``a scan worker``)
    and how it died, with ``hint``; on any error (Ctrl-C too) the remaining workers are stopped
    instead of waited for.
    """
    ex = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(start_method),
                             initializer=initializer, initargs=initargs)
    procs: dict = {}
    try:
        procs = ex._processes  # noqa: SLF001 - the workers' exit codes name the signal that killed one
        yield ex
    except BrokenProcessPool:
        _stop(ex)
        codes = [p.exitcode for p in list(procs.values())]
        code = next((c for c in codes if c is not None and c not in (0, -signal.SIGTERM)), None)
        raise WorkerDied(died_message(what, code), hint=hint) from None
    except BaseException:
        _stop(ex)
        raise
    ex.shutdown(wait=True)


def _stop(ex: ProcessPoolExecutor) -> None:
    """Cancel what is queued and end the workers now (Python < 3.14 has no public call for it)."""
    procs = list((ex._processes or {}).values())  # noqa: SLF001
    ex.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(5)
