"""What a capture is asked to do, and what a batch of captures gives back."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from govaudit.capture.memory import DEFAULT_MEMORY_LIMIT_MB
from govaudit.errors import OptionError
from govaudit.i18n import _
from govaudit.model import Evidence, PageRef

if TYPE_CHECKING:
    from playwright.async_api import Browser

    from govaudit.archive.timestamps import TimestampResult

WaitUntil = Literal["load", "domcontentloaded", "networkidle", "commit"]
WAIT_UNTIL: tuple[str, ...] = get_args(WaitUntil)
DEFAULT_VIEWPORT = "1366x768"
DEFAULT_MAX_HEIGHT = 15000  # CSS pixels: a 1366 px wide PNG this tall is ~80 MB in memory
# A taller page is captured in segments of max_height; pages beyond this are cut here.
MAX_PAGE_HEIGHT = 150_000
SCROLL_BUDGET_S = 5.0
IMAGE_WAIT_S = 3.0
ERROR_PAGE_WAIT_S = 2.0  # for the browser's own error page after a failed navigation
DEFAULT_MAX_DOWNLOAD_MB = 200.0  # a download a page starts is kept up to this size
MAX_CLIENT_HOPS = 5  # meta refreshes and script redirects followed after a page loaded


def default_concurrency() -> int:
    """Captures at once: Chromium's renderers use about one core per two busy pages."""
    return max(2, min(8, 2 * (os.cpu_count() or 2)))


class CaptureError(Exception):
    """A capture step that failed in a way Playwright does not report itself."""


@dataclass
class CaptureOptions:
    viewport: str = DEFAULT_VIEWPORT  # "WIDTHxHEIGHT"; a device brings its own
    device: str = ""  # a Playwright device name, e.g. "iPhone 13"
    full_page: bool = True
    timeout_s: float = 30.0
    wait_until: WaitUntil = "load"
    extra_wait_s: float = 0.0
    selector: str = ""  # capture one element, e.g. "#footer"
    max_height: int = DEFAULT_MAX_HEIGHT
    html: bool = True
    mhtml: bool = True
    scroll: bool = True  # scroll through the page first so lazy images load
    user_agent: str = ""  # "" keeps the browser's (with "HeadlessChrome" made "Chrome")
    locale: str = "zh-CN"
    timezone: str = "Asia/Shanghai"
    allow_private: bool = False  # let pages load from private addresses (see netpolicy)
    archive: bool = False  # also keep a WACZ web archive of what each page fetched
    max_download_mb: float = DEFAULT_MAX_DOWNLOAD_MB  # a bigger download is cut and deleted
    memory_limit_mb: int = DEFAULT_MEMORY_LIMIT_MB  # what one capture's page may hold

    def check(self) -> None:
        """Raise GovauditError for an option that cannot work."""
        self.viewport_size()
        if self.wait_until not in WAIT_UNTIL:
            raise OptionError("wait_until", _("{wait_until!r}: use one of {listed}").format(
                wait_until=self.wait_until, listed=', '.join(WAIT_UNTIL)))
        if self.timeout_s <= 0:
            raise OptionError("timeout_s", _("{timeout_s:g}: must be more than 0 seconds").format(
                timeout_s=self.timeout_s))
        if self.extra_wait_s < 0:
            raise OptionError("extra_wait_s", _("{extra_wait_s:g}: must be 0 or more").format(
                extra_wait_s=self.extra_wait_s))
        if self.max_height < 100:
            raise OptionError("max_height", _("{max_height}: must be at least 100 pixels").format(
                max_height=self.max_height))
        if self.max_download_mb <= 0:
            raise OptionError("max_download_mb", _(
                "{max_download_mb:g}: must be more than 0 MB").format(
                max_download_mb=self.max_download_mb))
        if self.memory_limit_mb < 32:
            raise OptionError("memory_limit_mb", _(
                "{memory_limit_mb}: must be at least 32 MB").format(
                memory_limit_mb=self.memory_limit_mb))

    def viewport_size(self) -> tuple[int, int]:
        match = re.fullmatch(r"\s*(\d{2,5})\s*[xX×*]\s*(\d{2,5})\s*", self.viewport)
        if not match:
            raise OptionError("viewport", _(
                "{viewport!r}: give WIDTHxHEIGHT, e.g. 1366x768").format(viewport=self.viewport))
        return int(match.group(1)), int(match.group(2))


# One page to capture, for a site (and an indicator/question when it is evidence for one):
# the same record as a page recorded for the site.
Target = PageRef


@dataclass
class CaptureRun:
    run: str
    records: list[Evidence] = field(default_factory=list)
    manifest: Path | None = None
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # why a site was not captured
    timestamp: TimestampResult | None = None  # the manifest's trusted timestamp, when asked

    @property
    def failures(self) -> list[Evidence]:
        """The captures that kept no page (see Evidence.failed); a page shown with an HTTP
        error status is a capture, of the site's failure."""
        return [r for r in self.records if r.failed]

    @property
    def failed(self) -> int:
        return len(self.failures)


# (done, total, failed, record): once with done 0 and no record when the run starts (the
# total known), then after each capture with its record
ProgressCallback = Callable[[int, int, int, Evidence | None], None]


async def browser_context_options(pw: Any, browser: Browser, options: CaptureOptions
                                  ) -> dict[str, Any]:
    """The new_context() settings of a capture: device or viewport, locale, user agent."""
    from playwright.async_api import Error as PlaywrightError

    from govaudit.browser import device_options

    context: dict[str, Any] = {
        "accept_downloads": True, "reduced_motion": "reduce", "service_workers": "block",
        "locale": options.locale, "timezone_id": options.timezone,
    }
    if options.device:
        context.update(device_options(pw, options.device))
    else:
        width, height = options.viewport_size()
        context["viewport"] = {"width": width, "height": height}
    if options.user_agent:
        context["user_agent"] = options.user_agent
    elif "user_agent" not in context:
        try:
            cdp = await browser.new_browser_cdp_session()
            agent = (await cdp.send("Browser.getVersion"))["userAgent"]
            await cdp.detach()
            # some sites turn away a browser that calls itself headless
            context["user_agent"] = agent.replace("HeadlessChrome/", "Chrome/")
        except PlaywrightError:
            pass
    return context

