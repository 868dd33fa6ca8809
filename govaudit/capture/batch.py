"""A bounded batch of captures: a pool of workers over per-site browser contexts."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import govaudit.asyncrun as asyncrun
from govaudit.capture.downloads import save_download
from govaudit.capture.guard import ContextGuard
from govaudit.capture.memory import Flight, js_flags, watch_browser, watch_page
from govaudit.capture.options import (
    ERROR_PAGE_WAIT_S,
    MAX_CLIENT_HOPS,
    SCROLL_BUDGET_S,
    CaptureError,
    CaptureOptions,
    CaptureRun,
    ProgressCallback,
    Target,
    browser_context_options,
    default_concurrency,
)
from govaudit.capture.page import (
    _add_error,
    _message,
    _quietly,
    _response_facts,
    _snapshot,
    describe_failure,
    failure_kind,
    screen_png,
    script,
)
from govaudit.credentials import load_credentials
from govaudit.errors import GovauditError, OptionError
from govaudit.evidence import (
    EvidenceFolder,
    finished,
    new_record,
    new_run_id,
    save_file,
    store_records,
    url_label,
    write_manifest,
)
from govaudit.i18n import _
from govaudit.model import Evidence
from govaudit.netpolicy import AddressPolicy
from govaudit.urls import (
    origin,
    origin_text,
    redact_url,
    site_logins,
    split_credentials,
)

if TYPE_CHECKING:
    from playwright.async_api import (
        Browser,
        BrowserContext,
        CDPSession,
        Download,
        Page,
        Playwright,
        Request,
        Response,
    )

    from govaudit.archive.recorder import ResponseRecorder
    from govaudit.store import Store

T = TypeVar("T")


# -- web archives and failed loads ---------------------------------------------------------


def _start_archive(page: Page, options: CaptureOptions) -> ResponseRecorder | None:
    """With options.archive: record every response `page` receives from now on."""
    if not options.archive:
        return None
    from govaudit.archive.recorder import ResponseRecorder

    recorder = ResponseRecorder()
    recorder.attach(page)
    return recorder


async def _keep_archive(workspace: EvidenceFolder, record: dict[str, Any],
                        recorder: ResponseRecorder) -> None:
    """Keep the WACZ of what the page fetched as a file of `record`, when anything of the
    page was kept (a page refused for its addresses keeps nothing, its archive neither)."""
    from govaudit.archive.wacz import save_wacz

    exchanges = await recorder.finish(timeout_s=10.0)
    if not exchanges or not record["files"]:
        return
    try:
        await asyncio.to_thread(save_wacz, workspace, record, exchanges)
    except (OSError, GovauditError) as exc:
        _add_error(record, f"web archive not written: {_message(exc)}")


# -- the batch pipeline --------------------------------------------------------------------


def _crashed(record: dict[str, Any], memory_limit_mb: int) -> None:
    """A capture whose page crashed: most often over the memory limit, which ends it so."""
    _add_error(record, _("the page crashed (a page over the {limit:,} MB memory limit is "
                         "ended so)").format(limit=memory_limit_mb))
    record["failure"] = "memory"


@dataclass

class _SiteNet:
    """A site's login and address policy in the browser."""

    http_credentials: dict[str, str] | None = None
    policy: AddressPolicy | None = None


def _site_nets(store: Store, targets: list[Target], options: CaptureOptions
               ) -> tuple[list[Target], dict[str, _SiteNet]]:
    """The targets without `user:password@` in their URLs, and each site's login and policy.

    A site's credentials are its login (urls.site_logins: the secrets file, else its
    URL, for a site stored before credentials were split off), else a target URL's own.
    Its pages asked for are its home page and every target.
    """
    sites = store.sites()
    homes = {s.name: split_credentials(s.url)[0] for s in sites}
    logins = site_logins(sites, load_credentials(store))
    clean: list[Target] = []
    asked: dict[str, list[str]] = {}
    for target in targets:
        home = homes.get(target.site, "")
        url, login = split_credentials(target.url)
        clean.append(Target(target.site, url, target.indicator, target.question))
        asked.setdefault(target.site, [home] if home else []).append(url)
        if login and target.site not in logins:  # a page's own user:password@, last
            logins[target.site] = login
    nets: dict[str, _SiteNet] = {}
    for site, urls in asked.items():
        net = nets[site] = _SiteNet()
        own = origin(urls[0])
        login = logins.get(site)
        if login and own is not None:
            net.http_credentials = {"username": login[0], "password": login[1],
                                    "origin": origin_text(own)}
        if not options.allow_private:
            net.policy = AddressPolicy(urls)
    return list(dict.fromkeys(clean)), nets


def _discard(root: Path, record: dict[str, Any]) -> None:
    """Delete a capture's files (paths from the workspace folder `root`) and forget what
    the page showed."""
    _discard_files(root, record)
    record.update(title="", final_url="", status=None, ip="", capped_height=None, headers=[])


@dataclass
class _Tab:
    """A page in a browser context of its own, reused for one site's captures."""

    context: BrowserContext
    page: Page
    cdp: CDPSession
    guard: ContextGuard
    main_frame: str  # the page's main frame id over CDP
    crashed: bool = False  # its renderer died (out of memory, most often)


class _SiteSession:
    """The tabs of one site: contexts are reused for its pages and never serve another site.

    Each tab has its own context: pages sharing a context are tabs of one
    window in headless Chromium, and a hidden tab may never paint (a browser
    started without Playwright's flags, e.g. behind --cdp-endpoint, then never
    returns its screenshot).
    """

    def __init__(self, pipeline: _Pipeline, site: str, remaining: int) -> None:
        self.pipeline = pipeline
        self.site = site
        self.remaining = remaining
        self.free: list[_Tab] = []
        self.tabs: list[_Tab] = []

    async def acquire(self) -> _Tab:
        while self.free:
            tab = self.free.pop()
            if not tab.page.is_closed():
                return tab
        net = self.pipeline.nets.get(self.site, _SiteNet())
        settings = dict(self.pipeline.context_options)
        if net.http_credentials:
            settings["http_credentials"] = net.http_credentials
        context = await self.pipeline.browser.new_context(**settings)
        try:
            if self.pipeline.options.scroll and self.pipeline.options.full_page:
                await context.add_init_script(script("watch"))
            page = await context.new_page()
            cdp = await context.new_cdp_session(page)
            await cdp.send("Page.enable")
            tree = await cdp.send("Page.getFrameTree")
            guard = ContextGuard(net.policy, page)
            await guard.start(context, cdp)
        except BaseException:
            await _quietly(context.close())
            raise
        tab = _Tab(context, page, cdp, guard, tree["frameTree"]["frame"]["id"])
        page.on("crash", lambda _: setattr(tab, "crashed", True))
        self.tabs.append(tab)
        return tab

    async def release(self, tab: _Tab, reusable: bool) -> None:
        if reusable and not tab.page.is_closed():
            self.free.append(tab)
        else:
            self.tabs.remove(tab)
            await _quietly(tab.context.close())

    async def done_one(self) -> None:
        self.remaining -= 1
        if self.remaining == 0:
            tabs, self.tabs, self.free = self.tabs, [], []
            for tab in tabs:
                await _quietly(tab.context.close())



class _Pipeline:
    def __init__(self, workspace: EvidenceFolder, browser: Browser, options: CaptureOptions,
                 context_options: dict[str, Any], run: str,
                 nets: dict[str, _SiteNet] | None = None, endpoint: str = "") -> None:
        self.workspace = workspace
        self.endpoint = redact_url(endpoint)  # the remote browser's, "" for one launched here
        self.browser = browser
        self.options = options
        self.context_options = context_options
        self.nets = nets or {}
        self.run = run
        self.browser_name = f"Chromium {browser.version}"
        viewport = context_options.get("viewport") or {}
        self.viewport = f"{viewport.get('width', '')}x{viewport.get('height', '')}"
        self.user_agent = context_options.get("user_agent", "")
        self.flights: list[Flight] = []  # the captures in progress, for the memory watch

    async def capture(self, session: _SiteSession, target: Target) -> Evidence:
        """Open `target` in a page of its site's context and capture it; never raises."""
        started = time.monotonic()
        options = self.options
        record = new_record(run=self.run, site=target.site, indicator=target.indicator,
                            question=target.question, requested_url=target.url)
        record.update(viewport=self.viewport, device=options.device,
                      browser=self.browser_name, user_agent=self.user_agent,
                      endpoint=self.endpoint)
        reusable = True
        tab: _Tab | None = None
        recorder: ResponseRecorder | None = None
        flight: Flight | None = None
        watch: asyncio.Task[None] | None = None
        # everything a capture does must end well within this, whatever the page does
        limit = options.timeout_s * 3 + options.extra_wait_s + SCROLL_BUDGET_S + 15
        try:
            tab = await session.acquire()
            recorder = _start_archive(tab.page, options)
            flight = Flight(asyncio.ensure_future(self._visit(tab, record, started)))
            self.flights.append(flight)
            watch = asyncio.ensure_future(watch_page(flight, tab.cdp, options.memory_limit_mb))
            try:
                reusable = await asyncio.wait_for(asyncio.shield(flight.task), limit)
            except asyncio.CancelledError:
                if not flight.reason:  # this capture itself was cancelled
                    flight.task.cancel()
                    raise
                _add_error(record, flight.reason)
                record["failure"] = "memory"
                reusable = False
            except TimeoutError:
                flight.task.cancel()
                _add_error(record, f"capture did not finish within {limit:g}s")
                reusable = False
            if tab.crashed and record.get("failure") != "memory":
                # the renderer died before the watch saw the limit: goto failed with "Page crashed"
                _crashed(record, options.memory_limit_mb)
                reusable = False
        except Exception as exc:  # a dead page or browser: record it, go on with the batch
            if tab is not None and tab.crashed:
                _crashed(record, options.memory_limit_mb)
            else:
                _add_error(record, f"capture failed: {_message(exc)}")
            reusable = False
        finally:
            if watch is not None:
                watch.cancel()
            if recorder is not None:
                await _keep_archive(self.workspace, record, recorder)
            if tab is not None:
                record["blocked"] = list(tab.guard.blocked)
                await session.release(tab, reusable)
            if flight is not None:  # after its context closed: its memory is free
                self.flights.remove(flight)
        record["duration_ms"] = int((time.monotonic() - started) * 1000)
        return finished(record)

    async def _visit(self, tab: _Tab, record: dict[str, Any], started: float) -> bool:
        """Navigate, capture, and say whether the page can be reused."""
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        page, cdp, guard = tab.page, tab.cdp, tab.guard
        options = self.options
        deadline = started + options.timeout_s * 2 + options.extra_wait_s

        def time_left() -> float:
            return max(2.0, deadline - time.monotonic())

        guard.clear()
        if page.url != "about:blank":
            # a reused tab shows its previous page until the next one commits: show nothing
            await page.goto("about:blank", timeout=10_000)
        dialogs: list[str] = []
        downloads: list[Download] = []
        download_started = asyncio.Event()
        visit = _Navigation(tab)
        requested: dict[str, bool] = {}  # every URL the context requested: is it a redirect hop

        async def on_dialog(dialog: Any) -> None:
            dialogs.append(f"{dialog.type} {dialog.message!r}")
            await _quietly(dialog.dismiss())

        def on_download(download: Download) -> None:
            downloads.append(download)
            download_started.set()

        def on_request(request: Request) -> None:
            requested.setdefault(request.url, request.redirected_from is not None)

        async def refusal() -> str:
            """Why what the page loaded may not be kept ("" when it may)."""
            return await guard.refusal(requested, page.url, record["ip"])

        page.on("dialog", on_dialog)
        page.on("download", on_download)
        tab.context.on("request", on_request)
        visit.listen()
        response: Response | None = None
        navigated = True
        try:
            try:
                response = await page.goto(record["requested_url"], wait_until=options.wait_until,
                                           timeout=options.timeout_s * 1000)
            except PlaywrightError as exc:
                navigated = False
                reason = describe_failure(exc, record["requested_url"], options)
                own = [b["reason"] for b in guard.blocked if b["what"] == "page"]
                if own and "ERR_BLOCKED_BY_CLIENT" in reason:
                    reason = own[0]  # the navigation's own hop
                if "download" in reason:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(download_started.wait(), min(5.0, time_left()))
                refused = await refusal()
                if downloads and not refused:
                    why = await save_download(self.workspace, record, downloads[0],
                                              int(options.max_download_mb * 1e6), time_left())
                    if record["files"]:
                        reason += " (saved as an attachment)"
                    elif why:
                        reason += f"; {why}"
                _add_error(record, refused or reason)
                record["failure"] = "refused" if refused else failure_kind(reason)
                timed_out = isinstance(exc, PlaywrightTimeout)
                if timed_out and not refused:
                    # what the browser shows at the deadline: the page as far as it got
                    await cdp_quietly(cdp, "Page.stopLoading")
                    if visit.commits and visit.documents:
                        response = visit.documents[-1]
                        await self._at_deadline(page, cdp, record, response, started, visit,
                                                time_left)
                        return False
                await _response_facts(record, visit.documents[-1] if visit.documents else None,
                                      started)
                if not refused and not record["files"] and record["failure"] != "download":
                    if not timed_out:  # the browser's error page commits just after the failure
                        end = time.monotonic() + ERROR_PAGE_WAIT_S
                        while not visit.commits and time.monotonic() < end:
                            await asyncio.sleep(0.05)
                    await self._keep_screen(cdp, record, "deadline" if timed_out else "failed",
                                            "deadline" if timed_out else "")
                return False
            response = await self._follow_page_redirects(page, visit, response, time_left)
            if page.url.startswith("chrome-error://"):
                # the browser's own error page: a later hop was refused or failed
                own = [b["reason"] for b in guard.blocked if b["what"] == "page"]
                refused = own[-1] if own else await refusal()
                await visit.record(record)
                record["final_url"] = visit.last_url
                _add_error(record, refused or f"the page went on to {visit.last_url}, which "
                                              "the browser could not open")
                record["failure"] = "refused" if refused else "network"
                await self._keep_screen(cdp, record, "failed", "")
                return False
            await _response_facts(record, response, started)
            if response is not None:
                record["status"] = response.status
                addr = await response.server_addr()
                record["ip"] = addr["ipAddress"] if addr else ""
            if navigated and options.extra_wait_s:
                await page.wait_for_timeout(options.extra_wait_s * 1000)
            reason = await refusal()
            if not reason:
                response = await self._snapshot_settled(page, cdp, record, visit, response,
                                                        time_left)
                reason = await refusal()  # resources loaded while scrolling
            await visit.record(record)
            if reason:
                await asyncio.to_thread(_discard, self.workspace.root, record)
                _add_error(record, reason)
                record["failure"] = "refused"
                return False
            status = record["status"]
            if status is not None and status >= 400:
                record["failure"] = "http"
                reason = f"HTTP {status}"
                if response is not None and response.status_text:
                    reason += f" {response.status_text}"
                record["error"] = f"{reason}; {record['error']}" if record["error"] else reason
            if dialogs:
                _add_error(record, "the page opened a JavaScript dialog: " + "; ".join(dialogs)
                           + " (dismissed)")
            return navigated and not dialogs
        finally:
            page.remove_listener("dialog", on_dialog)
            page.remove_listener("download", on_download)
            tab.context.remove_listener("request", on_request)
            visit.stop()
            for download in downloads:  # none goes on in the background (a kept one is done)
                await _quietly(download.cancel())

    async def _follow_page_redirects(self, page: Page, visit: _Navigation,
                                     response: Response | None,
                                     time_left: Callable[[], float]) -> Response | None:
        """Follow the page's own redirects after it loaded, as a browser does: a meta
        refresh, a Refresh header, a script setting location (up to MAX_CLIENT_HOPS, within
        the time left). Returns the final document's response."""
        from playwright.async_api import Error as PlaywrightError

        for _hop in range(MAX_CLIENT_HOPS):
            await asyncio.sleep(SETTLE_S)  # a refresh of 0 s, a redirect from a load handler
            wait = visit.pending(time_left() - 1.0)
            if wait is None:  # the browser may not have said yet what the page declares
                wait = await _declared_refresh(page, visit)
            if wait is None or wait > time_left() - 1.0:
                break
            seen = visit.commits
            end = time.monotonic() + min(wait + 5.0, time_left())
            while visit.commits == seen and time.monotonic() < end:
                await asyncio.sleep(0.05)
            if visit.commits == seen:
                break
            if self.options.wait_until != "commit":
                with contextlib.suppress(PlaywrightError):
                    await page.wait_for_load_state(self.options.wait_until,
                                                   timeout=max(1.0, time_left() - 1.0) * 1000)
        return visit.documents[-1] if visit.documents else response

    async def _snapshot_settled(self, page: Page, cdp: CDPSession, record: dict[str, Any],
                                visit: _Navigation, response: Response | None,
                                time_left: Callable[[], float]) -> Response | None:
        """The snapshot of the page; a page that moves on while it is taken (a late
        redirect of its own) is followed and taken again, once."""
        from playwright.async_api import Error as PlaywrightError

        for attempt in (1, 2):
            seen = visit.commits
            try:
                await _snapshot(page, record, self.workspace, self.options, cdp, time_left)
                return response
            except PlaywrightError as exc:
                moved = visit.commits != seen or visit.requested or \
                    "Execution context was destroyed" in str(exc)
                if attempt == 2 or not moved:
                    raise
            await asyncio.to_thread(_discard_files, self.workspace.root, record)
            if self.options.wait_until != "commit":  # the document that replaced it
                with contextlib.suppress(PlaywrightError):
                    await page.wait_for_load_state(self.options.wait_until,
                                                   timeout=max(1.0, time_left() - 1.0) * 1000)
            response = await self._follow_page_redirects(page, visit, response, time_left)
            if response is not None:
                record["status"] = response.status
        return response

    async def _at_deadline(self, page: Page, cdp: CDPSession, record: dict[str, Any],
                           response: Response, started: float, visit: _Navigation,
                           time_left: Callable[[], float]) -> None:
        """A page that answered but did not finish loading in time, kept as the browser
        shows it now (loading stopped): a screenshot of the window, then its snapshot if
        that can be taken quickly. Its screenshots are marked as taken at the deadline."""
        from playwright.async_api import Error as PlaywrightError

        await _response_facts(record, response, started)
        record["status"] = response.status
        await visit.record(record)
        await self._keep_screen(cdp, record, "deadline", "deadline", DEADLINE_SCREEN_S)
        kept = len(record["files"])
        try:
            await asyncio.wait_for(
                _snapshot(page, record, self.workspace, self.options, cdp,
                          lambda: min(DEADLINE_SNAPSHOT_S, time_left())),
                DEADLINE_SNAPSHOT_S)
        except (PlaywrightError, TimeoutError, CaptureError) as exc:
            extra, record["files"] = record["files"][kept:], record["files"][:kept]
            await asyncio.to_thread(_discard_files, self.workspace.root,
                                    {"files": extra})
            _add_error(record, f"no full snapshot at the deadline: {_message(exc)}")
        record["final_url"] = page.url
        for entry in record["files"]:
            if entry["kind"] == "png":
                entry["taken"] = "deadline"

    async def _keep_screen(self, cdp: CDPSession, record: dict[str, Any], label: str,
                           taken: str, seconds: float = 10.0) -> None:
        """A screenshot of what the window shows now (the browser's error page, a page that
        did not load); one that cannot be taken is noted, never a further failure."""
        from playwright.async_api import Error as PlaywrightError

        try:
            png = await screen_png(cdp, seconds)
            entry = await asyncio.to_thread(save_file, self.workspace, record, "png", ".png",
                                            png, f"{url_label(record['requested_url'])}-{label}")
        except CaptureError:
            _add_error(record, "no screenshot: the page had painted nothing by then")
            return
        except (PlaywrightError, OSError, GovauditError, TimeoutError) as exc:
            _add_error(record, f"no screenshot: {_message(exc)}")
            return
        if taken:
            entry["taken"] = taken


SETTLE_S = 0.15  # after load: time for a refresh of 0 s or a load handler's redirect to start
DEADLINE_SNAPSHOT_S = 10.0
DEADLINE_SCREEN_S = 3.0  # a page that never painted gives no screenshot at all
VIA = {"metaTagRefresh": "meta refresh", "httpHeaderRefresh": "refresh header",
       "scriptInitiated": "script"}


REFRESH_DELAY = re.compile(r"\s*(\d+(?:\.\d*)?)")


async def _declared_refresh(page: Page, visit: _Navigation) -> float | None:
    """The delay of the refresh the page now shown declares (a meta refresh, or a Refresh
    header), None when it declares none."""
    from playwright.async_api import Error as PlaywrightError

    declared = None
    with contextlib.suppress(PlaywrightError):
        declared = await page.evaluate(script("refresh"))
    if declared is None and visit.documents:
        declared = visit.documents[-1].headers.get("refresh")
    match = REFRESH_DELAY.match(declared or "")
    return float(match.group(1)) if match else None


async def cdp_quietly(cdp: CDPSession, method: str) -> None:
    from playwright.async_api import Error as PlaywrightError

    with contextlib.suppress(PlaywrightError, TimeoutError):
        await asyncio.wait_for(cdp.send(method), 5.0)


def _discard_files(root: Path, record: dict[str, Any]) -> None:
    for entry in record["files"]:
        (root / entry["path"]).unlink(missing_ok=True)
    record["files"] = []


class _Navigation:
    """The way a tab's main frame goes during one visit: its documents' responses, and the
    navigations the page asked for itself (a refresh, a script), with their reasons."""

    def __init__(self, tab: _Tab) -> None:
        self.tab = tab
        self.documents: list[Response] = []
        self.commits = 0
        self.last_url = ""
        self.via: dict[str, str] = {}  # URL -> how the page asked for it
        self.scheduled: tuple[str, float] | None = None  # URL and delay of a refresh
        self.requested = False

    def listen(self) -> None:
        self.tab.page.on("response", self._on_response)
        self.tab.page.on("framenavigated", self._on_navigated)
        for event, handler in self._cdp_handlers():
            self.tab.cdp.on(event, handler)

    def stop(self) -> None:
        self.tab.page.remove_listener("response", self._on_response)
        self.tab.page.remove_listener("framenavigated", self._on_navigated)
        for event, handler in self._cdp_handlers():
            self.tab.cdp.remove_listener(event, handler)

    def _cdp_handlers(self) -> list[tuple[str, Callable[[dict[str, Any]], None]]]:
        return [("Page.frameRequestedNavigation", self._on_requested),
                ("Page.frameScheduledNavigation", self._on_scheduled),
                ("Page.frameClearedScheduledNavigation", self._on_cleared)]

    def _on_response(self, response: Response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == self.tab.page.main_frame:
            self.documents.append(response)

    def _on_navigated(self, frame: Any) -> None:
        if frame == self.tab.page.main_frame:
            self.commits += 1
            self.last_url = frame.url
            self.requested = False
            self.scheduled = None

    def _on_requested(self, event: dict[str, Any]) -> None:
        if event.get("frameId") == self.tab.main_frame:
            self.via.setdefault(event["url"], VIA.get(event.get("reason", ""), "script"))
            self.requested = True

    def _on_scheduled(self, event: dict[str, Any]) -> None:
        if event.get("frameId") == self.tab.main_frame:
            self.via.setdefault(event["url"], VIA.get(event.get("reason", ""), "script"))
            self.scheduled = (event["url"], float(event.get("delay", 0)))

    def _on_cleared(self, event: dict[str, Any]) -> None:
        if event.get("frameId") == self.tab.main_frame:
            self.scheduled = None

    def pending(self, seconds: float) -> float | None:
        """Seconds to wait for the page's own next navigation, or None when there is none
        to wait for (or it comes later than `seconds`)."""
        if self.requested:
            return 0.0
        if self.scheduled is not None and self.scheduled[1] <= seconds:
            return self.scheduled[1]
        return None

    async def record(self, record: dict[str, Any]) -> None:
        """The record's `navigation`: each document's redirect chain, and how the page
        went on from one document to the next."""
        from playwright.async_api import Error as PlaywrightError

        hops: list[dict[str, Any]] = []
        for number, response in enumerate(self.documents):
            chain = [response.request]
            while (earlier := chain[0].redirected_from) is not None:
                chain.insert(0, earlier)
            for index, request in enumerate(chain):
                via = "redirect" if index else (
                    "" if number == 0 else self.via.get(request.url, "script"))
                hop: dict[str, Any] = {"url": request.url, "via": via, "status": None}
                with contextlib.suppress(PlaywrightError):
                    answer = response if request is response.request else await request.response()
                    hop["status"] = answer.status if answer is not None else None
                hops.append(hop)
        record["navigation"] = hops


class _Schedule:
    """Which site a free worker captures next.

    A worker stays with its site while it has pages left (one context, its
    cache warm, one request at a time to that server), then takes a site
    nobody works on yet, and only then helps the site with the most pages
    left per worker.
    """

    def __init__(self, targets: list[Target]) -> None:
        self.pending: dict[str, deque[Target]] = {}
        for target in targets:
            self.pending.setdefault(target.site, deque()).append(target)
        self.order = {site: i for i, site in enumerate(self.pending)}
        self.working = dict.fromkeys(self.pending, 0)

    def pick(self, current: str | None) -> str | None:
        if current is not None:
            if self.pending[current]:
                return current
            self.working[current] -= 1
        open_sites = [site for site, left in self.pending.items() if left]
        if not open_sites:
            return None
        site = min(open_sites, key=lambda s: (
            self.working[s] > 0, -len(self.pending[s]) / (self.working[s] + 1), self.order[s]))
        self.working[site] += 1
        return site



async def arun_captures(workspace: EvidenceFolder, store: Store, targets: Iterable[Target],
                        options: CaptureOptions | None = None, *, concurrency: int | None = None,
                        on_progress: ProgressCallback | None = None, headed: bool = False,
                        browser_path: str | None = None, cdp_endpoint: str | None = None,
                        browser_endpoint: str | None = None, run: str | None = None,
                        save: bool = True, playwright: Playwright | None = None,
                        browser: Browser | None = None) -> CaptureRun:
    """The async form of run_captures, for callers that already run an event loop.

    A caller that already runs Playwright passes it as `playwright` (no second driver is
    started), and may pass one of its browsers as `browser`: the captures then open their
    contexts there, close them, and leave the browser open.
    """
    from playwright.async_api import async_playwright

    from govaudit.browser import launch_browser

    if browser is not None and playwright is None:
        raise ValueError("arun_captures: a browser is given without its playwright")
    options = options or CaptureOptions()
    options.check()
    targets, nets = _site_nets(store, list(dict.fromkeys(targets)), options)
    concurrency = default_concurrency() if concurrency is None else concurrency
    if concurrency < 1:
        raise OptionError("concurrency", _("{concurrency}: must be at least 1").format(
            concurrency=concurrency))
    result = CaptureRun(run or new_run_id())
    started = time.monotonic()
    if not targets:
        return result
    if on_progress is not None:
        on_progress(0, len(targets), 0, None)
    position = {target: n for n, target in enumerate(targets)}
    slots: dict[str, int] = {}  # record id -> its target's place in the list
    store_lock = asyncio.Lock()
    try:
        async with contextlib.AsyncExitStack() as stack:
            pw = playwright
            if pw is None:
                pw = await stack.enter_async_context(async_playwright())
            own = browser is None
            if browser is None:
                browser = await launch_browser(
                    pw, headed=headed, browser_path=browser_path, cdp_endpoint=cdp_endpoint,
                    browser_endpoint=browser_endpoint, args=js_flags(options.memory_limit_mb))
            try:
                context_options = await browser_context_options(pw, browser, options)
                pipeline = _Pipeline(workspace, browser, options, context_options, result.run,
                                     nets, cdp_endpoint or browser_endpoint or "")
                counts: dict[str, int] = {}
                for target in targets:
                    counts[target.site] = counts.get(target.site, 0) + 1
                sessions = {site: _SiteSession(pipeline, site, n) for site, n in counts.items()}
                schedule = _Schedule(targets)

                async def worker() -> None:
                    site: str | None = None
                    while (site := schedule.pick(site)) is not None:
                        target = schedule.pending[site].popleft()
                        session = sessions[site]
                        record = await pipeline.capture(session, target)
                        await session.done_one()
                        async with store_lock:  # one at a time: the store, then the progress
                            result.records.append(record)
                            slots[record.id] = position[target]
                            if save:
                                await asyncio.to_thread(store_records, store, [record])
                            if on_progress is not None:
                                on_progress(len(result.records), len(targets), result.failed,
                                            record)

                local = own and not (cdp_endpoint or browser_endpoint)
                watch = asyncio.ensure_future(watch_browser(
                    lambda: pipeline.flights, options.memory_limit_mb)) if local else None
                try:
                    await asyncio.gather(*(worker() for _ in range(min(concurrency,
                                                                       len(targets)))))
                finally:
                    if watch is not None:
                        watch.cancel()
            finally:
                if own:
                    await _quietly(browser.close())
    finally:
        result.records.sort(key=lambda r: slots.get(r.id, len(targets)))  # the list's order
        result.seconds = time.monotonic() - started
        if save and result.records:
            result.manifest = write_manifest(workspace, result.run, result.records)
    return result


def run_captures(workspace: EvidenceFolder, store: Store, targets: Iterable[Target],
                 options: CaptureOptions | None = None, *, concurrency: int | None = None,
                 on_progress: ProgressCallback | None = None, headed: bool = False,
                 browser_path: str | None = None, cdp_endpoint: str | None = None,
                 browser_endpoint: str | None = None, run: str | None = None,
                 save: bool = True) -> CaptureRun:
    """Capture every target; store each record as it completes and write the run's manifest
    (not with `save` False: the records are only returned).

    `on_progress(done, total, failed, record)` is called when the run starts (done 0,
    record None) and after each capture. The records come back in the order of `targets`.
    Failures are records with an `error`; this raises only for problems that
    stop every capture (no browser, bad options, an unreachable endpoint).
    """
    return asyncrun.run(arun_captures(
        workspace, store, targets, options, concurrency=concurrency, on_progress=on_progress,
        headed=headed, browser_path=browser_path, cdp_endpoint=cdp_endpoint,
        browser_endpoint=browser_endpoint, run=run, save=save))
