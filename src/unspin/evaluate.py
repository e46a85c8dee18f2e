"""``unspin eval``: restore and detect measured on held-out text spun by a synthetic spinner.

Not circular:

* the text is held out: only paragraphs in the held-out hash buckets
  (:func:`unspin.train.build.is_heldout`) and never a document the model saw;
* the spinner tables are drawn from the raw thesaurus groups (Cilin ``=`` lines and
  cnsyn), one table per simulated spinner tool, not from the restorer's pruned lexicon;
* a ``holdout`` share of every table's pairs is deleted from the restorer's lexicon, so
  those swaps come from a table the restorer has never seen.

Reported by spin rate r and document length: restore precision / recall / F1 (an edit
counts only if its span and its restored word are both right), the share of clean
sentences that get any edit, detection ROC-AUC, false-positive rate at the default
threshold and the calibration error of the spin probability.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable

import numpy as np

from unspin.decode.document import analyse
from unspin.lexicon import sources
from unspin.model import Model, load_model, text_hash
from unspin.result import DEFAULT_THRESHOLD
from unspin.spin import random_table, spin
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
    p_arr, y_arr = np.asarray(p), np.asarray(y, dtype=float)
    err = 0.0
    for lo in np.linspace(0, 1, bins, endpoint=False):
        sel = (p_arr >= lo) & (p_arr < lo + 1 / bins + (lo + 1 / bins >= 1))
        if sel.any():
            err += sel.sum() / len(p_arr) * abs(p_arr[sel].mean() - y_arr[sel].mean())
    return float(err)


def _ablated(model: Model, tables: list[dict[str, str]], holdout: float, rng: random.Random) -> tuple[Model, set]:
    """A copy of ``model`` whose lexicon lacks a ``holdout`` share of the spinner pairs."""
    pairs = sorted({(s, o) for t in tables for o, s in t.items()})
    unseen = {p for p in pairs if rng.random() < holdout}
    lex = model.lexicon.copy()
    for spun, orig in unseen:
        lex.remove(spun, orig)
    return Model(lex, model.lm, model.pair_stage1, model.pair_stage2, model.doc, dict(model.settings),
                 model.path, model.trained_on), unseen


def evaluate(
    model_path=None, corpus: list[str] | None = None, text_field: str = "text", docs: int = 300,
    rates: list[float] = (0.2, 0.5, 0.8), lengths: list[int] = (100, 500, 1500), holdout: float = 0.3,
    seed: int = 7, n_spinners: int = 5, progress: Callable[[str], None] = print,
) -> dict:
    """Run the evaluation (see module docstring) and return the report as a dict."""
    t0 = time.time()
    base = load_model(model_path)
    rng = random.Random(seed)
    paras = heldout_paragraphs(base, corpus, text_field)
    progress(f"{len(paras):,} held-out paragraphs")
    groups = sources.cilin() + [g for g in sources.cnsyn() if len(g) <= 12]
    tables = [random_table(groups, seed=seed * 100 + k, coverage=0.8) for k in range(n_spinners)]
    model, unseen = _ablated(base, tables, holdout, rng)
    progress(f"{n_spinners} spinner tables, {len(unseen):,} of their pairs removed from the restorer")
    rows, all_p, all_y = [], [], []
    for length in lengths:
        clean = make_docs(paras, length, docs, rng)
        neg = [analyse(d, model) for d in clean]
        sentences = edited = 0
        for a in neg:
            res = a.result(model.edit_threshold)
            starts = sorted(e.start for e in res.edits)
            for m in _SENT.finditer(a.text):
                if m.group().strip():
                    sentences += 1
                    edited += any(m.start() <= s < m.end() for s in starts)
        neg_p = [a.spin_probability for a in neg]
        for r in rates:
            tp = fp = fn = tp_unseen = n_unseen = 0
            pos_p = []
            for i, d in enumerate(clean):
                table = tables[i % n_spinners]
                s = spin(d, table, r, seed=rng.randrange(1 << 30))
                a = analyse(s.text, model)
                res = a.result(model.edit_threshold)
                gold = {(w.start, w.end, w.original) for w in s.swaps}
                pred = {(e.start, e.end, e.original) for e in res.edits}
                tp += len(gold & pred)
                fp += len(pred - gold)
                fn += len(gold - pred)
                for w in s.swaps:
                    if (w.spun, w.original) in unseen:
                        n_unseen += 1
                        tp_unseen += (w.start, w.end, w.original) in pred
                if s.swaps:
                    pos_p.append(a.spin_probability)
            prec = tp / (tp + fp) if tp + fp else 1.0
            rec = tp / (tp + fn) if tp + fn else 0.0
            fpr = float(np.mean([p >= DEFAULT_THRESHOLD for p in neg_p])) if neg_p else float("nan")
            rows.append({
                "length": length, "r": r, "docs": len(clean), "precision": round(prec, 4),
                "recall": round(rec, 4), "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0,
                "recall_unseen_pairs": round(tp_unseen / n_unseen, 4) if n_unseen else None,
                "roc_auc": round(roc_auc(pos_p, neg_p), 4), "fpr_at_threshold": round(fpr, 4),
                "tpr_at_threshold": round(float(np.mean([p >= DEFAULT_THRESHOLD for p in pos_p])), 4) if pos_p else None,
                "clean_sentences_edited": round(edited / sentences, 4) if sentences else 0.0,
            })
            all_p += pos_p + neg_p
            all_y += [True] * len(pos_p) + [False] * len(neg_p)
            progress(f"length {length} r {r}: P {prec:.3f} R {rec:.3f} AUC {rows[-1]['roc_auc']:.3f}")
    return {
        "model": str(base.path), "heldout_paragraphs": len(paras), "holdout_pairs": holdout,
        "threshold": DEFAULT_THRESHOLD, "edit_threshold": model.edit_threshold,
        "calibration_error": round(calibration_error(all_p, all_y), 4),
        "seconds": round(time.time() - t0, 1), "rows": rows,
    }


def to_markdown(report: dict) -> str:
    """The report as a Markdown table."""
    lines = [
        f"Model `{report['model']}`; {report['heldout_paragraphs']:,} held-out paragraphs; "
        f"{report['holdout_pairs']:.0%} of spinner pairs unseen by the restorer; "
        f"edit threshold {report['edit_threshold']}; spin-probability calibration error "
        f"(ECE) {report['calibration_error']}.",
        "",
        "| length | r | docs | precision | recall | F1 | recall (unseen pairs) | ROC-AUC | FPR@0.5 | TPR@0.5 | clean sentences edited |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["rows"]:
        lines.append(
            f"| {r['length']} | {r['r']} | {r['docs']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | "
            f"{r['recall_unseen_pairs'] if r['recall_unseen_pairs'] is not None else '-'} | {r['roc_auc']:.3f} | "
            f"{r['fpr_at_threshold']:.3f} | {r['tpr_at_threshold']} | {r['clean_sentences_edited']:.3f} |"
        )
    return "\n".join(lines) + "\n"
