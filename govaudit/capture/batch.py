"""A bounded batch of captures: a pool of workers over per-site browser contexts."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import govaudit.asyncrun as asyncrun
from govaudit.capture.options import (
    SCROLL_BUDGET_S,
    CaptureOptions,
    CaptureRun,
    ProgressCallback,
    Target,
    browser_context_options,
    default_concurrency,
)
from govaudit.capture.page import (
    _add_error,
    _failed_load_evidence,
    _message,
    _quietly,
    _response_facts,
    _snapshot,
    describe_failure,
    failure_kind,
    script,
)
from govaudit.credentials import load_credentials
from govaudit.errors import GovauditError, OptionError
from govaudit.evidence import (
    new_record,
    new_run_id,
    save_file,
    store_records,
    url_label,
    write_manifest,
)
from govaudit.netpolicy import AddressPolicy
from govaudit.urls import origin, origin_text, redact_record, redact_url, split_credentials
from govaudit.workspace import Workspace

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, CDPSession, Page, Request, Response

    from govaudit.archive.recorder import ResponseRecorder

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


async def _keep_archive(workspace: Workspace, record: dict[str, Any],
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


@dataclass
class _SiteNet:
    """A site's login and address policy in the browser."""

    http_credentials: dict[str, str] | None = None
    policy: AddressPolicy | None = None


def _site_nets(workspace: Workspace, targets: list[Target], options: CaptureOptions
               ) -> tuple[list[Target], dict[str, _SiteNet]]:
    """The targets without `user:password@` in their URLs, and each site's login and policy.

    A site's credentials come from the secrets file, else from its URL (a site
    stored before credentials were split off). Its pages asked for are its home
    page and every target.
    """
    from govaudit.store import Store

    homes = {s.name: s.url for s in Store(workspace).sites()}
    logins = load_credentials(workspace)
    clean: list[Target] = []
    asked: dict[str, list[str]] = {}
    for target in targets:
        home, home_login = split_credentials(homes.get(target.site, ""))
        url, login = split_credentials(target.url)
        clean.append(Target(target.site, url, target.indicator, target.question))
        asked.setdefault(target.site, [home] if home else []).append(url)
        found = home_login or login
        if found and target.site not in logins:
            logins[target.site] = found
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


class _Guard:
    """Fails a tab's document requests (redirect hops included) that the policy refuses."""

    def __init__(self, policy: AddressPolicy, cdp: CDPSession) -> None:
        self.policy = policy
        self.cdp = cdp
        self.blocked: dict[str, str] = {}  # URL -> why, for the current visit
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self.cdp.on("Fetch.requestPaused", self._on_paused)
        await self.cdp.send("Fetch.enable", {"patterns": [
            {"urlPattern": "*", "resourceType": "Document", "requestStage": "Request"}]})

    def _on_paused(self, event: dict[str, Any]) -> None:
        task = asyncio.ensure_future(self._decide(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _decide(self, event: dict[str, Any]) -> None:
        from playwright.async_api import Error as PlaywrightError

        url = event["request"]["url"]
        reason = ""
        try:
            reason = await self.policy.refusal(url, bool(event.get("redirectedRequestId")))
        finally:  # whatever happens, the request must not stay paused
            with contextlib.suppress(PlaywrightError):
                if reason:
                    self.blocked[url] = reason
                    await self.cdp.send("Fetch.failRequest", {
                        "requestId": event["requestId"], "errorReason": "BlockedByClient"})
                else:
                    await self.cdp.send("Fetch.continueRequest",
                                        {"requestId": event["requestId"]})


def _discard(workspace: Workspace, record: dict[str, Any]) -> None:
    """Delete a capture's files and forget what the page showed."""
    for entry in record["files"]:
        (workspace.root / entry["path"]).unlink(missing_ok=True)
    record.update(files=[], title="", final_url="", status=None, ip="", capped_height=None,
                  headers=[])


@dataclass
class _Tab:
    """A page in a browser context of its own, reused for one site's captures."""

    context: BrowserContext
    page: Page
    cdp: CDPSession | None
    guard: _Guard | None = None


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
            cdp = None
            if self.pipeline.options.mhtml or net.policy is not None:
                cdp = await context.new_cdp_session(page)
            guard = _Guard(net.policy, cdp) if net.policy is not None and cdp else None
            if guard is not None:
                await guard.start()
        except BaseException:
            await _quietly(context.close())
            raise
        tab = _Tab(context, page, cdp, guard)
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
    def __init__(self, workspace: Workspace, browser: Browser, options: CaptureOptions,
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

    async def capture(self, session: _SiteSession, target: Target) -> dict[str, Any]:
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
        # everything a capture does must end well within this, whatever the page does
        limit = options.timeout_s * 3 + options.extra_wait_s + SCROLL_BUDGET_S + 15
        try:
            tab = await session.acquire()
            recorder = _start_archive(tab.page, options)
            reusable = await asyncio.wait_for(self._visit(tab, record, started), limit)
        except TimeoutError:
            _add_error(record, f"capture did not finish within {limit:g}s")
            reusable = False
        except Exception as exc:  # a dead page or browser: record it, go on with the batch
            _add_error(record, f"capture failed: {_message(exc)}")
            reusable = False
        finally:
            if recorder is not None:
                await _keep_archive(self.workspace, record, recorder)
            if tab is not None:
                await session.release(tab, reusable)
        record["duration_ms"] = int((time.monotonic() - started) * 1000)
        return redact_record(record)

    async def _visit(self, tab: _Tab, record: dict[str, Any], started: float) -> bool:
        """Navigate, capture, and say whether the page can be reused."""
        from playwright.async_api import Error as PlaywrightError

        page, cdp, guard = tab.page, tab.cdp, tab.guard
        options = self.options
        deadline = started + options.timeout_s * 2 + options.extra_wait_s

        def time_left() -> float:
            return max(2.0, deadline - time.monotonic())

        dialogs: list[str] = []
        downloads: list[Any] = []
        download_started = asyncio.Event()
        navigations: list[Response] = []
        committed: list[str] = []
        requested: dict[str, bool] = {}  # every URL the page requested: is it a redirect hop
        if guard is not None:
            guard.blocked.clear()

        async def on_dialog(dialog: Any) -> None:
            dialogs.append(f"{dialog.type} {dialog.message!r}")
            await _quietly(dialog.dismiss())

        def on_response(response: Response) -> None:
            request = response.request
            if request.is_navigation_request() and request.frame == page.main_frame:
                navigations.append(response)

        def on_download(download: Any) -> None:
            downloads.append(download)
            download_started.set()

        def on_navigated(frame: Any) -> None:
            if frame == page.main_frame:
                committed.append(frame.url)

        def on_request(request: Request) -> None:
            requested.setdefault(request.url, request.redirected_from is not None)

        async def refusal() -> str:
            """Why what the page loaded may not be kept ("" when it may)."""
            if guard is None:
                return ""
            for url, redirect in list(requested.items()):
                reason = "" if url in guard.blocked else await guard.policy.refusal(url, redirect)
                if reason:
                    return reason
            return guard.policy.peer_refusal(page.url, record["ip"])

        page.on("dialog", on_dialog)
        page.on("download", on_download)
        page.on("response", on_response)
        page.on("framenavigated", on_navigated)
        page.on("request", on_request)
        response: Response | None = None
        navigated = True
        blank = page.url == "about:blank"  # a new tab: it shows nothing of an earlier page
        try:
            try:
                response = await page.goto(record["requested_url"], wait_until=options.wait_until,
                                           timeout=options.timeout_s * 1000)
            except PlaywrightError as exc:
                from playwright.async_api import TimeoutError as PlaywrightTimeout

                navigated = False
                reason = describe_failure(exc, record["requested_url"], options)
                if guard is not None and guard.blocked and "ERR_BLOCKED_BY_CLIENT" in reason:
                    reason = next(iter(guard.blocked.values()))  # the navigation's own hop
                if "download" in reason:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(download_started.wait(), min(5.0, time_left()))
                refused = await refusal()
                if downloads and not refused:
                    await self._save_download(downloads[0], record, time_left())
                    if record["files"]:
                        reason += " (saved as an attachment)"
                _add_error(record, refused or reason)
                record["failure"] = "refused" if refused else failure_kind(reason)
                # capture a page that answered and showed but never finished loading; never
                # the previous page of a reused tab
                if refused or not (isinstance(exc, PlaywrightTimeout) and committed
                                   and navigations):
                    await _response_facts(record, navigations[-1] if navigations else None,
                                          started)
                    if not refused and not record["files"]:
                        await _failed_load_evidence(page, self.workspace, record, committed,
                                                    blank, time_left())
                    return False
                response = navigations[-1]
            await _response_facts(record, response, started)
            if response is not None:
                record["status"] = response.status
                addr = await response.server_addr()
                record["ip"] = addr["ipAddress"] if addr else ""
            if navigated and options.extra_wait_s:
                await page.wait_for_timeout(options.extra_wait_s * 1000)
            reason = await refusal()
            if not reason:
                await _snapshot(page, record, self.workspace, options, cdp, time_left)
                reason = await refusal()  # resources loaded while scrolling
            if reason:
                await asyncio.to_thread(_discard, self.workspace, record)
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
            page.remove_listener("response", on_response)
            page.remove_listener("framenavigated", on_navigated)
            page.remove_listener("request", on_request)

    async def _save_download(self, download: Any, record: dict[str, Any], seconds: float) -> None:
        from playwright.async_api import Error as PlaywrightError

        try:
            path = await asyncio.wait_for(download.path(), seconds)
            data = await asyncio.to_thread(Path(path).read_bytes)
        except (PlaywrightError, TimeoutError, OSError):
            return
        name = download.suggested_filename or "download"
        suffix = Path(name).suffix[:16]
        await asyncio.to_thread(save_file, self.workspace, record, "attachment", suffix, data,
                                f"{url_label(record['requested_url'])}-{Path(name).stem}")


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



async def arun_captures(workspace: Workspace, targets: Iterable[Target],
                        options: CaptureOptions | None = None, *, concurrency: int | None = None,
                        on_progress: ProgressCallback | None = None, headed: bool = False,
                        browser_path: str | None = None, cdp_endpoint: str | None = None,
                        browser_endpoint: str | None = None, run: str | None = None,
                        store: bool = True) -> CaptureRun:
    """The async form of run_captures, for callers that already run an event loop."""
    from playwright.async_api import async_playwright

    from govaudit.browser import launch_browser

    options = options or CaptureOptions()
    options.check()
    targets, nets = _site_nets(workspace, list(dict.fromkeys(targets)), options)
    concurrency = default_concurrency() if concurrency is None else concurrency
    if concurrency < 1:
        raise OptionError("concurrency", f"{concurrency}: must be at least 1")
    result = CaptureRun(run or new_run_id())
    started = time.monotonic()
    if not targets:
        return result
    store_lock = asyncio.Lock()
    try:
        async with async_playwright() as pw:
            browser = await launch_browser(pw, headed=headed, browser_path=browser_path,
                                           cdp_endpoint=cdp_endpoint,
                                           browser_endpoint=browser_endpoint)
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
                            if store:
                                await asyncio.to_thread(store_records, workspace, [record])
                            if on_progress is not None:
                                on_progress(len(result.records), len(targets), result.failed,
                                            record)

                await asyncio.gather(*(worker() for _ in range(min(concurrency, len(targets)))))
            finally:
                await _quietly(browser.close())
    finally:
        result.seconds = time.monotonic() - started
        if store and result.records:
            result.manifest = write_manifest(workspace, result.run, result.records)
    return result


def run_captures(workspace: Workspace, targets: Iterable[Target],
                 options: CaptureOptions | None = None, *, concurrency: int | None = None,
                 on_progress: ProgressCallback | None = None, headed: bool = False,
                 browser_path: str | None = None, cdp_endpoint: str | None = None,
                 browser_endpoint: str | None = None, run: str | None = None,
                 store: bool = True) -> CaptureRun:
    """Capture every target; store each record as it completes and write the run's manifest.

    `on_progress(done, total, failed, record)` is called after each capture.
    Failures are records with an `error`; this raises only for problems that
    stop every capture (no browser, bad options, an unreachable endpoint).
    """
    return asyncrun.run(arun_captures(
        workspace, targets, options, concurrency=concurrency, on_progress=on_progress,
        headed=headed, browser_path=browser_path, cdp_endpoint=cdp_endpoint,
        browser_endpoint=browser_endpoint, run=run, store=store))
