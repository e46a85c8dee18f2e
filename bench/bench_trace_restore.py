"""Benchmark ``unspin restore --index`` (:func:`unspin.restore_from_source`): swaps restored from the source.

Data: held-out People's Daily paragraphs (:func:`unspin.train.build.is_heldout`, never
trained on) grouped into 500-1,500-character documents, and news items of
``/work/shared/corpus/xwlb.jsonl.gz`` cut to at most 1,500 characters (read here, never
copied into the repository).  ``--index-docs`` documents of each corpus are indexed; the
first ``--docs`` of each are spun with the whole public 伪原创 table
(:func:`unspin.spin.choose_table`, one table per document) in ``mode="words"`` (whole jieba
words) and ``mode="chars"`` (raw strings, also inside longer words, as plain
string-replacing tools do), at r = 0.8 and 0.5.  A row "copier edits" also drops one
clause of every third sentence and inserts a short phrase into every fifth before spinning:
text the source does not have, which must not become edits.

Scoring against the answer key (``Spun.swaps``): an edit is right when its span and
original equal a swap's.  *Inside* counts the swaps and edits lying in the passages the
trace covers (where the source decides); *outside* the rest (the model decides); *whole*
all of them.  "model alone" is :func:`unspin.restore` without the source, inside the
same spans.

    python bench/bench_trace_restore.py --docs 40 --out bench/results/trace_restore.md
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
from dataclasses import dataclass, field
from pathlib import Path

import unspin
from unspin.lexicon import public
from unspin.model import load_model
from unspin.spin import choose_table, spin
from unspin.trace import TraceIndex
from unspin.trace.fingerprint import Fingerprinter, default_vocabulary, lexicon_vocabulary
from unspin.train.build import is_heldout
from unspin.train.corpora import documents, peoples_daily

XWLB = Path("/work/shared/corpus/xwlb.jsonl.gz")
_SENT = re.compile(r"[^。！？\n]+[。！？\n]*")
_CLAUSE = re.compile(r"[^，、；：]+[，、；：]")


def pd_docs(n: int, seed: int) -> list[str]:
    """Documents of 500-1,500 characters from held-out People's Daily paragraphs."""
    paras = (p for p in peoples_daily() if is_heldout(p))
    return [d for d, _ in zip((d for d in documents(paras, seed=seed, min_chars=500, max_chars=1500)
                               if len(d) >= 500), range(n), strict=False)]


def xwlb_docs(n: int, seed: int) -> list[str]:
    """Deduplicated xwlb items of at least 500 characters, cut at a sentence end near 1,500."""
    if not XWLB.is_file():
        return []
    seen, texts = set(), []
    with gzip.open(XWLB, "rt", encoding="utf-8") as f:
        for line in f:
            text = json.loads(line)["text"].strip()
            if len(text) >= 500 and text[:200] not in seen:
                seen.add(text[:200])
                texts.append(text)
    random.Random(seed).shuffle(texts)
    out = []
    for t in texts[:n]:
        cut = t[:1500]
        end = cut.rfind("。")
        out.append(cut[: end + 1] if end > 500 else cut)
    return out


def copier_edits(text: str, filler: list[str], rng: random.Random) -> str:
    """Drop one clause of every third sentence and insert a clause of ``filler`` into every fifth."""
    out = []
    for i, s in enumerate(_SENT.findall(text)):
        clauses = _CLAUSE.findall(s)
        if i % 3 == 1 and len(clauses) >= 2:
            k = rng.randrange(len(clauses))
            s = s.replace(clauses[k], "", 1)
        elif i % 5 == 3 and clauses:
            k = rng.randrange(len(clauses))
            s = s.replace(clauses[k], clauses[k] + rng.choice(filler), 1)
        out.append(s)
    return "".join(out)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    gold: int = 0

    def add(self, gold: set, pred: set) -> None:
        self.tp += len(gold & pred)
        self.fp += len(pred - gold)
        self.gold += len(gold)

    def p(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    def r(self) -> float:
        return self.tp / self.gold if self.gold else 1.0

    def cell(self) -> str:
        return f"{self.p():.3f} / {self.r():.3f}"


@dataclass
class Row:
    name: str
    docs: int = 0
    traced: int = 0
    covered_gold: int = 0
    inside: Counts = field(default_factory=Counts)
    outside: Counts = field(default_factory=Counts)
    whole: Counts = field(default_factory=Counts)
    model: Counts = field(default_factory=Counts)
    seconds: float = 0.0


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def run_row(name: str, texts: list[tuple[str, str]], mode: str, r: float, index: str, table: dict,
            model, edit_filler: list[str] | None) -> Row:
    row = Row(name)
    for i, (doc_id, text) in enumerate(texts):
        if edit_filler is not None:
            text = copier_edits(text, edit_filler, random.Random(i))
        s = spin(text, choose_table(table, seed=1000 + i), r, seed=i, mode=mode)
        t0 = time.perf_counter()
        result, traced = unspin.restore_from_source(s.text, index, model=model)
        row.seconds += time.perf_counter() - t0
        row.docs += 1
        row.traced += bool(traced.matches) and traced.matches[0].id == doc_id
        covered = [(p.query_start, p.query_end) for m in traced.matches for p in m.passages]
        gold = {(w.start, w.end, w.original) for w in s.swaps}
        pred = {(e.start, e.end, e.original) for e in result.edits}
        g_in = {g for g in gold if _inside(covered, g[0], g[1])}
        p_in = {e for e in pred if _inside(covered, e[0], e[1])}
        row.covered_gold += len(g_in)
        row.inside.add(g_in, p_in)
        row.outside.add(gold - g_in, pred - p_in)
        row.whole.add(gold, pred)
        alone = {(e.start, e.end, e.original) for e in unspin.restore(s.text, model=model).edits}
        row.model.add(g_in, {e for e in alone if _inside(covered, e[0], e[1])})
    return row


def table_md(rows: list[Row]) -> str:
    head = ("| spin | docs | traced to its source | swaps in covered spans | inside P / R | outside P / R "
            "| whole document P / R | model alone, inside P / R | s/doc |\n|---|---|---|---|---|---|---|---|---|\n")
    lines = [f"| {w.name} | {w.docs} | {w.traced} | {w.covered_gold} ({w.covered_gold / max(1, w.whole.gold):.0%}) "
             f"| **{w.inside.cell()}** | {w.outside.cell()} | {w.whole.cell()} | {w.model.cell()} "
             f"| {w.seconds / max(1, w.docs):.2f} |" for w in rows]
    return head + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=40, help="spun documents per row and corpus")
    ap.add_argument("--index-docs", type=int, default=150, help="indexed documents per corpus")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--corpora", default="pd,xwlb")
    ap.add_argument("--rows", default="words-0.8,chars-0.8,words-0.5,chars-0.5,chars-0.8-edits")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)

    model = load_model()
    names = args.corpora.split(",")
    corpora = {}
    if "pd" in names:
        corpora["pd"] = pd_docs(args.index_docs, args.seed)
    if "xwlb" in names:
        corpora["xwlb"] = xwlb_docs(args.index_docs, args.seed)
        if not corpora["xwlb"]:
            print(f"{XWLB} missing: xwlb rows skipped", file=sys.stderr)
            del corpora["xwlb"]
    tmp = Path(tempfile.mkdtemp(prefix="bench-restore-"))
    try:
        vocab, label = default_vocabulary(lexicon_vocabulary(model.lexicon))
        ix = TraceIndex.create(tmp / "ix", Fingerprinter(vocab), label)
        ix.add([(f"{c}-{i}", t) for c, docs in corpora.items() for i, t in enumerate(docs)], batch=500)
        ix.close()
        table = public.table("all")
        rows = []
        for c, docs in corpora.items():
            texts = [(f"{c}-{i}", t) for i, t in enumerate(docs[: args.docs])]
            filler = [cl for t in docs[args.docs :] for cl in _CLAUSE.findall(t)[:3]]
            for spec in args.rows.split(","):
                mode, r, *edits = spec.split("-")
                name = f"{c}, {mode}, r = {r}" + (", copier edits" if edits else "")
                row = run_row(name, texts, mode, float(r), str(tmp / "ix"), table, model, filler if edits else None)
                rows.append(row)
                print(f"{name}: inside {row.inside.cell()} (gold {row.inside.gold}), "
                      f"outside {row.outside.cell()}, whole {row.whole.cell()}", file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    md = table_md(rows)
    print(md)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        intro = (f"# Restore from the source (`bench/bench_trace_restore.py`)\n\n"
                 f"Index: {sum(len(d) for d in corpora.values())} documents ({', '.join(corpora)}; "
                 f"{args.index_docs} per corpus: held-out People's Daily documents of 500-1,500 characters, "
                 f"xwlb items cut to at most 1,500); {args.docs} spun copies per row and corpus, each spun "
                 f"with its own choice from the whole public table (`words`: whole jieba words; `chars`: raw "
                 f"strings, also inside longer words). \"Copier edits\": one clause of every third sentence "
                 f"dropped and a clause of another document inserted into every fifth before spinning. "
                 f"P / R: precision / recall of edits (exact span and original) against the spinner's answer "
                 f"key; *inside*: swaps and edits in the passages the trace covers (the source decides), "
                 f"*outside*: the rest (the model decides); \"model alone\": `unspin.restore` without the "
                 f"source, inside the same spans. s/doc: trace + restore, one process on shared cores. "
                 f"Command: `python bench/bench_trace_restore.py --docs {args.docs} "
                 f"--index-docs {args.index_docs} --seed {args.seed}`.\n\n")
        args.out.write_text(intro + md, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
