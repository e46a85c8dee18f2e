"""unspin dedup on Ray (signatures and tracing on actors) gives exactly the local result."""

from __future__ import annotations

import json

import pytest
from dedup_data import make_crawl

from unspin.dedup import DedupOptions, dedup

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("ray_local")]



def test_ray_equals_local(tmp_path):
    make_crawl(tmp_path / "crawl.jsonl", articles=2, unrelated=2)
    runs = {}
    for engine in ("local", "ray"):
        out = tmp_path / f"{engine}.jsonl"
        s = dedup(DedupOptions(inputs=[str(tmp_path / "crawl.jsonl")], out=str(out), engine=engine, workers=2,
                               shard_size=4, spin=False, progress=False))
        runs[engine] = (out.read_text(encoding="utf-8"), s.clusters, s.removed)
    assert runs["ray"] == runs["local"]
    recs = [json.loads(x) for x in runs["ray"][0].splitlines()]
    assert sum(r["relation"] == "stitched" for r in recs) == 1 and runs["ray"][1] == 4


def test_link_components_on_ray_equal_numpy():
    import numpy as np

    from unspin.dedup.graph import components, components_ray

    rng = np.random.default_rng(1)
    n = 5_000
    a, b = rng.integers(0, n, 4_000), rng.integers(0, n, 4_000)
    chain = np.arange(300)  # a long path: several rounds of propagation
    a, b = np.r_[a, chain[:-1]], np.r_[b, chain[1:]]
    want = components(a, b, n)
    assert (components_ray(a, b, n, 3) == want).all() and want[299] == 0
    assert len(np.unique(want)) < n
