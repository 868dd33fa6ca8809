"""An anti-bot challenge that Chromium does not get past either: the site is down for a
reader too, in `check` and in `monitor` alike; with no browser to ask, a challenge is neither
up nor down (not counted)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from test_data_safety_urls import _Handler

from govaudit.model import Site
from govaudit.monitor import Monitor, VisitOptions
from govaudit.monitor.db import FILE_NAME
from govaudit.probes.run import CheckOptions, check_sites
from govaudit.store import Store

TODAY = dt.date(2026, 12, 5)
NOON = dt.datetime(2026, 12, 5, 4, 0, tzinfo=dt.UTC).timestamp()
# a 瑞数-like challenge whose script never arrives: every client, Chromium too, stays on it
RUISHU = ("<!DOCTYPE html><html><head><meta id='Vz3q' content='Q2x1QmFzZTY0U3RyaW5n' r='m'>"
          "<script type='text/javascript' r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};"
          "$_ts.nsd=48213;$_ts.cd='qXrLrrAlcqa';</script>"
          "<script type='text/javascript' charset='utf-8' src='/Ab9z/xQ3f.b4c45da.js' r='m'>"
          "</script></head><body></body></html>")


@pytest.fixture
def walled(serve) -> str:
    class Handler(_Handler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/":
                return self.send(412, RUISHU,
                                 {"Set-Cookie": "FSSBBIl1UgzbN7N80S=abc; Path=/"})
            return self.send(404, "")

    return f"http://127.0.0.1:{serve(Handler)}/"


def test_a_challenge_the_browser_does_not_pass_is_down_in_check_and_monitor(
        make_workspace, walled: str):
    [result] = check_sites([Site("设防县", walled, "county")], CheckOptions(
        samples=2, interval=0, today=TODAY, allow_private=True, probes=("availability",)))
    availability = result.probes["availability"]
    assert (availability.samples, availability.failures, availability.challenged) == (2, 2, 2)
    assert "the browser did not get past the challenge" in availability.browser
    assert availability.refused == 0

    ws = make_workspace(sites=[("设防县", walled, "county")])
    with Monitor(ws, Store(ws), ws.checklist, clock=lambda: NOON) as monitor:
        [visit] = monitor.tick(options=VisitOptions(timeout=8, host_interval=0,
                                                    allow_private=True))
        [status] = monitor.status()
    assert (visit.visit.ok, visit.visit.status, visit.visit.outcome) == (
        False, 412, "challenge-failed")
    assert "the browser did not get past the challenge" in visit.visit.browser
    unreachable = next(f for f in status.findings if f.rule == "unreachable")
    assert (unreachable.figures["failures"], unreachable.figures["challenged"]) == (1, 1)


def test_with_no_browser_a_challenge_is_neither_up_nor_down(make_workspace, walled: str):
    ws = make_workspace(sites=[("设防县", walled, "county")])
    with Monitor(ws, Store(ws), ws.checklist, clock=lambda: NOON) as monitor:
        [visit] = monitor.tick(options=VisitOptions(timeout=8, host_interval=0,
                                                    allow_private=True, browser=False))
        [status] = monitor.status()
    assert (visit.visit.ok, visit.visit.outcome) == (False, "challenge")
    unreachable = next(f for f in status.findings if f.rule == "unreachable")
    assert (unreachable.figures["failures"], unreachable.figures["undecided"]) == (0, 1)
    with sqlite3.connect(ws.data_dir / FILE_NAME) as db:
        assert db.execute("SELECT outcome FROM visits").fetchall() == [("challenge",)]
