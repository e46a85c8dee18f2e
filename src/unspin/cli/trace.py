"""``unspin index add|stats``, ``unspin trace`` and ``unspin learn-pairs``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from contextlib import closing
from typing import TYPE_CHECKING

from unspin.cli.common import add_command, at_least_one, refuse_package_folder
from unspin.errors import IndexError_, InputError

if TYPE_CHECKING:
    from unspin.trace.batch import Traced


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "index", "build or inspect a trace index of original articles", """
        A trace index holds substitution-proof fingerprints of your original articles, so
        that `unspin trace` can find which of them a spun copy came from.""", """
        unspin index add archive/ --index idx
        unspin index stats --index idx""")
    isub = p.add_subparsers(dest="index_command", metavar="SUBCOMMAND", required=True)
    a = add_command(isub, "add", "add documents (folder of .txt, .jsonl[.gz], .parquet) to an index", """
        Add documents to a trace index (created if missing).  A .txt file is one document
        named by its path; JSONL and Parquet records give --id-field and --text-field, and
        their title (or headline), url (or link) and date (or published, pub_date) are kept
        to name the article in `unspin trace`, with any fields named by --meta.
        Adding the same documents again changes nothing; bad records are skipped with a
        reason (exit code 2).""", """
        unspin index add archive/ --index idx
        unspin index add news.jsonl.gz --id-field url --text-field body --index idx
        unspin index add news.jsonl --meta author section --index idx   # kept beside title/url/date
        unspin index add big.parquet --index idx --engine ray --workers 8   # unspin[ray]
        unspin index add archive/ --index idx --shards 4    # 4 shards built in parallel, traced as one
        zcat dump.jsonl.gz | unspin index add - --index idx   # JSON lines from standard input""",
        extra="trace")
    a.add_argument("corpus", nargs="+", metavar="CORPUS",
                   help="files or folders to index; - reads JSON lines from standard input")
    a.add_argument("--index", required=True, metavar="DIR", help="index folder (created if missing)")
    a.add_argument("--id-field", default="id", help="JSONL/Parquet field with the document id (default: id)")
    a.add_argument("--text-field", default="text", help="JSONL/Parquet field with the text (default: text)")
    a.add_argument("--meta", nargs="+", default=[], metavar="FIELD",
                   help="more JSONL/Parquet fields to keep and show in proofs (title, url, date are kept anyway)")
    a.add_argument("--replace", action="store_true", help="replace documents whose id exists with other text")
    a.add_argument("--model", metavar="PATH", help="model whose lexicon is masked (new index only)")
    a.add_argument("--quiet", action="store_true", help="no progress on standard error")
    a.add_argument("--shards", type=int, metavar="N",
                   help="build a new index as N shards in parallel (documents routed by id; traced as one "
                        "index); an existing sharded index keeps its shards")
    a.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local (default), or ray: compute signatures on Ray actors, or with --shards build "
                        "each shard on a Ray actor (needs unspin[ray])")
    a.add_argument("--workers", type=at_least_one, default=os.cpu_count() or 1,
                   help="Ray actors signing an unsharded index (default: all cores); a sharded index has "
                        "one writer per shard")
    a.add_argument("--address", help="Ray cluster to join (default: a local instance)")
    a.set_defaults(func=cmd_index_add)
    s = add_command(isub, "stats", "documents, size and build settings of an index", """
        How many documents an index holds, its size and the settings it was built with.""", """
        unspin index stats --index idx
        unspin index stats --index idx --format json""", extra="trace")
    s.add_argument("--index", required=True, metavar="DIR", help="index folder")
    s.add_argument("--format", choices=["text", "json"], default="text", help="text (default) or JSON")
    s.set_defaults(func=cmd_index_stats)

    p = add_command(sub, "trace", "find the indexed sources of a (spun) text, with aligned proof", """
        Find the indexed articles a (spun) text was copied from: each match with its score,
        the share of the text it covers, the aligned passages and the substituted words
        (spun→original, with counts), with the title, date and URL of each source.  Build
        the index first with `unspin index add`.  Several files, a folder or --queries trace
        a batch with one index load: one record per query, in order; a query that cannot be
        traced (unreadable, no Chinese) gets an "error" and the batch goes on (exit code 2).
        A text with no source says why (too short, or the closest document's score).""", """
        unspin trace copy.txt --index idx
        unspin trace copy.txt --index idx --format json > proof.json
        unspin learn-pairs proof.json --out my-model  # teach a model the pairs it found
        unspin trace suspects/ --index idx --format jsonl --workers 4 > proofs.jsonl
        unspin trace --queries pages.jsonl --index idx --format jsonl   # {"id": ..., "text": ...} lines""",
        extra="trace")
    p.add_argument("file", nargs="*", metavar="FILE",
                   help="text or HTML files or folders, or - for standard input (default)")
    p.add_argument("--queries", metavar="JSONL", help="trace every {\"id\", \"text\"} line of this file")
    p.add_argument("--index", required=True, metavar="DIR", help="index folder built by `unspin index add`")
    p.add_argument("--top-k", type=int, default=5, help="most sources to return (default 5)")
    p.add_argument("--format", choices=["text", "json", "jsonl"], default="text",
                   help="text report (default), JSON, or JSONL: one {\"id\", \"matches\"[, \"error\"]} line per query")
    p.add_argument("--full", action="store_true", help="text report: every passage, uncut")
    p.add_argument("--workers", type=int, default=1, help="processes tracing a batch (default 1)")
    p.add_argument("--quiet", action="store_true", help="no progress bar on standard error")
    p.add_argument("--encoding", metavar="NAME", help="input encoding (default: detect UTF-8/GBK/Big5)")
    p.set_defaults(func=cmd_trace)

    p = add_command(sub, "learn-pairs", "fold a spinner's pairs into a copy of a model", """
        Add the substitutions that `unspin trace` observed (or a spun<TAB>original[<TAB>count]
        list) to a copy of a model, so that restore and detect know those spinner pairs.
        With --pages, learn them from a batch of one source's spun pages alone, no originals
        needed: a spinner applies one table everywhere, so its pairs recur across pages
        (each learned pair is printed as spun<TAB>original<TAB>pages).""", """
        unspin learn-pairs proof1.json proof2.json --out my-model --min-count 2
        unspin learn-pairs --pages site/*.html --out site-model   # 50+ pages of one site work best
        unspin restore article.txt --model my-model""")
    p.add_argument("evidence", nargs="*", metavar="FILE",
                   help="`unspin trace --format json` outputs and/or spun<TAB>original[<TAB>count] files")
    p.add_argument("--pages", nargs="+", metavar="FILE",
                   help="pages of one source: .txt/.html files (one page each), .jsonl (a page per record), folders")
    p.add_argument("--min-pages", type=int, default=2,
                   help="with --pages: least pages a pair must be read on (default 2)")
    p.add_argument("--encoding", metavar="NAME", help="--pages encoding (default: detect UTF-8/GBK/Big5)")
    p.add_argument("--out", required=True, metavar="DIR", help="new model folder to write")
    p.add_argument("--model", metavar="PATH", help="base model (default: the built-in model)")
    p.add_argument("--min-count", type=int, default=1, help="least times a pair must be seen (default 1)")
    p.set_defaults(func=cmd_learn_pairs)


def _fingerprinter_factory(model_path: str | None):
    def make():
        from unspin.trace.fingerprint import default_fingerprinter

        return default_fingerprinter(model_path)  # the model's lexicon words: never what is installed

    return make


def cmd_index_add(args: argparse.Namespace) -> int:
    from unspin.readers import read_documents
    from unspin.text.decode import printable
    from unspin.trace.index import TraceIndex
    from unspin.trace.shards import MAX_SHARDS, ShardedIndex, is_sharded

    if args.shards is not None and not 1 <= args.shards <= MAX_SHARDS:
        raise InputError(f"--shards must be between 1 and {MAX_SHARDS}")
    sharded = is_sharded(args.index) or (args.shards or 1) > 1
    if sharded:
        ix = ShardedIndex.open_or_create(args.index, _fingerprinter_factory(args.model), args.shards)
    else:
        ix = TraceIndex.open_or_create(args.index, _fingerprinter_factory(args.model))
        if "shard" in ix.settings:  # one shard alone: what it is given would bypass the routing by id
            ix.close()
            raise IndexError_(f"{args.index} is one shard of a sharded index; documents are added to the whole index",
                              hint="pass the sharded index's folder (the one holding shards.json) for --index")
    with closing(ix):  # a writer's close leaves a file readable on read-only storage
        problems: list[tuple[str, str]] = []

        def docs():
            for rec in read_documents(args.corpus, args.id_field, args.text_field, tuple(args.meta)):
                if rec.text is None:
                    problems.append((rec.id, rec.problem or "no text"))
                else:
                    yield rec.id, rec.text, rec.meta

        from tqdm import tqdm

        bar = tqdm(unit=" docs", desc="index add", file=sys.stderr, disable=args.quiet or not sys.stderr.isatty())

        def progress(r):
            bar.update(r.added + r.replaced + r.unchanged + len(r.problems) - bar.n)
            bar.set_postfix_str(r.summary(), refresh=False)

        if sharded:
            report = ix.add(docs(), replace=args.replace, progress=progress, engine=args.engine, address=args.address)
        elif args.engine == "ray":
            from unspin.trace.ray_sign import add_on_ray

            report = add_on_ray(ix, docs(), args.replace, args.workers, args.address, progress=progress)
        else:
            report = ix.add(docs(), replace=args.replace, progress=progress)
        progress(report)  # the last transaction (all of a small add) is counted too, not only full batches
        bar.close()
        report.problems = problems + report.problems
        shards = f" in {len(ix.shards)} shards" if sharded else ""
        print(f"{report.summary()}; index has {len(ix):,} documents{shards}")
        for doc_id, why in report.problems[:20]:
            print(f"unspin: skipped {printable(doc_id)}: {why}", file=sys.stderr)
        if len(report.problems) > 20:
            print(f"unspin: … and {len(report.problems) - 20:,} more skipped", file=sys.stderr)
        return 2 if report.problems else 0  # some input could not be used: exit 2, as `detect`


def cmd_index_stats(args: argparse.Namespace) -> int:
    from unspin.trace.index import TraceIndex

    st = TraceIndex.open(args.index).stats()
    if args.format == "json":
        print(json.dumps(st, ensure_ascii=False, indent=1))
        return 0
    s = st["settings"]
    print(f"index      {st['path']}\ndocuments  {st['documents']:,} ({st['characters']:,} characters)\n"
          f"postings   {st['postings']:,}\nsize       {st['bytes'] / 1e6:,.1f} MB\n"
          f"settings   shingle k={s['k']}, sample 1/{s['sample']}, raw sample "
          f"{'1/' + str(s['raw_sample']) if s.get('raw_sample') else 'off'}, masked vocabulary "
          f"{s['vocabulary_size']:,} words ({s['vocabulary_source']}), created {s['created']}")
    for sh in st.get("shards", []):
        print(f"shard      {sh['name']}: {sh['documents']:,} documents, {sh['postings']:,} postings, "
              f"{sh['bytes'] / 1e6:,.1f} MB")
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    from unspin.text.decode import read_input
    from unspin.trace.api import trace
    from unspin.trace.batch import Traced

    if args.top_k < 1 or args.workers < 1:
        raise InputError("--top-k and --workers must be at least 1")
    if args.queries is None and len(args.file) <= 1 and not any(os.path.isdir(f) for f in args.file):
        path = args.file[0] if args.file else "-"
        result = trace(read_input(path, args.encoding), args.index, top_k=args.top_k)
        _print_traced(Traced(path, result), args)
        return 0
    from tqdm import tqdm

    from unspin.trace.batch import read_files, read_queries, trace_many

    if args.queries and args.file:
        raise InputError("pass files or --queries, not both")
    queries = read_queries(args.queries) if args.queries else read_files(args.file, args.encoding)
    failed = 0
    with tqdm(unit=" queries", desc="trace", file=sys.stderr,
              disable=args.quiet or not sys.stderr.isatty()) as bar:
        for traced in trace_many(queries, args.index, args.top_k, args.workers):
            failed += traced.error is not None
            bar.update()
            bar.set_postfix_str(f"{failed} not traced", refresh=False)
            _print_traced(traced, args, batch=True)
    if failed:
        print(f"unspin: {failed:,} {'query' if failed == 1 else 'queries'} not traced (see their \"error\")",
              file=sys.stderr)
    return 2 if failed else 0  # some input could not be used: exit 2, as `detect`


def _print_traced(traced: Traced, args: argparse.Namespace, batch: bool = False) -> None:
    """One query's output: its JSON(L) record, or its text report (under a ``== id ==`` line in a batch)."""
    from unspin.text.decode import printable
    from unspin.trace.batch import to_record
    from unspin.trace.report import render

    if args.format == "jsonl" or (args.format == "json" and batch):
        print(json.dumps(to_record(traced), ensure_ascii=False), flush=batch)
    elif args.format == "json" and traced.result:
        print(json.dumps(traced.result.to_dict(), ensure_ascii=False))
    else:
        head = f"== {printable(traced.id)} ==\n" if batch else ""
        body = render(traced.result, full=args.full) if traced.result else f"not traced: {traced.error}"
        print(head + body + ("\n" if batch else ""), flush=batch)


def _learn_pages(args: argparse.Namespace) -> Counter:
    """``(spun, original) -> pages`` learned from ``--pages`` (each learned pair printed as TSV)."""
    from unspin.model import load_model
    from unspin.readers import read_pages
    from unspin.train.pages import learn_from_pages

    if args.min_pages < 1:
        raise InputError(f"--min-pages must be at least 1, not {args.min_pages}")
    pages = read_pages(args.pages, args.encoding)
    if not pages:
        raise InputError("--pages: no readable page", hint="pass .txt/.html/.jsonl files of one site's pages")
    learned = learn_from_pages(pages, load_model(args.model), min_pages=args.min_pages)
    for p in learned:
        print(f"{p.spun}\t{p.original}\t{p.pages}")
    print(f"{len(learned):,} pairs learned from {len(pages):,} pages", file=sys.stderr)
    return Counter({(p.spun, p.original): p.pages for p in learned})


def cmd_learn_pairs(args: argparse.Namespace) -> int:
    from unspin.trace.learn import learn_model, read_evidence

    refuse_package_folder("--out", args.out)
    if not args.evidence and not args.pages:
        raise InputError("nothing to learn from", hint="pass trace outputs / pair files, or --pages FILE...")
    pairs = read_evidence(args.evidence) if args.evidence else Counter()
    if args.pages:
        pairs.update(_learn_pages(args))
    summary = learn_model(pairs, args.out, args.model, args.min_count)
    print(f"{summary['pairs_seen']:,} observed pairs, {summary['pairs_learned']:,} learned "
          f"({summary['pairs_added']:,} new to the lexicon); model written to {args.out}")
    return 0
