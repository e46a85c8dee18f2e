"""``unspin learn-pairs``: fold a spinner's observed swaps into a copy of a model.

Evidence is read from ``unspin trace --format json`` outputs (every match's
``substitutions``), from ``unspin scan --index --learn`` records (``origin.substitutions``)
and from user TSV files (``spun<TAB>original[<TAB>count]``).  Pairs
seen at least ``min_count`` times are added to the lexicon as :attr:`Source.LEARNED`,
which the decoder trusts like user pairs.

>>> from unspin.lexicon import Lexicon
>>> lex = fold_pairs(Lexicon(), Counter({("本年", "今年"): 3, ("之", "的"): 1}), min_count=2)
>>> [(c.word, c.sources) for c in lex.candidates("本年")], "之" in lex
([('今年', 16)], False)
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

from unspin.errors import InputError
from unspin.lexicon import Lexicon, Source
from unspin.model import DEFAULT_MODEL_DIR, load_model
from unspin.text.decode import MAX_SIDE_BYTES, decode_bytes, han_count, read_limited


def read_evidence(paths: list[str | Path]) -> Counter[tuple[str, str]]:
    """``(spun, original) -> count`` from trace JSON (or JSONL) outputs and TSV pair files."""
    pairs: Counter[tuple[str, str]] = Counter()
    for p in map(Path, paths):
        if not p.is_file():
            raise InputError(f"no such file: {p}")
        text = decode_bytes(read_limited(p, MAX_SIDE_BYTES, "evidence file"))
        found = _from_json(text, p) if text.lstrip().startswith("{") else _from_tsv(text, p)
        if not found:
            raise InputError(f"{p}: no substitution pairs found",
                             hint="pass `unspin trace --format json` outputs or spun<TAB>original lines")
        pairs.update(found)
    return pairs


def _from_json(text: str, p: Path) -> Counter[tuple[str, str]]:
    out: Counter[tuple[str, str]] = Counter()
    for n, line in enumerate(text.splitlines() if "\n{" in text.strip() else [text], 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if "matches" not in obj and "origin" in obj:  # a record of `unspin scan --index --learn`
                matches = [obj["origin"]] if obj["origin"] and "substitutions" in obj["origin"] else []
            else:
                matches = obj["matches"]
            for m in matches:
                for s in m["substitutions"]:
                    out[(str(s["spun"]), str(s["original"]))] += int(s.get("count", 1))
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{p}:{n}: not an `unspin trace --format json` or `unspin scan --index --learn` "
                             f"output ({exc})") from None
    return out


def _from_tsv(text: str, p: Path) -> Counter[tuple[str, str]]:
    out: Counter[tuple[str, str]] = Counter()
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = [c.strip() for c in line.split("\t")]
        if len(cols) < 2 or not cols[0] or not cols[1]:
            raise InputError(f"{p}:{n}: expected spun<TAB>original[<TAB>count]")
        count = cols[2] if len(cols) > 2 else "1"
        if not count.isdigit():
            raise InputError(f"{p}:{n}: count {count!r} is not a whole number")
        out[(cols[0], cols[1])] += int(count)
    return out


def fold_pairs(lexicon: Lexicon, pairs: Counter[tuple[str, str]], min_count: int = 1) -> Lexicon:
    """A copy of ``lexicon`` with every Chinese pair seen ``min_count`` times added as LEARNED."""
    out = lexicon.copy()
    for (spun, original), n in pairs.items():
        if _foldable(spun, original, n, min_count):
            out.add(spun, original, Source.LEARNED)
    return out


def _foldable(spun: str, original: str, n: int, min_count: int) -> bool:
    """A pair seen ``n`` times is folded in: often enough, two different Chinese words."""
    return n >= min_count and spun != original and bool(han_count(spun)) and bool(han_count(original))


def learn_model(pairs: Counter[tuple[str, str]], out: str | Path, base: str | Path | None = None,
                min_count: int = 1) -> dict:
    """Write a copy of model ``base`` to ``out`` with ``pairs`` folded in; return a summary.

    Pairs the base model's meaning guard calls reversals are left out.  The base model is
    loaded (format and checksums verified) and the copy is written by
    :meth:`Model.save`: no file of the base is copied as is.  The copy is built in
    ``OUT.partial`` and renamed; an existing ``OUT.partial`` is refused, never deleted.
    """
    src, dst = Path(base) if base else DEFAULT_MODEL_DIR, Path(out)
    if dst.exists() and not dst.is_dir():
        raise InputError(f"{dst} is a file", hint="pass a new folder to --out")
    if dst.exists() and any(dst.iterdir()):
        raise InputError(f"{dst} exists and is not empty", hint="pass a new folder to --out")
    if dst.resolve() == src.resolve():
        raise InputError("--out must differ from the base model")
    tmp = dst.with_name(dst.name + ".partial")
    if tmp.exists():
        raise InputError(f"{tmp} exists (left by an interrupted run?)",
                         hint="remove it yourself, or pass another folder to --out")
    model = load_model(src)
    # a proof shows a reversing swap (上面 -> 下面) on its own copy; applied elsewhere it would turn
    # natural words into their opposites: the model's meaning guard keeps such pairs out
    safe = Counter({k: n for k, n in pairs.items() if not model.guard.reverses(*k)})
    learned = fold_pairs(model.lexicon, safe, min_count)
    summary = {"base": str(src), "pairs_seen": len(pairs), "min_count": min_count,
               "pairs_refused_by_guard": len(pairs) - len(safe),
               "pairs_learned": sum(_foldable(*k, n, min_count) for k, n in safe.items()),
               "pairs_added": len(learned) - len(model.lexicon)}
    prior = model.meta.get("learned")
    meta = {**model.meta, "learned": [*(prior if isinstance(prior, list) else []), summary]}
    try:
        replace(model, lexicon=learned, path=dst).save(tmp, meta)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # created by this run (it did not exist above)
        raise
    if dst.exists():
        dst.rmdir()
    tmp.rename(dst)
    return summary
