"""Benchmark ``unspin trace``: recall, false matches, a plain MinHash baseline, speed, size, learn-pairs.

Data: modern news items of ``/work/shared/corpus/xwlb.jsonl.gz`` (deduplicated, >= 300
characters), spun by synthetic spinners whose tables come from the raw Cilin/cnsyn groups
(:func:`unspin.spin.random_table`, coverage 0.8, one table per simulated tool).  Larger
corpora are synthesised by *mixing*: each synthetic document strings together ~15
sentences drawn from 15 different real documents and is spun with another table.

Thresholds in :mod:`unspin.trace.api` were tuned with ``--split tune`` (other source
documents, other negatives, other spin seeds); the reported numbers are ``--split test``.

    python bench/bench_trace.py --docs 10000 --queries 300 --scale 100000 --out bench/results/trace.md
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from unspin.lexicon import sources
from unspin.model import load_model
from unspin.spin import random_table, spin
from unspin.trace import TraceIndex, trace
from unspin.trace.fingerprint import Fingerprinter, default_vocabulary, lexicon_vocabulary

CORPUS = Path("/work/shared/corpus/xwlb.jsonl.gz")
CLEAN_OVERLAP = 0.1
"""A negative holding at least this share of its 8-grams in one indexed document has a textual source."""
_SENT = re.compile(r"[^。！？\n]+[。！？\n]*")


def load_corpus(limit: int, seed: int) -> list[tuple[str, str]]:
    """``(id, text)`` of deduplicated xwlb items of at least 300 characters, shuffled."""
    seen, out = set(), []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            text = rec["text"].strip()
            if len(text) >= 300 and text[:200] not in seen:
                seen.add(text[:200])
                out.append((str(rec["id"]), text))
    random.Random(seed).shuffle(out)
    return out[:limit]


def excerpt(text: str, share: float, rng: random.Random) -> str:
    """A contiguous run of whole sentences holding about ``share`` of ``text``."""
    sents = _SENT.findall(text)
    target = len(text) * share
    start = rng.randrange(len(sents))
    out: list[str] = []
    for s in sents[start:] + sents[:start]:
        out.append(s)
        if sum(map(len, out)) >= target:
            break
    return "".join(out)


def mixed_docs(texts: list[str], n: int, tables: list[dict], rng: random.Random) -> list[tuple[str, str]]:
    """``n`` synthetic documents, each ~15 sentences from 15 different texts, spun (see module doc)."""
    pools = [_SENT.findall(t) for t in texts]
    out = []
    for i in range(n):
        sents = [rng.choice(pools[rng.randrange(len(pools))] or ["。"]) for _ in range(15)]
        out.append((f"mix-{i}", spin("".join(sents), tables[i % len(tables)], 0.5, seed=i).text))
    return out


def max_overlap(queries: list[str], docs: list[tuple[str, str]], k: int = 8) -> list[float]:
    """For each query, the largest share of its character ``k``-grams found in one document.

    Independent of the tracer: it tells which "negatives" really hold text of an indexed
    document (the broadcaster reuses sentences and whole paragraphs across years).
    """
    where: dict[str, list[int]] = {}
    sizes = []
    for qi, t in enumerate(queries):
        grams = {t[j : j + k] for j in range(len(t) - k + 1)}
        sizes.append(len(grams) or 1)
        for g in grams:
            where.setdefault(g, []).append(qi)
    best = [0.0] * len(queries)
    for _, d in docs:
        shared: Counter[int] = Counter()
        for g in {d[j : j + k] for j in range(len(d) - k + 1)}:
            shared.update(where.get(g, ()))
        for qi, n in shared.items():
            best[qi] = max(best[qi], n / sizes[qi])
    return best


def long_docs(texts: list[str], n: int, chars: int = 1500) -> list[tuple[str, str]]:
    """``n`` documents of ``chars`` characters made by concatenating consecutive items."""
    out, buf = [], ""
    for t in texts:
        buf += t
        if len(buf) >= chars:
            out.append((f"long-{len(out)}", buf[:chars]))
            buf = ""
            if len(out) == n:
                break
    return out


def build_speed(path: Path, docs: list[tuple[str, str]], fp: Fingerprinter) -> dict:
    """Build docs/s of one process: wall clock and CPU time (the machine is shared)."""
    shutil.rmtree(path, ignore_errors=True)
    ix = TraceIndex.create(path, fp)
    w0, c0 = time.perf_counter(), time.process_time()
    ix.add(docs, batch=500)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    ix.close()
    shutil.rmtree(path, ignore_errors=True)
    return {"docs": len(docs), "chars": int(np.mean([len(t) for _, t in docs])),
            "wall": len(docs) / wall, "cpu": len(docs) / cpu}


# ---- plain character-shingle MinHash LSH, the baseline users would otherwise pick ----------
class CharMinHashLSH:
    """MinHash (``perms`` permutations) of character ``k``-shingles, LSH with ``bands`` bands."""

    def __init__(self, k: int = 5, perms: int = 128, bands: int = 32, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        self.k, self.bands, self.rows = k, bands, perms // bands
        self.a = rng.integers(1, (1 << 61) - 1, perms, dtype=np.uint64) | np.uint64(1)
        self.b = rng.integers(0, (1 << 61) - 1, perms, dtype=np.uint64)
        self.buckets: list[dict[bytes, list[int]]] = [{} for _ in range(bands)]
        self.sigs: list[np.ndarray] = []

    def signature(self, text: str) -> np.ndarray:
        grams = {text[i : i + self.k] for i in range(len(text) - self.k + 1)} or {text}
        h = np.fromiter((hash(g) & 0xFFFFFFFFFFFF for g in grams), dtype=np.uint64)
        with np.errstate(over="ignore"):
            return (np.outer(h, self.a) + self.b).min(axis=0)

    def add(self, text: str) -> None:
        sig = self.signature(text)
        for band in range(self.bands):
            key = sig[band * self.rows : (band + 1) * self.rows].tobytes()
            self.buckets[band].setdefault(key, []).append(len(self.sigs))
        self.sigs.append(sig)

    def query(self, text: str) -> int | None:
        sig = self.signature(text)
        cands = {d for band in range(self.bands)
                 for d in self.buckets[band].get(sig[band * self.rows : (band + 1) * self.rows].tobytes(), ())}
        if not cands:
            return None
        return max(cands, key=lambda d: float(np.mean(self.sigs[d] == sig)))


# ---- measurements -------------------------------------------------------------------------
def build_index(path: Path, docs: list[tuple[str, str]], fp: Fingerprinter, label: str) -> tuple[TraceIndex, dict]:
    shutil.rmtree(path, ignore_errors=True)
    t0 = time.perf_counter()
    ix = TraceIndex.create(path, fp, label)
    ix.add(docs, batch=1000)
    secs = time.perf_counter() - t0
    st = ix.stats()
    return ix, {"docs": len(docs), "docs_per_s": len(docs) / secs, "mb": st["bytes"] / 1e6,
                "chars": st["characters"], "postings": st["postings"]}


def query_sets(docs: list[tuple[str, str]], negatives: list[str], tables: list[dict], n: int,
               rng: random.Random, exclude: frozenset[int] = frozenset()) -> dict[str, list[tuple[str, set[str]]]]:
    """Named lists of ``(query text, ids of its true sources)``; sources are never drawn from ``exclude``."""
    pool = [i for i in range(len(docs)) if i not in exclude]
    picks = rng.sample(pool, n)
    sets: dict[str, list[tuple[str, set[str]]]] = {}
    for r in (0.3, 0.6, 0.8):
        sets[f"whole, r={r}"] = [(spin(docs[i][1], tables[i % 5], r, seed=i).text, {docs[i][0]}) for i in picks]
    sets["30% excerpt, r=0.6"] = [
        (excerpt(spin(docs[i][1], tables[i % 5], 0.6, seed=i).text, 0.3, rng), {docs[i][0]}) for i in picks]
    stitched = []
    for j in range(n):
        parts = rng.sample(pool, 3)
        text = "\n".join(excerpt(docs[i][1], 0.4, rng) for i in parts)
        stitched.append((spin(text, tables[j % 5], 0.5, seed=j).text, {docs[i][0] for i in parts}))
    sets["stitched 3 sources, r=0.5"] = stitched
    sets["no source (negatives), r=0.6"] = [(spin(t, tables[i % 5], 0.6, seed=i).text, set())
                                           for i, t in enumerate(negatives[:n * 3])]
    return sets


def run_queries(ix: TraceIndex, queries: list[tuple[str, set[str]]], clean: list[bool] | None = None) -> dict:
    """Recall@1 (or all-sources recall in top 5 when a query has several), false matches, latencies.

    ``clean`` marks the negatives with no textual source in the index (see :func:`max_overlap`).
    """
    hit = found_all = false = false_clean = 0
    lat = []
    for qi, (text, truth) in enumerate(queries):
        t0 = time.perf_counter()
        res = trace(text, ix, top_k=5)
        lat.append(time.perf_counter() - t0)
        ids = [m.id for m in res.matches]
        if not truth:
            false += bool(ids)
            false_clean += bool(ids) and clean is not None and clean[qi]
        else:
            hit += bool(ids) and ids[0] in truth
            found_all += truth <= set(ids)
    n = len(queries)
    n_clean = sum(clean) if clean else 0
    return {"n": n, "recall1": hit / n, "all_found": found_all / n, "false": false / n, "lat": lat,
            "false_clean": false_clean / max(1, n_clean), "false_clean_n": false_clean, "n_clean": n_clean}


def run_baseline(docs: list[tuple[str, str]], queries: dict) -> dict[str, float]:
    lsh = CharMinHashLSH()
    for _, text in docs:
        lsh.add(text)
    ids = [d for d, _ in docs]
    out = {}
    for name, qs in queries.items():
        hits = [lsh.query(text) for text, _ in qs]
        if name.startswith("no source"):
            out[name] = sum(h is not None for h in hits) / len(qs)
        else:
            out[name] = sum(h is not None and ids[h] in truth for h, (_, truth) in zip(hits, qs, strict=True)) / len(qs)
    return out


def learn_gain(tables: list[dict], n_learn: int, n_eval: int, seed: int, log) -> dict:
    """Restore F1 on held-out docs of one spinner before/after learn-pairs from ``n_learn`` traces."""
    from unspin.api import restore
    from unspin.evaluate import _ablated, heldout_paragraphs, make_docs
    from unspin.model import Model
    from unspin.trace.learn import fold_pairs

    rng = random.Random(seed)
    base = load_model()
    table = tables[0]
    model, _ = _ablated(base, [table], 0.3, rng)
    paras = heldout_paragraphs(base, None, "text")
    docs = make_docs(paras, 500, n_learn + n_eval, rng)
    learn_docs, eval_docs = docs[:n_learn], docs[n_learn:]
    tmp = Path(tempfile.mkdtemp())
    fp = Fingerprinter(default_vocabulary(lexicon_vocabulary(base.lexicon))[0])
    ix = TraceIndex.create(tmp / "ix", fp)
    ix.add([(f"d{i}", d) for i, d in enumerate(learn_docs)])
    pairs: Counter = Counter()
    for i, d in enumerate(learn_docs):
        for m in trace(spin(d, table, 0.5, seed=i).text, ix, top_k=1).matches:
            pairs.update(Counter({(a, b): n for a, b, n in m.substitution_counts()}))
    learned = Model(fold_pairs(model.lexicon, pairs), model.lm, model.pair_stage1, model.pair_stage2,
                    model.doc, model.settings, model.path, model.trained_on)
    out = {"learn_docs": n_learn, "eval_docs": len(eval_docs), "pairs": len(pairs)}
    for name, m in (("before", model), ("after", learned)):
        tp = fp_ = fn = 0
        for i, d in enumerate(eval_docs):
            s = spin(d, table, 0.5, seed=10_000 + i)
            pred = {(e.start, e.end, e.original) for e in restore(s.text, model=m).edits}
            gold = {(w.start, w.end, w.original) for w in s.swaps}
            tp, fp_, fn = tp + len(gold & pred), fp_ + len(pred - gold), fn + len(gold - pred)
        p, r = tp / max(1, tp + fp_), tp / max(1, tp + fn)
        out[name] = {"precision": p, "recall": r, "f1": 2 * p * r / max(1e-9, p + r)}
        log(f"learn-pairs {name}: P {p:.3f} R {r:.3f}")
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def pct(x: float) -> str:
    return f"{x:.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--scale", type=int, default=0, help="also measure at this size (mixing synthetic docs)")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--learn", type=int, default=50, help="traced docs for learn-pairs (0: skip)")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--split", choices=["test", "tune"], default="test",
                    help="tune: other sources, negatives and spins (for choosing thresholds)")
    ap.add_argument("--long", type=int, default=2000, help="1,500-char docs for the build-speed row (0: skip)")
    ap.add_argument("--out", default="bench/results/trace.md")
    args = ap.parse_args(argv)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    full = load_corpus(10**9, args.seed)
    n, q3 = args.docs, args.queries * 3
    docs, spare = full[:n], full[n + 2 * q3 :]  # spare: real items for --scale, never a negative
    test_picks = frozenset(random.Random(args.seed).sample(range(n), args.queries))
    if args.split == "test":
        rng, negatives, exclude = random.Random(args.seed), [t for _, t in full[n : n + q3]], frozenset()
    else:
        rng, negatives, exclude = random.Random(args.seed + 1), [t for _, t in full[n + q3 : n + 2 * q3]], test_picks
    groups = sources.cilin() + [g for g in sources.cnsyn() if len(g) <= 12]
    tables = [random_table(groups, seed=100 + k, coverage=0.8) for k in range(6)]
    base = load_model()
    lex_vocab = lexicon_vocabulary(base.lexicon)
    full_vocab, label = default_vocabulary(lex_vocab)
    queries = query_sets(docs, negatives, tables[:5], args.queries, rng, exclude)
    t0 = time.perf_counter()
    clean = [o < CLEAN_OVERLAP for o in max_overlap(negatives, docs)]
    log(f"negatives without a textual source: {sum(clean)}/{len(clean)} ({time.perf_counter() - t0:.0f} s)")
    work = Path(tempfile.mkdtemp(prefix="bench-trace-"))
    variants = {
        f"unspin trace (mask {label})": Fingerprinter(full_vocab),
        "unspin trace, mask model lexicon only": Fingerprinter(frozenset(lex_vocab)),
        "same index, no masking (char 4-shingles)": Fingerprinter(frozenset()),
    }
    results, builds = {}, {}
    for name, fp in variants.items():
        ix, builds[name] = build_index(work / "ix", docs, fp, name)
        log(f"{name}: built {builds[name]['docs_per_s']:.0f} docs/s, {builds[name]['mb']:.1f} MB")
        results[name] = {q: run_queries(ix, qs, clean if q.startswith("no source") else None)
                         for q, qs in queries.items()}
        for q, r in results[name].items():
            log(f"  {q}: R@1 {r['recall1']:.3f} all {r['all_found']:.3f} false {r['false']:.3f} "
                f"clean {r['false_clean']:.4f}")
        ix.close()
    t0 = time.perf_counter()
    baseline = run_baseline(docs, queries)
    log(f"baseline {baseline} ({time.perf_counter() - t0:.0f} s)")
    speed = {}
    if args.long:
        speed = build_speed(work / "long", long_docs([t for _, t in spare], args.long), Fingerprinter(full_vocab))
        log(f"build on {speed['chars']}-char docs: {speed['cpu']:.0f} docs/s CPU, {speed['wall']:.0f} wall")
    scale = {}
    if args.scale:
        big = (docs + spare)[: args.scale]
        mixed = mixed_docs([t for _, t in docs], args.scale - len(big), tables[5:], rng) if args.scale > len(big) else []
        pool = big + mixed
        ix, scale = build_index(work / "big", pool, Fingerprinter(full_vocab), label)
        log(f"scale {len(pool)}: {scale['docs_per_s']:.0f} docs/s {scale['mb']:.0f} MB")
        scale["real"] = len(big)
        scale["q"] = {q: run_queries(ix, qs) for q, qs in queries.items() if not q.startswith("stitched")}
        for q, r in scale["q"].items():
            log(f"  {q}: R@1 {r['recall1']:.3f} false {r['false']:.3f}")
        ix.close()
    gain = learn_gain(tables, args.learn, 100, args.seed, log) if args.learn else None
    shutil.rmtree(work, ignore_errors=True)
    md = report(args, docs, results, builds, baseline, scale, gain, label, speed)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(md, encoding="utf-8")
    print(md)
    return 0


def _lat(rs: dict) -> tuple[float, float]:
    lat = np.array([x for q, r in rs.items() if not q.startswith("no source") for x in r["lat"]]) * 1000
    return float(np.percentile(lat, 50)), float(np.percentile(lat, 99))


def report(args, docs, results, builds, baseline, scale, gain, label, speed) -> str:
    names = list(results)
    qnames = list(next(iter(results.values())))
    chars = np.mean([len(t) for _, t in docs])
    first = results[names[0]]
    neg = next(q for q in qnames if q.startswith("no source"))
    lines = [
        "# Trace benchmark (`bench/bench_trace.py`)", "",
        f"Index: {len(docs):,} deduplicated xwlb news items (mean {chars:.0f} chars, >= 300). "
        f"{args.queries} queries per row (split `{args.split}`; thresholds were tuned on `--split tune`: other "
        "sources, negatives and spin seeds); spinner tables drawn from raw Cilin + cnsyn groups "
        "(coverage 0.8, 5 tables); negatives are spun xwlb items not in the index. Machine: 2 shared cores.",
        "", "## Recall@1 (stitched: all 3 sources in the top 5; negatives: share with any match = false match rate)", "",
        "| query set | " + " | ".join(names) + " | plain char-5 MinHash LSH (128 perms, 32x4 bands) |",
        "|---|" + "---|" * (len(names) + 1),
    ]
    for q in qnames:
        key = "all_found" if q.startswith("stitched") else ("false" if q.startswith("no source") else "recall1")
        cells = [pct(results[n][q][key]) for n in names]
        base = "-" if q.startswith("stitched") else pct(baseline[q])
        lines.append(f"| {q} | " + " | ".join(cells) + f" | {base} |")
    r = first[neg]
    lines.append(f"| negatives without a textual source ({r['n_clean']} of {r['n']}: < {CLEAN_OVERLAP:.0%} of "
                 "their 8-grams in any one indexed doc) | "
                 + " | ".join(f"{results[n][neg]['false_clean']:.4f} ({results[n][neg]['false_clean_n']})"
                              for n in names) + " | - |")
    lines += ["", "## Build and query speed (one process, Python + SQLite)", "",
              "| index | docs | build docs/s | index MB | postings | query p50 ms | query p99 ms |",
              "|---|---|---|---|---|---|---|"]
    for n in names:
        b = builds[n]
        p50, p99 = _lat(results[n])
        lines.append(f"| {n} | {b['docs']:,} | {b['docs_per_s']:.0f} | {b['mb']:.1f} | {b['postings']:,} | "
                     f"{p50:.1f} | {p99:.1f} |")
    if speed:
        lines += ["", f"Build on {speed['docs']:,} documents of {speed['chars']:,} characters (consecutive items "
                  f"concatenated), one process: **{speed['cpu']:.0f} docs/s of CPU time** "
                  f"({speed['wall']:.0f} docs/s wall clock on the shared machine)."]
    if scale:
        p50, p99 = _lat(scale["q"])
        b10 = builds[names[0]]
        lines += ["", f"## Scale: {scale['docs']:,} documents ({scale['real']:,} real xwlb + "
                  f"{scale['docs'] - scale['real']:,} synthetic mixes of 15 spun sentences from 15 docs)", "",
                  f"Build {scale['docs_per_s']:.0f} docs/s, {scale['mb']:.0f} MB on disk "
                  f"({scale['mb'] * 1e3 / scale['docs']:.2f} KB/doc; {b10['docs']:,}: {b10['mb'] * 1e3 / b10['docs']:.2f} KB/doc), "
                  f"{scale['postings']:,} postings, query p50 {p50:.1f} ms / p99 {p99:.1f} ms.", "",
                  "| query set | R@1 / false match |", "|---|---|"]
        for q, r in scale["q"].items():
            lines.append(f"| {q} | {pct(r['false'] if q.startswith('no source') else r['recall1'])} |")
    if gain:
        b, a = gain["before"], gain["after"]
        lines += ["", "## learn-pairs: restore on held-out docs of the same spinner", "",
                  f"Restorer lexicon ablated by 30% of the spinner's pairs (as `unspin eval`); {gain['learn_docs']} "
                  f"held-out 500-char docs spun (r=0.5) and traced against an index of their originals; "
                  f"{gain['pairs']} distinct observed pairs folded in as LEARNED; F1 on {gain['eval_docs']} other "
                  "held-out docs spun by the same table (r=0.5).", "",
                  "| model | precision | recall | F1 |", "|---|---|---|---|",
                  f"| before | {b['precision']:.3f} | {b['recall']:.3f} | {b['f1']:.3f} |",
                  f"| after learn-pairs | {a['precision']:.3f} | {a['recall']:.3f} | {a['f1']:.3f} |"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
