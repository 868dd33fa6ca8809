"""Health checks behind `govaudit doctor`: can evidence capture work on this machine?"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from govaudit.errors import GovauditError, listed
from govaudit.i18n import _
from govaudit.version import __version__

FONT_HELP = ("install a CJK font so that Chinese pages do not render as boxes: "
             "'sudo apt-get install fonts-noto-cjk' (or fonts-wqy-zenhei) on Debian/Ubuntu, "
             "'sudo dnf install google-noto-sans-cjk-fonts' on Fedora")


@dataclass
class Check:
    name: str
    status: str  # "ok", "warn" or "fail"
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail}


def cjk_fonts() -> list[str] | None:
    """Font families that cover Chinese (`fc-list :lang=zh`), or None when fc-list is absent."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True,
                             timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    families = {line.split(",")[0].strip() for line in out.splitlines() if line.strip()}
    return sorted(families)


async def _try_launch(browser_path: str | None) -> str:
    from playwright.async_api import async_playwright

    from govaudit.browser import launch_browser

    async with async_playwright() as pw:
        browser = await launch_browser(pw, browser_path=browser_path)
        try:
            page = await browser.new_page()
            await page.set_content("<p>政府网站</p>")
            await page.screenshot()
            return browser.version
        finally:
            await browser.close()


def try_launch(browser_path: str | None = None) -> str:
    """Start the browser headless and take a screenshot; its version, or GovauditError."""
    import govaudit.asyncrun as asyncrun

    return asyncrun.run(_try_launch(browser_path))


def _workspace_check(start: Path | None, explicit: bool) -> Check:
    from govaudit.workspace import open_workspace

    try:
        ws = open_workspace(start, explicit=explicit)
    except GovauditError as exc:
        if explicit:
            return Check("workspace", "fail", str(exc))
        return Check("workspace", "ok", _("not inside a workspace (fine: one is made when "
                                          "needed)"))
    for folder in (ws.data_dir, ws.evidence_dir, ws.exports_dir):
        try:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor."):
                pass
        except OSError as exc:
            return Check("workspace", "fail", f"{folder}: not writable ({exc.strerror})")
    return Check("workspace", "ok", f"{ws.root} (writable)")


def run_checks(workspace: Path | None = None, explicit_workspace: bool = False,
               browser_path: str | None = None, launch: bool = True) -> list[Check]:
    """Every check, in order; capture cannot work when any has status 'fail'."""
    from importlib.metadata import PackageNotFoundError, version

    from govaudit.browser import BrowserNotFound, find_browser, has_display

    checks = [Check("govaudit", "ok", f"{__version__} on Python {sys.version.split()[0]}")]
    try:
        checks.append(Check("playwright", "ok", version("playwright")))
    except PackageNotFoundError:
        checks.append(Check("playwright", "fail", "not installed: pip install playwright"))
    try:
        info = find_browser(browser_path)
    except BrowserNotFound as exc:
        checks.append(Check("browser", "fail", str(exc)))
        info = None
    if info is not None:
        checks.append(Check("browser", "ok",
                            f"{info.path} ({info.source}) {info.version}".strip()))
        if launch:
            try:
                checks.append(Check("launch", "ok", f"headless Chromium {try_launch(browser_path)}"
                                    " started and took a screenshot"))
            except GovauditError as exc:
                checks.append(Check("launch", "fail", str(exc)))
            except Exception as exc:  # a broken install: report it rather than crash
                checks.append(Check("launch", "fail", f"{type(exc).__name__}: {exc}"))
    fonts = cjk_fonts()
    if fonts is None:
        checks.append(Check("CJK font", "warn", "fc-list is not available to check; if Chinese "
                            f"text shows as boxes, {FONT_HELP}"))
    elif fonts:
        shown = listed(fonts, 3)
        checks.append(Check("CJK font", "ok", shown))
    else:
        checks.append(Check("CJK font", "fail", f"none installed; {FONT_HELP}"))
    checks.append(_workspace_check(workspace, explicit_workspace))
    checks.append(Check("display", "ok" if has_display() else "warn",
                        _("available: a browser window can be shown") if has_display() else
                        _("none ($DISPLAY unset): captures run headless; no browser window "
                          "can be shown")))
    if os.name == "posix" and hasattr(os, "geteuid") and os.geteuid() == 0:
        checks.append(Check("sandbox", "ok", _("running as root: Chromium starts without its "
                                               "sandbox")))
    return checks
