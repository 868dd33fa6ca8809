"""Links that could not be checked from this machine are not broken links."""

from __future__ import annotations

import http.server

import pytest
from fixtures.probe_site import closed_port

from govaudit.probes.checks.links import LinksResult
from govaudit.probes.fetch import FetchLimits
from govaudit.probes.links import LinkOptions
from govaudit.probes.run import CheckOptions, check_sites
from govaudit.store import Site


class Handler(http.server.BaseHTTPRequestHandler):
    home = b""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self.answer(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self.answer(head=False)

    def answer(self, head: bool) -> None:
        status, body = {"/": (200, self.home), "/ok.html": (200, b"<p>ok</p>")}.get(
            self.path, (404, b"<p>not found</p>"))
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)


@pytest.fixture
def site(serve_site) -> tuple[str, str]:
    refused = f"http://127.0.0.1:{closed_port()}/gone.html"
    Handler.home = (f"<html><body><a href='ok.html'>好</a><a href='missing.html'>缺</a>"
                    f"<a href='{refused}'>关</a><a href='http://nonexistent.invalid/'>无</a>"
                    "</body></html>").encode()
    return serve_site(Handler) + "/", refused


def check(url: str, allow_private: bool = True, **links: object) -> LinksResult:
    # the refused and closed ports are other loopback origins: allowed so they are requested
    options = CheckOptions(probes=("links",), link_timeout=5.0, allow_private=allow_private,
                           limits=FetchLimits(deadline=5.0),
                           links=LinkOptions(backoff=0.05, **links))
    return check_sites([Site("测试市", url, "city")], options)[0].probes["links"]


def test_unreachable_hosts_are_unchecked_not_broken(site):
    url, refused = site
    links = check(url)
    assert links.checked == 4
    assert (links.broken_count, links.unchecked_count) == (1, 2)
    assert [(b.url, b.status) for b in links.broken] == [(f"{url}missing.html", 404)]
    assert [(u.url, u.error.split(" (")[0]) for u in links.unchecked] == [
        (refused, "connection refused"), ("http://nonexistent.invalid/", "DNS lookup failed")]
    assert links.broken_ratio == round(1 / 2, 6)  # of the links that were checked


def test_a_link_refused_for_its_private_address_is_unchecked_not_broken(site):
    url, refused = site
    links = check(url, allow_private=False)  # the closed port is another private origin
    assert [b.url for b in links.broken] == [f"{url}missing.html"]
    [private] = [u for u in links.unchecked if u.url == refused]
    assert "private address" in private.error and "[netpolicy:private]" in private.error


def test_skip_host_still_counts_as_skipped(site):
    url, _ = site
    links = check(url, skip_hosts=("nonexistent.invalid",))
    assert links.skipped == {"excluded host": 1}
    assert (links.checked, links.broken_count, links.unchecked_count) == (3, 1, 1)
