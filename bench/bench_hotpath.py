"""The decoder's hot path: detect and restore beside ``jieba.lcut``, in CPU seconds, with a stage profile.

    .venv/bin/python bench/bench_hotpath.py [--docs 150] [--label now] [--out bench/results/hotpath.md]

Like ``bench/bench_engine.py`` (held-out xwlb items, and the same items spun with the whole
public table, r = 0.8; ratios to ``jieba.lcut`` on the same text in the same process), but
always on the full decoder (no cascade), after one pass over every document so that the
per-word caches are warm (a long scan's steady state), and with the share of time in each
stage of the decoder.  Run it on an older checkout with ``PYTHONPATH=OLD/src`` to compare:
each run appends a section to ``--out``.  Instruction counts, which do not move with the
machine's load: ``bench/bench_instructions.py``.
"""

from __future__ import annotations

import argparse
import functools
import time
from pathlib import Path

from bench_engine import load_docs

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "xwlb.jsonl.gz"
OUT = Path(__file__).parent / "results" / "hotpath.md"
STAGES = {  # stage -> (module, attribute) timed around every call
    "segment": ("unspin.decode.document", "tokenize"),
    "join split words": ("unspin.decode.document", "merge_split"),
    "slots + LM (gather)": ("unspin.decode.document", "_gather"),
    "pairs: pool, features, trees (scored)": ("unspin.decode.document", "_scored"),
    "trees (predict)": ("unspin.train.classifier", "Trees.predict"),
}


def rate(fn, docs: list[str]) -> float:
    """Characters per CPU-second of this process."""
    t = time.process_time()
    for d in docs:
        fn(d)
    return sum(map(len, docs)) / (time.process_time() - t)


def timed(spent: dict[str, float]) -> None:
    """Wrap every stage of :data:`STAGES` to add its CPU time to ``spent``."""
    import importlib

    for stage, (module, attr) in STAGES.items():
        owner = importlib.import_module(module)
        *path, name = attr.split(".")
        for p in path:
            owner = getattr(owner, p)
        f = getattr(owner, name)

        @functools.wraps(f)
        def wrapper(*a, _f=f, _stage=stage, **k):
            t = time.process_time()
            try:
                return _f(*a, **k)
            finally:
                spent[_stage] = spent.get(_stage, 0.0) + time.process_time() - t

        setattr(owner, name, wrapper)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=150)
    ap.add_argument("--label", default="now")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    import jieba

    import unspin
    from unspin.decode.document import decode
    from unspin.lexicon import public
    from unspin.spin import choose_table, spin

    jieba.initialize()
    model = unspin.load_model()
    docs, _ = load_docs(str(CORPUS), args.docs)
    whole = public.table("all")
    spun = [spin(d, choose_table(whole, seed=i), 0.8, seed=i, mode="chars").text for i, d in enumerate(docs)]
    detect = functools.partial(decode, model=model, verdict_only=True)
    restore = functools.partial(decode, model=model)
    for d in docs + spun:  # warm the per-word caches
        detect(d)
        restore(d)
    rows = []
    for kind, texts in (("natural", docs), ("spun", spun)):
        base = rate(jieba.lcut, texts)
        for name, fn in (("detect", detect), ("restore", restore)):
            r = rate(fn, texts)
            rows.append((f"{name}, {kind}", r, r / base))
    spent: dict[str, float] = {}
    timed(spent)
    t = time.process_time()
    for d in docs + spun:
        detect(d)
        restore(d)
    total = time.process_time() - t
    lines = [f"## {args.label}", "",
             f"{len(docs)} xwlb items ({sum(map(len, docs)):,} characters) and the same spun (public table, "
             "r = 0.8); caches warm; one process; chars per CPU-second.", "",
             "| what | chars/s | ratio to jieba.lcut |", "|---|---|---|"]
    lines += [f"| {name} | {r:,.0f} | {ratio:.3f} |" for name, r, ratio in rows]
    lines += ["", "Share of the decoder's CPU time (detect and restore, natural and spun):", "",
              "| stage | share |", "|---|---|"]
    lines += [f"| {stage} | {spent.get(stage, 0.0) / total:.0%} |" for stage in STAGES]
    text = "\n".join(lines) + "\n\n"
    with open(args.out, "a", encoding="utf-8") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
