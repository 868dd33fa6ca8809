"""Regions, text views and marks of a Page: landmarks, CMS class names, position; GBK,
stray closing tags, noscript, and footers written by script (the rendered DOM)."""

from __future__ import annotations

from datetime import date

import pytest

from govaudit.page import Capture, Page, Region
from govaudit.page.regions import class_region
from govaudit.probes.marks import find_marks

URL = "http://www.example.gov.cn/"
TODAY = date(2026, 12, 5)


def page(body: str, head: str = "", **kwargs) -> Page:
    return Page(f"<html><head>{head}</head><body>{body}</body></html>", URL, today=TODAY,
                **kwargs)


def regions(body: str) -> dict[str, str]:
    shown = page(body)
    return {str(r): shown.text(r) for r in Region if shown.text(r)}


@pytest.mark.parametrize(("value", "region"), [
    ("top", Region.HEADER), ("header", Region.HEADER), ("head_wrap", Region.HEADER),
    ("toubu", Region.HEADER), ("head-bottom", Region.HEADER), ("wrap topBar", Region.HEADER),
    ("nav", Region.NAVIGATION), ("mainNav", Region.NAVIGATION), ("menu-list", Region.NAVIGATION),
    ("daohang", Region.NAVIGATION), ("dh", Region.NAVIGATION), ("lanmu", Region.NAVIGATION),
    ("navtd", Region.NAVIGATION), ("footer", Region.FOOTER), ("foot_nav", Region.FOOTER),
    ("bottom", Region.FOOTER), ("copyright", Region.FOOTER), ("banquan", Region.FOOTER),
    ("dibu", Region.FOOTER), ("bq", Region.FOOTER), ("pageFoot", Region.FOOTER),
    ("border-bottom", None), ("gotop", None), ("go-top", None), ("topnews", None),
    ("top-news", None), ("headline", None), ("topic-list", None), ("head_pic", None),
    ("news-list", None), ("main", None), ("desktop", None),
])
def test_class_names_cms_templates_use(value, region):
    assert class_region(value) == region


def test_landmarks_roles_and_class_names():
    found = regions(
        "<div role='banner'>某县人民政府</div><nav><a href='/a/'>政务动态</a></nav>"
        "<main><p>正文</p></main><footer><p>主办单位：某县人民政府办公室</p></footer>")
    assert found == {"header": "某县人民政府", "navigation": "政务动态", "main": "正文",
                     "footer": "主办单位:某县人民政府办公室"}
    table = regions("<table class='top'><tr><td>今天是2026年12月5日</td></tr></table>"
                    "<table class='nav'><tr><td><a href='/a/'>政务动态</a></td></tr></table>"
                    "<table class='main'><tr><td>正文</td></tr></table>"
                    "<table class='bottom'><tr><td>版权所有</td></tr></table>")
    assert table == {"header": "今天是2026年12月5日", "navigation": "政务动态", "main": "正文",
                     "footer": "版权所有"}


def test_a_sections_header_and_footer_are_not_the_pages():
    found = regions("<article><header>文章标题</header><p>正文</p><footer>责任编辑：张三</footer>"
                    "</article><div id='footer'>网站标识码：5101000001</div>")
    assert found == {"main": "文章标题 正文 责任编辑:张三", "footer": "网站标识码:5101000001"}


def test_regions_nest_as_the_page_nests_them():
    found = regions(
        "<div class='header'>标志<div class='nav'><a href='/a/'>政务动态</a></div>"
        "<div class='bottom-line'>头部下沿</div></div>"
        "<div class='footer'><div class='nav'><a href='/lxwm/'>联系我们</a></div>版权所有</div>")
    assert found == {"header": "标志 头部下沿", "navigation": "政务动态",
                     "footer": "联系我们 版权所有"}


def test_a_block_of_dated_news_is_no_navigation_or_header():
    found = regions("<div class='nav'><ul><li><a href='/1'>一条新闻标题</a>2026-11-20</li>"
                    "<li><a href='/2'>二条新闻标题</a>2026-11-19</li>"
                    "<li><a href='/3'>三条新闻标题</a>2026-11-18</li></ul></div>")
    assert list(found) == ["main"]


def test_a_footer_found_by_position_when_nothing_names_it():
    found = regions("<div class='w1200'><p>正文很长的一段</p></div>"
                    "<div class='w1200'><p>联系电话：0817-1234567</p>"
                    "<p>版权所有：某县人民政府 蜀ICP备12007815号-1</p></div>")
    assert found["footer"] == "联系电话:0817-1234567 版权所有:某县人民政府 蜀ICP备12007815号-1"
    assert found["main"] == "正文很长的一段"


def test_a_menu_found_by_its_shape_when_nothing_names_it():
    found = regions(
        "<table><tr><td><img src='top.png' alt='澄源市人民政府'></td></tr>"
        "<tr><td><table><tr><td><a href='/'>首　页</a></td><td><a href='/yw/'>澄源要闻</a></td>"
        "<td><a href='/tz/'>通知公告</a></td><td><a href='/jd/'>政策解读</a></td></tr></table>"
        "</td></tr></table><table><tr><td><a href='/yw/1.htm'>"
        "赵祎副市长调研全市冬季蔬菜保供工作</a></td><td>2026-11-25</td></tr></table>")
    assert found["navigation"] == "首 页 澄源要闻 通知公告 政策解读"
    # three links are no menu; nor are links below the first title
    assert "navigation" not in regions(
        "<p><a href='/a/'>要闻</a><a href='/b/'>公告</a><a href='/c/'>解读</a></p>"
        "<p><a href='/1.htm'>一条足够长的新闻标题在这里</a></p>"
        "<p><a href='/d/'>要闻</a><a href='/e/'>公告</a><a href='/f/'>解读</a>"
        "<a href='/g/'>文件</a></p>")


def test_an_images_alt_text_is_read_where_the_image_stands():
    marks = find_marks(page(
        "<div class='footer'><a href='https://beian.miit.gov.cn/'><img src='icp.png' "
        "alt='蜀ICP备 15003256号'></a> <img src='ga.png' alt='川公网安备 51152202000122号'>"
        "<img src='x.png' data-ga-hidden='1' alt='网站标识码：9999999999'></div>",
        capture=Capture(URL, "<html><body><div class='footer'><img alt='网站标识码：9999999999'"
                             " data-ga-hidden='1'></div></body></html>")).static)
    assert (marks["icp"], marks["police"]) == ("蜀ICP备15003256号", "川公网安备 51152202000122号")
    shown = page("", capture=Capture(URL, "<html><body><div class='footer'><img alt='网站标识码："
                                          "9999999999' data-ga-hidden='1'></div></body></html>"))
    assert shown.rendered is not None and shown.rendered.footer_text == ""


STRAY_CLOSE = """<!DOCTYPE html><html><head><meta charset="gb2312"><title>某市人民政府</title>
</head><body><div class="top">今天是2026年12月5日</div></body></html>
<div class="nav"><ul><li><a href="zwgk/">政府信息公开</a><li><a href="/ysqgk/">依申请公开</a></ul>
<p>正文第一段<p>正文第二段
</body></html>
<!-- <div class="footer">网站标识码：9999999999 京ICP备99999999号</div> -->
<div class="footer"><p>主办单位：某市人民政府办公厅
<p>网站标识码：5101000001 <p>蜀ICP备05003205号-1
<p><a href="/sitemap/">网站地图</a></div>
</body></html>"""


def test_gbk_bytes_and_stray_closing_tags():
    shown = Page.from_bytes(STRAY_CLOSE.encode("gbk"), URL, "text/html", today=TODAY)
    assert (shown.encoding, shown.encoding_source) == ("gb18030", "meta")
    assert shown.text(Region.FOOTER) == ("主办单位:某市人民政府办公厅 网站标识码:5101000001 "
                                         "蜀ICP备05003205号-1 网站地图")
    marks = find_marks(shown.static)
    assert (marks["site_code"], marks["icp"], marks["sponsor"]) == (
        "5101000001", "蜀ICP备05003205号-1", "某市人民政府办公厅")
    assert marks["where"] == {"site_code": "footer", "icp": "footer", "sponsor": "footer",
                              "sitemap": "footer"}
    assert "9999999999" not in shown.text()
    # a GBK page labelled utf-8 by its server is still read (the label fails to decode it)
    mislabelled = Page.from_bytes(STRAY_CLOSE.encode("gbk"), URL, "text/html; charset=utf-8")
    assert "网站标识码:5101000001" in mislabelled.text(Region.FOOTER)


@pytest.mark.parametrize("footer", [
    "<footer>{}</footer>",
    "<div id='foot'>{}</div>",
    "<div class='g-footer'>{}</div>",
    "<div class='copyright'>{}</div>",
    "<div class='banquan'>{}</div>",
    "<table class='dibu'><tr><td>{}</td></tr></table>",
    "<div class='bq'>{}</div>",
    "<div role='contentinfo'>{}</div>",
    "<div class='wrap'>{}</div>",  # by position: the block with the 主办/ICP lines
])
def test_marks_read_from_the_footer_region_in_many_spellings(footer):
    text = ("<p>主办单位：成都市人民政府办公厅</p><p>网站标识码：5101000001</p>"
            "<p>京ICP备05070218号-1 京公网安备 11010502030143号</p>")
    marks = find_marks(page("<div class='content'><p>正文</p></div>" + footer.format(text))
                       .static)
    assert (marks["sponsor"], marks["site_code"], marks["icp"], marks["police"]) == (
        "成都市人民政府办公厅", "5101000001", "京ICP备05070218号-1", "京公网安备 11010502030143号")
    assert set(marks["where"].values()) == {"footer"}


def test_marks_in_noscript_count_and_say_so():
    shown = page("<p>正文</p><script>document.write('<div id=footer>…')</script><noscript>"
                 "<div id='footer'>网站标识码：5101000001 京ICP备05070218号</div></noscript>")
    assert shown.text() == "正文"
    assert shown.static.noscript_footer_text == "网站标识码:5101000001 京ICP备05070218号"
    marks = find_marks(shown.static)
    assert marks["details"]["site_code"]["noscript"] is True
    assert marks["details"]["icp"]["where"] == "footer"


def test_a_footer_written_by_script_is_in_the_rendered_dom_only():
    static = ("<p>首页</p><div id='footer'></div>"
              "<script src='/footer.js'></script>")
    rendered = ("<html><head></head><body><p>首页</p><div id='footer'>"
                "主办单位：测试市人民政府办公厅 蜀ICP备05003205号-1</div>"
                "<script src='/footer.js'></script></body></html>")
    shown = page(static, capture=Capture(URL, rendered))
    assert find_marks(shown.static)["icp"] is None
    assert shown.rendered is not None
    marks = find_marks(shown.rendered, "rendered")
    assert marks["icp"] == "蜀ICP备05003205号-1"
    assert marks["details"]["icp"] == {"value": "蜀ICP备05003205号-1", "where": "footer",
                                       "found_as": "text", "noscript": False,
                                       "source": "rendered"}
    assert shown.text(Region.FOOTER) == "主办单位:测试市人民政府办公厅 蜀ICP备05003205号-1"


def test_hidden_elements_of_a_rendered_page_are_not_read():
    rendered = ("<html><body><div id='footer'>"
                "<span data-ga-hidden='1'>网站标识码：9999999999</span>"
                "<span>网站标识码：5101000001</span></div>"
                "<a href='/wza/' data-ga-hidden='1'>无障碍</a><a href='/a/'>政务动态</a>"
                "</body></html>")
    shown = page("", capture=Capture(URL, rendered))
    assert shown.text(Region.FOOTER) == "网站标识码:5101000001"
    assert find_marks(shown.shown)["site_code"] == "5101000001"
    assert [(link.text, link.visible) for link in shown.links] == [("无障碍", False),
                                                                   ("政务动态", True)]
    assert [link.visible for link in page("<a href='/a/'>政务动态</a>").links] == [None]
