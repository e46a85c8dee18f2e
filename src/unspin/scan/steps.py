"""Steps run in the workers: decode -> extract -> check (each document) -> score (the shard's
documents in one batched engine call, the cascade first) -> origin (each document).

Each step takes and returns a :class:`Doc` (``score`` a list of them); a rejected doc passes
through untouched.  :func:`process_shard` runs them over one shard and returns its rows and statistics.
"""

from __future__ import annotations

import time
from collections import Counter
from functools import cache
from typing import TYPE_CHECKING, Any

from unspin.errors import IndexError_, InputError
from unspin.scan.options import ScanOptions
from unspin.scan.record import Doc, Shard, ShardResult, escaped
from unspin.scan.summary import HIST_BINS, hist_bin
from unspin.scan.writers import dumps
from unspin.text.decode import MAX_BYTES, clean_text, decode_bytes, han_count
from unspin.text.page import main_text

if TYPE_CHECKING:
    from unspin.trace.api import Match


def decode(doc: Doc, encoding: str | None = None) -> Doc:
    """Bytes of a text file to text (UTF-8/GB18030/Big5 detection or ``encoding``)."""
    if doc.reject or doc.raw is None or doc.html:
        return doc
    try:
        doc.text, doc.raw = decode_bytes(doc.raw, encoding), None
    except InputError as exc:
        return doc.fail("undecodable", exc.message)
    return doc


def extract(doc: Doc) -> Doc:
    """Main article text of an HTML page (trafilatura; boilerplate and menus dropped)."""
    if doc.reject or not doc.html:
        return doc
    text = main_text(doc.raw if doc.raw is not None else doc.text or "")
    if not text:
        return doc.fail("no_main_text", "no article text found in the HTML")
    doc.text, doc.raw, doc.html = text, None, False
    return doc


def check(doc: Doc) -> Doc:
    """Drop control characters; reject empty, non-Chinese and oversized texts (as ``unspin.detect``)."""
    if doc.reject:
        return doc
    text = doc.text = clean_text(doc.text or "")[0]
    if not text.strip():
        return doc.fail("empty", "text is empty")
    if len(text) > MAX_BYTES:
        return doc.fail("too_long", f"{len(text):,} characters, over {MAX_BYTES:,}")
    if han_count(text) == 0:
        return doc.fail("no_chinese", "text has no Chinese characters")
    return doc


@cache
def engine(model: str | None, keep: str | None, lexicon: str | None) -> dict[str, Any]:
    """Model, keep-list and lexicon, loaded once per process."""
    from unspin.api import resolve_keep, resolve_lexicon
    from unspin.model import load_model

    return {"model": load_model(model), "keep": resolve_keep(keep), "lexicon": resolve_lexicon(lexicon)}


def warm_up(opts: ScanOptions) -> None:
    """Load the model, lexicons, cascade and segmenter now (before forking workers, or in an actor)."""
    from unspin.api import restore
    from unspin.cascade import cascade_of

    eng = engine(opts.model, opts.keep, opts.lexicon)
    restore("今年要交付新车", **eng)
    if opts.cascade and not opts.restore:
        cascade_of(eng["model"])


def score(docs: list[Doc], opts: ScanOptions) -> list[Doc]:
    """Score every document of a shard in one engine call (:func:`unspin.batch.analyse_many`: the
    cascade clears the clearly natural ones first, unless ``--no-cascade`` or ``--restore``); each
    output row goes to ``doc.result``.  A document the engine fails on becomes a reject; the others
    are scored."""
    from unspin.batch import analyse_many

    live = [d for d in docs if not d.reject]
    if not live:
        return docs
    eng = engine(opts.model, opts.keep, opts.lexicon)
    results = analyse_many([d.text for d in live], eng["model"], eng["keep"], eng["lexicon"],
                           mode="restore" if opts.restore else "detect", cascade=opts.cascade,
                           threshold=opts.threshold, catch=(Exception,))
    for doc, res in zip(live, results, strict=True):
        if isinstance(res, InputError):
            doc.fail("error", res.message)
        elif isinstance(res, BaseException):
            doc.fail("error", f"{type(res).__name__}: {res}"[:300])
        else:
            rec = res.detect_record(None, opts.evidence)
            rec.pop("path")
            doc.result = {"id": doc.id, "source": escaped(doc.source), **rec}  # a file name may not be UTF-8
            if opts.restore:
                doc.result["restored"] = res.restored
    return docs


ORIGIN_FIELDS = ("id", "score", "coverage", "meta")
"""What a record keeps of each traced source (``unspin trace --format json`` has the passages too)."""


def origin_record(m: Match) -> dict[str, Any]:
    """``{"id", "score", "coverage", "meta"}`` of a traced source (rounded as in the trace JSON)."""
    d = m.to_dict()
    return {k: d[k] for k in ORIGIN_FIELDS}


def origin(doc: Doc, opts: ScanOptions) -> Doc:
    """With ``--index``: add the text's best indexed source as ``origin`` (``None`` when there is
    none, ``origin_reason`` saying why: ``no_match``, ``not_flagged`` or ``error: ...``), and the
    ``--trace-top`` best as ``origins`` when more than one is asked for.  With ``--learn``, the
    best source's swaps (``origin.substitutions``: spun, original, count), which
    ``unspin learn-pairs`` folds into a model.

    A record that cannot be traced keeps its score; only a broken index (``IndexError_``)
    stops the scan, since it would fail every record alike.
    """
    if doc.reject or not opts.index:
        return doc
    from unspin.trace.api import resolve_index
    from unspin.trace.batch import trace_one

    matches: list[dict[str, Any]] = []
    if opts.trace_flagged and doc.result["spin_probability"] < opts.threshold:
        reason: str | None = "not_flagged"
    else:
        try:
            traced = trace_one((doc.id, doc.text, None), resolve_index(opts.index), opts.trace_top, swaps=opts.learn)
        except IndexError_:
            raise
        except Exception as exc:  # noqa: BLE001 - one record the tracer fails on keeps its score
            reason = f"error: {type(exc).__name__}: {exc}"[:300]
        else:
            if traced.result is None:
                reason = f"error: {traced.error}"[:300]
            else:
                matches = [origin_record(m) for m in traced.result.matches]
                reason = None if matches else "no_match"
                if opts.learn and matches:  # the proof's swaps, for `unspin learn-pairs scores.jsonl`
                    matches[0]["substitutions"] = traced.result.matches[0].to_dict()["substitutions"]
    doc.result["origin"] = matches[0] if matches else None
    doc.result["origin_reason"] = reason
    if opts.trace_top > 1:
        doc.result["origins"] = matches
    return doc


def _guarded(doc: Doc, step) -> Doc:
    """``step(doc)``; any failure makes the document a reject with the reason, never ends the run
    (except a broken trace index, which would fail every record: see :func:`origin`)."""
    if doc.reject:
        return doc
    try:
        return step(doc)
    except UnicodeEncodeError:
        return doc.fail("undecodable", "the record holds a lone surrogate (not valid Unicode)")
    except IndexError_:
        raise
    except Exception as exc:  # noqa: BLE001 - one poison record must not stop a corpus scan
        return doc.fail("error", f"{type(exc).__name__}: {exc}"[:300])


def _finish(doc: Doc, opts: ScanOptions) -> Doc:
    doc = origin(doc, opts)
    rows = [doc.result, doc.clean_record() if opts.clean_out else {}] if not doc.reject else []
    for row in rows:
        dumps(row).encode("utf-8")  # what the writer will do: a lone surrogate must fail here
    return doc


def _process_all(docs: list[Doc], opts: ScanOptions) -> list[Doc]:
    """All steps for a shard's documents: decode, extract and check each, score them in one batch,
    then trace each (``--index``)."""
    docs = [_guarded(d, lambda d: check(extract(decode(d, opts.encoding)))) for d in docs]
    try:
        docs = score(docs, opts)
    except IndexError_:
        raise
    except Exception:  # noqa: BLE001 - the batch failed as a whole: score one at a time to find the record
        docs = [_guarded(d, lambda d: score([d], opts)[0]) for d in docs]
    return [_guarded(d, lambda d: _finish(d, opts)) for d in docs]


def process_shard(shard: Shard, opts: ScanOptions) -> ShardResult:
    """Run every step over a shard; collect output rows, rejects, clean rows and stats."""
    t0 = time.process_time()
    out = ShardResult(shard.key)
    reasons: Counter[str] = Counter()
    hist = [0] * HIST_BINS
    chars = flagged = traced = origins = trace_errors = 0
    for doc in _process_all(shard.docs, opts):
        if doc.reject:
            reasons[doc.reject] += 1
            out.rejects.append(doc.reject_record())
            continue
        p = doc.result["spin_probability"]
        out.records.append(doc.result)
        chars += doc.result["chars"]
        flagged += p >= opts.threshold
        hist[hist_bin(p)] += 1
        if opts.index:
            why = doc.result["origin_reason"] or ""
            origins += doc.result["origin"] is not None
            traced += why in ("", "no_match")
            trace_errors += why.startswith("error")
        if opts.clean_out and p <= opts.drop_threshold:
            out.clean.append(doc.clean_record())
    out.stats = {
        "documents": len(out.records), "rejected": len(out.rejects), "flagged": flagged,
        "kept": len(out.clean), "chars": chars, "cpu_seconds": round(time.process_time() - t0, 3),
        "reasons": dict(reasons), "hist": hist, "nbytes": shard.nbytes,
        "traced": traced, "origins": origins, "trace_errors": trace_errors,
    }
    return out
