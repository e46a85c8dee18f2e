"""The test crawl of the dedup tests: spun copies, excerpts and stitched pages of real text."""

from __future__ import annotations

import json
import re
from pathlib import Path


def _sents(t: str) -> list[str]:
    return re.findall(r"[^。！？]+[。！？]?", t)


def make_crawl(path: Path, articles: int = 6, unrelated: int = 6) -> dict[str, str]:
    """Six articles, each with copies spun at r = 0.3 and 0.8 and a spun 30% excerpt; two stitched
    pages; six unrelated articles; three bad records.  Odd articles and their copies carry dates
    (the original's the earliest), even ones none.  Returns each good id's true cluster."""
    from unspin.lexicon import sources
    from unspin.spin import random_table, spin
    from unspin.train.corpora import documents, peoples_daily

    docs = (d for d in documents(peoples_daily(), seed=3, min_chars=400, max_chars=1200) if len(d) >= 400)
    corpus = [d for _, d in zip(range(articles + unrelated), docs, strict=False)]
    table = random_table(sources.cilin(), seed=11, coverage=0.8)
    rows, truth = [], {}
    for i, t in enumerate(corpus[:articles]):
        def date(d: int, i: int = i) -> dict:
            return {"date": f"1998-0{d}-1{i}"} if i % 2 else {}

        s = _sents(t)
        group = [{"id": f"a{i}", "text": t, **date(1)},
                 {"id": f"a{i}-r3", "text": spin(t, table, 0.3, i).text, **date(2)},
                 {"id": f"a{i}-r8", "text": spin(t, table, 0.8, i + 100).text, **date(3)},
                 {"id": f"a{i}-ex", "text": spin("".join(s[: max(2, len(s) * 3 // 10)]), table, 0.6, i).text}]
        rows += group
        truth.update({r["id"]: f"a{i}" for r in group})
    for i in range(0, articles - 1, 2)[:2]:
        a, b = _sents(corpus[i]), _sents(corpus[i + 1])
        rows.append({"id": f"st{i}", "text": spin("".join(a[: len(a) // 2] + b[len(b) // 2 :]), table, 0.5, i).text})
        truth[f"st{i}"] = f"a{i}"
    for i, t in enumerate(corpus[articles:]):
        rows.append({"id": f"n{i}", "text": t})
        truth[f"n{i}"] = f"n{i}"
    rows += [{"id": "bad"}, {"id": "en", "text": "hello world"}, {"id": "a1", "text": "重复的编号不能再用一次。"}]
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        f.write("{broken\n")
    return truth
