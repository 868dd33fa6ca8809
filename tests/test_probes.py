"""Probe building blocks: fetching (caps, deadlines, redirects, decoding), marks, dates, links."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from datetime import date

import pytest
from fixtures.probe_site import GBK_TEXT, HUGE_BYTES, site_fixture
from hypothesis import given, settings
from hypothesis import strategies as st

from govaudit.page import Page
from govaudit.page.dates import find_dates
from govaudit.page.features import find_features
from govaudit.probes.charset import decode_html
from govaudit.probes.fetch import FetchLimits
from govaudit.probes.html import Document
from govaudit.probes.linkcheck import LinkFetcher
from govaudit.probes.links import LinkResult, normalise_link
from govaudit.probes.marks import find_marks

TODAY = date(2026, 11, 22)


site = site_fixture(TODAY, drip_seconds=10)


def fetch(url: str, method: str | None = None, **limits):
    async def go():
        # link checks (status) go over LinkFetcher's libcurl session, pages over httpx
        async with LinkFetcher(FetchLimits(**limits)) as fetcher:
            if method:
                return await fetcher.status(url, method)
            return await fetcher.page(url)

    return asyncio.run(go())


# -- fetching ------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "source"), [
    ("/gbk.html", "header"),          # charset=GB2312 in Content-Type, GBK-only characters
    ("/gbk-meta.html", "meta"),       # only <meta http-equiv … charset=gb2312>
    ("/gbk-latin1.html", "meta"),     # a server default ISO-8859-1 contradicting the meta tag
    ("/gbk-sniff.html", "detected"),  # declared nowhere
])
def test_gbk_pages_are_decoded(site, path, source):
    page = fetch(site.url(path))
    assert page.status == 200 and page.error == ""
    assert page.encoding == "gb18030"
    assert page.encoding_source == source
    assert GBK_TEXT in page.html
    marks = find_marks(Document(page.html, page.final_url))
    assert marks["icp"] == "京ICP备05070218号"
    assert marks["site_code"] == "bm01000001"


def test_decode_prefers_what_decodes():
    gbk = "<p>政府信息公开</p>".encode("gbk")
    # labelled utf-8 but really GBK: the label is passed over
    text, codec, source = decode_html(gbk, "text/html; charset=utf-8")
    assert (text, codec, source) == ("<p>政府信息公开</p>", "gb18030", "detected")
    # a body cut by the size cap in the middle of a character
    assert decode_html("<p>政府".encode("gbk")[:-1], "text/html; charset=gbk")[0] == "<p>政"
    utf8 = "<p>政府信息公开</p>".encode()
    assert decode_html(utf8, "text/html; charset=iso-8859-1")[1:] == ("utf-8", "utf-8")
    assert decode_html(b"\xef\xbb\xbf" + utf8, "")[0] == "<p>政府信息公开</p>"
    assert decode_html(b"\xef\xbb\xbf" + utf8, "")[2] == "bom"


def test_huge_body_is_capped(site):
    page = fetch(site.url("/huge.html"), max_bytes=1_000_000)
    assert page.status == 200 and page.error == ""
    assert page.size == 1_000_000 < HUGE_BYTES
    assert page.truncated is True
    doc = Document(page.html, page.final_url)
    assert [href for _a, href in doc.links()] == [site.url("/huge-first.html")]


def test_slow_drip_is_cut_by_the_total_deadline(site):
    page = fetch(site.url("/slow-drip"), deadline=1.0)
    assert page.status == 200  # headers came at once: only the deadline can stop it
    assert page.error == "deadline of 1s exceeded"
    assert page.timed_out is True
    assert page.html is None
    assert 900 <= page.elapsed_ms < 5000


def test_redirect_loop_is_capped(site):
    page = fetch(site.url("/loop/a"), max_redirects=5)
    assert page.status is None
    assert page.error == (f"too many redirects (redirect loop: {site.url('/loop/a')} → "
                          f"{site.url('/loop/b')} → {site.url('/loop/a')} → …)")
    assert page.redirects[:3] == [site.url("/loop/a"), site.url("/loop/b"), site.url("/loop/a")]
    assert len(page.redirects) == 6  # five redirects followed, the sixth refused


def test_redirect_followed(site):
    page = fetch(site.url("/redirect-ok"))
    assert (page.status, page.final_url) == (200, site.url("/news/"))
    assert page.redirects == [site.url("/redirect-ok")]
    assert "新闻动态" in page.html


def test_non_html_is_not_read_or_parsed(site):
    pdf = fetch(site.url("/files/report.pdf"))
    assert (pdf.status, pdf.content_type, pdf.html, pdf.size) == (200, "application/pdf",
                                                                  None, 0)
    untyped = fetch(site.url("/binary"))  # no Content-Type: sniffed, not HTML
    assert (untyped.status, untyped.html, untyped.size) == (200, None, 10_240)


def test_status_checks(site):
    assert fetch(site.url("/head-refused"), "HEAD").status == 405
    assert fetch(site.url("/head-refused"), "GET").status == 200
    refused = fetch(site.state.refused, "HEAD")
    assert (refused.status, refused.error) == (None, "connection refused")
    missing = fetch(site.url("/missing.html"), "HEAD")
    assert (missing.status, missing.error) == (404, "")
    # a body past the drain cap stops the transfer: the status stands, without an error
    huge = fetch(site.url("/huge.html"), "GET", deadline=5.0)
    assert (huge.status, huge.error) == (200, "")


def test_status_follows_redirects_with_cookies_and_caps_them(site):
    moved = fetch(site.url("/redirect-ok"), "HEAD")
    assert (moved.status, moved.final_url, moved.error) == (200, site.url("/news/"), "")
    gate = fetch(site.url("/cookie-gate"), "HEAD")  # its cookie must come back on the redirect
    assert (gate.status, gate.final_url, gate.error) == (200, site.url("/cookie-gate"), "")
    loop = fetch(site.url("/loop/a"), "GET", max_redirects=5)
    assert (loop.status, loop.error) == (
        None, f"too many redirects (redirect loop: {site.url('/loop/a')} → "
              f"{site.url('/loop/b')} → {site.url('/loop/a')} → …)")
    unsupported = fetch("ftp://127.0.0.1/file", "HEAD")
    assert unsupported.error == ("request to a non-http URL ftp://127.0.0.1/file refused; "
                                 "only http and https are followed [netpolicy:scheme]")



# -- marks ---------------------------------------------------------------------------------

def footer(html: str) -> Document:
    return Document(f"<html><body><p>正文</p><div id='footer'>{html}</div></body></html>",
                    "http://www.example.gov.cn/")


@pytest.mark.parametrize("html", [
    "网站标识码：5101000001", "网站标识码:5101000001", "网站标识码 5101000001",
    "网站标识码\n  5101000001", "网站标识码<span>5101000001</span>",
    "网站<br>标识码：5101000001", "网站标识码：５１０１０００００１", "标识码 : 5101000001",
])
def test_site_code_spellings(html):
    assert find_marks(footer(html))["site_code"] == "5101000001"


def test_site_code_bm_and_wrong_lengths():
    assert find_marks(footer("网站标识码：bm01000001"))["site_code"] == "bm01000001"
    for malformed in ("510100000", "51010000011", "bm0100001"):  # present, but malformed
        marks = find_marks(footer(f"网站标识码：{malformed}"))
        assert marks["site_code"] == malformed
        assert marks["details"]["site_code"]["valid"] is False


@pytest.mark.parametrize(("html", "value"), [
    ("京ICP备05070218号", "京ICP备05070218号"),
    ("京ICP备05070218号-1", "京ICP备05070218号-1"),
    ("京ICP备 05070218号 －1", "京ICP备05070218号-1"),
    ("京ＩＣＰ备05070218号", "京ICP备05070218号"),
    ("ICP备案号：京ICP备05070218号-2", "京ICP备05070218号-2"),
    ("京ICP备<br>\n05070218号", "京ICP备05070218号"),
    ("蜀ICP备05003205号", "蜀ICP备05003205号"),
])
def test_icp_spellings(html, value):
    assert find_marks(footer(html))["icp"] == value


@pytest.mark.parametrize("html", [
    "京公网安备 11010202000001号", "京公网安备11010202000001号", "京公网安备：11010202000001",
    "京公网<span>安备</span>\n11010202000001号", "京公网安备　11010202000001号",
])
def test_police_spellings(html):
    assert find_marks(footer(html))["police"] == "京公网安备 11010202000001号"


@pytest.mark.parametrize("html", [
    "主办单位：成都市人民政府办公厅", "主办单位:成都市人民政府办公厅 承办单位：成都市大数据中心",
    "主办：成都市人民政府办公厅", "主办单位\n成都市人民政府办公厅",
    "网站主办单位： 成都市人民政府办公厅 | 联系我们",
    "主办单位：成都市人民政府办公厅承办单位：成都市大数据中心",
])
def test_sponsor_spellings(html):
    assert find_marks(footer(html))["sponsor"] == "成都市人民政府办公厅"


def test_marks_absent_and_outside_the_footer():
    nothing = find_marks(footer("版权所有 © 2026 京ICP证030173号"))
    assert {k: nothing[k] for k in ("site_code", "icp", "police", "sponsor", "sitemap")} == \
        dict.fromkeys(("site_code", "icp", "police", "sponsor", "sitemap"))
    assert nothing["conac"] is False
    body = find_marks(Document("<html><body><p>主办单位：某县人民政府</p></body></html>",
                               "http://x.gov.cn/"))
    assert (body["sponsor"], body["where"]["sponsor"]) == ("某县人民政府", "page")


def test_conac_badge_link_and_script():
    link = find_marks(footer("<a href='https://bszs.conac.cn/sitename?method=show&id=1'>"
                             "<img src='/red.png' alt='党政机关'></a>"))
    assert link["conac"] is True
    assert link["conac_url"] == "https://bszs.conac.cn/sitename?method=show&id=1"
    script = find_marks(footer("<script>document.write(unescape(\"%3Cscript src='"
                               "https://dcs.conac.cn/js/1.js'%3E%3C/script%3E\"));</script>"))
    assert (script["conac"], script["conac_url"]) == (True, "https://dcs.conac.cn/js/1.js")
    assert find_marks(footer("<a href='https://conac.cn.example.com/'>x</a>"))["conac"] is False


def test_sitemap_link():
    marks = find_marks(footer("<a href='/wzdt/'>网站<b>地图</b></a>"))
    assert marks["sitemap"] == "http://www.example.gov.cn/wzdt/"
    by_href = find_marks(footer("<a href='/sitemap.html'><img src='x.png'></a>"))
    assert by_href["sitemap"] == "http://www.example.gov.cn/sitemap.html"


# -- dates, features, links ------------------------------------------------------------------

def test_find_dates():
    text = ("2026-11-02 通知 2026/11/3 公告 2026年11月4日 2026.11.05 今天是2026年11月22日 "
            "2026-02-30 2027-01-01 １９９９年１月２日")
    from govaudit.probes.html import normalise_text

    dates = [m.value for m in find_dates(normalise_text(text), TODAY)]
    # the clock, an impossible date and a future date are left out
    assert sorted(dates) == [date(1999, 1, 2), date(2026, 11, 2), date(2026, 11, 3),
                             date(2026, 11, 4), date(2026, 11, 5)]


def test_features_each_with_what_matched():
    page = Page("""<html><body>
        <form action='/s'><input type='search' name='q'></form>
        <a href='/reg'>用户注册</a> <a href='/wza/'><img alt='无障碍浏览'></a>
        <div>政策 解读</div><script>var x = '依申请公开';</script></body></html>""",
                "http://x.gov.cn/")
    found = find_features(page)
    assert [(m.how, m.text, m.url) for m in found["search"]] == [
        ("form", '<input name="q">', "http://x.gov.cn/s")]
    assert [(m.how, m.text, m.url) for m in found["login"]] == [
        ("link", "用户注册", "http://x.gov.cn/reg")]
    assert [(m.how, m.text, m.url) for m in found["accessibility"]] == [
        ("link", "无障碍浏览", "http://x.gov.cn/wza/")]
    assert [(m.how, m.text) for m in found["interpretation"]] == [("text", "政策 解读")]
    assert found["disclosure_request"] == []  # script text only
    assert found["gov_info"] == []


@pytest.mark.parametrize(("raw", "encoding", "expected"), [
    ("/新闻/列表.html", "utf-8", "http://x.gov.cn/%E6%96%B0%E9%97%BB/%E5%88%97%E8%A1%A8.html"),
    ("/a b.html#part", "utf-8", "http://x.gov.cn/a%20b.html"),
    ("/s?q=政务", "gb18030", "http://x.gov.cn/s?q=%D5%FE%CE%F1"),
    ("/s?q=政务", "utf-8", "http://x.gov.cn/s?q=%E6%94%BF%E5%8A%A1"),
    ("/x%2fy%zz", "utf-8", "http://x.gov.cn/x%2Fy%25zz"),
    ("HTTP://WWW.Example.GOV.cn/A", "utf-8", "http://www.example.gov.cn/A"),
    ("  /tab\tbed\n.html ", "utf-8", "http://x.gov.cn/tabbed.html"),
    ("//cdn.x.gov.cn/a.js", "utf-8", "http://cdn.x.gov.cn/a.js"),
    ("http://政府.cn/", "utf-8", "http://xn--mxtq1m.cn/"),
])
def test_normalise_link(raw, encoding, expected):
    assert normalise_link(raw, "http://x.gov.cn/index.html", encoding) == (expected, "")


_PLAIN_TEXT = st.text(alphabet="abZ09/._~-", min_size=1, max_size=12)


@settings(max_examples=400, deadline=None)
@given(raw=_PLAIN_TEXT, base=st.sampled_from([
    "http://x.gov.cn/index.html", "HTTPS://X.Gov.CN:8443/a/b/", "http://x.gov.cn",
    "http://x.gov.cn/a/../b/c.html", "http://x.gov.cn/新闻/", "http://u@x.gov.cn/a/",
    "http://x.gov.cn:99999/", "http://x.gov.cn/a?q=1#f"]))
def test_plain_links_join_as_the_full_path_joins_them(raw, base):
    # the trailing "#" is dropped but sends the link down the full path (urljoin, quoting)
    try:
        full = normalise_link(raw + "#", base)
    except ValueError:
        with pytest.raises(ValueError):
            normalise_link(raw, base)
        return
    assert normalise_link(raw, base) == full


def test_links_skipped_and_invalid():
    for raw, why in (("mailto:a@x.cn", "mailto"), ("javascript:void(0)", "javascript"),
                     ("tel:12345", "tel"), ("#top", "fragment"), ("ftp://x.cn/", "ftp")):
        assert normalise_link(raw, "http://x.gov.cn/") == (None, why)
    with pytest.raises(ValueError):
        normalise_link("http://[::1", "http://x.gov.cn/")
    with pytest.raises(ValueError):
        normalise_link("http://x.gov.cn:99999/", "http://x.gov.cn/")
    doc = Document("<html><head><base href='http://y.gov.cn/sub/'></head><body>"
                   "<a href='a.html'>甲</a><a href='a.html#x'>again</a><img src='i.png'>"
                   "<a href='http://[::1'>坏</a><a>no href</a></body></html>", "http://x.gov.cn/")
    targets = Page(doc.tree.html or "", "http://x.gov.cn/").targets
    # each target once (its first link), in page order
    assert [(t.url, t.text, t.tag) for t in targets.checkable.values()] == [
        ("http://y.gov.cn/sub/a.html", "甲", "a"), ("http://y.gov.cn/sub/i.png", "", "img")]
    assert [(i.url, i.text, i.tag, i.error) for i in targets.invalid.values()] == [
        ("http://[::1", "坏", "a", "invalid URL (Invalid IPv6 URL)")]
    assert not targets.skipped


def test_a_host_that_never_accepts_is_a_connect_timeout():
    # a listener whose accept queue is full: the kernel drops further SYNs, as a firewall does
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    queued = []
    for _ in range(4):
        client = socket.socket()
        client.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            client.connect(("127.0.0.1", port))
        queued.append(client)
    try:
        curl = fetch(f"http://127.0.0.1:{port}/x", "HEAD", connect_timeout=0.5, deadline=3.0)
        assert (curl.status, curl.error, curl.timed_out) == (None, "connect timeout", True)
        assert LinkResult(curl.status, curl.error).unchecked  # could not check, not broken
    finally:
        for sock in [listener, *queued]:
            sock.close()


def test_a_reset_connection_is_worded_as_one():
    """A server that resets the connection once it has read the request: the visit's and the
    link check's reason says so, not "ReadError (ReadError)"."""
    import struct
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with contextlib.suppress(OSError):
                conn.recv(65536)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()  # with a zero linger: a reset, not a close

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    try:
        page = fetch(url, deadline=5.0)
        assert (page.status, page.error) == (None, "connection reset by the server")
        curl = fetch(url, "GET", deadline=5.0)
        assert (curl.status, curl.error) == (None, "connection reset by the server")
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
