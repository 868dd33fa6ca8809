"""Site search: a loopback site whose search works, and one whose search finds nothing."""

from __future__ import annotations

import asyncio
import http.server
from urllib.parse import parse_qs, urlsplit

import pytest

from govaudit.conformance.search import SearchForm, check_search, find_in_results, find_search_form

TITLE = "关于做好2026年春季森林防火工作的通知"
HOME = ('<html><body><form id="search" action="/search" method="get">'
        '<input type="hidden" name="siteid" value="7"><input type="text" name="q">'
        '<input type="submit" value="搜索"></form><form action="/login" method="post">'
        '<input name="user"><input type="password" name="pw"></form></body></html>')


class Searching(http.server.BaseHTTPRequestHandler):
    broken = False

    def do_GET(self) -> None:  # noqa: N802
        self.answer(parse_qs(urlsplit(self.path).query))

    def do_POST(self) -> None:  # noqa: N802
        size = int(self.headers.get("Content-Length") or 0)
        self.answer(parse_qs(self.rfile.read(size).decode("utf-8")))

    def answer(self, query: dict[str, list[str]]) -> None:
        words = (query.get("q") or query.get("kw") or [""])[0]
        if self.path.startswith("/error"):
            self.send_response(500)
            self.end_headers()
            return
        rows = "" if self.broken or query.get("siteid") != ["7"] and "kw" not in query else (
            f'<li><a href="/a/1.html"><em>{words[:6]}</em>{TITLE[6:18]}...</a></li>'
            '<li><a href="/a/2.html">无关的另一条信息</a></li>')
        body = f"<html><body><ul class='results'>{rows}</ul></body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class Broken(Searching):
    broken = True


def test_the_form_is_found_in_the_home_page():
    form = find_search_form(HOME, "http://127.0.0.1:8000/index.html")
    assert form == SearchForm("http://127.0.0.1:8000/search", "get", "q", (("siteid", "7"),))
    assert find_search_form("<form action='/login'><input name=a><input name=b></form>",
                            "http://x/") is None


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_working_search_lists_the_item(serve, method):
    base = f"http://127.0.0.1:{serve(Searching)}"
    form = SearchForm(f"{base}/search", method, "q", (("siteid", "7"),))
    found = asyncio.run(check_search(form, TITLE))
    assert found.passed, found
    assert found.match is not None and found.match.value.startswith(TITLE[:6])
    template = asyncio.run(check_search(f"{base}/s?kw={{q}}", TITLE))
    assert template.passed


def test_a_broken_search_does_not(serve):
    base = f"http://127.0.0.1:{serve(Broken)}"
    found = asyncio.run(check_search(SearchForm(f"{base}/search", "get", "q"), TITLE))
    assert found.passed is False and found.results == 0
    error = asyncio.run(check_search(f"{base}/error?q={{q}}", TITLE))
    assert error.passed is None and "answered 500" in error.error
    refused = asyncio.run(check_search("http://127.0.0.1:9/?q={q}", TITLE, timeout=3))
    assert refused.passed is None and "ConnectError" in refused.error


def test_results_reading():
    url = "http://x/search"
    full = f'<a href="/1">{TITLE}</a>'
    assert find_in_results(full, url, TITLE)[0] is not None
    cut = f'<a href="/1">{TITLE[:10]}…</a>'
    assert find_in_results(cut, url, TITLE)[0] is not None
    too_short = f'<a href="/1">{TITLE[:4]}…</a>'
    assert find_in_results(too_short, url, TITLE)[0] is None
    titled = f'<a href="/1" title="{TITLE}">查看</a>'
    assert find_in_results(titled, url, TITLE)[0] is not None
    other = '<a href="/1">关于做好2025年秋季森林防火工作的通知</a>'
    assert find_in_results(other, url, TITLE)[0] is None
