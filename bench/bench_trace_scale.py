"""Benchmark ``unspin trace`` at scale: a 1M-document index, single and sharded.

Corpus (written once to ``WORK/corpus.jsonl`` and reused by every build): every
deduplicated xwlb item of ``/work/shared/corpus/xwlb.jsonl.gz`` except the held-out
negatives, People's Daily (Jan 1998) cut into documents, and generated documents up
to ``--docs``: ``bench_trace.mixed_docs`` mixes of ~15 sentences from 15 indexed real
documents, each mix spun with one of three generation tables (the query tables are
others).  Real documents are interleaved with the mixes.

Measured, each in its own process: ``unspin index add corpus.jsonl`` (wall and CPU
docs/s, peak RSS of the process tree, size on disk), then a querying process (index open,
peak RSS, query p50/p99 and recall@1 on spun whole copies and 30% excerpts of indexed real
documents, false matches on spun held-out items); the same with ``--shards N`` (built
in parallel, one process per shard, queried in parallel).

    python bench/bench_trace_scale.py --docs 1000000 --out bench/results/trace_scale.md
    python bench/bench_trace_scale.py --docs 20000 --queries 50 --out /tmp/scale.md   # quick check
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from bench_trace import CLEAN_OVERLAP, excerpt, load_corpus, max_overlap, mixed_docs

from unspin.lexicon import sources
from unspin.spin import random_table, spin
from unspin.train.corpora import documents, peoples_daily

HERE = Path(__file__).resolve()
GEN_CHUNK = 10_000
"""Mixed documents generated per task (each task: its own seed and ids)."""
WARMUP = 20
"""Queries run before timing starts (not counted in latencies, counted in recall)."""


def _tables() -> list[dict]:
    groups = sources.cilin() + [g for g in sources.cnsyn() if len(g) <= 12]
    return [random_table(groups, seed=100 + k, coverage=0.8) for k in range(8)]


# ---- corpus ------------------------------------------------------------------------------
_gen_state: dict = {}


def _gen_init(texts: list[str], tables: list[dict]) -> None:
    _gen_state.update(texts=texts, tables=tables)


def _gen_chunk(job: tuple[int, int, int]) -> list[tuple[str, str]]:
    chunk, n, seed = job
    docs = mixed_docs(_gen_state["texts"], n, _gen_state["tables"], random.Random(seed * 100_003 + chunk))
    return [(f"mix-{chunk * GEN_CHUNK + i}", text) for i, (_, text) in enumerate(docs)]


def real_documents(n_neg: int, seed: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``(indexed real documents, held-out negatives)``: xwlb items (negatives first) and People's Daily."""
    xwlb = load_corpus(10**9, seed)
    pd = [(f"pd-{i}", d) for i, d in enumerate(documents(peoples_daily(), seed=3, min_chars=300, max_chars=1500))]
    return xwlb[n_neg:] + pd, xwlb[:n_neg]


def write_corpus(path: Path, total: int, real: list[tuple[str, str]], held_out: int, seed: int, workers: int,
                 log) -> dict:
    """Write ``total`` documents (``real`` interleaved with generated mixes) to ``path`` as JSONL."""
    info = {"total": total, "seed": seed, "real": min(total, len(real)), "held_out": held_out}
    done = path.with_suffix(".json")
    if path.exists() and done.exists() and json.loads(done.read_text()) == info:
        log(f"corpus: reusing {path}")
        return info
    real = real[:total]
    n_mix = total - len(real)
    jobs = [(c, min(GEN_CHUNK, n_mix - c * GEN_CHUNK), seed) for c in range(-(-n_mix // GEN_CHUNK))]
    per_job = -(-len(real) // max(1, len(jobs)))  # real documents written before each chunk of mixes
    tables = _tables()[5:]
    t0 = time.perf_counter()
    tmp = path.with_suffix(".partial")
    ctx = multiprocessing.get_context("fork")
    with open(tmp, "w", encoding="utf-8") as f, ctx.Pool(workers, _gen_init, ([t for _, t in real], tables)) as pool:
        def write(docs):
            f.writelines(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in docs)

        written = 0
        for k, mixes in enumerate(pool.imap(_gen_chunk, jobs)):
            write(real[k * per_job : (k + 1) * per_job])
            write(mixes)
            written += len(mixes)
            if k % 10 == 0:
                log(f"corpus: {written:,} / {n_mix:,} mixes ({time.perf_counter() - t0:.0f} s)")
        write(real[len(jobs) * per_job :])
    os.replace(tmp, path)
    done.write_text(json.dumps(info))
    log(f"corpus: {total:,} documents ({len(real):,} real) in {time.perf_counter() - t0:.0f} s")
    return info


def write_queries(path: Path, real: list[tuple[str, str]], negatives: list[tuple[str, str]], n: int,
                  seed: int) -> None:
    """``n`` spun whole copies (r = 0.6), ``n`` 30% excerpts of them, ``n`` spun negatives."""
    rng = random.Random(seed)
    tables = _tables()[:5]
    xwlb = [i for i, (doc_id, _) in enumerate(real) if not doc_id.startswith("pd-")]
    picks = rng.sample(xwlb, n)
    out = []
    for k, i in enumerate(picks):
        doc_id, text = real[i]
        spun = spin(text, tables[k % 5], 0.6, seed=k).text
        out.append({"set": "whole copy, r=0.6", "text": spun, "truth": doc_id})
        out.append({"set": "30% excerpt, r=0.6", "text": excerpt(spun, 0.3, rng), "truth": doc_id})
    for k, (_, text) in enumerate(negatives[:n]):
        out.append({"set": "negative (not indexed), r=0.6", "text": spin(text, tables[k % 5], 0.6, seed=k).text,
                    "truth": None, "negative": k})
    rng.shuffle(out)
    path.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in out), encoding="utf-8")


# ---- measuring processes ---------------------------------------------------------------------
def _tree(root: int) -> dict[int, tuple[int, float]]:
    """``{pid: (resident bytes, CPU seconds)}`` of process ``root`` and all its descendants (Linux
    /proc): Ray's workers are descendants the build never waits for, so their CPU is counted here."""
    parent: dict[int, int] = {}
    facts: dict[int, tuple[int, float]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            parent[int(d)] = int(fields[1])
            facts[int(d)] = (int(fields[21]) * os.sysconf("SC_PAGE_SIZE"), (int(fields[11]) + int(fields[12])) / tick)
        except (OSError, IndexError, ValueError):
            continue
    tree, todo = {root}, [root]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p and c not in tree]
        tree.update(kids)
        todo.extend(kids)
    return {p: facts[p] for p in tree if p in facts}


def run_measured(cmd: list[str], log, ok: tuple[int, ...] = (0,)) -> dict:
    """Run ``cmd``: wall and CPU seconds (children included), peak RSS of its process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    load: list[float] = []
    cpu_seen: dict[int, float] = {}  # last CPU seconds of every process of the tree
    stop = threading.Event()

    def sample():
        while not stop.wait(0.5):
            tree = _tree(proc.pid)
            peak[0] = max(peak[0], sum(rss for rss, _ in tree.values()))
            cpu_seen.update({p: c for p, (_, c) in tree.items()})
            load.append(os.getloadavg()[0])

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    stop.set()
    th.join()
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    waited = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    cpu = max(waited, sum(cpu_seen.values()))  # processes never waited for (Ray's) count too
    if proc.returncode not in ok:
        log(err[-3000:])
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}")
    return {"wall": wall, "cpu": cpu, "peak_rss": peak[0],
            "load": float(np.mean(load)) if load else os.getloadavg()[0],
            "stdout": out, "stderr": err[-2000:]}


def build(index: Path, corpus: Path, shards: int, engine: str, log) -> dict:
    shutil.rmtree(index, ignore_errors=True)
    cmd = [sys.executable, "-m", "unspin.cli", "index", "add", str(corpus), "--index", str(index), "--quiet"]
    if shards > 1:
        cmd += ["--shards", str(shards), "--engine", engine]
    r = run_measured(cmd, log)
    stats = json.loads(subprocess.run([sys.executable, "-m", "unspin.cli", "index", "stats", "--index", str(index),
                                       "--format", "json"], capture_output=True, text=True, check=True).stdout)
    r.update(stats=stats, docs=stats["documents"], bytes=stats["bytes"])
    log(f"build {index.name}: {r['docs']:,} docs in {r['wall']:.0f} s ({r['docs'] / r['wall']:.0f} docs/s wall, "
        f"{r['docs'] / r['cpu']:.0f} docs/s CPU), {r['bytes'] / 1e9:.2f} GB, peak RSS {r['peak_rss'] / 1e6:.0f} MB; "
        f"{r['stdout'].strip()}")
    return r


def query(index: Path, queries: Path, log, mode: str = "threads") -> dict:
    out = index.parent / f"{index.name}.{mode}.queries.json"
    r = run_measured([sys.executable, str(HERE), "--query-worker", str(index), str(queries), str(out), mode], log)
    res = json.loads(out.read_text())
    res["process"] = {k: r[k] for k in ("wall", "cpu", "peak_rss", "load")}
    log(f"query {index.name} ({mode}): open {res['open_s']:.2f} s, p50 {res['p50']:.1f} ms, p99 {res['p99']:.1f} ms, "
        f"lookup p50 {res['lookup_p50']:.1f} ms, peak RSS {r['peak_rss'] / 1e6:.0f} MB; "
        + "; ".join(f"{k}: {v['rate']:.3f}" for k, v in res["sets"].items()))
    return res


def query_worker(index: str, queries: str, out: str, mode: str = "threads") -> None:
    """In its own process: open ``index``, trace every query; write latencies (wall and CPU), the
    time in candidate lookup and in candidate alignment, recall, peak RSS."""
    from unspin.trace import api

    qs = [json.loads(line) for line in Path(queries).read_text(encoding="utf-8").splitlines()]
    t0 = time.perf_counter()
    ix = api.resolve_index(index)
    open_s = time.perf_counter() - t0
    if mode == "sequential":
        ix.parallel = False
    spent = {"lookup": 0.0, "candidates": 0.0}
    real_lookup, real_score = ix.lookup, api.score_candidates

    def timed(fn, key):
        def run(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent[key] += time.perf_counter() - t
        return run

    ix.lookup = timed(real_lookup, "lookup")
    api.score_candidates = timed(real_score, "candidates")  # lookup, ranking, alignment of the candidates
    rows, sets, matches = [], {}, []
    for k, q in enumerate(qs):
        spent.update(lookup=0.0, candidates=0.0)
        t, c = time.perf_counter(), time.process_time()
        ids = [m.id for m in api.trace(q["text"], ix, top_k=5).matches]
        if k >= WARMUP:
            rows.append((time.perf_counter() - t, time.process_time() - c, spent["lookup"], spent["candidates"]))
        s = sets.setdefault(q["set"], {"n": 0, "hits": 0})
        s["n"] += 1
        s["hits"] += bool(ids) and (ids[0] == q["truth"] if q["truth"] else True)
        matches.append(ids[:1])
    for s in sets.values():
        s["rate"] = s["hits"] / s["n"]
    ms = np.array(rows) * 1000
    res = {"open_s": open_s, "n": len(qs), "timed": len(rows), "sets": sets, "top1": matches}
    for j, name in enumerate(("", "cpu_", "lookup_", "candidates_")):
        res.update({f"{name}p50": float(np.percentile(ms[:, j], 50)), f"{name}p99": float(np.percentile(ms[:, j], 99)),
                    f"{name}mean": float(ms[:, j].mean())})
    Path(out).write_text(json.dumps(res))


# ---- report ------------------------------------------------------------------------------------
def report(args, info: dict, clean: list[bool], runs: dict[str, dict], gen_s: float | None) -> str:
    n_neg = len(clean)
    lines = [
        "# Trace at scale (`bench/bench_trace_scale.py`)", "",
        f"Corpus: {info['total']:,} documents: {info['real']:,} real (deduplicated xwlb news items, minus "
        f"{n_neg} held out as negatives, and People's Daily 1998 cut into 300-1,500-character documents) and "
        f"{info['total'] - info['real']:,} generated: `bench_trace.mixed_docs` mixes of ~15 sentences from 15 "
        "indexed real documents, each spun (r = 0.5) by one of 3 generation tables (Cilin + cnsyn, coverage 0.8)"
        + (f"; generated in {gen_s:.0f} s" if gen_s else "") + ". "
        f"Queries: {args.queries} spun whole copies of indexed xwlb items (r = 0.6, 5 other tables), a 30% "
        f"excerpt of each, {args.queries} spun held-out items (negatives; {sum(clean)} of them share < "
        f"{CLEAN_OVERLAP:.0%} of their 8-grams with any one indexed real document). Each build and the querying "
        f"run in their own process; {WARMUP} warm-up queries are not timed. Machine: {os.cpu_count()} cores "
        "shared with other jobs (the mean 1-minute load average during each run is in the tables), 24 GB RAM, "
        "a virtual disk writing ~80 MB/s sustained.", "",
        "## Build (`unspin index add corpus.jsonl`, one process; sharded: the reader plus one writer process "
        "per shard)", "",
        "| index | documents | wall s | docs/s wall | docs/s of CPU (all processes) | peak RSS (process tree) | "
        "size on disk | per document | load |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in runs.items():
        b = r["build"]
        lines.append(f"| {name} | {b['docs']:,} | {b['wall']:.0f} | {b['docs'] / b['wall']:,.0f} | "
                     f"{b['docs'] / b['cpu']:,.0f} | {b['peak_rss'] / 1e9:.2f} GB | {b['bytes'] / 1e9:.2f} GB | "
                     f"{b['bytes'] / b['docs'] / 1e3:.2f} KB | {b['load']:.1f} |")
    lines += ["", "## Queries (one process; `trace(text, index, top_k=5)`; ms per query)", "",
              "| index | open s | peak RSS | p50 / p99 wall | p50 / p99 CPU | candidate lookup p50 / p99 | "
              "candidate stage (lookup + ranking + alignment) p50 / p99 | whole copy R@1 | 30% excerpt R@1 | "
              "false match: all negatives / clean ones | load |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, q in ((n, q) for r in runs.values() for n, q in r["queries"].items()):
        sets = q["sets"]
        neg = sets["negative (not indexed), r=0.6"]
        lines.append(
            f"| {name} | {q['open_s']:.2f} | {q['process']['peak_rss'] / 1e6:.0f} MB | {q['p50']:.1f} / {q['p99']:.1f} | "
            f"{q['cpu_p50']:.1f} / {q['cpu_p99']:.1f} | {q['lookup_p50']:.1f} / {q['lookup_p99']:.1f} | "
            f"{q['candidates_p50']:.1f} / {q['candidates_p99']:.1f} | {sets['whole copy, r=0.6']['rate']:.3f} | "
            f"{sets['30% excerpt, r=0.6']['rate']:.3f} | {neg['rate']:.3f} / {q['false_clean']} of {sum(clean)} | "
            f"{q['process']['load']:.1f} |")
    same = [next(iter(r["queries"].values()))["top1"] for r in runs.values()]
    if len(same) > 1:
        agree = sum(a == b for a, b in zip(same[0], same[1], strict=True))
        lines += ["", f"Top match identical between the single index and the sharded one on {agree} of "
                  f"{len(same[0])} queries."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--query-worker"]:
        query_worker(*argv[1:5])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=300, help="per query set (whole, excerpt, negative)")
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--engine", choices=["local", "ray"], default="local", help="how the shards are built")
    ap.add_argument("--only", choices=["single", "sharded"], help="build and query one layout only")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes generating the corpus")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", default="/work/tmp/trace-scale", help="corpus and indexes (not in the repo)")
    ap.add_argument("--keep", action="store_true", help="keep the indexes (the corpus file is always kept)")
    ap.add_argument("--out", default="bench/results/trace_scale.md")
    args = ap.parse_args(argv)
    log = lambda m: print(f"[{time.strftime('%H:%M:%S')}] {m}", file=sys.stderr, flush=True)  # noqa: E731
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    real, negatives = real_documents(args.queries, args.seed)
    corpus = work / f"corpus-{args.docs}.jsonl"
    t0 = time.perf_counter()
    info = write_corpus(corpus, args.docs, real, args.queries, args.seed, args.workers, log)
    gen_s = time.perf_counter() - t0 if time.perf_counter() - t0 > 60 else None
    qfile = work / "queries.jsonl"
    write_queries(qfile, real[: info["real"]], negatives, args.queries, args.seed)
    clean = [o < CLEAN_OVERLAP for o in max_overlap([t for _, t in negatives], real[: info["real"]])]
    qrecs = [json.loads(line) for line in qfile.read_text(encoding="utf-8").splitlines()]
    layouts = {"single": 1, f"{args.shards} shards": args.shards}
    if args.only:
        layouts = {k: v for k, v in layouts.items() if (v > 1) == (args.only == "sharded")}
    runs = {}
    for name, shards in layouts.items():
        index = work / (f"single-{args.docs}" if shards == 1 else f"shards-{shards}-{args.docs}")
        b = build(index, corpus, shards, args.engine, log)
        queries = {}
        for mode in ("threads", "sequential") if shards > 1 else ("threads",):
            q = query(index, qfile, log, mode)
            q["false_clean"] = sum(bool(top) and clean[rec["negative"]]
                                   for rec, top in zip(qrecs, q["top1"], strict=True) if rec["truth"] is None)
            queries[f"{name}, shards asked {'in parallel threads' if mode == 'threads' else 'one by one'}"
                    if shards > 1 else name] = q
        runs[f"{name}, {args.engine} build" if shards > 1 else name] = {"build": b, "queries": queries}
        if not args.keep:
            shutil.rmtree(index, ignore_errors=True)
    md = report(args, info, clean, runs, gen_s)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(md, encoding="utf-8")
    (work / f"runs-{args.docs}.json").write_text(json.dumps(runs, default=str, indent=1))
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
