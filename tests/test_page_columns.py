"""Columns: which home page links are columns, utility links, and a column page's state."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from govaudit.monitor.config import column_table
from govaudit.page import Capture, Page, Source
from govaudit.page.columns import below_home, column_state, find_columns, is_utility

HOME = "http://www.example.gov.cn/"
TODAY = date(2026, 12, 5)
PORTAL = """<html><body>
<div class="top"><a href="/">网站首页</a> <a href="/wza/">无障碍</a> <a href="/zzms/">长者模式</a>
<a href="/en/">English</a> <a href="/login.html">登录</a> <a href="/rss/">RSS订阅</a></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/xwzx/zwdt/">政务动态</a></li>
<li><a href="/tzgg/">通知公告</a></li><li><a href="http://zwgk.example.gov.cn/">政府信息公开</a></li>
<li><a href="/zcwj/index.html">政策文件</a></li><li><a href="/xwzx/zwdt/">政务动态</a></li>
<li><a href="http://www.gov.cn/">中国政府网</a></li><li><a href="/hd/">互动交流，欢迎留言</a></li>
<li><a href="javascript:void(0)">专题专栏</a></li><li><a href="/index.html">主页</a></li></ul></div>
<div class="main"><h2><a href="/tzgg/">通知公告</a></h2><a href="/tzgg/">更多</a></div>
<div class="footer"><a href="/lxwm/">联系我们</a> | <a href="/wzdt/">网站地图</a> |
<a href="/gywm/">关于我们</a> | <a href="/yssm/">隐私声明</a> | <a href="/rsxx/">人事信息</a>
<p>版权所有：某市人民政府</p></div></body></html>"""


def test_columns_are_navigation_links_below_the_home_with_column_names():
    page = Page(PORTAL, HOME, today=TODAY)
    assert [(c.name, c.url) for c in find_columns(page)] == [
        ("政务动态", "http://www.example.gov.cn/xwzx/zwdt/"),
        ("通知公告", "http://www.example.gov.cn/tzgg/"),
        ("政府信息公开", "http://zwgk.example.gov.cn/"),
        ("政策文件", "http://www.example.gov.cn/zcwj/index.html")]


def test_footer_and_utility_links_are_never_columns():
    page = Page(PORTAL, HOME, today=TODAY)
    names = {c.name for c in find_columns(page)}
    assert not names & {"联系我们", "网站地图", "关于我们", "隐私声明", "人事信息"}
    for label in ("联系我们", "网站地图", "关于我们", "隐私声明", "无障碍", "长者模式", "English",
                  "RSS订阅", "登录", "返回首页", "网站纠错"):
        assert is_utility(label, HOME + "x/"), label
    assert is_utility("英文版", "http://en.example.gov.cn/")
    assert is_utility("订阅", HOME + "rss.xml")
    assert not is_utility("政务动态", HOME + "zwdt/")
    # a workspace's own words (monitor-columns.toml [utility]) are added
    assert is_utility("政务动态", HOME + "zwdt/", extra=("动态",))
    assert [c.name for c in find_columns(page, extra_utility=("通知",))] == [
        "政务动态", "政府信息公开", "政策文件"]


def test_the_workspace_utility_words_add_to_the_one_utility_rule(tmp_path):
    """The monitor's column table holds no list of its own: a workspace's monitor-columns.toml
    adds words with [utility], and an [ignore] table written before is read the same."""
    assert column_table().utility == ()
    shipped = (Path(__file__).parent.parent / "govaudit" / "monitor" / "columns.toml")
    (tmp_path / "monitor-columns.toml").write_text(
        shipped.read_text(encoding="utf-8") + '\n[utility]\nwords = ["专题"]\n'
        '[ignore]\nwords = ["返回首页", "领导之窗"]\n', encoding="utf-8")
    table = column_table(tmp_path)
    assert table.utility == ("专题", "返回首页", "领导之窗")
    assert is_utility("领导之窗", HOME + "ldzc/", extra=table.utility)
    assert not is_utility("领导之窗", HOME + "ldzc/")


def test_below_the_home_page():
    assert below_home("http://www.x.gov.cn/zwdt/", "http://www.x.gov.cn/")
    assert below_home("http://zwgk.x.gov.cn/", "http://www.x.gov.cn/")
    assert not below_home("http://x.gov.cn/", "http://www.x.gov.cn/")
    assert not below_home("http://www.x.gov.cn/index.shtml", "http://www.x.gov.cn/")
    assert not below_home("http://www.y.gov.cn/zwdt/", "http://www.x.gov.cn/")
    assert below_home("http://h/county-a/zwdt/", "http://h/county-a/")
    assert not below_home("http://h/province-c/", "http://h/county-a/")


def column(body: str, url: str = "http://www.example.gov.cn/xwzx/zwdt/", **kwargs) -> Page:
    return Page(f"<html><body><div class='nav'><a href='/'>首页</a></div>{body}"
                "<div class='footer'>联系我们 版权所有</div></body></html>", url, today=TODAY,
                **kwargs)


def test_a_column_page_state():
    state = column_state(column(
        "<ul><li><a href='202611/t1.html'>一条足够长的新闻标题</a>2026-11-20</li>"
        "<li><a href='202611/t2.html'>二条足够长的新闻标题</a>2026-11-18</li></ul>"))
    assert (state.items, state.dated, state.newest, state.empty, state.undated) == (
        2, 2, date(2026, 11, 20), False, False)
    undated = column_state(column("<ul><li><a href='t1.html'>一条足够长的新闻标题</a></li></ul>"))
    assert (undated.items, undated.empty, undated.undated) == (1, False, True)


def test_an_empty_column_page():
    for body in ("<div class='list'>暂无信息</div>", "<ul></ul>", ""):
        state = column_state(column(body))
        assert (state.items, state.empty, state.undated, state.source) == (0, True, False, None)
    # links to sibling columns beside a list that says it is empty: still empty
    state = column_state(column("<ul class='side'><li><a href='/a/'>政府信息公开指南</a></li>"
                                "<li><a href='/b/'>政府信息公开制度</a></li></ul>"
                                "<div class='list'>暂无相关信息</div>"))
    assert (state.items, state.empty, state.undated) == (2, True, False)


def test_the_column_list_is_the_one_under_the_columns_folder():
    state = column_state(column(
        "<ul class='hot'><li><a href='/xwzx/ywdt/1.html'>全站最新的一条要闻标题</a>2026-12-04</li>"
        "<li><a href='/tzgg/2.html'>全站最新的一条公告标题</a>2026-12-03</li>"
        "<li><a href='/tzgg/3.html'>全站最新的一条公告标题</a>2026-12-02</li></ul>"
        "<ul class='list'><li><a href='202609/t1.html'>本栏目一条足够长的标题</a>2026-09-20</li>"
        "<li><a href='202608/t2.html'>本栏目二条足够长的标题</a>2026-08-18</li></ul>"))
    assert (state.items, state.newest) == (2, date(2026, 9, 20))


def test_a_column_filled_by_script_is_not_empty_when_rendered():
    static = "<ul id='list'></ul><script src='list.js'></script>"
    assert column_state(column(static)).empty
    rendered = ("<html><body><ul id='list'><li><a href='1.html'>一条足够长的新闻标题</a>"
                "<span>11-30</span></li></ul></body></html>")
    state = column_state(column(static, capture=Capture("http://www.example.gov.cn/xwzx/zwdt/",
                                                        rendered)))
    assert (state.items, state.newest, state.empty, state.source) == (
        1, date(2026, 11, 30), False, Source.RENDERED)
