"""``unspin dedup``: read, sign into a trace index, trace every document against the others, cluster, write.

Phases, each resumable from the work folder ``OUT.parts/`` (``manifest.json`` names the run):

1. **read and sign**: the scan readers and checks (``decode``, ``extract``, ``check``; bad records go to
   the rejects file), then :meth:`TraceIndex.add` (signatures in ``--workers`` processes or on Ray
   actors, :func:`unspin.trace.ray_sign.add_signed`).  The index lives in ``OUT.parts/index`` or
   ``--index-out DIR``; a rerun finds the documents already signed there and signs only the rest.
2. **trace**: every document against the index, itself left out (:func:`unspin.dedup.cluster.links`),
   in shards of ``--shard-size`` documents, each written to ``OUT.parts/pass1/`` when done; then
   the second look (``pass2/``, see :mod:`unspin.dedup.cluster`).
3. **cluster and write**: components, stitched pages, the kept document of each cluster, the
   relation of every member to it; ``--out``, ``--clean-out`` (a second read of the inputs) and the
   summary.  Then ``OUT.parts/`` is removed (the index too, unless ``--index-out``).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from unspin.dedup.cluster import (
    Link,
    Member,
    Traced,
    UnionFind,
    choose_kept,
    components,
    date_key,
    links,
    relation,
    second_look,
    stitched_pages,
)
from unspin.errors import InputError
from unspin.scan.options import ScanOptions, output_format
from unspin.scan.readers import input_kind, read
from unspin.scan.record import Doc
from unspin.scan.writers import atomic, dumps, merge, write_jsonl

MANIFEST = "manifest.json"
DATE_FIELDS = ("date", "published", "pub_date", "publish_date", "published_at")
"""Fields read as a record's date (the first present), as ``index add`` reads them."""
META_FIELDS = {"title": ("title", "headline"), "url": ("url", "link"), "date": DATE_FIELDS}
SIZE_BINS = ((1, 1), (2, 2), (3, 5), (6, 10), (11, 100), (101, None))


@dataclass
class DedupOptions:
    """Options of one dedup run (see ``unspin dedup --help``)."""

    inputs: list[str]
    out: str
    clean_out: str | None = None
    rejects: str | None = None
    summary_json: str | None = None
    text_field: str = "text"
    id_field: str = "id"
    encoding: str | None = None
    model: str | None = None
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    engine: str = "local"
    address: str | None = None
    index_out: str | None = None
    keep_stitched: bool = False
    spin: bool = True
    """Choose the kept document by spin probability when no date decides (costs a detection per member)."""
    shard_size: int = 500
    overwrite: bool = False
    progress: bool | None = None

    def as_scan(self) -> ScanOptions:
        """The scan options whose output checks apply here too."""
        return ScanOptions(inputs=list(self.inputs), out=self.out, clean_out=self.clean_out, rejects=self.rejects,
                           summary_json=self.summary_json, model=self.model, overwrite=self.overwrite,
                           engine=self.engine, workers=self.workers)

    @property
    def work(self) -> Path:
        return Path(str(self.out) + ".parts")

    @property
    def index_dir(self) -> Path:
        return Path(self.index_out) if self.index_out else self.work / "index"

    def manifest(self) -> dict[str, Any]:
        """What a resumed run must share with the run it continues."""
        inputs = []
        for p in map(Path, self.inputs):
            st = p.stat()
            inputs.append([str(p.resolve()), st.st_size if p.is_file() else 0, int(st.st_mtime)])
        return {"inputs": inputs, "text_field": self.text_field, "id_field": self.id_field,
                "encoding": self.encoding, "model": self.model, "index": str(self.index_dir.resolve()),
                "shard_size": self.shard_size}


@dataclass
class Entry:
    """One input document that passed the checks."""

    order: int
    id: str
    source: str
    chars: int
    date: tuple | None
    num: int = -1


@dataclass
class DedupSummary:
    documents: int = 0
    rejected: int = 0
    reasons: Counter = field(default_factory=Counter)
    clusters: int = 0
    duplicate_clusters: int = 0
    removed: int = 0
    stitched: int = 0
    relations: Counter = field(default_factory=Counter)
    keep_reasons: Counter = field(default_factory=Counter)
    sizes: dict[str, int] = field(default_factory=dict)
    signed: int = 0
    second_look: int = 0
    seconds: float = 0.0
    phase_seconds: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def share_removed(self) -> float:
        return self.removed / self.documents if self.documents else 0.0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["reasons"], d["relations"], d["keep_reasons"] = dict(self.reasons), dict(self.relations), dict(self.keep_reasons)
        d["share_removed"] = round(self.share_removed, 6)
        return d

    def text(self) -> str:
        lines = [f"documents {self.documents:,}  rejected {self.rejected:,}"
                 + (f" ({', '.join(f'{k} {v:,}' for k, v in self.reasons.most_common())})" if self.reasons else ""),
                 f"clusters  {self.clusters:,} ({self.duplicate_clusters:,} with copies)",
                 f"removed   {self.removed:,} ({self.share_removed:.1%} of the documents)"
                 + (f"; {self.stitched:,} stitched pages" if self.stitched else ""),
                 "relations " + ", ".join(f"{k} {v:,}" for k, v in sorted(self.relations.items())),
                 "sizes     " + ", ".join(f"{k}: {v:,}" for k, v in self.sizes.items() if v),
                 f"time      {self.seconds:,.1f} s (" + ", ".join(f"{k} {v:,.1f} s" for k, v in
                                                         self.phase_seconds.items()) + ")"]
        return "\n".join(lines)


# -- checks and the work folder ---------------------------------------------------------------
def check_options(opts: DedupOptions) -> None:
    """One error line for options that cannot work, before any work."""
    from unspin.scan.run import check_modules, check_outputs

    if not opts.inputs:
        raise InputError("no input given", hint="pass JSONL, Parquet, WARC, HTML or .txt files or folders")
    for path in opts.inputs:
        input_kind(path)
    for flag, path in (("--out", opts.out), ("--clean-out", opts.clean_out)):
        if path and not output_format(path):
            raise InputError(f"{flag} {path}: unknown format", hint="end it in .jsonl, .jsonl.gz or .parquet")
    if opts.workers < 1 or opts.shard_size < 1:
        raise InputError("--workers and --shard-size must be at least 1")
    if opts.engine not in ("local", "ray"):
        raise InputError(f"unknown engine {opts.engine!r}", hint="use --engine local or --engine ray")
    scan_opts = opts.as_scan()
    check_modules(scan_opts)
    check_outputs(scan_opts)
    if opts.index_out:
        p = Path(opts.index_out)
        if p.exists() and not p.is_dir():
            raise InputError(f"--index-out {p} is a file", hint="pass a new folder")
        if p.resolve() in {Path(i).resolve() for i in opts.inputs}:
            raise InputError(f"--index-out {p} is an input of this run")


def open_work(opts: DedupOptions) -> bool:
    """Create or resume ``OUT.parts``; True when resuming.  A work folder of another run is refused
    (``--overwrite`` starts over, removing only a folder of ours)."""
    work, want = opts.work, opts.manifest()
    if work.exists() and not work.is_dir():
        raise InputError(f"{work} is a file", hint="move it away: unspin dedup keeps its work there")
    have = None
    if (work / MANIFEST).is_file():
        try:
            have = json.loads((work / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            have = {}
    elif work.is_dir() and any(work.iterdir()):
        raise InputError(f"{work} exists but is not an unspin dedup work folder", hint="move it away")
    if have is not None and (opts.overwrite or have != want):
        if not opts.overwrite:
            raise InputError(f"{work} holds an unfinished dedup run with other inputs or options",
                             hint="rerun that command to finish it, or add --overwrite to start over")
        shutil.rmtree(work)
        if opts.index_out and Path(have.get("index", "")) == opts.index_dir.resolve():
            _remove_index(opts.index_dir)
        have = None
    if have is None and opts.index_out and opts.index_dir.exists() and any(opts.index_dir.iterdir()):
        raise InputError(f"--index-out {opts.index_out} is not empty",
                         hint="pass a new folder: a dedup run indexes the crawl alone")
    work.mkdir(parents=True, exist_ok=True)
    with atomic(work / MANIFEST, "w") as f:
        f.write(json.dumps(want))
    return have is not None


def _remove_index(folder: Path) -> None:
    from unspin.trace.index import DB_NAME, LOCK_NAME

    for f in folder.glob(DB_NAME + "*"):
        f.unlink()
    (folder / LOCK_NAME).unlink(missing_ok=True)


# -- phase 1: read and sign ---------------------------------------------------------------------
def read_docs(opts: DedupOptions) -> Iterator[tuple[int, Doc]]:
    """Every input document through the scan's checks, numbered in input order (rejects included)."""
    from unspin.scan.steps import check, decode, extract

    order = 0
    for path in opts.inputs:
        for doc in read(path, opts.text_field, opts.id_field, opts.encoding):
            try:
                doc = check(extract(decode(doc, opts.encoding)))
            except Exception as exc:  # noqa: BLE001 - one poison record never ends the run (as in scan)
                doc.fail("error", f"{type(exc).__name__}: {str(exc)[:300]}")
            yield order, doc
            order += 1


def _meta(record: dict[str, Any] | None) -> dict[str, Any]:
    if not record:
        return {}
    found = {name: next((record[a] for a in aliases if record.get(a) not in (None, "")), None)
             for name, aliases in META_FIELDS.items()}
    return {k: v for k, v in found.items() if v is not None}


_fp = None


def _sign(batch: list[tuple]) -> list[tuple]:
    assert _fp is not None
    return [(doc, _fp.sampled(doc[1])) for doc in batch]


def _signed_local(batches: Iterator[list[tuple]], fp, workers: int) -> Iterator[list[tuple]]:
    """Batches of ``(doc, sampled ids)`` in order, signed in ``workers`` forked processes."""
    global _fp
    _fp = fp
    if workers <= 1:
        for b in batches:
            yield _sign(b)
        return
    from collections import deque

    from unspin.pool import process_pool

    with process_pool(workers, "fork", "a dedup signing process", "rerun the same command to resume") as pool:
        pending: deque = deque()
        for b in batches:
            pending.append(pool.submit(_sign, b))
            while len(pending) > 2 * workers or (pending and pending[0].done()):
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def sign_phase(opts: DedupOptions, summary: DedupSummary, rejects: list[dict], bar) -> list[Entry]:
    """Read the inputs, add the unsigned documents to the index; the entries in input order."""
    from itertools import islice

    from unspin.trace.fingerprint import default_fingerprinter
    from unspin.trace.index import TraceIndex
    from unspin.trace.ray_sign import add_signed, sign_on_ray

    ix = TraceIndex.open_or_create(opts.index_dir, lambda: default_fingerprinter(opts.model))
    try:
        with ix.conn:
            signed_before = dict(ix.conn.execute("SELECT id, sha1 FROM docs").fetchall())
        entries: list[Entry] = []
        seen: set[str] = set()

        def todo() -> Iterator[tuple]:
            import hashlib

            for order, doc in read_docs(opts):
                bar.update(1)
                if not doc.reject and doc.id in seen:
                    doc.fail("duplicate_id", "an earlier record has the same id (ids must be unique)")
                if doc.reject:
                    summary.rejected += 1
                    summary.reasons[doc.reject] += 1
                    rejects.append(doc.reject_record())
                    continue
                seen.add(doc.id)
                meta = _meta(doc.record)
                entries.append(Entry(order, doc.id, doc.source, len(doc.text), date_key(meta.get("date"))))
                sha = hashlib.sha1(doc.text.encode("utf-8")).hexdigest()
                if signed_before.get(doc.id) != sha:
                    yield (doc.id, doc.text, meta)

        it = todo()
        batches = iter(lambda: list(islice(it, 500)), [])
        if opts.engine == "ray":
            signed = sign_on_ray((d for b in batches for d in b), ix.fingerprinter, opts.workers, opts.address)
        else:
            signed = _signed_local(batches, ix.fingerprinter, opts.workers)
        report = add_signed(ix, signed, replace=True)
        summary.signed = report.added + report.replaced
        for doc_id, why in report.problems:  # over the index's size limit, not valid Unicode
            summary.rejected += 1
            summary.reasons["too_long" if "limit" in why else "error"] += 1
            rejects.append({"id": doc_id, "source": None, "reason": "too_long" if "limit" in why else "error",
                            "detail": why})
        bad = {doc_id for doc_id, _ in report.problems}
        with ix.conn:
            nums = dict(ix.conn.execute("SELECT id, num FROM docs").fetchall())
    finally:
        ix.close()
    out = []
    for e in entries:
        if e.id not in bad:
            e.num = nums[e.id]
            out.append(e)
    return out


# -- phase 2: trace every document against the others ----------------------------------------------
_ix = None


def _open_index(path: str) -> None:
    import signal

    from unspin.trace.index import TraceIndex

    global _ix
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _ix = TraceIndex.open(path)


def trace_shard(nums: list[int], groups: np.ndarray | None = None, ix=None) -> list[Traced]:
    """:func:`links` of every document of one shard (``groups``: document number -> group)."""
    ix = ix if ix is not None else _ix
    group = (lambda n: int(groups[n])) if groups is not None else None
    return [links(ix, n, group) for n in nums]


class _RayTracer:
    """Body of a Ray actor: opens the index read-only once, traces shards."""

    def __init__(self, path: str) -> None:
        from unspin.trace.index import TraceIndex

        self.ix = TraceIndex.open(path)

    def run(self, nums: list[int], groups: np.ndarray | None) -> list[Traced]:
        return trace_shard(nums, groups, self.ix)


def _run_shards(opts: DedupOptions, jobs: list[tuple[Path, list[int]]], groups: np.ndarray | None,
                on_done: Callable[[int], None]) -> None:
    """Trace the unfinished shards (``(file, nums)``), writing each shard's file when it is done."""
    path = str(opts.index_dir.resolve())

    def save(file: Path, traced: list[Traced]) -> None:
        write_jsonl(file, ({"num": t.num, "links": [[x.num, x.coverage, x.score, x.extra, x.strong] for x in t.links],
                            "near": t.near} for t in traced))
        on_done(len(traced))

    if not jobs:
        return
    if opts.engine == "ray":
        from unspin.cluster import connect

        started = connect(opts.address, opts.workers)
        import ray

        try:
            actor = ray.remote(num_cpus=1)(_RayTracer)
            pool = [actor.remote(path) for _ in range(opts.workers)]
            gref = ray.put(groups)
            futures = [(file, pool[i % len(pool)].run.remote(nums, gref)) for i, (file, nums) in enumerate(jobs)]
            for file, fut in futures:
                save(file, ray.get(fut))
        finally:
            if started:
                ray.shutdown()
        return
    if opts.workers <= 1 or len(jobs) == 1:
        from unspin.trace.index import TraceIndex

        ix = TraceIndex.open(path)
        try:
            for file, nums in jobs:
                save(file, trace_shard(nums, groups, ix))
        finally:
            ix.close()
        return
    from collections import deque

    from unspin.pool import process_pool

    with process_pool(opts.workers, "spawn", "a dedup worker process", "rerun the same command to resume",
                      _open_index, (path,)) as pool:
        pending: deque = deque()
        for file, nums in jobs:
            pending.append((file, pool.submit(trace_shard, nums, groups)))
            while len(pending) > 2 * opts.workers or (pending and pending[0][1].done()):
                file_, fut = pending.popleft()
                save(file_, fut.result())
        while pending:
            file_, fut = pending.popleft()
            save(file_, fut.result())


def _load(folder: Path) -> dict[int, Traced]:
    out: dict[int, Traced] = {}
    for f in sorted(folder.glob("*.jsonl")):
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                out[d["num"]] = Traced(d["num"], [Link(*x) for x in d["links"]], d["near"])
    return out


def trace_pass(opts: DedupOptions, name: str, nums: list[int], groups: np.ndarray | None, bar) -> dict[int, Traced]:
    folder = opts.work / name
    folder.mkdir(exist_ok=True)
    jobs = []
    for k in range(0, len(nums), opts.shard_size):
        file = folder / f"{k // opts.shard_size:06d}.jsonl"
        if file.is_file():
            bar.update(min(opts.shard_size, len(nums) - k))
        else:
            jobs.append((file, nums[k : k + opts.shard_size]))
    _run_shards(opts, jobs, groups, bar.update)
    return _load(folder)


# -- phase 3: cluster and write ------------------------------------------------------------------
@dataclass
class Cluster:
    kept: int
    reason: str
    members: list[int]


def cluster(entries: list[Entry], traced: dict[int, Traced]) -> tuple[UnionFind, dict[int, list[int]], int]:
    """Components over document numbers, and each stitched page's source roots (best source first)."""
    n = max((e.num for e in entries), default=-1) + 1
    stitched = stitched_pages(traced)
    uf = components(n, traced, stitched)
    def roots(s: int) -> list[int]:
        found: list[int] = []
        for link in sorted(traced[s].links, key=lambda x: (-x.coverage, -x.score, x.num)):
            if link.num not in stitched and uf.find(link.num) not in found:
                found.append(uf.find(link.num))
        return found

    for s in sorted(stitched):  # a page whose sources are all in one cluster is an ordinary member of it
        r = roots(s)
        if len(r) == 1:
            uf.union(s, r[0])
    pages = {s: r for s in sorted(stitched) if len(r := roots(s)) >= 2}  # after every union: roots are final
    return uf, pages, n


def spin_scorer(opts: DedupOptions, ix) -> Callable[[list[int]], dict[int, float]] | None:
    """Spin probabilities of documents by number (the detector, loaded on first use), or ``None``."""
    if not opts.spin:
        return None
    cache: dict[int, float] = {}

    def score(nums: list[int]) -> dict[int, float]:
        from unspin.batch import detect_batch

        todo = [n for n in nums if n not in cache]
        if todo:
            res = detect_batch([ix.document(n)[1] for n in todo], model=opts.model, skip_errors=True)
            for n, r in zip(todo, res, strict=True):
                cache[n] = r.spin_probability if r is not None else 1.0
        return {n: cache[n] for n in nums}

    return score


def dedup(opts: DedupOptions) -> DedupSummary:
    """Run ``unspin dedup`` (see module docstring); raises :class:`UnspinError` on bad options."""
    from tqdm import tqdm

    check_options(opts)
    start = time.monotonic()
    summary = DedupSummary()
    open_work(opts)
    show = (sys.stderr.isatty() if opts.progress is None else opts.progress)
    rejects: list[dict] = []

    t0 = time.monotonic()
    with tqdm(desc="dedup: read and sign", unit=" docs", disable=not show, file=sys.stderr) as bar:
        entries = sign_phase(opts, summary, rejects, bar)
    summary.documents = len(entries) + summary.rejected
    summary.phase_seconds["sign"] = round(time.monotonic() - t0, 2)

    t0 = time.monotonic()
    nums = sorted(e.num for e in entries)
    with tqdm(total=len(nums), desc="dedup: trace", unit=" docs", disable=not show, file=sys.stderr) as bar:
        traced = trace_pass(opts, "pass1", nums, None, bar)
    stitched = stitched_pages(traced)
    uf = components(max(nums, default=-1) + 1, traced, stitched)
    again = second_look(traced, uf)
    summary.second_look = len(again)
    if again:
        groups = np.array([uf.find(i) for i in range(len(uf.parent))], dtype=np.int64)
        with tqdm(total=len(again), desc="dedup: second look", unit=" docs", disable=not show,
                  file=sys.stderr) as bar:
            traced.update(trace_pass(opts, "pass2", again, groups, bar))
    summary.phase_seconds["trace"] = round(time.monotonic() - t0, 2)

    t0 = time.monotonic()
    records = write_phase(opts, entries, traced, summary)
    summary.phase_seconds["cluster"] = round(time.monotonic() - t0, 2)
    t0 = time.monotonic()
    _write_outputs(opts, entries, records, rejects, summary)
    summary.phase_seconds["write"] = round(time.monotonic() - t0, 2)
    summary.seconds = round(time.monotonic() - start, 2)
    if opts.summary_json:
        with atomic(opts.summary_json, "w") as f:
            f.write(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1))
    shutil.rmtree(opts.work, ignore_errors=True)
    return summary


def write_phase(opts: DedupOptions, entries: list[Entry], traced: dict[int, Traced],
                summary: DedupSummary) -> dict[int, dict[str, Any]]:
    """The output record of every entry, by document number."""
    from unspin.trace.index import TraceIndex

    uf, pages, _ = cluster(entries, traced)
    by_num = {e.num: e for e in entries}
    groups: dict[int, list[int]] = {}
    for e in entries:
        root = pages[e.num][0] if e.num in pages else uf.find(e.num)
        groups.setdefault(root, []).append(e.num)
    ix = TraceIndex.open(opts.index_dir)
    try:
        spin = spin_scorer(opts, ix)
        kept_of: dict[int, tuple[int, str]] = {}
        for root, members in groups.items():
            ms = [Member(n, by_num[n].order, by_num[n].chars, by_num[n].date) for n in members]
            kept_of[root] = choose_kept(ms, set(pages), spin)
        records: dict[int, dict[str, Any]] = {}
        for root, members in groups.items():
            kept, reason = kept_of[root]
            size = len(members)
            for n in members:
                rec: dict[str, Any] = {"id": by_num[n].id, "source": by_num[n].source, "cluster": by_num[kept].id,
                                       "cluster_size": size, "keep": n == kept, "keep_reason": reason}
                if n in pages:
                    best = max(traced[n].links, key=lambda x: (x.coverage, x.score))
                    rec.update(relation="stitched", similarity=best.score, coverage=best.coverage,
                               sources=[by_num[kept_of[r][0]].id for r in pages[n]], keep=opts.keep_stitched or n == kept)
                elif n == kept:
                    rec.update(relation="self", similarity=1.0, coverage=1.0, sources=[])
                else:
                    kind, sim, cov = relation(ix, n, kept)
                    rec.update(relation=kind, similarity=sim, coverage=cov, sources=[])
                records[n] = rec
                summary.relations[rec["relation"]] += 1
                summary.removed += not rec["keep"]
            summary.keep_reasons[reason] += 1
    finally:
        ix.close()
    summary.clusters = len(groups)
    summary.duplicate_clusters = sum(len(m) > 1 for m in groups.values())
    summary.stitched = len(pages)
    sizes = Counter(len(m) for m in groups.values())
    for lo, hi in SIZE_BINS:
        label = str(lo) if lo == hi else (f"{lo}-{hi}" if hi else f"{lo}+")
        summary.sizes[label] = sum(v for s, v in sizes.items() if s >= lo and (hi is None or s <= hi))
    return records


def _write_outputs(opts: DedupOptions, entries: list[Entry], records: dict[int, dict[str, Any]],
                   rejects: list[dict], summary: DedupSummary) -> None:
    work = opts.work
    part = work / "records.jsonl"
    write_jsonl(part, (records[e.num] for e in sorted(entries, key=lambda e: e.order)))
    merge([part], opts.out, output_format(opts.out), _schema() if output_format(opts.out) == "parquet" else None)
    summary.outputs["clusters"] = str(opts.out)
    rejects_path = opts.as_scan().rejects_path
    write_jsonl(rejects_path, rejects)
    summary.outputs["rejects"] = str(rejects_path)
    if opts.clean_out:
        kept = {e.order for e in entries if records[e.num]["keep"]}
        clean = work / "clean.jsonl"
        with atomic(clean, "w") as f:
            for order, doc in read_docs(opts):
                if order in kept and not doc.reject:
                    f.write(dumps(doc.clean_record()) + "\n")
        merge([clean], opts.clean_out, output_format(opts.clean_out))
        summary.outputs["clean"] = str(opts.clean_out)
    if opts.index_out:
        summary.outputs["index"] = str(opts.index_out)


def _schema():
    import pyarrow as pa

    return pa.schema([("id", pa.string()), ("source", pa.string()), ("cluster", pa.string()),
                      ("cluster_size", pa.int64()), ("keep", pa.bool_()), ("keep_reason", pa.string()),
                      ("relation", pa.string()), ("similarity", pa.float64()), ("coverage", pa.float64()),
                      ("sources", pa.list_(pa.string()))])
