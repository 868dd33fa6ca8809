"""Hostile sites through `govaudit evidence`: one batch, each page ends within its timeout
with a recorded reason (or a capture), and the batch goes on to the next.

The timeouts leave room for a busy machine: a redirect chain or a 5 MB body that meets its
own limit must not meet the deadline first.
"""

from __future__ import annotations

import json

from tests.conftest import run_cli, run_govaudit
from tests.hostile_server import PATHS, hostile_server

# the pages that cannot give a good capture, and a word their record's error holds
FAILING = {
    "/chain/0": "redirect", "/loop": "redirect", "/to-file": "", "/to-javascript": "",
    "/to-ftp": "", "/trickle": "", "/never": "", "/auth": "auth", "/download": "download",
}


def test_evidence_ends_every_hostile_page_with_its_reason(make_workspace) -> None:
    with hostile_server() as base:
        names = {f"站{n}": path for n, path in enumerate(PATHS)}
        ws = make_workspace(sites=[(name, base + path, "city") for name, path in names.items()])
        # four at a time: five of the pages wait out the 15 s (91 → 55 s on a quiet machine)
        done = run_cli("evidence", "--json", "--timeout", "15", "--allow-private",
                       "--concurrency", "4", cwd=ws.root)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode in (0, 1), done.stderr[-3000:]
    captures = {c["site"]: c for c in json.loads(done.stdout)["captures"]}
    assert set(captures) == set(names)  # the batch went on past every one
    reasons = {path: f"{captures[name]['failure']} {captures[name]['error']}"
               for name, path in names.items()}
    for name, path in names.items():
        capture = captures[name]
        if path in FAILING:
            assert capture["error"], (path, capture)
            assert FAILING[path].lower() in reasons[path].lower(), reasons
        assert capture["files"] or capture["error"], (path, capture)


DEADLINE = 30  # seconds: the monitor's page deadline
DEADLINE_TEXT = f"deadline of {DEADLINE}s exceeded"
# Bodies the monitor cuts at 5 MB: on a busy machine (the whole suite in parallel) the 100,000
# links of /links hold the monitor's loop long enough that the deadline can come first.
BODY_CAPPED = ("/endless-chunked",)
# path -> what the monitor's sample says: its error, or "" for a page that answers
MONITOR = {
    "/to-file": "only http and https are followed", "/to-javascript": "invalid URL",
    "/to-ftp": "only http and https are followed", "/chain/0": "more than 10 redirects",
    "/loop": "redirect loop", "/auth": "HTTP 401", "/trickle": f"deadline of {DEADLINE}s exceeded",
    "/never": f"deadline of {DEADLINE}s exceeded",
    "/huge-length": "larger than 5,000,000 bytes",
    "/endless-chunked": "larger than 5,000,000 bytes",
    "/bad-utf8": "", "/lying-charset": "", "/links": "", "/dialogs": "", "/infinite-scroll": "",
}


def test_monitor_tick_samples_every_hostile_site_with_its_reason(make_workspace) -> None:
    with hostile_server() as base:
        names = {f"站{n}": path for n, path in enumerate(PATHS)}
        ws = make_workspace(sites=[(name, base + path, "city") for name, path in names.items()])
        # a process of its own: the hostile server runs in this one, and an endless stream
        # must reach the command as fast as it reads, not share a GIL with it
        done = run_govaudit("monitor", "tick", "--json", "--timeout", str(DEADLINE),
                            "--host-interval", "0s", "--no-screenshots", "--allow-private",
                            cwd=ws.root, timeout=240)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-3000:]
    visits = {v["site"]: v for v in json.loads(done.stdout)["visits"]}
    assert set(visits) == set(names)
    for name, path in names.items():
        visit = visits[name]
        if path not in MONITOR:
            continue
        if path in BODY_CAPPED:  # cut by its size, or by the deadline when the CPU is short
            assert visit["ok"] is False and any(
                reason in visit["error"] for reason in (MONITOR[path], DEADLINE_TEXT)), visit
        elif MONITOR[path]:
            assert visit["ok"] is False and MONITOR[path] in visit["error"], (path, visit)
        else:
            assert visit["ok"] is True, (path, visit)
