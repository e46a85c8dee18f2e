"""HTTP API and web page speed: ``unspin serve --workers 2`` under load, and the page in chromium.

    .venv/bin/python bench/bench_server.py [--requests 1000] [--concurrency 2,4,8] [--page-runs 10]
        [--spun-share 0.5] [--cascade] [--out bench/results/server.md]

1. Starts ``unspin serve --workers 2`` on a free localhost port and drives POST /v1/detect
   with 1,000-character documents (held-out registry text, ``--spun-share`` of them spun: half
   by default; 0.1 is a crawl's mix, where detect's cascade clears most documents) from an
   asyncio/httpx load generator on the same machine: requests/s, p50/p90/p99 latency;
   ``--cascade`` starts the server with detect's cheap first stage (off by default).
2. Loads the page in Debian's chromium, pastes a 3,000-character spun article, and times
   the Analyze click until the analysis is drawn.
Writes bench/results/server.md (``--out``).  Only localhost is contacted; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from pathlib import Path

import httpx

OUT = Path(__file__).parent / "results" / "server.md"
MAX_SECONDS_PER_LEVEL = 120


def make_docs(length: int, n: int, seed: int, spun_share: float = 0.5) -> list[str]:
    """``n`` held-out documents of exactly ``length`` characters; ``spun_share`` of them, evenly
    spread, spun (a Cilin table, r=0.5)."""
    import unspin
    from unspin.evaluate import heldout_paragraphs
    from unspin.evaluate import make_docs as join_paragraphs
    from unspin.lexicon.sources import cilin
    from unspin.spin import random_table, spin

    paras = heldout_paragraphs(unspin.load_model(), None, "text")
    docs = [d[:length] for d in join_paragraphs(paras, length + 50, n, random.Random(seed))]
    table = random_table(cilin(), seed, 1.0)
    spun = [int((i + 1) * spun_share) > int(i * spun_share) for i in range(len(docs))]
    return [spin(d, table, 0.5, seed + i).text[:length] if s else d for i, (d, s) in enumerate(zip(docs, spun, strict=True))]


async def load(url: str, docs: list[str], total: int, concurrency: int) -> dict:
    """Send ``total`` requests with ``concurrency`` in flight; latency percentiles in ms."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        stop = time.monotonic() + MAX_SECONDS_PER_LEVEL

        async def worker() -> None:
            nonlocal errors
            for i in counter:
                if time.monotonic() > stop:
                    return
                t = time.perf_counter()
                r = await client.post("/v1/detect", json={"text": docs[i % len(docs)]})
                latencies.append((time.perf_counter() - t) * 1000)
                errors += r.status_code != 200

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100)
    return {"concurrency": concurrency, "requests": len(latencies), "errors": errors, "rps": len(latencies) / wall,
            "p50": q[49], "p90": q[89], "p99": q[98], "max": max(latencies)}


def bench_api(docs: list[str], total: int, levels: list[int], workers: int, cascade: bool = False) -> list[dict]:
    from unspin.server.testing import serve_in_subprocess

    flags = ["--cascade"] if cascade else []
    with serve_in_subprocess("--workers", str(workers), "--log-level", "warning", *flags) as url:
        asyncio.run(load(url, docs, 60, 4))  # warm up both workers
        return [asyncio.run(load(url, docs, total, c)) for c in levels]


def cpu_per_request(docs: list[str], cascade: bool = False) -> float:
    """CPU ms one /v1/detect costs in-process (app + engine + test client), free of other jobs' load."""
    from fastapi.testclient import TestClient

    from unspin.server import create_app

    client = TestClient(create_app(cascade=cascade))
    for d in docs[:5]:
        client.post("/v1/detect", json={"text": d})
    t = time.process_time()
    for d in docs:
        client.post("/v1/detect", json={"text": d}).raise_for_status()
    return (time.process_time() - t) / len(docs) * 1000


def bench_page(article: str, runs: int) -> list[float] | None:
    """Click-to-drawn times (ms) for ``article`` in chromium, or None without a browser."""
    chromium = Path("/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not chromium.exists():
        return None
    from unspin.server import create_app
    from unspin.server.testing import serve_in_thread

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    times = []
    with serve_in_thread(create_app()) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=args)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(url)
        for i in range(runs + 1):
            page.fill("#text", article)
            page.evaluate("document.querySelector('#results').removeAttribute('data-state')")
            t = time.perf_counter()
            page.click("#analyze")
            page.wait_for_selector("#results[data-state=done]")
            if i:  # the first run warms the browser up
                times.append((time.perf_counter() - t) * 1000)
        browser.close()
    return times


def report(rows: list[dict], cpu_ms: float, page: list[float] | None, workers: int, chars: int,
           spun_share: float, cascade: bool = False) -> str:
    load1 = os.getloadavg()[0]
    lines = [
        "# unspin serve: HTTP API and web page",
        "",
        f"`bench/bench_server.py`, {time.strftime('%Y-%m-%d')}; {os.cpu_count()} cores shared with other jobs "
        f"(1-minute load average at the end: {load1:.1f}), so numbers are noisy. The load generator "
        "(asyncio + httpx) runs on the same cores as the server.",
        "",
        f"## POST /v1/detect, {chars:,}-character documents ({spun_share:.0%} spun), "
        f"`unspin serve --workers {workers}{' --cascade' if cascade else ''}`",
        "",
        "Targets (issue 16): ≥ 100 requests/s, p99 ≤ 200 ms.",
        "",
        "| in flight | requests | errors | requests/s | p50 ms | p90 ms | p99 ms | max ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [f"| {r['concurrency']} | {r['requests']} | {r['errors']} | {r['rps']:.1f} | {r['p50']:.0f} | "
              f"{r['p90']:.0f} | {r['p99']:.0f} | {r['max']:.0f} |" for r in rows]
    lines += ["", f"CPU per request, measured in-process: {cpu_ms:.1f} ms, so {workers} workers on {workers} idle "
              f"cores top out near {workers * 1000 / cpu_ms:.0f} requests/s (before the load generator's share).",
              "", "## Web page: Analyze click to drawn analysis, 3,000-character spun article (chromium)", ""]
    if page:
        lines += ["Target: ≤ 1 s.", "", "| runs | median ms | max ms |", "|---:|---:|---:|",
                  f"| {len(page)} | {statistics.median(page):.0f} | {max(page):.0f} |"]
    else:
        lines.append("not measured: chromium or playwright is missing")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=1000, help="requests per concurrency level")
    ap.add_argument("--concurrency", default="2,4,8", help="requests in flight, comma-separated")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--page-runs", type=int, default=10)
    ap.add_argument("--spun-share", type=float, default=0.5, help="share of the documents spun (default 0.5)")
    ap.add_argument("--cascade", action="store_true", help="serve --cascade (the first stage clears natural texts)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    docs = make_docs(1000, 60, seed=3, spun_share=args.spun_share)
    article = make_docs(3000, 1, seed=4)[0]
    rows = bench_api(docs, args.requests, [int(c) for c in args.concurrency.split(",")], args.workers, args.cascade)
    cpu_ms = cpu_per_request(docs, args.cascade)
    page = bench_page(article, args.page_runs)
    text = report(rows, cpu_ms, page, args.workers, 1000, args.spun_share, args.cascade)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
