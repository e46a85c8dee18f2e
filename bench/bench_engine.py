"""Detect and restore throughput beside ``jieba.lcut`` on the same text, in the same run.

    .venv/bin/python bench/bench_engine.py [--docs 300] [--corpus ../shared/corpus/xwlb.jsonl.gz]
        [--mix 200] [--skip-plain] [--out bench/results/engine.md]

Counts CPU seconds of this process (the ratios then hold while other jobs share the cores).

- Plain rows (as before): the first ``--docs`` items of the corpus, natural and spun (public
  table, r = 0.8): detect with the full decoder (``cascade=False``) and with the cascade, restore.
- Crawl-like mix (``--mix`` documents, with a corpus): held-out items (never trained on) joined to
  300-3,000 characters each, 90% natural and 10% spun (the whole public table, one choice per
  word, r = 0.8, as real tools spin): jieba.lcut, the cascade alone, ``detect_batch`` with and
  without the cascade, ``unspin scan`` of the same documents as JSONL (one worker: in this
  process), and the spun tenth alone with and without the cascade; each the best of
  :data:`BEST_OF` runs, the baseline's too.

With no corpus it uses held-out registry text.  Writes bench/results/engine.md (``--out``; the
cascade's mix: bench/results/engine_cascade.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).parent / "results" / "engine.md"
BEST_OF = 3
"""Runs of each crawl-mix measurement; the best counts (the least disturbed by other jobs)."""


def load_docs(corpus: str | None, n: int) -> tuple[list[str], str]:
    if corpus:
        docs = []
        with gzip.open(corpus, "rt", encoding="utf-8") as f:
            for line in f:
                docs.append(json.loads(line)["text"])
                if len(docs) >= n:
                    break
        return docs, Path(corpus).name
    import unspin
    from unspin.evaluate import heldout_paragraphs, make_docs

    paras = heldout_paragraphs(unspin.load_model(), None, "text")
    return make_docs(paras, 1000, n, random.Random(0)), "held-out registry text (People's Daily 1998 + reviews)"


def crawl_mix(corpus: str, n: int, seed: int = 5) -> tuple[list[str], list[bool]]:
    """``n`` documents of 300-3,000 characters from held-out items (consecutive items joined), a
    random tenth spun by the whole public table at r = 0.8; returns the texts and which are spun."""
    from unspin.lexicon import public
    from unspin.spin import choose_table, spin
    from unspin.train.build import is_heldout

    rng = random.Random(seed)
    whole = public.table("all")
    docs, spun, buf, target = [], [], [], rng.randint(300, 3000)
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        for line in f:
            text = json.loads(line)["text"].strip()
            if not text or not is_heldout(text):
                continue
            buf.append(text)
            if sum(map(len, buf)) < target:
                continue
            doc = "\n".join(buf)[:target]
            buf, target = [], rng.randint(300, 3000)
            if rng.random() < 0.1:
                doc = spin(doc, choose_table(whole, seed=len(docs)), 0.8, seed=len(docs), mode="chars").text
                spun.append(True)
            else:
                spun.append(False)
            docs.append(doc)
            if len(docs) >= n:
                break
    return docs, spun


def rate(fn, docs: list[str], repeat: int = 1) -> float:
    """Characters per CPU-second of this process (CPU time, not wall time: the ratio to the
    baseline then holds while other jobs share the cores)."""
    chars = sum(map(len, docs)) * repeat
    t = time.process_time()
    for _ in range(repeat):
        for d in docs:
            fn(d)
    return chars / (time.process_time() - t)


def batch_rate(fn, docs: list[str], size: int = 64) -> float:
    """As :func:`rate`, for a function of a list of documents (called on batches of ``size``)."""
    t = time.process_time()
    for i in range(0, len(docs), size):
        fn(docs[i : i + size])
    return sum(map(len, docs)) / (time.process_time() - t)


def scan_rate(docs: list[str], cascade: bool) -> float:
    """``unspin scan`` of ``docs`` as JSONL with one worker (in this process), chars per CPU-second."""
    from unspin.scan import ScanOptions, scan

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        src.write_text("".join(json.dumps({"id": str(i), "text": d}, ensure_ascii=False) + "\n"
                               for i, d in enumerate(docs)), encoding="utf-8")
        t = time.process_time()
        scan(ScanOptions(inputs=[str(src)], out=str(Path(tmp) / "out.jsonl"), workers=1, cascade=cascade,
                         progress=False))
        return sum(map(len, docs)) / (time.process_time() - t)


def load_cost() -> tuple[float, float]:
    code = (
        "import time,resource;t=time.perf_counter();import unspin;m=unspin.load_model();"
        "unspin.detect('今年要交付三十万辆汽车', model=m);"
        "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def plain_rows(model, docs: list[str]) -> list[str]:
    import jieba

    import unspin
    from unspin.lexicon import public
    from unspin.spin import choose_table, spin

    whole = public.table("all")
    spun = [spin(d, choose_table(whole, seed=i), 0.8, seed=i, mode="chars").text for i, d in enumerate(docs)]
    rows = []
    for label, texts in (("", docs), ("spun (public table, r = 0.8), ", spun)):
        base = rate(jieba.lcut, texts)
        full = rate(lambda d: unspin.detect(d, model=model, cascade=False), texts)
        casc = rate(lambda d: unspin.detect(d, model=model), texts)
        res = rate(lambda d: unspin.restore(d, model=model), texts)
        rows += [
            f"| {label}jieba.lcut (baseline) | {base:,.0f} | 1.00 |",
            f"| {label}unspin detect, full decoder (--no-cascade) | {full:,.0f} | {full / base:.2f} |",
            f"| {label}unspin detect, cascade | {casc:,.0f} | {casc / base:.2f} |",
            f"| {label}unspin restore | {res:,.0f} | {res / base:.2f} |",
        ]
    return rows


def mix_rows(model, corpus: str, n: int) -> tuple[list[str], str]:
    import jieba

    import unspin
    from unspin.cascade import cascade_of

    docs, is_spun = crawl_mix(corpus, n)
    spun = [d for d, s in zip(docs, is_spun, strict=True) if s]
    casc = cascade_of(model)
    unspin.detect_batch(docs, model=model, cascade=False)  # warm the per-word caches, as a long scan would

    def best(measure) -> float:  # the best of BEST_OF runs, for the baseline and unspin alike
        return max(measure() for _ in range(BEST_OF))

    base = best(lambda: rate(jieba.lcut, docs))
    stage1 = best(lambda: batch_rate(casc.probabilities, docs))
    off = best(lambda: batch_rate(lambda b: unspin.detect_batch(b, model=model, cascade=False), docs))
    on = best(lambda: batch_rate(lambda b: unspin.detect_batch(b, model=model, cascade=True), docs))
    scan_off, scan_on = best(lambda: scan_rate(docs, False)), best(lambda: scan_rate(docs, True))
    base_s = best(lambda: rate(jieba.lcut, spun))
    spun_off = best(lambda: batch_rate(lambda b: unspin.detect_batch(b, model=model, cascade=False), spun))
    spun_on = best(lambda: batch_rate(lambda b: unspin.detect_batch(b, model=model, cascade=True), spun))
    results = unspin.detect_batch(docs, model=model, cascade=True)
    cleared = [r.stage == "cascade" for r in results]
    nat_cleared = sum(c for c, s in zip(cleared, is_spun, strict=True) if not s) / max(is_spun.count(False), 1)
    spun_cleared = sum(c for c, s in zip(cleared, is_spun, strict=True) if s)
    p_cleared = [r.spin_probability for r in results if r.stage == "cascade"]
    chars = sum(map(len, docs))
    head = (f"Crawl-like mix: {len(docs)} documents of 300-3,000 characters ({chars:,} characters) joined from "
            f"held-out {Path(corpus).name} items, {len(spun)} spun (whole public table, r = 0.8); the cascade "
            f"cleared {nat_cleared:.1%} of the natural documents and {spun_cleared} of the spun ones (mean probability "
            f"of a cleared document {sum(p_cleared) / max(len(p_cleared), 1):.3f}, cut {casc.cut:.3f}).")
    rows = [
        f"| mix: jieba.lcut (baseline) | {base:,.0f} | 1.00 |",
        f"| mix: the cascade alone (first stage, every document) | {stage1:,.0f} | {stage1 / base:.2f} |",
        f"| mix: detect_batch, cascade | {on:,.0f} | {on / base:.2f} |",
        f"| mix: detect_batch, full decoder (cascade=False) | {off:,.0f} | {off / base:.2f} |",
        f"| mix: unspin scan, 1 worker, cascade | {scan_on:,.0f} | {scan_on / base:.2f} |",
        f"| mix: unspin scan, 1 worker, --no-cascade | {scan_off:,.0f} | {scan_off / base:.2f} |",
        f"| spun tenth alone: jieba.lcut (baseline) | {base_s:,.0f} | 1.00 |",
        f"| spun tenth alone: detect_batch, cascade | {spun_on:,.0f} | {spun_on / base_s:.2f} |",
        f"| spun tenth alone: detect_batch, full decoder | {spun_off:,.0f} | {spun_off / base_s:.2f} |",
    ]
    return rows, head


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--mix", type=int, default=200, help="documents of the crawl-like mix (needs --corpus)")
    ap.add_argument("--skip-plain", action="store_true", help="only the crawl-like mix")
    ap.add_argument("--out", default=str(OUT), help="results file (default bench/results/engine.md)")
    args = ap.parse_args()
    import jieba

    import unspin

    jieba.initialize()
    model = unspin.load_model()
    docs, name = load_docs(args.corpus, args.docs)
    for d in docs[:20]:  # warm caches (candidate lists) the way a long-running scan would
        unspin.detect(d, model=model, cascade=False)
    chars = sum(map(len, docs))
    lines = ["One process, one core; characters per CPU-second, every ratio to jieba.lcut on the same text "
             "in the same run.", ""]
    rows = [] if args.skip_plain else plain_rows(model, docs)
    if rows:
        lines.append(f"Plain rows: {name}, first {len(docs)} documents, {chars:,} characters.")
    if args.corpus and args.mix:
        mrows, head = mix_rows(model, args.corpus, args.mix)
        rows += mrows
        lines.append(head)
    secs, rss = load_cost()
    lines += [
        "",
        "| what | chars/s | ratio to jieba.lcut |",
        "|---|---|---|",
        *rows,
        "",
        f"Model load + first call: {secs:.2f} s, peak RSS {rss:,.0f} MB "
        f"(process max RSS of this run: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB).",
    ]
    text = "\n".join(lines) + "\n"
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
