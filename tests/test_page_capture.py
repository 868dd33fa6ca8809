"""The rendered-DOM contract in a real Chromium: CAPTURE_SCRIPT run on a loopback page marks
what is hidden and records the same-origin frames, and the Page reads what a reader sees."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from govaudit.page import CAPTURE_SCRIPT, Capture, Page, Region, Source
from govaudit.page.capture import CaptureError
from govaudit.page.columns import column_state
from govaudit.probes.marks import find_marks

TODAY = date(2026, 12, 5)
INDEX = """<!DOCTYPE html><html><head><meta charset="gbk"><title>某县人民政府</title>
<style>.gone{display:none}.ghost{visibility:hidden}.clear{opacity:0}
.skip{position:absolute;left:-9999px;top:0}.shown{visibility:visible}</style></head><body>
<div class="top"><a class="skip" href="#main">跳到主要内容</a><a href="wza/">无障碍</a>
<a class="gone" href="login.html">登录</a><span class="clear"><a href="en/">English</a></span>
<div class="ghost">隐藏的父元素<a class="shown" href="zzms/">长者模式</a></div></div>
<div class="nav"><a href="zwdt/">政务动态</a><a href="tzgg/">通知公告</a></div>
<ul id="news"></ul>
<iframe src="list.html" width="600" height="200"></iframe>
<iframe src="OTHER/list.html" width="600" height="200"></iframe>
<div id="footer"><script>
document.write('<p>主办单位：云溪县人民政府办公室 网站标识码：5108230001</p>');
</script><noscript><p>网站标识码：5108230001</p></noscript></div>
<script>
var items = [["云溪县召开冬季森林防火工作部署会", "2026-11-20"],
             ["县政府常务会议研究部署工作", "11-19"]];
var list = document.getElementById("news");
items.forEach(function (it, n) {
  var li = document.createElement("li");
  li.innerHTML = '<a href="zwdt/' + n + '.html">' + it[0] + '</a><span>' + it[1] + '</span>';
  list.appendChild(li);
});
</script></body></html>"""
FRAME = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<ul><li><a href="tzgg/1.html">关于开展冬季安全生产大检查的通知</a><span>[11-28]</span></li>
<li><a href="tzgg/2.html">云溪县公开招聘社区工作者笔试成绩公告</a><span>[11-21]</span></li></ul>
<iframe src="inner.html"></iframe></body></html>"""
INNER = ("<html><body><dl><dt><a href='x/1.html'>内层框架里的第一条标题</a></dt>"
         "<dd>2026-11-30</dd><dt><a href='x/2.html'>内层框架里的第二条标题</a></dt>"
         "<dd>2026-11-29</dd></dl></body></html>")


@pytest.fixture
def pages(tmp_path: Path, serve_dir) -> tuple[str, str]:
    other = tmp_path / "other"
    other.mkdir()
    (other / "list.html").write_text(FRAME, encoding="utf-8")
    other_base = serve_dir(other)  # another port: another origin
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_bytes(INDEX.replace("OTHER", other_base).encode("gbk"))
    (site / "list.html").write_text(FRAME, encoding="utf-8")
    (site / "inner.html").write_text(INNER, encoding="utf-8")
    base = serve_dir(site)
    return base + "/index.html", (site / "index.html").read_bytes().decode("gbk")


def capture(url: str) -> Any:
    from playwright.async_api import async_playwright

    from govaudit.browser import launch_browser

    async def run() -> Any:
        async with async_playwright() as pw:
            browser = await launch_browser(pw)
            try:
                page = await browser.new_page()
                await page.goto(url, wait_until="load", timeout=30_000)
                first = await page.evaluate(CAPTURE_SCRIPT)
                again = await page.evaluate(CAPTURE_SCRIPT)  # marks are set afresh each run
                return first, again
            finally:
                await browser.close()

    return asyncio.run(run())


def test_the_capture_contract_in_chromium(pages):
    url, static = pages
    data, again = capture(url)
    assert data == again
    captured = Capture.from_script(data)
    assert (captured.url, captured.charset) == (url, "GBK")
    assert [f.url.rsplit("/", 1)[-1] for f in captured.frames] == ["list.html", "inner.html"]
    assert 'data-ga-frame="-1"' in captured.html  # the other origin's frame is not read

    page = Page(static, url, capture=captured, today=TODAY, encoding="gb18030")
    assert page.rendered is not None
    links = {link.text: link.visible for link in page.links if link.source == Source.RENDERED}
    assert links == {"跳到主要内容": False, "无障碍": True, "登录": False, "English": False,
                     "长者模式": True, "政务动态": True, "通知公告": True,
                     "云溪县召开冬季森林防火工作部署会": True, "县政府常务会议研究部署工作": True}
    assert "隐藏的父元素" not in page.text()

    # the script's list, the frame's list and the frame's frame's list
    assert [(found.source, found.shape, len(found.items), found.newest) for found in page.lists] \
        == [(Source.RENDERED, "ul", 2, date(2026, 11, 20)),
            (Source.FRAME, "ul", 2, date(2026, 11, 28)),
            (Source.FRAME, "dl", 2, date(2026, 11, 30))]
    assert page.lists[2].items[0].url == url.replace("index.html", "x/1.html")
    assert page.newest == date(2026, 11, 30)
    assert not column_state(page).empty

    # the footer written by document.write is in the rendered DOM's footer only
    assert find_marks(page.static)["sponsor"] is None
    assert find_marks(page.static)["details"]["site_code"]["noscript"] is True
    marks = find_marks(page.shown, "rendered")
    assert (marks["sponsor"], marks["site_code"]) == ("云溪县人民政府办公室", "5108230001")
    assert marks["details"]["site_code"]["noscript"] is False
    assert page.text(Region.FOOTER) == "主办单位:云溪县人民政府办公室 网站标识码:5108230001"


def test_what_a_capture_returned_is_checked():
    with pytest.raises(CaptureError, match="mapping"):
        Capture.from_script("<html>")
    with pytest.raises(CaptureError, match="html must be a string"):
        Capture.from_script({"url": "http://x/", "charset": "UTF-8", "frames": []})
    with pytest.raises(CaptureError, match="frame 0"):
        Capture.from_script({"url": "http://x/", "charset": "UTF-8", "html": "", "frames": [1]})
