"""``unspin scan``: score corpora in batch, locally or on Ray."""

from __future__ import annotations

import argparse
import sys

from unspin.cli.common import add_cascade_options, add_command, add_model_options, probability
from unspin.result import DEFAULT_THRESHOLD


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "scan", "score whole corpora (JSONL, Parquet, WARC, HTML, .txt folders)", """
        Score every document of a corpus on all cores (or a Ray cluster) and write one
        record per document: id, source, spin_probability, label, chars and the evidence
        pairs.  Bad records go to a rejects file with a reason and never stop the run; an
        interrupted run resumes where it stopped when the same command is run again.
        With --index, every record is also traced against your archive (a trace index built
        by `unspin index add`): `origin` is its best source {id, score, coverage, meta}, or
        null with `origin_reason` (no_match, not_flagged, error: ...).""", """
        unspin scan crawl.jsonl.gz --out scores.parquet --plot hist.png
        unspin scan pages/ --out scores.jsonl --clean-out clean.jsonl --drop-above 0.8
        unspin scan cc.warc.gz --out scores.jsonl --summary-json summary.json
        unspin scan crawl.jsonl.gz --out scores.jsonl --index my-index   # + origin: the archive article copied
        unspin scan s3-mirror/ --out scores.parquet --engine ray --address auto   # unspin[ray]""",
                    extra="scan")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help=".jsonl[.gz|.zst], .parquet, .warc[.gz], .html, .txt files or folders")
    p.add_argument("--out", required=True, help="scores file: .jsonl, .jsonl.gz or .parquet")
    p.add_argument("--text-field", default="text", help="JSONL/Parquet text field (default: text)")
    p.add_argument("--id-field", default="id", help="JSONL/Parquet id field (default: id; else file:line)")
    p.add_argument("--workers", type=int, default=None, help="processes or Ray actors (default: all cores)")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local processes (default) or ray (needs unspin[ray])")
    p.add_argument("--address", help="Ray cluster to join (e.g. auto or HOST:6379); default: a local instance")
    p.add_argument("--threshold", type=probability, default=DEFAULT_THRESHOLD, metavar="P",
                   help=f"label 'spun' at or above this probability (default {DEFAULT_THRESHOLD})")
    p.add_argument("--evidence", type=int, default=5, metavar="N",
                   help="distinct evidence pairs per record (default 5)")
    p.add_argument("--restore", action="store_true", help="add the restored text to each record")
    add_cascade_options(p, default=True, what="document")
    p.add_argument("--drop-above", type=probability, metavar="P", help="with --clean-out: leave out documents above P")
    p.add_argument("--clean-out", metavar="FILE", help="write the corpus without the documents above P")
    p.add_argument("--rejects", metavar="FILE", help="bad records with reasons (default: OUT.rejects.jsonl)")
    p.add_argument("--plot", metavar="PNG", help="also draw the histogram (.png, .svg or .pdf)")
    p.add_argument("--summary-json", metavar="FILE", help="also write the summary as JSON")
    p.add_argument("--shard-size", type=int, default=500, help="documents per shard (default 500)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT and discard an unfinished run")
    p.add_argument("--index", metavar="DIR",
                   help="trace every record against this trace index (`unspin index add`): adds origin, "
                        "origin_reason; on Ray DIR must be at the same path on every node")
    p.add_argument("--trace-top", type=int, default=None, metavar="K",
                   help="with --index: also add origins, the K best sources (default: the best only)")
    p.add_argument("--trace-flagged", action="store_true",
                   help="with --index: trace only records labelled spun (others: origin_reason not_flagged)")
    p.add_argument("--learn", action="store_true",
                   help="with --index: add the traced copy's swaps (origin.substitutions); "
                        "`unspin learn-pairs OUT --out DIR` then teaches a model that spinner's pairs")
    add_model_options(p)
    p.set_defaults(func=cmd_scan)


def cmd_scan(args: argparse.Namespace) -> int:
    from unspin.scan import ScanOptions, scan

    opts = ScanOptions(
        inputs=args.inputs, out=args.out, text_field=args.text_field, id_field=args.id_field,
        encoding=args.encoding, model=args.model, keep=args.keep, lexicon=args.lexicon,
        threshold=args.threshold, evidence=args.evidence, restore=args.restore,
        drop_above=args.drop_above, clean_out=args.clean_out, rejects=args.rejects,
        shard_size=args.shard_size, engine=args.engine, address=args.address, plot=args.plot,
        summary_json=args.summary_json, overwrite=args.overwrite, index=args.index,
        trace_top=1 if args.trace_top is None else args.trace_top, trace_flagged=args.trace_flagged,
        learn=args.learn, cascade=args.cascade,
    )
    if args.workers is not None:
        opts.workers = args.workers
    try:
        summary = scan(opts)
    except KeyboardInterrupt:
        print("unspin: interrupted; finished shards are kept, rerun the same command to resume",
              file=sys.stderr)
        return 130
    print(summary.text(opts.threshold), file=sys.stderr)
    return 0
