"""Batch tracing in CPU seconds, one process: queries per CPU-second with and without reading swaps.

    python bench/bench_trace_cpu.py --docs 100000 --work /tmp/trace-cpu [--out bench/results/trace_cpu.md]

The index and the 600 queries of ``bench/bench_trace_batch.py`` (same seed: 200 spun whole
copies, 200 30% excerpts, 200 spun negatives), but the index is kept in ``--work`` and reused
when it is there (building 100k documents takes ~15 minutes on a shared machine), and time is
the process's CPU time, which holds while other jobs share the cores.  Loading the index, the
model and jieba's dictionary (read by the swaps) is done before timing, once a process.  Reports
:func:`unspin.trace.batch.trace_many` with one worker reading only the sources, then with every
match's substitutions read (the ``--format jsonl`` records), and a hash of those records, so
that two versions of the code can be shown to give the same answers
(``PYTHONPATH=OLD/src python bench/bench_trace_cpu.py ...``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

from bench_trace import build_index
from bench_trace_batch import workload

from unspin.model import load_model
from unspin.trace.batch import to_record, trace_many
from unspin.trace.fingerprint import Fingerprinter, default_vocabulary, lexicon_vocabulary
from unspin.trace.swaps import word_swaps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=600)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--work", required=True, help="folder for the index (reused when present)")
    ap.add_argument("--label", default="now")
    ap.add_argument("--out", default="bench/results/trace_cpu.md")
    args = ap.parse_args()
    docs, queries, _ = workload(args.docs, args.queries, args.seed)  # the same as bench_trace_batch.py
    ix = Path(args.work) / "ix"
    if not ix.exists():
        vocab, label = default_vocabulary(lexicon_vocabulary(load_model().lexicon))
        build_index(ix, docs, Fingerprinter(vocab), label)[0].close()
    list(trace_many(queries[:5], ix, 5, 1))  # open the index, load the model
    word_swaps("本年要交给汽车", "今年要交付汽车")  # load jieba's dictionary (once a process, ~1 CPU-s)
    t = time.process_time()
    out = list(trace_many(queries, ix, 5, 1))
    sources_only = time.process_time() - t
    records = [json.dumps(to_record(q), sort_keys=True, ensure_ascii=False) for q in out]
    with_swaps = time.process_time() - t
    digest = hashlib.sha1("\n".join(records).encode()).hexdigest()[:16]
    found = sum(bool(q.result and q.result.matches) for q in out)
    row = (f"| {args.label} | {len(queries) / sources_only:.1f} | {len(queries) / with_swaps:.1f} | {found} | "
           f"`{digest}` |")
    out_path = Path(args.out)
    if not out_path.exists():
        out_path.write_text(
            "# Batch tracing in CPU seconds (`bench/bench_trace_cpu.py`)\n\n"
            f"Index of {args.docs:,} documents and {len(queries)} queries as in `bench_trace_batch.py`; "
            "`trace_many`, one worker; queries per CPU-second.\n\n"
            "| code | sources only | with substitutions | queries with a match | records hash |\n"
            "|---|---|---|---|---|\n", encoding="utf-8")
    with open(out_path, "a", encoding="utf-8") as f:
        f.write(row + "\n")
    print(row)


if __name__ == "__main__":
    main()
