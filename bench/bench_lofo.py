"""Leave-one-family-out: train without a spinner family, measure on that family.

    .venv/bin/python bench/bench_lofo.py [--families thesaurus gloss public] [--max-docs 2500]
        [--docs 100] [--corpus ../shared/corpus/xwlb.jsonl.gz] [--models build/lofo]

For each family (see ``unspin.train.build.FAMILIES``), ``unspin train --leave-out FAMILY``
builds a model that never saw a document spun by that family (kept under ``--models``
and reused when present, as is its ``eval.json``), and ``unspin eval`` measures it on the
spinners of that family:
``thesaurus`` -> the thesaurus spinner; ``gloss`` -> the round-trip translation spinner;
``public`` (with ``mixed``) -> the public table's known part and the real-tool mix.
Writes bench/results/lofo.md: restore P / R / F1, candidate coverage, detection AUC / TPR,
natural-text FPR and reversing edits, per left-out family.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from report import write_table

SPINNERS = {"thesaurus": ["thesaurus"], "gloss": ["round-trip"], "public": ["public-known", "real-tool", "partial"]}
LEAVE = {"thesaurus": ["thesaurus"], "gloss": ["gloss"], "public": ["public", "mixed"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--families", nargs="+", default=list(SPINNERS))
    ap.add_argument("--max-docs", type=int, default=2500)
    ap.add_argument("--docs", type=int, default=100)
    ap.add_argument("--length", type=int, default=500)
    ap.add_argument("--corpus", nargs="*", default=None)
    ap.add_argument("--models", default="build/lofo")
    args = ap.parse_args()
    unspin = [str(Path(sys.executable).with_name("unspin"))]
    rows = []
    for fam in args.families:
        out = Path(args.models) / f"without-{fam}"
        if not (out / "meta.json").is_file():
            subprocess.run([*unspin, "train", "--out", str(out), "--max-docs", str(args.max_docs),
                            "--leave-out", *LEAVE[fam]], check=True)
        report = out / "eval.json"
        cmd = [*unspin, "eval", "--model", str(out), "--docs", str(args.docs), "--lengths", str(args.length),
               "--rates", "0.8", "--json", str(report)]
        if args.corpus:
            cmd += ["--corpus", *args.corpus]
        if not report.is_file():  # a finished family is reused: delete its eval.json to measure again
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        rep = json.loads(report.read_text(encoding="utf-8"))
        nat = rep["natural"][0]
        for r in rep["rows"]:
            if r["spinner"] in SPINNERS[fam]:
                rows.append((fam, r["spinner"], r["length"], r["r"], r["coverage"], r["precision"], r["recall"],
                             r["f1"], r["roc_auc"], r["tpr_at_threshold"], nat["fpr_at_threshold"],
                             r["reversing_edits"]))
                print(*rows[-1], flush=True)
    source = "corpus " + " ".join(args.corpus) if args.corpus else "registry text"
    write_table(
        "lofo.md",
        f"Leave one spinner family out ({args.max_docs} training documents a model; {args.docs} held-out "
        f"documents a row, {source})",
        ["left out", "spinner", "length", "r", "candidate coverage", "precision", "recall", "F1", "ROC-AUC",
         "TPR@0.5", "natural FPR@0.5", "reversing edits"],
        rows,
    )


if __name__ == "__main__":
    main()
