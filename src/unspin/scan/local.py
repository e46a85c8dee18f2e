"""The local executor: shards scored by a pool of processes, read and written by the driver.

At most ``2 x workers`` shards are in flight, so memory stays flat whatever the corpus
size.  Workers ignore SIGINT; on Ctrl-C (or SIGTERM, which the CLI turns into the same
interrupt) the driver stops the pool and the finished shards stay on disk for the next run.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import signal
from collections.abc import Callable

from unspin.scan.options import ScanOptions
from unspin.scan.record import Shard, ShardResult
from unspin.scan.shards import cut_shards
from unspin.scan.steps import process_shard, warm_up

_OPTS: ScanOptions | None = None


def _init_worker(opts: ScanOptions) -> None:
    global _OPTS
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the pool stops workers with SIGTERM: die quietly
    _OPTS = opts
    warm_up(opts)  # a no-op when the driver loaded the model before forking


def _work(shard: Shard) -> ShardResult:
    assert _OPTS is not None
    return process_shard(shard, _OPTS)


def all_shards(opts: ScanOptions, skip: frozenset[str]):
    """Every shard of every input, in order."""
    for i, path in enumerate(opts.inputs):
        yield from cut_shards(i, path, opts, skip)


def run_local(opts: ScanOptions, skip: frozenset[str], on_result: Callable[[ShardResult], None],
              on_skip: Callable[[Shard], None]) -> None:
    """Score every unfinished shard with ``opts.workers`` processes (1: in this process)."""
    if opts.workers <= 1:
        for shard in all_shards(opts, skip):
            if shard.docs:
                on_result(process_shard(shard, opts))
            else:
                on_skip(shard)
        return
    warm_up(opts)  # forked workers share the loaded model instead of each loading it
    done: queue.Queue = queue.Queue()
    inflight = 0

    def drain(limit: int) -> None:
        nonlocal inflight
        while inflight > limit:
            res = done.get()
            inflight -= 1
            if isinstance(res, BaseException):
                raise res
            on_result(res)

    with mp.get_context("fork").Pool(opts.workers, _init_worker, (opts,)) as pool:
        for shard in all_shards(opts, skip):
            if not shard.docs:
                on_skip(shard)
                continue
            pool.apply_async(_work, (shard,), callback=done.put, error_callback=done.put)
            inflight += 1
            drain(2 * opts.workers - 1)
        drain(0)
