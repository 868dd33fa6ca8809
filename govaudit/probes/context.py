"""What a probe is given to run for one site: `ProbeContext`.

The site, the options of the run, the fetchers, the address policy, the home page
(fetched once for every probe of the site), the rendered home page when there is one,
the site's recorded column pages, and a progress callback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from govaudit.model import Site

if TYPE_CHECKING:  # asyncio, the HTTP client and the parser load with the run (probes.run)
    import asyncio

    from govaudit.netpolicy import AddressPolicy
    from govaudit.probes.fetch import Fetcher, Page
    from govaudit.probes.html import Document
    from govaudit.probes.links import HostLimiter
    from govaudit.probes.options import CheckOptions


@dataclass
class SitePages:
    """The pages every probe of one site shares: each fetched (or rendered) at most once."""

    site: Site
    options: CheckOptions
    fetcher: Fetcher
    policy: AddressPolicy | None
    rendered_html: tuple[str, str] | None = None  # (HTML, URL) of the capture, if any
    _home: asyncio.Task[Page] | None = field(default=None, repr=False)
    _render: asyncio.Task[tuple[str, str]] | None = field(default=None, repr=False)

    async def home_page(self) -> Page:
        """The home page as fetched (followed redirects, TLS fallback), whatever came back."""
        import asyncio

        if self._home is None:
            self._home = asyncio.ensure_future(self.fetcher.page(
                self.site.url, tls_fallback=True, policy=self.policy))
        return await self._home

    async def rendered(self) -> Document | None:
        """The rendered home page: the capture's, else rendered here with --render."""
        import asyncio

        from govaudit.probes.html import Document
        from govaudit.probes.rendered import render_page

        if self.rendered_html is not None:
            return Document(*self.rendered_html)
        if not self.options.render:
            return None
        if self._render is None:
            self._render = asyncio.ensure_future(render_page(self.site.url,
                                                             self.options.browser_path))
        return Document(*await self._render)


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

    async def home_page(self) -> Page:
        return await self.pages.home_page()

    async def home(self) -> tuple[Page, Document]:
        """The home page and its parsed HTML; ProbeFailed when it is not a usable page."""
        from govaudit.probes.errors import ProbeFailed
        from govaudit.probes.html import Document

        page = await self.pages.home_page()
        if page.html is None or page.failure:
            reason = page.failure or f"not HTML ({page.content_type or 'no content type'})"
            raise ProbeFailed(f"home page {self.site.url} unusable: {reason}")
        return page, Document(page.html, page.final_url or page.url)

    async def rendered(self) -> Document | None:
        return await self.pages.rendered()
