"""Finding and launching a Chromium for Playwright: local, Playwright's own, or remote.

Search order: an explicit path (`--browser-path` / `$GOVAUDIT_BROWSER`), the
Chromium that `playwright install chromium` put in its cache, then a system
Chromium or Chrome. Remote browsers are reached over CDP (`--cdp-endpoint`) or
through a `playwright run-server` (`--browser-endpoint`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govaudit.errors import ConflictError, GovauditError, OptionError
from govaudit.i18n import N_, _

if TYPE_CHECKING:
    from playwright.async_api import Browser, Playwright

ENV_BROWSER = "GOVAUDIT_BROWSER"

INSTALL_HELP = N_(
    "install one of: (1) Playwright's Chromium: 'playwright install chromium' "
    "(in the govaudit environment: '.venv/bin/playwright install chromium'); "
    "(2) your system's package: 'sudo apt-get install chromium' (Debian/Ubuntu), "
    "'sudo dnf install chromium' (Fedora), or Google Chrome from google.com/chrome"
)

# Executable names of a system Chromium or Chrome, looked up on PATH.
SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                "chrome", "microsoft-edge", "msedge")
# Well-known install places that are usually not on PATH (macOS, Windows).
SYSTEM_PATHS = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
)
# Where `playwright install` puts Chromium inside chromium-<revision>/ (see Playwright's registry).
PLAYWRIGHT_EXECUTABLES = (
    ("chromium", ("chrome-linux64", "chrome")),
    ("chromium", ("chrome-linux-arm64", "chrome")),
    ("chromium", ("chrome-linux", "chrome")),
    ("chromium", ("chrome-mac-arm64", "Google Chrome for Testing.app", "Contents", "MacOS",
                  "Google Chrome for Testing")),
    ("chromium", ("chrome-mac-x64", "Google Chrome for Testing.app", "Contents", "MacOS",
                  "Google Chrome for Testing")),
    ("chromium", ("chrome-mac", "Chromium.app", "Contents", "MacOS", "Chromium")),
    ("chromium", ("chrome-win64", "chrome.exe")),
    ("chromium", ("chrome-win", "chrome.exe")),
    ("chromium_headless_shell", ("chrome-headless-shell-linux64", "chrome-headless-shell")),
    ("chromium_headless_shell", ("chrome-headless-shell-linux-arm64", "chrome-headless-shell")),
    ("chromium_headless_shell", ("chrome-headless-shell-mac-arm64", "chrome-headless-shell")),
    ("chromium_headless_shell", ("chrome-headless-shell-mac-x64", "chrome-headless-shell")),
    ("chromium_headless_shell", ("chrome-headless-shell-win64", "chrome-headless-shell.exe")),
)

# Flags that work as root, in containers and offline.
BASE_ARGS = ("--disable-background-networking", "--disable-component-update", "--no-first-run")


class BrowserNotFound(GovauditError):
    """No usable Chromium; the message gives both install routes."""


@dataclass
class BrowserInfo:
    path: str | None
    source: str  # "explicit", "env", "playwright" or "system"
    version: str


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def browser_version(path: str) -> str:
    """'Chromium 156.0.8078.79' from the executable, or '' when it cannot tell."""
    if sys.platform == "win32":
        # chrome.exe --version opens a window on Windows; its version folder sits beside it
        for child in sorted(Path(path).parent.glob("*.*.*.*"), reverse=True):
            if child.is_dir():
                return f"Chromium {child.name}"
        return ""
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=15,
                             check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    match = re.search(r"([A-Za-z][\w ]*?)\s+(\d+(?:\.\d+){1,3})", out)
    return f"{match.group(1).strip()} {match.group(2)}" if match else out.strip()


def playwright_browsers_dir() -> Path:
    """The folder `playwright install` downloads browsers into."""
    env = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if env == "0":
        import playwright

        return Path(playwright.__file__).parent / "driver" / "package" / ".local-browsers"
    if env:
        return Path(env)
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "ms-playwright"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "ms-playwright"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ms-playwright"


def _playwright_revisions() -> dict[str, str]:
    """Chromium revisions this Playwright expects, from its browsers.json."""
    try:
        import playwright
    except ImportError:
        return {}
    path = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {b["name"].replace("-", "_"): str(b["revision"]) for b in data.get("browsers", [])}


def headless_shell_path(root: Path) -> Path:
    """Where Playwright looks for its headless shell under a PLAYWRIGHT_BROWSERS_PATH (Linux
    x64); a link there makes tools built on Playwright use another Chromium."""
    revision = _playwright_revisions()["chromium_headless_shell"]
    return (root / f"chromium_headless_shell-{revision}" / "chrome-headless-shell-linux64" /
            "chrome-headless-shell")


def playwright_chromium() -> Path | None:
    """Playwright's own Chromium (or headless shell) for this Playwright version, if installed."""
    root = playwright_browsers_dir()
    revisions = _playwright_revisions()
    for name, parts in PLAYWRIGHT_EXECUTABLES:
        revision = revisions.get(name)
        if revision is None:
            continue
        candidate = root.joinpath(f"{name}-{revision}", *parts)
        if _is_executable(candidate):
            return candidate
    return None


def system_chromium() -> Path | None:
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    for place in SYSTEM_PATHS:
        if _is_executable(Path(place)):
            return Path(place)
    return None


def find_browser(explicit: str | None = None) -> BrowserInfo:
    """The Chromium govaudit will launch, with where it was found and its version."""
    given, source = explicit, "explicit"
    if not given and os.environ.get(ENV_BROWSER):
        given, source = os.environ[ENV_BROWSER], "env"
    if given:
        path = Path(given).expanduser()
        if not path.exists():
            found = shutil.which(given)
            path = Path(found) if found else path
        if not _is_executable(path):
            where = given if source == "explicit" else f"${ENV_BROWSER} {given}"
            raise BrowserNotFound(_("{where}: no executable browser there; {install}").format(
                where=where, install=_(INSTALL_HELP)), hint="browser_path")
        return BrowserInfo(str(path), source, browser_version(str(path)))
    own = playwright_chromium()
    if own is not None:
        return BrowserInfo(str(own), "playwright", browser_version(str(own)))
    system = system_chromium()
    if system is not None:
        return BrowserInfo(str(system), "system", browser_version(str(system)))
    raise BrowserNotFound(_("no Chromium or Chrome found; {install}").format(
        install=_(INSTALL_HELP)), hint="browser_path")


def launch_args() -> list[str]:
    """Command-line flags for a local Chromium (`--no-sandbox` only when running as root)."""
    args = list(BASE_ARGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    return args


def has_display() -> bool:
    """Whether a headed browser window can be shown here."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


async def launch_browser(pw: Playwright, *, headed: bool = False, browser_path: str | None = None,
                         cdp_endpoint: str | None = None, browser_endpoint: str | None = None,
                         args: Sequence[str] = ()) -> Browser:
    """A connected Playwright Browser: remote (CDP or run-server) or a local launch (with
    `args` added to its flags)."""
    from playwright.async_api import Error as PlaywrightError

    if cdp_endpoint and browser_endpoint:
        raise ConflictError("cdp_endpoint", "browser_endpoint")
    remote = (
        (cdp_endpoint, "cdp_endpoint", pw.chromium.connect_over_cdp,
         N_("is Chromium running there with remote debugging on (its "
            "remote-debugging-port switch)?")),
        (browser_endpoint, "browser_endpoint", pw.chromium.connect,
         N_("is 'playwright run-server' running there, with the same Playwright version?")),
    )
    for endpoint, option, connect, hint in remote:
        if endpoint:
            try:
                return await connect(endpoint, timeout=30_000)
            except PlaywrightError as exc:
                raise OptionError(option, _("{endpoint}: cannot connect ({error}); {hint}").format(
                    endpoint=endpoint, error=_first_line(exc), hint=_(hint))) from None
    if headed and not has_display():
        raise OptionError("headed", _(
            "needs a display, and none is available here (no $DISPLAY or $WAYLAND_DISPLAY); "
            "run without it"))
    info = find_browser(browser_path)
    try:
        # always the executable found: what `doctor` reports is what runs
        return await pw.chromium.launch(headless=not headed, args=[*launch_args(), *args],
                                        executable_path=info.path)
    except PlaywrightError as exc:
        raise GovauditError(_("{path}: the browser did not start ({error})").format(
            path=info.path, error=_first_line(exc)), hint="doctor") from None


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def device_options(pw: Playwright, name: str) -> dict[str, Any]:
    """Browser-context options emulating a named device ('iPhone 13', 'Pixel 7', …)."""
    import difflib

    devices = pw.devices
    if name not in devices:
        lowered = {d.lower(): d for d in devices}
        if name.lower() in lowered:
            name = lowered[name.lower()]
        else:
            close = difflib.get_close_matches(name, list(devices), n=5, cutoff=0.5)
            hint = f"did you mean: {', '.join(close)}?" if close else (
                "e.g. 'iPhone 13', 'Pixel 7', 'iPad Mini', 'Galaxy S9+'")
            raise OptionError("device", _("{name!r}: unknown device; {hint}").format(
                name=name, hint=hint))
    options = dict(devices[name])
    options.pop("default_browser_type", None)
    return options
