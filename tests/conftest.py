"""Shared fixtures: real workspaces in tmp dirs, a local HTTP server, the CLI, one Chromium
for the session."""

from __future__ import annotations

import asyncio
import functools
import http.server
import locale
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import typer.main
import typer.testing
from typer.testing import CliRunner, Result

from commands.app import app
from govaudit.i18n import set_language
from govaudit.workspace import Workspace, init_workspace

# The suite asserts English messages: English is the language of every command run here (the
# CLI in process and in subprocesses) unless a test asks for another (--lang zh, LANG=zh_CN).
os.environ["LANG"] = "en_US.UTF-8"
for _name in ("LC_ALL", "LC_MESSAGES"):
    if os.environ.get(_name):
        os.environ[_name] = "en_US.UTF-8"
# ...and file names UTF-8 for the programs the suite starts (LibreOffice opens a Chinese file
# name only under a UTF-8 locale) where en_US.UTF-8 is not installed: C.UTF-8 always is.
_ctype = locale.setlocale(locale.LC_CTYPE)
try:
    locale.setlocale(locale.LC_CTYPE, "en_US.UTF-8")
except locale.Error:
    os.environ["LC_CTYPE"] = "C.UTF-8"
finally:
    locale.setlocale(locale.LC_CTYPE, _ctype)

FIXTURES = Path(__file__).parent / "fixtures"
GOVAUDIT = [sys.executable, "-m", "commands"]
# A suite started in the background of a script inherits SIGINT ignored, and so would every
# command it starts; the tests that press Ctrl-C need it delivered as in a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
# Real kills per kill loop: a smoke run by default, the full loops under `make soak`.
KILLS = int(os.environ.get("GOVAUDIT_KILLS", "20"))


def kills(full: int) -> int:
    """How many kills a loop written for `full` makes in this run (at most KILLS)."""
    return min(full, KILLS)


# How `make test` hands the suite to its processes (pytest-xdist, `--dist loadfile`): a test
# file is one unit of work, except that files sharing a costly session fixture are one unit,
# so that the fixture is built once and not in every process (see pytest_xdist_make_scheduler).
SHARED_SESSION = {
    "test_agreement": "corpus_run", "test_misfires": "corpus_run",
    **{name: "postgres" for name in ("test_monitor_fleet", "test_monitor_roles",
                                     "test_server_cluster", "test_server_init",
                                     "test_server_records", "test_server_roles",
                                     "test_server_schema", "test_server_sync")},
}
# Units that take a minute or more of one process, handed out first (longest first), so that
# no process is left running one of them alone at the end of the run.
LONG_FIRST = [
    "corpus_run", "test_hostile_evidence", "test_kill_loops", "test_hostile_kills",
    "test_data_safety_urls", "test_archive_capture", "test_merge_workbooks",
    "test_data_safety_store", "test_hostile_sites", "test_workbook_print", "test_big_sheets",
    "test_hostile_names", "test_export_workbook", "postgres",
]


def work_unit(nodeid: str) -> str:
    """The unit of work a test belongs to: its file's name, or the session fixture it shares."""
    stem = Path(nodeid.split("::", 1)[0]).stem
    return SHARED_SESSION.get(stem, stem)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long units first (a stable sort): xdist hands out units in this order."""
    rank = {unit: n for n, unit in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(work_unit(item.nodeid), len(rank)))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile` by work_unit, the units in collection order. (xdist's loadgroup and
    its xdist_group mark would say the same, but xdist 3.8 cannot rename pytest 9's node
    ids, so the mark has no effect.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class ByWorkUnit(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    config.option.loadscopereorder = False
    return ByWorkUnit(config, log)


@functools.cache
def app_command() -> Any:
    """The app's click command, built once: typer builds it anew for every CliRunner.invoke,
    which takes half a second on a busy machine."""
    return typer.main.get_command(app)


class AppRunner(CliRunner):
    """typer's CliRunner on the app's click command built once (app_command)."""

    def invoke(self, app_: typer.Typer, args: str | Sequence[str] | None = None,
               **kwargs: Any) -> Result:
        assert app_ is app, "AppRunner runs govaudit's app"
        with mock.patch.object(typer.testing, "_get_command", lambda _app: app_command()):
            return super().invoke(app_, args, **kwargs)


def app_commands(command: Any = None, path: tuple[str, ...] = ()
                 ) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, click command) of govaudit and of every command and subcommand under it."""
    command = command or app_command()
    yield path, command
    for name, sub in (getattr(command, "commands", None) or {}).items():
        if not sub.hidden:
            yield from app_commands(sub, (*path, name))


@pytest.fixture
def cli():
    """Run `govaudit ARGS…` in-process; returns the click Result."""
    runner = AppRunner()

    def invoke(*args: str, input: str | None = None, cwd: Path | None = None):
        old = os.getcwd()
        if cwd:
            os.chdir(cwd)
        try:
            return runner.invoke(app, list(args), input=input, catch_exceptions=False)
        finally:
            os.chdir(old)
            set_language(None)  # a --lang of this run does not outlive it

    return invoke


def run_govaudit(*args: str, cwd: Path, timeout: float = 120,
                 **kwargs) -> subprocess.CompletedProcess:
    """Run the real console program in a subprocess."""
    return subprocess.run([*GOVAUDIT, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def run_cli(*args: str, cwd: Path, input: str | None = None,
            env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `govaudit ARGS` in process from `cwd`, as run_govaudit does in a subprocess: the
    exit code, standard output and standard error; `env` holds environment variables set for
    this run only. An exception the CLI does not turn into a message fails the test (a
    traceback, which a subprocess would print)."""
    from commands import common

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        # each run makes its consoles anew, as a new process would (rich reads COLUMNS once)
        for lazy in (common.console, common.err_console):
            patch.setattr(lazy, "_console", None)
        result = AppRunner().invoke(app, list(args), input=input, catch_exceptions=False,
                                    prog_name="govaudit")
    return subprocess.CompletedProcess(["govaudit", *args], result.exit_code, result.stdout,
                                       result.stderr)


@pytest.fixture
def mini_checklist() -> Path:
    return FIXTURES / "mini.yaml"


@pytest.fixture
def make_workspace(tmp_path: Path):
    """Create a workspace: make_workspace(checklist='cstc-2020-local', sites=[...])."""

    def make(checklist: str | Path = FIXTURES / "mini.yaml", evaluator: str = "张三",
             sites: list[tuple[str, str, str]] | None = None, name: str = "ws") -> Workspace:
        from govaudit.store import Site, Store

        ws = init_workspace(tmp_path / name, str(checklist), evaluator)
        if sites:
            Store(ws).add_sites([Site(n, u, lv) for n, u, lv in sites])
        return ws

    return make


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def serve_dir() -> Iterator:
    """Serve a folder on 127.0.0.1 on a free port: base_url = serve_dir(path)."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def serve(folder: Path, handler: type[http.server.BaseHTTPRequestHandler] | None = None
              ) -> str:
        cls = handler or functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), cls)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def serve() -> Iterator:
    """Start a handler on a free port of a loopback address: port = serve(Handler, host)."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(handler: type[http.server.BaseHTTPRequestHandler], host: str = "127.0.0.1"
              ) -> int:
        server = http.server.ThreadingHTTPServer((host, 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


Route = Path | type[http.server.BaseHTTPRequestHandler]


class _Prefixed(http.server.BaseHTTPRequestHandler):
    """A route's handler under its path prefix: a Location that starts with "/" stays under it."""

    prefix = ""

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "location" and value.startswith("/") and not value.startswith("//"):
            value = self.prefix + value
        super().send_header(keyword, value)


class _Dispatch(_QuietHandler):
    """Hands each request to the route its first path segment names, with the prefix cut off
    (`self.path` is what the route's own server would see)."""

    server: _SiteServer

    def handle_one_request(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline or not self.parse_request():
            self.close_connection = True
            return
        prefix = "/" + self.path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
        route = self.server.routes.get(prefix)
        if route is None:
            self.send_error(404, "no site under this prefix")
        else:
            self.path = self.path[len(prefix):]
            if not self.path.startswith("/"):
                self.path = "/" + self.path
            handler, self.directory = route
            if handler.protocol_version >= "HTTP/1.1" <= self.request_version:
                self.close_connection = self.headers.get("Connection", "").lower() == "close"
            self.__class__ = handler
            try:
                method = getattr(self, "do_" + self.command, None)
                if method is None:
                    self.send_error(501, f"unsupported method {self.command!r}")
                else:
                    method()
            finally:
                self.__class__ = _Dispatch
        self.wfile.flush()


class _SiteServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    routes: dict[str, tuple[type[http.server.BaseHTTPRequestHandler], str]]


class SiteServer:
    """One threaded HTTP server on 127.0.0.1 for the session: `add(folder or handler class)`
    serves a site under a path prefix of its own and returns its base URL (no trailing "/").
    A handler sees its requests' paths without the prefix; links and Locations in its pages
    must be relative, or start with "/" in a Location only."""

    def __init__(self) -> None:
        self.server = _SiteServer(("127.0.0.1", 0), _Dispatch)
        self.server.routes = {}
        self.count = 0
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                       name="site-server")
        self.thread.start()

    def add(self, route: Route) -> str:
        self.count += 1
        prefix = f"/site-{self.count}"
        if isinstance(route, Path):
            handler: type[http.server.BaseHTTPRequestHandler] = type(
                "Folder", (_Prefixed, _QuietHandler), {"prefix": prefix})
            directory = str(route)
        else:
            handler = type(route.__name__, (_Prefixed, route), {"prefix": prefix})
            directory = ""
        self.server.routes[prefix] = (handler, directory)
        return f"http://127.0.0.1:{self.server.server_address[1]}{prefix}"

    def remove(self, base_url: str) -> None:
        self.server.routes.pop("/" + base_url.rsplit("/", 1)[1], None)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def site_server() -> Iterator[SiteServer]:
    """The session's loopback HTTP server (see SiteServer); most tests use `serve_site`."""
    server = SiteServer()
    yield server
    server.close()


@pytest.fixture
def serve_site(site_server: SiteServer) -> Iterator[Callable[[Route], str]]:
    """`base_url = serve_site(folder or handler class)`: a site of this test's own on the
    session's server, under a unique path prefix, gone when the test ends."""
    added: list[str] = []

    def serve(route: Route) -> str:
        added.append(site_server.add(route))
        return added[-1]

    yield serve
    for base in added:
        site_server.remove(base)


@pytest.fixture(scope="session")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """`check` and `monitor` run once over the labelled corpus (tests/corpus_run.py)."""
    from corpus_run import run_corpus

    with run_corpus(tmp_path_factory.mktemp("corpus-run")) as done:
        yield done


class SessionBrowser:
    """One Chromium for the whole test session, driven by Playwright's async API from an event
    loop in a thread of its own, so that tests written as plain functions share it: `run(work)`
    runs the coroutine `work(browser)` there and returns its result; `capture(…)` runs
    run_captures there."""

    def __init__(self) -> None:
        from govaudit.browser import find_browser, launch_args

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                       name="session-browser")
        self.thread.start()

        async def start() -> tuple[Any, Any]:
            from playwright.async_api import async_playwright

            playwright = await async_playwright().start()
            browser = await playwright.chromium.launch(executable_path=find_browser().path,
                                                       args=launch_args())
            return playwright, browser

        self.playwright, self.browser = self.run(lambda _: start(), timeout=120)

    def capture(self, *args: Any, **kwargs: Any) -> Any:
        """run_captures(ARGS) in this Chromium and on this Playwright (no driver or browser
        started): the captures open contexts of their own and close them."""
        from govaudit.capture import arun_captures

        return self.run(lambda browser: arun_captures(
            *args, **kwargs, playwright=self.playwright, browser=browser), timeout=300)

    def open_targets(self) -> tuple[list[str], list[str]]:
        """The browser contexts and the pages open in the browser now."""

        async def ask(browser: Any) -> tuple[list[str], list[str]]:
            cdp = await browser.new_browser_cdp_session()
            try:
                contexts = (await cdp.send("Target.getBrowserContexts"))["browserContextIds"]
                targets = (await cdp.send("Target.getTargets"))["targetInfos"]
            finally:
                await cdp.detach()
            return contexts, [t["url"] for t in targets if t["type"] == "page"]

        return self.run(ask)

    def run(self, work: Callable[[Any], Awaitable[Any]], timeout: float = 120) -> Any:
        async def call() -> Any:
            return await work(getattr(self, "browser", None))

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(timeout)

    def close(self) -> None:
        async def stop() -> None:
            await self.browser.close()
            await self.playwright.stop()

        try:
            self.run(lambda _: stop(), timeout=60)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def session_browser() -> Iterator[SessionBrowser]:
    """One Chromium for the session (started when a test first asks for it); each test opens
    its own context in it."""
    shared = SessionBrowser()
    yield shared
    shared.close()


@pytest.fixture(autouse=True)
def _session_browser_left_clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that uses the session's Chromium fails if it leaves a context or a page open."""
    if "session_browser" not in request.fixturenames:
        yield
        return
    shared: SessionBrowser = request.getfixturevalue("session_browser")
    yield
    open_now = shared.open_targets()
    assert open_now == ([], []), f"browser contexts and pages left open: {open_now}"


@pytest.fixture
def in_page(session_browser: SessionBrowser) -> Callable[..., Any]:
    """`in_page(html, check, url=None, args=(), prepare=None)`: the result of `check(page)`
    on `html` (set as the page's content) or on `url`, in a context of its own of the session's
    Chromium (or, with launch `args`, of a Chromium of its own); `prepare(context)` is awaited
    first."""

    def run(html: str | None, check: Callable[[Any], Awaitable[Any]], *, url: str | None = None,
            args: tuple[str, ...] = (),
            prepare: Callable[[Any], Awaitable[Any]] | None = None) -> Any:
        async def work(browser: Any) -> Any:
            own = None
            if args:
                from govaudit.browser import find_browser, launch_args

                own = browser = await session_browser.playwright.chromium.launch(
                    executable_path=find_browser().path, args=launch_args() + list(args))
            context = await browser.new_context(ignore_https_errors=True)
            try:
                if prepare is not None:
                    await prepare(context)
                page = await context.new_page()
                if url:
                    await page.goto(url, wait_until="load")
                else:
                    await page.set_content(html or "", wait_until="load")
                return await check(page)
            finally:
                await context.close()
                if own is not None:
                    await own.close()

        return session_browser.run(work)

    return run


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """A throwaway PostgreSQL cluster for the session (tests/pg_cluster.py): its
    `conninfo(user, dbname)`, `environ()` and `create_database(name)`."""
    from pg_cluster import throwaway_cluster

    with throwaway_cluster() as server:
        yield server
