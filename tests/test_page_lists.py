"""Dated lists in every shape sites build them: ul, ol, tables, dl/dt/dd, repeated div and p
rows, lists filled by script (the rendered DOM) and lists inside frames."""

from __future__ import annotations

from datetime import date

import pytest

from govaudit.page import Capture, Frame, Page, Source
from govaudit.page.lists import DatedList

URL = "http://www.example.gov.cn/xwzx/"
TODAY = date(2026, 12, 5)
NAV = ("<div class='nav'><ul><li><a href='/'>网站首页</a></li><li><a href='/xwzx/'>新闻中心</a>"
       "</li><li><a href='/zwgk/'>政务公开信息</a></li></ul></div>")
FOOT = ("<div class='footer'><ul><li><a href='http://www.gov.cn/'>中国政府网站首页</a></li>"
        "<li><a href='/lxwm/'>联系我们网站</a></li></ul>版权所有</div>")


def lists(body: str, **kwargs) -> list[DatedList]:
    page = Page(f"<html><body>{NAV}{body}{FOOT}</body></html>", URL, today=TODAY, **kwargs)
    return page.lists


def summary(found: list[DatedList]) -> list[tuple[str, int, int, str | None]]:
    return [(f.shape, len(f.items), f.dated, f.newest.isoformat() if f.newest else None)
            for f in found]


def test_a_ul_with_mixed_short_dates():
    found = lists(
        "<ul class='list'>"
        "<li><a href='1.html' title='云溪县召开冬季森林防火工作部署会'>"
        "云溪县召开冬季森林防火工作部署会</a><span>[11-20]</span></li>"
        "<li><a href='2.html'>云溪县2026年秋季征兵工作圆满完成</a><span>2026年11月18</span></li>"
        "<li><a href='3.html'>县领导督导检查重点项目建设进度</a><span>[11-12]</span></li></ul>")
    assert summary(found) == [("ul", 3, 3, "2026-11-20")]
    assert [i.date for i in found[0].items] == [date(2026, 11, 20), date(2026, 11, 18),
                                               date(2026, 11, 12)]
    assert found[0].items[0].url == "http://www.example.gov.cn/xwzx/1.html"
    assert found[0].items[0].title == "云溪县召开冬季森林防火工作部署会"


def test_a_table_with_dates_in_their_own_cells_and_a_date_in_a_title():
    found = lists(
        "<table class='tzgg'>"
        "<tr><td>·</td><td><a href='/t/1.html'>关于2026年12月1日起调整城区公交线路的通知</a></td>"
        "<td>2026-11-11</td></tr>"
        "<tr><td>·</td><td><a href='/t/2.html'>云溪县公开招聘社区工作者笔试成绩公告</a></td>"
        "<td>2026-11-09</td></tr></table>")
    assert summary(found) == [("table", 2, 2, "2026-11-11")]


def test_a_date_in_a_title_is_not_the_items_date():
    found = lists("<ul><li><a href='/t/1.html'>关于2026年12月1日起调整城区公交线路的通知</a></li>"
                  "<li><a href='/t/2.html'>县政府召开常务会议研究部署工作</a></li></ul>")
    assert summary(found) == [("ul", 2, 0, None)]
    # a date closing the title counts only when nothing outside the link dates the item
    dated = lists("<ul><li><a href='/1'>2026年11月30日县政府常务会议纪要 2026-11-30</a>"
                  "<span>2026-11-18</span></li><li><a href='/2'>县政府常务会议纪要 2026-11-29</a>"
                  "</li></ul>")
    assert [i.date for i in dated[0].items] == [date(2026, 11, 18), date(2026, 11, 29)]


def test_ol_and_dates_written_many_ways():
    found = lists(
        "<ol><li><a href='/1'>第一条足够长的标题</a> 2026/11/20</li>"
        "<li><a href='/2'>第二条足够长的标题</a>（11-19）</li>"
        "<li><a href='/3'>第三条足够长的标题 2026.11.18</a></li>"
        "<li><a href='/4'><span>2026-11-17</span> 第四条足够长的标题</a></li>"
        "<li><a href='/5'>第五条足够长的标题</a><time datetime='2026-11-16T08:00:00+08:00'>"
        "三周前</time></li>"
        "<li><a href='/6'>第六条足够长的标题</a>发布时间：2026年11月15日 10:30</li></ol>")
    assert [i.date for i in found[0].items] == [
        date(2026, 11, 20), date(2026, 11, 19), date(2026, 11, 18), date(2026, 11, 17),
        date(2026, 11, 16), date(2026, 11, 15)]


@pytest.mark.parametrize(("html", "expected"), [
    # dl: titles in dt, dates in dd; one dl per item; dd rows
    ("<dl><dt><a href='/1'>第一条足够长的标题</a></dt><dd>2026-11-20</dd>"
     "<dt><a href='/2'>第二条足够长的标题</a></dt><dd>2026-11-19</dd></dl>", ("dl", 2)),
    ("<div class='list'><dl><dt><a href='/1'>第一条足够长的标题</a></dt><dd>2026-11-20</dd></dl>"
     "<dl><dt><a href='/2'>第二条足够长的标题</a></dt><dd>2026-11-19</dd></dl></div>", ("dl", 2)),
    ("<dl><dt>工作动态</dt><dd><a href='/1'>第一条足够长的标题</a><span>11-20</span></dd>"
     "<dd><a href='/2'>第二条足够长的标题</a><span>11-18</span></dd></dl>", ("dd", 2)),
    # repeated div, p and a rows
    ("<div class='news'><div class='item'><div class='tit'><a href='/1'>第一条足够长的标题</a>"
     "</div><div class='date'>2026-11-20</div></div><div class='item'><div class='tit'>"
     "<a href='/2'>第二条足够长的标题</a></div><div class='date'>2026-11-19</div></div></div>",
     ("div", 2)),
    ("<div class='list'><p><a href='/1'>第一条足够长的标题</a> 11-20</p>"
     "<p><a href='/2'>第二条足够长的标题</a> 11-19</p>"
     "<p><a href='/3'>第三条足够长的标题</a> 11-18</p></div>", ("p", 3)),
    ("<div class='list'><a href='/1'>第一条足够长的标题<span>2026-11-20</span></a>"
     "<a href='/2'>第二条足够长的标题<span>2026-11-19</span></a></div>", ("a", 2)),
])
def test_dl_dd_div_p_and_link_rows(html, expected):
    shape, items = expected
    assert summary(lists(html)) == [(shape, items, items, "2026-11-20")]


def test_menus_footers_and_single_blocks_are_no_lists():
    assert lists("<div class='main'><h2><a href='/xw/'>新闻中心栏目</a></h2>"
                 "<p>一段正文</p></div>") == []
    menu = lists("<ul class='side'><li><a href='/a/'>政府信息公开指南</a><ul>"
                 "<li><a href='/b/'>政府信息公开</a></li><li><a href='/c/'>依申请公开</a></li>"
                 "<li><a href='/d/'>政府信息公开制度</a></li>"
                 "<li><a href='/e/'>政府信息公开年报</a></li></ul></li></ul>")
    assert summary(menu) == [("ul", 3, 0, None)]  # the inner entries; the outer one is a menu


def test_a_list_filled_by_script_is_read_from_the_rendered_dom():
    static = "<ul id='list'></ul><script src='list.js'></script>"
    assert lists(static) == []
    rendered = (f"<html><body>{NAV}<ul id='list'>"
                "<li><a href='/1'>第一条足够长的标题</a><span>2026-11-20</span></li>"
                "<li><a href='/2'>第二条足够长的标题</a><span>2026-11-19</span></li></ul>"
                f"{FOOT}</body></html>")
    found = lists(static, capture=Capture(URL, rendered))
    assert summary(found) == [("ul", 2, 2, "2026-11-20")]
    assert (found[0].source, found[0].visible) == (Source.RENDERED, True)


def test_a_list_in_a_frame_and_a_frame_in_the_footer():
    static = ("<iframe src='list.html'></iframe>"
              "<div class='footer'><iframe src='f.html'></iframe></div>")
    rendered = ("<html><body><iframe src='list.html' data-ga-frame='0'></iframe>"
                "<div class='footer'><iframe src='f.html' data-ga-frame='1'></iframe></div>"
                "</body></html>")
    frame = ("<html><body><ul><li><a href='a/1.html'>第一条足够长的标题</a>[11-20]</li>"
             "<li><a href='a/2.html'>第二条足够长的标题</a>[11-19]</li></ul></body></html>")
    footer = ("<html><body><ul><li><a href='/1'>友情链接一个很长的名字</a>2026-11-30</li>"
              "<li><a href='/2'>友情链接二个很长的名字</a>2026-11-29</li></ul></body></html>")
    capture = Capture(URL, rendered, (Frame("http://www.example.gov.cn/list/list.html", frame),
                                      Frame("http://www.example.gov.cn/list/f.html", footer)))
    page = Page(f"<html><body>{static}</body></html>", URL, today=TODAY, capture=capture)
    assert summary(page.lists) == [("ul", 2, 2, "2026-11-20")]
    found = page.lists[0]
    assert (found.source, found.frame) == (Source.FRAME, "http://www.example.gov.cn/list/list.html")
    assert found.items[0].url == "http://www.example.gov.cn/list/a/1.html"
    assert page.newest == date(2026, 11, 20)
    assert [link.region for link in page.links if link.text.startswith("友情")] == ["footer"] * 2


def test_the_newest_date_of_a_page_without_lists_is_its_main_texts():
    article = Page("<html><body><div class='top'>今天是2026年12月5日</div>"
                   "<h1>关于2026年12月1日起调整城区公交线路的通知</h1>"
                   "<p>发布时间：2026-11-11 来源：县交通局</p><p>本通知自2026年12月1日起施行。</p>"
                   "<div class='footer'>最后更新：2026-12-04</div></body></html>", URL,
                   today=TODAY)
    assert article.lists == []
    assert article.newest == date(2026, 11, 11)
