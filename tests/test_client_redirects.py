"""Home pages that are only a `<meta refresh>` or a script redirect: `check` and `monitor` follow
them as a browser does, and read the page they lead to (both addresses kept)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from test_data_safety_urls import _Handler

from govaudit.model import Site
from govaudit.monitor import Monitor, VisitOptions
from govaudit.monitor.db import FILE_NAME
from govaudit.page import Page
from govaudit.probes.run import CheckOptions, check_sites
from govaudit.store import Store

TODAY = dt.date(2026, 12, 5)
NOON = dt.datetime(2026, 12, 5, 4, 0, tzinfo=dt.UTC).timestamp()
PORTAL = """<html><head><title>某县人民政府</title></head><body>
<div class="nav"><a href="/portal/">首页</a><a href="/portal/zwdt/">政务动态</a></div>
<ul><li><a href="/portal/a.html">某县召开冬季安全生产工作会议</a><span>2026-12-01</span></li>
<li><a href="/portal/b.html">某县开展农村饮水安全专项检查</a><span>2026-11-28</span></li></ul>
<div class="footer">主办单位：某县人民政府办公室</div></body></html>"""
COLUMN = """<html><body><ul>
<li><a href="/portal/zwdt/1.html">关于做好冬季森林防火工作的通知</a> 2026-11-30</li>
</ul></body></html>"""
SPLASHES = {
    "/meta/": '<html><head><meta http-equiv="refresh" content="0;url=/portal/"></head>'
              "<body>正在跳转……</body></html>",
    "/script/": "<html><head><script>if (/Android|iPhone/.test(navigator.userAgent)) "
                "{ window.location.href = '/m/'; } else { window.location.href = '/portal/'; }"
                "</script></head><body></body></html>",
    "/replace/": "<html><body><script>location.replace(\"/portal/\")</script>"
                 "<a href='/portal/'>如果没有自动跳转，请点击这里</a></body></html>",
}


@pytest.fixture
def site(serve) -> str:
    class Handler(_Handler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path in SPLASHES:
                return self.send(200, SPLASHES[self.path])
            if self.path == "/portal/":
                return self.send(200, PORTAL)
            if self.path == "/portal/zwdt/":
                return self.send(200, COLUMN)
            return self.send(200, "<html><body>一篇文章的正文</body></html>")

    return f"http://127.0.0.1:{serve(Handler)}"


def test_a_splash_that_sends_the_browser_on_is_followed_to_its_target():
    from govaudit.page.redirects import client_redirect

    base = "http://h.example.gov.cn/"
    for path, html in SPLASHES.items():
        assert client_redirect(Page(html, base + path.lstrip("/")).static) == base + "portal/"
    # a page that reloads itself, or shows a reader a page, is no redirect
    assert client_redirect(Page('<meta http-equiv="refresh" content="300">', base).static) \
        is None
    assert client_redirect(Page('<meta http-equiv="refresh" content="0;url=/x/"><p>'
                                + "正文" * 200 + "</p>", base).static) is None


def test_check_reads_the_page_a_redirecting_home_page_leads_to(site: str):
    sites = [Site(f"跳转{n}", site + path, "county") for n, path in enumerate(SPLASHES)]
    results = check_sites(sites, CheckOptions(samples=1, interval=0, today=TODAY,
                                              allow_private=True,
                                              probes=("availability", "freshness", "marks")))
    for site_url, result in zip(SPLASHES, results, strict=True):
        freshness = result.probes["freshness"]
        assert freshness.pages[0].latest == "2026-12-01", site_url
        assert [(p.column, p.latest) for p in freshness.pages[1:]] == [
            ("政务动态", "2026-11-30")], site_url
        assert result.probes["marks"].sponsor == "某县人民政府办公室"
        availability = result.probes["availability"]
        assert availability.final_url == f"{site}/portal/"
        assert availability.redirects == (f"{site}{site_url}",)  # both addresses kept


def test_the_monitor_reads_the_page_a_redirecting_home_page_leads_to(make_workspace,
                                                                    site: str):
    ws = make_workspace(sites=[(f"跳转{n}", site + path, "county")
                               for n, path in enumerate(SPLASHES)])
    with Monitor(ws, Store(ws), ws.checklist, clock=lambda: NOON) as monitor:
        monitor.tick(options=VisitOptions(timeout=5, host_interval=0, columns_every=0,
                                          allow_private=True, browser=False))
        findings = {s.site: {f.rule: f for f in s.findings} for s in monitor.status()}
    with sqlite3.connect(ws.data_dir / FILE_NAME) as db:
        visits = db.execute("SELECT site, ok, newest_date, final_url, redirects FROM visits "
                            "ORDER BY site").fetchall()
        columns = db.execute("SELECT site, name, newest_date FROM columns ORDER BY site")\
            .fetchall()
    for n, path in enumerate(SPLASHES):
        name = f"跳转{n}"
        assert (name, 1, "2026-12-01", f"{site}/portal/", f"{site}{path}") in visits
        assert (name, "政务动态", "2026-11-30") in columns
        # the home page's rule has its data: no longer insufficient-data forever
        assert findings[name]["home_stale"].level == "ok"
