"""A browser that stays open beside the prompts of `govaudit collect --open`.

Playwright's async API runs on its own asyncio loop in a background thread, so
the prompts (prompt_toolkit) keep the main thread and its event loop. Every
public method is called from the main thread and waits (boundedly) for its
work on the browser thread; page openings run in the background so the next
prompt never waits for a slow site.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Coroutine, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

import govaudit.asyncrun as asyncrun
from govaudit.errors import GovauditError
from govaudit.i18n import _
from govaudit.urls import redact_url

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.async_api import Browser, BrowserContext, Page, Playwright

    from govaudit.capture.options import CaptureOptions, WaitUntil
    from govaudit.evidence import EvidenceFolder
    from govaudit.model import Evidence

T = TypeVar("T")
START_TIMEOUT = 90.0
CAPTURE_TIMEOUT = 180.0
MAX_PAGE_TABS = 5


class LiveBrowser:
    """One Chromium window (or a headless one) for a whole collect session."""

    def __init__(self, *, headed: bool = True, browser_path: str | None = None,
                 browser_endpoint: str | None = None, options: CaptureOptions | None = None,
                 run: str | None = None) -> None:
        from govaudit.capture.options import CaptureOptions
        from govaudit.evidence import new_run_id

        self.headed = headed
        self.browser_path = browser_path
        self.browser_endpoint = browser_endpoint
        self.options = options or CaptureOptions()
        self.options.check()
        self.run = run or new_run_id()
        self.records: list[Evidence] = []  # this run's stored captures, for its manifest
        self._loop = asyncrun.new_loop()
        self._thread = threading.Thread(target=self._loop.run_forever,
                                        name="govaudit-live-browser", daemon=True)
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._context: BrowserContext | None = None
        self._main: Page | None = None
        self._tabs: list[Page] = []
        self._errors: list[str] = []
        self._pending: list[concurrent.futures.Future[Any]] = []
        self._lock = threading.Lock()
        self._started = False

    # -- the browser thread ------------------------------------------------------

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float, what: str) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise GovauditError(_("the browser did not {what} within {timeout:g}s").format(
                what=what, timeout=timeout)) from None

    def _background(self, coro: Coroutine[Any, Any, Any]) -> None:
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        with self._lock:
            self._pending = [f for f in self._pending if not f.done()] + [future]

        def done(f: concurrent.futures.Future[Any]) -> None:
            error = None if f.cancelled() else f.exception()
            if error is not None:
                self._note(_first_line(error))

        future.add_done_callback(done)

    def wait_for_pages(self, timeout: float = 60) -> bool:
        """Wait until the pages opening in the background have loaded or failed."""
        with self._lock:
            pending = list(self._pending)
        _, not_done = concurrent.futures.wait(pending, timeout)
        return not not_done

    def _note(self, problem: str) -> None:
        with self._lock:
            self._errors.append(problem)

    def errors(self) -> list[str]:
        """Problems of background page openings since the last call (then forgotten)."""
        with self._lock:
            out, self._errors = self._errors, []
        return out

    # -- life cycle ----------------------------------------------------------------

    def start(self) -> LiveBrowser:
        """Start Playwright and the browser; GovauditError when it cannot."""
        if self._started:
            return self
        self._thread.start()
        self._started = True
        try:
            self._call(self._start(), START_TIMEOUT, "start")
        except GovauditError:
            self.close()
            raise
        except Exception as exc:  # Playwright's own errors carry a long log
            self.close()
            raise GovauditError(_("cannot start the browser: {first_line}").format(
                first_line=_first_line(exc))) from None
        return self

    async def _start(self) -> None:
        from playwright.async_api import async_playwright

        from govaudit.browser import launch_browser
        from govaudit.capture.options import browser_context_options

        self._pw = await async_playwright().start()
        self._browser = await launch_browser(self._pw, headed=self.headed,
                                             browser_path=self.browser_path,
                                             browser_endpoint=self.browser_endpoint)
        # the same locale, time zone, viewport and user agent as `govaudit evidence`
        settings = await browser_context_options(self._pw, self._browser, self.options)
        self._context = await self._browser.new_context(**settings)
        self._context.set_default_navigation_timeout(self.options.timeout_s * 1000)
        self._main = await self._context.new_page()

    def close(self) -> None:
        """Close the browser and stop its thread; safe to call twice."""
        if not self._started:
            return
        if self._thread.is_alive():
            # the evaluator may have closed the window already
            with contextlib.suppress(Exception):
                self._call(self._close(), 30, "close")
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._started = False

    async def _close(self) -> None:
        try:
            if self._context is not None:
                await self._context.close()
            if self._browser is not None:
                await self._browser.close()
        finally:
            if self._pw is not None:
                await self._pw.stop()
            self._pw = self._browser = self._context = self._main = None

    def __enter__(self) -> LiveBrowser:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- pages -------------------------------------------------------------------

    def _require(self) -> BrowserContext:
        if self._context is None or self._browser is None or not self._browser.is_connected():
            raise GovauditError(_(
                "the browser is closed (its window was closed or it stopped)"),
                hint="collect_open")
        return self._context

    async def _main_page(self) -> Page:
        context = self._require()
        if self._main is None or self._main.is_closed():
            open_pages = [p for p in context.pages if not p.is_closed()]
            self._main = open_pages[0] if open_pages else await context.new_page()
        return self._main

    async def _open(self, page: Page, url: str, wait_until: WaitUntil) -> None:
        from govaudit.capture.page import describe_failure

        try:
            await page.goto(url, wait_until=wait_until)
        except Exception as exc:
            raise GovauditError(_("{url}: {describe_failure}").format(
                url=url, describe_failure=describe_failure(exc, url, self.options))) from None

    def goto(self, url: str) -> None:
        """Open `url` in the main tab, in the background."""
        async def go() -> None:
            await self._open(await self._main_page(), url, "domcontentloaded")

        self._require()
        self._background(go())

    def show_pages(self, urls: Sequence[str]) -> None:
        """Open an indicator's pages in their own tabs, replacing the previous indicator's."""
        urls = list(dict.fromkeys(urls))[:MAX_PAGE_TABS]
        self._require()

        async def show() -> None:
            old, self._tabs = self._tabs, []
            for page in old:
                if not page.is_closed():
                    await page.close()
            for url in urls:
                page = await self._require().new_page()
                self._tabs.append(page)
                try:
                    await self._open(page, url, "domcontentloaded")
                except GovauditError as exc:
                    self._note(str(exc))

        self._background(show())

    async def _active_page(self) -> Page:
        """The tab the evaluator is looking at: focused, else visible, else the newest."""
        context = self._require()
        pages = [p for p in context.pages if not p.is_closed()]
        if not pages:
            raise GovauditError(_("no page is open in the browser: open one, then capture again"))
        ranked: list[tuple[int, int, Page]] = []
        for order, page in enumerate(pages):
            try:
                focus, visible = await page.evaluate(
                    "() => [document.hasFocus(), document.visibilityState === 'visible']")
            except Exception:
                focus = visible = False
            ranked.append((int(bool(focus)) * 2 + int(bool(visible)), order, page))
        return max(ranked, key=lambda r: (r[0], r[1]))[2]

    # -- evidence ------------------------------------------------------------------

    def capture(self, workspace: EvidenceFolder, *, site: str, indicator: str = "",
                question: str = "", url: str | None = None) -> Evidence:
        """Capture what the browser shows now (or `url` after opening it in the main tab).

        Returns the evidence record of govaudit.capture (not stored: the caller stores it).
        """
        from govaudit.capture.page import capture_open_page

        # the pages this session opened itself are part of "what the browser shows now"
        self.wait_for_pages(self.options.timeout_s)

        async def take() -> Evidence:
            if url is not None:
                page = await self._main_page()
                await page.bring_to_front()
                await self._open(page, url, self.options.wait_until)
            else:
                page = await self._active_page()
                # a headed Chromium may never paint a tab that is not in front, and the
                # screenshot then waits for a frame until the capture times out
                await page.bring_to_front()
            record = await capture_open_page(page, workspace=workspace, site=site,
                                             indicator=indicator, question=question,
                                             options=self.options, run=self.run)
            if url is not None:
                record = replace(record, requested_url=redact_url(url))
            return record

        try:
            return self._call(take(), CAPTURE_TIMEOUT, "capture the page")
        except GovauditError:
            raise
        except Exception as exc:
            raise GovauditError(_("capture failed: {first_line}").format(
                first_line=_first_line(exc))) from None


    def add_to_manifest(self, workspace: EvidenceFolder, record: Evidence) -> Path:
        """Add a stored capture to this run's manifest (rewritten whole, with its hash)."""
        from govaudit.evidence import write_manifest

        self.records.append(record)
        return write_manifest(workspace, self.run, self.records)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
