"""A newcomer's first minutes: core install size, ``unspin --help`` time, one ``detect`` call.

    .venv/bin/python bench/bench_first_use.py [--core /tmp/unspin-core] [--runs 7]

Builds a virtualenv with only the core (``pip install .``, no extras) unless ``--core`` names
one that exists, measures its size on disk (``du``, also without pip/setuptools), and times,
as whole processes from start to exit, ``unspin --help``, ``unspin restore --help`` and
``unspin detect`` of a 1,000-character file (median and max of ``--runs``).  Writes
bench/results/first_use.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "first_use.md"
EXTRAS_ONLY = ("fastapi", "uvicorn", "ray", "pyarrow", "playwright", "matplotlib", "datatrove", "datasets")


def du_mb(path: Path, *exclude: str) -> float:
    args = ["du", "-sk", *(f"--exclude={x}" for x in exclude), str(path)]
    return int(subprocess.run(args, capture_output=True, text=True, check=True).stdout.split()[0]) / 1024


def core_venv(path: Path) -> float:
    """Create the core virtualenv if missing; returns the install's seconds (0 if it existed)."""
    if (path / "bin" / "unspin").exists():
        return 0.0
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    subprocess.run([str(path / "bin" / "pip"), "install", "-q", str(ROOT)], check=True)
    return time.perf_counter() - t


def timed(cmd: list[str], runs: int) -> tuple[float, float]:
    seconds = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        seconds.append(time.perf_counter() - t)
    return statistics.median(seconds), max(seconds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--core", type=Path, default=Path(tempfile.gettempdir()) / "unspin-core")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    install_s = core_venv(args.core)
    site = next((args.core / "lib").glob("python3*/site-packages"))
    installed = subprocess.run([str(args.core / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
                               capture_output=True, text=True, check=True).stdout.split()
    extras = sorted(p.split("==")[0] for p in installed if p.split("==")[0].lower() in EXTRAS_ONLY)
    doc = Path(tempfile.mkdtemp()) / "doc1000.txt"
    text = (ROOT / "examples" / "spun.txt").read_text(encoding="utf-8") + (ROOT / "examples" / "original.txt").read_text(encoding="utf-8")
    doc.write_text(text[:1000], encoding="utf-8")
    unspin = str(args.core / "bin" / "unspin")
    rows = [
        ("`unspin --help`", *timed([unspin, "--help"], args.runs), "≤ 0.5 s"),
        ("`unspin restore --help`", *timed([unspin, "restore", "--help"], args.runs), "≤ 0.5 s"),
        ("`unspin detect` of 1,000 characters", *timed([unspin, "detect", str(doc)], args.runs), "≤ 1.5 s"),
    ]
    total, without_pip = du_mb(args.core), du_mb(site, "pip", "setuptools", "pkg_resources", "_distutils_hack")
    largest = sorted(((du_mb(p), p.name) for p in site.iterdir() if p.is_dir()), reverse=True)[:6]
    lines = [
        "# First use (issue 11)", "",
        f"Core virtualenv `{args.core}` (`pip install .`, no extras"
        + (f", installed in {install_s:.0f} s with a warm pip cache" if install_s else "") + ").", "",
        "| measure | value | target |", "|---|---|---|",
        f"| core install on disk (`du -sh` of the virtualenv) | {total:.0f} MB | ≤ 150 MB |",
        f"| … without pip and setuptools | {without_pip:.0f} MB | |",
        f"| packages of the extras in the core ({', '.join(EXTRAS_ONLY)}) | {', '.join(extras) or 'none'} | none |",
        *(f"| {name} (median / max of {args.runs}, process start to exit) | {med:.2f} s / {mx:.2f} s | {target} |"
          for name, med, mx, target in rows),
        "", "Largest packages: " + ", ".join(f"{name} {mb:.0f} MB" for mb, name in largest) + ".", "",
    ]
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
