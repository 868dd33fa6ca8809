"""What a probe is given to run for one site: `ProbeContext`.

The site, the options of the run, the fetchers, the address policy, the home page opened
once for every probe of the site (govaudit.probes.visit: HTTP, client-side redirects, a
challenge decided in a browser) and read once into the page model (`page()`: the static
HTML, with the rendered DOM of the site's capture or of a browser visit), the link checks
of the run (each link requested once, whichever probe asks), the site's recorded pages, and
a progress callback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from govaudit.model import Site

if TYPE_CHECKING:  # asyncio, the HTTP client and the parser load with the run (probes.run)
    import asyncio

    from govaudit.netpolicy import AddressPolicy
    from govaudit.page import Capture, Page
    from govaudit.probes.fetch import Fetcher
    from govaudit.probes.fetch import Page as Answer
    from govaudit.probes.links import HostLimiter, LinkChecks
    from govaudit.probes.options import CheckOptions
    from govaudit.probes.visit import BrowserVisits, Opened


@dataclass
class SitePages:
    """The pages every probe of one site shares: each opened (and read) at most once."""

    site: Site
    options: CheckOptions
    fetcher: Fetcher
    policy: AddressPolicy | None
    captured: Capture | None = None  # the home page's rendered DOM from a capture, if any
    browser: BrowserVisits | None = None  # for challenges and --render (launched when needed)
    login: tuple[str, str] | None = None  # the site's basic-auth login, for the browser
    # whether a probe of the run reads the page model (Probe.reads "page"): the pages are
    # then read whole in a worker thread (Page.read); else only as far as asked
    whole: bool = True
    _home: asyncio.Task[Opened] | None = field(default=None, repr=False)
    _links: LinkChecks | None = field(default=None, repr=False)

    @property
    def today(self) -> date:
        from govaudit.page.dates import today_in_china

        return self.options.today or today_in_china()

    async def opened(self) -> Opened:
        """The home page as a reader gets it (see the module docstring), once."""
        import asyncio

        if self._home is None:
            self._home = asyncio.ensure_future(self._open_home())
        return await self._home

    async def _open_home(self) -> Opened:
        from govaudit.probes.visit import rendered

        opened = await self.open(self.site.url, capture=self.captured)
        if self.options.render and self.browser is not None:
            opened = await rendered(self.browser, opened, self.policy, self.login,
                                    whole=self.whole)
        return opened

    async def open(self, url: str, capture: Capture | None = None) -> Opened:
        """Any page of the site, opened as the home page is."""
        from govaudit.probes.visit import open_page

        return await open_page(self.fetcher, url, policy=self.policy, today=self.today,
                               browser=self.browser, capture=capture, tls_fallback=True,
                               login=self.login, whole=self.whole)

    async def home_page(self) -> Answer:
        """The home page's last HTTP answer (followed redirects, TLS fallback)."""
        return (await self.opened()).answer

    def links(self, link_fetcher: Fetcher, limiter: HostLimiter) -> LinkChecks:
        from govaudit.probes.links import LinkChecks

        if self._links is None:
            self._links = LinkChecks(link_fetcher, limiter, self.options.links, self.policy)
        return self._links


@dataclass
class ProbeContext:
    """One probe's view of one site's run."""

    pages: SitePages
    link_fetcher: Fetcher  # for link checks (libcurl), bounded per host by `limiter`
    limiter: HostLimiter
    column_pages: list[str]  # the site's recorded pages, as recorded (may be relative)
    progress: Callable[[str], None]  # a line on what the probe is doing now

    @property
    def site(self) -> Site:
        return self.pages.site

    @property
    def options(self) -> CheckOptions:
        return self.pages.options

    @property
    def fetcher(self) -> Fetcher:
        return self.pages.fetcher

    @property
    def policy(self) -> AddressPolicy | None:
        """Where requests may go: the site's own pages anywhere, elsewhere public only
        (None: anywhere, with --allow-private)."""
        return self.pages.policy

    @property
    def today(self) -> date:
        """The China date the run judges dates on (CheckOptions.today, else today)."""
        return self.pages.today

    @property
    def links(self) -> LinkChecks:
        """The run's link checks for this site: each link requested once."""
        return self.pages.links(self.link_fetcher, self.limiter)

    async def home_page(self) -> Answer:
        return await self.pages.home_page()

    async def opened(self) -> Opened:
        return await self.pages.opened()

    async def page(self) -> Page:
        """The home page in the page model; ProbeFailed when it did not open as a page."""
        from govaudit.probes.errors import ProbeFailed

        opened = await self.pages.opened()
        if opened.page is None:
            answer = opened.answer
            reason = opened.reason if not opened.opened else \
                f"not HTML ({answer.content_type or 'no content type'})"
            raise ProbeFailed(f"home page {self.site.url} unusable: {reason}")
        return opened.page

    async def open(self, url: str) -> Opened:
        """Another page of the site (a column), opened and read as the home page is."""
        return await self.pages.open(url)
