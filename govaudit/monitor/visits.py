"""Visiting a site: its home page (a failed visit keeps its reason and timing), then, when
due, its columns and the links of those pages. Requests are bounded overall and paced
per host (host:port): at most one request starts every `host_interval` seconds.

A visit fails when the home page has not opened within the timeout: an error (connect,
TLS, DNS, too many redirects or a redirect loop, the total deadline, which also cuts a
trickling body), an HTTP status of 400 or more, or a body over the size cap (5 MB by
default: a home page that large, or announcing 2 GB, is not a page that opens).
Redirects are followed inside the visit's deadline (at most 10), unpaced.

A site behind HTTP basic auth is visited with its login (the workspace's secrets file).
The site's home page and recorded pages may be on a private address (an intranet site);
a redirect or a link that leads elsewhere to a private address is refused (netpolicy),
unless `allow_private`: a refused link is left unchecked, not counted as dead.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from govaudit.errors import GovauditError
from govaudit.model import Site
from govaudit.monitor.config import ColumnTable
from govaudit.monitor.db import Batch, ColumnSample, LinkSample, MonitorDB, Visit
from govaudit.monitor.durations import china_date
from govaudit.monitor.pages import PageFacts, analyse
from govaudit.netpolicy import AddressPolicy, refused_private
from govaudit.probes.fetch import Fetcher, FetchLimits, LinkStatus, Page
from govaudit.probes.linkcheck import LinkFetcher
from govaudit.probes.links import head_needs_get, skipped_host
from govaudit.urls import Origin

PRUNE_AT = 4096  # hosts remembered by the pacer before the idle ones are forgotten
# screenshots waiting for the browser at most; when many sites fail at once (the monitor's
# own network is down) the others get theirs at a later failed visit of the same streak
MAX_SHOTS_WAITING = 20


@dataclass
class VisitOptions:
    """How visits are made."""

    timeout: float = 15.0  # seconds for the whole home page: redirects and body included
    max_bytes: int = 5_000_000
    max_redirects: int = 10
    host_interval: float = 1.0  # seconds between two requests to one host
    concurrency: int = 20  # requests in flight overall
    columns_every: float = 6 * 3600.0  # columns and links are sampled this often per site
    max_columns: int = 30
    max_links: int = 60
    deep_budget: float = 600.0  # seconds one site's columns and links may take at most
    allow_private: bool = False  # follow redirects and links to private addresses too
    skip_hosts: tuple[str, ...] = ()  # links to these hosts are counted as skipped, not checked
    screenshots: bool = False  # a screenshot of the home page after a failed visit, once
    #                            per failure streak of a site


class HostPacer:
    """One request per host every `interval` seconds; memory stays bounded."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next: dict[str, float] = {}

    async def wait(self, url: str) -> None:
        if self.interval <= 0:
            return
        host = urlsplit(url).netloc.lower()
        now = time.monotonic()
        start = max(now, self._next.get(host, 0.0))
        self._next[host] = start + self.interval
        if len(self._next) > PRUNE_AT:
            self._next = {h: t for h, t in self._next.items() if t > now}
        if start > now:
            await asyncio.sleep(start - now)


# takes [(site, failed visit id)], captures each site's home page in a browser and returns
# {site: (evidence id, error)}; run in a worker thread
Shooter = Callable[[list[tuple[Site, int]]], dict[str, tuple[str, str]]]


@dataclass
class VisitResult:
    visit: Visit
    id: int
    columns: list[ColumnSample] = field(default_factory=list)
    links: list[LinkSample] = field(default_factory=list)
    skipped_links: int = 0  # links to a --skip-host host, not checked

    def written(self, id: int) -> None:
        self.id = id


def judge(page: Page, limits: FetchLimits) -> str:
    """Why the home page did not open ("" when it opened)."""
    if page.failure:
        return page.failure
    if page.truncated:
        return f"home page larger than {limits.max_bytes:,} bytes (cut off)"
    return ""


class Visitor:
    """Makes the visits of one run and appends their samples to the store."""

    def __init__(self, db: MonitorDB, options: VisitOptions, table: ColumnTable,
                 recorded: dict[str, list[str]] | None = None,
                 clock: Callable[[], float] = time.time,
                 logins: Mapping[Origin, tuple[str, str]] | None = None) -> None:
        self.db = db
        self.logins = dict(logins or {})
        self.shooter: Shooter | None = None
        self._shots: dict[str, tuple[Site, VisitResult, float]] = {}  # for the browser
        self._shooting: asyncio.Task[None] | None = None
        self.options = options
        self.table = table
        self.recorded = recorded or {}
        self.clock = clock
        self.limits = FetchLimits(max_bytes=options.max_bytes, deadline=options.timeout,
                                  connect_timeout=min(10.0, options.timeout),
                                  max_redirects=options.max_redirects)
        self.pacer = HostPacer(options.host_interval)
        self.requests = asyncio.Semaphore(max(1, options.concurrency))
        self.batch = Batch(db)
        self._deep_at: dict[str, float] = {}  # the columns sampled in this run, by site

    def policy(self, site: Site) -> AddressPolicy | None:
        """Where the visit of `site` may go: its own pages anywhere, elsewhere public only."""
        if self.options.allow_private:
            return None
        return AddressPolicy([site.url, *self.recorded.get(site.name, [])])

    async def _page(self, fetcher: Fetcher, url: str, policy: AddressPolicy | None) -> Page:
        await self.pacer.wait(url)
        async with self.requests:
            return await fetcher.page(url, policy=policy)

    async def _status(self, fetcher: Fetcher, url: str, policy: AddressPolicy | None
                      ) -> LinkStatus:
        await self.pacer.wait(url)
        async with self.requests:
            result = await fetcher.status(url, "HEAD", policy)
        if not head_needs_get(result):
            return result
        await self.pacer.wait(url)  # servers that refuse HEAD: confirm with GET
        async with self.requests:
            return await fetcher.status(url, "GET", policy)

    def _deep_due(self, site: str, now: float) -> bool:
        if self.options.columns_every <= 0:
            return True
        last = self._deep_at.get(site)
        if last is None or last > now:
            last = self.db.last_deep(site, now)
        return last is None or now - last >= self.options.columns_every

    async def visit(self, site: Site) -> VisitResult:
        """One visit of `site`, on disk within `db.WRITE_WITHIN` seconds of its end."""
        policy = self.policy(site)
        async with LinkFetcher(self.limits, lanes=2, per_lane=2,
                               credentials=self.logins) as fetcher:
            when = self.clock()
            page = await self._page(fetcher, site.url, policy)
            error = judge(page, self.limits)
            facts: PageFacts | None = None
            today = china_date(when)
            if not error and page.html is not None:
                facts = _analyse(page.html, page.final_url or site.url, today,
                                 self.table.ignore)
            deep = facts is not None and self._deep_due(site.name, when)
            visit = Visit(site.name, when, not error, page.status, error, page.elapsed_ms,
                          page.final_url, page.size,
                          facts.newest_date.isoformat() if facts and facts.newest_date else None,
                          facts.fingerprint if facts else "", deep)
            result = VisitResult(visit, 0)
            self.batch.visit(visit, result.written)
            if not visit.ok:
                self._want_shot(site, result, when)
            if deep and facts is not None:
                self._deep_at[site.name] = when
                await self._deep(fetcher, site, facts, page, when, today, result, policy)
        return result

    def _want_shot(self, site: Site, visit: VisitResult, when: float) -> None:
        if (not self.options.screenshots or self.shooter is None or site.name in self._shots
                or len(self._shots) >= MAX_SHOTS_WAITING):
            return
        self.batch.flush()  # the streak is read from the store, up to this visit
        if self.db.streak_has_shot(site.name, when):
            return
        self._shots[site.name] = (site, visit, when)
        if self._shooting is None or self._shooting.done():
            self._shooting = asyncio.ensure_future(self._shoot())

    async def _shoot(self) -> None:
        """Screenshots of the failed sites, one browser run at a time, beside the visits."""
        while self._shots and self.shooter is not None:
            batch = list(self._shots.values())
            try:
                taken = await asyncio.to_thread(self.shooter,
                                                [(s, v.id) for s, v, _ in batch])
            except Exception as exc:  # noqa: BLE001 - no browser must not stop the monitor
                taken = {s.name: ("", str(exc)) for s, _, _ in batch}
            for site, visit, when in batch:
                evidence, error = taken.get(site.name, ("", "not captured"))
                self.db.add_shot(site.name, visit.id, when, evidence, error)
                del self._shots[site.name]

    async def finish(self) -> None:
        """Write the samples still waiting; wait for the screenshots still being taken."""
        self.batch.flush()  # also what a timed write could not write, or its error
        if self._shooting is not None:
            await self._shooting

    def save_done(self) -> None:
        """On the way out of a stopped run: write the visits already made, if the store
        still takes them (a full disk is the error being raised already)."""
        with suppress(GovauditError):
            self.batch.flush()

    async def _deep(self, fetcher: Fetcher, site: Site, home: PageFacts, home_page: Page,
                    when: float, today: date, result: VisitResult,
                    policy: AddressPolicy | None) -> None:
        """Columns, then the links of the home page and of the column pages (a link to a
        page fetched in this visit is judged by that fetch, not requested again)."""
        columns: dict[str, str] = {}
        for label, url in home.nav:
            columns.setdefault(url, label)
        for url in self.recorded.get(site.name, []):
            if url.rstrip("/") != site.url.rstrip("/"):
                columns.setdefault(url, "")
        # the home page's links are filed under the site's own URL, whatever it redirects to
        links: list[tuple[str, str]] = [(site.url, u) for u in home.links]
        fetched = {site.url: home_page, home_page.final_url or site.url: home_page}
        passed: set[str] = set()  # links to a --skip-host host: counted, not checked
        try:
            async with asyncio.timeout(self.options.deep_budget):
                for url, label in list(columns.items())[:self.options.max_columns]:
                    page = await self._page(fetcher, url, policy)
                    fetched[url] = page
                    result.columns.append(self._column(site, url, label, page, when, today))
                    if page.html is not None and not judge(page, self.limits):
                        facts = _analyse(page.html, page.final_url or url, today)
                        links += [(url, u) for u in facts.links] if facts else []
                checked: set[str] = set()
                for found_on, url in links:
                    if len(checked) >= self.options.max_links:
                        break
                    if url in checked or url in passed:
                        continue
                    if skipped_host(url, self.options.skip_hosts):
                        passed.add(url)
                        continue
                    checked.add(url)
                    if url in fetched:
                        got = fetched[url]
                        code, error = got.status, got.error
                    else:
                        status = await self._status(fetcher, url, policy)
                        code, error = status.status, status.error
                    if refused_private(error):
                        continue  # not checked: not a dead link either
                    ok = not error and code is not None and code < 400
                    result.links.append(LinkSample(site.name, found_on, url, ok, code, error,
                                                   when))
        except TimeoutError:
            pass  # what was sampled within the budget is kept
        finally:
            result.skipped_links = len(passed)
            self.batch.samples(result.columns, result.links)

    def _column(self, site: Site, url: str, label: str, page: Page, when: float,
                today: date) -> ColumnSample:
        error = judge(page, self.limits)
        if error or page.html is None:
            name = label or url
            return ColumnSample(site.name, url, name, self.table.classify(name), None, 0, 0,
                                False, False, error or "not an HTML page", when)
        facts = _analyse(page.html, page.final_url or url, today)
        if facts is None:
            name = label or url
            return ColumnSample(site.name, url, name, self.table.classify(name), None, 0, 0,
                                False, False, "the page could not be parsed", when)
        name = label or facts.title or url
        return ColumnSample(site.name, url, name, self.table.classify(name),
                            facts.newest_date.isoformat() if facts.newest_date else None,
                            facts.items, facts.dated, facts.items == 0, True, "", when)


def _analyse(html: str, url: str, today: date, ignore: tuple[str, ...] = ()
             ) -> PageFacts | None:
    """The facts of a page; None if a page defeats the parser (the visit still counts: a
    monitor running for weeks must not stop on one odd page)."""
    try:
        return analyse(html, url, today, ignore)
    except Exception:  # noqa: BLE001
        return None
