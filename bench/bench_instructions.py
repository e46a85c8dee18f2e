"""Instructions per call of ``detect`` and ``restore`` on fixed texts, counted by valgrind's callgrind.

    .venv/bin/python bench/bench_instructions.py [--repeat 3] [--out bench/results/instructions.md]

A count of executed instructions does not move with the machine's load (CPU seconds do, by
10-30% on a shared machine), so a change to the hot path is judged on it; the headline speed
stays the ratio to ``jieba.lcut`` (``bench/bench_engine.py``), and that ratio is given here too,
in instructions.  ``detect`` and ``restore`` here are the full decoder
(:func:`unspin.decode.document.decode`, what ``unspin.restore`` runs and what ``unspin.detect``
runs on every document its cascade passes on), so that the count judges the decoder's own hot
path whatever the cascade clears.  The texts are the repository's own example (``examples/original.txt``, and
``examples/spun.txt``, spun by a tool whose pairs no model learns from) and that original spun
with the public table (the lineage most tools descend from: dense edits and the second pass).

How: one child process runs under ``valgrind --tool=callgrind`` with instrumentation off while
it loads the model and warms every cache with one call per text (a long-running scan's steady
state); then it turns instrumentation on (``callgrind_control -i on``) and runs each measured
call inside ``functools.reduce``, the only function callgrind collects in
(``--toggle-collect``), dumping the counters after each measurement.  ``PYTHONHASHSEED=0``
keeps dictionary layouts, and so the counts, the same from run to run. Takes a few minutes.
"""

from __future__ import annotations

import argparse
import functools
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "instructions.md"


def texts() -> dict[str, str]:
    from unspin.lexicon import public
    from unspin.spin import choose_table, spin

    original = (ROOT / "examples" / "original.txt").read_text(encoding="utf-8")
    return {
        "original": original,
        "spun (example: unseen pairs)": (ROOT / "examples" / "spun.txt").read_text(encoding="utf-8"),
        "spun (public table, r = 0.8)": spin(original, choose_table(public.table("all"), seed=1), 0.8, seed=1,
                                            mode="chars").text,
    }


def runs() -> list[tuple[str, str]]:
    """``(function, text name)`` in measuring order."""
    names = list(texts())
    return [("jieba.lcut", n) for n in names] + [(f, n) for f in ("detect", "restore") for n in names]


def child(repeat: int) -> None:
    """Runs under callgrind (see module docstring)."""
    import jieba

    import unspin
    from unspin.decode.document import decode

    jieba.initialize()
    model = unspin.load_model()
    docs = texts()
    fns = {"jieba.lcut": jieba.lcut, "detect": lambda t: decode(t, model, verdict_only=True),
           "restore": lambda t: decode(t, model)}
    for fn, name in runs():  # warm every cache: the steady state of a long run
        fns[fn](docs[name])
    control = shutil.which("callgrind_control") or "callgrind_control"
    subprocess.run([control, "-i", "on", str(os.getpid())], check=True, capture_output=True)
    for fn, name in runs():
        f, text = fns[fn], docs[name]
        functools.reduce(lambda acc, _: f(text), range(repeat), None)
        subprocess.run([control, "-d", str(os.getpid())], check=True, capture_output=True)


def count(path: str) -> int:
    """The instructions a callgrind output file holds (its ``totals:`` or ``summary:`` line)."""
    for line in Path(path).read_text(errors="replace").splitlines():
        m = re.match(r"(?:totals|summary):\s+(\d+)", line)
        if m:
            return int(m.group(1))
    return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="calls per measurement")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.repeat)
        return
    if not shutil.which("valgrind"):
        sys.exit("bench_instructions: needs valgrind (apt-get install valgrind)")
    work = Path(tempfile.mkdtemp(prefix="bench-instr-"))
    out = work / "cg.out"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", "--toggle-collect=functools_reduce",
                    f"--callgrind-out-file={out}", sys.executable, __file__, "--child", "--repeat", str(args.repeat)],
                   check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = sorted(glob.glob(f"{out}.*"), key=lambda p: int(p.rsplit(".", 1)[1]))
    counts = [count(p) / args.repeat for p in parts]
    shutil.rmtree(work, ignore_errors=True)
    measured = dict(zip(runs(), counts, strict=False))
    docs = texts()
    lines = [
        "# Instructions per call (`bench/bench_instructions.py`)", "",
        f"callgrind, {args.repeat} calls each after one warm-up call (caches warm), PYTHONHASHSEED=0; "
        "instructions of the call alone (model loaded before); detect and restore: the full decoder "
        "(`unspin.decode.document.decode`, no cascade).", "",
        "| text | chars | jieba.lcut | detect | restore | detect / jieba | restore / jieba |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, text in docs.items():
        j, d, r = (measured.get((f, name), 0.0) for f in ("jieba.lcut", "detect", "restore"))
        lines.append(f"| {name} | {len(text)} | {j / 1e6:,.1f} M | {d / 1e6:,.1f} M | {r / 1e6:,.1f} M | "
                     f"{j / d if d else 0:.3f} | {j / r if r else 0:.3f} |")
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
