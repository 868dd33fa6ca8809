"""Link verdicts and challenges, on answers a loopback server really sends."""

from __future__ import annotations

import asyncio
import http.server
from pathlib import Path

import pytest
from fixtures.probe_site import closed_port

from govaudit.netpolicy import AddressPolicy
from govaudit.page.challenges import Outcome, answer_outcome, detect_challenge
from govaudit.page.verdicts import LinkVerdict, is_soft_404, link_verdict
from govaudit.probes.charset import ascii_html, decode_html
from govaudit.probes.fetch import Fetcher, FetchLimits, LinkStatus, Page
from govaudit.probes.linkcheck import LinkFetcher

RUISHU = (b"<!DOCTYPE html><html><head><meta http-equiv='Content-Type' content='text/html; "
          b"charset=utf-8'><meta id='Vz3q' content='Q2x1QmFzZTY0U3RyaW5n' r='m'>"
          b"<script type='text/javascript' r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};"
          b"$_ts.nsd=48213;$_ts.cd='qXrLrrAlcqa';</script>"
          b"<script type='text/javascript' charset='utf-8' src='/Ab9z/xQ3f.b4c45da.js' r='m'>"
          b"</script></head><body></body></html>")
JIASULE = (b"<html><body><script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+"
           b"('l')+('e')+('a')+('r')+('a')+('n')+('c')+('e')+('=')+(+!+[]+'.'+(+!+[]))+"
           b"';max-age=3600;path=/';location.href=location.pathname+location.search"
           b"</script></body></html>")
YUNSUO = (b"<html><head><script>function stringToHex(s){return s}var screendate = "
          b"'1920,1080';document.cookie='srcurl='+stringToHex(window.location.href)+';path=/;';"
          b"window.location.href='/?security_verify_data='+stringToHex(screendate);</script>"
          b"</head><body></body></html>")
GENERIC = (b"<!DOCTYPE html><html><head><script>(function(){var _0x=['abc','cookie','jsc_b=',"
           b"'; path=/'],h=0;document[_0x[1]]=_0x[2]+h+_0x[3];location.reload();})();"
           b"</script></head><body></body></html>")
SPA = b"<html><body><div id='app'></div><script src='/app.js'></script></body></html>"
FORBIDDEN = ("<html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1>"
             "<p>您没有权限访问该页面，请与网站管理员联系。</p></body></html>").encode()
SOFT_404 = ("<html><head><meta charset='utf-8'><title>提示</title></head><body>"
            "<h1>抱歉，您访问的页面不存在或已被删除！</h1><a href='/'>返回首页</a></body></html>"
            ).encode()
NEWS = ("<html><head><meta charset='utf-8'><title>新闻</title></head><body>"
        + "<p>正文段落，说明本站不再使用旧的404页面模板。</p>" * 30 + "</body></html>").encode()
ROUTES: dict[str, tuple[int, bytes, dict[str, str]]] = {
    "/ok.html": (200, "<html><body><p>政务动态</p></body></html>".encode(), {}),
    "/missing.html": (404, b"<html><head><title>404 Not Found</title></head></html>", {}),
    "/error.html": (500, b"<html><body>Internal Server Error</body></html>", {}),
    "/soft-404.html": (200, SOFT_404, {}),
    "/news.html": (200, NEWS, {}),
    "/ruishu/": (412, RUISHU, {"Set-Cookie": "FSSBBIl1UgzbN7N80S=abc; Path=/"}),
    "/jiasule/": (521, JIASULE, {"Set-Cookie": "__jsluid_h=0a1b2c; path=/"}),
    "/yunsuo/": (200, YUNSUO, {"Set-Cookie": "yunsuo_session_verify=1; path=/"}),
    "/gate/": (412, GENERIC, {"Set-Cookie": "jsc_a=abc; Path=/"}),
    "/forbidden/": (403, FORBIDDEN, {}),
    "/app/": (200, SPA, {}),
    "/moved/": (301, b"<html><body>moved</body></html>", {"location": "/cookies/"}),
}
# Sent as written: two Set-Cookie headers, names spelled and spaced as servers do.
COOKIES = (b"HTTP/1.1 200 OK\r\ncontent-TYPE: text/html; charset=utf-8\r\n"
           b"Set-Cookie: a=1; path=/\r\nSET-COOKIE : b=2\r\nServer:  yunsuo \r\n"
           b"X-Other: 1\r\nContent-Length: 5\r\n\r\nhello")


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self.answer(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self.answer(head=False)

    def answer(self, head: bool) -> None:
        if self.path == "/cookies/":
            self.wfile.write(COOKIES)
            self.close_connection = True
            return
        status, body, headers = ROUTES.get(self.path, (404, b"", {}))
        self.send_response(status)
        for name, value in {"Content-Type": "text/html; charset=utf-8",
                            "Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(b"" if head else body)


@pytest.fixture
def base(serve_dir, tmp_path: Path) -> str:
    return serve_dir(tmp_path, Handler)


def get(url: str, policy: AddressPolicy | None = None) -> Page:
    async def run() -> Page:
        async with Fetcher(FetchLimits(deadline=5.0)) as fetcher:
            return await fetcher.page(url, policy=policy)
    return asyncio.run(run())


def verdict(url: str, policy: AddressPolicy | None = None) -> LinkVerdict:
    page = get(url, policy)
    return link_verdict(page.status, page.error, page.html)


@pytest.mark.parametrize(("path", "expected"), [
    ("/ok.html", LinkVerdict.WORKS),
    ("/missing.html", LinkVerdict.BROKEN),
    ("/error.html", LinkVerdict.BROKEN),
    ("/forbidden/", LinkVerdict.BROKEN),  # a 403 that shows a page is an answer
    ("/soft-404.html", LinkVerdict.SOFT_404),
    ("/news.html", LinkVerdict.WORKS),  # a long page that mentions 404 is a page
    ("/ruishu/", LinkVerdict.CHALLENGE),
    ("/jiasule/", LinkVerdict.CHALLENGE),
    ("/yunsuo/", LinkVerdict.CHALLENGE),  # a 200 that is only a challenge
    ("/gate/", LinkVerdict.CHALLENGE),
    ("/app/", LinkVerdict.WORKS),  # a page built by script sets no cookie and reloads nothing
])
def test_verdicts_on_real_answers(base, path, expected):
    assert verdict(base + path) == expected


def test_failures_that_say_nothing_about_the_link(base):
    assert verdict(f"http://127.0.0.1:{closed_port()}/x.html") == LinkVerdict.REFUSED
    # another private origin than the one asked for: refused by the address policy
    policy = AddressPolicy(["http://192.0.2.1/"])
    assert verdict(base + "/ok.html", policy) == LinkVerdict.PRIVATE
    assert link_verdict(None, "DNS lookup failed (Name or service not known)") == LinkVerdict.DNS
    assert link_verdict(None, "connect timeout") == LinkVerdict.TIMEOUT
    assert link_verdict(None, "deadline of 15s exceeded") == LinkVerdict.TIMEOUT
    assert link_verdict(None, "TLS error: certificate has expired") == LinkVerdict.TLS
    assert link_verdict(None, "too many redirects (redirect loop: …)") == LinkVerdict.BROKEN
    assert link_verdict(None, "invalid URL (no host)") == LinkVerdict.BROKEN
    assert {v for v in LinkVerdict if v.dead} == {LinkVerdict.BROKEN, LinkVerdict.SOFT_404}
    assert {v for v in LinkVerdict if v.judged} == {LinkVerdict.WORKS, LinkVerdict.BROKEN,
                                                    LinkVerdict.SOFT_404}


def test_a_412_without_a_body_is_a_challenge(base):
    async def head() -> tuple[int | None, str]:
        async with LinkFetcher(FetchLimits(deadline=5.0)) as fetcher:
            result = await fetcher.status(base + "/gate/", "HEAD")
            return result.status, result.error
    status, error = asyncio.run(head())
    assert (status, error) == (412, "")
    assert link_verdict(status, error) == LinkVerdict.CHALLENGE
    assert link_verdict(404, "") == LinkVerdict.BROKEN
    assert link_verdict(403, "", b"") == LinkVerdict.BROKEN


def test_a_link_check_keeps_the_headers_of_the_last_answer(base):
    """What curl hands over line by line is read once: the headers a verdict reads, of the
    answer at the end of the redirects, each however its name is cased and spaced, repeated
    ones joined; the start of the HTML body."""
    async def check() -> LinkStatus:
        async with LinkFetcher(FetchLimits(deadline=5.0)) as fetcher:
            return await fetcher.status(base + "/moved/", "GET")
    found = asyncio.run(check())
    assert (found.status, found.final_url, found.error) == (200, base + "/cookies/", "")
    assert found.headers == {"content-type": "text/html; charset=utf-8",
                             "set-cookie": "a=1; path=/, b=2", "server": "yunsuo"}
    assert found.body == b"hello"


@pytest.mark.parametrize(("body", "content_type"), [
    (b"<html><body>page</body></html>", "text/html; charset=utf-8"),
    (b"<html><body>page</body></html>", ""),
    (b"<html><body>404 Not Found &amp;</body></html>", "text/html; charset=GBK"),
    (b"<meta charset='gb2312'><p>x</p>", "text/html; charset=iso-8859-1"),
    (b"<meta charset='utf-16'><p>x</p>", "text/html"),
    (b"<p>a+AGQ-b</p>", "text/html; charset=utf-7"),
    (b"<p>abc</p>", "text/html; charset=utf-16le"),
    (b"<p>abc</p>", "text/html; charset=cp500"),
    (b"<p>abc</p>", "text/html; charset=nonsense"),
    ("<p>页面不存在</p>".encode(), "text/html; charset=utf-8"),
])
def test_a_plain_ascii_body_is_read_as_decode_html_reads_it(body, content_type):
    """The link checks' shortcut for plain ASCII bodies gives decode_html's text, or steps
    aside (None) where a label could read the bytes otherwise."""
    text = ascii_html(body, content_type)
    assert text is None or text == decode_html(body, content_type)[0]
    compatible = body.isascii() and not any(
        label in content_type for label in ("utf-7", "utf-16", "cp500"))
    assert (text is not None) == (compatible and b"utf-16" not in body)


def test_a_challenge_is_not_an_outage(base):
    page = get(base + "/ruishu/")
    answer = answer_outcome(page.status, page.error, page.html)
    assert answer.outcome == Outcome.CHALLENGE
    assert answer.challenge is not None and answer.challenge.vendor == "瑞数"
    assert answer.reason.startswith("challenge: a browser decides")
    jiasule = get(base + "/jiasule/")
    assert detect_challenge(jiasule.status, jiasule.html) is not None
    assert detect_challenge(jiasule.status, jiasule.html).vendor == "知道创宇"
    assert answer_outcome(503, "", b"<html><body><h1>503 Service Unavailable</h1></body></html>"
                          ).outcome == Outcome.DOWN
    assert answer_outcome(None, "connection refused").outcome == Outcome.DOWN
    assert answer_outcome(200, "", SPA).outcome == Outcome.OPENED


def test_soft_404_titles_and_short_pages():
    assert is_soft_404("<title>404 Not Found</title>")
    assert is_soft_404("<html><body><p>该信息已删除</p></body></html>")
    assert not is_soft_404(NEWS.decode())
    assert not is_soft_404("<html><body><p>通知公告</p></body></html>")


def test_a_soft_404_however_its_page_is_written():
    """The verdict reads a page only when it can matter; every way of saying "not found" is
    still seen: in plain ASCII, through character references, in full-width letters, in the
    title or the text, split over elements."""
    def of(html: str, status: int = 200) -> LinkVerdict:
        return link_verdict(status, "", html.encode("utf-8"),
                            {"content-type": "text/html; charset=utf-8"})

    assert of("<html><body>page</body></html>") == LinkVerdict.WORKS
    assert of("<html><body><p>Page Not <b>Found</b></p></body></html>") == LinkVerdict.SOFT_404
    assert of("<html><head><title>Error 404</title></head><body>x</body></html>") \
        == LinkVerdict.SOFT_404
    assert of("<p>&#39029;&#38754;&#19981;&#23384;&#22312;</p>") == LinkVerdict.SOFT_404
    assert of("<p>ＮＯＴ　ＦＯＵＮＤ</p>") == LinkVerdict.SOFT_404  # full-width, folded
    assert of("<p>Error 4&#48;4</p>") == LinkVerdict.SOFT_404
    assert of("<p>see page 1404 of the record</p>") == LinkVerdict.WORKS
    assert of("<p>" + "A long page about how 404 pages are made. " * 20 + "</p>") \
        == LinkVerdict.WORKS
    assert of("<html><body>page</body></html>", 404) == LinkVerdict.BROKEN
    assert of(RUISHU.decode(), 412) == LinkVerdict.CHALLENGE
    assert of(YUNSUO.decode()) == LinkVerdict.CHALLENGE
