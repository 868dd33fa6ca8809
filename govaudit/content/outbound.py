"""Outbound links and cloaking: where a page's links lead, and what it shows a search engine.

Outbound links are sorted into the page's own site, other government sites (gov.cn or a
domain the team allows), and other hosts. Checked over the network they also give: a
redirect that ends on another registrable domain than the link's own, and a host that no
longer resolves (a lapsed domain is how a link turns into an advert).

Cloaking: a hacked page shows search engines (Baiduspider's User-Agent) links and words it
hides from people. `compare_versions` takes the two HTML texts and names the off-domain links
and the text only the crawler's copy has; `fetch_versions` fetches both.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from selectolax.lexbor import LexborHTMLParser

from govaudit.content.hidden_links import host_of, is_government, off_domain, registrable_domain
from govaudit.content.model import Evidence, Finding
from govaudit.i18n import _

CRAWLER_AGENT = ("Mozilla/5.0 (compatible; Baiduspider/2.0; "
                 "+http://www.baidu.com/search/spider.html)")
BROWSER_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                 "(KHTML, like Gecko) Chrome/120.0 Safari/537.36")
SAME_SITE, GOVERNMENT, OTHER = "same site", "government", "other"
_WORDS = re.compile(r"[\u4e00-\u9fff]{4,}|[A-Za-z]{6,}")


def link_kind(url: str, page_url: str, allowed: Iterable[str] = ()) -> str:
    host = host_of(url)
    if registrable_domain(host) == registrable_domain(host_of(page_url)):
        return SAME_SITE
    return GOVERNMENT if is_government(host, allowed) else OTHER


@dataclass(frozen=True)
class OutboundLink(Finding):
    check: ClassVar[str] = "outbound"
    url: str
    problem: str  # "redirects off its domain" or "does not resolve"
    final_url: str = ""

    @property
    def reason(self) -> str:
        if self.problem == "does not resolve":
            return _("{url} does not resolve").format(url=self.url)
        if self.final_url:
            return _("{url} redirects off its domain to {final_url}").format(
                url=self.url, final_url=self.final_url)
        return f"{self.url} {self.problem}"


async def check_outbound(urls: Iterable[str], page_url: str, *, allow_private: bool = False,
                         timeout: float = 10.0) -> list[OutboundLink]:
    """Links of other hosts that no longer resolve, or redirect off their registrable domain."""
    from govaudit.netpolicy import AddressPolicy
    from govaudit.probes.fetch import Fetcher, FetchLimits

    out: list[OutboundLink] = []
    policy = None if allow_private else AddressPolicy([])
    limits = FetchLimits(deadline=timeout, max_redirects=10)
    loop = asyncio.get_running_loop()
    async with Fetcher(limits, lanes=4) as fetcher:
        for url in urls:
            host = host_of(url)
            if not host or link_kind(url, page_url) == SAME_SITE:
                continue
            evidence = Evidence(page_url, "", "", url, "")
            try:
                await asyncio.wait_for(loop.getaddrinfo(host, None), timeout)
            except (OSError, TimeoutError):
                out.append(OutboundLink(evidence, url, "does not resolve"))
                continue
            page = await fetcher.page(url, read_body=False, policy=policy)
            final = page.final_url or url
            if page.redirects and registrable_domain(host_of(final)) != registrable_domain(host):
                out.append(OutboundLink(evidence, url, "redirects off its domain", final))
    return out


@dataclass(frozen=True)
class Cloaking(Finding):
    check: ClassVar[str] = "cloaking"
    links: tuple[str, ...]  # off-domain links only the crawler's copy has
    words: tuple[str, ...]  # runs of text only the crawler's copy has
    title: tuple[str, str]  # (people's title, the crawler's) when they differ

    @property
    def reason(self) -> str:
        parts = []
        if self.links:
            parts.append(f"{len(self.links)} off-domain link(s) shown only to crawlers")
        if self.title[0] != self.title[1]:
            parts.append(f"title {self.title[1]!r} for crawlers, {self.title[0]!r} for people")
        if self.words:
            parts.append(f"text only crawlers get: {'、'.join(self.words[:5])}")
        return "; ".join(parts)


def _facts(html: str, url: str, allowed: tuple[str, ...]) -> tuple[set[str], set[str], str]:
    tree = LexborHTMLParser(html)
    links = {a.attributes.get("href") or "" for a in tree.css("a[href]")}
    outside = {link for link in links if off_domain(link, url, allowed)}
    for node in tree.css("script, style"):
        node.decompose()
    text = tree.body.text(separator=" ") if tree.body is not None else ""
    title_node = tree.css_first("title")
    title = title_node.text().strip() if title_node is not None else ""
    return outside, set(_WORDS.findall(text)), title


def compare_versions(people_html: str, crawler_html: str, url: str,
                     allowed: Iterable[str] = ()) -> Cloaking | None:
    """A finding when the crawler's copy has off-domain links, or a title, that people's copy
    has not (text alone differs on many honest pages: news lists, counters)."""
    allowed = tuple(allowed)
    links_p, words_p, title_p = _facts(people_html, url, allowed)
    links_c, words_c, title_c = _facts(crawler_html, url, allowed)
    links = tuple(sorted(links_c - links_p))
    if not links and title_p == title_c:
        return None
    words = tuple(sorted(words_c - words_p, key=len, reverse=True)[:20])
    return Cloaking(Evidence(url, "html"), links, words, (title_p, title_c))


async def fetch_versions(url: str, *, timeout: float = 20.0,
                         allow_private: bool = False) -> tuple[str, str, str]:
    """(people's HTML, the crawler's HTML, error): the page fetched with a browser's and a
    search engine's User-Agent."""
    from govaudit.netpolicy import AddressPolicy
    from govaudit.probes.fetch import Fetcher, FetchLimits

    policy = None if allow_private else AddressPolicy([url])
    texts = []
    for agent in (BROWSER_AGENT, CRAWLER_AGENT):
        async with Fetcher(FetchLimits(deadline=timeout, user_agent=agent), lanes=1) as fetcher:
            page = await fetcher.page(url, policy=policy)
        if page.failure:
            return "", "", f"{url}: {page.failure}"
        texts.append(page.html or "")
    return texts[0], texts[1], ""
