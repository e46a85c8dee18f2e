"""The local executor: shards scored by a pool of processes, read and written by the driver.

At most ``2 x workers`` shards are in flight, so memory stays flat whatever the corpus
size.  Workers ignore SIGINT; on Ctrl-C (or SIGTERM, which the CLI turns into the same
interrupt) the driver stops the pool and the finished shards stay on disk for the next run.
A worker that dies (SIGKILL, the OOM killer) ends the run with one line (:mod:`unspin.pool`);
the next run resumes.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait

from unspin.pool import process_pool, quiet_worker
from unspin.scan.options import ScanOptions
from unspin.scan.record import Shard, ShardResult
from unspin.scan.shards import cut_shards
from unspin.scan.steps import process_shard, warm_up

_OPTS: ScanOptions | None = None


def _init_worker(opts: ScanOptions) -> None:
    global _OPTS
    quiet_worker()
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
    inflight: set[Future] = set()

    def drain(limit: int) -> None:
        nonlocal inflight
        while len(inflight) > limit:
            finished, inflight = wait(inflight, return_when=FIRST_COMPLETED)
            for fut in finished:
                on_result(fut.result())  # a worker's error, or BrokenProcessPool when one died

    with process_pool(opts.workers, "fork", "a scan worker process",
                      "rerun the same command to resume: finished shards are kept (fewer --workers if memory "
                      "is short)", _init_worker, (opts,)) as pool:
        for shard in all_shards(opts, skip):
            if not shard.docs:
                on_skip(shard)
                continue
            inflight.add(pool.submit(_work, shard))
            drain(2 * opts.workers - 1)
        drain(0)
