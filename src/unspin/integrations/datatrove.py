"""datatrove pipeline steps: :class:`SpinFilter` tags, drops or restores spun documents;
:class:`DedupSignature`, :class:`DedupCluster` and :class:`DedupFilter` remove spun copies
(``unspin dedup`` in three stages, like datatrove's MinHash dedup).

>>> from datatrove.executor import LocalPipelineExecutor                 # doctest: +SKIP
>>> from datatrove.pipeline.readers import JsonlReader                   # doctest: +SKIP
>>> from datatrove.pipeline.writers import JsonlWriter                   # doctest: +SKIP
>>> from unspin.integrations.datatrove import SpinFilter                 # doctest: +SKIP
>>> LocalPipelineExecutor(pipeline=[JsonlReader("crawl/"), SpinFilter(action="drop"),
...                                 JsonlWriter("clean/")], tasks=8).run()  # doctest: +SKIP

Every document gets ``spin_probability``, ``spin_label`` (``spun``, ``natural``, or ``skipped``
for text unspin cannot analyse, such as non-Chinese pages) and ``spin_evidence`` (the distinct
swapped pairs, each with its ``count``) in its metadata.  Needs ``pip install datatrove``.

>>> pipeline_1 = [JsonlReader("crawl/"), DedupSignature("dedup/")]                # doctest: +SKIP
>>> pipeline_2 = [DedupCluster("dedup/", workers=8)]                              # doctest: +SKIP
>>> pipeline_3 = [JsonlReader("crawl/"), DedupFilter("dedup/"), JsonlWriter("clean/")]  # doctest: +SKIP
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

try:
    from datatrove.data import Document, DocumentsPipeline
    from datatrove.pipeline.base import PipelineStep
    from datatrove.pipeline.filters.base_filter import BaseFilter
    from datatrove.pipeline.writers.disk_base import DiskWriter
except ImportError as exc:  # pragma: no cover - exercised only without datatrove
    raise ImportError(f"unspin's datatrove step needs datatrove: pip install datatrove ({exc})") from exc

from unspin.api import KeepArg, LexiconArg, _model, resolve_keep, resolve_lexicon
from unspin.batch import detect_batch, spin_fields
from unspin.lexicon import Lexicon
from unspin.model import Model
from unspin.result import DEFAULT_THRESHOLD

Action = Literal["tag", "drop", "restore"]


class SpinFilter(BaseFilter):
    """Score each document with unspin and tag its metadata; then, by ``action``:

    - ``"tag"`` (default): keep every document;
    - ``"drop"``: remove the documents labelled spun (to ``exclusion_writer`` if given, reason ``spun``);
    - ``"restore"``: keep them, with the text replaced by the restored one (the spun text goes
      to ``metadata["spun_text"]``).

    ``model``, ``keep`` and ``lexicon`` are paths or values as in :func:`unspin.detect`; the model
    loads once per worker process, on the first batch.
    """

    name = "🌀 unspin spin filter"

    def __init__(
        self,
        action: Action = "tag",
        threshold: float = DEFAULT_THRESHOLD,
        evidence: int = 5,
        model: str | Path | None = None,
        keep: KeepArg = None,
        lexicon: LexiconArg = None,
        exclusion_writer: DiskWriter | None = None,
        batch_size: int = 16,
    ) -> None:
        if action not in ("tag", "drop", "restore"):
            raise ValueError(f"action must be 'tag', 'drop' or 'restore', not {action!r}")
        super().__init__(exclusion_writer, batch_size)
        self.action, self.threshold, self.evidence = action, threshold, evidence
        self.model, self.keep, self.lexicon = model, keep, lexicon

    @cached_property
    def _engine(self) -> tuple[Model, frozenset[str], Lexicon | None]:
        """Model, keep-list and lexicon, resolved on the first batch of each worker process."""
        return _model(self.model), resolve_keep(self.keep), resolve_lexicon(self.lexicon)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        return self.filter_batch([doc])[0]

    def filter_batch(self, batch: list[Document]) -> list[bool | tuple[bool, str]]:
        results = detect_batch([d.text for d in batch], *self._engine, threshold=self.threshold, skip_errors=True,
                               mode="restore" if self.action == "restore" else "detect")
        verdicts: list[bool | tuple[bool, str]] = []
        for doc, result in zip(batch, results, strict=True):
            fields = spin_fields(result, self.evidence)
            doc.metadata.update(fields)
            self.stat_update(fields["spin_label"])
            spun = fields["spin_label"] == "spun"
            if spun and self.action == "restore" and result:
                doc.metadata["spun_text"], doc.text = doc.text, result.restored
            verdicts.append((False, "spun") if spun and self.action == "drop" else True)
        return verdicts


# -- spin-robust dedup: three stages, like datatrove's own MinHash stages -------------------------
class DedupSignature(PipelineStep):
    """Stage 1 of :mod:`unspin.dedup` in datatrove (one task per input shard, any number of tasks):
    writes each document's id, text and date (``date``/``published``/... from its metadata) to
    ``output_folder/docs/RANK.jsonl``; passes nothing on (as ``MinhashDedupSignature``).  The
    signatures themselves (the trace index's, :meth:`Fingerprinter.signature`) are computed in
    stage 2, on its workers, with the texts they need for verification beside them."""

    type = "🫂 - DEDUP"
    name = "🌀 unspin dedup stage 1"

    def __init__(self, output_folder: str | Path) -> None:
        super().__init__()
        self.output_folder = Path(output_folder)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        import json

        from unspin.dedup.run import DATE_FIELDS

        folder = self.output_folder / "docs"
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f"{rank:05d}.jsonl.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            for doc in data or ():
                with self.track_time():
                    rec = {"id": doc.id, "text": doc.text}
                    date = next((doc.metadata[k] for k in DATE_FIELDS if doc.metadata.get(k) not in (None, "")), None)
                    if date is not None:
                        rec["date"] = date
                    f.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
                    self.stat_update("documents")
        tmp.replace(folder / f"{rank:05d}.jsonl")
        return
        yield  # a generator that yields nothing


class DedupCluster(PipelineStep):
    """Stage 2 (one task): ``unspin dedup`` of everything stage 1 wrote, to
    ``folder/clusters.jsonl`` (rejects in ``folder/clusters.rejects.jsonl``).  ``workers``
    processes sign and trace; ``index_out`` keeps the crawl's trace index; ``spin=False`` chooses
    the kept document without spin scores (date, then length)."""

    type = "🫂 - DEDUP"
    name = "🌀 unspin dedup stage 2"

    def __init__(self, folder: str | Path, workers: int = 1, index_out: str | Path | None = None,
                 spin: bool = True, model: str | Path | None = None) -> None:
        super().__init__()
        self.folder, self.workers, self.index_out = Path(folder), workers, index_out
        self.spin, self.model = spin, model

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from unspin.dedup import DedupOptions, dedup

        if rank != 0:
            return
        inputs = sorted(str(p) for p in (self.folder / "docs").glob("*.jsonl"))
        out = self.folder / "clusters.jsonl"
        with self.track_time():
            s = dedup(DedupOptions(inputs=inputs, out=str(out), workers=self.workers, spin=self.spin,
                                   index_out=str(self.index_out) if self.index_out else None,
                                   model=str(self.model) if self.model else None, overwrite=True, progress=False))
        self.stat_update("documents", value=s.documents)
        self.stat_update("removed", value=s.removed)
        self.stat_update("clusters", value=s.clusters)
        return
        yield


class DedupFilter(BaseFilter):
    """Stage 3: every document gets ``dedup_cluster`` (the id of the document kept for its cluster),
    ``dedup_cluster_size``, ``dedup_relation`` (self, copy, excerpt, stitched), ``dedup_similarity``
    and, for a stitched page, ``dedup_sources`` in its metadata; documents not kept are dropped (to
    ``exclusion_writer`` if given, reason ``dedup_<relation>``).  ``keep_stitched`` keeps stitched
    pages.  Documents stage 1 did not see, or rejected (no Chinese text), pass unchanged."""

    name = "🌀 unspin dedup stage 3"

    def __init__(self, folder: str | Path, exclusion_writer: DiskWriter | None = None,
                 keep_stitched: bool = False) -> None:
        super().__init__(exclusion_writer)
        self.folder, self.keep_stitched = Path(folder), keep_stitched

    @cached_property
    def _clusters(self) -> dict[str, dict]:
        import json

        with open(self.folder / "clusters.jsonl", encoding="utf-8") as f:
            return {r["id"]: r for r in map(json.loads, f)}

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        rec = self._clusters.get(doc.id)
        if rec is None:
            self.stat_update("not_clustered")
            return True
        doc.metadata.update({"dedup_cluster": rec["cluster"], "dedup_cluster_size": rec["cluster_size"],
                             "dedup_relation": rec["relation"], "dedup_similarity": rec["similarity"]})
        if rec["sources"]:
            doc.metadata["dedup_sources"] = rec["sources"]
        self.stat_update(rec["relation"])
        if rec["keep"] or (self.keep_stitched and rec["relation"] == "stitched"):
            return True
        return False, f"dedup_{rec['relation']}"
