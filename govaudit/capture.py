"""Screenshot evidence with Playwright: one page now, or a bounded batch of pages.

Design (measured on 2 cores): a new browser context per page costs about as
much as the capture itself, so isolation is per site: a site's contexts serve
only that site (cookies and storage never cross sites) and are reused from
page to page, then closed when the site is done. `concurrency` workers run
at once; a worker stays with one site while it has pages left (a warm cache,
one request at a time per server), then takes a site nobody works on.
Screenshots use Chromium's fast PNG encoder, and the scroll pass for lazy
content runs only on pages that watch scrolling or carry lazy-loading markers.
A failure becomes a record with its reason; the batch goes on.

A site's context logs in with the site's credentials (HTTP basic auth, for its
origin only). Unless private addresses are allowed, a page may load nothing from
a private address other than the pages asked for (see govaudit.netpolicy):
documents (navigations, frames, and every hop of their redirects) are paused
over CDP and such a request is failed before it is sent; a page whose other
requests (images, scripts, XHR) reached such an address is not captured.
Pausing only documents leaves the browser's cache on and costs a round trip
per frame, not per resource.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args
from urllib.parse import urlsplit

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
from govaudit.model import PageRef
from govaudit.netpolicy import AddressPolicy
from govaudit.urls import origin, origin_text, redact_record, redact_url, split_credentials
from govaudit.workspace import Workspace

if TYPE_CHECKING:
    from playwright.async_api import (
        Browser,
        BrowserContext,
        CDPSession,
        Page,
        Request,
        Response,
    )

    from govaudit.archive.recorder import ResponseRecorder
    from govaudit.archive.timestamps import TimestampResult

T = TypeVar("T")

WaitUntil = Literal["load", "domcontentloaded", "networkidle", "commit"]
WAIT_UNTIL: tuple[str, ...] = get_args(WaitUntil)
DEFAULT_VIEWPORT = "1366x768"
DEFAULT_MAX_HEIGHT = 15000  # CSS pixels: a 1366 px wide PNG this tall is ~80 MB in memory
# A taller page is captured in segments of max_height; pages beyond this are cut here.
MAX_PAGE_HEIGHT = 150_000
SCROLL_BUDGET_S = 5.0
IMAGE_WAIT_S = 3.0
ERROR_PAGE_WAIT_S = 2.0  # for the browser's own error page after a failed navigation


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

    def check(self) -> None:
        """Raise GovauditError for an option that cannot work."""
        self.viewport_size()
        if self.wait_until not in WAIT_UNTIL:
            raise OptionError("wait_until", f"{self.wait_until!r}: use one of "
                                f"{', '.join(WAIT_UNTIL)}")
        if self.timeout_s <= 0:
            raise OptionError("timeout_s", f"{self.timeout_s:g}: must be more than 0 seconds")
        if self.extra_wait_s < 0:
            raise OptionError("extra_wait_s", f"{self.extra_wait_s:g}: must be 0 or more")
        if self.max_height < 100:
            raise OptionError("max_height", f"{self.max_height}: must be at least 100 pixels")

    def viewport_size(self) -> tuple[int, int]:
        match = re.fullmatch(r"\s*(\d{2,5})\s*[xX×*]\s*(\d{2,5})\s*", self.viewport)
        if not match:
            raise OptionError("viewport", f"{self.viewport!r}: give WIDTHxHEIGHT, e.g. 1366x768")
        return int(match.group(1)), int(match.group(2))


# One page to capture, for a site (and an indicator/question when it is evidence for one):
# the same record as a page recorded for the site.
Target = PageRef


@dataclass
class CaptureRun:
    run: str
    records: list[dict[str, Any]] = field(default_factory=list)
    manifest: Path | None = None
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # why a site was not captured
    timestamp: TimestampResult | None = None  # the manifest's trusted timestamp, when asked

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r["error"]]

    @property
    def failed(self) -> int:
        return len(self.failures)


ProgressCallback = Callable[[int, int, int, dict[str, Any]], None]

# Scrolls through the page (bounded by height and time) so that lazy images and
# scroll-triggered content load, waits briefly for pending images, goes back to
# where the page was, and returns the page's size.
_SCROLL_JS = """
async ({maxHeight, budgetMs, imageWaitMs, scroll}) => {
  const t0 = performance.now();
  const size = () => {
    const d = document.documentElement, b = document.body;
    return {height: Math.max(d ? d.scrollHeight : 0, b ? b.scrollHeight : 0),
            width: Math.max(d ? d.scrollWidth : 0, b ? b.scrollWidth : 0),
            x: window.scrollX, y: window.scrollY, dpr: window.devicePixelRatio || 1,
            innerWidth: window.innerWidth, innerHeight: window.innerHeight};
  };
  const frame = () => new Promise(r => {
    let done = false; const go = () => { if (!done) { done = true; r(); } };
    requestAnimationFrame(() => requestAnimationFrame(go)); setTimeout(go, 100);
  });
  for (const el of document.querySelectorAll('img[loading=lazy], iframe[loading=lazy]')) {
    el.loading = 'eager';
  }
  // Scroll only where content can depend on it: a script watching scrolling or
  // intersections (see _WATCH_JS), lazy-loading markers, or a page not opened by us.
  const watch = window.__govauditScroll;
  const needed = !watch || watch.seen || !!(window.onscroll || document.onscroll ||
    (document.body && document.body.onscroll)) || !!document.querySelector(
    '[data-src],[data-original],[data-lazy],[data-lazy-src],[data-srcset],[data-bg],' +
    '[class*=lazy]');
  const startX = window.scrollX, startY = window.scrollY;
  if (scroll && needed) {
    const step = Math.max(200, window.innerHeight || 768);
    let y = 0;
    while (performance.now() - t0 < budgetMs) {
      const h = Math.min(size().height, maxHeight);
      if (y + step >= h) break;
      y += step;
      window.scrollTo(0, y);
      await frame();
    }
    window.scrollTo(startX, startY);
  }
  const pending = [...document.images].filter(i => !i.complete);
  if (pending.length) {
    await Promise.race([
      Promise.all(pending.map(i => new Promise(r => {
        i.addEventListener('load', r, {once: true}); i.addEventListener('error', r, {once: true});
      }))),
      new Promise(r => setTimeout(r, imageWaitMs)),
    ]);
  }
  return size();
}
"""

# Added to every page of a batch before its scripts run: notes whether the page
# listens for scrolling or observes intersections, i.e. may load content on scroll.
_WATCH_JS = """
(() => {
  const state = {seen: false};
  Object.defineProperty(window, '__govauditScroll', {value: state});
  const Observer = window.IntersectionObserver;
  if (Observer) {
    window.IntersectionObserver = new Proxy(Observer, {
      construct(target, args, newTarget) {
        state.seen = true;
        return Reflect.construct(target, args, newTarget);
      },
    });
  }
  const add = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (type, ...rest) {
    if ((type === 'scroll' || type === 'wheel') && (this === window || this === document ||
        this === document.documentElement || this === document.body)) {
      state.seen = true;
    }
    return add.call(this, type, ...rest);
  };
})();
"""

# What Playwright's animations="disabled" does, for the CDP screenshot below: finite
# animations and transitions jump to their end, infinite ones stop (and resume after).
_FREEZE_JS = """
() => {
  const held = [];
  for (const a of document.getAnimations()) {
    const end = a.effect ? a.effect.getComputedTiming().endTime : Infinity;
    try {
      if (Number.isFinite(end)) { a.finish(); } else { a.cancel(); held.push(a); }
    } catch (e) { try { a.cancel(); } catch (e2) {} }
  }
  window.__govauditHeld = held;
  const style = document.createElement('style');
  style.id = '__govaudit_caret';
  style.textContent = '*{caret-color:transparent !important}';
  (document.head || document.documentElement).appendChild(style);
}
"""
_THAW_JS = """
() => {
  for (const a of window.__govauditHeld || []) { try { a.play(); } catch (e) {} }
  delete window.__govauditHeld;
  const style = document.getElementById('__govaudit_caret');
  if (style) style.remove();
}
"""


# -- one page, whatever it shows now --------------------------------------------------------


async def _snapshot(page: Page, record: dict[str, Any], workspace: Workspace,
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
    size = await page.evaluate(_SCROLL_JS, {
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


# The element's box in page coordinates (CSS pixels), rounded to whole pixels.
_BOX_JS = """
(element) => {
  const r = element.getBoundingClientRect();
  return {x: Math.round(r.left + window.scrollX), y: Math.round(r.top + window.scrollY),
          width: Math.round(r.width), height: Math.round(r.height)};
}
"""


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
        record["box"] = await element.evaluate(_BOX_JS)
        return await element.screenshot(animations="disabled", scale="css", type="png",
                                        timeout=max(5.0, time_left()) * 1000)
    except PlaywrightError:
        record["box"] = None
        _add_error(record, f"selector {options.selector!r} matched no visible element; "
                           "captured the whole page instead")
        return None


async def _save_segments(page: Page, cdp: CDPSession | None, size: dict[str, Any],
                         record: dict[str, Any], workspace: Workspace, options: CaptureOptions,
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
    if options.full_page:
        clip = {"x": 0, "y": top, "width": max(size["width"], size["innerWidth"]),
                "height": max(1, height or min(size["height"], options.max_height))}
    else:
        clip = {"x": size["x"], "y": size["y"], "width": size["innerWidth"],
                "height": size["innerHeight"]}
    clip["scale"] = 1
    from playwright.async_api import Error as PlaywrightError

    seconds = max(5.0, time_left())
    await page.evaluate(_FREEZE_JS)
    try:
        shot = await asyncio.wait_for(cdp.send("Page.captureScreenshot", {
            "format": "png", "optimizeForSpeed": True, "captureBeyondViewport": options.full_page,
            "clip": clip}), seconds)
    except TimeoutError:
        raise CaptureError(f"the screenshot took longer than {seconds:.0f}s") from None
    finally:
        with contextlib.suppress(PlaywrightError):
            await page.evaluate(_THAW_JS)
    return base64.b64decode(shot["data"])


async def capture_open_page(page: Page, *, workspace: Workspace, site: str, indicator: str = "",
                            question: str = "", options: CaptureOptions | None = None,
                            run: str | None = None) -> dict[str, Any]:
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
        facts = await page.evaluate("""() => {
            const nav = performance.getEntriesByType('navigation')[0];
            return {ua: navigator.userAgent, status: nav ? (nav.responseStatus || 0) : 0};
        }""")
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
    return redact_record(record)


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


async def _response_facts(record: dict[str, Any], response: Response | None,
                          started: float) -> None:
    """The main document's response headers and timing, as the browser received them."""
    from playwright.async_api import Error as PlaywrightError

    timing: dict[str, Any] = {"elapsed_ms": int((time.monotonic() - started) * 1000)}
    if response is not None:
        with contextlib.suppress(PlaywrightError):
            record["headers"] = [[h["name"], h["value"]]
                                 for h in await response.headers_array()]
        phases = response.request.timing  # ms after startTime; -1 for a phase not seen
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


async def _failed_load_evidence(page: Page, workspace: Workspace, record: dict[str, Any],
                                committed: list[str], blank: bool, seconds: float) -> None:
    """A screenshot of what the browser shows for a page that did not load.

    Only when it shows this visit (its error page, or a tab that showed nothing
    before): never the previous page of a reused tab. A screenshot that cannot
    be taken is noted; it never fails the capture further.
    """
    from playwright.async_api import Error as PlaywrightError

    waited = 0.0
    while not committed and record["failure"] != "timeout" and waited < ERROR_PAGE_WAIT_S:
        await asyncio.sleep(0.05)  # the browser's error page commits just after the failure
        waited += 0.05
    if not (committed or blank):  # the tab still shows the site's previous page
        return
    # a navigation still waiting for its answer holds the screenshot back: stop it
    with contextlib.suppress(PlaywrightError, TimeoutError):
        await asyncio.wait_for(page.evaluate("window.stop()"), 5.0)
    try:
        png = await page.screenshot(type="png", animations="disabled", scale="css",
                                    timeout=max(5.0, min(10.0, seconds)) * 1000)
        await asyncio.to_thread(save_file, workspace, record, "png", ".png", png,
                                url_label(record["requested_url"]) + "-failed")
    except (PlaywrightError, OSError, GovauditError, TimeoutError) as exc:
        _add_error(record, f"no screenshot: {_message(exc)}")


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
                await context.add_init_script(_WATCH_JS)
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


async def _quietly(awaitable: Any) -> None:
    from playwright.async_api import Error as PlaywrightError

    with contextlib.suppress(PlaywrightError):
        await awaitable


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
    return asyncio.run(_quiet_when_driver_stops(arun_captures(
        workspace, targets, options, concurrency=concurrency, on_progress=on_progress,
        headed=headed, browser_path=browser_path, cdp_endpoint=cdp_endpoint,
        browser_endpoint=browser_endpoint, run=run, store=store)))


async def _quiet_when_driver_stops(work: Awaitable[T]) -> T:
    """Await `work` in a loop that does not log Playwright's driver stopping under it.

    Ctrl-C in a terminal reaches the whole process group: Playwright's driver
    stops with us, and the futures left waiting for it would each be logged as
    "Future exception was never retrieved" after the batch has been stopped and
    its captures kept. Whatever else the loop reports is reported as before.
    """
    loop = asyncio.get_running_loop()

    def report(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if (str(context.get("message", "")).startswith("Future exception was never retrieved")
                and "Connection closed" in str(context.get("exception", ""))):
            return
        loop.default_exception_handler(context)

    loop.set_exception_handler(report)
    return await work


def build_targets(workspace: Workspace, *, sites: list[str] | None = None, url: str | None = None,
                  indicator: str = "", question: str = "",
                  skipped: list[str] | None = None) -> list[Target]:
    """What `govaudit evidence` captures.

    With `url`: that one page for the named site (or the site whose address
    has the same host). Otherwise each site's home page and every page
    recorded for it; with an indicator or question, only the pages recorded
    for it, or the home page where none is.
    """
    from govaudit.sites import check_url, web_address
    from govaudit.store import Store, iter_sites

    checklist = workspace.checklist
    if question:
        q = checklist.question(question)
        if q is None:
            raise GovauditError(f"unknown question {question!r} in checklist {checklist.id}")
        if indicator and indicator != q.indicator_id:
            raise GovauditError(f"question {question} belongs to indicator {q.indicator_id}, "
                                f"not {indicator}")
        indicator = q.indicator_id
    if indicator and checklist.indicator(indicator) is None:
        raise GovauditError(f"unknown indicator {indicator!r} in checklist {checklist.id}")
    store = Store(workspace)
    if url:
        reason = check_url(url)
        if reason:
            raise GovauditError(f"--url: {reason}")
        return [Target(_site_for_url(store, sites, url), url, indicator, question)]
    targets: list[Target] = []
    for site in iter_sites(store, sites):
        reason = web_address(site)
        if reason:
            if skipped is not None:
                skipped.append(reason)
            continue
        pages = store.pages(site.name)
        if indicator:
            pages = [p for p in pages if p.indicator == indicator
                     and (not question or p.question == question)]
            if not pages:
                targets.append(Target(site.name, site.url, indicator, question))
        else:
            targets.append(Target(site.name, site.url))
        targets.extend(Target(site.name, p.url, p.indicator, p.question) for p in pages)
    return list(dict.fromkeys(targets))


def _site_for_url(store: Any, sites: list[str] | None, url: str) -> str:
    if sites:
        if len(sites) > 1:
            raise GovauditError("--url captures one page: give one --site")
        return store.site(sites[0]).name
    host = urlsplit(url).hostname
    matches = [s.name for s in store.sites() if urlsplit(s.url).hostname == host]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise GovauditError(f"--url {url}: no site has the host {host}; name one with --site")
    raise GovauditError(f"--url {url}: sites {', '.join(matches)} share its host; "
                        "name one with --site")
