"""The terminal view of a :class:`TraceResult`: sources, passage pairs with swaps marked, tables.

>>> from unspin.trace.align import Passage
>>> from unspin.trace.swaps import Substitution
>>> from unspin.trace.api import Match, TraceResult
>>> q = "雷军说本年要交给新车。"
>>> m = Match("a1", 0.9, 1.0, [Passage(0, 11, 0, 11)], [Substitution(3, 5, "本年", "今年")], "雷军说今年要交给新车。",
...           {"title": "雷军谈交付", "date": "2024-03-01", "url": "https://example.com/a1"})
>>> print(render(TraceResult(q, [m])))
1. a1  score 0.90  coverage 100%  1 passage, 1 swap
   雷军谈交付  2024-03-01  https://example.com/a1
   query  0-11  雷军说[本年→今年]要交给新车。
   source 0-11  雷军说今年要交给新车。
   swaps: 本年→今年 ×1
"""

from __future__ import annotations

from unspin.text.decode import printable
from unspin.trace.api import Match, TraceResult
from unspin.trace.index import MAX_DOC_CHARS
from unspin.trace.swaps import Substitution


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _swaps(m: Match) -> str:
    """``57 swaps (39 distinct pairs)``: every occurrence, and the distinct (spun, original) pairs when
    fewer (the names the web page and the ``detect``/``restore`` outputs use too)."""
    pairs = len({(s.spun, s.original) for s in m.swaps})
    return _plural(len(m.swaps), "swap") + (f" ({_plural(pairs, 'distinct pair')})" if pairs < len(m.swaps) else "")


def _clip(text: str, width: int) -> str:
    """One line of at most ``width`` characters, terminal escapes shown escaped."""
    return printable(text.replace("\n", " ").strip(), width - 1)


def marked(text: str, start: int, end: int, swaps: list[Substitution]) -> str:
    """``text[start:end]`` with every swap inside shown as ``[spun→original]``."""
    out, pos = [], start
    for s in sorted(swaps, key=lambda s: s.start):
        if start <= s.start and s.end <= end:
            out += [text[pos : s.start], f"[{s.spun}→{s.original}]"]
            pos = s.end
    out.append(text[pos:end])
    return "".join(out)


def meta_line(meta: dict[str, str], width: int = 160) -> str | None:
    """Title, date, url, then the other fields (``key: value``) of a source, on one line."""
    known = [meta[k] for k in ("title", "date", "url") if k in meta]
    rest = [f"{k}: {v}" for k, v in meta.items() if k not in ("title", "date", "url")]
    return _clip("  ".join(known + rest), width) if meta else None


def render_match(rank: int, m: Match, query: str, width: int = 160, max_passages: int = 8) -> list[str]:
    """The lines of one match; ``width`` clips passages (0: full), ``max_passages`` (0: all)."""
    lines = [f"{rank}. {printable(m.id)}  score {m.score:.2f}  coverage {m.coverage:.0%}  "
             f"{_plural(len(m.passages), 'passage')}, {_swaps(m)}"]
    about = meta_line(m.meta)
    if about:
        lines.append(f"   {about}")
    width = width or MAX_DOC_CHARS
    max_passages = max_passages or len(m.passages)
    for p in m.passages[:max_passages]:
        lines.append(f"   query  {p.query_start}-{p.query_end}  "
                     f"{_clip(marked(query, p.query_start, p.query_end, m.swaps), width)}")
        lines.append(f"   source {p.source_start}-{p.source_end}  "
                     f"{_clip(m.source_text[p.source_start : p.source_end], width)}")
    if len(m.passages) > max_passages:
        lines.append(f"   … {len(m.passages) - max_passages} more passages (see --full or --format json)")
    if m.swaps:
        table = ", ".join(f"{a}→{b} ×{n}" for a, b, n in m.substitution_counts()[:30])
        lines.append(f"   swaps: {table}")
    return lines


def render(result: TraceResult, full: bool = False) -> str:
    """The ``unspin trace --format text`` report; ``full``: every passage, uncut."""
    if not result.matches:
        return "no source found in the index" + (f": {printable(result.miss, 2000)}" if result.miss else "")
    limits = {"width": 0, "max_passages": 0} if full else {}
    blocks = ["\n".join(render_match(i, m, result.text, **limits)) for i, m in enumerate(result.matches, 1)]
    return "\n\n".join(blocks)
