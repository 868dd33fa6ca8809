"""Monitor benchmark: a tick over 1,000 sites, status over 1,000 sites × 140 samples, a soak.

One child process serves 1,000 sites on 127.0.0.1, one port each (the per-host limit of
one request a second applies per host:port, as it would to 1,000 real hosts). Each home
page has a navigation with two columns and a few links.

- tick: `govaudit monitor tick` over the 1,000 sites, run twice: the first samples the
  columns and links too (they are due on a site's first visit), the second is a steady
  round of home pages (columns are sampled every 6 h). Wall time and the peak RSS of the
  monitor process (goal: ≤ 30 s, ≤ 300 MB).
- status: 1,000 sites × 140 visits written through the API, then `govaudit monitor status
  --json` (goal ≤ 2 s, process start included; the in-process time is printed too).
- soak: `govaudit monitor start --every 5s` over 50 sites for --soak seconds, the
  monitor's RSS sampled every 5 s; growth from the first sample after warm-up.

Run: .venv/bin/python benchmarks/monitor_bench.py [--sites 1000] [--soak 180] [--skip-tick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from govaudit import Audit

ROOT = Path(__file__).resolve().parents[1]
GOVAUDIT = [sys.executable, "-m", "commands"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def home_page(port: int) -> bytes:
    today = date.today().isoformat()
    items = "".join(f'<li><a href="/art/{i}.html">第{i}条工作动态消息的标题文字</a>'
                    f"<span>{today}</span></li>" for i in range(3))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>站点{port}</title>"
            "</head><body><ul class='nav'><li><a href='/news/'>工作动态</a></li>"
            "<li><a href='/notice/'>通知公告</a></li></ul>"
            f"<ul class='list'>{items}</ul><div class='footer'>主办单位</div>"
            "</body></html>").encode()


async def serve(first_port: int, count: int) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = writer.get_extra_info("sockname")[1]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, path = head.split(b" ", 2)[:2]
                body = home_page(port) if path in (b"/", b"/news/", b"/notice/") else (
                    b"<html><body><p>article</p></body></html>")
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                             b"Content-Length: %d\r\n\r\n" % len(body))
                if method != b"HEAD":
                    writer.write(body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(handle, "127.0.0.1", first_port + i, backlog=64)
               for i in range(count)]
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


def free_port_range(count: int) -> int:
    import socket

    for start in range(20000, 60000 - count, count):
        try:
            probe = [socket.create_server(("127.0.0.1", p)) for p in (start, start + count - 1)]
        except OSError:
            continue
        for sock in probe:
            sock.close()
        return start
    raise SystemExit("no free port range")


def start_server(count: int) -> tuple[subprocess.Popen, int]:
    first = free_port_range(count)
    child = subprocess.Popen([sys.executable, __file__, "--serve", str(first), str(count)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child, first


def make_workspace(folder: Path, sites: list[tuple[str, str]]) -> Path:
    sys.path.insert(0, str(ROOT))
    from govaudit.store import Site, Store
    from govaudit.workspace import init_workspace

    ws = init_workspace(folder, "cstc-2020-local", "bench")
    Store(ws).add_sites([Site(name, url, "city") for name, url in sites])
    return ws.root


def timed_run(args: list[str], cwd: Path) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS in MB of that process, stdout).

    The CPU time is printed beside the wall time because this machine is shared: under
    load the wall time is mostly waiting for a core.
    """
    started = time.perf_counter()
    child = subprocess.Popen([*GOVAUDIT, *args], cwd=cwd, env=ENV, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stderr is not None
    out = child.stdout.read()
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {err}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def bench_tick(count: int, tmp: Path) -> None:
    server, first = start_server(count)
    try:
        root = make_workspace(tmp / "tick", [(f"站点{i}", f"http://127.0.0.1:{first + i}/")
                                             for i in range(count)])
        for label in ("first tick (home pages, columns and links)",
                      "steady tick (home pages)"):
            seconds, cpu, peak, out = timed_run(["monitor", "tick", "--json",
                                                 "--concurrency", "50"], root)
            visits = json.loads(out)["visits"]
            failed = sum(not v["ok"] for v in visits)
            print(f"{label}: {count} sites in {seconds:.1f} s ({cpu:.1f} s CPU), peak RSS "
                  f"{peak:.0f} MB, {failed} failed; {load()}", flush=True)
    finally:
        server.terminate()
        server.wait()


def bench_status(count: int, tmp: Path) -> None:
    root = make_workspace(tmp / "status", [(f"站点{i}", f"http://127.0.0.1:9/{i}")
                                           for i in range(count)])
    from govaudit.monitor import Visit
    from govaudit.workspace import open_workspace

    now = time.time()
    with Audit(open_workspace(root, explicit=True)).monitor() as monitor:
        started = time.perf_counter()
        monitor.record(visits=[Visit(f"站点{i}", now - j * 4320, j % 29 != 0,
                                     200 if j % 29 else None, "" if j % 29 else "refused",
                                     100.0, newest_date=date.today().isoformat())
                               for i in range(count) for j in range(140)])
        wrote = time.perf_counter() - started
        started = time.perf_counter()
        statuses = monitor.status(7 * 86400)
        in_process = time.perf_counter() - started
    assert len(statuses) == count and statuses[0].figures.visits == 140
    seconds, cpu, _, out = timed_run(["monitor", "status", "--json"], root)
    assert len(json.loads(out)["sites"]) == count
    print(f"status: {count} sites × 140 samples ({count * 140:,} written in {wrote:.1f} s): "
          f"`monitor status --json` {seconds:.2f} s ({cpu:.2f} s CPU, process start "
          f"included; {in_process:.2f} s in process); {load()}", flush=True)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bench_soak(seconds: int, tmp: Path, count: int = 50) -> None:
    server, first = start_server(count)
    try:
        root = make_workspace(tmp / "soak", [(f"站点{i}", f"http://127.0.0.1:{first + i}/")
                                             for i in range(count)])
        child = subprocess.Popen([*GOVAUDIT, "monitor", "start", "--every", "5s", "--for",
                                  f"{seconds}s", "--columns-every", "1m"], cwd=root, env=ENV,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples: list[tuple[float, float]] = []
        started = time.monotonic()
        while child.poll() is None:
            time.sleep(5)
            try:
                samples.append((time.monotonic() - started, rss_mb(child.pid)))
            except (FileNotFoundError, ProcessLookupError):
                break
        child.wait()
        samples = [s for s in samples if s[1] > 0]
        warm = [rss for at, rss in samples if at >= min(60, seconds / 4)]
        base, last, top = warm[0], warm[-1], max(warm)
        print(f"soak: {count} sites every 5 s for {seconds} s: RSS {base:.1f} MB after "
              f"warm-up → {last:.1f} MB at the end (max {top:.1f} MB), growth "
              f"{(last - base) / base:+.1%}; {load()}", flush=True)
        import sqlite3

        from govaudit.monitor.db import FILE_NAME

        visits = sqlite3.connect(root / "data" / FILE_NAME).execute(
            "SELECT count(*) FROM visits").fetchone()[0]
        print(f"soak: {visits} visits recorded")
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--soak", type=int, default=180, help="seconds (0: no soak)")
    parser.add_argument("--skip-tick", action="store_true")
    parser.add_argument("--skip-status", action="store_true")
    parser.add_argument("--serve", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        try:
            import uvloop

            uvloop.run(serve(*args.serve))
        except ImportError:
            asyncio.run(serve(*args.serve))
        return
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if not args.skip_tick:
            bench_tick(args.sites, tmp)
        if not args.skip_status:
            bench_status(args.sites, tmp)
        if args.soak:
            bench_soak(args.soak, tmp)


if __name__ == "__main__":
    main()
