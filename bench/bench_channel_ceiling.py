"""How far the channel's features can carry restore on pairs no table holds (the ceiling).

    .venv/bin/python bench/bench_channel_ceiling.py [--spinner public-heldout] [--docs 60]
        [--length 500] [--rate 0.8] [--corpus ../shared/corpus/xwlb.jsonl.gz] [--model DIR]

Spins held-out documents with one ``unspin eval`` spinner, decodes them with the model,
and reports, per spun word (one decision per word and document):

* coverage: share of swapped words whose original is among the decoder's candidates;
* LM rank: share of those where the trigram prefers the original over every other candidate;
* the model's own decision (best pair probability p2) at several thresholds;
* the ceiling: gradient-boosted trees fitted *on this very spinner's pairs* with the
  generic features only (LM gains, thesaurus / gloss membership, shared characters,
  frequencies, oddness; no public-table flag), cross-validated with the spun words grouped
  so that a pair is never scored by trees that saw it.  What this cannot reach, no
  training recipe over these features will;
* the same ceiling without the context-fit feature (:mod:`unspin.lexicon.vectors`): what
  reading beyond the trigram's window adds.

Writes bench/results/channel_ceiling_<spinner>.md.
"""

from __future__ import annotations

import argparse
import random
import zlib
from collections import defaultdict

import numpy as np
from report import write_table
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold

from unspin.decode.document import analyse
from unspin.decode.features import PAIR_FEATURES
from unspin.evaluate import _spin_doc, heldout_paragraphs, make_docs, spinners
from unspin.model import load_model

TABLE_SPECIFIC = {"public", "spun_is_public_original", "public_reverse", "trusted"}
THRESHOLDS = (0.3, 0.5, 0.66, 0.8, 0.9)


def hypotheses(spinner: str, docs: int, length: int, rate: float, corpus, model_path) -> tuple[list[dict], int, int]:
    """Every scored hypothesis of every spun document, with its label; also the swapped
    words (per document) and how many of them have a hypothesis for their original."""
    model = load_model(model_path)
    rng = random.Random(7)
    texts = make_docs(heldout_paragraphs(model, corpus, "text"), length, docs, rng)
    sp = next(s for s in spinners(model, [], 0.3, 7, "chars", thesaurus=spinner == "thesaurus") if s.name == spinner)
    rows, n_gold, n_covered = [], 0, 0
    for i, text in enumerate(texts):
        s = _spin_doc(sp, text, i, rate, rng.randrange(1 << 30))
        a = analyse(s.text, sp.model)
        gold = {(w.start, w.end): w.original for w in s.swaps}
        swapped = {(w.spun, w.original) for w in s.swaps}
        n_gold += len(swapped)
        for spun, hyps in a.pairs.items():
            orig = next((gold[a.spans[p]] for p in hyps[0].positions if a.spans[p] in gold), None)
            n_covered += any(h.candidate.word == orig for h in hyps)
            for h in hyps:
                rows.append({"group": (i, spun), "gold": orig, "right": h.candidate.word == orig, "p2": h.p2,
                             "mean_delta": float(np.mean(h.deltas)), "x": h.features})
    return rows, n_gold, n_covered


def decide(rows: list[dict], key: str, n_gold: int) -> list[tuple[float, int, float, float]]:
    """(threshold, edits, precision, recall) when each spun word takes its best hypothesis by ``key``."""
    groups = defaultdict(list)
    for r in rows:
        groups[r["group"]].append(r)
    best = [max(g, key=lambda r: r[key]) for g in groups.values()]
    out = []
    for t in THRESHOLDS:
        edits = [b for b in best if b[key] >= t]
        right = sum(b["right"] for b in edits)
        out.append((t, len(edits), right / len(edits) if edits else 1.0, right / max(n_gold, 1)))
    return out


def ceiling(rows: list[dict], key: str = "cv", leave_out: frozenset[str] = frozenset()) -> None:
    """Set ``r[key]``: grouped cross-validated probability from generic-feature trees (without the
    features named in ``leave_out``)."""
    cols = [k for k, n in enumerate(PAIR_FEATURES) if n not in TABLE_SPECIFIC | leave_out]
    X = np.array([r["x"][cols] for r in rows])
    y = np.array([r["right"] for r in rows])
    groups = np.array([zlib.crc32(r["group"][1].encode()) % 997 for r in rows])  # by spun word: unseen pairs
    p = np.zeros(len(rows))
    for tr, te in GroupKFold(5).split(X, y, groups):
        clf = HistGradientBoostingClassifier(max_iter=150, max_depth=6, l2_regularization=1.0, random_state=0)
        p[te] = clf.fit(X[tr], y[tr]).predict_proba(X[te])[:, 1]
    for r, v in zip(rows, p, strict=True):
        r[key] = float(v)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spinner", default="public-heldout")
    ap.add_argument("--docs", type=int, default=60)
    ap.add_argument("--length", type=int, default=500)
    ap.add_argument("--rate", type=float, default=0.8)
    ap.add_argument("--corpus", nargs="*", default=["../shared/corpus/xwlb.jsonl.gz"])
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    rows, n_gold, n_cov = hypotheses(args.spinner, args.docs, args.length, args.rate, args.corpus, args.model)
    groups = defaultdict(list)
    for r in rows:
        groups[r["group"]].append(r)
    covered = [g for g in groups.values() if any(r["right"] for r in g)]
    lm_first = sum(max(g, key=lambda r: r["mean_delta"])["right"] for g in covered)
    ceiling(rows)
    ceiling(rows, "cv_no_fit", frozenset({"context_fit"}))
    table = [("original among the scored hypotheses (LM gain > 0)", "", f"{n_cov / max(n_gold, 1):.3f}", ""),
             ("trigram prefers the original, when covered", "", f"{lm_first / max(len(covered), 1):.3f}", "")]
    for name, key in (("model p2", "p2"), ("ceiling: generic trees, grouped CV", "cv"),
                      ("ceiling without context fit", "cv_no_fit")):
        table += [(name, t, f"{p:.3f}", f"{r:.3f} ({n} edits)") for t, n, p, r in decide(rows, key, n_gold)]
    write_table(
        f"channel_ceiling_{args.spinner}.md",
        f"Channel ceiling on `{args.spinner}` ({args.docs} documents of {args.length} characters, r = {args.rate}; "
        f"{n_gold} swapped words)",
        ["decision", "threshold", "precision / share", "recall"], table,
    )


if __name__ == "__main__":
    main()
