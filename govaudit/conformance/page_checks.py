"""The browser checks of one loaded page run together, at the least cost: meant to run inside
a capture, on the page it opened, without loading it again.

A context prepared for them (`prepare_context`) loads axe-core with each page, takes the
first look at the floating elements when the page has loaded and from then on notes the
elements whose style or class changes. One pass gathers the facts of every 适老化 check (and
the first look, unless the page load took it), then axe-core runs, in one call; the second
look at the floating elements comes once the wait since the first is over (at once when no
floating element changed, nor an ancestor, nor runs an animation: none can have moved) and
starts the Tab record; the font-size control, which
changes the page, comes last and undoes what it changed.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govaudit.conformance.accessibility import (
    RUN_SCRIPT,
    AccessibilityReport,
    axe_init_script,
    check_accessibility,
    report_of_run,
    run_arguments,
)
from govaudit.conformance.agefriendly import (
    FACT_SCRIPTS,
    MOVE_WAIT,
    FloatingFinding,
    FontControlFinding,
    KeyboardFinding,
    LineSpacingFinding,
    ZoomFinding,
    facts_argument,
    floating_of,
    line_spacing_of,
    load_look_script,
    read_facts,
    tab_to_navigation,
    try_font_control,
    zoom_of_viewport,
)
from govaudit.conformance.scripts import script

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

__all__ = ["PageChecks", "check_page", "prepare_context"]


async def prepare_context(context: BrowserContext) -> None:
    """Make every page `context` opens ready for `check_page`: axe-core is loaded with it
    (compiled with the page, not sent again for each check) and the floating elements are
    looked at once it has loaded. Optional: without it, the check loads axe-core itself and
    looks twice, a wait apart."""
    await context.add_init_script(script=f"{axe_init_script()}\n{load_look_script()}")


@dataclass(frozen=True)
class PageChecks:
    accessibility: AccessibilityReport
    zoom: ZoomFinding
    line_spacing: LineSpacingFinding
    floating: FloatingFinding
    keyboard: KeyboardFinding
    font_control: FontControlFinding


async def facts_and_accessibility(page: Page, up_to: str) -> tuple[dict[str, Any],
                                                                   AccessibilityReport]:
    """The facts pass (the first look at the floating elements the earlier one), then
    accessibility, in one call into the page (two more when axe-core did not come with it)."""
    levels, run = run_arguments(up_to)
    first = await page.evaluate(script("checks", *FACT_SCRIPTS, *RUN_SCRIPT), {
        "facts": facts_argument(floating="earlier", viewport=True, text=True, nav=None,
                                controls=True),
        "axe": run})
    if first["axe"] is None:
        return first["facts"], await check_accessibility(page, up_to)
    return first["facts"], report_of_run(first["axe"], page.url, levels)


async def check_page(page: Page, up_to: str = "二级") -> PageChecks:
    """Accessibility (GB/T levels up to `up_to`) and every 适老化 check on the loaded `page`."""
    facts, accessibility = await facts_and_accessibility(page, up_to)
    if facts["floating"].get("stirring", -1) != 0:
        # something over the page may be moving: the second look comes after the wait
        looked = time.monotonic() - facts["floating"]["age"] / 1000
        await asyncio.sleep(max(0.0, MOVE_WAIT - (time.monotonic() - looked)))
    nav = facts["nav"]
    second = await read_facts(page, floating=True, tabs=nav is not None)
    text = facts["text"]
    clicks = bool(facts["controls"] and text["blocks"])
    keyboard = (await tab_to_navigation(page, nav, stop=not clicks) if nav
                else KeyboardFinding(page.url, None, 0, ()))
    font_control = await try_font_control(page, facts["controls"], text["blocks"])
    return PageChecks(accessibility, zoom_of_viewport(facts["viewport"], page.url),
                      line_spacing_of(page.url, text),
                      floating_of(page.url, facts["floating"], second["floating"]),
                      keyboard, font_control)
