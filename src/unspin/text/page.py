"""Web pages: readable text from HTML, and which lines of a page are article body.

Detection should weigh the article, not the menus, keyword-stuffed titles, footers or
injected gambling/SEO spam around it; :func:`body_spans` finds the article lines.

>>> page = "首页 新闻 体育 财经\\n市教育局昨天召开新闻发布会，宣布今年将新建二十所公立幼儿园。\\n京ICP备12345678号"
>>> [page[s:e] for s, e in body_spans(page)]
['市教育局昨天召开新闻发布会，宣布今年将新建二十所公立幼儿园。']
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from html.parser import HTMLParser

from unspin.text.decode import han_count

HTML_EXTS = (".html", ".htm")
MIN_BODY_HAN = 12
"""A body line has at least this many Han characters (and sentence punctuation)."""
MAX_KEYWORD_HAN = 6
"""Keyword lists: 4+ parts whose median part has at most this many Han characters."""
SPAM_SHARE = 0.4
"""Spam: 3+ different spam terms covering at least this share of the Han characters."""
REPEAT_SHARE = 0.6
"""Spam: at least this share of 4+ short phrases (see MAX_PHRASE_HAN) repeat one 3-character term."""
MAX_PHRASE_HAN = 8
"""Repeated-phrase spam: the median phrase has at most this many Han characters."""

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LINE = re.compile(r"[^\n\r\u2028\u2029]+")
_SENTENCE = re.compile(r"[。！？；，]|(?<=[\u3400-\u9fff])[,;!?]")
_END = re.compile(r"[。！？]")
_PHRASE = re.compile(r"[\s|｜_,，。！？；;!?、:：]+")
_SEP = re.compile(r"[\s|｜_\-—/\\,，、·•»>~]+")
_HARD_SEP = re.compile(r"[|｜»]|(?<=[\u3400-\u9fff])_|_(?=[\u3400-\u9fff])")
_NAV = re.compile(
    r"(当前位置|您的位置|(上一篇|下一篇|相关阅读|相关新闻|相关文章|热门推荐|推荐阅读|猜你喜欢|"
    r"责任编辑|编辑|来源|作者|标签|关键词|关键字|原标题|分享到)\s*[:：])"
)
_FOOTER = re.compile(
    r"版权所有|版权声明|ICP备|ICP证|公网安备|联系我们|关于我们|免责声明|隐私政策|用户协议|网站地图|"
    r"广告服务|违法和不良信息|举报电话|copyright|©|all rights reserved",
    re.I,
)
_URL = re.compile(r"(?:https?://|www\.)\S+|[a-z0-9.-]+\.(?:com|cn|net|org|cc|top|vip)\b\S*", re.I)
_SPAM = re.compile(
    r"彩票|博彩|娱乐城|棋牌|百家乐|时时彩|六合彩|真人|注册送|彩金|官网|平台|下载|赌场|赌博|"
    r"老虎机|捕鱼|开户|投注|返水|首存|电子游艺|葡京|威尼斯人|app",
    re.I,
)


def body_spans(text: str) -> list[tuple[int, int]]:
    """Code-point spans ``[start, end)`` of the article-body lines of ``text``.

    Each span is one line without its surrounding whitespace; see :func:`is_body_line`.
    If no line is body, the whole text is returned so nothing is lost.

    >>> body_spans("澳门娱乐城|百家乐|真人娱乐|注册送彩金")
    [(0, 20)]
    """
    spans = []
    for m in _LINE.finditer(text):
        line = m.group()
        start = m.start() + len(line) - len(line.lstrip())
        end = m.start() + len(line.rstrip())
        if is_body_line(text[start:end]):
            spans.append((start, end))
    return spans or [(0, len(text))]


def is_body_line(line: str) -> bool:
    """True for an article line: enough Han characters and sentence punctuation, and not
    navigation, a keyword list, a footer, mostly links/digits or gambling/SEO spam.

    >>> is_body_line("市教育局昨天召开新闻发布会，宣布今年将新建二十所公立幼儿园。")
    True
    >>> is_body_line("澳门娱乐城，百家乐，真人娱乐，注册送彩金，时时彩")
    False
    """
    line = line.strip()
    han = han_count(line)
    if han < MIN_BODY_HAN or not _SENTENCE.search(line) or _NAV.match(line):
        return False
    footer = len(_FOOTER.findall(line))
    if footer >= 2 or (footer and han < 40):
        return False
    return not (_keyword_list(line) or _link_heavy(line) or _spam(line, han))


def _keyword_list(line: str) -> bool:
    """A title/menu (2+ of | ｜ » _) or short parts between separators, not a sentence."""
    if len(_HARD_SEP.findall(line)) >= 2:
        return True
    if _END.search(line):
        return False
    parts = sorted(n for n in map(han_count, _SEP.split(line)) if n)
    return len(parts) >= 4 and parts[len(parts) // 2] <= MAX_KEYWORD_HAN


def _link_heavy(line: str) -> bool:
    """At least half of the non-space characters are URLs or digits."""
    rest = _URL.sub("", line)
    junk = len(line) - len(rest) + sum(c.isdigit() for c in rest)
    return junk * 2 >= len("".join(line.split()))


def _spam(line: str, han: int) -> bool:
    """Dense spam terms, or a line dominated by repeated short phrases."""
    hits = _SPAM.findall(line)
    if len({h.lower() for h in hits}) >= 3 and sum(map(len, hits)) >= SPAM_SHARE * han:
        return True
    phrases = [n for n in (han_count(p) for p in _PHRASE.split(line)) if n >= 2]
    if len(phrases) < 4 or sorted(phrases)[len(phrases) // 2] > MAX_PHRASE_HAN:
        return False
    grams: Counter[str] = Counter()
    for p in _PHRASE.split(line):
        grams.update({r[i : i + 3] for r in _HAN_RUN.findall(p) for i in range(len(r) - 2)})
    return max(grams.values(), default=0) >= REPEAT_SHARE * len(phrases)


def looks_like_html(text: str) -> bool:
    """True if the start of ``text`` has an ``<html>``/``<head>``/``<body>`` tag or several HTML tags.

    >>> looks_like_html("<!DOCTYPE html><html><body><p>今年</p></body></html>")
    True
    >>> looks_like_html("今年要交付 <30万辆> 小米汽车")
    False
    """
    head = text[:4096]
    if re.search(r"<(!doctype\s+html|html|head|body)\b", head, re.I):
        return True
    tags = re.findall(r"</?(?:p|div|br|span|a|li|ul|ol|table|tr|td|h[1-6]|meta|title|script|style)\b[^<>]*>",
                      head, re.I)
    return len(tags) >= 3


def main_text(html: str | bytes) -> str | None:
    """Main article text of a page by trafilatura (menus and boilerplate dropped), or None.

    Raises :class:`ImportError` without trafilatura (``pip install 'unspin[scan]'``).
    """
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    return trafilatura.extract(html, include_comments=False, include_tables=False) if html else None


def html_to_text(html: str) -> str:
    """Readable text of an HTML page: trafilatura's main text when installed and it finds
    some, else :func:`parse_html_text`.

    >>> html_to_text("<p>今年要&nbsp;交付</p><script>x = 1</script>")
    '今年要 交付'
    """
    try:
        text = main_text(html)
    except ImportError:
        text = None
    return text or parse_html_text(html)


_SKIP = frozenset({
    "script", "style", "noscript", "template", "svg", "head", "nav", "header", "footer", "aside", "iframe",
    "select",
})
_BLOCK = frozenset({
    "address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol", "p", "pre", "section", "table", "td",
    "th", "title", "tr", "ul",
})


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.buf: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "body":
            self.skip = 0  # an unclosed <head> must not hide the page
        elif tag in _SKIP:
            self.skip += 1
        elif tag in _BLOCK:
            self.flush()

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self.flush()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.buf.append(data)

    def flush(self) -> None:
        line = " ".join("".join(self.buf).split())
        if line:
            self.lines.append(line)
        self.buf = []


def parse_html_text(html: str) -> str:
    """Text of ``html`` by the standard library: script, style, head, nav, header, footer
    and aside are dropped; each block (paragraph, heading, list item, cell) is a line.

    >>> parse_html_text("<nav>首页</nav><h1>标题</h1><p>第一段<br>第二行</p><footer>版权所有</footer>")
    '标题\\n第一段\\n第二行'
    """
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    parser.flush()
    return "\n".join(parser.lines)
