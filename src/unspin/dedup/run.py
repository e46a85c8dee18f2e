"""``unspin dedup``: read, sign, pair, verify, cluster, write.

Phases, each resumable from the work folder ``OUT.parts/`` (``manifest.json`` names the run):

1. **read and sign**: the scan readers and checks (``decode``, ``extract``, ``check``; bad records go to
   the rejects file), then each document's signature — the trace index's sampled anchor and raw
   shingles (:meth:`~unspin.trace.fingerprint.Fingerprinter.signature`) — in ``--workers`` processes
   or on Ray actors, written with its text in shards of ``--shard-size`` documents
   (:mod:`unspin.dedup.store`); a rerun signs only the shards not written yet.
2. **pair**: candidate pairs from the ids they share (:mod:`unspin.dedup.candidates`, numpy; the pair
   counts of each id partition go through ``OUT.parts/pairs/`` on disk, so memory holds one at a time).
3. **verify**: candidate pairs, best first, aligned and checked (:mod:`unspin.dedup.verify`), in batches
   on the workers; a pair already joined by earlier links is not verified again.  Each batch's
   results go to ``OUT.parts/verify/`` when done.
4. **cluster and write**: components, stitched pages, the kept document of each cluster, the
   relation of every member to it; ``--out``, ``--clean-out`` (a second read of the inputs),
   ``--index-out`` (a trace index built from the same signatures) and the summary.  Then
   ``OUT.parts/`` is removed.
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

from unspin.dedup.candidates import Candidates, candidate_pairs, grouped
from unspin.dedup.cluster import Member, UnionFind, choose_kept, cluster, date_key, relation
from unspin.dedup.store import Signatures, Store, sign_batch, write_shard
from unspin.dedup.verify import COVER, Check, Side, Views, check
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
    shard_size: int = 2000
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


    def manifest(self) -> dict[str, Any]:
        """What a resumed run must share with the run it continues."""
        inputs = []
        for p in map(Path, self.inputs):
            st = p.stat()
            inputs.append([str(p.resolve()), st.st_size if p.is_file() else 0, int(st.st_mtime)])
        return {"inputs": inputs, "text_field": self.text_field, "id_field": self.id_field,
                "encoding": self.encoding, "model": self.model, "shard_size": self.shard_size, "format": 2}


@dataclass
class Entry:
    """One input document that passed the checks."""

    order: int
    id: str
    source: str
    chars: int
    date: tuple | None
    num: int = -1
    meta: dict[str, Any] | None = None
    """Title, url and date, kept for ``--index-out``."""


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
    postings: int = 0
    pair_postings: int = 0
    candidates: int = 0
    verified: int = 0
    links: int = 0
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
        have = None
    if opts.index_out and Path(opts.index_out).exists() and any(Path(opts.index_out).iterdir()):
        raise InputError(f"--index-out {opts.index_out} is not empty",
                         hint="pass a new folder: a dedup run indexes the crawl alone")
    work.mkdir(parents=True, exist_ok=True)
    with atomic(work / MANIFEST, "w") as f:
        f.write(json.dumps(want))
    return have is not None


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


def _sign(job: tuple[int, list[str]]) -> dict:
    assert _fp is not None
    return sign_batch(_fp, *job)


class _RaySign:
    """Body of a Ray actor: signs shards with one fingerprinter."""

    def __init__(self, fp) -> None:
        self.fp = fp

    def run(self, first: int, texts: list[str]) -> dict:
        return sign_batch(self.fp, first, texts)


class _Workers:
    """``--workers`` local processes or Ray actors running one function on jobs (tuples of arguments):
    :meth:`submit` a job, :meth:`get` its result.  ``local_fn(job)`` runs in a process (after
    ``init(*initargs)``), or ``ray_actor(*ray_args).run(*job)`` on an actor; with one local worker,
    jobs run in this process when their result is asked for."""

    def __init__(self, opts: DedupOptions, local_fn, ray_actor, ray_args: tuple, start: str, init, initargs) -> None:
        self.opts, self.local_fn, self.ray_actor, self.ray_args = opts, local_fn, ray_actor, ray_args
        self.start, self.init, self.initargs = start, init, initargs
        self.n = 0

    def __enter__(self) -> _Workers:
        from contextlib import ExitStack

        self.stack = ExitStack()
        opts = self.opts
        try:
            if opts.engine == "ray":
                from unspin.cluster import session

                ray = self.stack.enter_context(session(opts.address, opts.workers))
                actor = ray.remote(num_cpus=1)(self.ray_actor)
                refs = [ray.put(x) for x in self.ray_args]
                self.actors = [actor.remote(*refs) for _ in range(opts.workers)]
            elif opts.workers > 1:
                from unspin.pool import process_pool

                self.pool = self.stack.enter_context(process_pool(
                    opts.workers, self.start, "a dedup worker process", "rerun the same command to resume",
                    self.init, self.initargs))
            elif self.init:
                self.init(*self.initargs)
        except BaseException:
            self.stack.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stack.close()

    def submit(self, job: tuple):
        self.n += 1
        if self.opts.engine == "ray":
            return self.actors[self.n % len(self.actors)].run.remote(*job)
        if self.opts.workers > 1:
            return self.pool.submit(self.local_fn, job)
        return job

    def get(self, handle):
        if self.opts.engine == "ray":
            import ray

            return ray.get(handle)
        if self.opts.workers > 1:
            return handle.result()
        return self.local_fn(handle)


def _run_jobs(workers: _Workers, jobs: Iterator[tuple], window: int) -> Iterator:
    """Results of ``jobs`` in order, at most ``window`` in flight."""
    from collections import deque

    pending: deque = deque()
    for job in jobs:
        pending.append(workers.submit(job))
        if len(pending) >= window:
            yield workers.get(pending.popleft())
    while pending:
        yield workers.get(pending.popleft())


def _set_fp(fp) -> None:
    global _fp
    _fp = fp


def sign_phase(opts: DedupOptions, fp, summary: DedupSummary, rejects: list[dict], bar) -> tuple[list[Entry], Store]:
    """Read the inputs and sign the shards not written yet; the entries in input order."""
    from unspin.trace.index import MAX_DOC_CHARS

    folder = opts.work / "sign"
    folder.mkdir(exist_ok=True)
    entries: list[Entry] = []
    seen: set[str] = set()

    def shards() -> Iterator[tuple[int, list[str]]]:
        texts: list[str] = []
        for order, doc in read_docs(opts):
            bar.update(1)
            if not doc.reject and doc.id in seen:
                doc.fail("duplicate_id", "an earlier record has the same id (ids must be unique)")
            if not doc.reject and len(doc.text) > MAX_DOC_CHARS:
                doc.fail("too_long", f"{len(doc.text):,} characters, over {MAX_DOC_CHARS:,} (split it)")
            if doc.reject:
                summary.rejected += 1
                summary.reasons[doc.reject] += 1
                rejects.append(doc.reject_record())
                continue
            seen.add(doc.id)
            meta = _meta(doc.record)
            entries.append(Entry(order, doc.id, doc.source, len(doc.text), date_key(meta.get("date")), len(entries),
                                 meta if opts.index_out else None))
            texts.append(doc.text)
            if len(texts) == opts.shard_size:
                yield len(entries) - len(texts), texts
                texts = []
        if texts:
            yield len(entries) - len(texts), texts

    def todo() -> Iterator[tuple[int, list[str]]]:
        for first, texts in shards():
            if not (folder / f"{first // opts.shard_size:06d}.npz").is_file():
                yield first, texts

    with _Workers(opts, _sign, _RaySign, (fp,), "fork", _set_fp, (fp,)) as workers:
        for shard in _run_jobs(workers, todo(), 2 * opts.workers):
            first = int(shard["first"][0])
            write_shard(folder, first // opts.shard_size, shard)
            summary.signed += len(shard["anchor_len"])
    return entries, Store(folder, opts.shard_size, len(entries))


# -- phase 3: verify candidate pairs -----------------------------------------------------------------
MIN_SCORE = 0.08
"""Least share of the smaller document's informative ids a candidate pair must share to be verified."""
BATCH = 512
"""Pairs per verification batch (more while one component of the candidate graph goes on, up to
:data:`STRETCH` times as many: see :func:`unspin.dedup.candidates.grouped`)."""
STRETCH = 4
VIEWS = 256
"""Documents whose reading a verifying process keeps (:class:`unspin.dedup.verify.Views`)."""
LAG = 8
"""A batch leaves out pairs already joined by the links of the batches up to ``LAG`` before it (so
the pairs verified do not depend on timing, workers or engine)."""

_store: Store | None = None
_views: Views | None = None


def _open_store(folder: str, shard_size: int, count: int, fp) -> None:
    import signal

    global _store, _fp
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _store, _fp = Store(Path(folder), shard_size, count), fp


def verify_batch(pairs: list[tuple[int, int]], store: Store | None = None, fp=None,
                 views: Views | None = None) -> list[list]:
    """Checks of a batch of pairs, as JSON-ready rows.  A pair whose documents are both linked to two
    documents of the batch's earlier links is not verified (no row): they belong together whichever
    one document is taken away, which is all the clusters need (a stitched page's sources must be
    joined without the page, :func:`unspin.dedup.cluster.stitched_pages`)."""
    global _views
    store, fp = store or _store, fp or _fp
    assert store is not None
    if views is None:
        if _views is None or _views.fp is not fp:
            _views = Views(fp, VIEWS)
        views = _views
    linked: dict[int, set[int]] = {}
    rows = []
    for i, j in pairs:
        if len(linked.get(i, set()) & linked.get(j, set())) >= 2:
            continue
        c = check(i, j, store.text(i), store.text(j), fp, views)
        if c.link and c.forward.coverage >= COVER:
            linked.setdefault(i, set()).add(j)
            linked.setdefault(j, set()).add(i)
        rows.append(_row(c))
    return rows


def _verify_job(job: tuple[list[tuple[int, int]]]) -> list[list]:
    return verify_batch(job[0])


class _RayVerify:
    """Body of a Ray actor: opens the work folder's shards, verifies batches."""

    def __init__(self, folder: str, shard_size: int, count: int, fp) -> None:
        self.store, self.fp, self.views = Store(Path(folder), shard_size, count), fp, Views(fp, VIEWS)

    def run(self, pairs: list[tuple[int, int]]) -> list[list]:
        return verify_batch(pairs, self.store, self.fp, self.views)


def _side_row(s: Side | None) -> list | None:
    if s is None:
        return None
    return [s.coverage, s.similarity, s.raw_similarity, s.numbers, sorted(s.aligned.items()), s.tokens, s.contained]


def _row(c: Check) -> list:
    return [c.small, c.large, _side_row(c.forward), _side_row(c.backward)]


def _side(row: list | None) -> Side | None:
    return None if row is None else Side(row[0], row[1], row[2], row[3], {int(k): int(v) for k, v in row[4]}, *row[5:7])


def _check(row: list) -> Check:
    return Check(row[0], row[1], _side(row[2]), _side(row[3]))


def verify_phase(opts: DedupOptions, store: Store, cand: Candidates, fp, bar) -> list[Check]:
    """Verify the candidate pairs (those at :data:`MIN_SCORE`: :func:`dedup` asks
    :func:`~unspin.dedup.candidates.candidate_pairs` for no others), one component of the candidate
    graph after another and best first inside (:func:`~unspin.dedup.candidates.grouped`), in batches
    of about :data:`BATCH` (see :data:`LAG`); each batch's checks are saved to ``verify/`` (a rerun
    reads them back)."""
    from collections import deque

    folder = opts.work / "verify"
    folder.mkdir(exist_ok=True)
    order, comp = grouped(cand.a, cand.b, store.count)
    a, b, comp = cand.a[order].tolist(), cand.b[order].tolist(), comp.tolist()
    uf = UnionFind(store.count)
    results: list[list[Check]] = []
    pending: deque = deque()  # (batch number, handle) in flight
    nxt = 0

    def collect(workers: _Workers) -> None:
        k, handle = pending.popleft()
        rows = workers.get(handle)
        with atomic(folder / f"{k:06d}.json", "w") as f:
            f.write(json.dumps(rows))
        results[k] = [_check(r) for r in rows]

    args = (str(store.folder), store.shard_size, store.count, fp)
    with _Workers(opts, _verify_job, _RayVerify, args, "fork", _open_store, args) as workers:
        k = 0
        while nxt < len(a):
            while pending and pending[0][0] <= k - LAG:  # batch k sees every batch up to k - LAG
                collect(workers)
            if k >= LAG:
                for c in results[k - LAG]:
                    if c.link and c.forward.coverage >= COVER:
                        uf.union(c.small, c.large)
            job = []
            while nxt < len(a) and (len(job) < BATCH or (comp[nxt] == comp[nxt - 1] and len(job) < STRETCH * BATCH)):
                i, j = a[nxt], b[nxt]
                nxt += 1
                if uf.find(i) != uf.find(j):
                    job.append((i, j))
            bar.update(len(job))
            file = folder / f"{k:06d}.json"
            results.append([])
            if file.is_file():
                results[k] = [_check(r) for r in json.loads(file.read_text(encoding="utf-8"))]
            else:
                pending.append((k, workers.submit((job,))))
            k += 1
        while pending:
            collect(workers)
    return [c for r in results for c in r]


def spin_scorer(opts: DedupOptions, store: Store) -> Callable[[list[int]], dict[int, float]] | None:
    """Spin probabilities of documents by number (the detector, loaded on first use), or ``None``."""
    if not opts.spin:
        return None
    cache: dict[int, float] = {}

    def score(nums: list[int]) -> dict[int, float]:
        from unspin.batch import detect_batch

        todo = [n for n in nums if n not in cache]
        if todo:
            res = detect_batch([store.text(n) for n in todo], model=opts.model, skip_errors=True)
            for n, r in zip(todo, res, strict=True):
                cache[n] = r.spin_probability if r is not None else 1.0
        return {n: cache[n] for n in nums}

    return score


def dedup(opts: DedupOptions) -> DedupSummary:
    """Run ``unspin dedup`` (see module docstring); raises :class:`UnspinError` on bad options."""
    from tqdm import tqdm

    from unspin.trace.fingerprint import default_fingerprinter

    check_options(opts)
    start = time.monotonic()
    summary = DedupSummary()
    open_work(opts)
    show = (sys.stderr.isatty() if opts.progress is None else opts.progress)
    rejects: list[dict] = []

    t0 = time.monotonic()
    fp, vocabulary = default_fingerprinter(opts.model)
    with tqdm(desc="dedup: read and sign", unit=" docs", disable=not show, file=sys.stderr) as bar:
        entries, store = sign_phase(opts, fp, summary, rejects, bar)
    summary.documents = len(entries) + summary.rejected
    summary.phase_seconds["sign"] = round(time.monotonic() - t0, 2)

    t0 = time.monotonic()
    sig = store.signatures()
    spill = opts.work / "pairs"
    shutil.rmtree(spill, ignore_errors=True)  # a killed run's partial shuffle
    spill.mkdir()
    cand = candidate_pairs(sig, spill=spill, min_score=MIN_SCORE)
    summary.candidates = len(cand.a)
    summary.postings, summary.pair_postings = cand.postings, cand.pair_postings
    summary.phase_seconds["pair"] = round(time.monotonic() - t0, 2)

    t0 = time.monotonic()
    with tqdm(total=summary.candidates, desc="dedup: verify", unit=" pairs", disable=not show,
              file=sys.stderr) as bar:
        checks = verify_phase(opts, store, cand, fp, bar)
    summary.verified = len(checks)
    summary.links = sum(c.link for c in checks)
    summary.phase_seconds["verify"] = round(time.monotonic() - t0, 2)

    t0 = time.monotonic()
    records = write_phase(opts, entries, store, sig, checks, summary)
    summary.phase_seconds["cluster"] = round(time.monotonic() - t0, 2)
    t0 = time.monotonic()
    _write_outputs(opts, entries, records, rejects, summary)
    if opts.index_out:
        _write_index(opts, entries, store, sig, fp, vocabulary)
    summary.phase_seconds["write"] = round(time.monotonic() - t0, 2)
    summary.seconds = round(time.monotonic() - start, 2)
    if opts.summary_json:
        with atomic(opts.summary_json, "w") as f:
            f.write(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1))
    shutil.rmtree(opts.work, ignore_errors=True)
    return summary


def _write_index(opts: DedupOptions, entries: list[Entry], store: Store, sig: Signatures, fp, vocabulary: str) -> None:
    """``--index-out``: a trace index of the crawl from the signatures already computed (no second signing)."""
    from unspin.trace.index import TraceIndex
    from unspin.trace.ray_sign import add_signed

    ix = TraceIndex.create(opts.index_out, fp, vocabulary)
    try:
        def batches() -> Iterator[list[tuple]]:
            for k in range(0, len(entries), 2000):
                yield [((e.id, store.text(e.num), e.meta or {}), np.unique(sig.of(e.num))) for e in entries[k : k + 2000]]

        add_signed(ix, batches(), replace=True)
    finally:
        ix.close()


def write_phase(opts: DedupOptions, entries: list[Entry], store: Store, sig: Signatures, checks: list[Check],
                summary: DedupSummary) -> dict[int, dict[str, Any]]:
    """The output record of every entry, by document number (``--engine ray``: the link components on Ray)."""
    if opts.engine == "ray":
        from unspin.cluster import session
        from unspin.dedup.graph import components_ray

        with session(opts.address, opts.workers):
            uf, pages = cluster(len(entries), checks, lambda a, b, n: components_ray(a, b, n, 4 * opts.workers))
    else:
        uf, pages = cluster(len(entries), checks)
    by_num = {e.num: e for e in entries}
    chars = {e.num: e.chars for e in entries}
    groups: dict[int, list[int]] = {}
    for e in entries:
        root = pages[e.num][0] if e.num in pages else uf.find(e.num)
        groups.setdefault(root, []).append(e.num)
    best_part: dict[int, tuple[float, float]] = {}
    for c in checks:
        for doc in (c.small, c.large):
            s = c.explains(doc)
            if doc in pages and s is not None and s.coverage > best_part.get(doc, (0.0, 0.0))[1]:
                best_part[doc] = (s.similarity, s.coverage)
    spin = spin_scorer(opts, store)
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
                sim, cov = best_part.get(n, (0.0, 0.0))
                rec.update(relation="stitched", similarity=round(sim, 4), coverage=round(cov, 4),
                           sources=[by_num[kept_of[r][0]].id for r in pages[n]], keep=opts.keep_stitched or n == kept)
            elif n == kept:
                rec.update(relation="self", similarity=1.0, coverage=1.0, sources=[])
            else:
                kind, sim, cov = relation(sig, n, kept, chars)
                rec.update(relation=kind, similarity=sim, coverage=cov, sources=[])
            records[n] = rec
            summary.relations[rec["relation"]] += 1
            summary.removed += not rec["keep"]
        summary.keep_reasons[reason] += 1
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
