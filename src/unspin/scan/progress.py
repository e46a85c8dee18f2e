"""Progress: a tqdm bar (input bytes, docs/s, ETA) on a terminal, sparse log lines otherwise."""

from __future__ import annotations

import sys
import time


class Progress:
    """Call :meth:`update` per finished shard and :meth:`close` at the end."""

    def __init__(self, total_bytes: int, done_bytes: int = 0, tty: bool | None = None,
                 every: float = 30.0) -> None:
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.total, self.done, self.docs = total_bytes, done_bytes, 0
        self.start = self.last_log = time.monotonic()
        self.every = every
        self.bar = None
        if self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total_bytes, initial=done_bytes, unit="B", unit_scale=True,
                            desc="scan", file=sys.stderr, dynamic_ncols=True)

    def update(self, nbytes: int, docs: int) -> None:
        self.done += nbytes
        self.docs += docs
        rate = self.docs / max(time.monotonic() - self.start, 1e-9)
        if self.bar is not None:
            self.bar.set_postfix_str(f"{self.docs:,} docs, {rate:,.0f} docs/s", refresh=False)
            self.bar.update(nbytes)
        elif time.monotonic() - self.last_log >= self.every:
            self.last_log = time.monotonic()
            pct = 100 * self.done / self.total if self.total else 100.0
            print(f"unspin scan: {pct:.0f}% of input, {self.docs:,} docs, {rate:,.0f} docs/s",
                  file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
