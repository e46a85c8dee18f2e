"""`unspin dedup` against datatrove's default MinHash dedup on the same spun crawl, in the same run.

Crawl (built from ``/work/shared/corpus/xwlb.jsonl.gz``, modern news; never committed): ``--sources``
originals (xwlb items of 400-3,000 characters), and for each of them a copy spun at r = 0.3, a copy
at r = 0.8, a 30% excerpt and a copy with its sentences reordered within paragraphs (excerpts and
reordered copies alternate r = 0.3 / 0.8); ``--stitched`` pages stitched from 2-3 originals (each
spun at 0.3 or 0.8); and ``--natural`` other xwlb items (no copy of them anywhere: any cluster they
join is a false merge, unless xwlb itself holds a near-copy).  Every copy is spun with the whole
public 伪原创 table (:func:`unspin.spin.choose_table`, one of 5 tools, ``mode="chars"``: raw string
replacement).  No ``date`` fields: the kept document is chosen by spin probability.

datatrove: ``MinhashDedupSignature`` / ``Buckets`` / ``Cluster`` / ``Filter`` at the default
``MinhashConfig`` (word 5-grams, 14 buckets x 8 hashes).  Its default language (English) needs
spaCy, which is not installed here, and would read a Chinese clause as one word; the bench gives it
jieba words, which is what datatrove's own ``zh`` tokenizer (spaCy with the jieba segmenter) does.

    python bench/bench_dedup.py --sources 400 --stitched 100 --natural 1000 --out bench/results/dedup.md
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

CORPUS = Path("/work/shared/corpus/xwlb.jsonl.gz")
KINDS = ("copy r=0.3", "copy r=0.8", "excerpt 30%", "reordered")


def _sents(t: str) -> list[str]:
    return re.findall(r"[^。！？\n]+[。！？]*\n?|\n", t)


def build(args) -> tuple[list[dict], dict[str, dict]]:
    """The crawl rows and, per id, its truth: ``family`` (original id), ``kind``, ``sources``."""
    from unspin.lexicon.public import table
    from unspin.spin import choose_table, spin

    items = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if 400 <= len(d.get("text") or "") <= 3000:
                items.append(d)
    rng = random.Random(args.seed)
    rng.shuffle(items)
    need = args.sources + args.natural
    if len(items) < need:
        raise SystemExit(f"only {len(items)} usable items")
    full = table("all")
    tools = [choose_table(full, seed=s) for s in range(5)]
    rows, truth = [], {}

    def add(doc_id, text, **t):
        rows.append({"id": doc_id, "text": text})
        truth[doc_id] = t

    originals = items[: args.sources]
    for i, d in enumerate(originals):
        oid, text = d["id"], d["text"]
        add(oid, text, family=oid, kind="original")
        tool = tools[i % 5]
        r2 = 0.3 if i % 2 else 0.8
        add(f"{oid}~r3", spin(text, tool, 0.3, i, mode="chars").text, family=oid, kind="copy r=0.3")
        add(f"{oid}~r8", spin(text, tool, 0.8, i + 1, mode="chars").text, family=oid, kind="copy r=0.8")
        s = _sents(text)
        k = max(1, round(len(s) * 0.3))
        start = rng.randrange(0, len(s) - k + 1)
        add(f"{oid}~ex", spin("".join(s[start : start + k]), tool, r2, i + 2, mode="chars").text,
            family=oid, kind="excerpt 30%")
        paras = [p for p in text.split("\n")]
        shuffled = []
        for p in paras:
            ps = _sents(p)
            rng.shuffle(ps)
            shuffled.append("".join(ps))
        add(f"{oid}~ro", spin("\n".join(shuffled), tool, r2, i + 3, mode="chars").text, family=oid, kind="reordered")
    for j in range(args.stitched):
        srcs = rng.sample(originals, rng.choice((2, 3)))
        parts = []
        for d in srcs:
            s = _sents(d["text"])
            k = max(2, len(s) // len(srcs))
            start = rng.randrange(0, max(1, len(s) - k + 1))
            parts.append("".join(s[start : start + k]))
        text = spin("\n".join(parts), tools[j % 5], 0.3 if j % 2 else 0.8, 10_000 + j, mode="chars").text
        add(f"stitched-{j}", text, family=None, kind="stitched", sources=[d["id"] for d in srcs])
    for d in items[args.sources : need]:
        add(d["id"], d["text"], family=d["id"], kind="natural")
    rng.shuffle(rows)
    return rows, truth


def run_unspin(crawl: Path, work: Path, workers: int, spin: bool) -> tuple[dict[str, dict], dict]:
    out = work / "unspin.jsonl"
    cmd = [sys.executable, "-m", "unspin.cli", "dedup", str(crawl), "--out", str(out), "--workers", str(workers),
           "--summary-json", str(work / "unspin.summary.json"), "--quiet", "--overwrite"]
    if not spin:
        cmd.append("--no-spin")
    stats = _measure(cmd)
    recs = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    stats["summary"] = json.loads((work / "unspin.summary.json").read_text())
    return recs, stats


def run_datatrove(crawl: Path, work: Path, workers: int) -> tuple[dict[str, dict], dict]:
    stats = _measure([sys.executable, __file__, "--datatrove-child", str(crawl), str(work / "dt"), str(workers)])
    recs = {r["id"]: r for r in map(json.loads, (work / "dt" / "clusters.jsonl").read_text().splitlines())}
    return recs, stats


_WRAP = """import json, resource, subprocess, sys, time
t0 = time.monotonic(); subprocess.run(sys.argv[1:], check=True); wall = time.monotonic() - t0
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": r.ru_utime + r.ru_stime, "peak_rss_mb": r.ru_maxrss / 1024}))"""


def _measure(cmd: list[str]) -> dict:
    """Wall clock, CPU of the command and all its processes, and the peak memory of the largest one
    (a fresh parent per command, so one command's peak never counts for another)."""
    out = subprocess.run([sys.executable, "-c", _WRAP, *cmd], check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def datatrove_child(crawl: str, folder: str, workers: int) -> None:
    """datatrove's four MinHash stages at the default config (jieba words), then one record per document:
    its cluster id (the datatrove cluster, or itself) and whether the filter kept it."""
    import types

    import datatrove.pipeline
    import jieba

    # datatrove.pipeline.dedup's __init__ imports its exact-substring stages, which need `tokenizers`
    # (not installed here); the MinHash stages do not, so the package is entered without its __init__
    pkg = types.ModuleType("datatrove.pipeline.dedup")
    pkg.__path__ = [str(Path(datatrove.pipeline.__file__).parent / "dedup")]
    sys.modules.setdefault("datatrove.pipeline.dedup", pkg)
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from datatrove.utils.word_tokenizers import WordTokenizer

    class Jieba(WordTokenizer):
        def word_tokenize(self, text):
            return [w for w in jieba.cut(text) if w.strip()]

        def sent_tokenize(self, text):
            return [text]

        def span_tokenize(self, text):
            return [(0, len(text))]

    jieba.setLogLevel(60)
    from datatrove.utils.hashing import HashConfig

    # the default shingle hash (xxhash of a str) fails with the xxhash installed here, which takes bytes
    # only; sha1 at the same 64-bit precision changes no n-gram, band or row
    cfg = MinhashConfig(hash_config=HashConfig(precision=64, hash_fc="sha1"))
    base = Path(folder)
    sig = MinhashDedupSignature(output_folder=str(base / "sigs"), config=cfg, language=Jieba("zh"))
    reader = JsonlReader(str(Path(crawl).parent), glob_pattern=Path(crawl).name)
    def run_stage(steps, **kw):  # datatrove's logs stay in the work folder, not in the current one
        LocalPipelineExecutor(steps, logging_dir=str(base / "logs" / steps[-1].__class__.__name__),
                              skip_completed=False, **kw).run()

    run_stage([reader, sig], tasks=1, workers=1)
    run_stage([MinhashDedupBuckets(str(base / "sigs"), str(base / "buckets"), config=cfg)],
              tasks=cfg.num_buckets, workers=1)  # spawned workers would lack the import fix above
    run_stage([MinhashDedupCluster(str(base / "buckets"), str(base / "remove"), config=cfg, save_cluster_id=True)],
              tasks=1)
    run_stage([JsonlReader(str(Path(crawl).parent), glob_pattern=Path(crawl).name),
               MinhashDedupFilter(str(base / "remove"), load_cluster_ids=True,
                                  exclusion_writer=JsonlWriter(str(base / "removed"))),
               JsonlWriter(str(base / "kept"))], tasks=1)
    out = []
    for kind in ("kept", "removed"):
        for f in sorted((base / kind).glob("*.jsonl*")):
            opener = gzip.open if f.suffix == ".gz" else open
            with opener(f, "rt", encoding="utf-8") as fh:
                for line in fh:
                    d = json.loads(line)
                    cid = d.get("metadata", {}).get("minhash_cluster_id")
                    out.append({"id": d["id"], "cluster": f"c{cid}" if cid not in (None, -1) else d["id"],
                                "keep": kind == "kept"})
    (base / "clusters.jsonl").write_text("".join(json.dumps(r) + "\n" for r in out))


def score(recs: dict[str, dict], truth: dict[str, dict], unspin: bool) -> dict:
    """Recall by kind, stitched links, false merges, kept originals."""
    cluster = {k: r["cluster"] for k, r in recs.items()}
    found = Counter()
    total = Counter()
    for doc_id, t in truth.items():
        kind = t["kind"]
        if kind in KINDS:
            total[kind] += 1
            found[kind] += cluster.get(doc_id) == cluster.get(t["family"])
    out = {"recall": {k: (found[k], total[k]) for k in KINDS}}
    st_all = st_any = n_st = 0
    for doc_id, t in truth.items():
        if t["kind"] != "stitched":
            continue
        n_st += 1
        if unspin:
            named = set(recs[doc_id].get("sources") or [])
            linked = [cluster[s] in named for s in t["sources"]]
        else:
            linked = [cluster[s] == cluster[doc_id] for s in t["sources"]]
        st_all += all(linked)
        st_any += any(linked)
    out["stitched"] = (st_all, st_any, n_st)
    members = defaultdict(set)
    for doc_id, t in truth.items():
        if t["kind"] != "stitched" and doc_id in cluster:
            members[cluster[doc_id]].add(t["family"])
    merged = [fams for fams in members.values() if len(fams) > 1]
    out["false_merge_clusters"] = len(merged)
    out["families_in_false_merges"] = sum(len(f) for f in merged)
    nat = [k for k, t in truth.items() if t["kind"] == "natural"]
    out["natural_merged"] = (sum(len(members[cluster[k]]) > 1 for k in nat), len(nat))
    kept_orig = sum(recs[f].get("keep", False) for f in {t["family"] for t in truth.values()
                                                         if t["kind"] == "original"})
    out["original_kept"] = (kept_orig, sum(t["kind"] == "original" for t in truth.values()))
    out["removed"] = sum(not r["keep"] for r in recs.values())
    out["merged_examples"] = [sorted(f)[:4] for f in merged[:5]]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", type=int, default=400)
    ap.add_argument("--stitched", type=int, default=100)
    ap.add_argument("--natural", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--work", default="/tmp/bench_dedup")
    ap.add_argument("--out", default="bench/results/dedup.md")
    ap.add_argument("--datatrove-child", nargs=3, metavar=("CRAWL", "FOLDER", "WORKERS"))
    args = ap.parse_args()
    if args.datatrove_child:
        crawl, folder, workers = args.datatrove_child
        datatrove_child(crawl, folder, int(workers))
        return
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rows, truth = build(args)
    crawl = work / "crawl.jsonl"
    crawl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    chars = sum(len(r["text"]) for r in rows)
    print(f"crawl: {len(rows)} documents, {chars / len(rows):.0f} characters on average", file=sys.stderr)
    results = {}
    u_recs, u_stats = run_unspin(crawl, work, args.workers, spin=True)
    results["unspin dedup"] = (score(u_recs, truth, True), u_stats)
    import shutil

    shutil.rmtree(work / "dt", ignore_errors=True)
    d_recs, d_stats = run_datatrove(crawl, work, args.workers)
    results["datatrove MinHash (defaults)"] = (score(d_recs, truth, False), d_stats)
    report(args, rows, chars, results)


def report(args, rows, chars, results) -> None:
    def pct(a, b):
        return f"{a / b:.3f} ({a}/{b})" if b else "–"

    names = list(results)
    lines = ["# Dedup: unspin dedup vs datatrove MinHash (issue 17)\n",
             f"`python bench/bench_dedup.py --sources {args.sources} --stitched {args.stitched} --natural "
             f"{args.natural} --workers {args.workers}`: {len(rows):,} documents, {chars / len(rows):.0f} characters "
             "on average (xwlb news; copies spun by the public table, `mode=\"chars\"`, 5 tools); 2 cores shared "
             "with model training.\n",
             "| | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for kind in KINDS:
        lines.append(f"| recall: {kind} | " + " | ".join(pct(*results[n][0]["recall"][kind]) for n in names) + " |")
    lines.append("| stitched: linked to all sources | " + " | ".join(
        pct(results[n][0]["stitched"][0], results[n][0]["stitched"][2]) for n in names) + " |")
    lines.append("| stitched: linked to any source | " + " | ".join(
        pct(results[n][0]["stitched"][1], results[n][0]["stitched"][2]) for n in names) + " |")
    lines.append("| clusters merging different articles | " + " | ".join(
        str(results[n][0]["false_merge_clusters"]) for n in names) + " |")
    lines.append("| natural documents merged with another | " + " | ".join(
        pct(*results[n][0]["natural_merged"]) for n in names) + " |")
    lines.append("| original kept (no dates: spin decides) | " + " | ".join(
        pct(*results[n][0]["original_kept"]) for n in names) + " |")
    lines.append("| documents removed | " + " | ".join(str(results[n][0]["removed"]) for n in names) + " |")
    lines.append("| wall clock (s) | " + " | ".join(f"{results[n][1]['wall']:.1f}" for n in names) + " |")
    lines.append("| CPU (s) | " + " | ".join(f"{results[n][1]['cpu']:.1f}" for n in names) + " |")
    lines.append("| documents per CPU-second | " + " | ".join(
        f"{len(rows) / results[n][1]['cpu']:.1f}" for n in names) + " |")
    lines.append("| peak memory of one process (MB) | " + " | ".join(
        f"{results[n][1]['peak_rss_mb']:.0f}" for n in names) + " |")
    s = results["unspin dedup"][1]["summary"]
    lines.append(f"\nunspin phases (wall, s): {s['phase_seconds']}; second look: {s['second_look']} documents; "
                 f"relations: {s['relations']}; keep reasons: {s['keep_reasons']}.\n")
    for n in names:
        ex = results[n][0]["merged_examples"]
        if ex:
            lines.append(f"{n}: merged families, e.g. {ex}\n")
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
