"""English antonyms from Princeton WordNet 3.0, for the meaning guard.

WordNet links word senses that mean the opposite (``!`` pointers: increase / decrease,
buy / sell, day / night).  :func:`unspin.lexicon.guard.gloss_antonyms` carries them over to
Chinese through CC-CEDICT glosses.  The database ships in the Debian package
``wordnet-base`` (``/usr/share/wordnet``, WordNet License, BSD-style); it is read at
``unspin train`` time only, never at run time.

>>> line = ("00001740 00 a 01 able 0 001 ! 00002098 a 0101 | (usually followed by `to')\\n")
>>> parse_synset(line)
(('a', '00001740'), ['able'], [(1, ('a', '00002098'), 1)])
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from unspin.errors import ModelError

WORDNET_DIRS = ("/usr/share/wordnet",)
_FILES = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
_MARKER = re.compile(r"\([a-z]+\)$")  # adjective position markers: "galore(ip)"


def find_wordnet() -> Path:
    """The WordNet database folder (``UNSPIN_WORDNET`` or Debian's), or a :class:`ModelError`."""
    env = os.environ.get("UNSPIN_WORDNET")
    for folder in [env] if env else WORDNET_DIRS:
        if (Path(folder) / "data.adj").is_file():
            return Path(folder)
    raise ModelError(
        f"no WordNet database found ({env or WORDNET_DIRS[0]}/data.adj)",
        hint="run `sudo apt-get install wordnet-base` (./setup.sh does), or set UNSPIN_WORDNET to a WordNet 3.0 dict folder",
    )


def parse_synset(line: str) -> tuple[tuple[str, str], list[str], list[tuple[int, tuple[str, str], int]]]:
    """``(key, lemmas, antonym pointers)`` of one ``data.*`` line; a pointer is
    ``(source lemma number, target synset key, target lemma number)``, numbers from 1."""
    head = line.split(" | ", 1)[0].split()
    key = (_pos(head[2]), head[0])
    n = int(head[3], 16)
    lemmas = [_MARKER.sub("", head[4 + 2 * i]).replace("_", " ").lower() for i in range(n)]
    k = 4 + 2 * n
    out = []
    for _ in range(int(head[k])):
        symbol, offset, pos, st = head[k + 1 : k + 5]
        k += 4
        if symbol == "!":
            out.append((int(st[:2], 16), (_pos(pos), offset), int(st[2:], 16)))
    return key, lemmas, out


def _pos(tag: str) -> str:
    return "a" if tag == "s" else tag  # satellite adjectives share the adjective file


def read_antonyms(folder: str | Path | None = None) -> frozenset[tuple[str, str]]:
    """Every English antonym lemma pair WordNet lists, in both directions (lower case)."""
    folder = Path(folder) if folder else find_wordnet()
    synsets, pointers = {}, []
    for name in _FILES:
        with open(folder / f"data.{name}", encoding="latin-1") as f:
            for line in f:
                if line.startswith("  ") or not line.strip():  # the licence header
                    continue
                key, lemmas, ants = parse_synset(line)
                synsets[key] = lemmas
                pointers += [(key, *a) for a in ants]
    out = set()
    for key, i, target, j in pointers:
        if target in synsets and 0 < i <= len(synsets[key]) and 0 < j <= len(synsets[target]):
            a, b = synsets[key][i - 1], synsets[target][j - 1]
            if a != b:
                out |= {(a, b), (b, a)}
    return frozenset(out)
