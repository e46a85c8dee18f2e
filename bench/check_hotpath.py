"""Regression check for the decoder's hot path: results must not move when it gets faster.

    .venv/bin/python bench/check_hotpath.py --save /tmp/hot.json.gz     # before a change
    .venv/bin/python bench/check_hotpath.py --compare /tmp/hot.json.gz  # after it
    .venv/bin/python bench/check_hotpath.py --reference --save /tmp/ref.json.gz  # the reference path
    .venv/bin/python bench/check_hotpath.py --both      # reference and fast path in one run, compared

Runs ``detect`` and ``restore`` on held-out xwlb documents (natural, and spun by several
spinner families of :mod:`unspin.evaluate`, one with an ablated model, one with a user
lexicon and a keep-list) and records, per document, only a hash of the text, the spin
probability, the edits and every scored pair's probabilities (no corpus text is written).
``--compare`` exits 1 when any probability differs by more than 1e-9 or any edit differs.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "xwlb.jsonl.gz"
TOL = 1e-9


def documents(n: int) -> list[tuple[str, str, object, dict]]:
    """``(name, text, model, options)`` for ``n`` natural documents and their spun copies."""
    import unspin
    from unspin.evaluate import heldout_paragraphs, make_docs, spinners

    model = unspin.load_model()
    paras = heldout_paragraphs(model, [str(CORPUS)], "text")
    rng = random.Random(7)
    docs = make_docs(paras, 300, n // 2, rng) + make_docs(paras, 1200, n - n // 2, rng)
    fams = {s.name: s for s in spinners(model, [], 0.3, seed=5, mode="chars", n_thesaurus=2)}
    out = []
    for i, d in enumerate(docs):
        out.append((f"natural/{i}", d, model, {}))
        for name in ("public-known", "public-heldout", "real-tool", "round-trip", "vector", "antonym-traps",
                     "thesaurus", "partial"):
            if i % 4 and name in ("round-trip", "vector", "antonym-traps", "thesaurus", "partial"):
                continue  # the costlier families on a quarter of the documents
            from unspin.evaluate import _spin_doc

            sp = fams[name]
            out.append((f"{name}/{i}", _spin_doc(sp, d, i, 0.8, i).text, sp.model, {}))
        if i % 10 == 0:  # a user lexicon and a keep-list
            words = [w for w in ("今年", "发展", "经济", "合作") if w in d]
            out.append((f"user/{i}", d, model, {"keep": words[:1], "lexicon": [("推进", "推动"), ("本年", "今年")]}))
    return out


def record(r) -> dict:
    return {
        "p": r.spin_probability,
        "note": r.note,
        "restored": hashlib.sha1(r.restored.encode()).hexdigest(),
        "edits": [[e.start, e.end, e.spun, e.original, e.confidence, list(e.alternatives)] for e in r.edits],
    }


def pairs(text: str, model, opts: dict) -> list:
    from unspin.api import resolve_keep, resolve_lexicon
    from unspin.decode.document import analyse

    a = analyse(text, model, resolve_keep(opts.get("keep")), resolve_lexicon(opts.get("lexicon")))
    return sorted([h.spun, h.candidate.word, h.p1, h.p2, h.positions] for hs in a.pairs.values() for h in hs)


def run(docs: list) -> tuple[dict, float]:
    """Detect and restore (the decoder itself, as ``unspin.detect`` / ``unspin.restore`` call it)."""
    from unspin.api import resolve_keep, resolve_lexicon
    from unspin.decode.document import decode

    out, cpu = {}, 0.0
    for name, text, model, opts in docs:
        key = f"{name}:{hashlib.sha1(text.encode()).hexdigest()[:12]}"
        keep, lex = resolve_keep(opts.get("keep")), resolve_lexicon(opts.get("lexicon"))
        t = time.process_time()
        det = decode(text, model, keep, lex, verdict_only=True)
        res = decode(text, model, keep, lex)
        cpu += time.process_time() - t
        out[key] = {"detect": record(det), "restore": record(res), "pairs": pairs(text, model, opts)}
    return out, cpu


def close(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and abs(a - b) <= TOL
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    return a == b


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=80, help="natural documents (each also spun several ways)")
    ap.add_argument("--save")
    ap.add_argument("--compare")
    ap.add_argument("--reference", action="store_true",
                    help="run on the reference hot path (tests/hotpath_reference.py) instead of the fast one")
    ap.add_argument("--both", action="store_true", help="run the reference and the fast path and compare them")
    args = ap.parse_args()
    docs = documents(args.docs)
    if args.reference or args.both:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from hotpath_reference import reference_path

        with reference_path():
            ref, ref_cpu = run(docs)
        print(f"reference path: {len(ref)} documents, detect + restore {ref_cpu:.1f} CPU-s")
    if not args.reference:
        got, cpu = run(docs)
        print(f"{len(got)} documents, detect + restore {cpu:.1f} CPU-s")
    if args.both:
        args.compare, want = None, ref
    elif args.reference:
        got = ref
    if args.compare:
        with gzip.open(args.compare, "rt") as f:
            want = json.load(f)
    if args.save:
        with gzip.open(args.save, "wt") as f:
            json.dump(got, f)
        print("saved", args.save)
    if args.compare or args.both:
        bad = [k for k in want if k not in got or not close(want[k], got[k])]
        bad += [k for k in got if k not in want]
        for k in bad[:10]:
            for part in ("detect", "restore", "pairs"):
                if k in got and k in want and not close(want[k][part], got[k][part]):
                    print("DIFF", k, part, str(want[k][part])[:300], "\n  now", str(got[k][part])[:300])
        print(f"{len(bad)} of {len(want)} documents differ")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
