"""Learn an unseen spinner from its own pages (``unspin learn-pairs --pages``), then restore its other pages.

    .venv/bin/python bench/bench_learn_pages.py [--pages 100] [--corpus ../shared/corpus/xwlb.jsonl.gz]

For each spinner no shipped model learns from (the public table's held-out part, the
round-trip translation table, the embedding-neighbour table; ``--tools public-known`` adds a
tool of the lineage the model knows, as a control), one fixed table (one tool)
spins ``--pages`` held-out articles; the pairs are learned from those pages alone, with
no originals.  Reported: learned pairs, their precision against the tool's table, and
restore precision / recall / F1 on ``--pages`` *other* pages of the same tool, without
and with the learned pairs.  Writes bench/results/learn_pages.md.
"""

from __future__ import annotations

import argparse
import random
import time

from report import write_table


def prf(pairs) -> tuple[float, float, float]:
    tp = sum(t for t, _, _ in pairs)
    n_pred = sum(p for _, p, _ in pairs)
    n_gold = sum(g for _, _, g in pairs)
    p = tp / n_pred if n_pred else 1.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--length", type=int, default=800)
    ap.add_argument("--r", type=float, default=0.8)
    ap.add_argument("--corpus", nargs="*", default=None)
    ap.add_argument("--model", help="model folder (default: the built-in one)")
    ap.add_argument("--tools", nargs="+", default=["public-heldout", "round-trip", "vector"],
                    help="tools to learn (also: public-known, a tool of the lineage the model knows, as a control)")
    args = ap.parse_args()

    import unspin
    from unspin.decode.document import analyse
    from unspin.evaluate import heldout_paragraphs, make_docs, round_trip_table, vector_table
    from unspin.lexicon import Lexicon, Source, public
    from unspin.spin import choose_table, spin
    from unspin.train.pages import as_lexicon, collect, learn_from_pages

    model = unspin.load_model(args.model)
    docs = make_docs(heldout_paragraphs(model, args.corpus, "text"), args.length, 2 * args.pages, random.Random(11))
    learn_docs, test_docs = docs[: args.pages], docs[args.pages :]
    tools = {
        "public-heldout": lambda: (public.table("heldout"), "chars"),
        "round-trip": lambda: (round_trip_table(), "words"),
        "vector": lambda: (vector_table(), "chars"),
        "public-known": lambda: (public.table("known"), "chars"),
    }
    rows = []
    for name in args.tools:
        full, mode = tools[name]()
        table = choose_table(full, seed=3)  # one tool: one fixed choice per word
        t0 = time.time()
        pages = [spin(d, table, args.r, seed=i, mode=mode).text for i, d in enumerate(learn_docs)]
        learned = learn_from_pages(pages, model)
        secs = time.time() - t0
        right = sum(table.get(p.original) == p.spun for p in learned)
        extra = as_lexicon(learned)
        ceiling = Lexicon()
        for spun, orig in collect(pages, model).pairs:
            if table.get(orig) == spun:
                ceiling.add(spun, orig, Source.LEARNED)
        scores = {}
        for label, lex in (("without", None), ("with", extra), ("ceiling", ceiling)):
            counts = []
            for i, d in enumerate(test_docs):
                s = spin(d, table, args.r, seed=10_000 + i, mode=mode)
                res = analyse(s.text, model, extra=lex).result(model.edit_threshold)
                gold = {(w.start, w.end, w.original) for w in s.swaps}
                pred = {(e.start, e.end, e.original) for e in res.edits}
                counts.append((len(gold & pred), len(pred), len(gold)))
            scores[label] = prf(counts)
        rows.append((
            name, len(learned), f"{right / len(learned):.3f}" if learned else "-",
            *(f"{x:.3f}" for x in scores["without"]), *(f"{x:.3f}" for x in scores["with"]),
            f"{scores['ceiling'][2]:.3f}", f"{secs:.0f}",
        ))
        print(*rows[-1], flush=True)
    source = "corpus " + " ".join(args.corpus) if args.corpus else "registry text"
    write_table(
        "learn_pages.md",
        f"Learning an unseen spinner from {args.pages} of its pages (~{args.length} characters, r = {args.r}, "
        f"{source}); restore measured on {len(test_docs)} other pages of the same tool",
        ["spinner", "pairs learned", "learned-pair precision", "P without", "R without", "F1 without",
         "P with", "R with", "F1 with", "F1 ceiling", "learning seconds"],
        rows,
    )


if __name__ == "__main__":
    main()
