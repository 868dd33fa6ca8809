"""IPv6 in depth: the seven metrics of the national IPv6 monitoring of government sites.

1. the host has an AAAA record; 2. the home page answers over IPv6; 3. the share of repeated
IPv6 visits that succeed; 4. the DNS delegation answers over IPv6 (a name server of the zone
has an AAAA record and answers there); 5. the home page is the same over IPv4 and IPv6;
6. and 7. the share of second-level links (on the home page) and third-level links (on the
pages those lead to) whose pages answer over IPv6.

Names are resolved by dnspython with a resolver that can be pointed at any name server and
port, and every visit goes to one resolved address, so that each family is tested alone.
"""

from __future__ import annotations

import asyncio
import difflib
import ipaddress
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import dns.asyncquery
import dns.asyncresolver
import dns.exception
import dns.message
import dns.rcode
import dns.resolver
import httpx
from selectolax.lexbor import LexborHTMLParser

from govaudit.conformance.evidence import Evidence
from govaudit.probes.html import normalise_text

VISITS = 5  # IPv6 visits of the home page for the success rate
SAME_CONTENT = 0.9  # text similarity above which IPv4 and IPv6 pages are the same
MAX_LINKS = 30  # links sampled per level
MAX_PAGES = 5  # second-level pages read for third-level links
CONCURRENCY = 8
MAX_BODY = 2_000_000  # bytes of a page read to compare or to find links


def make_resolver(nameserver: str | None = None, port: int = 53,
                  timeout: float = 5.0) -> dns.asyncresolver.Resolver:
    """The system's resolver, or one asking `nameserver` on `port` only."""
    if nameserver is None:
        resolver = dns.asyncresolver.Resolver()
    else:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [nameserver]
        resolver.port = port
    resolver.lifetime = timeout
    resolver.timeout = timeout
    return resolver


async def addresses(resolver: dns.asyncresolver.Resolver, host: str,
                    rdtype: str) -> tuple[tuple[str, ...], str]:
    """The host's A or AAAA addresses (a literal is its own when of that family), and why
    there are none."""
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        if ("AAAA" if literal.version == 6 else "A") == rdtype:
            return (literal.compressed,), ""
        return (), f"{host} is an IPv{literal.version} address"
    try:
        answer = await resolver.resolve(host, rdtype, raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        return (), f"{host}: no such name"
    except dns.exception.DNSException as exc:
        return (), f"{host}: {rdtype} lookup failed ({type(exc).__name__})"
    found = tuple(r.address for r in answer.rrset or ())
    return found, "" if found else f"{host}: no {rdtype} record"


@dataclass(frozen=True)
class Visit:
    url: str
    address: str
    status: int | None
    body: str
    error: str


async def visit(url: str, address: str, *, timeout: float = 10.0) -> Visit:
    """GET `url` from `address` (its host still named in Host and SNI)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    target = urlunsplit(parts._replace(netloc=netloc))
    headers = {"Host": parts.netloc.rsplit("@", 1)[-1]}
    try:
        async with httpx.AsyncClient(timeout=timeout, verify=False) as client, \
                client.stream("GET", target, headers=headers,
                              extensions={"sni_hostname": host}) as response:
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) >= MAX_BODY:
                    break
            text = body.decode(response.encoding or "utf-8", "replace")
            return Visit(url, address, response.status_code, text, "")
    except httpx.HTTPError as exc:
        return Visit(url, address, None, "", f"{type(exc).__name__} {exc}".strip())


@dataclass(frozen=True)
class NameServer:
    name: str
    addresses: tuple[str, ...]  # its AAAA addresses
    answered: bool  # answered a query for the site's name over IPv6
    error: str


@dataclass(frozen=True)
class LinkSupport:
    url: str
    aaaa: tuple[str, ...]
    status: int | None  # the answer over IPv6
    error: str

    @property
    def supported(self) -> bool:
        return self.status is not None


@dataclass(frozen=True)
class LinkRate:
    level: int  # 2 or 3
    links: tuple[LinkSupport, ...]

    @property
    def rate(self) -> float | None:
        return sum(link.supported for link in self.links) / len(self.links) if self.links \
            else None


@dataclass(frozen=True)
class IPv6Finding:
    url: str
    host: str
    aaaa: tuple[str, ...]  # 1
    home: Visit | None  # 2: the first IPv6 visit
    visits: tuple[Visit, ...]  # 3
    zone: str | None  # 4: the zone whose name servers were asked
    name_servers: tuple[NameServer, ...]
    ipv4: Visit | None  # 5: the same page over IPv4
    similarity: float | None
    second_level: LinkRate  # 6
    third_level: LinkRate  # 7
    error: str

    @property
    def has_aaaa(self) -> bool:
        return bool(self.aaaa)

    @property
    def home_reachable(self) -> bool:
        return self.home is not None and self.home.status is not None and self.home.status < 400

    @property
    def success_rate(self) -> float | None:
        if not self.visits:
            return None
        return sum(v.status is not None and v.status < 400 for v in self.visits) / len(self.visits)

    @property
    def dns_over_ipv6(self) -> bool:
        return any(ns.answered for ns in self.name_servers)

    @property
    def same_content(self) -> bool | None:
        """None when one family could not be read."""
        if self.similarity is None:
            return None
        return self.similarity >= SAME_CONTENT and self.ipv4 is not None and \
            self.home is not None and self.ipv4.status == self.home.status

    def metrics(self) -> dict[str, object]:
        """The seven metrics, in the monitoring's order."""
        return {"aaaa": self.has_aaaa, "home_ipv6": self.home_reachable,
                "success_rate": self.success_rate, "dns_ipv6": self.dns_over_ipv6,
                "same_content": self.same_content, "second_level_rate": self.second_level.rate,
                "third_level_rate": self.third_level.rate}

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        out = [Evidence(self.url, "", None, f"AAAA {', '.join(self.aaaa) or 'none'}")]
        out += [Evidence(self.url, "", None, f"NS {ns.name} {', '.join(ns.addresses)}")
                for ns in self.name_servers]
        return tuple(out)


async def delegation(resolver: dns.asyncresolver.Resolver, host: str, *, dns_port: int = 53,
                     timeout: float = 5.0) -> tuple[str | None, tuple[NameServer, ...]]:
    """The zone holding `host` (the nearest name with NS records) and, for each of its name
    servers, whether it answers a query for `host` over IPv6."""
    labels = host.rstrip(".").split(".")
    for i in range(len(labels) - 1):
        zone = ".".join(labels[i:])
        try:
            answer = await resolver.resolve(zone, "NS", raise_on_no_answer=False)
        except dns.exception.DNSException:
            continue
        if answer.rrset:
            servers = []
            for record in answer.rrset:
                name = record.target.to_text().rstrip(".")
                v6, error = await addresses(resolver, name, "AAAA")
                answered = False
                for address in v6:
                    query = dns.message.make_query(host, "AAAA")
                    try:
                        reply = await dns.asyncquery.udp(query, address, timeout=timeout,
                                                         port=dns_port)
                    except (dns.exception.DNSException, OSError) as exc:
                        error = f"{name} [{address}]:{dns_port} did not answer " \
                                f"({type(exc).__name__})"
                        continue
                    answered = reply.rcode() in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN)
                    if answered:
                        error = ""
                        break
                servers.append(NameServer(name, v6, answered, error))
            return zone, tuple(servers)
    return None, ()


def page_links(html: str, page_url: str) -> list[str]:
    """The http(s) links of a page to other pages, absolute, without fragments, in order,
    once each."""
    out: dict[str, None] = {}
    itself = page_url.split("#")[0]
    for a in LexborHTMLParser(html).css("a[href]"):
        url = urljoin(page_url, (a.attributes.get("href") or "").strip()).split("#")[0]
        if urlsplit(url).scheme in ("http", "https") and url != itself:
            out.setdefault(url, None)
    return list(out)


def _text(html: str) -> str:
    tree = LexborHTMLParser(html)
    for node in tree.css("script, style, noscript"):
        node.decompose()
    body = tree.body
    return normalise_text(body.text(separator=" ") if body else "")


def similarity(a: str, b: str) -> float:
    """How alike two pages' visible texts are (0 to 1)."""
    left, right = _text(a)[:20_000], _text(b)[:20_000]
    if left == right:
        return 1.0
    return difflib.SequenceMatcher(None, left, right, autojunk=False).ratio()


async def link_support(resolver: dns.asyncresolver.Resolver, urls: list[str], level: int, *,
                       timeout: float) -> LinkRate:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(url: str) -> LinkSupport:
        async with gate:
            host = urlsplit(url).hostname or ""
            v6, error = await addresses(resolver, host, "AAAA")
            if not v6:
                return LinkSupport(url, (), None, error)
            seen = await visit(url, v6[0], timeout=timeout)
            return LinkSupport(url, v6, seen.status, seen.error)

    return LinkRate(level, tuple(await asyncio.gather(*(one(u) for u in urls))))


async def check_ipv6(url: str, *, resolver: dns.asyncresolver.Resolver | None = None,
                     dns_port: int = 53, visits: int = VISITS, max_links: int = MAX_LINKS,
                     max_pages: int = MAX_PAGES, timeout: float = 10.0) -> IPv6Finding:
    """All seven metrics for the site at `url` (its home page)."""
    resolver = resolver or make_resolver()
    host = urlsplit(url).hostname or ""
    v6, error6 = await addresses(resolver, host, "AAAA")
    v4, _ = await addresses(resolver, host, "A")
    home_visits: tuple[Visit, ...] = ()
    if v6:
        home_visits = tuple([await visit(url, v6[i % len(v6)], timeout=timeout)
                             for i in range(max(1, visits))])
    home = home_visits[0] if home_visits else None
    ipv4 = await visit(url, v4[0], timeout=timeout) if v4 else None
    similar = None
    if home and ipv4 and home.status is not None and ipv4.status is not None:
        similar = round(similarity(home.body, ipv4.body), 3)
    zone, servers = await delegation(resolver, host, dns_port=dns_port, timeout=timeout)
    source = next((v for v in (home, ipv4) if v and v.status is not None and v.body), None)
    second = page_links(source.body, url)[:max_links] if source else []
    second_rate = await link_support(resolver, second, 2, timeout=timeout)
    third: dict[str, None] = {}
    for page_url in second[:max_pages]:
        page = await _read_any(resolver, page_url, timeout)
        for found in page_links(page.body, page_url) if page else []:
            if found not in second and found != url and len(third) < max_links:
                third.setdefault(found, None)
    third_rate = await link_support(resolver, list(third), 3, timeout=timeout)
    return IPv6Finding(url, host, v6, home, home_visits, zone, servers, ipv4, similar,
                       second_rate, third_rate, "" if v6 else error6)


async def _read_any(resolver: dns.asyncresolver.Resolver, url: str,
                    timeout: float) -> Visit | None:
    """A page read over whichever family answers (IPv6 first), for its links."""
    host = urlsplit(url).hostname or ""
    for rdtype in ("AAAA", "A"):
        found, _ = await addresses(resolver, host, rdtype)
        if found:
            page = await visit(url, found[0], timeout=timeout)
            if page.status is not None and page.status < 400:
                return page
    return None
