"""``unspin scan`` throughput and memory, beside ``jieba.lcut`` on the same corpus, in one run.

    .venv/bin/python bench/bench_scan.py [--mb 5] [--big-mb 20] [--corpus ../shared/corpus/xwlb.jsonl.gz]

Builds JSONL corpora of ``--mb`` and ``--big-mb`` megabytes from the news corpus (every
4th document spun at r=0.5 with a thesaurus table) in a temporary folder, then measures:

1. ``jieba.lcut`` chars/s on one core over the small corpus (the baseline);
2. ``unspin scan --workers 1`` and ``--workers 2`` on it (per-core throughput, scaling);
3. ``unspin scan --engine ray --workers 2`` on it (a local 2-CPU Ray instance);
4. peak RSS of the whole local process tree (driver + workers) on both corpus sizes.

Throughput is scanned characters over the scan's own wall time (model loading and the
final merge included; process start-up excluded).  Writes bench/results/scan.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

OUT = Path(__file__).parent / "results" / "scan.md"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "xwlb.jsonl.gz"
CLI = [sys.executable, "-c", "import sys; from unspin.cli import main; sys.exit(main())", "scan"]


def make_corpus(src: Path, dest: Path, megabytes: float) -> tuple[Path, int, int]:
    """First documents of ``src`` up to ``megabytes`` of JSONL; every 4th spun. (path, docs, chars)"""
    from unspin.lexicon.sources import cilin
    from unspin.spin import random_table, spin

    table = random_table(cilin(), seed=5, coverage=0.7)
    limit, size, n, chars = megabytes * 1e6, 0, 0, 0
    with gzip.open(src, "rt", encoding="utf-8") as f, open(dest, "w", encoding="utf-8") as out:
        for line in f:
            row = json.loads(line)
            if n % 4 == 3:
                row["text"] = spin(row["text"], table, r=0.5, seed=n).text
            data = json.dumps(row, ensure_ascii=False) + "\n"
            out.write(data)
            size, n, chars = size + len(data.encode()), n + 1, chars + len(row["text"])
            if size >= limit:
                break
    return dest, n, chars


def jieba_speed(path: Path) -> float:
    import jieba

    texts = [json.loads(x)["text"] for x in path.read_text(encoding="utf-8").splitlines()]
    jieba.lcut(texts[0])
    start = time.perf_counter()
    for t in texts:
        jieba.lcut(t)
    return sum(map(len, texts)) / (time.perf_counter() - start)


def engine_speed(path: Path, docs: int = 300) -> float:
    """``unspin.detect`` chars per CPU-second in this process (the engine without the pipeline)."""
    import unspin

    texts = [json.loads(x)["text"] for x in path.read_text(encoding="utf-8").splitlines()[:docs]]
    model = unspin.load_model()
    unspin.detect(texts[0], model=model)
    start = time.process_time()
    for t in texts:
        unspin.detect(t, model=model)
    return sum(map(len, texts)) / (time.process_time() - start)


def run_scan(path: Path, tmp: Path, name: str, *args: str) -> dict:
    """Run ``unspin scan`` in a subprocess; its summary plus the process tree's peak RSS."""
    out, summary = tmp / f"{name}.jsonl", tmp / f"{name}.summary.json"
    proc = psutil.Popen(CLI + [str(path), "--out", str(out), "--summary-json", str(summary),
                               "--overwrite", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        try:
            # PSS: pages shared by the forked workers are counted once, not once per process
            rss = sum(p.memory_full_info().pss for p in [proc, *proc.children(recursive=True)])
        except psutil.Error:
            rss = 0
        peak = max(peak, rss)
        time.sleep(0.1)
    if proc.returncode:
        raise SystemExit(f"{name} failed: {proc.stderr.read().decode()[-2000:]}")
    result = json.loads(summary.read_text())
    result["peak_mb"] = peak / 2**20
    print(f"{name}: {result['chars_per_second']:,.0f} chars/s, {result['chars_per_cpu_second']:,.0f} "
          f"chars/CPU-s, peak PSS {result['peak_mb']:.0f} MB",
          file=sys.stderr)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--mb", type=float, default=5.0, help="throughput corpus size (MB of JSONL)")
    ap.add_argument("--big-mb", type=float, default=20.0, help="second corpus size for the RSS check")
    ap.add_argument("--no-ray", action="store_true")
    ap.add_argument("--out", default=str(OUT), help="Markdown report (default: bench/results/scan.md)")
    args = ap.parse_args()
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench_scan_") as d:
        tmp = Path(d)
        small, n_small, c_small = make_corpus(Path(args.corpus), tmp / "small.jsonl", args.mb)
        big, n_big, c_big = make_corpus(Path(args.corpus), tmp / "big.jsonl", args.big_mb)
        jieba_cps = jieba_speed(small)
        engine_cps = engine_speed(small)
        print(f"jieba.lcut: {jieba_cps:,.0f} chars/s; unspin.detect: {engine_cps:,.0f} chars/CPU-s", file=sys.stderr)
        one = run_scan(small, tmp, "local1", "--workers", "1")
        two = run_scan(small, tmp, "local2", "--workers", "2")
        ray = None if args.no_ray else run_scan(small, tmp, "ray2", "--workers", "2", "--engine", "ray")
        big2 = run_scan(big, tmp, "local2big", "--workers", "2")
    load1 = os.getloadavg()[0]
    md = report(args, (n_small, c_small), (n_big, c_big), jieba_cps, engine_cps, one, two, ray, big2, (load0, load1))
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(md, encoding="utf-8")
    print(md)


def report(args, small, big, jieba_cps, engine_cps, one, two, ray, big2, load) -> str:
    cps = lambda r: r["chars_per_second"]  # noqa: E731
    cpu = lambda r: f"{r['chars_per_cpu_second']:,.0f}"  # noqa: E731
    rows = [
        ("`jieba.lcut`, 1 core (baseline)", f"{jieba_cps:,.0f}", "", "1.00× jieba", ""),
        ("`unspin.detect` in a loop, 1 core (the engine alone, 300 docs)", "", f"{engine_cps:,.0f}",
         f"{engine_cps / jieba_cps:.2f}× jieba (CPU)", ""),
        ("scan local, 1 worker", f"{cps(one):,.0f}", cpu(one), f"{cps(one) / jieba_cps:.2f}× jieba",
         "≥ 1.0× jieba"),
        ("scan local, 2 workers", f"{cps(two):,.0f}", cpu(two), f"{cps(two) / cps(one):.2f}× 1 worker",
         "≥ 1.7× 1 worker"),
    ]
    if ray:
        rows.append(("scan ray, local instance, 2 CPUs", f"{cps(ray):,.0f}", cpu(ray),
                     f"{cps(ray) / cps(two):.2f}× local 2 workers", "≥ 0.8× local"))
    growth = big2["peak_mb"] / two["peak_mb"]
    lines = [
        "# unspin scan benchmark", "",
        f"Command: `.venv/bin/python bench/bench_scan.py --mb {args.mb:g} --big-mb {args.big_mb:g}"
        f"{' --no-ray' if args.no_ray else ''}`", "",
        f"Corpus: first news items of `xwlb.jsonl.gz` as JSONL, every 4th spun at r=0.5: "
        f"{args.mb:g} MB = {small[0]:,} docs / {small[1]:,} chars (throughput runs), "
        f"{args.big_mb:g} MB = {big[0]:,} docs / {big[1]:,} chars (memory run).",
        f"Machine: {os.cpu_count()} cores, load average {load[0]:.1f} before and {load[1]:.1f} after "
        "(other jobs shared the cores: wall-clock numbers are pessimistic, chars per worker "
        "CPU-second are not).", "",
        "| run | chars/s (wall) | chars/CPU-s | ratio (wall) | target |", "| --- | ---: | ---: | ---: | --- |",
        *[f"| {' | '.join(r)} |" for r in rows], "",
        "| peak memory, local 2 workers (PSS of driver + workers) | MB |", "| --- | ---: |",
        f"| {args.mb:g} MB corpus, 1 worker | {one['peak_mb']:.0f} |",
        f"| {args.mb:g} MB corpus | {two['peak_mb']:.0f} |",
        f"| {args.big_mb:g} MB corpus | {big2['peak_mb']:.0f} |",
        f"| growth | {growth:.2f}× (target within 1.20×) |", "",
        "Wall throughput is characters scored per second of the scan's wall time, model loading, "
        "worker start-up and the final merge included (they weigh more on small corpora; Ray's "
        "instance start-up is the largest).  chars/CPU-s is the same characters over the CPU "
        "time the workers spent scoring.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
