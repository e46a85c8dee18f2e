"""Antonym traps in natural words: does restore turn a word into its opposite?

    .venv/bin/python bench/bench_traps.py --corpus ../shared/corpus/xwlb.jsonl.gz [--model DIR ...] [--docs 150]

The failure the issue names: on a page a table spun, natural words that have an opposite
(竞争 beside 合作, 失业 beside 就业, 战争 beside 和平) were "restored" into it, more often
where the rest of the page was spun.  Held-out paragraphs of ``--length`` characters that
hold at least two words with an opposite are read three times by every ``--model``: as they
are; with the other words spun by the public table's known part (r = 0.8, jieba words, one
choice per word; the words with an opposite stay natural and no pair the judge calls a
reversal is applied); and spun by the whole known part, its opposite pairs included (和平 ->
战争: the tool itself wrote the opposite, and "restoring" it still needs proof a trace gives).  One **judge** rates every model: the meaning guard built fresh from
the dictionaries (:func:`unspin.lexicon.guard.build_guard`), or ``--judge`` a guard file.

Counted per model: edits that put a word's opposite in its place (reversing), edits of the
natural words with an opposite at all, and restore precision / recall of the real swaps.
Writes bench/results/traps.md.
"""

from __future__ import annotations

import argparse
import random
import time

from report import write_table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", nargs="*", default=None)
    ap.add_argument("--model", nargs="*", default=[None], help="model folders (default: the built-in one)")
    ap.add_argument("--judge", help="guard file that rates reversals (default: built from the dictionaries)")
    ap.add_argument("--docs", type=int, default=150)
    ap.add_argument("--length", type=int, default=500)
    ap.add_argument("--r", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()

    import unspin
    from unspin.evaluate import heldout_paragraphs, make_docs
    from unspin.lexicon import public
    from unspin.lexicon.guard import Guard, build_guard
    from unspin.spin import choose_table, spin
    from unspin.text.segment import tokenize

    judge = Guard.load(args.judge) if args.judge else build_guard()
    opposed = {a for a, _ in judge.words}
    models = [unspin.load_model(m) for m in args.model]
    rng = random.Random(args.seed)
    docs = []  # (paragraph, its words)
    for d in make_docs(heldout_paragraphs(models[0], args.corpus, "text"), args.length, 20 * args.docs, rng):
        words = [t.word for t in tokenize(d)]
        if sum(w in opposed for w in words) >= 2:
            docs.append((d, words))
        if len(docs) >= args.docs:
            break
    known = public.table("known")
    cases = []
    for i, (d, words) in enumerate(docs):
        vocab = set(words)
        whole = choose_table(known, seed=args.seed * 1000 + i)
        table = {o: s for o, s in whole.items()
                 if o not in opposed and s not in vocab and not judge.reverses(o, s) and not judge.doubtful(o, s)}
        cases.append((d, spin(d, table, args.r, seed=i, mode="words"), spin(d, whole, args.r, seed=i, mode="words")))
    traps = sum(w in opposed for _, words in docs for w in words)
    rows = []
    for path, model in zip(args.model, models, strict=True):
        t0 = time.time()
        row = {"natural": [0, 0], "spun": [0, 0], "table": [0, 0]}
        tp = n_pred = n_gold = 0
        for d, s, t in cases:
            for kind, text, swaps in (("natural", d, []), ("spun", s.text, s.swaps), ("table", t.text, t.swaps)):
                res = unspin.restore(text, model=model)
                swapped = {(w.start, w.end) for w in swaps}
                natural_edits = [e for e in res.edits if (e.start, e.end) not in swapped]
                row[kind][0] += sum(judge.reverses(e.spun, e.original) for e in res.edits)
                row[kind][1] += sum(e.spun in opposed for e in natural_edits)
                if kind == "spun":
                    gold = {(w.start, w.end, w.original) for w in swaps}
                    tp += len(gold & {(e.start, e.end, e.original) for e in res.edits})
                    n_pred += len(res.edits)
                    n_gold += len(gold)
        p, r = tp / max(n_pred, 1), tp / max(n_gold, 1)
        rows.append([path or "built-in", len(cases), traps, row["natural"][0], row["natural"][1], row["spun"][0],
                     row["spun"][1], f"{p:.3f} / {r:.3f}", row["table"][0], round(time.time() - t0)])
    write_table(
        "traps.md",
        f"Antonym traps: {len(cases)} held-out paragraphs of ~{args.length} characters with two or more words "
        f"that have an opposite ({traps} such words), natural and with the rest spun (r = {args.r}); judge: "
        f"{args.judge or 'guard built from the dictionaries'} ({len(judge.words) // 2:,} opposite pairs)",
        ["model", "paragraphs", "words with an opposite", "reversing edits, natural", "such words edited, natural",
         "reversing edits, rest spun", "such words edited, rest spun", "restore P / R of the real swaps",
         "reversing edits, opposites in the table", "seconds"],
        rows,
    )


if __name__ == "__main__":
    main()
