"""Browser visits for the page model: a page opened in Chromium and read through the capture
contract (govaudit.page.capture: CAPTURE_SCRIPT), for `check` and `monitor`.

A visit is what decides when a client that runs no scripts cannot: a page answered by an
anti-bot challenge (a browser runs its script, gets the cookie and the page), and `check
--render` (footers and lists written by scripts). It keeps no evidence file: `govaudit
evidence` does that. The browser context has the address policy of a capture (capture.guard)
and the site's login; the visit waits for the page to settle (load, then the network idle),
runs CAPTURE_SCRIPT, and while the page is still a challenge page waits for its reload, up to
CHALLENGE_ROUNDS times. The status is the last answer to the tab's own document.

`BrowserVisits` launches Chromium on first use, runs at most `concurrency` visits at once,
and closes it once no visit has been asked for `idle` seconds (the monitor runs for weeks),
or on `aclose()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from govaudit.netpolicy import AddressPolicy
from govaudit.page.capture import CAPTURE_SCRIPT, Capture, CaptureError
from govaudit.probes.visit import NO_BROWSER, BrowserVisit

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page, Playwright

T = TypeVar("T")

CHALLENGE_ROUNDS = 4  # looks at a page that is still a challenge, a settle apart
SETTLE_S = 3.0  # seconds to wait for the network to go idle after each load


class BrowserVisits:
    """Visits in one Chromium, launched when first needed (see the module docstring)."""

    def __init__(self, browser_path: str | None = None, timeout: float = 30.0,
                 concurrency: int = 2, idle: float = 60.0) -> None:
        self.browser_path = browser_path
        self.timeout = timeout
        self.idle = idle
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._lock = asyncio.Lock()
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._failed = ""  # why the browser could not start (asked once per run)
        self._busy = 0
        self._closer: asyncio.TimerHandle | None = None

    async def _start(self) -> Browser | None:
        async with self._lock:
            if self._browser is not None or self._failed:
                return self._browser
            from playwright.async_api import Error as PlaywrightError
            from playwright.async_api import async_playwright

            from govaudit.browser import launch_browser
            from govaudit.errors import GovauditError

            try:
                self._pw = await async_playwright().start()
                self._browser = await launch_browser(self._pw, browser_path=self.browser_path)
            except (GovauditError, PlaywrightError, OSError) as exc:
                self._failed = f"{NO_BROWSER}: {exc}"
                await self._stop()
            return self._browser

    async def _stop(self) -> None:
        from playwright.async_api import Error as PlaywrightError

        browser, pw, self._browser, self._pw = self._browser, self._pw, None, None
        if browser is not None:
            with contextlib.suppress(PlaywrightError):
                await browser.close()
        if pw is not None:
            with contextlib.suppress(PlaywrightError):
                await pw.stop()

    async def aclose(self) -> None:
        if self._closer is not None:
            self._closer.cancel()
            self._closer = None
        async with self._lock:
            await self._stop()

    def _idle_later(self) -> None:
        if self._closer is not None:
            self._closer.cancel()
        if self._busy == 0 and self._browser is not None:
            self._closer = asyncio.get_running_loop().call_later(
                self.idle, lambda: asyncio.ensure_future(self._close_if_idle()))

    async def _close_if_idle(self) -> None:
        self._closer = None
        async with self._lock:
            if self._busy == 0:
                await self._stop()

    @contextlib.asynccontextmanager
    async def _browser_slot(self) -> AsyncIterator[Browser | None]:
        """A slot of the browser, launched when first needed (None: it could not start)."""
        async with self._slots:
            self._busy += 1
            if self._closer is not None:
                self._closer.cancel()
                self._closer = None
            try:
                yield await self._start()
            finally:
                self._busy -= 1
                self._idle_later()

    async def visit(self, url: str, policy: AddressPolicy | None = None,
                    login: tuple[str, str] | None = None) -> BrowserVisit:
        """Open `url` and read it (never raises: a failure is the visit's error)."""
        started = time.time()
        async with self._browser_slot() as browser:
            if browser is None:
                return BrowserVisit(url, error=self._failed, time=started)
            return await _visit(browser, url, policy, login, self.timeout, started)

    async def with_page(self, url: str, work: Callable[[Page], Awaitable[T]],
                        policy: AddressPolicy | None = None,
                        login: tuple[str, str] | None = None,
                        prepare: Callable[[BrowserContext], Awaitable[None]] | None = None
                        ) -> tuple[T | None, str]:
        """Open `url` as a visit does (the address policy, the login), let it settle, and
        run `work` on the loaded page: (what it returned, ""), or (None, why not).
        `prepare(context)` is awaited before the page opens (init scripts, say)."""
        from playwright.async_api import Error as PlaywrightError

        from govaudit.capture.guard import ContextGuard

        async with self._browser_slot() as browser:
            if browser is None:
                return None, self._failed
            context = await browser.new_context(**_context_options(login))
            try:
                if prepare is not None:
                    await prepare(context)
                page = await context.new_page()
                guard = ContextGuard(policy, page)
                await guard.start(context, None)
                await page.goto(url, wait_until="load", timeout=self.timeout * 1000)
                with contextlib.suppress(PlaywrightError):
                    await page.wait_for_load_state("networkidle", timeout=SETTLE_S * 1000)
                return await asyncio.wait_for(work(page), self.timeout * 4), ""
            except (PlaywrightError, TimeoutError) as exc:
                return None, f"{url}: {str(exc).splitlines()[0] if str(exc) else 'timed out'}"
            finally:
                with contextlib.suppress(PlaywrightError):
                    await context.close()


def _context_options(login: tuple[str, str] | None) -> dict[str, Any]:
    options: dict[str, Any] = {"ignore_https_errors": True, "locale": "zh-CN",
                               "timezone_id": "Asia/Shanghai"}
    if login is not None:
        options["http_credentials"] = {"username": login[0], "password": login[1]}
    return options


async def _visit(browser: Browser, url: str, policy: AddressPolicy | None,
                 login: tuple[str, str] | None, timeout: float, started: float) -> BrowserVisit:
    from playwright.async_api import Error as PlaywrightError

    from govaudit.capture.guard import ContextGuard
    from govaudit.capture.options import CaptureOptions
    from govaudit.capture.page import describe_failure
    from govaudit.page.challenges import detect_challenge

    options = _context_options(login)
    found = BrowserVisit(url, time=started)
    clock = time.monotonic()
    context = await browser.new_context(**options)
    try:
        page = await context.new_page()
        guard = ContextGuard(policy, page)
        await guard.start(context, None)
        statuses: list[int] = []

        def on_response(response: Any) -> None:
            with contextlib.suppress(PlaywrightError):
                if response.request.is_navigation_request() and response.frame == page.main_frame:
                    statuses.append(response.status)

        page.on("response", on_response)
        try:
            await page.goto(url, wait_until="load", timeout=timeout * 1000)
        except PlaywrightError as exc:
            blocked = [b["reason"] for b in guard.blocked if b["what"] == "page"]
            found.error = blocked[0] if blocked else describe_failure(
                exc, url, CaptureOptions(timeout_s=timeout))
            return found
        for _ in range(CHALLENGE_ROUNDS):
            with contextlib.suppress(PlaywrightError):
                await page.wait_for_load_state("networkidle", timeout=SETTLE_S * 1000)
            try:
                found.capture = Capture.from_script(await page.evaluate(CAPTURE_SCRIPT))
            except (PlaywrightError, CaptureError):
                await asyncio.sleep(0.3)  # the page navigated while it was read
                continue
            found.status = statuses[-1] if statuses else None
            challenge = detect_challenge(found.status, found.capture.html)
            found.challenge = challenge.reason if challenge is not None else ""
            if challenge is None:
                break
            await asyncio.sleep(0.5)
        found.final_url = page.url
        if found.capture is None:
            found.error = "the page could not be read"
        return found
    finally:
        found.elapsed_ms = round((time.monotonic() - clock) * 1000, 1)
        with contextlib.suppress(PlaywrightError):
            await context.close()
