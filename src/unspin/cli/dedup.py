"""``unspin dedup``: cluster the spun copies, excerpts and stitched pages inside a crawl."""

from __future__ import annotations

import argparse
import sys

from unspin.cli.common import add_command, at_least_one


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "dedup", "cluster spun copies inside a crawl (no archive needed)", """
        Find the documents of a crawl that are copies of one another, spun or not: whole
        copies, excerpts, copies with reordered sentences, and pages stitched from several
        sources.  Writes one record per document: id, cluster (the id of the document kept
        for it), cluster_size, keep, keep_reason, relation to the kept document (self, copy,
        excerpt, stitched), similarity, coverage and, for stitched pages, sources.

        The kept document of a cluster is the one with the earliest date field (date,
        published, pub_date, publish_date, published_at) when the input has one, else the
        one with the lowest spin probability (--no-spin: skip scoring), else the longest.
        Bad records go to a rejects file; an interrupted run resumes when the same command
        is run again (signed shards and verified batches are kept in OUT.parts/).""", """
        unspin dedup crawl.jsonl.gz --out clusters.jsonl --clean-out clean.jsonl
        unspin dedup pages/ news.parquet --out clusters.parquet --index-out crawl-index
        unspin dedup crawl.jsonl.gz --out clusters.jsonl --engine ray --workers 8   # unspin[ray]""",
                    extra="scan")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help=".jsonl[.gz|.zst], .parquet, .warc[.gz], .html, .txt files or folders")
    p.add_argument("--out", required=True, help="clusters file: .jsonl, .jsonl.gz or .parquet")
    p.add_argument("--clean-out", metavar="FILE", help="also write the corpus with the kept documents only")
    p.add_argument("--rejects", metavar="FILE", help="bad records with reasons (default: OUT.rejects.jsonl)")
    p.add_argument("--summary-json", metavar="FILE", help="also write the summary as JSON")
    p.add_argument("--text-field", default="text", help="JSONL/Parquet text field (default: text)")
    p.add_argument("--id-field", default="id", help="JSONL/Parquet id field (default: id; else file:line)")
    p.add_argument("--encoding", metavar="NAME", help="input encoding (default: detect UTF-8/GBK/Big5)")
    p.add_argument("--workers", type=at_least_one, default=None, help="processes or Ray actors (default: all cores)")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local processes (default) or ray (needs unspin[ray])")
    p.add_argument("--address", help="Ray cluster to join (e.g. auto or HOST:6379); default: a local instance")
    p.add_argument("--index-out", metavar="DIR",
                   help="keep the crawl's trace index in this new folder (`unspin trace FILE --index DIR` later)")
    p.add_argument("--keep-stitched", action="store_true", help="keep stitched pages in --clean-out (default: drop)")
    p.add_argument("--no-spin", action="store_true",
                   help="choose the kept document without spin scores (date, then length)")
    p.add_argument("--shard-size", type=at_least_one, default=2000, help="documents per signed shard (default 2000)")
    p.add_argument("--model", metavar="PATH", help="model folder (default: the built-in model)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT and discard an unfinished run")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_dedup)


def cmd_dedup(args: argparse.Namespace) -> int:
    from unspin.dedup import DedupOptions, dedup

    opts = DedupOptions(inputs=args.inputs, out=args.out, clean_out=args.clean_out, rejects=args.rejects,
                        summary_json=args.summary_json, text_field=args.text_field, id_field=args.id_field,
                        encoding=args.encoding, model=args.model, engine=args.engine, address=args.address,
                        index_out=args.index_out, keep_stitched=args.keep_stitched, spin=not args.no_spin,
                        shard_size=args.shard_size, overwrite=args.overwrite,
                        progress=False if args.quiet else None)
    if args.workers is not None:
        opts.workers = args.workers
    try:
        summary = dedup(opts)
    except KeyboardInterrupt:
        print("unspin: interrupted; signed shards and verified batches are kept, rerun the same command to resume",
              file=sys.stderr)
        return 130
    print(summary.text(), file=sys.stderr)
    return 0
