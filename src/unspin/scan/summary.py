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
    outputs: dict[str, str] = field(default_factory=dict)

    def add(self, stats: dict[str, Any], this_run: bool) -> None:
        for k in ("documents", "rejected", "flagged", "kept", "chars"):
            setattr(self, k, getattr(self, k) + stats[k])
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

    def text(self, threshold: float, width: int = 40) -> str:
        """The report printed at the end of ``unspin scan``."""
        why = ", ".join(f"{r} {n:,}" for r, n in self.reasons.most_common())
        lines = [
            f"documents {self.documents:,}  rejected {self.rejected:,}" + (f" ({why})" if why else ""),
            f"flagged   {self.flagged:,} with spin_probability >= {threshold:g}",
            f"speed     {self.run_chars:,} chars in {self.seconds:.1f} s = {self.chars_per_second:,.0f} chars/s"
            + (f" (resumed: {self.resumed_shards} shards already done)" if self.resumed_shards else ""),
            "spin probability histogram:",
        ]
        top = max(self.hist) or 1
        for i, n in enumerate(self.hist):
            bar = "█" * round(width * n / top)
            lines.append(f"  {i / HIST_BINS:.1f}-{(i + 1) / HIST_BINS:.1f} {bar:<{width}} {n:,}")
        lines += [f"{k:<9} {v}" for k, v in self.outputs.items()]
        return "\n".join(lines)


def plot(summary: Summary, path: str, threshold: float) -> None:
    """Bar chart of the histogram as a PNG (matplotlib, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    edges = [i / HIST_BINS for i in range(HIST_BINS)]
    ax.bar(edges, summary.hist, width=1 / HIST_BINS, align="edge", color="#4a7ab5", edgecolor="white")
    ax.axvline(threshold, color="#c0392b", linestyle="--", label=f"threshold {threshold:g}")
    ax.set_xlim(0, 1)
    ax.set_xlabel("spin probability")
    ax.set_ylabel("documents")
    ax.set_title(f"unspin scan: {summary.documents:,} documents, {summary.flagged:,} flagged")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
