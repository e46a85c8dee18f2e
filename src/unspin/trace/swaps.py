"""The swaps a copier's spinner made, read off an aligned sentence pair (spun → original).

:mod:`unspin.trace.align` pairs a query's sentences with its source's; inside each pair a
character-level diff finds where the two differ, and each differing stretch is read as the
likeliest mix of shared text, word swaps and one-sided text by a small dynamic programme
(:func:`_solve`), whose costs prefer plain swaps of common words over garbles and rare pairs.
A document's pairs are solved together: a spinner writes one fixed replacement per word.

>>> [(s.start, s.spun, s.original) for s in word_swaps("本年要交给汽车", "今年要交付汽车")]
[(0, '本年', '今年'), (3, '交给', '交付')]
"""

from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

import numpy as np

from unspin.text.decode import han_count
from unspin.text.script import to_simplified
from unspin.text.segment import tokenize, word_freq

_MAX_SWAP_CHARS = 6


@dataclass(frozen=True, slots=True)
class Substitution:
    """One swap seen at ``[start, end)`` of the query."""

    start: int
    end: int
    spun: str
    original: str
    cost: float = 0.0
    """How far-fetched the reading is (see :func:`_swap_cost`): about 0.3 for a plain swap of two
    common words, 2 and more for garbles and for pairs of rare words."""


def word_swaps(spun: str, original: str, offset: int = 0) -> list[Substitution]:
    """The spinner's swaps between an aligned spun sentence and its source sentence.

    A character-level diff finds where the two differ; each differing stretch, with a few
    shared characters either side, is then read as the likeliest mix of shared text, word
    swaps and one-sided text (see :func:`_solve`).  So a swap inside a longer word (局部 in
    jieba's 局部利益), a garbled replacement that changes the length (表示 → 透露表现) and two
    adjacent swaps each come out as the spinner made them, and text only one side has (a
    clause the copier dropped or added) is no swap.

    >>> [(s.start, s.spun, s.original) for s in word_swaps("本年要交给汽车", "今年要交付汽车")]
    [(0, '本年', '今年'), (3, '交给', '交付')]
    >>> [(s.spun, s.original) for s in word_swaps("维护部分利益", "维护局部利益")]
    [('部分', '局部')]
    >>> [(s.spun, s.original) for s in word_swaps("他透露表现赞成", "他表示赞成")]
    [('透露表现', '表示')]
    >>> [(s.spun, s.original) for s in word_swaps("会议强调，要增强管理。", "会议强调，在新的一年里，要加强管理。")]
    [('增强', '加强')]
    """
    return document_swaps([(spun, original, offset)])


def document_swaps(pairs: list[tuple[str, str, int]]) -> list[Substitution]:
    """The swaps of every ``(spun sentence, source sentence, offset of the spun one)`` pair of one document.

    A spinner writes one fixed replacement per word, so the pairs are solved twice: the
    second time, a pair the first pass read in other places of the document costs less
    (:data:`_SUPPORT`), which settles stretches whose reading was a close call.  Alone,
    不克不及够 against 不能够 reads as well as 能够 → 克不及够 (jieba cuts 不|能够); the same
    garble elsewhere in the document decides it:

    >>> [(s.spun, s.original) for s in word_swaps("他不克不及够参加。", "他不能够参加。")]
    [('克不及够', '能够')]
    >>> pairs = [("他不克不及够参加。", "他不能够参加。", 0), ("这件事不克不及再拖。", "这件事不能再拖。", 9)]
    >>> [(s.start, s.spun, s.original) for s in document_swaps(pairs)]
    [(1, '不克不及', '不能'), (12, '不克不及', '不能')]
    """
    stretches = [st for spun, original, offset in pairs for st in _stretches(spun, original, offset)]
    first = _solved(stretches)
    seen = Counter(st.pair(w) for st, sol in zip(stretches, first, strict=True) for w in sol)
    out: list[Substitution] = []
    for st, sol in zip(stretches, first, strict=True):
        own = Counter(st.pair(w) for w in sol)
        support = {p: n - own[p] for p, n in seen.items()
                   if p[0] in st.spun and p[1] in st.original and n > own[p]}
        if any(p not in own for p in support):
            sol = _solved([st], frozenset(support.items()))[0]
        else:  # the first reading only gains: it stands
            sol = [(*w[:4], max(_MIN_SWAP_COST, w[4] - _SUPPORT * min(2, support.get(st.pair(w), 0)))) for w in sol]
        for i1, i2, j1, j2, c in sol:
            if out and st.start + i1 < out[-1].end and out[-1].start < st.start + i2:
                continue  # two stretches' shared context, taken by the first
            if c < MAX_SWAP_COST and _plausible_swap(st.spun[i1:i2], st.original[j1:j2]):
                out.append(Substitution(st.start + i1, st.start + i2, st.raw[i1:i2], st.original[j1:j2], round(c, 3)))
    return out


def _plausible_swap(spun: str, original: str) -> bool:
    return (spun != original and MIN_SPUN_CHARS <= len(spun) <= _MAX_SWAP_CHARS
            and MIN_SWAP_CHARS <= len(original) <= _MAX_SWAP_CHARS
            and han_count(spun) == len(spun) and han_count(original) == len(original))


MERGE_GAP = 2
"""Differing stretches of a sentence pair this few shared characters apart are read together:
a garbled swap can keep a character of the original (表示 → 透露表现 keeps 表)."""
CONTEXT = 2
"""Shared characters on either side of a differing stretch a swap may take in (比较 → 比力
differs in 较 only; the swap is the word)."""
MIN_SWAP_CHARS = 2
"""Spinners swap words: the original of a swap has at least this many characters ..."""
MIN_SPUN_CHARS = 1
"""... and its spun side at least one (以及 → 和), at a cost (:data:`_COST_ONE_CHARACTER`)."""
MAX_LENGTH_CHANGE = 3
"""Most characters a swap adds or removes (不能 → 不克不及 adds two)."""
MAX_ORIGINAL_CHARS = 4
"""Longest original a swap is read for (longer ones are 0.3% of the public table's pairs)."""
_MAX_WINDOW = 80
"""A differing stretch longer than this is a rewrite, not a spin: no swaps are read from it."""

# Costs of a reading of a differing stretch (lower is likelier; see :func:`_solve`).
_COST_SWAP = 0.3
"""Each swap."""
_COST_ADJACENT = 0.5
"""A swap right after another: runs of adjacent swaps are short in spun text, so a long run of
"swaps" with nothing shared is text the copier replaced, read as one-sided text instead."""
_COST_RARE_ORIGINAL = 1.0
"""Times the original's rarity (0 for a common jieba word, 1 for a non-word): spinners swap words."""
_COST_RARE_SPUN = 0.7
"""Times the spun side's rarity (garbles such as 不克不及 are not words)."""
_COST_ONE_CHARACTER = 0.5
"""A one-character spun side (0.3% of the swaps in development spins)."""
_COST_BOTH_RARE = 1.5
"""Times the product of both rarities: a swap of a non-word for a non-word is rarely a spinner's
(0.15% of the swaps in development spins), more often text the copier changed."""
_COST_LENGTH = (0.0, 1.6, 1.0, 2.0)
"""By characters the swap adds or removes: 96% of the public table's pairs keep the length, and a
garble more often doubles a two-character word (不能 → 不克不及) than adds one character."""
_COST_ORIGINAL_LENGTH = (0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 2.0)
"""By the original's length: nearly all swapped words have two characters, so two two-character
swaps (充分发挥 → 充实阐扬 is 充分 → 充实 and 发挥 → 阐扬) beat one four-character swap of non-words."""
_COST_SHARED = (0.0, -0.2, 0.1, 0.4, 0.7, 1.0, 1.3)
"""By characters both sides share at their ends: synonyms often share one (会见 → 会面), but a swap
stretches further past the difference only as needed."""
_COST_SPLIT = 0.3
"""Per end of the original falling inside a word of the source sentence (jieba's words, long
ones cut into their dictionary parts)."""
_COST_GAP_OPEN = 3.5
"""Text only one side has (the copier added or dropped it; no swap), per stretch of it ..."""
_COST_GAP_CHAR = 0.05
"""... and per character."""
_CLAUSE_GAP = 1.5
"""Less cost for one-sided text ending in a clause mark: copiers add and drop whole clauses."""
_CLAUSE_MARKS = frozenset("，、；：,;:。！？!?（）()“”\"")
_SUPPORT = 1.0
"""Less cost per other place of the document read as the same pair (at most two)."""
_MIN_SWAP_COST = 0.05
_BAND = 0
"""Swaps are tried only where the offset between the two sides lies between the stretch's offsets
at its two ends, widened by this much (wider bands changed no reading of the development spins)."""
MAX_SWAP_COST = 3.0
"""A swap costing this much or more is not reported: the reading needs it, but so unlikely a swap
is more often text the copier changed (on development spins, four in five such were wrong)."""


@dataclass(frozen=True, slots=True)
class _Stretch:
    """A differing stretch of an aligned sentence pair, with up to :data:`CONTEXT` shared characters each side."""

    spun: str
    """The spun side, Simplified."""
    raw: str
    """The spun side as written."""
    original: str
    start: int
    """Offset of the spun side in the query."""
    bounds: frozenset[int]
    """Word boundaries of the source sentence (see :func:`_word_bounds`), as offsets into ``original``."""

    def pair(self, swap: tuple[int, int, int, int]) -> tuple[str, str]:
        return self.spun[swap[0] : swap[1]], self.original[swap[2] : swap[3]]


def _word_bounds(text: str) -> set[int]:
    """Word boundaries of ``text``: jieba's, and inside a long word where it tiles into dictionary words.

    >>> sorted(_word_bounds("充分发挥作用"))
    [0, 2, 4, 6]
    """
    out = {len(text)}
    for t in tokenize(text):
        out.add(t.start)
        pos = t.start
        while pos < t.end and t.end - t.start >= 3:
            ends = [q for q in range(min(t.end, pos + _MAX_SWAP_CHARS), pos + 1, -1)
                    if (q < t.end or pos > t.start) and word_freq(text[pos:q])]
            if not ends:
                break
            pos = ends[0]
            out.add(pos)
    return out


def _stretches(spun: str, original: str, offset: int) -> list[_Stretch]:
    """The differing stretches of one aligned sentence pair (character-level diff)."""
    simple = to_simplified(spun)
    groups: list[list[int]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, simple, original, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if groups and i1 - groups[-1][1] <= MERGE_GAP:
            groups[-1][1], groups[-1][3] = i2, j2
        else:
            groups.append([i1, i2, j1, j2])
    if not groups:
        return []
    cuts = _word_bounds(original)
    out = []
    for g, (i1, i2, j1, j2) in enumerate(groups):
        left = min(CONTEXT, i1 - (groups[g - 1][1] if g else 0))
        right = min(CONTEXT, (groups[g + 1][0] if g + 1 < len(groups) else len(simple)) - i2)
        a, b, c, d = i1 - left, i2 + right, j1 - left, j2 + right
        if max(b - a, d - c) > _MAX_WINDOW:
            continue
        out.append(_Stretch(simple[a:b], spun[a:b], original[c:d], offset + a,
                            frozenset(x - c for x in cuts if c <= x <= d)))
    return out


@lru_cache(maxsize=1 << 16)
def _rarity(word: str) -> float:
    """0 for a word jieba has seen 1,000 times or more, 1 for a non-word (log scale between)."""
    return 1.0 - min(1.0, math.log10(word_freq(word) + 1) / 3)


def _swap_cost(s: str, o: str, splits: int) -> float:
    """Cost of reading spun ``s`` as a swap of ``o`` with ``splits`` ends inside a word of the source.

    >>> round(_swap_cost("本年", "今年", 0), 2), round(_swap_cost("不克不及", "不能", 1), 2)
    (0.35, 2.1)
    """
    limit = min(len(s), len(o))
    shared = 0
    while shared < limit and s[shared] == o[shared]:
        shared += 1
    tail = 0
    while tail < limit - shared and s[-1 - tail] == o[-1 - tail]:
        tail += 1
    return _pair_cost(_rarity(s), _rarity(o), len(s), len(o), shared + tail, splits)


def _pair_cost(rare_spun: float, rare_original: float, m: int, k: int, shared: int, splits: int) -> float:
    """:func:`_swap_cost` from its parts: rarities, lengths, shared end characters, split ends."""
    return max(_MIN_SWAP_COST, float(_cost_terms(rare_spun, rare_original, m, k, shared, splits)))


def _cost_terms(rare_spun: float | np.ndarray, rare_original: float | np.ndarray, m: int | np.ndarray,
                k: int | np.ndarray, shared: int | np.ndarray, splits: int | np.ndarray) -> float | np.ndarray:
    """The sum of a swap's cost terms (:func:`_pair_cost` before its floor), term by term in this order
    for numbers and numpy arrays alike (the same floats)."""
    return (_COST_SWAP + _COST_RARE_ORIGINAL * rare_original + _COST_RARE_SPUN * rare_spun
            + _COST_BOTH_RARE * rare_original * rare_spun + _TERMS["one"][m] + _TERMS["length"][abs(m - k)]
            + _TERMS["original"][k] + _TERMS["shared"][shared] + _COST_SPLIT * splits)


_TERMS = {name: np.array(values) for name, values in (
    ("one", [_COST_ONE_CHARACTER * (m == 1) for m in range(_MAX_SWAP_CHARS + 1)]), ("length", _COST_LENGTH),
    ("original", _COST_ORIGINAL_LENGTH), ("shared", _COST_SHARED))}
"""The cost terms looked up by a length or by shared characters."""


@lru_cache(maxsize=1 << 14)
def _is_han(c: str) -> bool:
    return han_count(c) == 1


def _han_runs(text: str) -> list[int]:
    """For each position, how many Han characters start there in a row."""
    runs = [0] * (len(text) + 1)
    for i in range(len(text) - 1, -1, -1):
        runs[i] = runs[i + 1] + 1 if _is_han(text[i]) else 0
    return runs


def _common_runs(s: str, o: str) -> tuple[list[int], list[int]]:
    """``(ahead, behind)``: how many characters ``s`` and ``o`` have in common from ``(i, j)`` on (at
    ``i * (len(o) + 2) + j``), and up to ``(i, j)`` (at ``i * (len(o) + 1) + j``), visiting only the
    pairs of equal characters."""
    n, p = len(s), len(o)
    at: dict[str, list[int]] = {}
    for j, c in enumerate(o):
        at.setdefault(c, []).append(j)
    ahead, behind = [0] * ((n + 2) * (p + 2)), [0] * ((n + 1) * (p + 1))
    for i in range(n - 1, -1, -1):
        row = i * (p + 2)
        for j in at.get(s[i], ()):
            ahead[row + j] = ahead[row + p + 3 + j] + 1
    for i in range(1, n + 1):
        row = i * (p + 1)
        for j in at.get(s[i - 1], ()):
            behind[row + j + 1] = behind[row - p - 1 + j] + 1
    return ahead, behind


_SWAP_LENGTHS = np.array([(m, k) for m in range(MIN_SPUN_CHARS, _MAX_SWAP_CHARS + 1)
                          for k in range(max(MIN_SWAP_CHARS, m - MAX_LENGTH_CHANGE),
                                         min(MAX_ORIGINAL_CHARS, m + MAX_LENGTH_CHANGE) + 1)], dtype=np.int64).T
"""``(spun lengths, original lengths)`` of every swap shape, by spun then original length."""
_Moves = tuple[list[int], list[int], list[float]]


def _rarities(text: str, runs: list[int], shortest: int, longest: int) -> list[float]:
    """:func:`_rarity` of ``text[i : i + m]`` at ``i * (longest + 1) + m``, for the ``shortest`` to
    ``longest`` Han characters from each position (0 elsewhere)."""
    out = [0.0] * (len(text) * (longest + 1))
    for i, run in enumerate(runs[:-1]):
        row = i * (longest + 1)
        for m in range(shortest, min(longest, run) + 1):
            out[row + m] = _rarity(text[i : i + m])
    return out


def _swap_moves(stretches: list[_Stretch], support: dict[tuple[str, str], int]) -> list[_Moves]:
    """The swaps that may start in each cell ``x = i * (len(original) + 1) + j`` of :func:`_solve`'s table,
    for every stretch at once (one numpy pass, whatever their number): per stretch ``(first, after,
    cost)``, where ``first[x] : first[x + 1]`` index those of cell ``x`` (by spun, then original length)
    in ``after``, the cell after the swap, and in ``cost``, what it costs.

    The costs are :func:`_pair_cost`'s (:func:`_cost_terms` on arrays: the same floats), less
    :data:`_SUPPORT` per other place of the document a pair is read in (``support``)."""
    flat: dict[str, list] = {name: [] for name in ("run_s", "run_o", "rare_s", "rare_o", "ahead", "behind", "split")}
    starts: dict[str, list[int]] = {name: [] for name in flat}
    cells, widths, band = [0], [], []
    for g, st in enumerate(stretches):
        s, o = st.spun, st.original
        n, p = len(s), len(o)
        run_s, run_o = _han_runs(s), _han_runs(o)
        ahead, behind = _common_runs(s, o)
        tables = {  # row-major: rare_s[i][m], rare_o[j][k], ahead[i][j], behind[i][j]
            "run_s": run_s, "run_o": run_o, "split": [x not in st.bounds for x in range(p + 1)],
            "rare_s": _rarities(s, run_s, MIN_SPUN_CHARS, _MAX_SWAP_CHARS),
            "rare_o": _rarities(o, run_o, MIN_SWAP_CHARS, MAX_ORIGINAL_CHARS), "ahead": ahead, "behind": behind}
        for name, values in tables.items():
            starts[name].append(len(flat[name]))
            flat[name].extend(values)
        low_diag, high_diag = min(0, p - n) - _BAND, max(0, p - n) + _BAND
        band.extend((g, i, j) for i in range(n) if run_s[i] >= MIN_SPUN_CHARS
                    for j in range(max(0, i + low_diag), min(p, i + high_diag + 1)) if run_o[j] >= MIN_SWAP_CHARS)
        cells.append(cells[-1] + (n + 1) * (p + 1))
        widths.append(p + 1)
    values = {name: np.array(v) for name, v in flat.items()}
    offsets = {name: np.array(v, dtype=np.int64) for name, v in starts.items()}

    def at(name: str, g: np.ndarray, index: np.ndarray) -> np.ndarray:
        """``index`` into each stretch ``g``'s table ``name``."""
        return values[name][offsets[name][g] + index]

    shapes = _SWAP_LENGTHS.shape[1]
    g, i, j = np.array(band, dtype=np.int64).reshape(-1, 3).repeat(shapes, axis=0).T
    m, k = np.tile(_SWAP_LENGTHS, len(band))
    width = np.array(widths, dtype=np.int64)[g]
    head = at("ahead", g, i * (width + 1) + j)
    ok = (m <= at("run_s", g, i)) & (k <= at("run_o", g, j)) & ~((head >= m) & (m == k))  # not the same text
    g, i, j, m, k, head, width = g[ok], i[ok], j[ok], m[ok], k[ok], head[ok], width[ok]
    rare_o = at("rare_o", g, j * (MAX_ORIGINAL_CHARS + 1) + k)
    rare_s = at("rare_s", g, i * (_MAX_SWAP_CHARS + 1) + m)
    limit = np.minimum(m, k)
    shared = np.minimum(head, limit)
    shared += np.minimum(at("behind", g, (i + m) * width + j + k), limit - shared)
    splits = at("split", g, j).astype(np.int64) + at("split", g, j + k)
    costs = np.maximum(_MIN_SWAP_COST, _cost_terms(rare_s, rare_o, m, k, shared, splits)).tolist()
    if support:
        for e, (a, b, c, d, h) in enumerate(zip(*(v.tolist() for v in (g, i, m, j, k)), strict=True)):
            if (pair := (stretches[a].spun[b : b + c], stretches[a].original[d : d + h])) in support:
                costs[e] = max(_MIN_SWAP_COST, costs[e] - _SUPPORT * min(2, support[pair]))
    x = i * width + j
    first = np.searchsorted(np.array(cells[:-1], dtype=np.int64)[g] + x, np.arange(cells[-1] + 1)).tolist()
    after = (x + m * width + k).tolist()
    return [(first[a : b + 1], after, costs) for a, b in zip(cells, cells[1:], strict=False)]


_SOLVED: OrderedDict[tuple[_Stretch, frozenset | None], tuple] = OrderedDict()
_SOLVED_SIZE = 1 << 12
_SOLVED_LOCK = threading.Lock()


def _solved(stretches: list[_Stretch], support: frozenset[tuple[tuple[str, str], int]] | None = None) -> list[tuple]:
    """:func:`_solve` of each stretch, remembered (the sources of one query share their sentences: a story
    and the pages that reprint it, so the same stretch is read again for each of them); the swap moves
    of those not remembered are worked out together (:func:`_swap_moves`)."""
    keys = [(st, support) for st in stretches]
    with _SOLVED_LOCK:
        done = {key: _SOLVED[key] for key in keys if key in _SOLVED}
    todo = [key for key in dict.fromkeys(keys) if key not in done]
    if todo:
        moves = _swap_moves([st for st, _ in todo], dict(support) if support else {})
        done.update((key, tuple(_solve(key[0], mv))) for key, mv in zip(todo, moves, strict=True))
    with _SOLVED_LOCK:
        for key in dict.fromkeys(keys):
            _SOLVED[key] = done[key]
            _SOLVED.move_to_end(key)
        while len(_SOLVED) > _SOLVED_SIZE:
            _SOLVED.popitem(last=False)
    return [done[key] for key in keys]


def _solve(st: _Stretch, moves: _Moves) -> list[tuple[int, int, int, int, float]]:
    """The cheapest reading of a stretch as shared text, swaps and one-sided text (no swap).

    A dynamic programme over both sides: one-sided text costs :data:`_COST_GAP_OPEN` plus
    :data:`_COST_GAP_CHAR` a character, less :data:`_CLAUSE_GAP` when it ends in a clause
    mark; swaps have :data:`MIN_SWAP_CHARS` to ``_MAX_SWAP_CHARS`` Han characters on the spun side
    and up to :data:`MAX_ORIGINAL_CHARS` on the original's, and cost :func:`_swap_cost` (plus
    :data:`_COST_ADJACENT` right after another swap, less :data:`_SUPPORT` per other place the
    pair is read: ``moves``, from :func:`_swap_moves`).  Returns the swaps as ``(spun start,
    spun end, original start, original end, cost)``, offsets into the stretch.
    """
    s, o = st.spun, st.original
    n, p = len(s), len(o)
    width = p + 1
    size = (n + 1) * width
    inf = math.inf
    # states: after shared text; in spun-only text; in original-only text; the same two ending
    # in a clause mark; after a swap
    cost = [[inf] * size for _ in range(6)]
    back: list[list[tuple[int, int, float] | None]] = [[None] * size for _ in range(6)]
    shared_c, spun_c, orig_c, spun_cl, orig_cl, swap_c = cost
    swap_back = back[5]
    cost[0][0] = 0.0
    first, after, costs = moves
    gap_new, gap_char, clause_gap, adjacent = _COST_GAP_OPEN + _COST_GAP_CHAR, _COST_GAP_CHAR, _CLAUSE_GAP, _COST_ADJACENT
    shared_back = back[0]
    original_only = [4 if c in _CLAUSE_MARKS else 2 for c in o]  # the state one more character of it enters
    for i in range(n + 1):
        inside = i < n
        si = s[i] if inside else ""
        spun_only = 3 if si in _CLAUSE_MARKS else 1
        spun_to, spun_back = cost[spun_only], back[spun_only]
        for j in range(p + 1):
            x = i * width + j
            c1, c2, c3, c4, c5 = spun_c[x], orig_c[x], spun_cl[x], orig_cl[x], swap_c[x]
            # the cheapest way out of (i, j), before a swap (no adjacency cost) ...
            entry_state, entry = 0, shared_c[x]
            if c1 < entry:
                entry_state, entry = 1, c1
            if c2 < entry:
                entry_state, entry = 2, c2
            if c3 - clause_gap < entry:
                entry_state, entry = 3, c3 - clause_gap
            if c4 - clause_gap < entry:
                entry_state, entry = 4, c4 - clause_gap
            # ... and before anything else
            low_state, low = (5, c5) if c5 < entry else (entry_state, entry)
            if low == inf:
                continue
            if c5 + adjacent < entry:
                entry_state, entry = 5, c5 + adjacent
            if inside and j < p and si == o[j]:
                y = x + width + 1
                if low < shared_c[y]:
                    shared_c[y], shared_back[y] = low, (low_state, x, -1.0)
            if inside:  # one more character of spun-only text
                y = x + width
                v, k = low + gap_new, low_state
                if c1 + gap_char < v:
                    v, k = c1 + gap_char, 1
                if c3 + gap_char < v:
                    v, k = c3 + gap_char, 3
                if v < spun_to[y]:
                    spun_to[y], spun_back[y] = v, (k, x, -1.0)
            if j < p:  # one more character of original-only text
                to, y = original_only[j], x + 1
                v, k = low + gap_new, low_state
                if c2 + gap_char < v:
                    v, k = c2 + gap_char, 2
                if c4 + gap_char < v:
                    v, k = c4 + gap_char, 4
                if v < cost[to][y]:
                    cost[to][y], back[to][y] = v, (k, x, -1.0)
            for t in range(first[x], first[x + 1]):
                y, c = after[t], costs[t]
                if entry + c < swap_c[y]:
                    swap_c[y], swap_back[y] = entry + c, (entry_state, x, c)
    end = size - 1
    final = [cost[k][end] - (_CLAUSE_GAP if k in (3, 4) else 0.0) for k in range(6)]
    state, x = min(range(6), key=final.__getitem__), end
    swaps = []
    while (step := back[state][x]) is not None:
        prev_state, px, c = step
        if state == 5:
            swaps.append((px // width, x // width, px % width, x % width, c))
        state, x = prev_state, px
    return swaps[::-1]
