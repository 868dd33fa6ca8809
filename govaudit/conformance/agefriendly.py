"""适老化: MIIT's 《互联网网站适老化通用设计规范》 (2021) checked in the browser.

Zoom not blocked (the viewport meta), line spacing of main text of at least 1.3, no pop-ups or
floating windows in the age-friendly version, the main navigation reachable with Tab alone and
its focus visible, and a font-size control that really enlarges the text.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from selectolax.lexbor import LexborHTMLParser

from govaudit.conformance.evidence import Evidence
from govaudit.conformance.scripts import script

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

MIN_LINE_SPACING = 1.3  # 规范: line spacing of at least 1.3 times the font size
MIN_MAXIMUM_SCALE = 2.0  # a maximum-scale below 2 stops text from being doubled (WCAG 1.4.4)
LINE_SPACING_TOLERANCE = 0.005  # rounding of computed pixel values
SHORT_FAIL_SHARE = 0.05  # share of measured main-text characters allowed below the line
MAIN_TEXT_MIN_CHARS = 20  # an element's own text, to count as a block of main text
FLOATING_MIN_SHARE = 0.01  # a fixed element smaller than 1% of the viewport is a control
MOVE_WAIT = 0.6  # seconds between two looks for moving windows (飘窗)
# How long a control out of view or under another element is tried: long enough for a moving
# window to pass over it, short of waiting out a pop-up that stays (then it cannot be used).
COVERED_CLICK_WAIT = 1.5
MAX_TABS = 60  # Tab presses to reach the main navigation
TAB_BATCH = 8  # presses sent before looking again, once the guess of how many fell short
ENLARGED = 1.05  # text at least 5% larger after the control counts as enlarged
MAX_BLOCKS = 200  # blocks of main text measured for line spacing
FONT_SAMPLE = 40  # blocks of main text measured before and after the font-size control

# the in-page scripts of one facts pass: js/facts.js and the parts it calls
FACT_SCRIPTS = ("facts", "floating", "main_text", "nav_links", "font_controls", "tabs", "focused")


def facts_argument(**parts: Any) -> dict[str, Any]:
    """The argument of js/facts.js asking for `parts`."""
    return {"minChars": MAIN_TEXT_MIN_CHARS, "limit": MAX_BLOCKS, **parts}


async def read_facts(page: Page, **parts: Any) -> dict[str, Any]:
    """The parts of js/facts.js asked for, in one call into the page."""
    facts: dict[str, Any] = await page.evaluate(script(*FACT_SCRIPTS), facts_argument(**parts))
    return facts


@dataclass(frozen=True)
class ZoomFinding:
    page_url: str
    viewport: str | None  # the viewport meta's content, None without one
    user_scalable_no: bool
    maximum_scale: float | None
    evidence: tuple[Evidence, ...]

    @property
    def passed(self) -> bool:
        """Zoom is allowed: no user-scalable=no and no maximum-scale below 2."""
        return not self.user_scalable_no and not (
            self.maximum_scale is not None and self.maximum_scale < MIN_MAXIMUM_SCALE)


def check_zoom(html: str, page_url: str) -> ZoomFinding:
    """Read `<meta name=viewport>` (the last one wins, as in browsers)."""
    tree = LexborHTMLParser(html)
    metas = [m for m in tree.css("meta[name]")
             if (m.attributes.get("name") or "").strip().lower() == "viewport"]
    return zoom_of_viewport(metas[-1].attributes.get("content") or "" if metas else None,
                            page_url)


def zoom_of_viewport(content: str | None, page_url: str) -> ZoomFinding:
    """Judge the viewport meta's content (None: the page has none)."""
    if content is None:
        return ZoomFinding(page_url, None, False, None, ())
    values = {k.strip().lower(): v.strip().lower() for k, _, v in
              (part.partition("=") for part in re.split(r"[,;]", content)) if k.strip()}
    scalable = values.get("user-scalable")
    no_zoom = scalable in ("no", "0") or (scalable is not None and _number(scalable) == 0)
    maximum = _number(values.get("maximum-scale", ""))
    return ZoomFinding(page_url, content, no_zoom, maximum,
                       (Evidence(page_url, 'meta[name="viewport"]', None, content),))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class TextBlock:
    evidence: Evidence  # the element, its box, its first characters
    chars: int
    font_size: float  # computed, px
    line_height: float  # computed, px ("normal" measured in the page)
    normal: bool  # line-height: normal
    rendered: float  # height of one character's box, px (reflects zoom and transforms)

    @property
    def spacing(self) -> float:
        return self.line_height / self.font_size if self.font_size else 0.0


@dataclass(frozen=True)
class LineSpacingFinding:
    page_url: str
    root: str  # selector of the main region measured
    blocks: tuple[TextBlock, ...]
    measured_chars: int

    @property
    def too_tight(self) -> tuple[TextBlock, ...]:
        return tuple(b for b in self.blocks
                     if b.spacing < MIN_LINE_SPACING - LINE_SPACING_TOLERANCE)

    @property
    def passed(self) -> bool | None:
        """At most 5% of the main text's characters in blocks spaced below 1.3; None when no
        main text was found."""
        if not self.blocks:
            return None
        total = sum(b.chars for b in self.blocks)
        return sum(b.chars for b in self.too_tight) <= SHORT_FAIL_SHARE * total

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(b.evidence for b in self.too_tight)


def text_blocks(page_url: str, raw: list[dict[str, Any]]) -> tuple[TextBlock, ...]:
    return tuple(TextBlock(Evidence.from_js(page_url, b), int(b["chars"]), float(b["fontSize"]),
                           float(b["lineHeight"]), bool(b["normal"]), float(b["rendered"]))
                 for b in raw)


def line_spacing_of(page_url: str, text: dict[str, Any]) -> LineSpacingFinding:
    """The finding from main_text.js's answer."""
    return LineSpacingFinding(page_url, str(text["root"]), text_blocks(page_url, text["blocks"]),
                              int(text["measured"]))


async def check_line_spacing(page: Page) -> LineSpacingFinding:
    """Computed line spacing (line-height / font-size) of the main text's blocks."""
    return line_spacing_of(page.url, (await read_facts(page, text=True))["text"])


@dataclass(frozen=True)
class OverlayItem:
    evidence: Evidence
    kind: str  # "popup", "floating", "moving" (a 飘窗), "bar" or "control"
    position: str  # CSS position


@dataclass(frozen=True)
class FloatingFinding:
    """Pop-ups and floating windows: none may show in the age-friendly version."""

    page_url: str
    items: tuple[OverlayItem, ...]

    @property
    def offending(self) -> tuple[OverlayItem, ...]:
        return tuple(i for i in self.items if i.kind in ("popup", "floating", "moving"))

    @property
    def passed(self) -> bool:
        return not self.offending

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(i.evidence for i in self.offending)


def _overlay_kind(item: dict[str, Any], moved: bool) -> str:
    if item["dialog"] or item["share"] >= 0.25:
        return "popup"
    if moved:
        return "moving"
    if item["fullWidth"] and item["atEdge"] and item["share"] <= 0.2:
        return "bar"  # a header, toolbar or footer bar across the page
    if item["share"] < FLOATING_MIN_SHARE:
        return "control"  # a back-to-top button and the like
    return "floating"


def load_look_script() -> str:
    """The init script that takes the first look at the floating elements when a page has
    loaded (js/floating_at_load.js)."""
    return f"({script('floating_at_load', 'floating')})(null);"


def floating_of(page_url: str, first: dict[str, Any], second: dict[str, Any]) -> FloatingFinding:
    """The finding from two looks of floating.js: what the second saw, each item moved or not
    since the first against what it is positioned by (not judged when the page scrolled in
    between, nor for an item that a finite animation was moving at the first look)."""
    before = {i["id"]: i for i in first["items"]}
    scrolled = first["scrollY"] != second["scrollY"]
    items = []
    for item in second["items"]:
        old = before.get(item["id"])
        moved = (not scrolled and old is not None and not old["animating"]
                 and item["position"] != "sticky"
                 and any(abs(old["place"][k] - item["place"][k]) > 2 for k in ("x", "y")))
        items.append(OverlayItem(Evidence.from_js(page_url, item),
                                 _overlay_kind(item, moved), item["position"]))
    return FloatingFinding(page_url, tuple(items))


async def check_floating(page: Page, wait: float = MOVE_WAIT) -> FloatingFinding:
    """Fixed, sticky and raised elements over the page, looked at twice, `wait` seconds apart:
    one that moved in the viewport meanwhile is a moving window (飘窗)."""
    first = (await read_facts(page, floating=True))["floating"]
    await asyncio.sleep(wait)
    second = (await read_facts(page, floating=True))["floating"]
    return floating_of(page.url, first, second)


@dataclass(frozen=True)
class FocusStop:
    evidence: Evidence
    in_nav: bool
    visible: bool  # an outline, a box-shadow or another change of look while focused
    changes: tuple[str, ...]


@dataclass(frozen=True)
class KeyboardFinding:
    page_url: str
    nav: Evidence | None  # the main navigation found (None: no navigation found)
    nav_links: int
    stops: tuple[FocusStop, ...]  # every Tab stop until the navigation was reached

    @property
    def reached_at(self) -> int | None:
        """The number of Tab presses that first reached the navigation."""
        return next((i + 1 for i, s in enumerate(self.stops) if s.in_nav), None)

    @property
    def focus_visible(self) -> bool:
        return all(s.visible for s in self.stops if s.in_nav)

    @property
    def passed(self) -> bool | None:
        """Reached by Tab and shown focused; None when the page has no navigation to find."""
        if self.nav is None:
            return None
        return self.reached_at is not None and self.focus_visible

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        shown = [s.evidence for s in self.stops if s.in_nav]
        return tuple(([self.nav] if self.nav else []) + shown)


async def check_keyboard(page: Page, nav_selector: str | None = None, max_tabs: int = MAX_TABS,
                         nav_stops: int = 3) -> KeyboardFinding:
    """Press Tab from the top of the page until the main navigation has the focus (up to
    `max_tabs`), then over `nav_stops` of its links, comparing each focused link's look with
    its unfocused look. The page gets its scroll position back, without the focus."""
    found = (await read_facts(page, nav=nav_selector))["nav"]
    if not found:
        return KeyboardFinding(page.url, None, 0, ())
    await read_facts(page, tabs=True)
    return await tab_to_navigation(page, found, max_tabs, nav_stops)


async def tab_to_navigation(page: Page, found: dict[str, Any], max_tabs: int = MAX_TABS,
                            nav_stops: int = 3, stop: bool = True) -> KeyboardFinding:
    """The presses of `check_keyboard` once the navigation is `found` (nav_links.js) and the
    Tab record started (tabs.js): as many presses as should reach it sent at once, then a few
    more at a time until the stops say enough; `stop` ends the record."""
    tabs = script("tabs", "focused")
    guess = found.get("tabsToNav")
    # the first press only takes the focus out of the page (tabs.js), hence the one more
    target = min(max_tabs, guess + nav_stops - 1 if guess else max_tabs) + 1
    pressed, stops = 0, list[FocusStop]()
    presser = _TabPresser(page)
    try:
        while pressed <= max_tabs:
            count = max(1, target - pressed)
            await presser.press(count)
            pressed += count
            seen = await page.evaluate(tabs, {"action": "read"})
            if seen is None or len(seen) != pressed:
                # the page kept a keydown from its window (a frame took the focus, or a
                # handler stopped it): one press and one look at a time
                await page.evaluate(tabs, {"action": "start"})
                seen = []
                for _ in range(max_tabs + 1):
                    await presser.press(1)
                    seen.append(await page.evaluate(script("focused"), None))
                    stops, done = _focus_stops(page.url, seen, nav_stops)
                    if done:
                        break
                break
            stops, done = _focus_stops(page.url, seen, nav_stops)
            if done:
                break
            target = min(max_tabs + 1, pressed + TAB_BATCH)
    finally:
        await presser.close()
    if stop:
        await page.evaluate(tabs, {"action": "stop"})
    return KeyboardFinding(page.url, Evidence.from_js(page.url, found["nav"]),
                           len(found["links"]), tuple(stops))


_TAB = {"key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9, "nativeVirtualKeyCode": 9}


class _TabPresser:
    """Presses Tab in `page`: each press a key down and a key up, several presses sent at once
    over one DevTools session where the browser has them, one press at a time elsewhere."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.session: Any = None
        self.opened = False

    async def press(self, count: int) -> None:
        from playwright.async_api import Error as PlaywrightError

        if not self.opened:
            self.opened = True
            try:
                self.session = await self.page.context.new_cdp_session(self.page)
            except PlaywrightError:  # not Chromium
                self.session = None
        if self.session is None:
            for _ in range(count):
                await self.page.keyboard.press("Tab")
            return
        await asyncio.gather(*(self.session.send("Input.dispatchKeyEvent", {"type": kind, **_TAB})
                               for _ in range(count) for kind in ("rawKeyDown", "keyUp")))

    async def close(self) -> None:
        if self.session is not None:
            from playwright.async_api import Error as PlaywrightError

            with contextlib.suppress(PlaywrightError):
                await self.session.detach()


def _focus_stops(page_url: str, seen: list[dict[str, Any] | None],
                 nav_stops: int) -> tuple[list[FocusStop], bool]:
    """The stops of the presses so far (focused.js's answer after each), up to the one that
    ends the walk: `nav_stops` in the navigation, or the first after it; True once ended."""
    stops: list[FocusStop] = []
    in_nav = 0
    for now in seen:
        if now is None:
            continue
        visible = bool(now["outline"] or now["shadow"] or now["changed"])
        stop = FocusStop(Evidence.from_js(page_url, now), bool(now["inNav"]), visible,
                         tuple(now["changed"]))
        stops.append(stop)
        if stop.in_nav:
            in_nav += 1
            if in_nav >= nav_stops:
                return stops, True
        elif in_nav:
            return stops, True  # left the navigation
    return stops, False


@dataclass(frozen=True)
class FontControlFinding:
    page_url: str
    control: Evidence | None  # the control clicked (None: none found)
    size_before: float | None  # median computed font size of the main text, px
    size_after: float | None
    rendered_before: float | None  # median rendered character height, px
    rendered_after: float | None
    sample: tuple[Evidence, ...]

    @property
    def ratio(self) -> float | None:
        if not (self.size_before and self.size_after and self.rendered_before
                and self.rendered_after):
            return None
        return max(self.size_after / self.size_before,
                   self.rendered_after / self.rendered_before)

    @property
    def passed(self) -> bool:
        """A control was found and clicking it made the main text at least 5% larger."""
        return self.ratio is not None and self.ratio >= ENLARGED

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return ((self.control,) if self.control else ()) + self.sample


async def check_font_control(page: Page, control_selector: str | None = None,
                             settle: float = 0.3) -> FontControlFinding:
    """Click the page's enlarge-text control (or `control_selector`), measure the main text's
    computed and rendered size before and after, and undo what the click changed."""
    facts = await read_facts(page, text=True, controls=not control_selector)
    candidates = ([{"selector": control_selector, "value": "", "box": None}]
                  if control_selector else facts["controls"])
    return await try_font_control(page, candidates, facts["text"]["blocks"], settle)


async def try_font_control(page: Page, candidates: list[dict[str, Any]],
                           blocks: list[dict[str, Any]], settle: float = 0.3
                           ) -> FontControlFinding:
    """The work of `check_font_control` once the controls (font_controls.js) and the main
    text's blocks (main_text.js) are known. The text is measured in place, frame after frame
    for at most `settle` seconds; the click's changes to the document, the storages, the
    cookies and the scroll position are undone. A control that loads another page is measured
    there, and the browser goes back."""
    from playwright.async_api import Error as PlaywrightError

    before = text_blocks(page.url, blocks[:FONT_SAMPLE])
    if not candidates or not before:
        return _font_finding(page.url, None, before, ())
    url = page.url
    control = Evidence.from_js(url, candidates[0])
    change = script("font_change", "main_text", "tabs", "focused")
    measure = {"minChars": MAIN_TEXT_MIN_CHARS, "limit": FONT_SAMPLE}
    watch = await page.evaluate(change, {"action": "watch", "selector": control.selector,
                                         **measure})
    before = text_blocks(url, watch["before"]["blocks"])
    leaving: list[Any] = []  # the click started loading another document
    committed: list[Any] = []  # and it replaced this one

    def on_request(request: Any) -> None:
        if request.is_navigation_request() and request.frame == page.main_frame:
            leaving.append(request)

    def on_navigated(frame: Any) -> None:
        if frame == page.main_frame:
            committed.append(frame)

    page.on("request", on_request)
    page.on("framenavigated", on_navigated)
    try:
        try:
            if watch["point"]:  # in view and uncovered: no need to wait for it
                await page.mouse.click(watch["point"]["x"], watch["point"]["y"])
            else:
                await page.click(control.selector, timeout=COVERED_CLICK_WAIT * 1000)
        except PlaywrightError:
            await page.evaluate(change, {"action": "measure", "settleMs": 0, **measure})
            return _font_finding(url, control, before, ())
        try:
            done = await page.evaluate(change, {"action": "measure",
                                                "settleMs": settle * 1000, **measure})
        except PlaywrightError:  # the document went away while it was measured
            done = {"navigated": True}
    finally:
        page.remove_listener("request", on_request)
    if not done.get("navigated") and not leaving:
        page.remove_listener("framenavigated", on_navigated)
        await _restore_cookies(page.context, url, watch["cookie"], done["cookieNow"])
        return _font_finding(url, control, before, text_blocks(url, done["after"]["blocks"]))
    after: tuple[TextBlock, ...] = ()
    with contextlib.suppress(PlaywrightError):
        try:
            if not committed:
                await page.wait_for_event("framenavigated", lambda f: f == page.main_frame,
                                          timeout=10_000)
        finally:
            page.remove_listener("framenavigated", on_navigated)
        await page.wait_for_load_state("load", timeout=10_000)
        after = text_blocks(page.url, (await read_facts(page, text=True, limit=FONT_SAMPLE)
                                       )["text"]["blocks"])
        await _restore_cookies(page.context, url, watch["cookie"], await page.evaluate(
            "() => { try { return document.cookie; } catch (e) { return null; } }"))
    with contextlib.suppress(PlaywrightError):
        if page.url != url:
            await page.go_back(wait_until="load", timeout=10_000)
        if page.url != url:
            await page.goto(url, wait_until="load", timeout=10_000)
    return _font_finding(url, control, before, after)


def _font_finding(page_url: str, control: Evidence | None, before: tuple[TextBlock, ...],
                  after: tuple[TextBlock, ...]) -> FontControlFinding:
    return FontControlFinding(page_url, control, _median(b.font_size for b in before),
                              _median(b.font_size for b in after) if control else None,
                              _median(b.rendered for b in before),
                              _median(b.rendered for b in after) if control else None,
                              tuple(b.evidence for b in (after or before)[:3]))


def _cookie_pairs(header: str) -> dict[str, str]:
    pairs = (part.strip().partition("=") for part in header.split(";") if part.strip())
    return {name: value for name, _, value in pairs}


async def _restore_cookies(context: BrowserContext, url: str, before: str | None,
                           now: str | None) -> None:
    """Give back the cookies a script set or changed (`before` and `now`: document.cookie,
    None where the document has no cookies); the browser knows their domains and paths."""
    if before is None or now is None or before == now:
        return
    was, isnow = _cookie_pairs(before), _cookie_pairs(now)
    changed = {name for name, value in isnow.items() if was.get(name) != value}
    for cookie in await context.cookies(url):
        name = cookie.get("name", "")
        if name in changed and cookie.get("value") == isnow[name]:
            await context.clear_cookies(name=name, domain=cookie.get("domain"),
                                        path=cookie.get("path"))
            if name in was:
                restored: Any = {**cookie, "value": was[name]}
                await context.add_cookies([restored])
    gone = [{"name": name, "value": value, "url": url} for name, value in was.items()
            if name not in isnow]
    if gone:
        await context.add_cookies(gone)  # type: ignore[arg-type]


def _median(values: Any) -> float | None:
    values = list(values)
    return round(statistics.median(values), 2) if values else None

