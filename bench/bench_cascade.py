"""The cascade's recall per spinner family (seen, never seen, left out) and the natural documents it clears.

    .venv/bin/python bench/bench_cascade.py [--docs 50] [--lengths 300,500,1500] [--rates 0.5,0.8]
        [--corpora xwlb registry] [--lofo] [--workers 2] [--cache build/cascade_verdicts.json]

For each corpus (held-out xwlb news items, ``../shared/corpus/xwlb.jsonl.gz``, and the held-out
registry text ``unspin eval`` builds its sets from), each length and each spinner of
``unspin eval`` (:func:`unspin.evaluate.spinners`: round trip, embedding neighbours, the public
table's held-out and known parts, partial spin, antonym traps, a real tool, thesaurus tables),
held-out documents are spun at each rate.  The full decoder (``detect``, cascade off; the
thesaurus spinner's ablated model, as eval does) reads every spun and natural document; the
shipped model's cascade scores each.  **Recall** is the share of the spun documents the decoder
flags (p >= 0.5) that the cascade passes on to it (the target: at least 99.5%); **cleared** is
the share of natural documents the cascade clears (the speed it buys).

``--dump FILE`` keeps the sets and verdicts; ``--load FILE`` measures another cascade on them
without building or decoding anything.  With ``--lofo``, a cascade is trained (in memory, on the shipped model) without each spinner
family and measured on that family's spinners: ``gloss`` -> round-trip; ``thesaurus`` ->
thesaurus; ``public`` (with ``mixed``, as bench_lofo.py leaves them out) -> public-known,
partial, real-tool.  Decoder verdicts are cached in ``--cache`` (keyed by model and text).
Writes bench/results/cascade.md and cascade.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"
XWLB = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "xwlb.jsonl.gz"
LEAVE = {"gloss": ("gloss",), "thesaurus": ("thesaurus",), "public": ("public", "mixed")}
SPINNERS = {"gloss": ("round-trip",), "thesaurus": ("thesaurus",), "public": ("public-known", "partial", "real-tool")}
def verdicts(models: list, tasks: list[tuple[int, str]], cache: dict, workers: int) -> list[float]:
    """The decoder's probability of each ``(model index, text)``, from ``cache`` or computed."""
    from unspin.cascade.train import decoder_verdicts

    keys = [f"{id_of(models[m])}:{hashlib.sha1(t.encode()).hexdigest()}" for m, t in tasks]
    todo = sorted({k: task for k, task in zip(keys, tasks, strict=True) if k not in cache}.items())
    if todo:
        print(f"decoder: {len(todo):,} documents", file=sys.stderr, flush=True)
        probs = decoder_verdicts([(models[m], t) for _, (m, t) in todo], workers)
        cache.update({k: p for (k, _), p in zip(todo, probs, strict=True)})
    return [cache[k] for k in keys]


def id_of(model) -> str:
    """A name for a model's verdicts in the cache: its folder and lexicon size (ablated copies differ)."""
    return f"{Path(str(model.path)).name}/{len(model.lexicon)}"


def build_sets(base, corpus: str, lengths: list[int], rates: list[float], n: int, seed: int):
    """``(natural docs by length, [(spinner, length, rate, text)], spinners)`` on held-out text."""
    from unspin.evaluate import _spin_doc, heldout_paragraphs, make_docs, spinners

    rng = random.Random(seed)
    paras = heldout_paragraphs(base, [corpus] if corpus != "registry" else None, "text")
    sps = spinners(base, [], 0.3, seed, "chars")
    natural, spun = {}, []
    for length in lengths:
        clean = make_docs(paras, length, n, rng)
        natural[length] = clean
        for sp in sps:
            for r in rates:
                for i, d in enumerate(clean):
                    s = _spin_doc(sp, d, i, r, rng.randrange(1 << 30))
                    if s.swaps:
                        spun.append((sp, length, r, s.text))
    return natural, spun, sps


def measure(cascade, natural, spun, p_nat, p_spun) -> tuple[list[dict], list[dict]]:
    """Rows per (spinner, length, rate) and per length (natural) for one cascade."""
    rows = []
    groups = defaultdict(list)
    for (name, family, length, r, text), p in zip(spun, p_spun, strict=True):
        groups[name, family, length, r].append((text, p))
    for (name, fam, length, r), items in groups.items():
        texts = [t for t, _ in items]
        flagged = np.array([p >= 0.5 for _, p in items])
        pc = cascade.probabilities(texts)
        passed = pc >= cascade.cut
        rows.append({"spinner": name, "family": fam or "never trained on", "length": length, "r": r,
                     "docs": len(items), "flagged": int(flagged.sum()), "lost": int((flagged & ~passed).sum()),
                     "passed_unflagged": int((~flagged & passed).sum()), "unflagged": int((~flagged).sum())})
    nat_rows = []
    for length, docs in natural.items():
        pc = cascade.probabilities(docs)
        pd = np.array(p_nat[length])
        cleared = pc < cascade.cut
        nat_rows.append({"length": length, "docs": len(docs), "cleared": int(cleared.sum()),
                         "decoder_flagged": int((pd >= 0.5).sum()),
                         "flagged_cleared": int(((pd >= 0.5) & cleared).sum()),
                         "mean_p_cleared": round(float(pc[cleared].mean()), 4) if cleared.any() else None})
    return rows, nat_rows


def _recall(flagged: int, lost: int) -> str:
    return f"{1 - lost / flagged:.3f}" if flagged else "-"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=50, help="documents per corpus, length, spinner and rate")
    ap.add_argument("--lengths", default="300,500,1500")
    ap.add_argument("--rates", default="0.5,0.8")
    ap.add_argument("--corpora", nargs="+", default=["xwlb", "registry"])
    ap.add_argument("--xwlb", default=str(XWLB), help="the xwlb corpus (default: ../shared/corpus/xwlb.jsonl.gz)")
    ap.add_argument("--lofo", action="store_true", help="also train and measure leave-one-family-out cascades")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", default="build/cascade_verdicts.json")
    ap.add_argument("--cascade", help="measure this cascade.npz instead of the shipped model's")
    ap.add_argument("--train-docs", default="build/cascade_train_docs.pkl", help="--lofo: the training documents, kept")
    ap.add_argument("--load", help="measure on the sets and verdicts of an earlier --dump (no decoding)")
    ap.add_argument("--dump", help="also write the sets and the decoder's verdicts to this pickle")
    ap.add_argument("--train-verdicts", default="build/cascade_train_verdicts.json",
                    help="decoder verdicts of the cascade's validation documents (read and updated by --lofo)")
    args = ap.parse_args()
    import unspin
    from unspin.cascade import Cascade, cascade_of

    t0 = time.time()
    base = unspin.load_model()
    shipped = Cascade.load(args.cascade) if args.cascade else cascade_of(base)
    cache_path = Path(args.cache)
    cache = json.loads(cache_path.read_text()) if cache_path.is_file() else {}
    lengths = [int(x) for x in args.lengths.split(",")]
    rates = [float(x) for x in args.rates.split(",")]
    sets = {}
    if args.load:  # the sets and verdicts of an earlier run (--dump): measure other cascades quickly
        import pickle

        for corpus, (rows, nat) in pickle.loads(Path(args.load).read_bytes()).items():
            natural, p_nat = defaultdict(list), defaultdict(list)
            for L, t, p in nat:
                natural[L].append(t)
                p_nat[L].append(p)
            sets[corpus] = (dict(natural), [r[:5] for r in rows], dict(p_nat), [r[5] for r in rows])
    for corpus in [] if args.load else args.corpora:
        path = args.xwlb if corpus == "xwlb" else "registry"
        natural, spun, sps = build_sets(base, path, lengths, rates, args.docs, args.seed)
        models = list({id(s.model): s.model for s in sps}.values())
        index = {id(m): k for k, m in enumerate(models)}
        tasks = [(index[id(sp.model)], t) for sp, _, _, t in spun]
        p_spun = verdicts(models, tasks, cache, args.workers)
        p_nat = {L: verdicts(models, [(index[id(base)], t) for t in docs], cache, args.workers)
                 for L, docs in natural.items()}
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        cache_path.write_text(json.dumps(cache))
        sets[corpus] = (natural, [(sp.name, sp.family, L, r, t) for sp, L, r, t in spun], p_nat, p_spun)
    if args.dump:  # texts and verdicts, to try other cuts without building the sets again
        import pickle

        rows = {c: ([(*row, p) for row, p in zip(sp, ps, strict=True)],
                    [(L, t, p) for L in nat for t, p in zip(nat[L], pn[L], strict=True)])
                for c, (nat, sp, pn, ps) in sets.items()}
        Path(args.dump).write_bytes(pickle.dumps(rows))
    report = {"cut": shipped.cut, "docs": args.docs, "rates": rates, "lengths": lengths, "shipped": {}, "lofo": {}}
    for corpus, (natural, spun, p_nat, p_spun) in sets.items():
        rows, nat = measure(shipped, natural, spun, p_nat, p_spun)
        report["shipped"][corpus] = {"rows": rows, "natural": nat}
    if args.lofo:
        import pickle

        from unspin.cascade import train as ct
        from unspin.train.build import FAMILIES

        cached = Path(args.train_docs)
        if cached.is_file():  # the training documents are the same for every run (seeded): spin them once
            docs = pickle.loads(cached.read_bytes())
        else:
            docs = ct.documents(base)
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_bytes(pickle.dumps(docs))
        known_path = Path(args.train_verdicts)
        known = json.loads(known_path.read_text()) if known_path.is_file() else {}
        for fam, leave in LEAVE.items():
            kept = tuple(f for f in FAMILIES if f not in leave)
            casc = ct.train_cascade(base, docs=docs, families=kept, verdicts=known, workers=args.workers,
                                    progress=lambda m: print(m, file=sys.stderr, flush=True))
            known = casc._verdicts  # noqa: SLF001
            known_path.parent.mkdir(parents=True, exist_ok=True)
            known_path.write_text(json.dumps(known))
            report["lofo"][fam] = {"cut": casc.cut, "families": list(kept)}
            for corpus, (natural, spun, p_nat, p_spun) in sets.items():
                sel = [k for k, s in enumerate(spun) if s[0] in SPINNERS[fam]]
                rows, nat = measure(casc, natural, [spun[k] for k in sel], p_nat, [p_spun[k] for k in sel])
                report["lofo"][fam][corpus] = {"rows": rows, "natural": nat}
    report["seconds"] = round(time.time() - t0, 1)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cascade.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    text = to_markdown(report)
    (RESULTS / "cascade.md").write_text(text, encoding="utf-8")
    print(text)


def to_markdown(rep: dict) -> str:
    names = {"xwlb": "held-out xwlb news", "registry": "held-out registry text (`unspin eval`'s sets)"}
    out = ["# Cascade recall and natural documents cleared (`bench/bench_cascade.py`)", "",
           f"Shipped cascade, cut {rep['cut']:.4f}; {rep['docs']} documents per corpus, length, spinner and rate "
           f"(r = {', '.join(map(str, rep['rates']))}). Recall = share of the spun documents the full decoder "
           "flags (p >= 0.5) that the cascade passes on (target >= 0.995).", ""]
    # per family, pooled over corpora, lengths and rates
    pooled = defaultdict(lambda: [0, 0])
    for part in rep["shipped"].values():
        for r in part["rows"]:
            pooled[r["spinner"], r["family"]][0] += r["flagged"]
            pooled[r["spinner"], r["family"]][1] += r["lost"]
    out += ["## Recall per spinner (shipped cascade, all corpora, lengths and rates pooled)", "",
            "| spinner | training family | flagged by the decoder | lost by the cascade | recall |", "|---|---|---|---|---|"]
    for (name, fam), (f, lost) in sorted(pooled.items()):
        out.append(f"| {name} | {fam} | {f} | {lost} | {_recall(f, lost)} |")
    for corpus, part in rep["shipped"].items():
        out += ["", f"## {names.get(corpus, corpus)}", "",
                "| length | natural docs | cleared by the cascade | decoder-flagged natural docs it cleared |",
                "|---|---|---|---|"]
        for n in part["natural"]:
            out.append(f"| {n['length']} | {n['docs']} | {n['cleared'] / max(n['docs'], 1):.1%} "
                       f"| {n['flagged_cleared']} of {n['decoder_flagged']} |")
        out += ["", "| spinner | family | length | r | spun docs | flagged | lost | recall | unflagged passed on |",
                "|---|---|---|---|---|---|---|---|---|"]
        for r in sorted(part["rows"], key=lambda r: (r["spinner"], r["length"], r["r"])):
            out.append(f"| {r['spinner']} | {r['family']} | {r['length']} | {r['r']} | {r['docs']} | {r['flagged']} "
                       f"| {r['lost']} | {_recall(r['flagged'], r['lost'])} | {r['passed_unflagged']} of {r['unflagged']} |")
    if rep["lofo"]:
        out += ["", "## Leave one family out (a cascade trained without the family, measured on it)", "",
                "| left out | cut | corpus | spinner | length | r | flagged | lost | recall | natural cleared |",
                "|---|---|---|---|---|---|---|---|---|---|"]
        for fam, part in rep["lofo"].items():
            for corpus in (k for k in part if k not in ("cut", "families")):
                cleared = {n["length"]: n["cleared"] / max(n["docs"], 1) for n in part[corpus]["natural"]}
                for r in sorted(part[corpus]["rows"], key=lambda r: (r["spinner"], r["length"], r["r"])):
                    out.append(f"| {fam} | {part['cut']:.4f} | {corpus} | {r['spinner']} | {r['length']} | {r['r']} "
                               f"| {r['flagged']} | {r['lost']} | {_recall(r['flagged'], r['lost'])} "
                               f"| {cleared[r['length']]:.1%} |")
    out += ["", f"{rep['seconds']:.0f} s."]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
