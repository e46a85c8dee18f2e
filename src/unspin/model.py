"""A trained unspin model: lexicon + language model + pair and document classifiers.

A model is a folder of data files (never pickles: a model folder is something users share)::

    meta.json            format, settings, detector weights, provenance, sha256 of every file below
    pairs.npz            the pair classifiers (boosted trees as plain arrays, loaded with allow_pickle=False),
                         and learn-pairs' page classifier (``unspin train --pages-only``)
    lexicon.tsv.gz       substitution pairs (see unspin.lexicon), and lexicon.bin, a packed copy
    corpus_lm.json.gz    optional bigram counted from a user's corpus (unspin train --corpus)
    trained_on.txt.gz    hashes of the documents the classifiers saw (eval never reuses them)
    guard.tsv.gz         the meaning guard: contrast characters and antonym pairs (unspin.lexicon.guard)
    vectors.npz          word vectors of the context-fit channel feature (unspin.lexicon.vectors)
    cascade.npz          optional first stage of detect and scan (unspin.cascade; ``unspin train --cascade-only``)

Loading checks the format number and every checksum before reading a file; a folder from
an older version (``pairs.pkl``) is refused with a hint to rebuild it, never unpickled.
The default model ships inside the package (``unspin/data/model``) and is rebuilt by
``unspin train --out DIR`` (then copied in).  Models are loaded lazily, once per process and path.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from unspin.errors import ModelError
from unspin.files import read_npz
from unspin.lexicon import Lexicon
from unspin.lexicon.guard import EMPTY, Guard
from unspin.lexicon.vectors import ContextVectors
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
    meta: dict = field(default_factory=dict)  # provenance kept from meta.json (built_with, learned, ...)
    guard: Guard = EMPTY  # the meaning guard the lexicon was built with (learned pairs pass it too)
    calibration: Logistic | None = None  # length-aware calibration of ``doc`` (unspin.decode.calibration)
    vectors: ContextVectors | None = None  # the context-fit feature's word vectors (unspin.lexicon.vectors)
    pair_pages: Trees | None = None  # learn-pairs' page classifier (unspin.train.pages)

    @property
    def edit_threshold(self) -> float:
        return float(self.settings.get("edit_threshold", 0.5))

    @property
    def max_candidates(self) -> int:
        return int(self.settings.get("max_candidates", 12))

    def save(self, path: str | Path, meta: dict | None = None) -> None:
        """Write the model folder (see module docstring); ``meta`` adds provenance to meta.json."""
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        source = self.path / CASCADE if self.path is not None else None  # a loaded model keeps its cascade
        cascade = source.read_bytes() if source is not None and source.is_file() else None
        for name in (*LEGACY_FILES, CORPUS_LM, PAIRS, GUARD, VECTORS, CASCADE, "meta.json"):  # nothing stale survives a rebuild
            (out / name).unlink(missing_ok=True)
        if cascade is not None:
            (out / CASCADE).write_bytes(cascade)
        self.lexicon.save(out / LEXICON)
        if any(self.guard.kinds().values()):
            self.guard.save(out / GUARD)
        if self.vectors is not None:
            self.vectors.save(out / VECTORS)
        if isinstance(self.lm, InterpolatedLM):
            self.lm.corpus.save(out / CORPUS_LM)
        self.save_pairs(out)
        with gzip.GzipFile(out / TRAINED_ON, "wb", mtime=0) as f:
            f.write("\n".join(sorted(self.trained_on)).encode())
        extra = {k: v for k, v in {**self.meta, **(meta or {})}.items() if k not in _META_KEYS}
        body = {"format": FORMAT, "settings": self.settings, "doc": self.doc.to_dict() if self.doc else None,
                "calibration": self.calibration.to_dict() if self.calibration else None,
                **extra, "files": _checksums(out)}
        _write_meta(out, body)  # last: the checksums vouch for the files written above

    def save_pairs(self, folder: str | Path) -> None:
        """Write ``pairs.npz``: the pair classifiers and the page classifier, as plain arrays."""
        stages = {"stage1": self.pair_stage1, "stage2": self.pair_stage2, "pages": self.pair_pages}
        arrays = {f"{k}.{n}": a for k, t in stages.items() if t is not None for n, a in t.to_dict().items()}
        with open(Path(folder) / PAIRS, "wb") as f:
            np.savez_compressed(f, **arrays)


def _write_meta(folder: Path, body: dict) -> None:
    tmp = folder / "meta.json.tmp"
    tmp.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(folder / "meta.json")


def update_meta(folder: str | Path, **fields) -> None:
    """Merge ``fields`` into the model ``folder``'s meta.json and checksum its files again (after a
    step rewrote some of them: ``unspin train --cascade-only`` / ``--pages-only``)."""
    folder = Path(folder)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta.update(fields)
    meta["files"] = _checksums(folder)
    _write_meta(folder, meta)


def _checksums(folder: Path) -> dict[str, str]:
    """sha256 of every model file present in ``folder`` (meta.json's ``files``)."""
    return {name: _sha256(folder / name) for name in FILES if (folder / name).is_file()}


FORMAT = 3
"""Model folder format; 1 (``pairs.pkl``, ``corpus_lm.pkl.gz``) and 2 (no context-fit feature) are refused."""
LEXICON, PAIRS, CORPUS_LM, TRAINED_ON = "lexicon.tsv.gz", "pairs.npz", "corpus_lm.json.gz", "trained_on.txt.gz"
GUARD = "guard.tsv.gz"  # the meaning guard (unspin.lexicon.guard)
VECTORS = "vectors.npz"  # word vectors of the context-fit feature (unspin.lexicon.vectors)
CASCADE = "cascade.npz"  # the first stage of detect and scan (unspin.cascade), loaded lazily on first use
FILES = (LEXICON, "lexicon.bin", PAIRS, CORPUS_LM, TRAINED_ON, GUARD, VECTORS, CASCADE)
"""Every file a model may hold besides meta.json; each one present must be in its checksums."""
LEGACY_FILES = ("pairs.pkl", "corpus_lm.pkl.gz")
MAX_META_BYTES = 16 << 20
MAX_PAIRS_BYTES = 512 << 20
"""Largest meta.json, and largest uncompressed pair classifiers, accepted."""
_META_KEYS = ("format", "settings", "doc", "calibration", "files")
_REBUILD = "rebuild it with `unspin train --out DIR` (the built-in model: reinstall unspin)"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_meta(p: Path) -> dict:
    """meta.json of the model at ``p``, with its format and every checksum verified."""
    meta_path = p / "meta.json"
    if not meta_path.is_file():
        if any((p / name).exists() for name in LEGACY_FILES):
            raise ModelError(f"model at {p} is from an older unspin version (pickled files)", hint=_REBUILD)
        raise ModelError(f"no unspin model at {p}",
                         hint="build one with `unspin train --out DIR` (or `unspin train --corpus FILES --out DIR`)")
    with open(meta_path, "rb") as f:
        raw = f.read(MAX_META_BYTES + 1)
    try:
        meta = json.loads(raw) if len(raw) <= MAX_META_BYTES else None
    except (ValueError, RecursionError):
        meta = None
    if not isinstance(meta, dict):
        raise ModelError(f"model file {meta_path} is not valid JSON", hint=_REBUILD)
    version = meta.get("format")
    if isinstance(version, int) and version < FORMAT:
        raise ModelError(f"model at {p} is from an older unspin version (format {version})", hint=_REBUILD)
    if version != FORMAT:
        raise ModelError(f"model at {p} has format {version!r}, this unspin reads format {FORMAT}",
                         hint="upgrade unspin, or rebuild the model with `unspin train --out DIR`")
    files = meta.get("files")
    if not isinstance(files, dict) or not set(files) <= set(FILES) or LEXICON not in files:
        raise ModelError(f"model at {p} has no valid checksum list in meta.json", hint=_REBUILD)
    for name in FILES:
        path = p / name
        if name in files and (not path.is_file() or _sha256(path) != files[name]):
            raise ModelError(f"model file {path} is missing or does not match its checksum", hint=_REBUILD)
        if name not in files and path.exists() and name != CASCADE:  # a cascade left from another model: never read
            raise ModelError(f"model file {path} is not in the checksums of meta.json", hint=_REBUILD)
    return meta


def _load_pairs(path: Path) -> dict[str, Trees]:
    """The pair classifiers in ``pairs.npz`` (arrays only: ``allow_pickle=False``)."""
    arrays = read_npz(path, MAX_PAIRS_BYTES)
    stages = {k.split(".", 1)[0] for k in arrays}
    widths = _feature_widths()
    return {s: Trees.from_dict({k.split(".", 1)[1]: a for k, a in arrays.items() if k.startswith(s + ".")},
                               widths[s])
            for s in stages & {"stage1", "stage2", "pages"}}


def _feature_widths() -> dict[str, int]:
    """How many features the decoder gives each classifier (a tree splitting on a feature past
    them would read another row's values)."""
    from unspin.decode.calibration import features
    from unspin.decode.decision import density_features, document_context, local_density
    from unspin.decode.features import DOC_FEATURES, PAIR_FEATURES
    from unspin.train.pages import PAGE_FEATURES

    pair = len(PAIR_FEATURES)
    stage2 = pair + len(density_features([], 1)) + len(document_context(1, 0, 0, 0)) + local_density([], 1).shape[1]
    return {"stage1": pair, "stage2": stage2, "pages": len(PAGE_FEATURES),
            "doc": len(DOC_FEATURES), "calibration": features(0.5, 1).shape[1]}


_SETTINGS = {
    # name: (allowed types, least, greatest); every one optional
    "edit_threshold": ((int, float), 0.0, 1.0),
    "context_pass": ((int, float, type(None)), 0.0, 1.0),
    "corpus_weight": ((int, float), 0.0, 1.0),
    "max_candidates": ((int,), 1, 1000),
    "page_threshold": ((int, float), 0.0, 1.0),
    "seed": ((int, type(None)), -(2**63), 2**63),
    "lm_path": ((str, type(None)), None, None),
}


def _check_settings(settings: object, where: Path) -> dict:
    """``settings`` of meta.json when every known field has its type and range; else one-line
    :class:`ModelError` naming the field (unknown fields are kept: a newer unspin may add some)."""
    if not isinstance(settings, dict):
        raise ModelError(f"model file {where} has no valid settings", hint=_REBUILD)
    for name, (types, low, high) in _SETTINGS.items():
        if name not in settings:
            continue
        value = settings[name]
        ok = isinstance(value, types) and not isinstance(value, bool)
        if ok and low is not None and value is not None:
            ok = bool(low <= value <= high)  # False for NaN
        if not ok:
            shown = repr(value) if isinstance(value, (int, float, str, type(None))) else type(value).__name__
            bound = f" between {low} and {high}" if low is not None else ""
            raise ModelError(f"model file {where}: setting {name} = {shown[:80]} is not a valid "
                             f"{'/'.join(t.__name__ for t in types if t is not type(None))}{bound}", hint=_REBUILD)
    return settings


def _read_gzip(path: Path, max_bytes: int) -> bytes:
    with gzip.open(path, "rb") as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"over {max_bytes:,} bytes uncompressed")
    return data


@cache
def _load(path: str) -> Model:
    p = Path(path)
    meta = _read_meta(p)
    settings = _check_settings(meta.get("settings") or {}, p / "meta.json")
    lm_path = settings.get("lm_path")
    if lm_path is not None and (not isinstance(lm_path, str) or not Path(lm_path).is_file()):
        raise ModelError(f"model at {p} names a language model that is not a file: {lm_path!r}",
                         hint="rebuild it with `unspin train --lm PATH`")
    current = None
    try:
        current = p / LEXICON
        lexicon = Lexicon.load(current)
        current = p / PAIRS
        pairs = _load_pairs(current) if current.is_file() else {}
        current = p / "meta.json"
        doc = Logistic.from_dict(meta["doc"], _feature_widths()["doc"]) if meta.get("doc") else None
        calibration = Logistic.from_dict(meta["calibration"], _feature_widths()["calibration"]) if meta.get("calibration") else None
        corpus = None
        if (p / CORPUS_LM).is_file():
            current = p / CORPUS_LM
            corpus = BigramLM.load(current)
        current = p / GUARD
        guard = Guard.load(current) if current.is_file() else EMPTY
        current = p / VECTORS
        vectors = ContextVectors.load(current) if current.is_file() else None
        current = p / TRAINED_ON
        trained = frozenset(_read_gzip(current, MAX_META_BYTES).decode().split()) if current.is_file() else frozenset()
    except Exception as exc:  # noqa: BLE001 - a corrupt data file fails in many ways; none is a bug here
        raise ModelError(f"model file {current} is corrupt: {type(exc).__name__}: {str(exc)[:200]}",
                         hint=_REBUILD) from None
    try:
        lm = load_kenlm(lm_path)
    except ModelError:
        if lm_path is None:
            raise
        # the model names this file: say which, but never echo what KenLM read from it
        raise ModelError(f"model at {p}: {lm_path} is not a KenLM language model",
                         hint="rebuild it with `unspin train --lm PATH`") from None
    if corpus is not None:
        lm = InterpolatedLM(lm, corpus, float(settings.get("corpus_weight", 0.3)))
    extra = {k: v for k, v in meta.items() if k not in _META_KEYS}
    return Model(lexicon, lm, pairs.get("stage1"), pairs.get("stage2"), doc, settings, p, trained, extra, guard,
                 calibration, vectors, pairs.get("pages"))


def load_model(path: str | Path | None = None) -> Model:
    """Load the model at ``path`` (default: the one shipped in the package), once per process."""
    return _load(str(Path(path).resolve()) if path else str(DEFAULT_MODEL_DIR))
