"""Opening a page as a reader does, for `check` and `monitor` alike: one implementation.

`open_page` GETs the URL (HTTP redirects followed by the fetcher), follows the client-side
redirects of a page that is only a `<meta refresh>` or a script redirect
(govaudit.page.redirects, at most MAX_HOPS), and tells the answer opened, down or an anti-bot
challenge (govaudit.page.challenges). A challenge is decided by a browser visit
(govaudit.capture.visit) when a browser is given: the page opened if Chromium got it, else
the site is down for a reader too; with no browser (or none that starts) it stays a
challenge, neither up nor down. What a reader sees is then one `govaudit.page.Page`: the
static HTML as fetched, with the rendered DOM of the browser visit, or of a capture given.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from govaudit.i18n import _
from govaudit.netpolicy import AddressPolicy
from govaudit.page.challenges import Outcome, answer_outcome
from govaudit.page.redirects import MAX_HOPS, client_redirect
from govaudit.probes.fetch import Fetcher, Gate, no_gate
from govaudit.probes.fetch import Page as Answer

if TYPE_CHECKING:
    from govaudit.page import Capture, Page
    from govaudit.page.links import Targets

NO_BROWSER = "no browser to decide"


@dataclass
class BrowserVisit:
    """What Chromium showed for a URL."""

    url: str
    final_url: str = ""
    status: int | None = None  # the last answer to the tab's own document
    error: str = ""  # why the page did not load (or no browser could be started)
    challenge: str = ""  # the challenge the page still showed when the visit ended
    capture: Capture | None = None
    time: float = 0.0  # when the visit started (epoch seconds)
    elapsed_ms: float | None = None

    @property
    def opened(self) -> bool:
        """Whether the browser got the page: loaded, HTTP < 400, and no challenge left."""
        return (not self.error and not self.challenge and self.capture is not None
                and self.status is not None and self.status < 400)

    @property
    def decided(self) -> bool:
        """Whether a browser ran at all (one that could not start decides nothing)."""
        return not self.error.startswith(NO_BROWSER)

    @property
    def reason(self) -> str:
        """What the browser saw, in a few words."""
        if not self.decided:
            return self.error
        if self.error:
            return _("the browser could not load it: {error}").format(
                error=self.error)
        if self.challenge:
            return _("the browser did not get past the challenge ({challenge})").format(
                challenge=self.challenge)
        return _("the browser got the page (HTTP {status})").format(
            status=self.status)


T = TypeVar("T")


class BrowserVisits(Protocol):
    """What opens pages in a browser (govaudit.capture.visit.BrowserVisits)."""

    async def visit(self, url: str, policy: AddressPolicy | None = None,
                    login: tuple[str, str] | None = None) -> BrowserVisit: ...

    async def with_page(self, url: str, work: Callable[[Any], Awaitable[T]],
                        policy: AddressPolicy | None = None,
                        login: tuple[str, str] | None = None,
                        prepare: Callable[[Any], Awaitable[None]] | None = None
                        ) -> tuple[T | None, str]: ...

    async def aclose(self) -> None: ...


@dataclass
class Opened:
    """A page as a reader gets it: the HTTP answer, where it led, what it means, what shows."""

    url: str  # as asked
    answer: Answer  # the last HTTP answer (after the client-side redirects)
    outcome: Outcome
    reason: str  # why it opened or not, in a few words
    hops: list[str] = field(default_factory=list)  # client-side redirects: each page left
    challenged: bool = False  # the answer was an anti-bot challenge (a browser decided)
    browser: BrowserVisit | None = None  # the browser visit made: a challenge, a listless page
    page: Page | None = None  # what a reader sees; None when nothing opened to read

    @property
    def final_url(self) -> str:
        if self.browser is not None and self.browser.final_url:
            return self.browser.final_url
        return self.answer.final_url or self.answer.url

    @property
    def redirects(self) -> list[str]:
        """Every address passed through on the way, HTTP and client-side, in order."""
        return [*self.hops, *self.answer.redirects]

    @property
    def opened(self) -> bool:
        return self.outcome == Outcome.OPENED


def read_page(answer: Answer, url: str, today: date | None,
              capture: Capture | None = None) -> Page | None:
    """The Page of an HTTP answer with an HTML body (None without one)."""
    if answer.html is None:
        return None
    from govaudit.page import Page

    return Page(answer.html, answer.final_url or url, capture=capture, today=today,
                encoding=answer.encoding or "utf-8", encoding_source=answer.encoding_source)


@dataclass
class Read:
    """A page as `read_apart` read it: the page, where it redirects a reader (a meta
    refresh or a script), and whether its list may only be drawn after load."""

    page: Page | None
    redirect: str | None = None
    listless: bool = False


async def read_apart(answer: Answer, url: str, today: date | None,
                     capture: Capture | None = None, *, whole: bool = False,
                     listless: bool = False) -> Read:
    """`read_page` in a worker thread, so that a large page (100,000 links) does not hold
    the event loop that other sites' requests and TLS handshakes run on. With `whole`, the
    page's findings are computed there too (Page.read); with `listless`, whether it shows no
    list but may draw one after load (a script or a frame in its main region)."""
    import asyncio

    def read() -> Read:
        page = read_page(answer, url, today, capture)
        if page is None:
            return Read(None)
        if whole:
            page.read()
        drawn = listless and page.rendered is None and page.drawn_later and not page.lists
        return Read(page, client_redirect(page.static), drawn)

    return await asyncio.to_thread(read)


async def targets_apart(page: Page) -> Targets:
    """The page's link targets (Page.targets: seconds on a large page), read in a worker
    thread as `read_apart` reads the page."""
    import asyncio

    def read() -> Targets:
        return page.targets

    return await asyncio.to_thread(read)


async def open_page(fetcher: Fetcher, url: str, *, policy: AddressPolicy | None = None,
                    today: date | None = None, browser: BrowserVisits | None = None,
                    capture: Capture | None = None, tls_fallback: bool = False,
                    login: tuple[str, str] | None = None, gate: Gate = no_gate,
                    render_listless: bool = True, whole: bool = False) -> Opened:
    """`url` opened as described in the module docstring; never raises. `gate` is held
    around each request (the monitor's pacing). With a browser and `render_listless`, a page
    whose HTML shows no list at all but holds a script or a frame in its main region (a list
    drawn after load, or inside a frame: Page.drawn_later) is read as the browser renders
    it, before it counts as empty or undated. Pages are read in a worker thread; with
    `whole`, with their findings (Page.read), for a caller that reads them all."""
    async def get(target: str) -> Answer:
        async with gate(target):
            return await fetcher.page(target, tls_fallback=tls_fallback, policy=policy)

    answer = await get(url)
    hops: list[str] = []
    while True:
        told = answer_outcome(answer.status, answer.error, answer.html)
        read = await read_apart(answer, answer.url, today, capture, whole=whole,
                                listless=render_listless and browser is not None) \
            if told.outcome == Outcome.OPENED else Read(None)
        target = read.redirect
        if target is None or target in hops or len(hops) >= MAX_HOPS:
            break
        hops.append(answer.final_url or answer.url)
        answer = await get(target)
    opened = Opened(url, answer, told.outcome, told.reason, hops, page=read.page)
    if told.outcome == Outcome.DOWN:
        opened.page = None
        return opened
    if told.outcome == Outcome.OPENED:
        if browser is not None and read.listless:
            return await rendered(browser, opened, policy, login, whole=whole)
        return opened
    opened.page, opened.challenged = None, True
    if browser is None:
        return opened
    seen = await browser.visit(opened.final_url, policy, login)
    opened.browser = seen
    if not seen.decided:
        opened.reason = f"{told.reason}; {seen.reason}"
        return opened
    if not seen.opened:
        opened.outcome, opened.reason = Outcome.DOWN, f"{told.reason}; {seen.reason}"
        return opened
    opened.outcome, opened.reason = Outcome.OPENED, f"{told.reason}; {seen.reason}"
    assert seen.capture is not None
    # the challenge page is not the page: what a reader sees is only the rendered DOM
    shown = Answer(url=opened.final_url, html="")
    opened.page = (await read_apart(shown, seen.final_url or opened.final_url, today,
                                    seen.capture, whole=whole)).page
    return opened


async def rendered(browser: BrowserVisits, opened: Opened, policy: AddressPolicy | None,
                   login: tuple[str, str] | None = None, *, whole: bool = False) -> Opened:
    """`opened` with the rendered DOM of a browser visit added (a listless page, check
    --render); unchanged when the browser could not show it."""
    if opened.page is None or opened.page.rendered is not None:
        return opened
    seen = await browser.visit(opened.final_url, policy, login)
    if not seen.opened or seen.capture is None:
        return opened
    page = (await read_apart(opened.answer, opened.final_url, opened.page.today, seen.capture,
                             whole=whole)).page
    return Opened(opened.url, opened.answer, opened.outcome, opened.reason, opened.hops,
                  opened.challenged, seen, page)
