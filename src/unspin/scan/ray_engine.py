"""The Ray executor: the same readers and steps as the local one, on Ray Data.

Pipeline: ``from_items(inputs)`` -> ``flat_map`` (read + cut shards, one task per input
file) -> ``map_batches(ScanActor)`` (an actor pool; each actor loads the model once and
scores one shard per call) -> the driver writes the finished shards, as the local
engine does.  We use our own readers rather than ``read_json``/``read_parquet`` so a
malformed line becomes a reject instead of failing the read, and so shard keys (and
thus resume and output order) are identical to the local engine's.

Without ``address`` a private local instance with ``workers`` CPUs is started; with one
(``auto`` or ``HOST:PORT``) the scan joins that cluster.  Input files must be readable at
the same path on every node, and so must a trace index (``--index``: each actor opens it
read-only once); outputs are written by the driver.  An :class:`UnspinError` of a shard (a
broken index) comes back to the driver as such and stops the scan with its own message.
"""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from unspin.cluster import connect, session  # noqa: F401 - the Ray connection, shared with trace and dedup
from unspin.errors import UnspinError
from unspin.scan.options import ScanOptions
from unspin.scan.record import Shard, ShardResult
from unspin.scan.shards import cut_shards
from unspin.scan.steps import process_shard, warm_up


def _read(row: dict[str, Any], opts: ScanOptions, skip: frozenset[str]) -> Iterator[dict[str, Any]]:
    for shard in cut_shards(int(row["index"]), str(row["path"]), opts, skip):
        yield {"key": shard.key, "payload": pickle.dumps(shard, protocol=5)}


class ScanActor:
    """Loads the model once per Ray worker, then scores one shard per batch row (the trace index
    is opened on the first record that needs it, so a path missing on this node is a clear error)."""

    def __init__(self, opts: ScanOptions) -> None:
        self.opts = opts
        warm_up(opts)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list]:
        out = []
        for payload in batch["payload"]:
            shard: Shard = pickle.loads(payload)
            res: ShardResult | UnspinError
            if not shard.docs:
                res = ShardResult(shard.key, stats={"skipped": True, "nbytes": shard.nbytes})
            else:
                try:
                    res = process_shard(shard, self.opts)
                except UnspinError as exc:  # not wrapped in Ray's task error: the driver raises it as is
                    res = exc
            out.append(pickle.dumps(res, protocol=5))
        return {"key": list(batch["key"]), "payload": out}


def run_ray(opts: ScanOptions, skip: frozenset[str], on_result: Callable[[ShardResult], None],
            on_skip: Callable[[Shard], None]) -> None:
    """Score every unfinished shard on Ray Data with ``opts.workers`` actors."""
    with session(opts.address, opts.workers) as ray:
        warnings.filterwarnings("ignore", category=UserWarning, module=r"ray\.data")
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        ctx.target_max_block_size = 1  # one shard per block, so every actor gets work
        items = [{"index": i, "path": p} for i, p in enumerate(opts.inputs)]
        ds = ray.data.from_items(items, override_num_blocks=len(items))
        ds = ds.flat_map(_read, fn_kwargs={"opts": opts, "skip": skip}, num_cpus=0)
        ds = ds.map_batches(ScanActor, fn_constructor_args=(opts,), batch_size=1, num_cpus=1,
                            compute=ray.data.ActorPoolStrategy(size=opts.workers))
        for row in ds.iter_rows():
            res: ShardResult | UnspinError = pickle.loads(row["payload"])
            if isinstance(res, UnspinError):
                raise res
            if res.stats.get("skipped"):
                on_skip(Shard(res.key, [], res.stats["nbytes"]))
            else:
                on_result(res)
