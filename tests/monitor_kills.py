"""Killing `monitor tick` and `monitor start` while they visit sites on 127.0.0.1.

One server per run serves four fast sites (answering after 0 to 0.45 s) and one slow site
(it answers after a minute: the visit still in flight when the kill comes). The server
notes when it has sent each home page whole; after the kill the rows of monitor.sqlite are
compared with that: every visit the server completed `GRACE` seconds before the kill must
be a row (the monitor promises a finished visit on disk within 0.1 s; the rest of the
grace is for a busy machine: a home page sent whole is a visit the monitor has still to read,
judge and write, and its first visits also load the modules that judge it, which took more than
0.5 s under the full suite's four processes on two slow cores), and no row may stand for a
visit the server never completed.
The same bound is watched while the monitor runs, before the kill: a reader polling the
file must find every visit completed `GRACE` seconds earlier.
Used by tests/test_kill_loops.py (a handful of kills) and benchmarks/safety/monitor.py.
"""

from __future__ import annotations

import http.server
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOVAUDIT = [sys.executable, "-m", "commands"]
MINI = ROOT / "tests" / "fixtures" / "mini.yaml"
FAST = {f"快站{i}": 0.15 * i for i in range(4)}  # site -> seconds its home page takes
SLOW = "慢站"
SLOW_SECONDS = 60.0
GRACE = 1.0  # seconds after which a visit the server completed must be on disk
ARGS = {
    "tick": ["monitor", "tick", "--timeout", "120", "--host-interval", "0s",
             "--no-screenshots"],
    "start": ["monitor", "start", "--every", "1s", "--for", "1h", "--timeout", "120",
              "--host-interval", "0s", "--no-screenshots"],
}


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a killed monitor resets its connections: expected here


class SiteServer:
    """The five sites, each home page at /NAME/; `completed` holds (site, monotonic time)
    of every home page sent whole."""

    def __init__(self) -> None:
        self.completed: list[tuple[str, float]] = []
        self.first_request: float | None = None
        self.released = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                from urllib.parse import unquote

                if server.first_request is None:
                    server.first_request = time.monotonic()
                site = unquote(self.path.strip("/"))
                wait = SLOW_SECONDS if site == SLOW else FAST.get(site)
                if wait is None:
                    self.send_error(404)
                    return
                if server.released.wait(wait):
                    return  # the run is over: nobody reads this any more
                today = time.strftime("%Y-%m-%d")
                body = (f"<!doctype html><html><head><meta charset='utf-8'><title>{site}"
                        f"</title></head><body><ul><li>关于{site}工作的一条消息标题<span>"
                        f"{today}</span></li></ul></body></html>").encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    self.wfile.flush()
                except OSError:
                    return
                server.completed.append((site, time.monotonic()))

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, site: str) -> str:
        return f"{self.base}/{site}/"

    def close(self) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def make_workspace(folder: Path, server: SiteServer) -> Path:
    """A workspace whose sites are the server's five."""
    from govaudit.store import Site, Store
    from govaudit.workspace import init_workspace

    ws = init_workspace(folder, str(MINI), "张三")
    Store(ws).add_sites([Site(name, server.url(name), "city") for name in [*FAST, SLOW]])
    return ws.root


def stored_visits(root: Path) -> Counter[str]:
    """Rows of the visits table per site, as a reader opening the file now finds them."""
    path = root / "data" / "monitor.sqlite"
    if not path.is_file():
        return Counter()
    conn = sqlite3.connect(path, timeout=30)
    try:
        return Counter(dict(conn.execute("SELECT site, count(*) FROM visits GROUP BY site")))
    except sqlite3.OperationalError:  # no table yet
        return Counter()
    finally:
        conn.close()


@dataclass
class KillOutcome:
    command: str
    signal: str
    delay: float  # seconds from the server's first request to the kill
    returncode: int
    stderr: str
    completed: int  # home pages the server sent whole before the kill
    must: int  # of those, sent GRACE seconds before the kill
    stored: int  # visit rows in monitor.sqlite after the kill
    lost: dict[str, tuple[int, int]] = field(default_factory=dict)  # site: (must, stored)
    phantom: dict[str, tuple[int, int]] = field(default_factory=dict)  # site: (sent, stored)
    late: list[tuple[float, int, int]] = field(default_factory=list)  # (at, due, stored) seen
    #                                    by a reader before the kill, stored < due

    @property
    def held(self) -> bool:
        stopped = (self.returncode == -signal.SIGKILL if self.signal == "SIGKILL"
                   else self.returncode == 130 and "Traceback" not in self.stderr)
        return stopped and not self.lost and not self.phantom and not self.late

    def describe(self) -> str:
        return (f"{self.command} {self.signal} {self.delay:.2f} s after the first request: "
                f"exit {self.returncode}, {self.completed} visits served, {self.must} of them "
                f"{GRACE} s before the kill, {self.stored} stored"
                + (f"; LOST {self.lost}" if self.lost else "")
                + (f"; ROWS WITHOUT A VISIT {self.phantom}" if self.phantom else "")
                + (f"; LATE (s after the first request, due, stored) {self.late[:3]}"
                   if self.late else ""))


def kill_monitor(folder: Path, command: str, sig: signal.Signals, delay: float) -> KillOutcome:
    """Run `govaudit monitor COMMAND` on a new workspace in `folder`, send `sig` `delay`
    seconds after its first request reached the server, and compare server and store."""
    server = SiteServer()
    try:
        root = make_workspace(folder, server)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen([*GOVAUDIT, *ARGS[command]], cwd=root, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while server.first_request is None:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    raise AssertionError(f"monitor {command} never visited: "
                                         f"{proc.communicate()[1]}")
                time.sleep(0.01)
            late = _watch(root, server, server.first_request + delay)
            killed_at = time.monotonic()
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        sent = list(server.completed)
    finally:
        server.close()
    stored = stored_visits(root)
    served = Counter(site for site, _ in sent)
    must = Counter(site for site, at in sent if at <= killed_at - GRACE)
    return KillOutcome(
        command, sig.name, delay, proc.returncode, err, sum(served.values()),
        sum(must.values()), sum(stored.values()),
        {s: (must[s], stored[s]) for s in must if stored[s] < must[s]},
        {s: (served[s], stored[s]) for s in stored if stored[s] > served[s]},
        [(round(at - (server.first_request or 0.0), 2), due, rows) for at, due, rows in late])


def _watch(root: Path, server: SiteServer, until: float) -> list[tuple[float, int, int]]:
    """Poll monitor.sqlite until `until`: each moment a visit the server completed GRACE
    seconds earlier is not in it yet, as (moment, visits due, rows)."""
    late = []
    while (now := time.monotonic()) < until:
        due = sum(at <= now - GRACE for _, at in list(server.completed))
        rows = sum(stored_visits(root).values())  # read after `now`: it can only hold more
        if rows < due:
            late.append((now, due, rows))
        time.sleep(min(0.05, max(0.0, until - time.monotonic())))
    return late
