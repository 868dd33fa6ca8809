"""The browser checks of one loaded page run together, in the order that costs least: the
floating-window watch spans the axe run, and the font-size control (which changes the page)
comes last."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from govaudit.conformance.accessibility import AccessibilityReport, check_accessibility
from govaudit.conformance.agefriendly import (
    FloatingFinding,
    FontControlFinding,
    KeyboardFinding,
    LineSpacingFinding,
    ZoomFinding,
    check_floating,
    check_font_control,
    check_keyboard,
    check_line_spacing,
    check_zoom,
)

if TYPE_CHECKING:
    from playwright.async_api import Page


@dataclass(frozen=True)
class PageChecks:
    accessibility: AccessibilityReport
    zoom: ZoomFinding
    line_spacing: LineSpacingFinding
    floating: FloatingFinding
    keyboard: KeyboardFinding
    font_control: FontControlFinding


async def check_page(page: Page, up_to: str = "二级") -> PageChecks:
    """Accessibility (GB/T levels up to `up_to`) and every 适老化 check on the loaded `page`."""
    zoom = check_zoom(await page.content(), page.url)
    axe = asyncio.ensure_future(check_accessibility(page, up_to))
    floating = await check_floating(page, meanwhile=axe)
    line_spacing = await check_line_spacing(page)
    keyboard = await check_keyboard(page)
    font_control = await check_font_control(page)
    return PageChecks(axe.result(), zoom, line_spacing, floating, keyboard, font_control)
