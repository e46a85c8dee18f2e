"""The web page in a real browser (Debian's chromium driven by Playwright) against a real uvicorn.

Screenshots go to a temporary folder, or to docs/screenshots/ with UNSPIN_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed: pip install 'unspin[server]'")
playwright = pytest.importorskip("playwright.sync_api", reason="the test extra is not installed (playwright)")
expect = playwright.expect

import httpx  # noqa: E402
from test_server_fixtures import *  # noqa: E402,F403  (app, base_url, spun_doc, trace_index ...)

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LAPTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    if os.environ.get("UNSPIN_SCREENSHOTS"):
        out = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        return out
    return tmp_path_factory.mktemp("screenshots")


def open_page(browser, base_url, viewport):
    """A fresh page that refuses (and records) every request leaving the test server."""
    ctx = browser.new_context(viewport=viewport, permissions=["clipboard-read", "clipboard-write"])
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    page.outside = []
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)

    def guard(route):
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            page.outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(base_url)
    return page


LEVELS_ZH = {"c-hi": "高", "c-mid": "中", "c-lo": "低"}


def confidence_class(c: float) -> str:
    """The page's confidence levels (align.js confidenceClass)."""
    return "c-hi" if c >= 0.9 else "c-mid" if c >= 0.7 else "c-lo"


def legend(page) -> list[str]:
    return page.locator("#legend .mark").all_inner_texts() if page.locator("#legend").is_visible() else []


def english(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def analyze(page, text: str) -> None:
    page.fill("#text", text)
    page.click("#analyze")
    page.wait_for_selector("#results[data-state=done]", timeout=15_000)


def test_analyze_highlights_popover_restored_copy(browser, base_url, spun_doc, shots):
    expected = httpx.post(f"{base_url}/v1/restore", json={"text": spun_doc.text}, timeout=30).json()
    assert expected["edits"], "the model found no swapped word in a fully spun article"
    page = open_page(browser, base_url, LAPTOP)
    analyze(page, spun_doc.text)

    marks = page.locator("#doc mark")
    assert marks.count() == len(expected["edits"])
    assert marks.all_inner_texts() == [e["spun"] for e in expected["edits"]]
    assert page.inner_text("#doc") == spun_doc.text
    assert page.get_attribute("#label", "data-label") == expected["label"]
    assert page.inner_text("#label") == {"spun": "伪原创", "natural": "原创"}[expected["label"]]  # Chinese first
    assert page.text_content("#gauge-value").endswith("%")
    classes = {confidence_class(e["confidence"]) for e in expected["edits"]}
    assert legend(page) == [LEVELS_ZH[c] for c in ("c-hi", "c-mid", "c-lo") if c in classes]  # reachable only

    first = expected["edits"][0]
    marks.first.hover()
    pop = page.locator("#pop")
    pop.wait_for(state="visible")
    assert first["original"] in pop.inner_text()
    assert f"{round(first['confidence'] * 100)}%" in pop.inner_text()
    page.screenshot(path=str(shots / "laptop-analysis.png"))

    page.click("#show-restored")
    assert legend(page) == ["还原的原词"]
    assert page.inner_text("#doc") == expected["restored"]
    assert page.locator("#doc mark.restored").all_inner_texts() == [e["original"] for e in expected["edits"]]
    page.click("#copy")
    assert page.evaluate("navigator.clipboard.readText()") == expected["restored"]
    page.click("#show-spun")
    assert page.inner_text("#doc") == spun_doc.text
    assert not page.outside and not page.errors


def test_side_by_side_with_index(browser, base_url, spun_doc, original_text, trace_index, shots):
    if trace_index is None:
        pytest.skip("the trace package (unspin.trace) is not available")
    page = open_page(browser, base_url, LAPTOP)
    analyze(page, spun_doc.text)
    page.wait_for_selector("#compare[data-state=done]", timeout=15_000)
    assert page.inner_text("#index-badge") == "索引：2 篇文档"
    assert page.locator("#source-list li").first.inner_text().startswith("news-0412.txt")
    left = page.locator("#compare .crow:not(.gap) .cell.q mark.sub")
    right = page.locator("#compare .crow:not(.gap) .cell.s mark.sub")
    assert left.count() > 0 and right.count() > 0
    for cell in page.locator("#compare .crow:not(.gap) .cell.s").all_inner_texts():
        assert cell in original_text  # the right side shows the source's own words
    swapped = {(s.spun, s.original) for s in spun_doc.swaps}
    pairs = set(zip(left.all_inner_texts(), right.all_inner_texts(), strict=False))
    assert pairs & swapped, "no substituted word is marked on both sides"
    page.locator("#sources").screenshot(path=str(shots / "laptop-sources.png"))
    assert not page.outside and not page.errors


def test_phone_layout_and_tap(browser, base_url, spun_doc, trace_index, shots):
    page = open_page(browser, base_url, PHONE)
    analyze(page, spun_doc.text)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("#doc mark").count(), "the model found no swapped word in a fully spun article"
    page.locator("#doc mark").first.click()  # a tap pins the popover
    box = page.locator("#pop").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.locator("#doc mark").first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "phone-analysis.png"))
    if trace_index is not None:
        page.wait_for_selector("#compare[data-state=done]", timeout=15_000)
        page.locator("#compare").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "phone-sources.png"))
    assert not page.outside and not page.errors


def test_upload_html_and_gbk_text(browser, base_url, tmp_path):
    html = tmp_path / "article.html"
    html.write_text("<html><head><style>p{}</style><script>var x='脚本';</script></head>"
                    "<body><h1>标题</h1><p>今年要交付<b>三十万</b>辆汽车。</p></body></html>", encoding="utf-8")
    gbk = tmp_path / "article.txt"
    gbk.write_bytes("市教育局昨天召开新闻发布会。".encode("gb18030"))
    page = open_page(browser, base_url, LAPTOP)
    page.set_input_files("#file", str(html))
    # the page's CSP forbids eval, so wait with a locator assertion rather than wait_for_function
    expect(page.locator("#text")).to_have_value("标题\n今年要交付三十万辆汽车。")
    page.set_input_files("#file", str(gbk))
    expect(page.locator("#text")).to_have_value("市教育局昨天召开新闻发布会。")


def test_errors_are_shown_in_the_page_language_with_what_to_do(browser, base_url):
    page = open_page(browser, base_url, LAPTOP)
    page.fill("#text", "hello world")
    page.click("#analyze")
    page.wait_for_selector("#status.error")
    assert page.inner_text("#status") == "这段文本里没有中文。 unspin 只分析中文文本：请粘贴一篇中文文章。"
    assert page.locator("#results").is_hidden()
    page.click("#lang")  # the error is redrawn in English, still the page's words, not the CLI's
    assert page.inner_text("#status") == ("This text has no Chinese in it. unspin analyses Chinese text: "
                                          "paste a Chinese article.")
    page.fill("#text", "")
    page.click("#analyze")
    expect(page.locator("#status")).to_contain_text("There is no text to analyse.")
    assert "standard input" not in page.inner_text("#status") and "pass a file" not in page.inner_text("#status")
    page.click("#lang")
    assert page.inner_text("#status").startswith("没有可分析的文本。")
    assert not page.outside and all(e.startswith("Failed to load resource") for e in page.errors)  # the 422s


def test_a_failed_request_takes_the_previous_result_off_the_screen(browser, base_url, spun_doc):
    page = open_page(browser, base_url, LAPTOP)
    analyze(page, spun_doc.text)
    assert page.locator("#results").is_visible() and page.text_content("#gauge-value").endswith("%")
    page.fill("#text", "hello world")  # refused by the server (422)
    page.click("#analyze")
    page.wait_for_selector("#status.error")
    assert page.locator("#results").is_hidden() and page.locator("#sources").is_hidden()
    assert page.locator("#doc mark").count() == 0
    analyze(page, spun_doc.text)  # and back: a new result, then the server cannot be reached
    page.route("**/v1/restore", lambda route: route.abort())
    page.click("#analyze")
    page.wait_for_selector("#status.error")
    assert page.inner_text("#status") == "连接不上 unspin 服务器。 请确认服务器仍在运行，然后重试。"
    assert page.locator("#results").is_hidden()
    assert not page.outside


def test_one_count_of_swaps_on_the_card_in_the_api_and_the_cli(browser, base_url, spun_doc, trace_index,
                                                               tmp_path, capsys):
    if trace_index is None:
        pytest.skip("the trace package (unspin.trace) is not available")
    import re

    from unspin.cli import main

    copy = tmp_path / "copy.txt"
    copy.write_text(spun_doc.text, encoding="utf-8")
    assert main(["trace", str(copy), "--index", str(trace_index), "--top-k", "1"]) == 0
    cli = re.search(r"(\d+) swaps?(?: \((\d+) distinct pairs\))?", capsys.readouterr().out)
    api = httpx.post(f"{base_url}/v1/trace", json={"text": spun_doc.text, "top_k": 1}, timeout=30).json()
    subs = api["matches"][0]["substitutions"]
    swaps, pairs = sum(s["count"] for s in subs), len(subs)
    assert int(cli.group(1)) == swaps and int(cli.group(2) or swaps) == pairs  # CLI: swaps = occurrences
    page = open_page(browser, base_url, LAPTOP)
    analyze(page, spun_doc.text)
    page.wait_for_selector("#compare[data-state=done]", timeout=15_000)
    card = page.locator("#source-list li").first.inner_text()
    assert f"{swaps} 处替换" in card and (pairs == swaps or f"（{pairs} 组词对）" in card)
    page.click("#lang")
    card = page.locator("#source-list li").first.inner_text()
    assert english(swaps, "swap") in card and (pairs == swaps or f"({english(pairs, 'distinct pair')})" in card)


def test_no_index_hides_sources(browser, bare_app, spun_doc):
    from unspin.server.testing import serve_in_thread

    with serve_in_thread(bare_app) as url:
        page = open_page(browser, url, LAPTOP)
        analyze(page, spun_doc.text)
        assert page.locator("#sources").is_hidden()
        assert page.locator("#index-badge").is_hidden()


def test_chinese_by_default_english_switch_and_plurals(browser, base_url, spun_doc, trace_index):
    expected = httpx.post(f"{base_url}/v1/restore", json={"text": spun_doc.text}, timeout=30).json()
    page = open_page(browser, base_url, LAPTOP)
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.inner_text("#analyze") == "分析" and page.inner_text("#lang") == "English"
    analyze(page, spun_doc.text)
    assert "处替换" in page.inner_text("#summary-text") and "字，用时" in page.inner_text("#status")
    page.click("#lang")  # everything on screen is redrawn in English, including the analysis
    assert page.get_attribute("html", "lang") == "en" and page.inner_text("#analyze") == "Analyze"
    assert page.inner_text("#label") == expected["label"].upper()  # CSS upper-cases the pill
    n, pairs = len(expected["edits"]), len({(e["spun"], e["original"]) for e in expected["edits"]})
    distinct = f" ({english(pairs, 'distinct pair')})" if pairs < n else ""
    assert page.inner_text("#summary-text") == f"{english(n, 'swap')}{distinct} found and restored."
    assert page.inner_text("#count") == english(len(spun_doc.text), "character")
    assert page.inner_text("#status").startswith(f"Analysed {english(len(spun_doc.text), 'character')} in ")
    if trace_index is not None:
        page.wait_for_selector("#compare[data-state=done]", timeout=15_000)
        assert page.inner_text("#index-badge") == "index: 2 documents"
        assert page.inner_text("#compare .chead").split("\n")[0] == "This text"
    one = page.evaluate("import('/static/i18n.js').then((m) => [m.t('swapped', 1, 1), m.t('indexDocs', 1), "
                        "m.t('matchInfo', '50%', '0.50', 1, 1), m.t('chars', 1)])")
    assert one == ["1 swap found and restored.", "index: 1 document", " covers 50% · score 0.50 · 1 swap",
                   "1 character"]
    page.reload()  # the choice is remembered
    assert page.inner_text("#analyze") == "Analyze"
    page.click("#lang")
    assert page.inner_text("#analyze") == "分析" and not page.outside and not page.errors


def test_sources_panel_names_the_article(browser, model, spun_doc, original_text):
    from unspin.server import create_app
    from unspin.server.testing import serve_in_thread
    from unspin.server.tracing import StaticTracer

    def match(i: int, url: str) -> dict:
        meta = {"title": f"雷军谈交付 {i}", "date": "2024-03-01", "url": url}
        return {"id": f"a{i}", "meta": meta, "score": 0.9, "coverage": 1.0, "source_text": original_text,
                "passages": [], "substitutions": []}

    app = create_app(model=model, index=StaticTracer([match(1, "https://example.com/a1"), match(2, "javascript:x")]))
    with serve_in_thread(app) as url:
        page = open_page(browser, url, LAPTOP)
        analyze(page, spun_doc.text)
        page.wait_for_selector("#compare[data-state=done]", timeout=15_000)
        items = page.locator("#source-list li").all_inner_texts()
        assert items[0].startswith("雷军谈交付 1 2024-03-01") and items[1].startswith("雷军谈交付 2")
        assert page.get_attribute("#compare a", "href") == "https://example.com/a1"
        page.locator("#source-list li button").nth(1).click()
        assert page.locator("#compare a").count() == 0 and "雷军谈交付 2 · 2024-03-01" in page.inner_text("#compare")
