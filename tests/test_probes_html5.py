"""Probes on malformed pages, read as a browser reads them (WHATWG HTML parsing)."""

from __future__ import annotations

from datetime import date

from govaudit.page import Page
from govaudit.page.features import find_features
from govaudit.probes.html import Document
from govaudit.probes.marks import find_marks

URL = "http://www.example.gov.cn/index.html"
TODAY = date(2026, 11, 22)

# A CMS template: the header include closes the document, the body follows, and the
# footer comes after a second stray </body></html>. Unclosed <p>, <li> and <td>, a
# form inside a form, an old footer commented out and one inside an IE conditional.
STRAY_CLOSE = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head><meta charset="utf-8"><title>某市人民政府</title>
<base href="http://cms.example.gov.cn/site/">
</head><body><div class="top">今天是2026年11月22日</div></body></html>
<div class="nav"><ul><li><a href="zwgk/">政府信息公开</a><li><a href="/ysqgk/">依申请公开</a></ul>
<form action="/search" id="outer"><form action="/inner"><input name="searchword"></form>
<table><tr><td>2026-11-20 关于开展工作的通知<td>2026-11-18 公告</table>
<p>正文第一段<p>正文第二段 <a href="news/1.html">新闻</a>
</body></html>
<!-- <div class="footer">网站标识码：9999999999 京ICP备99999999号</div> -->
<!--[if lt IE 9]><div class="footer">京公网安备 99999999999999号</div><![endif]-->
<div class="footer"><p>主办单位：某市人民政府办公厅
<p>网站标识码：5101000001 <p>蜀ICP备05003205号-1
<p><a href="/sitemap/">网站地图</a></div>
</body></html>"""


def test_marks_after_stray_closing_tags_are_found():
    doc = Document(STRAY_CLOSE, URL)
    marks = find_marks(doc)
    assert marks["site_code"] == "5101000001"
    assert marks["icp"] == "蜀ICP备05003205号-1"
    assert marks["sponsor"] == "某市人民政府办公厅"
    assert marks["where"] == {"site_code": "footer", "icp": "footer", "sponsor": "footer",
                              "sitemap": "footer"}
    assert marks["sitemap"] == "http://cms.example.gov.cn/sitemap/"


def test_commented_out_and_conditional_footers_do_not_count():
    marks = find_marks(Document(STRAY_CLOSE, URL))
    assert marks["police"] is None  # only inside <!--[if lt IE 9]>
    assert "9999999999" not in Document(STRAY_CLOSE, URL).text


def test_links_resolve_against_base_href_after_stray_tags():
    targets = Page(STRAY_CLOSE, URL).targets
    assert [(link.url, link.text) for link in targets.checkable.values()] == [
        ("http://cms.example.gov.cn/site/zwgk/", "政府信息公开"),
        ("http://cms.example.gov.cn/ysqgk/", "依申请公开"),
        ("http://cms.example.gov.cn/site/news/1.html", "新闻"),
        ("http://cms.example.gov.cn/sitemap/", "网站地图")]
    assert targets.invalid == {}


def test_features_and_freshness_after_stray_tags():
    page = Page(STRAY_CLOSE, URL, today=TODAY)
    features = find_features(page)
    # the inner <form> is dropped by the parser: its field belongs to the outer form
    [search] = features["search"]
    assert (search.how, search.text, search.url) == (
        "form", '<input name="searchword">', "http://cms.example.gov.cn/search")
    assert features["disclosure_request"]
    # the navigation is never closed, so the parser puts the table in it: no publication date
    # there; once it is closed, the table's dates are read after the stray tags, and the
    # page clock (今天是2026年11月22日) dates nothing
    assert page.newest is None
    closed = Page(STRAY_CLOSE.replace("</ul>", "</ul></div>", 1), URL, today=TODAY)
    assert closed.newest == date(2026, 11, 20)


def test_noscript_footer_counts_and_says_so():
    doc = Document("<html><body><p>正文</p><script>document.write('<div id=footer>…');"
                   "</script><noscript><div id='footer'>网站标识码：5101000001 "
                   "京ICP备05070218号</div></noscript></body></html>", URL)
    marks = find_marks(doc)
    assert marks["site_code"] == "5101000001"
    assert marks["icp"] == "京ICP备05070218号"
    assert marks["details"]["site_code"]["noscript"] is True
    assert marks["details"]["icp"]["where"] == "footer"


def test_text_leaves_out_scripts_styles_comments_and_templates():
    doc = Document("<html><head><title>标题</title><style>.a{}</style></head><body>"
                   "<p>甲</p><script>var s='乙';</script><!-- 丙 --><template><p>丁</p>"
                   "</template><p>戊</p></body></html>", URL)
    assert doc.text == "甲 戊"


def test_xml_declaration_and_empty_pages_parse():
    assert Document("<?xml version='1.0' encoding='gb2312'?><html><body>甲</body></html>",
                    URL).text == "甲"
    empty = Document("", URL)
    assert (empty.text, empty.footer_text, empty.links()) == ("", "", [])
