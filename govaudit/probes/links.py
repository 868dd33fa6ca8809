"""Link validity: every link of the home page (and same-host pages up to a depth), checked,
each judged by the one rule of govaudit.page.verdicts, in `check` and `monitor` alike.

What is checked is the page model's targets (govaudit.page.Page.targets: links, images,
scripts, stylesheets, frames, normalised and de-duplicated). A link is asked with GET, and
the start of an HTML answer is read (LINK_BODY_BYTES), so that a soft 404 (a 200 page that
says it does not exist) and an anti-bot challenge are seen; a link to a file (an image, a
script, a document: ASSET_SUFFIXES) is asked with HEAD first, and with GET when HEAD fails or
answers with an HTML page. Timeouts and 5xx get one retry after a back-off. Concurrency is
bounded overall and per host. The verdict: dead when the server answered 4xx/5xx (or a
soft 404); could not judge when no answer came that says anything about the link (a failed
lookup, a refused connection, a private address the AddressPolicy refuses, a timeout, TLS)
or an anti-bot challenge answered.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from govaudit.netpolicy import AddressPolicy, refused_private
from govaudit.page.urls import normalise_link, skipped_host
from govaudit.page.verdicts import LinkVerdict, link_verdict, verdict_reason
from govaudit.probes.fetch import Fetcher, Gate, LinkStatus, no_gate
from govaudit.probes.fetch import Page as Answer

if TYPE_CHECKING:
    from govaudit.page import Page

CRAWLED_TAGS = ("a", "area", "iframe", "frame")
# scheme "://" netloc, as urlsplit delimits it (without urlsplit's cost on every check)
_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/?#\t\r\n]*)(?=[/?#]|$)")
# Files a page links to or loads: asked with HEAD first (their bodies are of no use).
ASSET_SUFFIXES = frozenset((
    "jpg", "jpeg", "png", "gif", "webp", "svg", "ico", "bmp", "tif", "tiff", "css", "js",
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "wps", "et", "ofd", "txt", "csv",
    "zip", "rar", "7z", "gz", "mp3", "mp4", "avi", "wmv", "flv", "swf", "mov", "woff",
    "woff2", "ttf", "eot", "apk"))
_SUFFIX = re.compile(r"\.([A-Za-z0-9]{1,5})$")

ProgressFn = Callable[[str], None]  # receives e.g. "120/340 links"

__all__ = ["ASSET_SUFFIXES", "CheckPlan", "HostLimiter", "LinkChecks", "LinkOptions",
           "LinkResult", "Slots", "check_link", "normalise_link", "probe_links", "skipped_host"]


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
class LinkResult:
    """The final answer to one link, and its verdict (govaudit.page.verdicts.link_verdict)."""

    status: int | None
    error: str = ""
    body: str | bytes | None = None  # the start of an HTML answer, where read
    headers: Mapping[str, str] = field(default_factory=dict)
    timed_out: bool = False

    @classmethod
    def of(cls, answer: LinkStatus | Answer) -> LinkResult:
        """The result of a link check, or of a page fetched in the same run."""
        if isinstance(answer, Answer):
            if answer.status is not None and answer.timed_out:
                # the server answered; only its body was too slow: the answer stands
                return cls(answer.status, "", None, {"content-type": answer.content_type})
            return cls(answer.status, answer.error, answer.html,
                       {"content-type": answer.content_type}, answer.timed_out)
        return cls(answer.status, answer.error, answer.body, answer.headers, answer.timed_out)

    @cached_property
    def verdict(self) -> LinkVerdict:
        return link_verdict(self.status, self.error, self.body, self.headers)

    @property
    def unchecked(self) -> bool:
        """Whether the answer says nothing about the link (could not judge)."""
        return not self.verdict.judged

    @property
    def broken(self) -> bool:
        """Dead: HTTP 4xx/5xx, a soft 404, or a link that cannot be followed."""
        return self.verdict.dead

    @property
    def reason(self) -> str:
        return verdict_reason(self.verdict, self.status, self.error)


class Slots:
    """At most `size` holders at once, served in the order they asked: held by a coroutine
    (`async with`), or handed to a callback (`take`; it gives the slot back), so that checks
    driven by callbacks and those driven by coroutines keep one bound."""

    __slots__ = ("_free", "_waiting", "_serving")

    def __init__(self, size: int) -> None:
        self._free = max(1, size)
        # callbacks that start something holding a slot; each says whether it took the slot
        # (False: no longer wanted, and never given back)
        self._waiting: deque[Callable[[], bool]] = deque()
        self._serving = False

    def take(self, start: Callable[[], bool]) -> None:
        """Call `start` holding a slot: now if one is free, else when one is given back."""
        if self._free and not self._waiting:
            self._free -= 1
            if not start():
                self._free += 1
        else:
            self._waiting.append(start)

    def give_back(self) -> None:
        """A slot given back goes to the first that waits, or is free again."""
        self._free += 1
        if self._serving:  # inside a waiter that was just started: the loop below goes on
            return
        self._serving = True
        try:
            while self._free and self._waiting:
                self._free -= 1
                if not self._waiting.popleft()():
                    self._free += 1
        finally:
            self._serving = False

    async def __aenter__(self) -> None:
        if self._free and not self._waiting:
            self._free -= 1
            return
        granted = asyncio.get_running_loop().create_future()
        self.take(partial(_grant, granted))
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self.give_back()  # given just as the wait was cancelled
            raise

    async def __aexit__(self, *exc: object) -> None:
        self.give_back()


def _grant(granted: asyncio.Future[None]) -> bool:
    if granted.done():  # its wait was cancelled
        return False
    granted.set_result(None)
    return True


class HostLimiter:
    """At most `per_host` requests in flight to any one host.

    The overall bound is the link fetcher's lanes (one request per lane).
    """

    def __init__(self, per_host: int) -> None:
        self._per_host_limit = max(1, per_host)
        self._hosts: dict[str, Slots] = {}

    def slot(self, url: str) -> Slots:
        match = _AUTHORITY.match(url)
        host = (match.group(1) if match else urlsplit(url).netloc).lower()
        slots = self._hosts.get(host)
        if slots is None:
            slots = self._hosts[host] = Slots(self._per_host_limit)
        return slots


def asks_head_first(url: str) -> bool:
    """Whether a link is a file's (ASSET_SUFFIXES), asked with HEAD before GET."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    match = _SUFFIX.search(path.rsplit("/", 1)[-1])
    return match is not None and match.group(1).lower() in ASSET_SUFFIXES


# Errors a GET would only repeat.
_NO_GET_ERRORS = ("connection refused", "DNS lookup failed", "invalid URL",
                  "unsupported URL scheme", "too many redirects")


def head_needs_get(result: LinkStatus) -> bool:
    """Whether a HEAD answer needs GET: servers that mishandle HEAD, and an HTML answer
    where a file was linked (a soft 404 page in its place)."""
    if result.status is not None:
        return result.status >= 400 or (result.status < 300 and result.html
                                         and "content-type" in result.headers)
    return not (result.timed_out or result.error.startswith(_NO_GET_ERRORS)
                or refused_private(result.error))


def needs_retry(result: LinkStatus | Answer) -> bool:
    """Whether an answer is asked again after a back-off: a timeout, or a 5xx."""
    return result.timed_out or (result.status is not None and result.status >= 500)


class CheckPlan:
    """The requests of one link check (see the module docstring): GET, or HEAD then GET for
    a file; the whole again after a back-off for timeouts and 5xx, `retries` times at most.
    Whatever drives the requests (check_link's coroutine, the libcurl link checks' callbacks)
    asks `method` and `after` each answer."""

    __slots__ = ("method", "_retries", "_backoff", "_attempt")

    def __init__(self, url: str, retries: int = 1, backoff: float = 0.5) -> None:
        self.method = "HEAD" if asks_head_first(url) else "GET"  # of the next request
        self._retries = max(0, retries)
        self._backoff = backoff
        self._attempt = 0

    def after(self, result: LinkStatus) -> float | None:
        """The seconds to wait before the next request (`method`), or None: `result` is the
        check's answer."""
        if self.method == "HEAD" and head_needs_get(result):
            self.method = "GET"  # and a retry asks with GET at once
            return 0.0
        if self._attempt >= self._retries or not needs_retry(result):
            return None
        self._attempt += 1
        return self._backoff * self._attempt


async def check_link(fetcher: Fetcher, url: str, policy: AddressPolicy | None = None, *,
                     gate: Gate = no_gate, retries: int = 1, backoff: float = 0.5
                     ) -> LinkResult:
    """One link checked (see the module docstring and CheckPlan). `gate` is held around each
    request (a per-host slot, the monitor's pacing)."""
    plan = CheckPlan(url, retries, backoff)
    while True:
        async with gate(url):
            result = await fetcher.status(url, plan.method, policy)
        wait = plan.after(result)
        if wait is None:
            return LinkResult.of(result)
        if wait:
            await asyncio.sleep(wait)


async def with_retries(attempt: Callable[[], Awaitable[Any]], retries: int,
                       backoff: float) -> Any:
    """`attempt()`, again after a back-off while it timed out or answered 5xx."""
    for number in range(1 + max(0, retries)):
        if number:
            await asyncio.sleep(backoff * number)
        result = await attempt()
        if not needs_retry(result):
            break
    return result


class LinkChecks:
    """The link checks of one site's run: each URL requested once, whichever probe asks
    (the links probe, the features probe's links), bounded per host."""

    def __init__(self, fetcher: Fetcher, limiter: HostLimiter, options: LinkOptions,
                 policy: AddressPolicy | None) -> None:
        self.fetcher = fetcher
        self.limiter = limiter
        self.options = options
        self.policy = policy
        self._results: dict[str, asyncio.Future[LinkResult]] = {}

    def known(self, url: str, result: LinkResult) -> None:
        """The result of a page fetched in this run: that link is not requested again."""
        if url not in self._results:
            future: asyncio.Future[LinkResult] = asyncio.get_running_loop().create_future()
            future.set_result(result)
            self._results[url] = future

    def has(self, url: str) -> bool:
        return url in self._results

    def future(self, url: str) -> asyncio.Future[LinkResult]:
        """The check of `url`, started now unless it was before."""
        found = self._results.get(url)
        if found is None:
            options = self.options
            found = self.fetcher.start_check(url, self.policy, self.limiter.slot(url),
                                             CheckPlan(url, options.retries, options.backoff))
            if found is None:
                found = asyncio.ensure_future(check_link(
                    self.fetcher, url, self.policy, gate=self.limiter.slot,
                    retries=options.retries, backoff=options.backoff))
            self._results[url] = found
        return found

    async def check(self, url: str) -> LinkResult:
        return await self.future(url)

    async def fetch_page(self, url: str) -> Answer:
        """A page to scan for links, fetched within its host's slot (retried as a check)."""
        async def attempt() -> Answer:
            async with self.limiter.slot(url):
                return await self.fetcher.page(url, policy=self.policy)

        page: Answer = await with_retries(attempt, self.options.retries, self.options.backoff)
        self.known(url, LinkResult.of(page))
        return page


def _row(target: Any, result: LinkResult) -> dict[str, Any]:
    plain = result.verdict in (LinkVerdict.BROKEN, LinkVerdict.WORKS) or result.error
    return {"url": target.url, "status": result.status,
            "error": result.error if plain else result.reason,
            "found_on": target.found_on, "text": target.text, "tag": target.tag,
            "verdict": result.verdict.value}


async def probe_links(checks: LinkChecks, home: Page, home_result: LinkResult,
                      on_progress: ProgressFn | None = None,
                      asked: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check every link found from the home page (`home`, answered `home_result`; `asked`:
    the other addresses that led to it); report the dead ones and those not judged."""
    from govaudit.probes.visit import read_apart, targets_apart

    options = checks.options
    for url in (*asked, home.url):
        try:
            key, _ = normalise_link(url, url)
        except ValueError:
            continue
        if key:
            checks.known(key, home_result)
    targets = await targets_apart(home)
    scanned = [home.url]
    fresh = list(targets.checkable)
    home_host = urlsplit(home.url).netloc.lower()
    for level in range(1, options.depth + 1):
        room = options.max_pages - len(scanned)
        crawl = [u for u in fresh if targets.checkable[u].tag in CRAWLED_TAGS
                 and urlsplit(u).netloc.lower() == home_host and not checks.has(u)][:room]
        if not crawl:
            break
        if on_progress:
            on_progress(f"scanning {len(crawl)} page(s) at depth {level}")
        pages = await asyncio.gather(*(checks.fetch_page(u) for u in crawl))
        fresh = []
        for url, answer in zip(crawl, pages, strict=True):
            landed = answer.final_url or url
            page = (await read_apart(answer, url, home.today)).page if answer.ok else None
            if page is not None and landed not in scanned:
                scanned.append(landed)
                for dom in (page.static,):
                    fresh.extend(targets.add(dom))

    chosen = dict(targets.checkable)
    skipped = dict(targets.skipped)
    if options.skip_hosts:
        for url in [u for u in chosen if skipped_host(u, options.skip_hosts)]:
            del chosen[url]
            skipped["excluded host"] = skipped.get("excluded host", 0) + 1
    beyond = list(chosen)[options.max_links:]
    if beyond:
        # document order: the links a visitor meets first are the ones checked
        for url in beyond:
            del chosen[url]
        skipped[f"beyond the first {options.max_links} links"] = len(beyond)
    total = len(chosen)
    done = 0
    if on_progress:
        on_progress(f"{done}/{total} links")

    def count(_: object) -> None:
        nonlocal done
        done += 1
        if on_progress:
            on_progress(f"{done}/{total} links")

    futures = [checks.future(u) for u in chosen]  # gathered as they are: no task per link
    for future in futures:
        future.add_done_callback(count)
    results = dict(zip(chosen, await asyncio.gather(*futures), strict=True))
    broken = [_row(t, results[u]) for u, t in chosen.items() if results[u].broken]
    broken += [{"url": t.url, "status": None, "error": t.error, "found_on": t.found_on,
                "text": t.text, "tag": t.tag, "verdict": LinkVerdict.BROKEN.value}
               for t in targets.invalid.values()]
    unchecked = [_row(t, results[u]) for u, t in chosen.items() if results[u].unchecked]
    checked = len(chosen) + len(targets.invalid)
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
