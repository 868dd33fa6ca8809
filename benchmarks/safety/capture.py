"""Evidence capture against hostile pages, captured for real with Chromium on loopback.

The pages of tests/hostile_capture_server.py: popups, frames inside cross-site frames and
workers aimed at a private host, pages that go on to one (the browser's blocked page), meta
refreshes and script redirects in several spellings, pages that never finish, a download
larger than the cap, pages that eat memory (a script, bodies of gigabytes from
tests/hostile_server.py), a 404 asked for on purpose. One batch through the library, one
through the real CLI, two with a low memory limit.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.safety import Case
from govaudit.capture import CaptureOptions, Target, run_captures
from govaudit.model import Evidence
from govaudit.store import Site, Store
from govaudit.workspace import Workspace, init_workspace
from tests.hostile_capture_server import FINAL, PATHS, Admin, capture_servers
from tests.hostile_server import hostile_server

ROOT = Path(__file__).resolve().parents[2]
PRIVATE = "private network"
KEPT = "evidence kept"
WORK = "unbounded work"
REDIRECTS = {"/meta": "meta refresh", "/meta-quoted": "meta refresh",
             "/meta-late": "meta refresh", "/script-href": "script",
             "/script-replace": "script", "/script-timer": "script",
             "/header-refresh": "refresh header"}


def _workspace(folder: Path, site: str) -> Workspace:
    ws = init_workspace(folder, str(ROOT / "tests" / "fixtures" / "mini.yaml"), "张三")
    Store(ws).add_sites([Site("门户市", f"{site}/final", "city")])
    return ws


def _said(record: Evidence) -> str:
    blocked = ", ".join(f"{b['what']} {b['url'].rsplit('/', 1)[-1]}" for b in record.blocked)
    return (f"failure={record.failure or '-'} status={record.status} "
            f"files={[f.kind for f in record.files]} blocked=[{blocked}] "
            f"{record.error[:60]}")


def _private_cases(records: dict[str, Evidence], hits: list[str]) -> list[Case]:
    cases = []
    for path, leak, what, name in (
            ("/popup", "/popup", "popup", "window.open to a private host"),
            ("/outer", "/nested", "frame", "frame inside a cross-site frame"),
            ("/worker", "/worker", "fetch", "a worker's fetch to a private host"),
            ("/frame", "/frame", "frame", "iframe of a private host, recorded")):
        record = records[path]
        held = (leak not in hits and not record.failed
                and any(b["what"] == what and b["url"].endswith(leak)
                        for b in record.blocked))
        cases.append(Case(PRIVATE, name, held, _said(record)))
    for path, name in (("/refresh-private", "meta refresh to a private host"),
                       ("/script-private", "script redirect to a private host")):
        record = records[path]
        held = (record.failure == "refused" and record.status is None
                and "private address" in record.error and path.split("-")[0] not in hits)
        cases.append(Case(PRIVATE, f"{name}: the browser's blocked page", held, _said(record)))
    return cases


def _kept_cases(records: dict[str, Evidence], site: str) -> list[Case]:
    cases = []
    for path, via in REDIRECTS.items():
        record = records[path]
        hops = [(h["url"].removeprefix(site), h["via"]) for h in record.navigation]
        held = (record.title == FINAL and not record.error
                and hops == [(path, ""), ("/final", via)])
        cases.append(Case(KEPT, f"home page {path} ({via})", held, f"hops={hops} "
                          + _said(record)))
    for path, name in (("/never", "a server that never answers"),
                       ("/stall", "a page that stops half-way")):
        record = records[path]
        shots = [f for f in record.files if f.kind == "png"]
        held = (record.failure == "timeout" and bool(shots)
                and all(f.taken == "deadline" for f in shots))
        cases.append(Case(KEPT, f"timeout: {name}", held, _said(record)))
    return cases


def _cli_404(folder: Path, site: str) -> Case:
    ws = _workspace(folder / "ws-cli", site)
    done = subprocess.run([sys.executable, "-m", "commands", "evidence", "--json", "--url",
                           f"{site}/missing", "--timeout", "5"], cwd=ws.root,
                          capture_output=True, text=True, timeout=120)
    out = json.loads(done.stdout) if done.stdout.strip() else {"captures": [], "failed": -1}
    [capture] = out["captures"] or [{"status": None, "failed": True}]
    held = done.returncode == 0 and out["failed"] == 0 and capture["status"] == 404
    return Case(KEPT, "a 404 asked for with --url", held,
                f"exit {done.returncode}, failed={out['failed']}, status={capture['status']}")


def run(folder: Path) -> list[Case]:
    cases: list[Case] = []
    with capture_servers() as urls:
        site = urls["site"]
        ws = _workspace(folder / "ws", site)
        targets = [Target("门户市", site + path) for path in PATHS]
        targets.append(Target("门户市", urls["partner"] + "/"))
        Admin.hits.clear()
        result = run_captures(ws, Store(ws),
                              targets, CaptureOptions(timeout_s=5, max_download_mb=1),
                              concurrency=3)
        records = {r.requested_url.removeprefix(site): r for r in result.records}
        hits = list(Admin.hits)
        cases += _private_cases(records, hits)
        cases.append(Case(PRIVATE, "the private host saw no request at all", hits == [],
                          f"requests there: {hits}"))
        cases += _kept_cases(records, site)
        missing = records["/missing"]
        cases.append(Case(KEPT, "a 404 page in a batch", missing.status == 404
                          and not missing.failed, _said(missing)))
        cases.append(Case(KEPT, "records in the order of the list",
                          list(records) == [*PATHS, urls["partner"] + "/"], ""))
        bomb = records["/popup-bomb"]
        cases.append(Case(WORK, "a page opening 50 popups", not bomb.error
                          and len(bomb.blocked) == 50 and bomb.duration_ms < 15_000,
                          f"{bomb.duration_ms} ms " + _said(bomb)))
        big = records["/big-download"]
        left = list((ws.evidence_dir / "门户市").glob("*big-download*"))
        cases.append(Case(WORK, "a 3 MB download over a 1 MB cap", big.files == ()
                          and "over the 1.0 MB limit" in big.error and not left,
                          _said(big)))
        cases.append(_cli_404(folder, site))
        started = time.monotonic()
        hog = run_captures(ws, Store(ws),
                           [Target("门户市", site + "/hog"), Target("门户市", site + "/final")],
                           CaptureOptions(timeout_s=10, memory_limit_mb=96), concurrency=2,
                           save=False)
        ate, other = hog.records
        seconds = time.monotonic() - started
        cases.append(Case(WORK, "a page allocating as fast as it can, 96 MB",
                          ate.failure == "memory" and other.title == FINAL
                          and not other.error,
                          f"{seconds:.1f} s; " + _said(ate)))
        cases += _big_bodies(folder, site)
    return cases


def _big_bodies(folder: Path, site: str) -> list[Case]:
    """Bodies of gigabytes (an endless chunked one, a 2 GB Content-Length) at a 256 MB limit:
    each capture ends within its limits, and the page beside them is captured."""
    cases = []
    ws = _workspace(folder / "ws-bodies", site)
    with hostile_server() as base:
        started = time.monotonic()
        result = run_captures(ws, Store(ws), [Target("门户市", base + "/endless-chunked"),
                                   Target("门户市", base + "/huge-length"),
                                   Target("门户市", site + "/final")],
                              CaptureOptions(timeout_s=5, memory_limit_mb=256), concurrency=3,
                              save=False)
        seconds = time.monotonic() - started
    *bodies, other = result.records
    for record in bodies:
        held = record.failure in ("memory", "timeout") and record.duration_ms < 60_000
        cases.append(Case(WORK, f"a body of gigabytes: {record.requested_url[-15:]}", held,
                          f"{record.duration_ms} ms; " + _said(record)))
    cases.append(Case(WORK, "the page beside them", other.title == FINAL
                      and not other.error, f"run {seconds:.1f} s; " + _said(other)))
    return cases
