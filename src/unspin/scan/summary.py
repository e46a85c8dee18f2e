"""Run statistics: totals over shards, a text histogram and an optional PNG plot."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

HIST_BINS = 10


def hist_bin(p: float) -> int:
    """Bin of a probability in ``HIST_BINS`` equal bins over [0, 1]."""
    return min(int(p * HIST_BINS), HIST_BINS - 1)


@dataclass
class Summary:
    """Totals of a scan; ``chars``/``seconds`` of this run only give the throughput."""

    documents: int = 0
    rejected: int = 0
    flagged: int = 0
    kept: int = 0
    chars: int = 0
    run_chars: int = 0
    run_documents: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # worker CPU time spent on this run's shards
    resumed_shards: int = 0
    reasons: Counter = field(default_factory=Counter)
    hist: list[int] = field(default_factory=lambda: [0] * HIST_BINS)
    outputs: dict[str, str] = field(default_factory=dict)  # file paths by role: scores, rejects, clean, ...
    drop_threshold: float | None = None  # with a clean output: documents above it were left out
    index: str | None = None  # with --index: the trace index folder
    traced: int = 0  # documents looked up in the index (all, or the flagged ones with --trace-flagged)
    origins: int = 0  # documents with a source found in the index
    trace_errors: int = 0  # documents the tracer failed on (origin_reason "error: ...")

    def add(self, stats: dict[str, Any], this_run: bool) -> None:
        for k in ("documents", "rejected", "flagged", "kept", "chars"):
            setattr(self, k, getattr(self, k) + stats[k])
        for k in ("traced", "origins", "trace_errors"):  # absent from shards of an older unspin
            setattr(self, k, getattr(self, k) + stats.get(k, 0))
        self.reasons.update(stats["reasons"])
        self.hist = [a + b for a, b in zip(self.hist, stats["hist"], strict=True)]
        if this_run:
            self.run_chars += stats["chars"]
            self.run_documents += stats["documents"]
            self.cpu_seconds += stats["cpu_seconds"]
        else:
            self.resumed_shards += 1

    @property
    def chars_per_second(self) -> float:
        return self.run_chars / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["reasons"] = dict(self.reasons)
        d["chars_per_second"] = round(self.chars_per_second, 1)
        d["chars_per_cpu_second"] = round(self.run_chars / self.cpu_seconds, 1) if self.cpu_seconds else 0.0
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Summary:
        """Inverse of :meth:`to_dict` (the derived speeds are dropped)."""
        out = cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})
        out.reasons = Counter(out.reasons)
        return out

    def text(self, threshold: float, width: int = 40) -> str:
        """The report printed at the end of ``unspin scan``."""
        why = ", ".join(f"{r} {n:,}" for r, n in self.reasons.most_common())
        lines = [
            f"documents {self.documents:,}  rejected {self.rejected:,}" + (f" ({why})" if why else ""),
            f"flagged   {self.flagged:,} with spin_probability >= {threshold:g}",
        ]
        if self.index:
            errors = f"; {self.trace_errors:,} not traced (see origin_reason)" if self.trace_errors else ""
            lines.append(f"origins   {self.origins:,} of {self.traced:,} documents traced to a source in "
                         f"{self.index}{errors}")
        lines += [
            f"speed     {self.run_chars:,} chars in {self.seconds:.1f} s = {self.chars_per_second:,.0f} chars/s"
            + (f" (resumed: {self.resumed_shards} shards already done)" if self.resumed_shards else ""),
            "spin probability histogram:",
        ]
        top = max(self.hist) or 1
        for i, n in enumerate(self.hist):
            bar = "█" * round(width * n / top)
            lines.append(f"  {i / HIST_BINS:.1f}-{(i + 1) / HIST_BINS:.1f} {bar:<{width}} {n:,}")
        for role, path in self.outputs.items():
            clean = role == "clean" and self.drop_threshold is not None
            kept = f" ({self.kept:,} documents with p <= {self.drop_threshold:g})" if clean else ""
            lines.append(f"{role:<9} {path}{kept}")
        return "\n".join(lines)


def log_scale(counts: list[int], span: float = 100.0) -> bool:
    """Whether the non-zero ``counts`` span ``span`` times or more (then a linear axis hides the small ones).

    >>> log_scale([9000, 40, 3, 0]), log_scale([50, 20, 0])
    (True, False)
    """
    positive = [c for c in counts if c > 0]
    return bool(positive) and max(positive) >= span * min(positive)


def figure(summary: Summary, threshold: float):
    """The histogram as a matplotlib figure (no display needed); a log count axis when :func:`log_scale`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    edges = [i / HIST_BINS for i in range(HIST_BINS)]
    ax.bar(edges, summary.hist, width=1 / HIST_BINS, align="edge", color="#4a7ab5", edgecolor="white")
    ax.axvline(threshold, color="#c0392b", linestyle="--", label=f"threshold {threshold:g}")
    ax.set_xlim(0, 1)
    ax.set_xlabel("spin probability")
    log = log_scale(summary.hist)
    ax.set_yscale("log" if log else "linear")
    ax.set_ylabel("documents (log scale)" if log else "documents")
    ax.set_title(f"unspin scan: {summary.documents:,} documents, {summary.flagged:,} flagged")
    ax.legend()
    fig.tight_layout()
    return fig


def plot(summary: Summary, path: str, threshold: float) -> None:
    """Save :func:`figure` as ``path`` (.png, .svg or .pdf)."""
    import matplotlib.pyplot as plt

    fig = figure(summary, threshold)
    fig.savefig(path)
    plt.close(fig)
