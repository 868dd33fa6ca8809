"""An element screenshot with the spot marked: the area around a box of the loaded page, with
a red frame drawn over the box, for a check's finding (content and conformance probes)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import Page

MARGIN = 60  # CSS pixels of the page shown around the box
MAX_SIDE = 1600  # the shot's largest side

_DRAW = """(box) => {
  const mark = document.createElement('div');
  mark.id = '__govaudit_mark';
  Object.assign(mark.style, {position: 'absolute', left: (box.x - 3) + 'px',
    top: (box.y - 3) + 'px', width: (box.width + 6) + 'px', height: (box.height + 6) + 'px',
    border: '3px solid #e00', zIndex: 2147483647, pointerEvents: 'none',
    boxSizing: 'border-box'});
  document.documentElement.appendChild(mark);
}"""
_REMOVE = "() => { const m = document.getElementById('__govaudit_mark'); if (m) m.remove(); }"


async def marked_shot(page: Page, box: tuple[float, float, float, float], path: Path) -> str:
    """Save the area around `box` (x, y, width, height in CSS pixels of the whole page) with
    the box framed in red; the file's path, or "" when the page could not be shot."""
    from playwright.async_api import Error as PlaywrightError

    x, y, width, height = box
    left, top = max(0.0, x - MARGIN), max(0.0, y - MARGIN)
    clip: Any = {"x": left, "y": top, "width": min(width + 2 * MARGIN, MAX_SIDE) or 1,
            "height": min(height + 2 * MARGIN, MAX_SIDE) or 1}
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        await page.evaluate(_DRAW, {"x": x, "y": y, "width": width, "height": height})
        await page.screenshot(path=str(path), clip=clip, full_page=True)
    except PlaywrightError:
        return ""
    finally:
        with contextlib.suppress(PlaywrightError):
            await page.evaluate(_REMOVE)
    return str(path)
