"""Finding and launching Chromium: explicit path, $GOVAUDIT_BROWSER, Playwright's, the system's."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import playwright
import pytest

from govaudit import browser
from govaudit.browser import (
    BrowserNotFound,
    device_options,
    find_browser,
    launch_args,
    launch_browser,
)
from govaudit.errors import GovauditError, OptionError

ROOT = Path(__file__).parent.parent


@pytest.fixture
def system_chromium() -> str:
    return find_browser().path or ""


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No browser anywhere: empty PATH, an empty Playwright cache, no $GOVAUDIT_BROWSER."""
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "pw"))
    monkeypatch.delenv("GOVAUDIT_BROWSER", raising=False)
    return tmp_path


def test_system_chromium_is_found_with_its_version(system_chromium: str) -> None:
    info = find_browser()
    assert info.source in ("system", "playwright", "env")
    assert Path(info.path).is_file() and os.access(info.path, os.X_OK)
    assert info.version.startswith(("Chromium ", "Google Chrome ", "Chrome"))
    assert any(ch.isdigit() for ch in info.version)


def test_explicit_path_then_environment(system_chromium: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVAUDIT_BROWSER", system_chromium)
    assert find_browser().source == "env"
    explicit = find_browser(system_chromium)
    assert (explicit.path, explicit.source) == (system_chromium, "explicit")


def test_a_wrong_explicit_path_is_not_silently_replaced(system_chromium: str,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    with pytest.raises(BrowserNotFound, match="/no/such/chrome: no executable") as raised:
        find_browser("/no/such/chrome")
    assert raised.value.hint == "browser_path"  # the CLI names --browser-path
    monkeypatch.setenv("GOVAUDIT_BROWSER", str(tmp_path))  # a folder, not a program
    with pytest.raises(BrowserNotFound, match=r"\$GOVAUDIT_BROWSER"):
        find_browser()


def test_no_browser_gives_both_install_routes(bare_env: Path) -> None:
    with pytest.raises(BrowserNotFound) as caught:
        find_browser()
    message = str(caught.value)
    assert "no Chromium or Chrome found" in message
    assert "playwright install chromium" in message
    assert "apt-get install chromium" in message
    assert isinstance(caught.value, GovauditError)


def test_playwright_installed_chromium_comes_before_the_system(system_chromium: str,
                                                               bare_env: Path) -> None:
    browsers = json.loads((Path(playwright.__file__).parent / "driver" / "package" /
                           "browsers.json").read_text())
    revision = next(b["revision"] for b in browsers["browsers"] if b["name"] == "chromium")
    exe = bare_env / "pw" / f"chromium-{revision}" / "chrome-linux64" / "chrome"
    exe.parent.mkdir(parents=True)
    exe.symlink_to(system_chromium)
    os.environ["PATH"] = str(Path(system_chromium).parent)  # the system one is there too
    info = find_browser()
    assert (info.path, info.source) == (str(exe), "playwright")
    assert info.version.startswith("Chromium ")


def test_launch_flags() -> None:
    args = launch_args()
    for flag in ("--disable-background-networking", "--disable-component-update",
                 "--no-first-run"):
        assert flag in args
    assert ("--no-sandbox" in args) == (os.geteuid() == 0)


def test_devices() -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        phone = device_options(pw, "iPhone 13")
        assert phone["viewport"] == {"width": 390, "height": 664}
        assert phone["is_mobile"] and "default_browser_type" not in phone
        assert device_options(pw, "iphone 13")["viewport"]["width"] == 390
        with pytest.raises(GovauditError, match="did you mean: .*iPhone 13"):
            device_options(pw, "iPhone 13X")


def test_headed_without_a_display_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright.async_api import async_playwright

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)

    async def start() -> None:
        async with async_playwright() as pw:
            await launch_browser(pw, headed=True)

    with pytest.raises(OptionError, match="headed needs a display") as raised:
        asyncio.run(start())
    assert raised.value.field == "headed"


def test_launch_and_render_chinese(system_chromium: str) -> None:
    from playwright.async_api import async_playwright

    async def render() -> tuple[str, str]:
        async with async_playwright() as pw:
            chromium = await launch_browser(pw, browser_path=system_chromium)
            page = await chromium.new_page()
            await page.set_content("<title>政府网站</title><p>你好</p>")
            title = await page.title()
            version = chromium.version
            await chromium.close()
            return title, version

    title, version = asyncio.run(render())
    assert title == "政府网站"
    assert version in find_browser().version


def test_makefile_browser_check_works() -> None:
    done = subprocess.run([sys.executable, "-c",
                           "import govaudit.browser as b; b.find_browser()"], cwd=ROOT)
    assert done.returncode == 0
    assert browser.has_display() == bool(os.environ.get("DISPLAY")
                                         or os.environ.get("WAYLAND_DISPLAY"))
