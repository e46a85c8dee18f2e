"""Web pages: article-body lines, HTML to text, and HTML input to ``unspin restore/detect``."""

from __future__ import annotations

import pytest

from unspin.text import page as page_mod
from unspin.text.decode import read_input
from unspin.text.page import body_spans, html_to_text, is_body_line, looks_like_html, parse_html_text

PARA1 = "市教育局昨天召开新闻发布会，宣布今年将新建二十所公立幼儿园，新增学位六千个，以缓解适龄儿童入园难的问题。"
PARA2 = (
    "据介绍，新建幼儿园主要分布在城市新区和人口导入较多的街道，预计明年九月前全部投入使用。"
    "教育局有关负责人表示，将同步招聘和培训幼儿教师，确保办园质量。"
)
BOILERPLATE_TOP = [
    "首页 | 新闻 | 体育 | 财经 | 娱乐 | 科技 | 汽车 | 房产",
    "当前位置：首页 > 新闻 > 国内",
    "登录  注册",
    "澳门娱乐城|百家乐|真人娱乐|注册送彩金",
    "澳门娱乐城，百家乐，真人娱乐，注册送彩金，时时彩，棋牌游戏",
    "新建二十所公立幼儿园 今年新增学位六千个_本地新闻_某某新闻网",
    "2024-05-01 10:23  来源：某某日报  阅读：12345",
]
BOILERPLATE_BOTTOM = [
    "最新澳门新葡京娱乐城官网注册送38元彩金，澳门新葡京娱乐城app下载，澳门新葡京娱乐城真人百家乐平台。",
    "重庆时时彩开奖结果，重庆时时彩走势图，重庆时时彩计划，重庆时时彩官网，重庆时时彩开奖记录。",
    "www.example.com  https://m.example.com/news/2024/0501/123456.html  客服电话：010-12345678",
    "上一篇：本市启动春季植树活动，市民可通过小程序预约参加",
    "责任编辑：张三",
    "版权所有 © 2024 某某新闻网 京ICP备12345678号 京公网安备11010502030000号",
    "联系我们 | 关于我们 | 免责声明 | 网站地图",
]
PAGE = "\n".join([*BOILERPLATE_TOP, "", "　　" + PARA1, "　　" + PARA2 + "  ", "", *BOILERPLATE_BOTTOM]) + "\n"


def test_body_spans_cover_exactly_the_paragraphs():
    assert [PAGE[s:e] for s, e in body_spans(PAGE)] == [PARA1, PARA2]


def test_body_spans_handle_crlf_and_offsets():
    text = PAGE.replace("\n", "\r\n")
    spans = body_spans(text)
    assert [text[s:e] for s, e in spans] == [PARA1, PARA2]
    assert spans[0][0] == text.index(PARA1)


@pytest.mark.parametrize("text", ["", "首页 新闻 体育\n版权所有 京ICP备12345678号", "澳门娱乐城|百家乐|真人娱乐|注册送彩金"])
def test_no_body_line_gives_the_whole_text(text):
    assert body_spans(text) == [(0, len(text))]


@pytest.mark.parametrize(
    "line",
    [
        # news about gambling is body: spam terms, but not dense
        "警方破获一起利用境外博彩平台实施网络赌博的案件，涉案平台以百家乐、时时彩为幌子吸引参赌人员，涉案金额高达三亿元。",
        # a paragraph that repeats a name is not a repeated-phrase spam line
        "小米汽车今年交付三十万辆，小米汽车的工厂将扩产，小米汽车负责人表示，新车型将在下半年上市。",
        "该公司在免责声明中表示，上述预测基于当前市场情况，实际结果可能与预期存在较大差异，请投资者注意风险。",
        "调用get_user_name函数可以得到用户名，然后把结果写入数据库，整个过程不到一秒。",
    ],
)
def test_body_lines_are_not_mistaken_for_boilerplate(line):
    assert is_body_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "网站优化排名，网站优化公司，网站优化价格，网站优化方案，网站优化多少钱，专业网站优化。",
        "北京赛车pk10开奖直播，北京赛车pk10官网，北京赛车pk10计划，北京赛车pk10走势图，北京赛车pk10技巧",
        "棋牌游戏平台官网，彩票注册送彩金，真人娱乐城app下载，欢迎您的光临。",
        "小米汽车今年交付三十万辆，雷军称信心十足 | 新浪财经 | 新浪网",
    ],
)
def test_spam_and_titles_are_not_body(line):
    assert not is_body_line(line)


HTML = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>澳门娱乐城|百家乐</title>
<style>p {{ color: red; }}</style><script>var 广告 = "注册送彩金";</script></head>
<body>
<header><div class="logo">某某新闻网</div></header>
<nav><ul><li><a href="/">首页</a></li><li><a href="/news">新闻</a></li><li><a href="/sports">体育</a></li></ul></nav>
<article><h1>新建二十所公立幼儿园</h1>
<p>{PARA1}</p>
<p>{PARA2}</p></article>
<footer><p>版权所有 &copy; 2024 某某新闻网 京ICP备12345678号</p></footer>
</body></html>
"""


def test_stdlib_parser_drops_chrome_and_keeps_blocks_as_lines():
    text = parse_html_text(HTML)
    assert text.splitlines() == ["新建二十所公立幼儿园", PARA1, PARA2]


@pytest.mark.parametrize("trafilatura", [True, False])
def test_html_to_text_keeps_the_article(trafilatura, monkeypatch):
    if not trafilatura:
        monkeypatch.setattr(page_mod, "main_text", lambda html: (_ for _ in ()).throw(ImportError("no")))
    text = html_to_text(HTML)
    assert "<" not in text and "注册送彩金" not in text and "color" not in text
    assert [text[s:e] for s, e in body_spans(text)] == [PARA1, PARA2]


def test_unclosed_head_does_not_hide_the_page():
    assert parse_html_text(f"<html><head><title>标题<body><p>{PARA1}</p>") == PARA1


def test_looks_like_html():
    assert looks_like_html(HTML) and looks_like_html(f"<div><p>{PARA1}</p><p>{PARA2}</p></div>")
    assert not looks_like_html(PAGE) and not looks_like_html("今年要交付 <30万辆> 小米汽车 a<b")


@pytest.mark.parametrize("name", ["page.html", "page.htm", "saved.txt"])
def test_read_input_converts_html(tmp_path, name):
    p = tmp_path / name
    p.write_text(HTML, encoding="gbk" if name == "page.htm" else "utf-8")
    text = read_input(p)
    assert PARA1 in text and PARA2 in text and "<p>" not in text and "var " not in text


def test_read_input_reports_an_empty_page(tmp_path):
    from unspin.errors import InputError

    p = tmp_path / "empty.html"
    p.write_text("<html><head><title>x</title></head><body><script>1</script></body></html>", encoding="utf-8")
    with pytest.raises(InputError, match="no readable text"):
        read_input(p)
