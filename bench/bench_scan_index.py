"""What ``unspin scan --index`` costs and finds: a crawl scanned without an index, with one, and
with ``--trace-flagged``.

    .venv/bin/python bench/bench_scan_index.py [--index-docs 5000] [--crawl 300] [--corpus ../shared/corpus/xwlb.jsonl.gz]

The index holds the first ``--index-docs`` news items of the corpus (with their titles and
dates).  The crawl has three equal parts: copies of indexed items spun at r=0.6, copies of
indexed items spun lightly (r=0.1, which the detector mostly calls natural), and items that
are not in the index, every other one spun at r=0.6.  Each scan runs in this process with one
worker (``--workers 1``); chars/CPU-s is scored characters over the worker's CPU time.  A copy
counts as found when its ``origin`` is the item it was copied from; an item outside the index
with an ``origin`` is a false source.  Writes bench/results/scan_index.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).parent / "results" / "scan_index.md"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "xwlb.jsonl.gz"


def load(path: Path, n: int) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for _, line in zip(range(n), f, strict=False)]
    return [r for r in rows if len(r.get("text", "")) >= 200]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-docs", type=int, default=5000)
    ap.add_argument("--crawl", type=int, default=300)
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)

    from unspin.cli import main as cli
    from unspin.lexicon.sources import cilin
    from unspin.scan import ScanOptions, scan
    from unspin.spin import random_table, spin

    items = load(args.corpus, args.index_docs + args.crawl)
    indexed, outside = items[: args.index_docs], items[args.index_docs :]
    rng = random.Random(5)
    table = random_table(cilin(), seed=5, coverage=0.7)
    part = args.crawl // 3
    picks = rng.sample(indexed, 2 * part)
    crawl = [{"id": f"copy-{r['id']}", "text": spin(r["text"], table, r=0.6, seed=i).text, "want": r["id"]}
             for i, r in enumerate(picks[:part])]
    crawl += [{"id": f"light-{r['id']}", "text": spin(r["text"], table, r=0.1, seed=i).text, "want": r["id"]}
              for i, r in enumerate(picks[part:])]
    crawl += [{"id": f"other-{r['id']}", "want": None,
               "text": spin(r["text"], table, r=0.6, seed=i).text if i % 2 else r["text"]}
              for i, r in enumerate(outside[:part])]

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        src = t / "archive.jsonl"
        src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in indexed), encoding="utf-8")
        start = time.monotonic()
        assert cli(["index", "add", str(src), "--index", str(t / "index"), "--quiet"]) == 0
        build = time.monotonic() - start
        crawl_path = t / "crawl.jsonl"
        crawl_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in crawl), encoding="utf-8")
        want = {r["id"]: r["want"] for r in crawl}
        runs = []
        for name, kw in (("no index", {}), ("--index", {"index": str(t / "index")}),
                         ("--index --trace-flagged", {"index": str(t / "index"), "trace_flagged": True})):
            out = t / f"{len(runs)}.jsonl"
            summary = scan(ScanOptions(inputs=[str(crawl_path)], out=str(out), workers=1, progress=False, **kw))
            rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
            found = {kind: sum(1 for r in rows if r["id"].startswith(kind) and r.get("origin")
                               and r["origin"]["id"] == want[r["id"]]) for kind in ("copy-", "light-")}
            false = sum(1 for r in rows if want[r["id"]] is None and r.get("origin"))
            runs.append((name, summary, found, false))
            print(name, summary.seconds, found, false, flush=True)

    base = runs[0][1]
    lines = [
        "# unspin scan --index", "",
        f"Command: `.venv/bin/python bench/bench_scan_index.py --index-docs {args.index_docs} --crawl {args.crawl}`", "",
        f"Index: the first {len(indexed):,} news items of `{args.corpus.name}` with their titles and dates "
        f"(built in {build:.0f} s).  Crawl: {len(crawl)} pages, a third each: indexed items spun at r=0.6, "
        "indexed items spun at r=0.1, items outside the index (every other one spun at r=0.6).  "
        "One worker, in process.", "",
        "| run | seconds | chars/CPU-s | speed vs no index | flagged | traced | copies r=0.6 found | copies r=0.1 found "
        "| false sources (outside the index) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, s, found, false in runs:
        speed = s.run_chars / s.cpu_seconds if s.cpu_seconds else 0.0
        ratio = base.cpu_seconds / s.cpu_seconds if s.cpu_seconds else 0.0
        traced = f"{s.traced:,}" if s.index else "–"
        copies = (f"{found['copy-']} / {part}", f"{found['light-']} / {part}", f"{false} / {part}") if s.index \
            else ("–", "–", "–")
        lines.append(f"| {name} | {s.seconds:.1f} | {speed:,.0f} | {ratio:.2f}× | {s.flagged} | {traced} | "
                     + " | ".join(copies) + " |")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
