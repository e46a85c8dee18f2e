"""Module structure (issue 18, point 7): trace/ does not import scan/ (the Ray connection is shared)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "unspin"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_trace_takes_nothing_from_scan():
    for path in sorted((SRC / "trace").glob("*.py")):
        assert not {m for m in _imports(path) if m.startswith("unspin.scan")}, path.name


def test_one_ray_connection_for_every_engine():
    from unspin.cluster import connect
    from unspin.scan import ray_engine

    assert ray_engine.connect is connect
    users = [p for p in SRC.rglob("*.py") if "ray.init(" in p.read_text(encoding="utf-8")]
    assert users == [SRC / "cluster.py"]
