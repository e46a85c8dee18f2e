"""Detection on web pages, not bare articles: the same held-out news, natural and spun, inside SEO pages.

    .venv/bin/python bench/bench_pages.py [--docs 100] [--corpus ../shared/corpus/xwlb.jsonl.gz]

Each article (held-out, never trained on) is wrapped in a page the way content farms
publish it: a keyword-stuffed title, a menu, injected gambling/SEO lines between the
paragraphs, a footer, and a few stray control characters.  The page goes through the
same path as ``unspin detect page.html`` (HTML to text, cleaning, body detection).
Prints ROC-AUC, TPR and FPR at the default threshold for bare articles and for pages,
per spinner (see ``unspin.evaluate.spinners``); writes bench/results/pages.md.
"""

from __future__ import annotations

import argparse
import random
import warnings

import numpy as np
from report import write_table

TITLES = ["澳门娱乐城|百家乐|真人娱乐|注册送彩金", "{t}_最新资讯_今日头条_热点新闻网", "{t}-财经频道-手机版"]
MENU = "首页 | 新闻 | 体育 | 财经 | 娱乐 | 科技 | 汽车 | 房产"
SPAM = [
    "澳门威尼斯人官网 注册送38元彩金 百家乐 真人娱乐 棋牌 app下载",
    "相关阅读：{t}",
    "热门推荐 时时彩 六合彩 开户 返水 首存优惠 电子游艺",
    "责任编辑：小编 来源：网络",
]
FOOTER = "Copyright © 2024 某某资讯网 版权所有 京ICP备12345678号 联系我们 免责声明"


def page(article: str, rng: random.Random) -> str:
    """An SEO page around ``article`` (its first line becomes the title)."""
    title = article.split("\n", 1)[0][:20]
    paras = [p for p in article.split("\n") if p.strip()]
    body = []
    for i, p in enumerate(paras):
        body.append(f"<p>{p}</p>")
        if i % 2 == 1:
            body.append(f"<div class='ad'>{rng.choice(SPAM).format(t=title)}</div>")
    ctrl = rng.choice(["\x08", "\x1b", "\x0b", "\x7f"])
    return (
        f"<html><head><title>{rng.choice(TITLES).format(t=title)}</title></head><body>"
        f"<nav>{MENU}</nav><h1>{title}{ctrl}</h1>{''.join(body)}"
        f"<div>{SPAM[0]}</div><footer>{FOOTER}</footer></body></html>"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=100)
    ap.add_argument("--length", type=int, default=800)
    ap.add_argument("--corpus", nargs="*", default=None)
    args = ap.parse_args()

    import unspin
    from unspin.decode.document import analyse
    from unspin.evaluate import heldout_paragraphs, make_docs, roc_auc, spinners
    from unspin.spin import spin
    from unspin.text.decode import check_text
    from unspin.text.page import html_to_text

    model = unspin.load_model()
    rng = random.Random(5)
    docs = make_docs(heldout_paragraphs(model, args.corpus, "text"), args.length, args.docs, rng)

    def score(text: str, as_page: bool) -> float:
        if as_page:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                text = check_text(html_to_text(page(text, rng)))
        return analyse(text, model).result(model.edit_threshold).spin_probability

    rows = []
    natural = {p: [score(d, p) for d in docs] for p in (False, True)}
    for sp in spinners(model, [], 0.3, 7, "chars", thesaurus=False):
        spun = [spin(d, sp.table(i), 0.8, seed=i, mode=sp.mode).text for i, d in enumerate(docs)]
        for as_page in (False, True):
            pos = [score(s, as_page) for s in spun]
            neg = natural[as_page]
            rows.append((sp.name, "page" if as_page else "article", roc_auc(pos, neg),
                         float(np.mean([p >= 0.5 for p in pos])), float(np.mean([p >= 0.5 for p in neg]))))
            print(*rows[-1])
    source = "corpus " + " ".join(args.corpus) if args.corpus else "registry text"
    write_table(
        "pages.md",
        f"Detection on pages ({len(docs)} held-out articles of ~{args.length} characters, r = 0.8, {source})",
        ["spinner", "input", "ROC-AUC", "TPR@0.5", "FPR@0.5"],
        [(n, k, f"{a:.3f}", f"{t:.3f}", f"{f:.3f}") for n, k, a, t, f in rows],
    )

if __name__ == "__main__":
    main()
