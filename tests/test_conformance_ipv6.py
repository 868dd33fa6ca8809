"""The seven IPv6 metrics, on ::1 and 127.0.0.1, with a name server on ::1 (dnslib) that the
checks' resolver is pointed at."""

from __future__ import annotations

import asyncio
import errno
import http.server
import itertools
from collections.abc import Iterator

import pytest
from conformance_helpers import serve_on, site
from dnslib import AAAA, NS, QTYPE, RCODE, RR, A
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from govaudit.conformance.ipv6 import check_ipv6, make_resolver, similarity


class Zone(BaseResolver):
    def __init__(self, records: dict[tuple[str, str], list]) -> None:
        self.records = records

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        kind = QTYPE[request.q.qtype]
        for rdata in self.records.get((name, kind), []):
            reply.add_answer(RR(request.q.qname, request.q.qtype, rdata=rdata, ttl=60))
        if not any(n == name for n, _ in self.records):
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


def pair(v6: type[http.server.BaseHTTPRequestHandler],
         v4: type[http.server.BaseHTTPRequestHandler] | None, servers: list) -> int:
    """One port with a server on ::1 and (if given) another on 127.0.0.1."""
    for _ in range(20):
        port = serve_on(v6, "::1", 0, servers)
        if v4 is None:
            return port
        try:
            serve_on(v4, "127.0.0.1", port, servers)
            return port
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
    raise RuntimeError("no port free on both loopback addresses")


class Flaky(http.server.BaseHTTPRequestHandler):
    count = itertools.count()

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200 if next(self.count) % 2 == 0 else 503)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def world() -> Iterator[dict]:
    servers: list = []
    home = '<html><body><h1>测试市人民政府</h1><a href="{0}/s1">一</a><a href="{1}/s2">二</a>' \
           '<a href="#top">顶部</a><a href="mailto:a@test.gov.cn">信箱</a></body></html>'
    test_port = pair(site({}), site({}), servers)  # filled below, once the port is known
    sub, v4only = f"http://sub.test.gov.cn:{test_port}", f"http://v4only.test.gov.cn:{test_port}"
    pages = {"/": (200, {}, home.format(sub, v4only)),
             "/s1": (200, {}, f'<a href="{sub}/t1">甲</a><a href="{v4only}/t2">乙</a>'
                              f'<a href="{sub}/t3">丙</a><a href="{sub}/s1">自己</a>'),
             "/s2": (200, {}, "<p>二级</p>"), "/t1": (200, {}, ""), "/t3": (404, {}, "")}
    for server in servers:
        server.RequestHandlerClass.pages = pages
    diff_port = pair(site({"/": (200, {}, "<h1>新版首页</h1><p>" + "政务公开 " * 50 + "</p>")}),
                     site({"/": (200, {}, "<h1>旧版</h1><p>" + "停止维护 " * 50 + "</p>")}),
                     servers)
    flaky_port = pair(Flaky, None, servers)
    records: dict[tuple[str, str], list] = {
        ("www.test.gov.cn", "A"): [A("127.0.0.1")], ("www.test.gov.cn", "AAAA"): [AAAA("::1")],
        ("test.gov.cn", "NS"): [NS("ns1.test.gov.cn."), NS("ns2.test.gov.cn.")],
        ("ns1.test.gov.cn", "AAAA"): [AAAA("::1")], ("ns2.test.gov.cn", "A"): [A("127.0.0.1")],
        ("sub.test.gov.cn", "AAAA"): [AAAA("::1")], ("v4only.test.gov.cn", "A"): [A("127.0.0.1")],
        ("www.v4.gov.cn", "A"): [A("127.0.0.1")], ("v4.gov.cn", "NS"): [NS("ns.v4.gov.cn.")],
        ("ns.v4.gov.cn", "A"): [A("127.0.0.1")],
        ("www.diff.gov.cn", "A"): [A("127.0.0.1")], ("www.diff.gov.cn", "AAAA"): [AAAA("::1")],
        ("www.flaky.gov.cn", "AAAA"): [AAAA("::1")],
    }
    dns = DNSServer(Zone(records), address="::1", port=0, logger=DNSLogger(logf=lambda s: None))
    dns.start_thread()
    port = dns.server.server_address[1]
    yield {"resolver": make_resolver("::1", port, timeout=2), "dns_port": port,
           "test": f"http://www.test.gov.cn:{test_port}/",
           "v4": f"http://www.v4.gov.cn:{test_port}/",
           "diff": f"http://www.diff.gov.cn:{diff_port}/",
           "flaky": f"http://www.flaky.gov.cn:{flaky_port}/"}
    dns.stop()
    for server in servers:
        server.shutdown()
        server.server_close()


def run(world: dict, name: str, **options):
    return asyncio.run(check_ipv6(world[name], resolver=world["resolver"],
                                  dns_port=world["dns_port"], timeout=3, **options))


def test_a_site_that_supports_ipv6(world):
    found = run(world, "test")
    assert found.aaaa == ("::1",) and found.home_reachable and found.success_rate == 1.0
    assert found.zone == "test.gov.cn" and found.dns_over_ipv6
    servers = {ns.name: ns for ns in found.name_servers}
    assert servers["ns1.test.gov.cn"].answered and not servers["ns2.test.gov.cn"].answered
    assert found.same_content and found.similarity == 1.0
    assert [(link.url.rsplit("/", 1)[-1], link.supported) for link in found.second_level.links] \
        == [("s1", True), ("s2", False)]
    assert found.second_level.rate == 0.5
    # t1 answers, t2 has no AAAA, t3 answers 404 over IPv6 (IPv6 works; the link is dead)
    assert [link.url.rsplit("/", 1)[-1] for link in found.third_level.links] == ["t1", "t2", "t3"]
    assert found.third_level.rate == pytest.approx(2 / 3)
    assert found.metrics() == {"aaaa": True, "home_ipv6": True, "success_rate": 1.0,
                               "dns_ipv6": True, "same_content": True,
                               "second_level_rate": 0.5, "third_level_rate": pytest.approx(2 / 3)}


def test_a_site_without_aaaa(world):
    found = run(world, "v4")
    assert not found.has_aaaa and not found.home_reachable and found.success_rate is None
    assert "no AAAA record" in found.error
    assert found.zone == "v4.gov.cn" and not found.dns_over_ipv6
    assert found.same_content is None
    # links are still read from the IPv4 page
    assert found.second_level.rate == 0.5


def test_different_content_and_flaky_visits(world):
    diff = run(world, "diff", max_links=0)
    assert diff.home_reachable and diff.similarity is not None and diff.similarity < 0.9
    assert diff.same_content is False
    flaky = run(world, "flaky", visits=5, max_links=0)
    assert flaky.success_rate == pytest.approx(0.6)
    assert flaky.zone is None and not flaky.dns_over_ipv6


def test_similarity_ignores_scripts():
    a = "<html><body><p>政务公开</p><script>var t = 1;</script></body></html>"
    b = "<html><body><p>政务公开</p><script>var t = 2;</script></body></html>"
    assert similarity(a, b) == 1.0


def probe_row(world: dict, name: str):
    """The conformance probe's IPv6 row for the site `world[name]`, its DNS asked of the
    world's name server (CheckOptions.dns_server)."""
    from govaudit.model import Site
    from govaudit.probes.checks.conformance import _ipv6
    from govaudit.probes.context import ProbeContext, SitePages
    from govaudit.probes.options import CheckOptions

    url = world[name]
    options = CheckOptions(link_timeout=3, dns_server=("::1", world["dns_port"]))
    pages = SitePages(Site("测试市", url, "city"), options, None, None)  # type: ignore[arg-type]
    context = ProbeContext(pages, None, None, [], lambda line: None)  # type: ignore[arg-type]
    return asyncio.run(_ipv6(context, url))


def test_the_probe_asks_its_name_server_for_the_site(world):
    row = probe_row(world, "test")
    assert (row.check, row.result) == ("ipv6", "pass")
    assert "aaaa True" in row.detail and "dns_ipv6 True" in row.detail
    assert "second_level_rate 0.5" in row.detail
    row = probe_row(world, "v4")
    assert row.result == "problem" and "no AAAA record" in row.detail
    literal = probe_row({**world, "ip": "http://[::1]:1/"}, "ip")
    assert literal.result == "not checked" and "no name" in literal.detail
