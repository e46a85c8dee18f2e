"""Run a scan: check options, resume the work folder, execute, merge, summarise."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from unspin.errors import UnspinError
from unspin.scan.options import ScanOptions, output_format
from unspin.scan.progress import Progress
from unspin.scan.readers import input_kind, input_size
from unspin.scan.record import Shard, ShardResult
from unspin.scan.shards import WorkDir
from unspin.scan.summary import Summary, plot
from unspin.scan.writers import atomic, merge, score_schema
from unspin.text.decode import check_side_file


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
    for flag, value in (("--threshold", opts.threshold), ("--drop-above", opts.drop_above)):
        if value is not None and not 0.0 <= value <= 1.0:  # also refuses nan
            raise UnspinError(f"{flag} {value} is not a probability in [0, 1]")
    if opts.plot and not opts.plot.lower().endswith(PLOT_EXTS):
        raise UnspinError(f"--plot {opts.plot}: unknown image format", hint="end it in .png, .svg or .pdf")
    check_modules(opts)
    check_side_file("--keep", opts.keep)
    check_side_file("--lexicon", opts.lexicon)
    check_index(opts)
    check_outputs(opts)


def check_index(opts: ScanOptions) -> None:
    """With ``--index``: open the index once now, so a missing, corrupt or foreign index is one
    :class:`IndexError_` line before any work (workers open it again, read-only, for themselves)."""
    if not opts.index:
        if opts.trace_top != 1 or opts.trace_flagged or opts.learn:
            raise UnspinError("--trace-top, --trace-flagged and --learn need --index",
                              hint="add --index DIR, a trace index built with `unspin index add`")
        return
    if opts.trace_top < 1:
        raise UnspinError("--trace-top must be at least 1")
    from unspin.trace.index import TraceIndex

    TraceIndex.open(opts.index).close()


PLOT_EXTS = (".png", ".svg", ".pdf")
INPUT_MODULES = {"parquet": "pyarrow", "warc": "warcio", "html": "trafilatura"}
"""The optional module each input kind needs (``.zst`` needs zstandard)."""


def check_modules(opts: ScanOptions) -> None:
    """Raise :class:`ModuleNotFoundError` now, not after the scoring, if an input kind, a Parquet
    output, ``--plot`` or ``--engine ray`` needs an optional module that is not installed."""
    needs = [("--plot", "matplotlib" if opts.plot else None), ("--engine ray", "ray" if opts.engine == "ray" else None)]
    needs += [(p, INPUT_MODULES.get(input_kind(p), "zstandard" if p.lower().endswith(".zst") else None))
              for p in opts.inputs]
    needs += [(p, "pyarrow") for p in (opts.out, opts.clean_out) if p and output_format(p) == "parquet"]
    for what, module in needs:
        if module and importlib.util.find_spec(module) is None:
            extra = "ray" if module == "ray" else "scan"
            raise ModuleNotFoundError(f"{what} needs {module}: pip install 'unspin[{extra}]'", name=module)


def check_outputs(opts: ScanOptions) -> None:
    """Refuse outputs that would destroy data: a file the scan reads (an input, the ``--keep`` or
    ``--lexicon`` file, a file of the trace index or of the model, the model's language model: the
    same file by inode, or by name; inside the index or model folder), ``--overwrite`` or not; a
    folder, a path under a file, two outputs on one file, or an existing file when the run starts
    afresh without ``--overwrite`` (a resumed run may find the outputs it was merging when it stopped)."""
    outputs = opts.outputs()
    protected = _protected(opts)
    inodes = {ino: what for path, what, _ in protected for ino in _inodes(path)}
    seen: dict[Path, str] = {}
    fresh = not WorkDir(opts).resuming()
    for flag, out in outputs.items():
        p = Path(out)
        rp = p.resolve()
        what = next((what for path, what, folder in protected
                     if rp == path.resolve() or (folder and rp.is_relative_to(path.resolve()))), None)
        if what is None and p.exists():
            st = p.stat()
            what = inodes.get((st.st_dev, st.st_ino))  # a hard link
        if what:
            raise UnspinError(f"{flag} {out} is {what}", hint="write the output elsewhere: a scan never replaces "
                              "a file it reads, --overwrite or not")
        if p.exists() and not p.is_file():  # a folder, or a device that a rename would replace
            raise UnspinError(f"{flag} {out} is {'a folder' if p.is_dir() else 'not a regular file'}",
                              hint="pass a file name")
        parent = next(a for a in p.resolve().parents if a.exists())
        if not parent.is_dir():
            raise UnspinError(f"{flag} {out}: {parent} is a file, not a folder")
        if p.resolve() in seen:
            raise UnspinError(f"{flag} and {seen[p.resolve()]} are the same file: {out}")
        seen[p.resolve()] = flag
        if p.exists() and fresh and not opts.overwrite:
            raise UnspinError(f"{flag} {out} exists", hint="add --overwrite to replace it")


def _protected(opts: ScanOptions) -> list[tuple[Path, str, bool]]:
    """``(path, what it is, whether no output may be inside it)`` for everything a scan reads."""
    from unspin.model import DEFAULT_MODEL_DIR

    found = [(Path(p), "an input of this scan", False) for p in opts.inputs]
    found += [(Path(p), f"the {flag} file", False) for flag, p in (("--keep", opts.keep), ("--lexicon", opts.lexicon))
              if p]
    if opts.index:
        found.append((Path(opts.index), f"part of the trace index {opts.index}", True))
    model = Path(opts.model) if opts.model else DEFAULT_MODEL_DIR
    found.append((model, f"part of the model {opts.model or '(built-in)'}", True))
    lm = _language_model(model)
    if lm:
        found.append((Path(lm), "the model's language model", False))
    return found


def _language_model(model: Path) -> str | None:
    """The language model file the model at ``model`` reads (``settings.lm_path``, else the system
    one), or ``None`` when unknown (loading the model reports it)."""
    from unspin.errors import ModelError
    from unspin.lm.base import find_system_lm

    try:
        with open(model / "meta.json", "rb") as f:
            raw = f.read(16 << 20)
        lm = json.loads(raw).get("settings", {}).get("lm_path")
        return lm if isinstance(lm, str) else find_system_lm()
    except (OSError, ValueError, RecursionError, AttributeError, ModelError):
        return None


def _inodes(path: Path) -> list[tuple[int, int]]:
    """``(device, inode)`` of the file at ``path``, or of every file under the folder at ``path``."""
    try:
        files = [f for f in path.rglob("*") if f.is_file()] if path.is_dir() else [path] if path.exists() else []
        return [(st.st_dev, st.st_ino) for st in map(os.stat, files)]
    except OSError:
        return []


def _executor(opts: ScanOptions):
    if opts.engine == "ray":
        from unspin.scan.ray_engine import run_ray

        return run_ray
    from unspin.scan.local import run_local

    return run_local


def scan(opts: ScanOptions) -> Summary:
    """Score every document of ``opts.inputs``; write outputs and return the summary."""
    if opts.index:  # workers (Ray actors too) may run in another folder: give them the absolute path
        opts = dataclasses.replace(opts, index=str(Path(opts.index).resolve()))
    check_options(opts)
    with _out_lock(opts):
        return _scan_locked(opts)


@contextmanager
def _out_lock(opts: ScanOptions) -> Iterator[None]:
    """Hold ``OUT.lock`` (``flock``) for the run: a second scan on the same ``--out`` is told it is in
    use, instead of resuming the same work folder at the same time.  The file is removed at the end."""
    path = Path(str(opts.out) + ".lock")
    f = open(path, "a+b")  # noqa: SIM115 - held for the run; an OSError is one line in the CLI
    try:
        import fcntl

        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # pragma: no cover - no advisory locks on this platform
        pass
    except OSError:
        f.close()
        raise UnspinError(f"--out {opts.out} is in use by another `unspin scan` (it holds {path.name})",
                          hint="wait for it to finish, or write to another --out") from None
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        f.close()


def _scan_locked(opts: ScanOptions) -> Summary:
    work = WorkDir(opts)
    done = work.open()
    previous = work.completed()
    if previous is not None:  # the last run wrote every output and was stopped while cleaning up
        work.remove()
        return Summary.from_dict(previous)
    summary = Summary(index=opts.index)
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
    """Merge the shards into the outputs, draw the plot, write the summary, remove the work folder."""
    fmt = output_format(opts.out)
    schema = score_schema(opts.restore, opts.trace_top if opts.index else 0, opts.cascade and not opts.restore) if fmt == "parquet" else None
    merge(work.parts("out"), opts.out, fmt, schema)
    summary.outputs["scores"] = opts.out
    merge(work.parts("rejects"), opts.rejects_path, "jsonl")
    summary.outputs["rejects"] = opts.rejects_path
    if opts.clean_out:
        merge(work.parts("clean"), opts.clean_out, output_format(opts.clean_out))
        summary.outputs["clean"] = opts.clean_out
        summary.drop_threshold = opts.drop_threshold
    if opts.plot:
        plot(summary, opts.plot, opts.threshold)
        summary.outputs["plot"] = opts.plot
    if opts.summary_json:
        summary.outputs["summary"] = opts.summary_json
        with atomic(opts.summary_json, "w") as f:
            json.dump(summary.to_dict(), f, indent=1)
    work.complete(summary.to_dict())
    work.remove()
