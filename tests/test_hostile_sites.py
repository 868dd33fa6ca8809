"""Hostile sites through `govaudit check`: each ends within its timeout with a recorded reason.

One hostile server on 127.0.0.1 (tests/hostile_server.py) serves every kind of trouble; one
`check` run visits all of them under an address-space limit, so memory stays bounded too.
"""

from __future__ import annotations

import asyncio
import json
import resource
from collections.abc import Iterator
from datetime import date

import pytest

from govaudit.probes.fetch import Page as Answer
from govaudit.probes.visit import read_apart
from tests.conftest import run_govaudit
from tests.fixtures.probe_site import self_signed_certificate
from tests.hostile_server import hostile_server

LIMIT_AS = 3 << 29  # 1.5 GB
TIMEOUT = "5"

# path -> (availability error, or None when the page itself is fine; the home-page reason)
# the whole run, all of them at once, takes about half a minute
EXPECTED: dict[str, tuple[str | None, str | None]] = {
    "/chain/0": ("more than 10 redirects", "more than 10 redirects"),
    "/loop": ("redirect loop", "redirect loop"),
    "/to-file": ("only http and https are followed", "only http and https are followed"),
    "/to-javascript": ("invalid URL", "invalid URL"),
    "/to-ftp": ("only http and https are followed", "only http and https are followed"),
    "/trickle": ("deadline of 5s exceeded", "deadline of 5s exceeded"),
    "/never": ("deadline of 5s exceeded", "deadline of 5s exceeded"),
    # endless bodies are cut at the 5 MB cap and read as far as they came ("" : either way)
    "/endless-chunked": ("", None),
    "/huge-length": ("", None),
    "/auth": ("HTTP 401", "HTTP 401"),
    "/download": (None, "not HTML (application/octet-stream)"),
    "/bad-utf8": (None, None),
    "/lying-charset": (None, None),
    "/links": (None, None),
}


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str | None]]:
    made = self_signed_certificate(tmp_path_factory.mktemp("tls"))
    with hostile_server() as plain:
        if isinstance(made, str):
            yield plain, None
            return
        with hostile_server(made) as tls:
            yield plain, tls


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))


def _errors(probe: dict) -> str:
    return " ".join([*probe.get("errors", []), probe.get("error", "") or "",
                     probe.get("tls_error", "") or ""])


def test_every_hostile_site_ends_with_its_reason(servers: tuple[str, str | None],
                                                 make_workspace) -> None:
    plain, tls = servers
    sites = [(f"站{n}", plain + path, "city") for n, path in enumerate(EXPECTED)]
    ws = make_workspace(sites=sites)
    # a process of its own: the memory limit holds for the command, not for the test run
    # every site is on the one test server: 20 requests to it at once, not 6 (the 5,000 link
    # checks of /links took 45 s of the run at 6)
    done = run_govaudit("check", "--json", "--samples", "1", "--interval", "0",
                        "--timeout", TIMEOUT, "--link-timeout", "3", "--allow-private",
                        "--per-host", "20", "--probe", "availability", "--probe", "links",
                        "--probe", "marks", cwd=ws.root, timeout=300, preexec_fn=_limit)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode == 0, done.stderr[-3000:]
    data = {s["url"]: s["probes"] for s in json.loads(done.stdout)["sites"]}
    for path, (availability, home) in EXPECTED.items():
        probes = data[plain + path]
        if availability:
            assert availability in _errors(probes["availability"]), (path, probes)
        elif availability is None:
            assert probes["availability"]["failures"] == 0, (path, probes)
        for name in ("links", "marks"):
            if home:
                assert probes[name]["failed"] is True, (path, name)
                assert home in probes[name]["error"], (path, name, probes[name])
    # 100,000 links: the first 5,000 are checked, the rest counted, not fetched
    links = data[plain + "/links"]["links"]
    assert links["checked"] == 5_000 and links["broken_count"] == 0
    assert links["skipped"] == {"beyond the first 5000 links": 95_000}
    # bytes that are not UTF-8, and GBK sent without a charset, are read without failing
    assert data[plain + "/bad-utf8"]["marks"].get("failed") is not True
    assert data[plain + "/lying-charset"]["marks"].get("failed") is not True
    if tls:
        # in a run of its own, so that its 5 s deadline is the handshake's alone on a
        # loaded machine
        alone = make_workspace(name="tls", sites=[("自签市", tls + "/chain/50", "city")])
        done = run_govaudit("check", "--json", "--samples", "1", "--interval", "0",
                            "--timeout", TIMEOUT, "--allow-private", "--probe", "availability",
                            cwd=alone.root, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        [site] = json.loads(done.stdout)["sites"]
        chain = site["probes"]["availability"]
        assert "self-signed certificate" in chain["tls_error"], chain


def test_a_page_of_100000_links_is_read_beside_the_event_loop() -> None:
    """Reading the page model of a large page (seconds of work) leaves the run's event loop
    free for the other sites' requests: a ticker on the loop keeps ticking while it reads."""
    links = "".join(f'<a href="/l/{n}">{n}</a>' for n in range(100_000))
    answer = Answer(url="http://127.0.0.1/links", status=200,
                    html=f"<html><body><ul>{links}</ul></body></html>")

    async def read() -> tuple[int, int]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.ensure_future(tick())
        await asyncio.sleep(0)
        before = ticks
        found = await read_apart(answer, answer.url, date(2026, 12, 1), whole=True)
        during = ticks - before
        ticker.cancel()
        assert found.page is not None
        return during, len(found.page.links)

    during, count = asyncio.run(read())
    assert count == 100_000
    # read on the loop, the ticker would not tick at all until the page is read
    assert during >= 10, during
