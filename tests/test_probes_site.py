"""Every probe against the local test site: exact findings, failures recorded, IPv6 on [::1]."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from fixtures.probe_site import (
    CONAC_JS,
    ipv6_available,
    self_signed_certificate,
    site_fixture,
    start_site,
)

from govaudit.model import FailedProbe
from govaudit.probes.checks.links import LinksResult
from govaudit.probes.fetch import Fetcher, FetchLimits
from govaudit.probes.ipv6 import probe_ipv6
from govaudit.probes.linkcheck import LinkFetcher
from govaudit.probes.links import LinkOptions, LinkResult
from govaudit.probes.registry import probe_names
from govaudit.probes.run import CheckOptions, check_sites
from govaudit.store import Site

TODAY = date(2026, 11, 22)
DEADLINE = 5.0  # generous for a loaded machine (3 test processes on 2 cores); the slow-drip
# page trickles for 10 s


site = site_fixture(TODAY, drip_seconds=10)


def options(depth: int = 0, **kwargs) -> CheckOptions:
    return CheckOptions(samples=2, interval=0, today=TODAY, link_timeout=DEADLINE,
                        limits=FetchLimits(deadline=DEADLINE, max_bytes=1_000_000),
                        links=LinkOptions(depth=depth, backoff=0.05), **kwargs)


def broken_rows(site, links: LinksResult) -> list[tuple]:
    base = site.url("")
    return [(b.url.replace(base, ""), b.status, b.error.replace(base, ""),
             b.found_on.replace(base, ""), b.text, b.tag) for b in links.broken]


HOME_BROKEN = [
    ("/missing.js", 404, "", "/", "", "script"),
    ("/missing.html", 404, "", "/", "失效页面", "a"),
    ("/error500", 500, "", "/", "服务器错误", "a"),
    ("/loop/a", None, "too many redirects (redirect loop: /loop/a → /loop/b → /loop/a → …)",
     "/", "循环跳转", "a"),
    ("/images/missing.png", 404, "", "/", "缺失图片", "img"),
    ("http://[::1", None, "invalid URL (Invalid IPv6 URL)", "/", "坏地址", "a"),
]


def expected(site, rows: list[tuple]) -> list[tuple]:
    return [(site.state.refused if r[0] == "REFUSED" else r[0], *r[1:]) for r in rows]


def test_every_probe_on_the_home_page(site):
    # the closed port is another private origin: allowed here so that it is really requested
    result = check_sites([Site("测试市", site.url("/"), "city")], options(allow_private=True),
                         {"测试市": ["/news/", "/missing.html"]})[0]
    assert list(result.probes) == list(probe_names())  # every registered probe, in order
    assert result.errors == []
    probes = result.probes

    availability = probes["availability"]
    assert {k: availability.to_dict()[k] for k in ("samples", "failures", "failure_rate", "status",
                                         "https", "errors", "redirects")} == {
        "samples": 2, "failures": 0, "failure_rate": 0.0, "status": 200, "https": False,
        "errors": [], "redirects": []}
    assert availability.latency_median_ms > 0

    links = probes["links"]
    assert links.checked == 26
    assert links.broken_count == 6
    assert links.broken_ratio == round(6 / 25, 6)  # of the 25 links that could be checked
    assert broken_rows(site, links) == expected(site, HOME_BROKEN)
    # a closed port says nothing about the link: it could not be checked from here
    assert [(u.url, u.error) for u in links.unchecked] == [
        (site.state.refused, "connection refused")]
    assert links.skipped == {"fragment": 1, "javascript": 1, "mailto": 1, "tel": 1}
    assert list(links.pages) == [site.url("/")]

    assert probes["ipv6"].has_aaaa is False
    assert probes["ipv6"].error == "the site URL names the IPv4 address 127.0.0.1"

    marks = probes["marks"]
    assert {k: getattr(marks, k) for k in ("site_code", "icp", "police", "conac", "conac_url",
                                  "sponsor", "organizer", "sitemap")} == {
        "site_code": "5101000001", "icp": "蜀ICP备05003205号-1",
        "police": "川公网安备 51010402000507号", "conac": True, "conac_url": CONAC_JS,
        "sponsor": "测试市人民政府办公厅", "organizer": "测试市大数据中心",
        "sitemap": site.url("/sitemap.html")}
    assert set(marks.where.values()) == {"footer"}
    assert marks.page["encoding_source"] == "header"

    freshness = probes["freshness"]
    column = TODAY - timedelta(days=2)
    assert (freshness.latest, freshness.days, freshness.source) == (
        column.isoformat(), 2, site.url("/news/"))
    # the home page lists nothing dated: its date stands alone in its text
    assert freshness.pages[0].to_dict() == {"url": site.url("/"),
                                     "latest": (TODAY - timedelta(days=20)).isoformat(),
                                     "days": 20, "dates": 0, "ignored": 0}
    by_url = {p.url: p for p in freshness.pages}
    # its columns (the navigation's links below the home), each dated by its main list's
    # newest item, with the item that dates it
    news = by_url[site.url("/news/")]
    assert (news.column, news.latest, news.items, news.dates, news.item) == (
        "新闻动态", column.isoformat(), 2, 2, "测试市召开测试工作会议")
    assert by_url[site.url("/missing.html")].to_dict() == {
        "url": site.url("/missing.html"), "latest": None, "days": None, "error": "HTTP 404",
        "column": "失效页面"}
    assert site.url("/login") not in by_url  # 登录 is a utility link, never a column

    features = probes["features"]
    assert {k: v.found for k, v in features.hints.items()} == {
        "search": True, "login": True, "disclosure_request": True, "gov_info": True,
        "interpretation": False, "interaction": True, "accessibility": False}
    assert features.hint("gov_info").match == f"link 「政府信息公开」 → {site.url('/zwgk/')}"


def test_links_one_level_deep(site):
    result = check_sites([Site("测试市", site.url("/"), "city")],
                         options(depth=1, probes=("links",), allow_private=True))[0]
    links = result.probes["links"]
    assert links.checked == 31
    rows = expected(site, HOME_BROKEN)
    # a dead link one level down is dead; a page that trickles its body past the deadline is
    # not (it answered 200: only its body is slow)
    rows.insert(5, ("/news/old-broken.html", 404, "", "/news/", "二〇一九年的一条旧新闻", "a"))
    assert broken_rows(site, links) == rows
    scanned = [p.replace(site.url(""), "") for p in links.pages]
    # the redirect to /news/ is not scanned twice; the PDF and the broken pages are not parsed
    assert sorted(scanned) == sorted([
        "/", "/news/", "/zwgk/", "/ysqgk/", "/hdjl/", "/login", "/head-refused",
        "/%E6%96%B0%E9%97%BB/%E5%88%97%E8%A1%A8.html", "/docs/a%20b.html",
        "/search?q=%E6%94%BF%E7%AD%96", "/gbk.html", "/huge.html", "/frame.html",
        "/sitemap.html"])


def test_failing_home_pages_are_recorded_and_the_run_goes_on(site):
    sites = [Site("循环", site.url("/loop/a"), "city"),
             Site("慢速", site.url("/slow-drip"), "city"),
             Site("文件", site.url("/files/report.pdf"), "city"),
             Site("正常", site.url("/"), "city")]
    results = {r.site: r for r in check_sites(
        sites, options(probes=("availability", "marks", "links")))}
    loop = results["循环"]
    assert loop.probes["availability"].failures == 2
    assert list(loop.probes["availability"].errors) == [
        f"too many redirects (redirect loop: {site.url('/loop/a')} → {site.url('/loop/b')} → "
        f"{site.url('/loop/a')} → …)"]
    assert loop.errors == [
        {"probe": "links", "error": f"home page {site.url('/loop/a')} unusable: "
                                    f"{loop.probes['availability'].errors[0]}"},
        {"probe": "marks", "error": f"home page {site.url('/loop/a')} unusable: "
                                    f"{loop.probes['availability'].errors[0]}"}]
    slow = results["慢速"]
    assert list(slow.probes["availability"].errors) == [f"deadline of {DEADLINE:g}s exceeded"]
    assert slow.probes["marks"].error.endswith(f"unusable: deadline of {DEADLINE:g}s exceeded")
    pdf = results["文件"]
    assert pdf.probes["availability"].failures == 0
    assert pdf.probes["marks"] == FailedProbe(
        name="marks", site="文件", time=pdf.time,
        error=f"home page {site.url('/files/report.pdf')} unusable: not HTML "
              "(application/pdf)")
    assert results["正常"].errors == []
    assert results["正常"].probes["marks"].icp == "蜀ICP备05003205号-1"


def test_certificate_errors_are_reported_and_the_page_still_examined(tmp_path):
    made = self_signed_certificate(tmp_path)
    if isinstance(made, str):
        pytest.skip(made)

    async def link_status(url: str, kind: type[Fetcher] = Fetcher):
        async with kind(FetchLimits(deadline=DEADLINE)) as fetcher:
            return await fetcher.status(url)

    running = start_site(TODAY, tls=made)
    try:
        result = check_sites([Site("证书", running.url("/"), "city")],
                             options(probes=("availability", "marks")))[0]
        link = asyncio.run(link_status(running.url("/")))
        curl_link = asyncio.run(link_status(running.url("/"), LinkFetcher))
    finally:
        running.stop()
    availability = result.probes["availability"]
    assert availability.https is True
    assert availability.failures == 2  # a browser would refuse the page too
    assert availability.tls_error.startswith("TLS error: ")
    assert "certificate" in availability.tls_error
    assert (link.status, link.error) == (None, availability.tls_error)  # a link check too
    # over libcurl, as the links probe checks it: worded alike, and not counted as broken
    assert (curl_link.status, curl_link.error) == (None, availability.tls_error)
    assert LinkResult(curl_link.status, curl_link.error).unchecked
    marks = result.probes["marks"]
    assert marks.icp == "蜀ICP备05003205号-1"  # read again without verification
    assert marks.page["tls_error"] == availability.tls_error


IPV6_REASON = ipv6_available()


@pytest.mark.skipif(bool(IPV6_REASON), reason=IPV6_REASON or "IPv6 available")
def test_ipv6_on_loopback():
    running = start_site(TODAY, host="::1")
    try:
        result = check_sites([Site("六", running.url("/"), "city")],
                             options(probes=("ipv6", "marks")))[0]
        assert result.probes["ipv6"].to_dict() == {
            "probe": "ipv6", "site": "六", "time": result.time, "host": "::1", "aaaa": ["::1"],
            "has_aaaa": True, "reachable": True, "status": 200, "error": "", "tls_error": ""}
        assert result.probes["marks"].site_code == "5101000001"
    finally:
        running.stop()


@pytest.mark.skipif(bool(IPV6_REASON), reason=IPV6_REASON or "IPv6 available")
def test_ipv6_address_without_a_server():
    from fixtures.probe_site import closed_port

    port = closed_port()  # free on 127.0.0.1; nothing listens on [::1] there either
    result = asyncio.run(probe_ipv6(f"http://[::1]:{port}/", FetchLimits(deadline=2)))
    assert (result["has_aaaa"], result["reachable"], result["error"]) == (
        True, False, "connection refused")


def test_links_to_skipped_hosts_are_counted_not_checked(site):
    opts = options(probes=("links",))
    opts.links = LinkOptions(skip_hosts=("127.0.0.1",))
    links = check_sites([Site("测试市", site.url("/"), "city")], opts)[0].probes["links"]
    every = check_sites([Site("测试市", site.url("/"), "city")],
                        options(probes=("links",)))[0].probes["links"]
    # only the address that does not parse is left: it names no host to skip
    assert [b.url for b in links.broken] == ["http://[::1"]
    assert links.checked == 1
    assert links.skipped["excluded host"] == every.checked - 1


def test_a_failing_link_is_asked_again_with_get_only(site):
    # a page is asked with GET (its start is read: a soft 404, a challenge), and its 500
    # again after the back-off; a file is asked with HEAD, and its 404 confirmed by GET
    site.state.requests.clear()
    links = check_sites([Site("测试市", site.url("/"), "city")],
                        options(probes=("links",)))[0].probes["links"]
    assert (site.url("/error500"), 500) in [(b.url, b.status) for b in links.broken]
    asked = [method for method, path in site.state.requests if path == "/error500"]
    assert asked == ["GET", "GET"]
    image = [method for method, path in site.state.requests if path == "/images/missing.png"]
    # (the home page lists nothing and holds a frame: Chromium read it first, image and all)
    assert image[-2:] == ["HEAD", "GET"]
