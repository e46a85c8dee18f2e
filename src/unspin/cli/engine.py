"""``unspin restore``, ``unspin detect``, ``unspin train`` and ``unspin eval``."""

from __future__ import annotations

import argparse
import json
import sys

from unspin.cli.common import add_model_options, engine_kwargs
from unspin.errors import UnspinError
from unspin.result import DEFAULT_THRESHOLD


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("restore", help="put back the original wording of a spun text")
    p.add_argument("file", nargs="?", default="-", help="text file, or - for standard input")
    p.add_argument("--format", choices=["text", "json"], default="text")
    add_model_options(p)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("detect", help="score how likely each input is spun")
    p.add_argument("files", nargs="+", metavar="FILE", help="text files, or - for standard input")
    p.add_argument("--format", choices=["table", "jsonl"], default="table")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                   help=f"label 'spun' at or above this probability (default {DEFAULT_THRESHOLD})")
    p.add_argument("--evidence", type=int, default=5, help="evidence edits per record (default 5)")
    add_model_options(p)
    p.set_defaults(func=cmd_detect)

    p = sub.add_parser("train", help="build a model (default: from registry data only)")
    p.add_argument("--corpus", nargs="+", metavar="FILE", help="your clean corpus: .txt, .jsonl, .gz, folders")
    p.add_argument("--text-field", default="text", help="JSONL field holding the text (default: text)")
    p.add_argument("--out", default=None, help="model folder to write (default: the built-in model)")
    p.add_argument("--max-docs", type=int, default=5000, help="training documents (default 5000)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--lm", metavar="PATH", help="KenLM model (default: libime zh_CN.lm)")
    p.add_argument("--base-model", metavar="PATH", help="with --corpus: model whose lexicon to start from")
    p.add_argument("--rebuild-lexicon", action="store_true", help="with --corpus: rebuild the lexicon too")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("eval", help="measure restore and detect on held-out text spun with real spinner tables")
    p.add_argument("--corpus", nargs="+", metavar="FILE", help="clean held-out text (default: registry held-out part)")
    p.add_argument("--text-field", default="text")
    p.add_argument("--table", nargs="+", default=[], metavar="FILE",
                   help="also spin with these spinner tables (original<TAB>spun or original→spun lines)")
    p.add_argument("--spin-mode", choices=["chars", "words"], default="chars",
                   help="real-table spinners match raw characters like string-replacing tools (default) or jieba words")
    p.add_argument("--no-thesaurus", action="store_true", help="skip the thesaurus spinner (first-round eval)")
    p.add_argument("--docs", type=int, default=200, help="documents per setting (default 200)")
    p.add_argument("--rates", default="0.5,0.8", help="spin rates r (default 0.5,0.8)")
    p.add_argument("--lengths", default="100,300,500,1500", help="document lengths in characters")
    p.add_argument("--holdout", type=float, default=0.3,
                   help="thesaurus spinner: share of its pairs removed from the restorer's lexicon")
    p.add_argument("--json", metavar="FILE", help="write the report as JSON")
    p.add_argument("--markdown", metavar="FILE", help="write the report as Markdown")
    p.add_argument("--seed", type=int, default=7)
    add_model_options(p)
    p.set_defaults(func=cmd_eval)


def cmd_restore(args: argparse.Namespace) -> int:
    from unspin.api import restore
    from unspin.text.decode import read_input

    text = read_input(args.file, args.encoding)
    result = restore(text, **engine_kwargs(args))
    if args.format == "json":
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(result.restored)
    return 0


def cmd_detect(args: argparse.Namespace) -> int:
    from unspin.api import detect
    from unspin.text.decode import read_input

    kwargs = engine_kwargs(args)
    failures = 0
    if args.format == "table":
        print(f"{'spin_p':>7}  {'label':<8} {'chars':>7}  path / evidence")
    for path in args.files:
        try:
            result = detect(read_input(path, args.encoding), **kwargs)
        except UnspinError as exc:
            failures += 1
            print(f"unspin: error: {path}: {exc}", file=sys.stderr)
            continue
        result.threshold = args.threshold
        rec = result.detect_record(path, args.evidence)
        if args.format == "jsonl":
            print(json.dumps(rec, ensure_ascii=False))
        else:
            ev = ", ".join(f"{e['spun']}→{e['original']}" for e in rec["evidence"])
            print(f"{rec['spin_probability']:7.3f}  {rec['label']:<8} {rec['chars']:7d}  {path}  {ev}")
    return 2 if failures else 0


def cmd_train(args: argparse.Namespace) -> int:
    from unspin.errors import InputError
    from unspin.model import DEFAULT_MODEL_DIR
    from unspin.train.build import train

    if args.corpus and not args.out:
        raise InputError("--corpus needs --out DIR", hint="the built-in model is rebuilt only from registry data")
    base = None
    if args.corpus and not args.rebuild_lexicon:
        from unspin.model import load_model

        base = load_model(args.base_model).lexicon
    train(args.out or str(DEFAULT_MODEL_DIR), corpus=args.corpus, text_field=args.text_field,
          max_docs=args.max_docs, seed=args.seed, lm_path=args.lm, base_lexicon=base,
          progress=lambda m: print(m, file=sys.stderr))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from unspin.evaluate import evaluate, to_markdown

    report = evaluate(
        model_path=args.model, corpus=args.corpus, text_field=args.text_field, docs=args.docs,
        rates=[float(x) for x in args.rates.split(",")], lengths=[int(x) for x in args.lengths.split(",")],
        holdout=args.holdout, seed=args.seed, tables=args.table, mode=args.spin_mode,
        thesaurus=not args.no_thesaurus, progress=lambda m: print(m, file=sys.stderr),
    )
    md = to_markdown(report)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, ensure_ascii=False, indent=1)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(md)
    print(md)
    return 0
