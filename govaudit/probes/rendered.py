"""The home page as Chromium rendered it: read from a capture's HTML snapshot, or rendered here.

Footers written by `document.write` or filled in by an included script are only in
the rendered DOM. `evidence` saves that DOM as the capture's HTML file (possibly an
inert copy with scripts removed: its text and links are what the probes read).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # a type only: importing it would load the checklists
    from govaudit.workspace import Workspace

RENDER_TIMEOUT = 30.0  # seconds to load and render one home page


def _same_page(a: str, b: str) -> bool:
    left, right = urlsplit(a), urlsplit(b)
    return (left.netloc.lower(), left.path.rstrip("/") or "/", left.query) == \
        (right.netloc.lower(), right.path.rstrip("/") or "/", right.query)


def captured_html(workspace: Workspace, records: list[dict[str, object]],
                  url: str) -> tuple[str, str] | None:
    """(rendered HTML, its URL) of the newest capture of `url` that saved an HTML file."""
    for record in sorted(records, key=lambda r: str(r.get("time") or ""), reverse=True):
        page = str(record.get("final_url") or record.get("requested_url") or "")
        asked = str(record.get("requested_url") or "")
        if not (_same_page(asked, url) or _same_page(page, url)):
            continue
        files = record.get("files")
        for entry in files if isinstance(files, list) else []:
            if not isinstance(entry, dict) or entry.get("kind") != "html":
                continue
            path = workspace.root / Path(str(entry.get("path") or ""))
            try:
                return path.read_bytes().decode("utf-8", "replace"), page or url
            except OSError:
                continue
    return None


async def render_page(url: str, browser_path: str | None = None,
                      timeout: float = RENDER_TIMEOUT) -> tuple[str, str]:
    """(rendered HTML, final URL) of `url`, loaded in Chromium until the network is idle."""
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    from govaudit.browser import launch_browser
    from govaudit.probes.errors import ProbeFailed

    async with async_playwright() as pw:
        browser = await launch_browser(pw, browser_path=browser_path)
        try:
            page = await browser.new_page(ignore_https_errors=True)
            try:
                await page.goto(url, wait_until="load", timeout=timeout * 1000)
                # a page that keeps polling: read what it shows after 5 s
                with contextlib.suppress(PlaywrightError):
                    await page.wait_for_load_state("networkidle", timeout=5000)
                return await page.content(), page.url
            except PlaywrightError as exc:
                raise ProbeFailed(f"rendering {url} failed: "
                                  f"{str(exc).strip().splitlines()[0]}") from None
        finally:
            await browser.close()
