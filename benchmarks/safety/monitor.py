"""The monitor and the stores: kills, copies while the monitor writes, workspaces without web
sites, passwords in links. Each input is tried for real: the CLI as a process, sites on
127.0.0.1, SQLite files read back byte by byte.

- monitor kills: `monitor tick` and `monitor start` against four fast sites and one slow
  one, SIGKILL and SIGTERM at several moments (tests/monitor_kills.py): every visit the
  server completed half a second before the kill is a row, no row without a visit.
- backup copies: a process commits samples and another saves answers; at a moment of their
  run monitor.sqlite is copied alone, the folder is copied (`cp -a`), and `govaudit backup`
  runs; held when the backup, restored, has every sample and answer acknowledged before it
  began (the plain copies are told in the detail, for comparison).
- no web sites: `monitor start` and `tick` on workspaces with no sites or only new-media
  accounts: one message, no traceback, start exits 1.
- credential leaks: links, a redirect, a column's link and query tokens carrying secrets;
  held when the secret is in neither monitor.sqlite (nor its -wal) nor the report.
"""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
import zipfile
from pathlib import Path

from benchmarks.safety import Case
from govaudit import Audit
from tests.busy_workspace import ANSWERS, SAMPLES, Writer
from tests.monitor_kills import GOVAUDIT, MINI, ROOT, kill_monitor

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
MOMENTS = (0.2, 0.5, 1.0, 2.5, 6.0)  # seconds after the monitor's first request


def _govaudit(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*GOVAUDIT, *args], cwd=cwd, env=ENV, capture_output=True, text=True,
                          timeout=timeout)


def _workspace(folder: Path, sites: list[tuple[str, str, str]],
               checklist: str = str(MINI)) -> Path:
    from govaudit.store import Site, Store
    from govaudit.workspace import init_workspace

    ws = init_workspace(folder, checklist, "张三")
    if sites:
        Store(ws).add_sites([Site(n, u, lv) for n, u, lv in sites])
    return ws.root


# -- monitor kills ----------------------------------------------------------------------------

def kills(folder: Path) -> list[Case]:
    cases = []
    for command in ("tick", "start"):
        for sig in (signal.SIGKILL, signal.SIGTERM):
            for i, moment in enumerate(MOMENTS):
                run = folder / f"{command}-{sig.name}-{i}"
                try:
                    outcome = kill_monitor(run, command, sig, moment)
                    held, detail = outcome.held, outcome.describe().split(": ", 1)[1]
                except AssertionError as exc:
                    held, detail = False, str(exc)
                cases.append(Case("monitor kills", f"{command} {sig.name} at {moment} s",
                                  held, detail))
                shutil.rmtree(run, ignore_errors=True)
    return cases


# -- copies while writing -------------------------------------------------------------------

def _samples_in(db: Path) -> tuple[bool, set[int]]:
    """(has its tables, the sample numbers) of a monitor.sqlite as a copy left it."""
    if not db.is_file():
        return False, set()
    conn = sqlite3.connect(db)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'visits'").fetchall():
            return False, set()
        return True, {int(t) for (t,) in conn.execute("SELECT time FROM visits")}
    except sqlite3.DatabaseError:
        return False, set()
    finally:
        conn.close()


def _plain(db: Path, acknowledged: int) -> str:
    tables, seen = _samples_in(db)
    if not tables:
        return "no tables"
    return f"{len(set(range(1, acknowledged + 1)) & seen)}/{acknowledged}"


def copies(folder: Path) -> list[Case]:
    cases = []
    for i, wait_for in enumerate((20, 60, 150, 300, 600, 1000, 1500, 2500)):
        run = folder / f"copy{i}"
        root = _workspace(run / "ws", [("成都市", "http://127.0.0.1:9/", "city"),
                                       ("郫都区", "http://127.0.0.1:8/", "county")])
        writers = [Writer(SAMPLES, root / "data"), Writer(ANSWERS, root)]
        dest = run / ("backup.zip" if i % 2 else "backup")
        try:
            deadline = time.monotonic() + 120
            while writers[0].acknowledged < wait_for and time.monotonic() < deadline:
                time.sleep(0.005)
            samples, answers = (w.acknowledged for w in writers)
            alone = run / "alone.sqlite"
            shutil.copyfile(root / "data" / "monitor.sqlite", alone)
            subprocess.run(["cp", "-a", str(root), str(run / "cp-a")], capture_output=True)
            before_backup = writers[0].acknowledged  # acknowledged before the backup began
            done = _govaudit(["backup", str(dest)], root)
        finally:
            for writer in writers:
                writer.stop()
        plain = (f"monitor.sqlite alone: {_plain(alone, samples)}; cp -a: "
                 f"{_plain(run / 'cp-a' / 'data' / 'monitor.sqlite', samples)}")
        if done.returncode != 0:
            cases.append(Case("backup copies", f"{samples} samples written", False,
                              f"{plain}; backup failed: {done.stderr.strip()[:80]}"))
            continue
        restored = dest
        if dest.suffix == ".zip":
            restored = run / "restored"
            with zipfile.ZipFile(dest) as archive:
                archive.extractall(restored)
        tables, seen = _samples_in(restored / "data" / "monitor.sqlite")
        kept = len(set(range(1, before_backup + 1)) & seen)
        import govaudit

        stored = govaudit.Audit.open(restored).answers("郫都区")
        value = stored[0].value if stored else 0
        whole = (stored and [h["value"] for h in stored[0].history] == list(range(1, value)))
        held = tables and kept == before_backup and value >= answers and bool(whole)
        cases.append(Case("backup copies", f"{samples} samples, {answers} answers written",
                          held, f"backup ({dest.name}): {kept}/{before_backup} samples, answer "
                          f"{value} ≥ {answers}, history whole: {whole}; {plain}"))
        shutil.rmtree(run, ignore_errors=True)
    return cases


# -- workspaces without web sites -------------------------------------------------------------

def no_web_sites(folder: Path) -> list[Case]:
    accounts = [("成都发布", "weixin:成都发布", "wechat"), ("天府市民云", "天府市民云", "app")]
    shapes = {
        "no sites at all": ([], []),
        "only a WeChat account": (accounts[:1], []),
        "only new-media accounts": (accounts, []),
        "--site naming an account": ([*accounts, ("四川发布", "http://127.0.0.1:9/", "weibo")],
                                     ["--site", "成都发布"]),
    }
    cases = []
    for i, (name, (sites, named)) in enumerate(shapes.items()):
        root = _workspace(folder / f"none{i}", sites, "cstc-2020-newmedia")
        for command, code in (("start", 1), ("tick", 0)):
            extra = ["--every", "1s", "--for", "3s"] if command == "start" else []
            done = _govaudit(["monitor", command, *extra, *named, "--no-screenshots"], root,
                             timeout=60)
            out = (done.stdout + done.stderr).strip()
            lines = [line for line in out.splitlines() if line.strip()]
            accounts_chosen = [s for s, url, _ in sites
                               if not url.startswith("http") and (not named or s in named)]
            held = (done.returncode == code and "Traceback" not in out
                    and all(s in out for s in accounts_chosen)
                    and (command == "tick" or len(lines) == 1))
            cases.append(Case("no web sites", f"{command}: {name}", held,
                              f"exit {done.returncode}: {' | '.join(lines)[:150]}"))
    return cases


# -- passwords in links -----------------------------------------------------------------------

def credential_leaks(folder: Path) -> list[Case]:
    closed = _closed_port()
    shapes = {  # name: (the link as the page gives it, with {here} and {secret})
        "user:password@": "http://u:{secret}@{here}/gone-a",
        "upper-case scheme": "HTTP://U:{secret}@{here}/gone-b",
        "protocol-relative": "//u:{secret}@{here}/gone-c",
        "percent-encoded": "http://u%40x:{secret}%3A@{here}/gone-d",
        "user name only": "http://{secret}@{here}/gone-e",
        "@ in the password": "http://u:p@{secret}@{here}/gone-f",
        "https, other port": "https://u:{secret}@127.0.0.1:{closed}/gone-g",
        "access_token query": "/gone-h?access_token={secret}",
        "sig query": "/gone-i?a=1&sig={secret}",
        "password query": "/gone-j?password={secret}",
        "on a column page": "COLUMN http://u:{secret}@{here}/gone-k",
        "redirect Location": "REDIRECT http://u:{secret}@{here}/",
    }
    secrets = {name: f"s3cret{i:02d}x" for i, name in enumerate(shapes)}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def do_HEAD(self) -> None:  # noqa: N802
            self.do_GET()

        def do_GET(self) -> None:  # noqa: N802
            here = f"127.0.0.1:{self.server.server_address[1]}"
            links = {n: s.format(here=here, secret=secrets[n], closed=closed)
                     for n, s in shapes.items()}
            if self.path == "/start":
                return self._send(302, "", {"Location": links["redirect Location"].split()[1]})
            if self.path == "/":
                anchors = "".join(f"<a href='{u}'>链接{n}的文字</a>" for n, u in links.items()
                                  if " " not in u)
                return self._send(200, f"<html><body><nav><a href='/news/'>工作动态</a></nav>"
                                       f"{anchors}</body></html>")
            if self.path == "/news/":
                return self._send(200, "<html><body><ul><li><a href='/x'>一条足够长的新闻标题"
                                       f"</a> 2026-11-18</li></ul><a href='"
                                       f"{links['on a column page'].split()[1]}'>栏目上的链接"
                                       "</a></body></html>")
            return self._send(404, "not found")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        root = _workspace(folder / "leaks", [("甲市", f"http://127.0.0.1:{port}/start", "city")])
        from govaudit.workspace import open_workspace

        with Audit(open_workspace(root, explicit=True)).monitor() as monitor:
            monitor.db  # noqa: B018 - created before the tick
        db = root / "data" / "monitor.sqlite"
        reader = sqlite3.connect(db)  # held open, so that the tick's samples stay in the -wal
        try:
            reader.execute("SELECT count(*) FROM visits").fetchone()
            tick = _govaudit(["monitor", "tick", "--columns-every", "0", "--host-interval",
                              "0s", "--timeout", "5", "--no-screenshots", "--allow-private"],
                             root)
            wal = db.with_name(db.name + "-wal")
            stored = db.read_bytes() + (wal.read_bytes() if wal.is_file() else b"")
            links = reader.execute("SELECT count(*) FROM links").fetchone()[0]
        finally:
            reader.close()
        report = _govaudit(["report"], root)
        pages = b"".join(p.read_bytes() for p in (root / "exports" / "report").rglob("*.html"))
    finally:
        server.shutdown()
        server.server_close()
    cases = []
    for name in shapes:
        secret = secrets[name].encode()
        where = [w for w, data in (("monitor.sqlite/-wal", stored), ("report", pages))
                 if secret in data]
        held = tick.returncode == 0 and report.returncode == 0 and links > 0 and not where
        cases.append(Case("credential leaks", name, held,
                          f"found in {', '.join(where)}" if where else
                          f"not in monitor.sqlite, its -wal ({len(stored):,} bytes, {links} "
                          f"links) nor the report ({len(pages):,} bytes)"))
    return cases


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(folder: Path) -> list[Case]:
    return [*no_web_sites(folder), *credential_leaks(folder), *copies(folder), *kills(folder)]

