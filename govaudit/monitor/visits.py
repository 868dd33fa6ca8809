"""Visiting a site: its home page (a failed visit keeps its reason and timing), then, when
due, its columns and the links of those pages. Requests are bounded overall and paced
per host (host:port): at most one request starts every `host_interval` seconds.

A visit opens the home page as `check` does (govaudit.probes.visit.open_page): HTTP redirects
followed inside the visit's deadline (at most 10, unpaced), then the client-side redirects of
a page that is only a `<meta refresh>` or a script redirect (govaudit.page.redirects), both
addresses kept. It fails when the home page has not opened within the timeout: an error
(connect, TLS, DNS, too many redirects or a redirect loop, the total deadline, which also
cuts a trickling body), an HTTP status of 400 or more, or a body over the size cap (5 MB by
default: a home page that large, or announcing 2 GB, is not a page that opens). An answer
that is an anti-bot challenge is no failure: a browser visit decides (the page opened if
Chromium got it, failed if not) and is recorded beside the visit; with no browser the visit
is a challenge, neither opened nor failed.

What the monitor keeps of a page is read by the page model (govaudit.page), as `check` reads
it: the home page's newest date (its newest dated list item), the columns its navigation
and header link to (find_columns: utility links never), each column page's state
(column_state), and the links (Page.targets), each judged by the one link verdict
(govaudit.page.verdicts: dead is a 4xx/5xx answer or a soft 404; a failed lookup, a refused
connection, a timeout or a challenge could not be judged), the verdict stored with it.

A site behind HTTP basic auth is visited with its login (the workspace's secrets file).
The site's home page and recorded pages may be on a private address (an intranet site);
a redirect or a link that leads elsewhere to a private address is refused (netpolicy),
unless `allow_private`: a refused link is left unchecked, not counted as dead.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from govaudit.errors import GovauditError
from govaudit.model import Site
from govaudit.monitor.config import ColumnTable
from govaudit.monitor.db import UNDECIDED, Batch, ColumnSample, LinkSample, SampleSink, Visit
from govaudit.monitor.durations import china_date
from govaudit.netpolicy import AddressPolicy
from govaudit.page.challenges import Outcome
from govaudit.page.columns import MAX_COLUMNS
from govaudit.page.verdicts import LinkVerdict
from govaudit.probes.browser_visits import BrowserOnDemand
from govaudit.probes.fetch import Fetcher, FetchLimits
from govaudit.probes.fetch import Page as Answer
from govaudit.probes.linkcheck import LinkFetcher
from govaudit.probes.links import LinkResult, check_link, skipped_host
from govaudit.probes.visit import Opened, open_page, targets_apart
from govaudit.urls import Origin, origin

if TYPE_CHECKING:
    from govaudit.page import Page
    from govaudit.page.links import Target
    from govaudit.probes.visit import BrowserVisits

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
    max_columns: int = MAX_COLUMNS
    max_links: int = 60
    deep_budget: float = 600.0  # seconds one site's columns and links may take at most
    allow_private: bool = False  # follow redirects and links to private addresses too
    skip_hosts: tuple[str, ...] = ()  # links to these hosts are counted as skipped, not checked
    screenshots: bool = False  # a screenshot of the home page after a failed visit, once
    #                            per failure streak of a site
    browser: bool = True  # a browser decides the pages an anti-bot challenge answers
    browser_path: str | None = None  # that browser (default: found as `evidence` finds it)


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


# A screenshot taken after a failed visit: (evidence id, error, when it was taken, what it
# shows), as the shooter returns it for each site.
Shot = tuple[str, str, float | None, str]
# takes [(site, failed visit id)], captures each site's home page in a browser and returns
# {site: Shot}; run in a worker thread
Shooter = Callable[[list[tuple[Site, int]]], dict[str, Shot]]


@dataclass
class VisitResult:
    visit: Visit
    id: int
    columns: list[ColumnSample] = field(default_factory=list)
    links: list[LinkSample] = field(default_factory=list)
    skipped_links: int = 0  # links to a --skip-host host, not checked

    def written(self, id: int) -> None:
        self.id = id


def judge(opened: Opened, limits: FetchLimits) -> str:
    """Why the home page did not open ("" when it opened, or a challenge no browser
    decided)."""
    if opened.outcome == Outcome.DOWN:
        return opened.reason
    if opened.answer.truncated and not opened.challenged:
        return f"home page larger than {limits.max_bytes:,} bytes (cut off)"
    return ""


def visit_outcome(opened: Opened, error: str) -> str:
    """The visit's outcome as stored (Visit.outcome)."""
    if opened.challenged:
        if opened.browser is None or not opened.browser.decided:
            return UNDECIDED
        return "challenge-failed" if error else "challenge-passed"
    return "down" if error else "opened"


def fingerprint(page: Page) -> str:
    """What the page lists, hashed: the titles of its dated lists' items (a change is an
    update, for home pages that show no dates)."""
    titles = sorted({item.title[:80] for found in page.lists for item in found.items})
    if not titles:
        return ""
    return hashlib.sha1("\n".join(titles).encode("utf-8")).hexdigest()[:16]


class Visitor:
    """Makes the visits of one run and appends their samples to the store."""

    def __init__(self, db: SampleSink, options: VisitOptions, table: ColumnTable,
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
        self._browser: BrowserVisits | None = None

    @property
    def browser(self) -> BrowserVisits | None:
        """The browser that decides challenges (loaded and launched on the first one), if
        any."""
        if not self.options.browser:
            return None
        if self._browser is None:
            self._browser = BrowserOnDemand(self.options.browser_path,
                                            timeout=max(self.options.timeout, 15.0))
        return self._browser

    def policy(self, site: Site) -> AddressPolicy | None:
        """Where the visit of `site` may go: its own pages anywhere, elsewhere public only."""
        if self.options.allow_private:
            return None
        return AddressPolicy([site.url, *self.recorded.get(site.name, [])])

    @asynccontextmanager
    async def paced(self, url: str) -> AsyncIterator[None]:
        """One request to `url`: after its host's pace, within the overall bound."""
        await self.pacer.wait(url)
        async with self.requests:
            yield

    async def _open(self, fetcher: Fetcher, site: Site, url: str,
                    policy: AddressPolicy | None, today: date) -> Opened:
        own = origin(site.url)
        return await open_page(fetcher, url, policy=policy, today=today, browser=self.browser,
                               login=self.logins.get(own) if own else None, gate=self.paced,
                               whole=True)

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
            today = china_date(when)
            opened = await self._open(fetcher, site, site.url, policy, today)
            error = judge(opened, self.limits)
            outcome = visit_outcome(opened, error)
            page = opened.page if not error and outcome != UNDECIDED else None
            answer = opened.answer
            newest = page.newest if page is not None else None
            deep = page is not None and self._deep_due(site.name, when)
            seen = opened.browser
            visit = Visit(site.name, when, page is not None, answer.status, error,
                          answer.elapsed_ms, opened.final_url if answer.status else "",
                          answer.size, newest.isoformat() if newest else None,
                          fingerprint(page) if page is not None else "", deep, outcome,
                          " → ".join(opened.redirects),
                          f"{seen.reason} at {seen.final_url or seen.url}"
                          if seen and opened.challenged else "")
            result = VisitResult(visit, 0)
            self.batch.visit(visit, result.written)
            if error:
                self._want_shot(site, result, when)
            if deep and page is not None:
                self._deep_at[site.name] = when
                await self._deep(fetcher, site, page, opened, when, today, result, policy)
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
                taken = {s.name: ("", str(exc), None, "") for s, _, _ in batch}
            for site, visit, when in batch:
                evidence, error, at, shows = taken.get(site.name, ("", "not captured", None, ""))
                self.db.add_shot(site.name, visit.id, when, evidence, error, at, shows)
                del self._shots[site.name]

    async def finish(self) -> None:
        """Write the samples still waiting; wait for the screenshots still being taken."""
        self.batch.flush()  # also what a timed write could not write, or its error
        if self._shooting is not None:
            await self._shooting
        if self._browser is not None:
            await self._browser.aclose()

    def save_done(self) -> None:
        """On the way out of a stopped run: write the visits already made, if the store
        still takes them (a full disk is the error being raised already)."""
        with suppress(GovauditError):
            self.batch.flush()

    async def _deep(self, fetcher: Fetcher, site: Site, home: Page, opened: Opened,
                    when: float, today: date, result: VisitResult,
                    policy: AddressPolicy | None) -> None:
        """Columns, then the links of the home page and of the column pages (a link to a
        page fetched in this visit is judged by that fetch, not requested again)."""
        from govaudit.page.columns import find_columns

        columns: dict[str, str] = {c.url: c.name for c in find_columns(
            home, site.url, self.table.utility)}
        for url in self.recorded.get(site.name, []):
            if url.rstrip("/") != site.url.rstrip("/"):
                columns.setdefault(url, "")
        # the home page's links are filed under the site's own URL, whatever it redirects to
        targets = await targets_apart(home)
        links: list[tuple[str, str]] = [(site.url, u) for u in targets.checkable]
        links += [(site.url, raw) for raw in targets.invalid]
        invalid = dict(targets.invalid)  # hrefs that do not parse: dead, never requested
        fetched: dict[str, Answer] = {u: opened.answer for u in (site.url, opened.final_url,
                                                                  *opened.hops)}
        passed: set[str] = set()  # links to a --skip-host host: counted, not checked
        try:
            async with asyncio.timeout(self.options.deep_budget):
                for url, label in list(columns.items())[:self.options.max_columns]:
                    column = await self._open(fetcher, site, url, policy, today)
                    fetched[url] = column.answer
                    result.columns.append(self._column(site, url, label, column, when))
                    if column.page is not None and not judge(column, self.limits):
                        found = await targets_apart(column.page)
                        links += [(url, u) for u in found.checkable]
                        links += [(url, raw) for raw in found.invalid]
                        invalid.update(found.invalid)
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
                    judged = await self._judge(fetcher, url, fetched, invalid, policy)
                    if judged.verdict == LinkVerdict.PRIVATE:
                        continue  # not requested: not a dead link either
                    plain = judged.verdict in (LinkVerdict.WORKS, LinkVerdict.BROKEN)
                    result.links.append(LinkSample(
                        site.name, found_on, url, judged.verdict == LinkVerdict.WORKS,
                        judged.status, judged.error or ("" if plain else judged.reason), when,
                        judged.verdict.value))
        except TimeoutError:
            pass  # what was sampled within the budget is kept
        finally:
            result.skipped_links = len(passed)
            self.batch.samples(result.columns, result.links)

    async def _judge(self, fetcher: Fetcher, url: str, fetched: dict[str, Answer],
                     invalid: Mapping[str, Target], policy: AddressPolicy | None
                     ) -> LinkResult:
        """The verdict on one link: of the page fetched in this visit, else a link check."""
        if url in invalid:
            return LinkResult(None, invalid[url].error)
        if url in fetched:
            return LinkResult.of(fetched[url])
        return await check_link(fetcher, url, policy, gate=self.paced, retries=0)

    def _column(self, site: Site, url: str, label: str, opened: Opened,
                when: float) -> ColumnSample:
        from govaudit.page.columns import column_state

        error = judge(opened, self.limits)
        page = opened.page
        if error or page is None:
            name = label or url
            reason = error or (opened.reason if not opened.opened else "not an HTML page")
            return ColumnSample(site.name, url, name, self.table.classify(name), None, 0, 0,
                                False, False, reason, when)
        try:
            state = column_state(page)
        except Exception:  # noqa: BLE001 - a monitor running for weeks must not stop on a page
            name = label or url
            return ColumnSample(site.name, url, name, self.table.classify(name), None, 0, 0,
                                False, False, "the page could not be parsed", when)
        name = label or page.title or url
        return ColumnSample(site.name, url, name, self.table.classify(name),
                            state.newest.isoformat() if state.newest else None,
                            state.items, state.dated, state.empty, True, "", when)
