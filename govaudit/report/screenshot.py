"""A small PNG of a report page (for the README), taken in headless Chromium."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from govaudit.errors import GovauditError
from govaudit.i18n import _


async def screenshot_report_async(index: Path, out: Path, *, page: str = "",
                                  width: int = 1200, height: int = 760, scale: float = 0.75,
                                  colours: int = 128, browser_path: str | None = None) -> Path:
    """Screenshot a report page (index.html, or `page` relative to it) into a small PNG.

    The window is width × height CSS pixels; the image is scaled by `scale` and
    reduced to `colours` colours so that it stays small enough to commit.
    """
    from PIL import Image
    from playwright.async_api import async_playwright

    from govaudit.browser import launch_browser
    from govaudit.capture.page import when_painted

    target = (Path(index).parent / page) if page else Path(index)
    if not target.is_file():
        raise GovauditError(_("{target}: no such report page").format(target=target),
                            hint="report_first")
    async with async_playwright() as pw:
        browser = await launch_browser(pw, browser_path=browser_path)
        try:
            context = await browser.new_context(viewport={"width": width, "height": height},
                                                device_scale_factor=1)
            tab = await context.new_page()
            await tab.goto(target.resolve().as_uri(), wait_until="load")
            data = await when_painted(lambda: tab.screenshot(type="png"))
        finally:
            await browser.close()
    image = Image.open(io.BytesIO(data)).convert("RGB")
    if scale != 1:
        image = image.resize((round(image.width * scale), round(image.height * scale)),
                             Image.Resampling.LANCZOS)
    if colours:
        image = image.quantize(colours, method=Image.Quantize.MEDIANCUT,
                               dither=Image.Dither.NONE)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out, "PNG", optimize=True)
    return out


def screenshot_report(index: Path, out: Path, **options: Any) -> Path:
    """screenshot_report_async, callable whether or not this thread runs an event loop."""
    import govaudit.asyncrun as asyncrun

    return asyncrun.run(screenshot_report_async(index, out, **options))
