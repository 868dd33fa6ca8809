"""适老化: MIIT's 《互联网网站适老化通用设计规范》 (2021) checked in the browser.

Zoom not blocked (the viewport meta), line spacing of main text of at least 1.3, no pop-ups or
floating windows in the age-friendly version, the main navigation reachable with Tab alone and
its focus visible, and a font-size control that really enlarges the text.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from selectolax.lexbor import LexborHTMLParser

from govaudit.conformance.evidence import Evidence
from govaudit.conformance.scripts import script

if TYPE_CHECKING:
    from playwright.async_api import Page

MIN_LINE_SPACING = 1.3  # 规范: line spacing of at least 1.3 times the font size
MIN_MAXIMUM_SCALE = 2.0  # a maximum-scale below 2 stops text from being doubled (WCAG 1.4.4)
LINE_SPACING_TOLERANCE = 0.005  # rounding of computed pixel values
SHORT_FAIL_SHARE = 0.05  # share of measured main-text characters allowed below the line
MAIN_TEXT_MIN_CHARS = 20  # an element's own text, to count as a block of main text
FLOATING_MIN_SHARE = 0.01  # a fixed element smaller than 1% of the viewport is a control
MOVE_WAIT = 0.6  # seconds between two looks for moving windows (飘窗)
MAX_TABS = 60  # Tab presses to reach the main navigation
ENLARGED = 1.05  # text at least 5% larger after the control counts as enlarged


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
    if not metas:
        return ZoomFinding(page_url, None, False, None, ())
    content = metas[-1].attributes.get("content") or ""
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


async def main_text(page: Page, limit: int = 200) -> tuple[str, tuple[TextBlock, ...], int]:
    raw = await page.evaluate(script("main_text"), {"minChars": MAIN_TEXT_MIN_CHARS,
                                                   "limit": limit})
    blocks = tuple(TextBlock(Evidence.from_js(page.url, b), int(b["chars"]),
                             float(b["fontSize"]), float(b["lineHeight"]), bool(b["normal"]),
                             float(b["rendered"])) for b in raw["blocks"])
    return str(raw["root"]), blocks, int(raw["measured"])


async def check_line_spacing(page: Page) -> LineSpacingFinding:
    """Computed line spacing (line-height / font-size) of the main text's blocks."""
    root, blocks, measured = await main_text(page)
    return LineSpacingFinding(page.url, root, blocks, measured)


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


async def check_floating(page: Page, wait: float = MOVE_WAIT,
                         meanwhile: Awaitable[Any] | None = None) -> FloatingFinding:
    """Fixed, sticky and raised elements over the page, looked at twice, at least `wait`
    seconds apart: one that moved in the viewport meanwhile is a moving window (飘窗).
    `meanwhile` (another check that leaves the page as it is) is awaited between the looks,
    so that the wait costs nothing when it takes longer."""
    first = await page.evaluate(script("floating"), {"remember": True})
    started = time.monotonic()
    if meanwhile is not None:
        await meanwhile
    await asyncio.sleep(max(0.0, wait - (time.monotonic() - started)))
    second = await page.evaluate(script("floating"), {"remember": True})
    before = {i["id"]: i["viewport"] for i in first["items"]}
    scrolled = first["scrollY"] != second["scrollY"]
    items = []
    for item in second["items"]:
        old = before.get(item["id"])
        moved = (not scrolled and old is not None and item["position"] != "sticky"
                 and any(abs(old[k] - item["viewport"][k]) > 2 for k in ("x", "y")))
        items.append(OverlayItem(Evidence.from_js(page.url, item),
                                 _overlay_kind(item, moved), item["position"]))
    return FloatingFinding(page.url, tuple(items))


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
    its unfocused look."""
    found = await page.evaluate(script("nav_links"), {"selector": nav_selector})
    if not found:
        return KeyboardFinding(page.url, None, 0, ())
    await page.evaluate("() => { document.activeElement && document.activeElement.blur(); "
                        "window.scrollTo(0, 0); }")
    stops: list[FocusStop] = []
    in_nav = 0
    for _ in range(max_tabs):
        await page.keyboard.press("Tab")
        now = await page.evaluate(script("focused"), None)
        if now is None:
            continue
        visible = bool(now["outline"] or now["shadow"] or now["changed"])
        stop = FocusStop(Evidence.from_js(page.url, now), bool(now["inNav"]), visible,
                         tuple(now["changed"]))
        stops.append(stop)
        if stop.in_nav:
            in_nav += 1
            if in_nav >= nav_stops:
                break
        elif in_nav:
            break  # left the navigation
    return KeyboardFinding(page.url, Evidence.from_js(page.url, found["nav"]),
                           len(found["links"]), tuple(stops))


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
    """Click the page's enlarge-text control (or `control_selector`) and measure the main
    text's computed and rendered size before and after."""
    if control_selector:
        candidates = [{"selector": control_selector, "value": "", "box": None}]
    else:
        candidates = await page.evaluate(script("font_controls"), None)
    _, before, _ = await main_text(page, limit=40)
    if not candidates or not before:
        return FontControlFinding(page.url, None, _median(b.font_size for b in before), None,
                                  _median(b.rendered for b in before), None,
                                  tuple(b.evidence for b in before[:3]))
    control = Evidence.from_js(page.url, candidates[0])
    from playwright.async_api import Error as PlaywrightError

    try:
        await page.click(control.selector, timeout=5000)
        await asyncio.sleep(settle)
        await page.wait_for_load_state("load", timeout=10_000)
        _, after, _ = await main_text(page, limit=40)
    except PlaywrightError:
        after = ()
    return FontControlFinding(page.url, control, _median(b.font_size for b in before),
                              _median(b.font_size for b in after),
                              _median(b.rendered for b in before),
                              _median(b.rendered for b in after),
                              tuple(b.evidence for b in (after or before)[:3]))


def _median(values: Any) -> float | None:
    values = list(values)
    return round(statistics.median(values), 2) if values else None

