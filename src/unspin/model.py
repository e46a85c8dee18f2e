"""A trained unspin model: lexicon + language model + pair and document classifiers.

A model is a folder::

    meta.json            settings, detector weights, training provenance
    pairs.pkl            the pair classifiers (gradient-boosted trees, scikit-learn)
    lexicon.tsv.gz       substitution pairs (see unspin.lexicon)
    corpus_lm.pkl.gz     optional bigram counted from a user's corpus (unspin train --corpus)
    trained_on.txt.gz    hashes of the documents the classifiers saw (eval never reuses them)

The default model ships inside the package (``unspin/data/model``) and is rebuilt by
``unspin train``.  Models are loaded lazily, once per process and path.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import pickle
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from unspin.errors import ModelError
from unspin.lexicon import Lexicon
from unspin.lm import BigramLM, InterpolatedLM, load_kenlm
from unspin.train.classifier import Trees
from unspin.train.logistic import Logistic

DEFAULT_MODEL_DIR = Path(__file__).parent / "data" / "model"


def text_hash(text: str) -> str:
    """Short stable hash of a document, used to keep eval data apart from training data."""
    return hashlib.sha1(text.strip().encode("utf-8")).hexdigest()[:16]


@dataclass
class Model:
    """Everything the decoder needs (see module docstring)."""

    lexicon: Lexicon
    lm: object
    pair_stage1: Trees | None = None
    pair_stage2: Trees | None = None
    doc: Logistic | None = None
    settings: dict = field(default_factory=dict)
    path: Path | None = None
    trained_on: frozenset[str] = frozenset()

    @property
    def edit_threshold(self) -> float:
        return float(self.settings.get("edit_threshold", 0.5))

    @property
    def max_candidates(self) -> int:
        return int(self.settings.get("max_candidates", 12))

    def save(self, path: str | Path, meta: dict | None = None) -> None:
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        self.lexicon.save(out / "lexicon.tsv.gz")
        if isinstance(self.lm, InterpolatedLM):
            self.lm.corpus.save(out / "corpus_lm.pkl.gz")
        body = {
            "format": 1,
            "settings": self.settings,
            "doc": self.doc.to_dict() if self.doc else None,
            **(meta or {}),
        }
        with open(out / "pairs.pkl", "wb") as f:
            pickle.dump({"stage1": self.pair_stage1, "stage2": self.pair_stage2}, f, protocol=5)
        (out / "meta.json").write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
        with gzip.GzipFile(out / "trained_on.txt.gz", "wb", mtime=0) as f:
            f.write("\n".join(sorted(self.trained_on)).encode())


@cache
def _load(path: str) -> Model:
    p = Path(path)
    meta_path = p / "meta.json"
    if not meta_path.is_file():
        raise ModelError(
            f"no unspin model at {p}",
            hint="build one with `unspin train` (or `unspin train --corpus FILES --out DIR`)",
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        lexicon = Lexicon.load(p / "lexicon.tsv.gz")
    except (OSError, ValueError) as exc:
        raise ModelError(f"model at {p} is corrupt: {exc}", hint="rebuild it with `unspin train`") from None
    settings = meta.get("settings", {})
    lm = load_kenlm(settings.get("lm_path") or None)
    if (p / "corpus_lm.pkl.gz").is_file():
        lm = InterpolatedLM(lm, BigramLM.load(p / "corpus_lm.pkl.gz"), settings.get("corpus_weight", 0.3))
    trained: frozenset[str] = frozenset()
    if (p / "trained_on.txt.gz").is_file():
        with gzip.open(p / "trained_on.txt.gz", "rt") as f:
            trained = frozenset(f.read().split())

    pairs: dict = {}
    if (p / "pairs.pkl").is_file():
        try:
            with open(p / "pairs.pkl", "rb") as f:
                pairs = pickle.load(f)  # noqa: S301 - the model's own artifact
        except Exception as exc:  # noqa: BLE001 - unpickling errors come in many types
            raise ModelError(f"model at {p} is corrupt: {exc}", hint="rebuild it with `unspin train`") from None
    doc = Logistic.from_dict(meta["doc"]) if meta.get("doc") else None
    return Model(lexicon, lm, pairs.get("stage1"), pairs.get("stage2"), doc, settings, p, trained)


def load_model(path: str | Path | None = None) -> Model:
    """Load the model at ``path`` (default: the one shipped in the package), once per process."""
    return _load(str(Path(path).resolve()) if path else str(DEFAULT_MODEL_DIR))
