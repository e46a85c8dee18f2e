"""Run a scan: check options, resume the work folder, execute, merge, summarise."""

from __future__ import annotations

import time

from unspin.errors import UnspinError
from unspin.scan.options import ScanOptions, output_format
from unspin.scan.progress import Progress
from unspin.scan.readers import input_kind, input_size
from unspin.scan.record import Shard, ShardResult
from unspin.scan.shards import WorkDir
from unspin.scan.summary import Summary, plot
from unspin.scan.writers import merge, score_schema


def check_options(opts: ScanOptions) -> None:
    """Raise :class:`UnspinError` for options that cannot work, before any work is done."""
    if not opts.inputs:
        raise UnspinError("no input given", hint="pass JSONL, Parquet, WARC, HTML or .txt files or folders")
    for path in opts.inputs:
        input_kind(path)
    for flag, path in (("--out", opts.out), ("--clean-out", opts.clean_out)):
        if path and not output_format(path):
            raise UnspinError(f"{flag} {path}: unknown format", hint="end it in .jsonl, .jsonl.gz or .parquet")
    if opts.drop_above is not None and not opts.clean_out:
        raise UnspinError("--drop-above needs --clean-out", hint="add --clean-out FILE for the kept documents")
    if opts.workers < 1 or opts.shard_size < 1:
        raise UnspinError("--workers and --shard-size must be at least 1")
    if opts.engine not in ("local", "ray"):
        raise UnspinError(f"unknown engine {opts.engine!r}", hint="use --engine local or --engine ray")


def _executor(opts: ScanOptions):
    if opts.engine == "ray":
        from unspin.scan.ray_engine import run_ray

        return run_ray
    from unspin.scan.local import run_local

    return run_local


def scan(opts: ScanOptions) -> Summary:
    """Score every document of ``opts.inputs``; write outputs and return the summary."""
    check_options(opts)
    work = WorkDir(opts)
    done = work.open()
    summary = Summary()
    for key in sorted(done):
        summary.add(work.stats(key), this_run=False)
    progress = Progress(sum(input_size(p) for p in opts.inputs), tty=opts.progress)

    def on_result(res: ShardResult) -> None:
        work.write(res)
        summary.add(res.stats, this_run=True)
        progress.update(res.stats["nbytes"], res.stats["documents"] + res.stats["rejected"])

    def on_skip(shard: Shard) -> None:
        progress.update(shard.nbytes, 0)

    start = time.monotonic()
    try:
        _executor(opts)(opts, frozenset(done), on_result, on_skip)
    finally:
        progress.close()
    summary.seconds = time.monotonic() - start
    _finish(opts, work, summary)
    return summary


def _finish(opts: ScanOptions, work: WorkDir, summary: Summary) -> None:
    """Merge the shards into the outputs, draw the plot, remove the work folder."""
    fmt = output_format(opts.out)
    merge(work.parts("out"), opts.out, fmt, score_schema(opts.restore) if fmt == "parquet" else None)
    summary.outputs["scores"] = opts.out
    merge(work.parts("rejects"), opts.rejects_path, "jsonl")
    summary.outputs["rejects"] = opts.rejects_path
    if opts.clean_out:
        merge(work.parts("clean"), opts.clean_out, output_format(opts.clean_out))
        summary.outputs["clean"] = f"{opts.clean_out} ({summary.kept:,} documents with p <= {opts.drop_threshold:g})"
    if opts.plot:
        plot(summary, opts.plot, opts.threshold)
        summary.outputs["plot"] = opts.plot
    work.remove()
