"""Link validity: every link of the home page (and same-host pages up to a depth), checked.

Links are resolved against the page (and its <base>), stripped of fragments,
normalised (non-ASCII paths percent-encoded as UTF-8, queries in the page's
own encoding as browsers do, escapes upper-cased) and de-duplicated. Each is
checked with HEAD; a HEAD that is refused or fails (any status >= 400, or an
error other than a timeout, refused connection or DNS failure) is confirmed
with GET, whose body is never read. Timeouts and 5xx get one retry after a
back-off. Concurrency is bounded overall and per host. With an AddressPolicy,
a link (or a hop of its redirects) to a private address that the policy
refuses is not requested: it counts as broken, the refusal as its error.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import httpx

from govaudit.netpolicy import AddressPolicy, refused_private
from govaudit.probes.errors import ProbeFailed
from govaudit.probes.fetch import Fetcher, LinkStatus, Page
from govaudit.probes.html import Document, element_text

LINK_SOURCES = (("a", "href"), ("img", "src"), ("script", "src"), ("link", "href"),
                ("iframe", "src"))
CRAWLED_TAGS = ("a", "iframe")
_CONTROL = re.compile(r"[\t\n\r]")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_PATH_SAFE = "/!$&'()*+,;=:@~-._%"
# scheme "://" netloc, as urlsplit delimits it (without urlsplit's cost on every check)
_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/?#\t\r\n]*)(?=[/?#]|$)")
_QUERY_SAFE = _PATH_SAFE + "?"
# A relative link of unreserved characters (no scheme, query, fragment or percent sign): it
# joins its base and needs no quoting; with no dot segment (see _plain_join) it needs no
# resolving either. Most links of a page are such.
_PLAIN = re.compile(r"[A-Za-z0-9/._~-]+")

ProgressFn = Callable[[str], None]  # receives e.g. "120/340 links"


@dataclass
class LinkOptions:
    depth: int = 0          # 0: the home page's links; 1: also the links of pages it links to
    max_pages: int = 100    # pages scanned for links at most (home page included)
    max_links: int = 5_000  # links checked at most per site; the rest are counted as skipped
    concurrency: int = 20   # link checks in flight overall (the link fetcher's lanes)
    per_host: int = 6       # link checks in flight per host
    retries: int = 1        # extra attempts for timeouts and 5xx
    backoff: float = 0.5    # seconds before a retry
    skip_hosts: tuple[str, ...] = ()  # hosts whose links are counted as skipped, not checked


@dataclass
class FoundLink:
    url: str
    found_on: str
    text: str
    tag: str
    error: str = ""  # why the URL cannot be checked (it does not parse)


# Failures that say nothing about the link, only that this machine could not reach its
# host: "could not check", not "broken".
UNCHECKED_ERRORS = ("DNS lookup failed", "connection refused", "connect error", "connect timeout",
                    "read timeout", "timeout", "deadline of", "TLS error")


@dataclass
class LinkResult:
    status: int | None
    error: str = ""

    @property
    def unchecked(self) -> bool:
        """Whether the host could not be reached (DNS, refused, timeout, TLS), or the
        request was not sent: its destination is a private address (netpolicy)."""
        return self.status is None and (self.error.startswith(UNCHECKED_ERRORS)
                                        or refused_private(self.error))

    @property
    def broken(self) -> bool:
        """An HTTP error (4xx/5xx) or another failure of the link itself."""
        return not self.unchecked and (
            bool(self.error) or self.status is None or self.status >= 400)


class HostLimiter:
    """At most `per_host` requests in flight to any one host.

    The overall bound is the link fetcher's lanes (one request per lane).
    """

    def __init__(self, per_host: int) -> None:
        self._per_host_limit = max(1, per_host)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    def slot(self, url: str) -> asyncio.Semaphore:
        match = _AUTHORITY.match(url)
        host = (match.group(1) if match else urlsplit(url).netloc).lower()
        semaphore = self._hosts.get(host)
        if semaphore is None:
            semaphore = self._hosts[host] = asyncio.Semaphore(self._per_host_limit)
        return semaphore


def _quote(part: str, encoding: str, safe: str) -> str:
    part = _BAD_PERCENT.sub("%25", part)
    try:
        quoted = quote(part, safe=safe, encoding=encoding, errors="strict")
    except (UnicodeEncodeError, LookupError):
        quoted = quote(part, safe=safe, encoding="utf-8")
    return _ESCAPE.sub(lambda m: m.group().upper(), quoted)


def normalise_link(raw: str, base: str, encoding: str = "utf-8") -> tuple[str | None, str]:
    """(absolute normalised URL, "") for an http(s) link; (None, why) for one not checked.

    Raises ValueError for a URL that cannot be parsed.
    """
    raw = _CONTROL.sub("", raw).strip()
    if not raw or raw.startswith("#"):
        return None, "fragment"
    if _PLAIN.fullmatch(raw) and (joined := _plain_join(base, raw)) is not None:
        return joined, ""
    scheme = urlsplit(raw).scheme.lower()
    if scheme and scheme not in ("http", "https") and len(scheme) > 1:
        return None, scheme
    parts = urlsplit(urljoin(base, raw))
    if parts.scheme.lower() not in ("http", "https"):
        return None, parts.scheme.lower() or "relative"
    if not parts.hostname:
        raise ValueError("no host")
    _ = parts.port  # ValueError for a port that is not a number in range
    path = _quote(parts.path or "/", "utf-8", _PATH_SAFE)
    query = _quote(parts.query, encoding or "utf-8", _QUERY_SAFE)
    netloc = parts.netloc.lower() if "@" not in parts.netloc else parts.netloc
    joined = urlunsplit((parts.scheme.lower(), netloc, path, query, ""))
    if netloc.isascii():
        return joined, ""
    try:  # a non-ASCII host: httpx applies IDNA
        return str(httpx.URL(joined)), ""
    except httpx.InvalidURL as exc:
        raise ValueError(str(exc)) from None


@functools.lru_cache(maxsize=64)
def _plain_base(base: str) -> tuple[str, str] | None:
    """(scheme://host, directory) of a base URL that plain links join by concatenation."""
    parts = urlsplit(base)
    path = parts.path or "/"
    if (parts.scheme.lower() not in ("http", "https") or not parts.netloc.isascii()
            or "@" in parts.netloc or not parts.hostname or not _PLAIN.fullmatch(path)
            or "/." in path or "//" in path or not path.startswith("/")):
        return None
    try:
        _ = parts.port
    except ValueError:
        return None  # a bad port: the full path raises it for the link
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}", path[:path.rfind("/") + 1]


def _plain_join(base: str, raw: str) -> str | None:
    """What normalise_link makes of a plain link, or None when it needs the full path."""
    # a host ("//x"), dot segments to resolve, or empty segments (which urljoin drops)
    if "//" in raw or "/." in "/" + raw:
        return None
    parts = _plain_base(base)
    if parts is None:
        return None
    origin, directory = parts
    return origin + (raw if raw.startswith("/") else directory + raw)


def skipped_host(url: str, hosts: Iterable[str]) -> bool:
    """Whether `url` leads to one of `hosts` (--skip-host): such a link is not checked."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # not a URL: checked (and found malformed) as it is
        return False
    return bool(host) and host in {h.strip().lower() for h in hosts}


def extract_links(doc: Document, encoding: str = "utf-8"
                  ) -> tuple[list[FoundLink], list[FoundLink], Counter[str]]:
    """(checkable links, unparseable links, skipped links counted by scheme), in page order."""
    links: list[FoundLink] = []
    invalid: list[FoundLink] = []
    skipped: Counter[str] = Counter()
    for el in doc.elements(*(f"{tag}[{name}]" for tag, name in LINK_SOURCES)):
        tag = el.tag or ""  # an element matched by its tag name has one
        raw = el.attributes.get(dict(LINK_SOURCES)[tag]) or ""
        text = element_text(el) if tag in ("a", "img", "iframe") else ""
        try:
            url, why = normalise_link(raw, doc.base, encoding)
        except ValueError as exc:
            invalid.append(FoundLink(raw.strip(), doc.url, text, tag, f"invalid URL ({exc})"))
            continue
        if url is None:
            skipped[why] += 1
            continue
        links.append(FoundLink(url, doc.url, text, tag))
    return links, invalid, skipped


async def probe_links(fetcher: Fetcher, limiter: HostLimiter, home: Page,
                      options: LinkOptions, on_progress: ProgressFn | None = None,
                      policy: AddressPolicy | None = None) -> dict[str, Any]:
    """Check every link found from the home page; report the broken ones."""
    if home.html is None:
        reason = home.failure or f"home page is not HTML ({home.content_type or 'no type'})"
        raise ProbeFailed(f"home page unusable: {reason}")
    first_seen: dict[str, FoundLink] = {}
    invalid: dict[str, FoundLink] = {}
    skipped: Counter[str] = Counter()
    results: dict[str, LinkResult] = {}
    for url in (home.url, home.final_url):
        try:
            key, _ = normalise_link(url, url)
        except ValueError:
            continue
        if key:
            results[key] = LinkResult(home.status)

    def add_page(doc: Document, encoding: str) -> list[str]:
        links, bad, skip = extract_links(doc, encoding)
        for link in bad:
            invalid.setdefault(link.url, link)
        skipped.update(skip)
        new = []
        for link in links:
            if link.url not in first_seen:
                first_seen[link.url] = link
                new.append(link.url)
        return new

    home_doc = Document(home.html, home.final_url or home.url)
    scanned = [home_doc.url]
    fresh = add_page(home_doc, home.encoding)
    home_host = urlsplit(home_doc.url).netloc.lower()
    for level in range(1, options.depth + 1):
        room = options.max_pages - len(scanned)
        targets = [u for u in fresh if first_seen[u].tag in CRAWLED_TAGS
                   and urlsplit(u).netloc.lower() == home_host and u not in results][:room]
        if not targets:
            break
        if on_progress:
            on_progress(f"scanning {len(targets)} page(s) at depth {level}")
        pages = await asyncio.gather(*(_fetch_page(fetcher, limiter, u, options, policy)
                                       for u in targets))
        fresh = []
        for url, page in zip(targets, pages, strict=True):
            results[url] = LinkResult(page.status, page.error)
            landed = page.final_url or url
            if page.html is not None and page.ok and landed not in scanned:
                doc = Document(page.html, landed)
                scanned.append(doc.url)
                fresh.extend(add_page(doc, page.encoding))

    if options.skip_hosts:
        for url in [u for u in first_seen if skipped_host(u, options.skip_hosts)]:
            del first_seen[url]
            skipped["excluded host"] += 1
    beyond = list(first_seen)[options.max_links:]
    if beyond:
        # document order: the links a visitor meets first are the ones checked
        for url in beyond:
            del first_seen[url]
        skipped[f"beyond the first {options.max_links} links"] += len(beyond)
    pending = [u for u in first_seen if u not in results]
    done = len(first_seen) - len(pending)
    total = len(first_seen)
    if on_progress:
        on_progress(f"{done}/{total} links")

    async def check(url: str) -> None:
        nonlocal done
        results[url] = await _check_link(fetcher, limiter, url, options, policy)
        done += 1
        if on_progress:
            on_progress(f"{done}/{total} links")

    await asyncio.gather(*(check(u) for u in pending))
    def row(link: FoundLink) -> dict[str, Any]:
        result = results[link.url]
        return {"url": link.url, "status": result.status, "error": result.error,
                "found_on": link.found_on, "text": link.text, "tag": link.tag}

    broken = [row(link) for link in first_seen.values() if results[link.url].broken]
    broken += [{"url": link.url, "status": None, "error": link.error, "found_on": link.found_on,
                "text": link.text, "tag": link.tag} for link in invalid.values()]
    unchecked = [row(link) for link in first_seen.values() if results[link.url].unchecked]
    checked = len(first_seen) + len(invalid)
    answered = checked - len(unchecked)
    return {
        "checked": checked,
        "broken_count": len(broken),
        "broken_ratio": round(len(broken) / answered, 6) if answered else None,
        "broken": broken,
        "unchecked_count": len(unchecked),
        "unchecked": unchecked,
        "pages": scanned,
        "depth": options.depth,
        "skipped": dict(sorted(skipped.items())),
    }


R = TypeVar("R", Page, LinkStatus)


async def _with_retries(limiter: HostLimiter, url: str, options: LinkOptions,
                        attempt: Callable[[], Awaitable[R]]) -> R:
    """`attempt()` in a host slot; again after a back-off for timeouts and 5xx."""
    for number in range(1 + max(0, options.retries)):
        if number:
            await asyncio.sleep(options.backoff * number)
        async with limiter.slot(url):
            result = await attempt()
        retry = result.timed_out or (result.status is not None and result.status >= 500)
        if not retry:
            break
    return result


async def _fetch_page(fetcher: Fetcher, limiter: HostLimiter, url: str,
                      options: LinkOptions, policy: AddressPolicy | None) -> Page:
    return await _with_retries(limiter, url, options,
                               lambda: fetcher.page(url, policy=policy))


async def _check_link(fetcher: Fetcher, limiter: HostLimiter, url: str,
                      options: LinkOptions, policy: AddressPolicy | None) -> LinkResult:
    head_refused = False  # once a HEAD answer needed GET, a retry asks with GET at once

    async def head_then_get() -> LinkStatus:
        nonlocal head_refused
        if not head_refused:
            result = await fetcher.status(url, "HEAD", policy)
            head_refused = head_needs_get(result)
            if not head_refused:
                return result
        return await fetcher.status(url, "GET", policy)

    result = await _with_retries(limiter, url, options, head_then_get)
    return LinkResult(result.status, result.error)


# Errors a GET would only repeat.
_NO_GET_ERRORS = ("connection refused", "DNS lookup failed", "invalid URL",
                  "unsupported URL scheme", "too many redirects")


def head_needs_get(result: LinkStatus) -> bool:
    """Whether a HEAD answer needs confirming with GET (servers that mishandle HEAD)."""
    if result.status is not None:
        return result.status >= 400
    return not (result.timed_out or result.error.startswith(_NO_GET_ERRORS)
                or refused_private(result.error))
