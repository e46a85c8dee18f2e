"""A datatrove pipeline step: :class:`SpinFilter` tags, drops or restores spun documents.

>>> from datatrove.executor import LocalPipelineExecutor                 # doctest: +SKIP
>>> from datatrove.pipeline.readers import JsonlReader                   # doctest: +SKIP
>>> from datatrove.pipeline.writers import JsonlWriter                   # doctest: +SKIP
>>> from unspin.integrations.datatrove import SpinFilter                 # doctest: +SKIP
>>> LocalPipelineExecutor(pipeline=[JsonlReader("crawl/"), SpinFilter(action="drop"),
...                                 JsonlWriter("clean/")], tasks=8).run()  # doctest: +SKIP

Every document gets ``spin_probability``, ``spin_label`` (``spun``, ``natural``, or ``skipped``
for text unspin cannot analyse, such as non-Chinese pages) and ``spin_evidence`` (the distinct
swapped pairs, each with its ``count``) in its metadata.  Needs ``pip install datatrove``.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

try:
    from datatrove.data import Document
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
