"""Benchmark batch tracing (``unspin trace --queries``): queries per second, 1 and N worker processes.

Index and queries as in ``bench_trace.py`` (xwlb items, mixed synthetic documents past the
real ones; queries are spun whole copies, 30% excerpts and spun negatives, in equal parts).
Timed twice: :func:`unspin.trace.batch.trace_many` in process (index already built), and the
CLI end to end (process start, index open, JSONL in and out).

    python bench/bench_trace_batch.py --docs 100000 --queries 600 --out bench/results/trace_batch.md
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_trace import build_index, excerpt, load_corpus, mixed_docs

from unspin.lexicon import sources
from unspin.model import load_model
from unspin.spin import random_table, spin
from unspin.trace.batch import trace_many
from unspin.trace.fingerprint import Fingerprinter, default_vocabulary, lexicon_vocabulary


def workload(n_docs: int, n_queries: int, seed: int) -> tuple[list, list[tuple[str, str, None]], int]:
    """The index's documents and the queries: a third each spun whole copies, 30% excerpts of
    spun copies, and spun negatives (documents not in the index); also how many documents are real."""
    rng = random.Random(seed)
    full = load_corpus(10**9, seed)
    n_neg = n_queries // 3
    negatives, real = full[:n_neg], full[n_neg : n_neg + n_docs]
    groups = sources.cilin() + [g for g in sources.cnsyn() if len(g) <= 12]
    tables = [random_table(groups, seed=100 + k, coverage=0.8) for k in range(6)]
    docs = real + mixed_docs([t for _, t in real], n_docs - len(real), tables[5:], rng)
    picks = rng.sample(range(len(real)), n_queries - n_neg)
    spun = [spin(real[i][1], tables[i % 5], 0.6, seed=i).text for i in picks]
    texts = ([s if k % 2 else excerpt(s, 0.3, rng) for k, s in enumerate(spun)]
             + [spin(t, tables[i % 5], 0.6, seed=i).text for i, (_, t) in enumerate(negatives)])
    return docs, [(f"q{i}", t, None) for i, t in enumerate(texts)], len(real)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=600)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--out", default="bench/results/trace_batch.md")
    args = ap.parse_args(argv)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    docs, queries, n_real = workload(args.docs, args.queries, args.seed)
    n_neg = args.queries // 3
    n_spun = args.queries - n_neg
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    vocab, label = default_vocabulary(lexicon_vocabulary(load_model().lexicon))
    ix, build = build_index(work / "ix", docs, Fingerprinter(vocab), label)
    ix.close()
    log(f"index: {len(docs):,} docs ({n_real:,} real), {build['docs_per_s']:.0f} docs/s, {build['mb']:.0f} MB")
    rows = []
    for workers in sorted({1, args.workers}):
        t0 = time.perf_counter()
        found = sum(bool(t.result and t.result.matches) for t in trace_many(queries, work / "ix", 5, workers))
        secs = time.perf_counter() - t0
        rows.append((f"`trace_many`, {workers} worker{'s' * (workers > 1)}", secs, found))
        log(f"{rows[-1][0]}: {len(queries) / secs:.1f} q/s")
    qfile = work / "q.jsonl"
    qfile.write_text("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
                             for i, t, _ in queries), encoding="utf-8")
    for workers in sorted({1, args.workers}):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "unspin.cli", "trace", "--queries", str(qfile), "--index",
                              str(work / "ix"), "--format", "jsonl", "--workers", str(workers)],
                             capture_output=True, text=True, check=False).stdout
        secs = time.perf_counter() - t0
        found = sum(bool(json.loads(line)["matches"]) for line in out.splitlines())
        rows.append((f"CLI `unspin trace --queries`, {workers} worker{'s' * (workers > 1)}, end to end", secs, found))
        log(f"{rows[-1][0]}: {len(queries) / secs:.1f} q/s")
    shutil.rmtree(work, ignore_errors=True)
    md = ["# Batch tracing (`bench/bench_trace_batch.py`)\n",
          f"Index: {len(docs):,} documents ({n_real:,} real xwlb items, the rest synthetic mixes), "
          f"{build['mb']:.0f} MB. {len(queries)} queries: {n_spun - n_spun // 2} spun whole copies "
          f"(r = 0.6), {n_spun // 2} 30% excerpts of spun copies, {n_neg} spun negatives. "
          f"Machine: {os.cpu_count()} shared cores.\n",
          "| run | seconds | queries/s | queries with a match |", "|---|---|---|---|"]
    md += [f"| {name} | {secs:.1f} | {len(queries) / secs:.1f} | {found} |" for name, secs, found in rows]
    Path(args.out).write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
