"""Capture of one page: what a page shows now, as PNG, inert HTML and MHTML.

Also the reasons for a page that did not load, and the evidence kept of it.
The in-page scripts are the package's js/*.js files.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import time
from collections.abc import Awaitable, Callable
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit

from govaudit.capture.options import (
    IMAGE_WAIT_S,
    MAX_PAGE_HEIGHT,
    SCROLL_BUDGET_S,
    CaptureError,
    CaptureOptions,
)
from govaudit.evidence import (
    EvidenceFolder,
    finished,
    new_record,
    new_run_id,
    save_file,
    url_label,
)
from govaudit.model import Evidence

if TYPE_CHECKING:
    from playwright.async_api import CDPSession, Page, Response


@cache
def script(name: str) -> str:
    """The in-page JavaScript of js/`name`.js."""
    return (files(__package__) / "js" / f"{name}.js").read_text(encoding="utf-8")


# -- one page, whatever it shows now --------------------------------------------------------


async def _snapshot(page: Page, record: dict[str, Any], workspace: EvidenceFolder,
                    options: CaptureOptions, cdp: CDPSession | None,
                    time_left: Callable[[], float]) -> None:
    """PNG, inert HTML and MHTML of what `page` shows now; fills the record's files and facts."""
    from playwright.async_api import Error as PlaywrightError

    record["final_url"] = page.url
    try:
        record["title"] = await page.title()
    except PlaywrightError:
        record["title"] = ""
    label = url_label(record["requested_url"] or page.url)
    size = await page.evaluate(script("scroll"), {
        "maxHeight": MAX_PAGE_HEIGHT, "budgetMs": int(SCROLL_BUDGET_S * 1000),
        "imageWaitMs": int(IMAGE_WAIT_S * 1000), "scroll": options.scroll and options.full_page})
    png: bytes | None = None
    if options.selector:
        png = await _element_png(page, record, options, time_left)
    if png is None and options.full_page and size["height"] > options.max_height:
        await _save_segments(page, cdp, size, record, workspace, options, time_left, label)
    else:
        if png is None:
            png = await _page_png(page, cdp, size, options, time_left)
        await asyncio.to_thread(save_file, workspace, record, "png", ".png", png, label)
    if options.html:
        from govaudit.inert_html import MAX_STYLESHEETS, STYLESHEETS_JS, render_inert

        await _mark_for_the_page_model(page)
        html = await page.content()
        try:
            stylesheets = await page.evaluate(STYLESHEETS_JS, MAX_STYLESHEETS)
        except PlaywrightError:
            stylesheets = {}  # the page without its site's stylesheets is still the evidence
        data = await asyncio.to_thread(render_inert, html, stylesheets)
        entry = await asyncio.to_thread(save_file, workspace, record, "html", ".html", data,
                                        label)
        entry["inert"] = True  # a rendering that runs nothing; the MHTML is the faithful copy
    if options.mhtml and cdp is not None:
        try:
            snapshot = await cdp.send("Page.captureSnapshot", {"format": "mhtml"})
        except PlaywrightError as exc:
            _add_error(record, f"MHTML snapshot failed: {_message(exc)}")
        else:
            await asyncio.to_thread(save_file, workspace, record, "mhtml", ".mhtml",
                                    snapshot["data"].encode("utf-8"), label)



async def _mark_for_the_page_model(page: Page) -> None:
    """Mark what a reader does not see, and number the frames, as the page model's capture
    contract does (govaudit.page.capture.CAPTURE_SCRIPT), so that the HTML snapshot taken
    next carries the marks and `check` reads it with its visibility (govaudit.probes.rendered).
    A page that refuses the script is kept unmarked."""
    from playwright.async_api import Error as PlaywrightError

    from govaudit.page.capture import CAPTURE_SCRIPT

    with contextlib.suppress(PlaywrightError):
        await page.evaluate(CAPTURE_SCRIPT)


async def _element_png(page: Page, record: dict[str, Any], options: CaptureOptions,
                       time_left: Callable[[], float]) -> bytes | None:
    """The first visible element `options.selector` matches, as PNG; None when there is none.

    Records the selector, and the element's box in the page where it was found.
    """
    from playwright.async_api import Error as PlaywrightError

    record["selector"] = options.selector
    element = page.locator(options.selector).first
    try:
        await element.wait_for(state="visible", timeout=min(5.0, time_left()) * 1000)
        record["box"] = await element.evaluate(script("box"))
        return await element.screenshot(animations="disabled", scale="css", type="png",
                                        timeout=max(5.0, time_left()) * 1000)
    except PlaywrightError:
        record["box"] = None
        _add_error(record, f"selector {options.selector!r} matched no visible element; "
                           "captured the whole page instead")
        return None


async def _save_segments(page: Page, cdp: CDPSession | None, size: dict[str, Any],
                         record: dict[str, Any], workspace: EvidenceFolder, options: CaptureOptions,
                         time_left: Callable[[], float], label: str) -> None:
    """A page taller than max_height as numbered PNG segments, top to bottom, one at a time.

    Each is written before the next is taken (memory stays at one segment), and its
    file entry says where it sits: `segment` (from 1), `offset` and `height` in CSS
    pixels. A page taller than MAX_PAGE_HEIGHT is cut there (`capped_height`).
    """
    height = size["height"]
    if height > MAX_PAGE_HEIGHT:
        record["capped_height"] = height = MAX_PAGE_HEIGHT
    for number, top in enumerate(range(0, height, options.max_height), start=1):
        part = min(options.max_height, height - top)
        png = await _page_png(page, cdp, size, options, time_left, top=top, height=part)
        entry = await asyncio.to_thread(save_file, workspace, record, "png",
                                        f".{number:02d}.png", png, label)
        entry.update(segment=number, offset=top, height=part)
        del png


T = TypeVar("T")
NO_FRAME_ATTEMPTS = 4  # screenshots asked for while Chromium has no frame to give
NOT_YET = ("Unable to capture screenshot", "Not attached to an active page")


async def _page_png(page: Page, cdp: CDPSession | None, size: dict[str, Any],
                    options: CaptureOptions, time_left: Callable[[], float], *, top: int = 0,
                    height: int | None = None) -> bytes:
    """The page (whole, up to the cap, or the visible window) as PNG, one pixel per CSS pixel.

    With `top` and `height`: that band of the full page (a segment of a tall one).

    Over CDP with Chromium's fast PNG encoder (optimizeForSpeed): lossless like
    Playwright's screenshot, about twice as fast on a long page, files ~20% larger.
    """
    if cdp is None or options.device or size["dpr"] != 1:
        # mobile emulation zooms the visual viewport: leave the geometry to Playwright
        shot: dict[str, Any] = {"animations": "disabled", "scale": "css", "type": "png",
                                "timeout": max(5.0, time_left()) * 1000}
        if height is not None:
            width = max(size["width"], size["innerWidth"])
            return await page.screenshot(full_page=True, clip={
                "x": 0, "y": top, "width": width, "height": height}, **shot)
        return await page.screenshot(full_page=options.full_page, **shot)
    from playwright.async_api import Error as PlaywrightError

    seconds = max(5.0, time_left())
    # the width once animations have stopped: a spinning element's box can widen the page
    # by a few pixels at the moment scroll.js measured it
    frozen_width = await page.evaluate(script("freeze"))
    if options.full_page:
        clip = {"x": 0, "y": top, "width": max(frozen_width, size["innerWidth"]),
                "height": max(1, height or min(size["height"], options.max_height))}
    else:
        clip = {"x": size["x"], "y": size["y"], "width": size["innerWidth"],
                "height": size["innerHeight"]}
    clip["scale"] = 1
    request = {"format": "png", "optimizeForSpeed": True,
               "captureBeyondViewport": options.full_page, "clip": clip}
    try:
        return await _cdp_png(cdp, request, seconds)
    finally:
        with contextlib.suppress(PlaywrightError):
            await page.evaluate(script("thaw"))


async def _cdp_png(cdp: CDPSession, request: dict[str, Any], seconds: float) -> bytes:
    """Page.captureScreenshot within `seconds`, asked again while Chromium has no frame."""
    try:
        shot = await when_painted(
            lambda: asyncio.wait_for(cdp.send("Page.captureScreenshot", request), seconds))
    except TimeoutError:
        raise CaptureError(f"the screenshot took longer than {seconds:.0f}s") from None
    return base64.b64decode(shot["data"])


async def when_painted(take: Callable[[], Awaitable[T]]) -> T:
    """`take()`, a screenshot, asked again while Chromium has no frame to give: none painted
    yet (a window just opened or brought to front, a busy machine), or a page between two
    processes (the browser's error page just committed)."""
    from playwright.async_api import Error as PlaywrightError

    for attempt in range(1, NO_FRAME_ATTEMPTS):
        try:
            return await take()
        except PlaywrightError as exc:
            if not any(text in str(exc) for text in NOT_YET):
                raise
            await asyncio.sleep(0.5 * attempt)
    return await take()


async def capture_open_page(page: Page, *, workspace: EvidenceFolder, site: str,
                            indicator: str = "", question: str = "",
                            options: CaptureOptions | None = None,
                            run: str | None = None) -> Evidence:
    """Capture what an already-open page shows now (no navigation): PNG + HTML + MHTML.

    Used for the page an evaluator navigated to by hand. Returns the evidence
    record; it is not stored (see govaudit.evidence.store_records). A failure
    is returned as the record's `error`, not raised.
    """
    from playwright.async_api import Error as PlaywrightError

    options = options or CaptureOptions()
    started = time.monotonic()
    record = new_record(run=run or new_run_id(), site=site, indicator=indicator,
                        question=question, requested_url=page.url)
    viewport = page.viewport_size
    record["viewport"] = f"{viewport['width']}x{viewport['height']}" if viewport else ""
    record["device"] = options.device
    browser = page.context.browser
    record["browser"] = f"Chromium {browser.version}" if browser else ""
    cdp: CDPSession | None = None
    deadline = started + options.timeout_s

    def time_left() -> float:
        return max(1.0, deadline - time.monotonic())

    try:
        facts = await page.evaluate(script("facts"))
        record["user_agent"] = facts["ua"]
        record["status"] = facts["status"] or None
        if options.mhtml:
            cdp = await page.context.new_cdp_session(page)
        await _snapshot(page, record, workspace, options, cdp, time_left)
    except PlaywrightError as exc:
        _add_error(record, f"capture failed: {_message(exc)}")
    finally:
        if cdp is not None:
            await _quietly(cdp.detach())
    if record["status"] and record["status"] >= 400 and not record["error"]:
        record["error"] = f"HTTP {record['status']}"
    record["duration_ms"] = int((time.monotonic() - started) * 1000)
    return finished(record)



# -- failure reasons ------------------------------------------------------------------------

_NET_REASONS = {
    "ERR_NAME_NOT_RESOLVED": "DNS lookup failed: no such host {host}",
    "ERR_NAME_RESOLUTION_FAILED": "DNS lookup failed for {host}",
    "ERR_CONNECTION_REFUSED": "connection refused by {host}",
    "ERR_CONNECTION_RESET": "connection reset by {host}",
    "ERR_CONNECTION_CLOSED": "connection closed by {host}",
    "ERR_CONNECTION_TIMED_OUT": "connection to {host} timed out",
    "ERR_TIMED_OUT": "connection to {host} timed out",
    "ERR_ADDRESS_UNREACHABLE": "{host} is unreachable",
    "ERR_INTERNET_DISCONNECTED": "no network connection",
    "ERR_EMPTY_RESPONSE": "{host} closed the connection without answering",
    "ERR_TOO_MANY_REDIRECTS": "too many redirects",
    "ERR_INVALID_RESPONSE": "{host} sent an invalid response",
    "ERR_BLOCKED_BY_RESPONSE": "the page refused to be shown (blocked by its response headers)",
    "ERR_UNSAFE_PORT": "the browser refuses to open this port",
}


def describe_failure(exc: BaseException, url: str, options: CaptureOptions) -> str:
    """A short reason for a failed navigation, for the record and the summary."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    host = urlsplit(url).hostname or url
    if isinstance(exc, PlaywrightTimeout | TimeoutError):
        return f"timed out after {options.timeout_s:g}s waiting for '{options.wait_until}'"
    text = _message(exc)
    if "Download is starting" in text:
        return "the URL starts a download instead of showing a page"
    match = re.search(r"net::(ERR_[A-Z_0-9]+)", text)
    if match:
        code = match.group(1)
        if code.startswith(("ERR_CERT_", "ERR_SSL_", "ERR_BAD_SSL")):
            return f"TLS error: {code} for {host}"
        reason = _NET_REASONS.get(code)
        return f"{reason.format(host=host)} ({code})" if reason else f"network error {code}"
    return text


def _message(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _add_error(record: dict[str, Any], reason: str) -> None:
    record["error"] = f"{record['error']}; {reason}" if record["error"] else reason



# -- failed loads -------------------------------------------------------------------------


async def _response_facts(record: dict[str, Any], response: Response | None,
                          started: float) -> None:
    """The main document's response headers and timing, as the browser received them."""
    from playwright.async_api import Error as PlaywrightError

    timing: dict[str, Any] = {"elapsed_ms": int((time.monotonic() - started) * 1000)}
    if response is not None:
        with contextlib.suppress(PlaywrightError):
            record["headers"] = [[h["name"], h["value"]]
                                 for h in await response.headers_array()]
        # ms after startTime; -1 for a phase not seen
        phases = cast("dict[str, float]", response.request.timing)
        timing.update({k: round(v, 1) for k, v in phases.items()
                       if k != "startTime" and v >= 0})
    record["timing"] = timing


def failure_kind(reason: str) -> str:
    """What kept a page from loading, from its reason: timeout, tls, download or network."""
    if reason.startswith("timed out"):
        return "timeout"
    if reason.startswith("TLS error"):
        return "tls"
    if "download" in reason:
        return "download"
    return "network"


async def screen_png(cdp: CDPSession, seconds: float = 10.0) -> bytes:
    """What the window shows now, as PNG: over CDP, so that a page still loading, or the
    browser's own error page, does not hold it back."""
    return await _cdp_png(cdp, {"format": "png"}, seconds)


async def _quietly(awaitable: Any) -> None:
    from playwright.async_api import Error as PlaywrightError

    with contextlib.suppress(PlaywrightError):
        await awaitable


