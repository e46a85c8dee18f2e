"""The cascade: a cheap first stage that clears clearly natural documents before the decoder.

``unspin detect`` and ``unspin scan`` read every document with this stage first; a document
it scores below its cut is *cleared* (labelled natural with the cascade's own, calibrated
and low, probability, and no evidence); every other document goes to the full decoder
(:mod:`unspin.decode.document`), whose result is returned unchanged.  ``restore``, the
evidence shown to a user and any document the cascade cannot clear always come from the
decoder.

The stage never segments the text.  It reads the text's code points as a numpy array and
finds every occurrence of every word the model's lexicon can rewrite (2-4 characters, by
exact lookup of packed character n-grams in sorted arrays, behind a hashed filter that
answers "no word" for most n-grams), then sums per-word weights:

- ``prior``: how often an occurrence of the word was a spinner's swap in training
  documents spun by the model's spinner families (smoothed, learned by
  :mod:`unspin.cascade.train`);
- ``rarity``: how much rarer the word is than its most frequent synonym (spinners pick rare
  synonyms; this needs no training data, so it carries to spinner families never seen);
- ``garbled``: the segmenter's dictionary does not know the word (不克不及, 较着);
- ``public``: the public 伪原创 table writes the word;

plus hashed character-bigram weights (a linear model over the text's bigrams) and the oddness
of the text's character bigrams under natural text's counts, into a logistic regression over
densities per 100 characters (of the whole text and of its densest window), counts and the length.  The cut is chosen
so that at most 0.5% of the spun documents the decoder flags are cleared (measured per
spinner family, unseen ones included: ``bench/bench_cascade.py``, BENCHMARKS.md §1).

The stage lives in the model folder as ``cascade.npz`` (plain arrays, loaded with
``allow_pickle=False``, checked against meta.json's checksums like every model file) and
is loaded lazily, once per model.  A model without it (an older ``unspin train --out``)
runs the decoder on every document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from unspin.files import read_npz

CASCADE_FILE = "cascade.npz"
FORMAT = 1
MAX_BYTES = 64 << 20
"""Largest uncompressed cascade file accepted."""
WORD_FEATURES = ("prior", "rarity", "garbled", "public")
"""Per-word weights, the columns of :attr:`Cascade.table`."""
DOC_FEATURES = (
    "log_chars", "prior", "prior_hi", "rarity", "rare_hits", "garbled", "public", "hits", "bigram",
    "prior_per_hit", "rarity_per_hit", "garbled_per_hit", "public_per_hit", "log_prior", "log_prior_hi", "log_garbled",
    "char_lm", "unseen_bigrams", "window_prior", "window_rarity", "window_garbled",
)
"""The document features the logistic regression reads: densities per 100 Han characters, the
same per word occurrence, absolute amounts (log), the length, and the bigram model's score."""
BIGRAM_BITS = 18
"""Hashed character bigrams fall in ``2**BIGRAM_BITS`` buckets (the learned bigram weights)."""
FILTER_BITS = 20
"""Buckets of the hashed filter that spares the exact word lookup most character n-grams."""
LM_BITS = 20
"""... and in ``2**LM_BITS`` buckets for the character bigram counts of natural text (the oddness)."""
UNIGRAMS = 1 << 16
"""Character counts are kept for the Basic Multilingual Plane."""
_FLOOR = float(np.log(0.5))  # log count of a bigram natural text never had
WINDOW = 240  # characters of the windows whose densest one is a feature (partial spin)
PRIOR_HI = 0.1  # an occurrence whose prior is at least this counts in ``prior_hi``
RARE = 1.5  # ... whose synonym is at least 10**RARE times more frequent counts in ``rare_hits``
STAGE = "cascade"
"""``Result.stage`` of a document the cascade cleared (the decoder's results say ``"decoder"``)."""
NOTE = "cleared by the cascade (first stage): no evidence gathered; `--no-cascade` runs the full decoder"
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SHIFT21 = np.uint64(21)
_SHIFT42 = np.uint64(42)


def _as_codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)


def ngram_keys(cp: np.ndarray) -> dict[int, np.ndarray]:
    """Packed keys of every character 2-, 3- and 4-gram of the code points ``cp`` (a code point
    fits in 21 bits, so 2- and 3-grams pack exactly; 4-grams are mixed into 64 bits)."""
    k2 = (cp[:-1] << _SHIFT21) | cp[1:]
    k3 = (k2[:-1] << _SHIFT21) | cp[2:]
    k4 = (k3[:-1] * _MIX) ^ cp[3:]
    return {2: k2, 3: k3, 4: k4}


def word_keys(words: list[str]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """``n -> (sorted keys, word indices)`` of the words of 2-4 characters (others are left out)."""
    out = {}
    for n in (2, 3, 4):
        idx = [i for i, w in enumerate(words) if len(w) == n]
        if not idx:
            out[n] = (np.zeros(0, np.uint64), np.zeros(0, np.int64))
            continue
        codes = _as_codes("".join(words[i] for i in idx)).reshape(len(idx), n)
        keys = codes[:, 0]
        for j in range(1, n):
            keys = (keys * _MIX) ^ codes[:, j] if (n == 4 and j == 3) else (keys << _SHIFT21) | codes[:, j]
        order = np.argsort(keys, kind="stable")
        out[n] = (keys[order], np.asarray(idx, dtype=np.int64)[order])
    return out


def _han(cp: np.ndarray) -> int:
    return int((((cp >= 0x3400) & (cp < 0xA000)) | ((cp >= 0x20000) & (cp < 0x32400))).sum())


def _bucket(key: np.ndarray, bits: int) -> np.ndarray:
    return ((key * _MIX) >> np.uint64(64 - bits)).astype(np.int64)


def bigram_buckets(cp: np.ndarray, bits: int = BIGRAM_BITS) -> np.ndarray:
    """Hashed bucket of every character bigram of ``cp``."""
    return _bucket((cp[:-1] << _SHIFT21) | cp[1:], bits)


def _membership(keys: np.ndarray) -> np.ndarray:
    """A hashed filter of ``keys`` (:data:`FILTER_BITS` buckets): False means surely not a key."""
    out = np.zeros(1 << FILTER_BITS, dtype=bool)
    out[_bucket(keys, FILTER_BITS)] = True
    return out


def han_pairs(cp: np.ndarray) -> np.ndarray:
    """Mask of the bigrams of ``cp`` whose two characters are common Han characters (U+4E00-U+9FFF)."""
    han = (cp >= 0x4E00) & (cp < 0xA000)
    return han[:-1] & han[1:]


@dataclass
class Cascade:
    """A trained first stage (see module docstring)."""

    words: list[str]
    table: np.ndarray  # (words, len(WORD_FEATURES)) float32
    bigrams: np.ndarray  # (2**BIGRAM_BITS,) float32: the bigram model's weights
    coef: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    cut: float  # documents whose probability is below this are cleared
    meta: dict = field(default_factory=dict)
    simplify: np.ndarray | None = None  # code point -> Simplified code point (Traditional input)
    lm_bigrams: np.ndarray | None = None  # (2**LM_BITS,) log(count + 0.5) of natural text's bigrams
    lm_unigrams: np.ndarray | None = None  # (UNIGRAMS,) log(count + 0.5) of its characters

    def __post_init__(self) -> None:
        self._keys = word_keys(self.words)
        self._maybe = {n: _membership(keys) for n, (keys, _) in self._keys.items()}

    # -- features ---------------------------------------------------------------------------
    def hits(self, cp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(word indices, starts, lengths)`` of every occurrence of a word in the code points
        ``cp`` (overlapping occurrences included)."""
        ids, starts, lens = [], [], []
        for n, k in ngram_keys(cp).items():
            keys, wid = self._keys[n]
            if not len(keys) or not len(k):
                continue
            maybe = np.flatnonzero(self._maybe[n][_bucket(k, FILTER_BITS)])  # most n-grams are no word
            pos = np.searchsorted(keys, k[maybe])
            pos[pos == len(keys)] = 0
            found = keys[pos] == k[maybe]
            hit = maybe[found]
            ids.append(wid[pos[found]])
            starts.append(hit)
            lens.append(np.full(len(hit), n))
        if not ids:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(ids), np.concatenate(starts), np.concatenate(lens)

    def codes(self, text: str) -> np.ndarray:
        cp = _as_codes(text)
        if self.simplify is not None and len(cp):
            inside = cp < len(self.simplify)
            cp[inside] = self.simplify[cp[inside]]
        return cp

    def features(self, text: str) -> np.ndarray:
        """The document features (:data:`DOC_FEATURES`) of ``text``."""
        return self.features_of(self.codes(text))

    def features_of(self, cp: np.ndarray) -> np.ndarray:
        n = max(_han(cp), 1)
        ids, starts, _ = self.hits(cp)
        rows = self.table[ids]
        per = 100.0 / n
        if len(ids):
            prior, rarity, garbled, public = rows.sum(0).tolist()
            prior_hi = float((rows[:, 0] >= PRIOR_HI).sum())
            rare_hits = float((rows[:, 1] >= RARE).sum())
        else:
            prior = rarity = garbled = public = prior_hi = rare_hits = 0.0
        bigram = float(self.bigrams[bigram_buckets(cp)].mean()) if len(cp) > 1 else 0.0
        k = 1.0 / max(len(ids), 1)
        char_lm, unseen = self.oddness(cp)
        return np.array([
            np.log(n), prior * per, prior_hi * per, rarity * per, rare_hits * per, garbled * per, public * per,
            len(ids) * per, bigram, prior * k, rarity * k, garbled * k, public * k,
            np.log1p(prior), np.log1p(prior_hi), np.log1p(garbled), char_lm, unseen,
            *self.densest(rows, starts, len(cp)),
        ])

    def densest(self, rows: np.ndarray, starts: np.ndarray, size: int) -> tuple[float, float, float]:
        """The ``prior``, ``rarity`` and ``garbled`` sums per 100 characters of the densest window of
        :data:`WINDOW` characters (windows overlap by half): a spinner may have spun one part only."""
        if not len(starts):
            return 0.0, 0.0, 0.0
        half = WINDOW // 2
        k = int(starts.max()) // half + 2
        out = []
        for col in range(3):
            per_half = np.bincount(starts // half, weights=rows[:, col], minlength=k)
            out.append(float((per_half[:-1] + per_half[1:]).max()) * 100.0 / max(min(size, WINDOW), 1))
        return out[0], out[1], out[2]

    def oddness(self, cp: np.ndarray) -> tuple[float, float]:
        """Mean log P(next character | character) over the Han bigrams of ``cp`` under natural text's
        counts, and the share of those bigrams natural text never had (swapped words break the
        character sequences around them; no segmentation, no training on spin)."""
        if self.lm_bigrams is None or len(cp) < 2:
            return 0.0, 0.0
        mask = han_pairs(cp)
        if not mask.any():
            return 0.0, 0.0
        b = self.lm_bigrams[bigram_buckets(cp, LM_BITS)[mask]].astype(np.float64)
        u = self.lm_unigrams[cp[:-1][mask].astype(np.int64)].astype(np.float64)
        return float((b - u).mean()), float((b <= _FLOOR + 1e-3).mean())

    # -- decisions --------------------------------------------------------------------------
    def probability_of(self, X: np.ndarray) -> np.ndarray:
        z = (((X - self.mean) / self.scale) * self.coef).sum(axis=1) + self.bias  # row by row: no batch effects
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """The cascade's spin probability of each text (calibrated on its training mix)."""
        if not texts:
            return np.zeros(0)
        return self.probability_of(np.vstack([self.features(t) for t in texts]))

    def clears(self, p: float, threshold: float) -> bool:
        """True when a document of cascade probability ``p`` is cleared at the user's ``threshold``
        (never when the threshold is at or below the cut: a cleared document is never labelled spun)."""
        return p < self.cut and self.cut < threshold

    # -- storage ----------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write ``cascade.npz`` (plain arrays; the words as one newline-joined UTF-8 array)."""
        arrays = {
            "format": np.array([FORMAT]),
            "words": np.frombuffer("\n".join(self.words).encode("utf-8"), dtype=np.uint8),
            "table": self.table.astype(np.float32), "bigrams": self.bigrams.astype(np.float32),
            "coef": self.coef.astype(np.float64), "bias": np.array([self.bias]), "mean": self.mean.astype(np.float64),
            "scale": self.scale.astype(np.float64), "cut": np.array([self.cut]),
            "meta": np.frombuffer(json.dumps(self.meta, ensure_ascii=False, sort_keys=True).encode(), dtype=np.uint8),
            "lm_bigrams": self.lm_bigrams.astype(np.float16), "lm_unigrams": self.lm_unigrams.astype(np.float16),
        }
        with open(path, "wb") as f:
            np.savez_compressed(f, **arrays)

    @classmethod
    def load(cls, path: str | Path) -> Cascade:
        """Read ``cascade.npz``; a malformed file raises ``ValueError`` (the caller names it)."""
        a = read_npz(path, MAX_BYTES)
        if int(a["format"][0]) != FORMAT:
            raise ValueError(f"cascade format {int(a['format'][0])}, this unspin reads {FORMAT}")
        words = bytes(a["words"]).decode("utf-8").split("\n") if len(a["words"]) else []
        table = a["table"].astype(np.float32)
        width = len(DOC_FEATURES)
        if table.shape != (len(words), len(WORD_FEATURES)) or a["bigrams"].shape != (1 << BIGRAM_BITS,) or any(
            a[k].shape != (width,) for k in ("coef", "mean", "scale")
        ) or a["lm_bigrams"].shape != (1 << LM_BITS,) or a["lm_unigrams"].shape != (UNIGRAMS,):
            raise ValueError("arrays of the wrong shape")
        if not all(np.isfinite(a[k]).all() for k in ("table", "bigrams", "coef", "mean", "scale", "lm_bigrams")):
            raise ValueError("an array holds a value that is not a finite number")
        return cls(words, table, a["bigrams"].astype(np.float32), a["coef"], float(a["bias"][0]), a["mean"],
                   a["scale"], float(a["cut"][0]), json.loads(bytes(a["meta"]).decode("utf-8")), _simplify_table(),
                   a["lm_bigrams"].astype(np.float32), a["lm_unigrams"].astype(np.float32))


def _simplify_table() -> np.ndarray:
    """Code point -> Simplified code point for every Traditional character OpenCC maps one to one."""
    from unspin.text.script import _table

    pairs = [(ord(a), ord(b)) for a, b in _table("TSCharacters.txt").items()]
    size = max(a for a, _ in pairs) + 1
    out = np.arange(size, dtype=np.uint64)
    for a, b in pairs:
        out[a] = b
    return out


def _vouched(path: Path) -> bool:
    """True when the model's meta.json lists the cascade in its checksums (loading verified them):
    a cascade.npz left behind by another model (a folder copied over) is never read."""
    try:
        meta = json.loads((path.parent / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and isinstance(meta.get("files"), dict) and CASCADE_FILE in meta["files"]


def cascade_of(model) -> Cascade | None:
    """The model's cascade (loaded once and kept on the model), or None when its folder has none."""
    cached = model.__dict__.get("_cascade", False)
    if cached is not False:
        return cached
    path = Path(model.path) / CASCADE_FILE if model.path is not None else None
    casc = None
    if path is not None and path.is_file() and _vouched(path):
        from unspin.errors import ModelError

        try:
            casc = Cascade.load(path)
        except Exception as exc:  # noqa: BLE001 - a corrupt data file fails in many ways
            raise ModelError(f"model file {path} is corrupt: {type(exc).__name__}: {str(exc)[:200]}",
                             hint="rebuild it with `unspin train --cascade-only --out DIR`") from None
    model.__dict__["_cascade"] = casc
    return casc
