"""The public 伪原创 spinner table, and its fixed held-out part.

``data/spinners/public-42537.tsv.gz`` is the "42537条伪原创词库" word list most Chinese
spinners descend from (redistributed in fighting41love/funNLP; converted to UTF-8 and
deduplicated: 24,564 ``original<TAB>spun`` pairs; see ``data/spinners/README.md``).

It is used three ways:

* as a candidate source for the restorer (``Source.PUBLIC``, spun -> original), known part only;
* to spin text the way real tools do, for training (known part) and evaluation (both parts);
* never as always-on replacement rules: most pairs are in the table in both directions.

The held-out part is fixed: 30% of the pairs by a hash of the *unordered* word pair, so
that ``A->B`` and ``B->A`` always fall on the same side (otherwise the reverse of a
held-out pair would leak it).  Nothing the shipped model learns from contains a held-out pair.

>>> known = table("known")
>>> heldout = table("heldout")
>>> any(o in heldout and s in heldout[o] for o, ss in known.items() for s in ss)
False
>>> is_heldout_pair("今年", "本年") == is_heldout_pair("本年", "今年")
True
"""

from __future__ import annotations

import gzip
import hashlib
from functools import cache
from pathlib import Path
from typing import Literal

TABLE_PATH = Path(__file__).resolve().parent.parent / "data" / "spinners" / "public-42537.tsv.gz"
HELDOUT_SHARE = 0.3
Part = Literal["all", "known", "heldout"]


def _digest(a: str, b: str) -> str:
    return hashlib.sha1("\t".join(sorted((a, b))).encode("utf-8")).hexdigest()


def is_heldout_pair(a: str, b: str) -> bool:
    """True when the pair ``{a, b}`` (either direction) is in the fixed held-out 30%."""
    return int(_digest(a, b)[:8], 16) % 1000 < HELDOUT_SHARE * 1000


def pair_bucket(a: str, b: str, n: int) -> int:
    """The pair ``{a, b}``'s bucket among ``n`` (other hash bits than the held-out split, so the
    buckets cut across it): training hides one bucket of pairs at a time."""
    return int(_digest(a, b)[8:16], 16) % n


def read_table(path: str | Path) -> list[tuple[str, str]]:
    """``(original, spun)`` pairs from a spinner table file.

    Accepts ``original<TAB>spun`` or ``original→spun`` lines (UTF-8, GBK or Big5,
    optionally gzipped); ``#`` lines, blank lines and identical pairs are skipped.
    """
    from unspin.errors import InputError
    from unspin.text.decode import decode_bytes

    p = Path(path)
    if not p.is_file():
        raise InputError(f"spinner table not found: {p}", hint="pass a file of original<TAB>spun lines")
    data = p.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    pairs: dict[tuple[str, str], None] = {}
    for line in decode_bytes(data).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        sep = "\t" if "\t" in line else "→" if "→" in line else None
        if sep is None:
            continue
        a, b = (x.strip() for x in line.split(sep)[:2])
        if a and b and a != b:
            pairs.setdefault((a, b))
    if not pairs:
        raise InputError(f"no original<TAB>spun pairs in {p}", hint="one pair a line: original<TAB>spun")
    return list(pairs)


@cache
def _pairs() -> tuple[tuple[str, str], ...]:
    return tuple(read_table(TABLE_PATH))


def pairs(part: Part = "all") -> list[tuple[str, str]]:
    """``(original, spun)`` pairs of the shipped public table: ``all``, ``known`` or ``heldout``."""
    rows = _pairs()
    if part == "all":
        return list(rows)
    want = part == "heldout"
    return [(o, s) for o, s in rows if is_heldout_pair(o, s) == want]


def table(part: Part = "all", rows: list[tuple[str, str]] | None = None) -> dict[str, list[str]]:
    """``original -> [spun, ...]`` (a spinner picks one per document) for a part of the table."""
    out: dict[str, list[str]] = {}
    for o, s in rows if rows is not None else pairs(part):
        out.setdefault(o, []).append(s)
    return out
