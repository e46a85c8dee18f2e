"""Issue 10's long runs: random SIGKILLs of ``unspin scan`` and ``unspin index add``, and memory bounds.

    .venv/bin/python bench/bench_reliability.py [--scan-kills 30] [--index-kills 30] [--seed 1]

1. **Kill loop, scan.**  A 240-document JSONL corpus (every 3rd record spun, one bad line)
   is scanned uninterrupted once (the reference), then again and again with a SIGKILL of
   the whole process group after a random delay up to 1.1x a full run (every 4th kill
   instead lands as soon as the cleanup starts); each killed run is rerun (the same
   command) until one finishes.  Every finished scan must equal the
   reference byte for byte (scores and rejects) and leave no work folder.
2. **Kill loop, index.**  The same for ``unspin index add`` into a new index folder: after
   the finishing run the index must hold exactly the reference documents and postings.
   Kills land in model loading, adding and the final commit; every 4th one as soon as the
   new index file is being created.
3. **Memory.**  Peak RSS of ``unspin restore`` / ``detect`` on 100 kB and 1 MB of news
   text, and the time ``restore /dev/zero`` takes to stop with its one-line error.

Writes bench/results/reliability.md (and prints it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).parent / "results" / "reliability.md"
CLI = [sys.executable, "-m", "unspin.cli"]


def make_corpus(folder: Path, n: int = 240) -> tuple[Path, str]:
    """A JSONL corpus of ``n`` held-out news documents (every 3rd spun) plus one bad line; and its text."""
    import unspin
    from unspin.evaluate import heldout_paragraphs, make_docs
    from unspin.lexicon.sources import cilin
    from unspin.spin import random_table, spin

    texts = make_docs(heldout_paragraphs(unspin.load_model(), None, "text"), 300, n, random.Random(5))
    table = random_table(cilin(), seed=23, coverage=0.7)
    rows = [json.dumps({"id": f"d{i:04d}", "text": spin(t, table, r=0.6, seed=i).text if i % 3 == 0 else t},
                       ensure_ascii=False) for i, t in enumerate(texts)]
    rows.insert(n // 2, '{"id": "bad", "text": ')
    path = folder / "corpus.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path, "\n".join(texts)


def _run(args: list[str], kill_after: float | None, kill_when: Path | None = None) -> tuple[bool, float]:
    """Run the CLI; SIGKILL its process group after ``kill_after`` s, or as soon as ``kill_when``
    exists (to hit a short phase such as index creation or cleanup). (finished, seconds)"""
    start = time.monotonic()
    proc = subprocess.Popen(CLI + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    while proc.poll() is None:
        late = kill_after is not None and time.monotonic() - start > kill_after
        if late or (kill_when is not None and kill_when.exists()):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return False, time.monotonic() - start
        time.sleep(0.001)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"run failed after a kill (exit {proc.returncode}): {' '.join(args)}\n{err}")
    return True, time.monotonic() - start


def _kill_loop(kills: int, rng: random.Random, args: list[str], reset, phase, check,
               marker: Path, marker_phase: str) -> dict:
    """Trials of kill-until-finished; every 4th kill waits for ``marker`` to appear (phase
    ``marker_phase``) instead of a random delay.  Returns kills by phase and trials (each checked)."""
    reset()
    _, full = _run(args, None)
    check()
    phases: dict[str, int] = {}
    done = trials = 0
    while done < kills:
        reset()
        trials += 1
        while True:
            targeted = done % 4 == 3 and not marker.exists()
            finished, _ = _run(args, None if targeted else rng.uniform(0, 1.1 * full), marker if targeted else None)
            if finished:
                break
            done += 1
            where = marker_phase if targeted else phase()
            phases[where] = phases.get(where, 0) + 1
            if where == "finished outputs":  # killed after its last step: a rerun says the output exists
                break
        check()
    return {"kills": done, "trials": trials, "full_run_s": round(full, 1), "phases": phases, "failures": 0}


def scan_loop(tmp: Path, corpus: Path, kills: int, rng: random.Random) -> dict:
    out, ref = tmp / "scan" / "o.jsonl", tmp / "ref"
    args = ["scan", str(corpus), "--out", str(out), "--workers", "2", "--shard-size", "10"]
    parts = Path(str(out) + ".parts")

    def reset() -> None:
        shutil.rmtree(out.parent, ignore_errors=True)
        out.parent.mkdir(parents=True)

    def phase() -> str:
        if not parts.exists():
            return "finished outputs" if out.exists() else "start-up"
        if (parts / "complete.json").exists():
            return "cleanup"
        if out.exists() or Path(str(out) + ".tmp").exists():
            return "merge"
        return "scoring"

    def check() -> None:
        if not ref.exists():
            ref.mkdir()
            for f in (out, tmp / "scan" / "o.rejects.jsonl"):
                shutil.copy(f, ref / f.name)
        for f in (out, tmp / "scan" / "o.rejects.jsonl"):
            if f.read_bytes() != (ref / f.name).read_bytes():
                raise SystemExit(f"scan output differs from the reference after a resume: {f}")
        if parts.exists():
            raise SystemExit("the work folder was left behind")

    return _kill_loop(kills, rng, args, reset, phase, check, parts / "complete.json", "cleanup (targeted)")


def index_loop(tmp: Path, corpus: Path, kills: int, rng: random.Random) -> dict:
    ix = tmp / "ix"
    args = ["index", "add", str(corpus), "--index", str(ix), "--quiet"]
    reference: list[str] = []

    def reset() -> None:
        shutil.rmtree(ix, ignore_errors=True)

    def phase() -> str:
        return "adding" if (ix / "trace.sqlite").exists() else "start-up or creation"

    def digest() -> str:
        with sqlite3.connect(ix / "trace.sqlite") as conn:
            docs = conn.execute("SELECT id, sha1 FROM docs ORDER BY id").fetchall()
            posts = conn.execute("SELECT count(*) FROM postings").fetchone()[0]
        conn.close()
        return hashlib.sha1(json.dumps([docs, posts]).encode()).hexdigest()

    def check() -> None:
        if not reference:
            reference.append(digest())
        if digest() != reference[0]:
            raise SystemExit("index differs from the reference after a resume")
        p = subprocess.run(CLI + ["index", "stats", "--index", str(ix)], capture_output=True)
        if p.returncode:
            raise SystemExit(f"index unusable after a resume: {p.stderr.decode()}")

    return _kill_loop(kills, rng, args, reset, phase, check, ix / "trace.sqlite.creating",
                      "creating the index (targeted)")


def peak_rss(cmd: list[str]) -> tuple[float, float, int]:
    """(peak RSS in MB, seconds, exit code) of ``cmd``, as the kernel counts it (``ru_maxrss``)."""
    probe = ("import resource, subprocess, sys, time; t = time.monotonic(); "
             "c = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode; "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.monotonic() - t, c)")
    kb, seconds, code = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True,
                                       text=True, check=True).stdout.split()
    return int(kb) / 1024, float(seconds), int(code)


def memory(tmp: Path, text: str) -> list[dict]:
    rows = []
    data = text.encode("utf-8")
    for size in (100_000, 1_000_000):
        while len(data) < size:
            data += data
        f = tmp / f"in_{size}.txt"
        f.write_bytes(data[:size].decode("utf-8", "ignore").encode("utf-8"))
        for cmd in ("restore", "detect"):
            mb, s, code = peak_rss(CLI + [cmd, str(f)])
            rows.append({"command": cmd, "input_bytes": f.stat().st_size, "peak_rss_mb": round(mb),
                         "seconds": round(s, 1), "exit": code,
                         "target_mb": round(300 + 40 * f.stat().st_size / 1e6)})
    mb, s, code = peak_rss(CLI + ["restore", "/dev/zero"])
    rows.append({"command": "restore /dev/zero", "input_bytes": 0, "peak_rss_mb": round(mb), "seconds": round(s, 1),
                 "exit": code, "target_mb": None})
    return rows


def report(scan: dict, index: dict, mem: list[dict]) -> str:
    lines = ["# Reliability runs (issue 10) — `bench/bench_reliability.py`", "",
             "| loop | kills | trials (each rerun until finished) | full run | kills by phase | failures |",
             "| --- | ---: | ---: | ---: | --- | ---: |"]
    for name, r in (("scan", scan), ("index add", index)):
        by = ", ".join(f"{k} {v}" for k, v in sorted(r["phases"].items()))
        lines.append(f"| {name} | {r['kills']} | {r['trials']} | {r['full_run_s']} s | {by} | {r['failures']} |")
    lines += ["", "| command | input | peak RSS | time | exit | target (300 MB + 40x input) |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for m in mem:
        target = f"{m['target_mb']} MB" if m["target_mb"] else "—"
        lines.append(f"| {m['command']} | {m['input_bytes']:,} B | {m['peak_rss_mb']} MB | {m['seconds']} s | "
                     f"{m['exit']} | {target} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scan-kills", type=int, default=30)
    ap.add_argument("--index-kills", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        corpus, text = make_corpus(tmp)
        scan = scan_loop(tmp, corpus, args.scan_kills, rng)
        print("scan", scan, flush=True)
        index = index_loop(tmp, corpus, args.index_kills, rng)
        print("index", index, flush=True)
        mem = memory(tmp, text)
    md = report(scan, index, mem)
    OUT.write_text(md, encoding="utf-8")
    print(md)


if __name__ == "__main__":
    main()
