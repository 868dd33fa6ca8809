"""Shared fixtures: real workspaces in tmp dirs, a local HTTP server, the CLI."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from commands.app import app
from govaudit.workspace import Workspace, init_workspace

FIXTURES = Path(__file__).parent / "fixtures"
GOVAUDIT = [sys.executable, "-m", "commands"]


@pytest.fixture
def cli():
    """Run `govaudit ARGS…` in-process; returns the click Result."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, cwd: Path | None = None):
        old = os.getcwd()
        if cwd:
            os.chdir(cwd)
        try:
            return runner.invoke(app, list(args), input=input, catch_exceptions=False)
        finally:
            os.chdir(old)

    return invoke


def run_govaudit(*args: str, cwd: Path, timeout: float = 120,
                 **kwargs) -> subprocess.CompletedProcess:
    """Run the real console program in a subprocess."""
    return subprocess.run([*GOVAUDIT, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, **kwargs)


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


@pytest.fixture(scope="session")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """`check` and `monitor` run once over the labelled corpus (tests/corpus_run.py)."""
    from corpus_run import run_corpus

    with run_corpus(tmp_path_factory.mktemp("corpus-run")) as done:
        yield done
