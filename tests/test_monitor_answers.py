"""The monitor's answers through the probes' suggestion rules (its figures read as the probes'
typed results, the gov-2019 levels deciding yes or no), and --skip-host for its links."""

from __future__ import annotations

import http.server
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from govaudit import Audit
from govaudit.monitor import ColumnSample, LinkSample, Visit, VisitOptions
from govaudit.monitor.db import FILE_NAME
from govaudit.monitor.durations import DAY, china_date
from govaudit.monitor.schedule import Campaign
from govaudit.store import Store

Q_UP, Q_LINKS, Q_FRESH = ("daily-operations.q1", "daily-operations.q2",
                          "daily-operations.q4")
QUIET = ("--timeout", "3", "--host-interval", "0s", "--no-screenshots")


def _week(site: str, failed_per_day: int, per_day: int, now: float) -> list[Visit]:
    return [Visit(site, now - d * DAY - (i + 0.5) * DAY / per_day, i >= failed_per_day,
                  200 if i >= failed_per_day else 500,
                  "" if i >= failed_per_day else "HTTP 500", 80.0)
            for d in range(7) for i in range(per_day)]


def _answers(ws, question: str) -> dict[str, tuple[str, str]]:
    return {a.site: (str(a.value), a.note) for a in Store(ws).answers()
            if a.question == question and a.evaluator == "probe"}


def test_a_failure_share_inside_the_warning_band_answers_yes_and_says_so(cli, make_workspace):
    """1 failed visit of 28 a day (3.6%): past the 3% warning, below the 5% veto."""
    ws = make_workspace("cstc-2020-local", sites=[
        ("预警市", "http://127.0.0.1:9/", "city"), ("正常市", "http://127.0.0.1:8/", "city"),
        ("否决市", "http://127.0.0.1:7/", "city")])
    now = time.time()
    with Audit.open(ws.root).monitor() as monitor:
        monitor.record(visits=_week("预警市", 1, 28, now) + _week("正常市", 1, 40, now)
                       + _week("否决市", 2, 28, now))
    done = cli("monitor", "apply", "-w", str(ws.root))
    assert done.exit_code == 0, done.output
    up = _answers(ws, Q_UP)
    value, note = up["预警市"]
    assert value == "yes"
    assert note.startswith("monitoring: 站点无法访问 warning: 7 of 196 visits failed (3.6%)")
    assert "answered yes, but 站点无法访问 is within the warning band (warning from 3%, " \
           "veto from 5%)" in note
    assert note.endswith("— 7 of 196 requests failed (HTTP 500)")  # the probe's own rule
    assert up["正常市"][0] == "yes" and "warning band" not in up["正常市"][1]
    assert up["否决市"][0] == "no" and up["否决市"][1].startswith(
        "monitoring: 站点无法访问 veto: 14 of 196 visits failed (7.1%)")


def test_links_and_freshness_are_answered_by_the_probes_rules(make_workspace):
    home = "http://127.0.0.1:9/"
    ws = make_workspace("cstc-2020-local", sites=[("测试市", home, "city")])
    now = time.time()
    fresh = (china_date(now) - timedelta(days=3)).isoformat()
    audit = Audit.open(ws.root)
    with audit.monitor() as monitor:
        monitor.record(
            visits=[Visit("测试市", now - 60, True, 200, newest_date=fresh)],
            columns=[ColumnSample("测试市", f"{home}news/", "工作动态", "news", fresh, 5, 5,
                                  False, True, "", now - 60)],
            links=[LinkSample("测试市", home, f"{home}gone", False, 404, "", now - 60),
                   LinkSample("测试市", home, "http://127.0.0.1:6/old", False, None,
                              "connection refused", now - 60),
                   LinkSample("测试市", home, f"{home}ok", True, 200, "", now - 60)])
    assert audit.apply_monitoring(["测试市"]) == 2
    value, note = _answers(ws, Q_LINKS)["测试市"]
    assert value == "no"
    assert note.startswith("monitoring: 链接不可用 warning: ")
    # the links probe's rule: a 404 is broken; no answer at all could not be judged
    assert note.endswith(f"— 1 of 2 links broken: {home}gone (404); 1 more could not be "
                         "checked from this machine (connection refused 1)")
    value, note = _answers(ws, Q_FRESH)["测试市"]
    assert value == "yes"
    assert note.startswith("monitoring: 首页不更新 ok: ")
    assert note.endswith(f"— newest date {fresh} on {home}, 3 day(s) before "
                         f"{china_date(now).isoformat()}")
    assert Q_UP not in {a.question for a in Store(ws).answers()}  # one visit: not a week


# -- --skip-host -------------------------------------------------------------------------------


@pytest.fixture
def linking_site() -> Iterator[str]:
    """A home page linking to itself on 127.0.0.1 and on localhost."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            port = self.server.server_address[1]
            body = (f"<html><body><a href='http://localhost:{port}/x'>本地主机的链接文字</a>"
                    "<a href='/y'>本站的链接文字</a></body></html>").encode()
            self.send_response(200 if self.path in ("/", "/x", "/y") else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET  # noqa: N815

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _links(ws) -> list[str]:
    with sqlite3.connect(ws.data_dir / FILE_NAME) as db:
        return sorted(u for (u,) in db.execute("SELECT DISTINCT url FROM links"))


def test_tick_counts_links_to_a_skipped_host_and_checks_the_others(cli, make_workspace,
                                                                   linking_site):
    ws = make_workspace(sites=[("测试市", f"{linking_site}/", "city")])
    done = cli("monitor", "tick", *QUIET, "--columns-every", "0", "--allow-private",
               "--skip-host", "LOCALHOST", "--json", "-w", str(ws.root))
    assert done.exit_code == 0, done.output
    [visit] = json.loads(done.stdout)["visits"]
    assert visit["ok"] and visit["skipped_links"] == 1
    assert _links(ws) == [f"{linking_site}/y"]
    shown = cli("monitor", "tick", *QUIET, "--columns-every", "0", "--allow-private",
                "--skip-host", "localhost", "-w", str(ws.root))
    assert "1 link(s) to skipped hosts not checked" in shown.stdout
    cli("monitor", "tick", *QUIET, "--columns-every", "0", "--allow-private", "-w",
        str(ws.root))
    port = linking_site.rsplit(":", 1)[1]
    assert f"http://localhost:{port}/x" in _links(ws)  # without --skip-host it is checked


class _Stop(Exception):
    pass


def test_start_remembers_its_skipped_hosts_when_it_resumes(make_workspace, linking_site):
    ws = make_workspace(sites=[("测试市", f"{linking_site}/", "city")])
    audit = Audit.open(ws.root)
    seen: list[tuple[bool, int]] = []
    resumed: list[bool] = []

    def stop(result) -> None:
        seen.append((resumed[-1], result.skipped_links))
        raise _Stop

    def start(options: VisitOptions) -> None:
        with audit.monitor() as monitor, pytest.raises(_Stop):
            monitor.start(1.0, 3600.0, None, options,
                          on_start=lambda campaign, again, count: resumed.append(again),
                          on_visit=stop)

    fast = {"timeout": 3.0, "host_interval": 0.0, "columns_every": 0.0,
            "allow_private": True}
    start(VisitOptions(skip_hosts=("localhost",), **fast))
    start(VisitOptions(**fast))  # the same run resumed, without --skip-host
    assert seen == [(False, 1), (True, 1)]
    with audit.monitor() as monitor:
        campaign = Campaign.from_json(monitor.db.meta("campaign"))
    assert campaign is not None and campaign.skip_hosts == ["localhost"]


def test_the_veto_lines_answer_the_inspection_questions_in_the_problem_sense(make_workspace):
    """gov-2019-website asks whether the problem is there: a site down on 7.1% of a week's
    visits gets yes to 站点无法访问 (and is vetoed once confirmed), one up gets no; the column
    counts are the rule's own figures (空白栏目, not updated)."""
    home = "http://127.0.0.1:9/"
    ws = make_workspace("gov-2019-website", sites=[("否决市", "http://127.0.0.1:7/", "portal"),
                                                   ("正常市", home, "portal")])
    now = time.time()
    old = (china_date(now) - timedelta(days=40)).isoformat()
    audit = Audit.open(ws.root)
    with audit.monitor() as monitor:
        monitor.record(
            visits=_week("否决市", 2, 28, now) + _week("正常市", 0, 28, now)
            + [Visit("正常市", now - 30, True, 200, newest_date=china_date(now).isoformat())],
            columns=[ColumnSample("正常市", f"{home}c{n}/", f"工作动态{n}", "news",
                                  None if n < 2 else old, 0 if n < 2 else 5,
                                  0 if n < 2 else 5, n < 2, True, "", now - 60)
                     for n in range(3)])
    audit.apply_monitoring()
    unreachable = _answers(ws, "unreachable.q1")
    assert unreachable["否决市"][0] == "yes" and unreachable["否决市"][1].startswith(
        "monitoring: 站点无法访问 veto: 14 of 196 visits failed (7.1%)")
    assert unreachable["正常市"][0] == "no"
    assert _answers(ws, "home-stale.q1")["正常市"][0] == "no"
    assert _answers(ws, "columns-stale.q3")["正常市"][0] == "2"  # 空白栏目
    assert _answers(ws, "columns-stale.q1")["正常市"][0] == "1"  # 动态 40 days old
    scores = audit.score()
    assert scores.site("否决市").vetoes == ("站点无法访问",)
    assert scores.site("正常市").vetoes == ()


def test_apply_json_counts_the_answers_saved(make_workspace):
    ws = make_workspace("cstc-2020-local", sites=[("正常市", "http://127.0.0.1:8/", "city")])
    with Audit.open(ws.root).monitor() as monitor:
        monitor.record(visits=_week("正常市", 0, 24, time.time()))
    from tests.conftest import run_cli

    done = run_cli("monitor", "apply", "--window", "7d", "--json", cwd=ws.root)
    assert done.returncode == 0, done.stderr
    applied = json.loads(done.stdout)
    assert applied == {"saved": len(Store(ws).answers()), "window_seconds": 7 * DAY,
                       "rules": "gov-2019"}
    assert applied["saved"] >= 1 and _answers(ws, Q_UP)["正常市"][0] == "yes"
