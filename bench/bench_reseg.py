"""Does re-segmenting around a candidate beat inserting it as one token?  Measured on real-table spin.

    .venv/bin/python bench/bench_reseg.py [--docs 80] [--corpus ../shared/corpus/xwlb.jsonl.gz]

For every swap of held-out text spun with the public table's known part (r = 0.8, string
matching) whose span is one token of the spun text, the language model compares the
original with the spun word two ways: (a) the original inserted as one token into the
trigram window (what the decoder does), (b) the characters of the window re-segmented by
jieba with the original in place.  Prints how often each prefers the original, and the
cost of each per comparison.  Writes bench/results/reseg.md.
"""

from __future__ import annotations

import argparse
import random
import time

from report import write_table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=80)
    ap.add_argument("--corpus", nargs="*", default=None)
    args = ap.parse_args()
    import jieba

    import unspin
    from unspin.evaluate import heldout_paragraphs, make_docs
    from unspin.lexicon import public
    from unspin.spin import choose_table, spin
    from unspin.text.segment import tokenize

    model = unspin.load_model()
    lm = model.lm
    docs = make_docs(heldout_paragraphs(model, args.corpus, "text"), 500, args.docs, random.Random(3))
    table = public.table("known")
    wins = {"token": 0, "reseg": 0}
    cost = {"token": 0.0, "reseg": 0.0}
    n = 0
    for i, d in enumerate(docs):
        s = spin(d, choose_table(table, seed=i), 0.8, seed=i, mode="chars")
        toks = tokenize(s.text)
        index = {(t.start, t.end): k for k, t in enumerate(toks)}
        for w in s.swaps:
            k = index.get((w.start, w.end))
            if k is None:
                continue
            n += 1
            left = [t.word for t in toks[max(0, k - 2) : k]]
            right = [t.word for t in toks[k + 1 : k + 3]]
            t0 = time.perf_counter()
            a, b = lm.slot_scores(left, [w.original, w.spun], right)
            cost["token"] += time.perf_counter() - t0
            wins["token"] += a > b
            t0 = time.perf_counter()
            lo, hi = "".join(left), "".join(right)
            ra, rb = (lm.window(jieba.lcut(lo + x + hi, HMM=False)) for x in (w.original, w.spun))
            cost["reseg"] += time.perf_counter() - t0
            wins["reseg"] += ra > rb
    source = "corpus " + " ".join(args.corpus) if args.corpus else "registry text"
    write_table(
        "reseg.md",
        f"Re-segmentation vs one-token insertion ({n} swaps of the public table's known part, "
        f"{len(docs)} held-out documents, {source})",
        ["scoring", "LM prefers the original", "µs per comparison"],
        [(k, f"{wins[k] / n:.3f}", f"{1e6 * cost[k] / n:.0f}") for k in ("token", "reseg")],
    )

if __name__ == "__main__":
    main()
