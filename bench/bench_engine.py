"""Detect and restore throughput beside ``jieba.lcut`` on the same text, in the same run.

    .venv/bin/python bench/bench_engine.py [--docs 300] [--corpus ../shared/corpus/xwlb.jsonl.gz]

Prints chars/s for jieba.lcut (the baseline), unspin detect and unspin restore, the
ratios to the baseline, and model load time / RSS.  With no corpus it uses held-out
registry text.  Writes bench/results/engine.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).parent / "results" / "engine.md"


def load_docs(corpus: str | None, n: int) -> tuple[list[str], str]:
    if corpus:
        docs = []
        with gzip.open(corpus, "rt", encoding="utf-8") as f:
            for line in f:
                docs.append(json.loads(line)["text"])
                if len(docs) >= n:
                    break
        return docs, Path(corpus).name
    import random

    import unspin
    from unspin.evaluate import heldout_paragraphs, make_docs

    paras = heldout_paragraphs(unspin.load_model(), None, "text")
    return make_docs(paras, 1000, n, random.Random(0)), "held-out registry text (People's Daily 1998 + reviews)"


def rate(fn, docs: list[str], repeat: int = 1) -> float:
    """Characters per CPU-second of this process (CPU time, not wall time: the ratio to the
    baseline then holds while other jobs share the cores)."""
    chars = sum(map(len, docs)) * repeat
    t = time.process_time()
    for _ in range(repeat):
        for d in docs:
            fn(d)
    return chars / (time.process_time() - t)


def load_cost() -> tuple[float, float]:
    code = (
        "import time,resource;t=time.perf_counter();import unspin;m=unspin.load_model();"
        "unspin.detect('今年要交付三十万辆汽车', model=m);"
        "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--corpus", default=None)
    args = ap.parse_args()
    import jieba

    import unspin

    jieba.initialize()
    model = unspin.load_model()
    docs, name = load_docs(args.corpus, args.docs)
    for d in docs[:20]:  # warm caches (candidate lists) the way a long-running scan would
        unspin.detect(d, model=model)
    from unspin.lexicon import public
    from unspin.spin import choose_table, spin

    whole = public.table("all")
    spun = [spin(d, choose_table(whole, seed=i), 0.8, seed=i, mode="chars").text for i, d in enumerate(docs)]
    base = rate(jieba.lcut, docs)
    det = rate(lambda d: unspin.detect(d, model=model), docs)
    res = rate(lambda d: unspin.restore(d, model=model), docs)
    base_s = rate(jieba.lcut, spun)
    det_s = rate(lambda d: unspin.detect(d, model=model), spun)
    res_s = rate(lambda d: unspin.restore(d, model=model), spun)
    secs, rss = load_cost()
    chars = sum(map(len, docs))
    lines = [
        f"Corpus: {name}, {len(docs)} documents, {chars:,} characters; one process, one core; "
        "chars per CPU-second.",
        "",
        "| what | chars/s | ratio to jieba.lcut |",
        "|---|---|---|",
        f"| jieba.lcut (baseline) | {base:,.0f} | 1.00 |",
        f"| unspin detect | {det:,.0f} | {det / base:.2f} |",
        f"| unspin restore | {res:,.0f} | {res / base:.2f} |",
        f"| jieba.lcut on the same documents spun (public table, r = 0.8) | {base_s:,.0f} | 1.00 |",
        f"| unspin detect, spun | {det_s:,.0f} | {det_s / base_s:.2f} |",
        f"| unspin restore, spun | {res_s:,.0f} | {res_s / base_s:.2f} |",
        "",
        f"Model load + first call: {secs:.2f} s, peak RSS {rss:,.0f} MB "
        f"(process max RSS of this run: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB).",
    ]
    text = "\n".join(lines) + "\n"
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
