"""Cloaking and outbound links against a loopback server that cloaks and redirects."""

from __future__ import annotations

import asyncio
import http.server
import threading
from collections.abc import Iterator

import pytest

from govaudit.content.outbound import (
    GOVERNMENT,
    OTHER,
    SAME_SITE,
    check_outbound,
    compare_versions,
    fetch_versions,
    link_kind,
)

PEOPLE = """<html><head><title>示例市人民政府</title></head><body>
<a href="/news/1.html">要闻</a><a href="http://www.gov.cn/">中国政府网</a><p>政务公开</p>
</body></html>"""
CRAWLER = """<html><head><title>示例市人民政府</title></head><body>
<a href="/news/1.html">要闻</a><a href="http://www.gov.cn/">中国政府网</a><p>政务公开</p>
<div><a href="http://bet.example.com/">在线博彩娱乐平台</a></div></body></html>"""


class Cloaker(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        if self.path == "/go":
            port = self.server.server_address[1]
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{port}/")
            self.end_headers()
            return
        crawler = "Baiduspider" in (self.headers.get("User-Agent") or "")
        body = (CRAWLER if crawler else PEOPLE).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Cloaker)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def test_a_page_that_shows_crawlers_other_links_is_cloaking(server: str):
    people, crawler, error = asyncio.run(fetch_versions(server + "/", allow_private=True))
    assert error == "" and "bet.example.com" in crawler and "bet.example.com" not in people
    found = compare_versions(people, crawler, server + "/")
    assert found is not None and found.links == ("http://bet.example.com/",)
    assert "在线博彩娱乐平台" in found.words
    assert compare_versions(people, people, server + "/") is None


def test_the_page_asked_for_may_be_on_a_private_address(server: str):
    # its own origin may be private (an intranet site), as everywhere in govaudit
    assert asyncio.run(fetch_versions(server + "/"))[2] == ""


def test_redirects_off_domain_and_hosts_that_do_not_resolve(server: str):
    found = asyncio.run(check_outbound(
        [server + "/go", "http://nothing-here.invalid/", server + "/"],
        "http://www.example.gov.cn/", allow_private=True, timeout=5))
    assert [(f.url, f.problem) for f in found] == [
        (server + "/go", "redirects off its domain"),
        ("http://nothing-here.invalid/", "does not resolve")]
    assert found[0].final_url.startswith("http://localhost:")


def test_link_kinds():
    page = "http://www.example-city.gov.cn/"
    assert link_kind("http://zwgk.example-city.gov.cn/a", page) == SAME_SITE
    assert link_kind("http://www.gov.cn/", page) == GOVERNMENT
    assert link_kind("http://www.example.com/", page) == OTHER
