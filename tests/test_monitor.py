"""govaudit monitor: real visits to sites on 127.0.0.1 that fail on a known schedule, the
faults a monitor meets, and the gov-2019 lines over samples written with explicit times."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import GOVAUDIT, run_cli
from fixtures.monitor_site import MonitorSite

from govaudit.checklist import checklist_path, load_checklist
from govaudit.model import Site
from govaudit.monitor import (
    ColumnSample,
    LinkSample,
    Monitor,
    Visit,
    monitor_suggestions,
    parse_duration,
    timeline_svg,
)
from govaudit.monitor.db import FILE_NAME
from govaudit.monitor.durations import DAY
from govaudit.monitor.findings import Window
from govaudit.monitor.schedule import next_slot, slot_offset
from govaudit.monitor.visits import china_date, fingerprint
from govaudit.store import Store

FAST = ("--timeout", "2", "--host-interval", "0s", "--no-screenshots")
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC).timestamp()  # 12:00 in China


@pytest.fixture
def site() -> Iterator[MonitorSite]:
    served = MonitorSite(china_date(time.time()))
    yield served
    served.close()


@pytest.fixture
def ws(make_workspace, site):
    return make_workspace(sites=[("测试市", site.url("/flaky/"), "city")])


def _status(cli, ws, *args: str) -> dict:
    result = cli("monitor", "status", "--json", *args, "-w", str(ws.root))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _finding(entry: dict, rule: str) -> dict:
    return next(f for f in entry["findings"] if f["rule"] == rule)


# -- durations ---------------------------------------------------------------------------


def test_durations_parse_and_refuse():
    assert [parse_duration(t) for t in ("5s", "30m", "6h", "7d", "90d", "2w", "1h30m",
                                        "500ms")] == [5, 1800, 21600, 604800, 7776000,
                                                      1209600, 5400, 0.5]
    assert parse_duration("0s", allow_zero=True) == 0
    for bad in ("", "7", "d", "7x", "-5s", "0s", "5 s s"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_bad_duration_is_a_usage_error(cli, ws):
    result = cli("monitor", "status", "--window", "7x", "-w", str(ws.root))
    assert result.exit_code == 2
    assert "--window" in result.output and "'7x' is not a duration" in result.output
    result = cli("monitor", "start", "--every", "0s", "-w", str(ws.root))
    assert result.exit_code == 2 and "longer than zero" in result.output


# -- real visits ----------------------------------------------------------------------------


def test_ticks_count_the_failures_of_a_site_that_fails_every_fourth_visit(cli, ws, site):
    for _ in range(8):
        result = cli("monitor", "tick", *FAST, "-w", str(ws.root))
        assert result.exit_code == 0, result.output
    assert "1 visit(s), " in result.stdout
    data = _status(cli, ws, "--window", "1h")
    entry = data["sites"][0]
    assert (entry["visits"], entry["failures"], entry["rate"]) == (8, 2, 0.25)
    assert (site.state.home_hits, site.state.home_failures) == (8, 2)
    unreachable = _finding(entry, "unreachable")
    assert unreachable["level"] == "insufficient-data"  # one hour is not a week of visits
    assert [s["error"] for s in unreachable["samples"]] == ["HTTP 500", "HTTP 500"]
    assert all(s["elapsed_ms"] is not None for s in unreachable["samples"])
    # the store is the workspace's one SQLite file, in WAL mode
    db = ws.data_dir / FILE_NAME
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_start_visits_on_a_schedule_and_status_reads_a_window_in_seconds(ws, site):
    done = run_cli("monitor", "start", "--every", "1s", "--for", "6s", *FAST, cwd=ws.root)
    assert done.returncode == 0, done.stderr
    assert "monitoring from" in done.stdout and "monitoring finished" in done.stdout
    data = json.loads(run_cli("monitor", "status", "--json", "--window", "30s",
                              cwd=ws.root).stdout)
    entry = data["sites"][0]
    # every visit the server saw is a sample, and every 500 it sent is a failed one
    assert entry["visits"] == site.state.home_hits >= 2
    assert entry["failures"] == site.state.home_failures
    assert data["window"]["length"] == "30s"
    table = run_cli("monitor", "status", "--window", "10s", cwd=ws.root)
    assert table.returncode == 0 and "测试市" in table.stdout and "站点无法访问" in table.stdout


@pytest.mark.parametrize(("path", "reason"), [
    ("/trickle/", "deadline of 2s exceeded"),
    ("/hang/", "deadline of 2s exceeded"),
    ("/forever/0", "more than 10 redirects"),
    ("/loop/", "redirect loop"),
    ("/huge/", "larger than 5,000,000 bytes"),
    ("/nothing-here", "HTTP 404"),
])
def test_faults_are_failed_visits_with_their_reason(cli, make_workspace, site, path, reason):
    ws = make_workspace(sites=[("故障市", site.url(path), "city")])
    result = cli("monitor", "tick", "--json", *FAST, "-w", str(ws.root))
    assert result.exit_code == 0, result.output
    (visit,) = json.loads(result.stdout)["visits"]
    assert visit["ok"] is False and reason in visit["error"], visit
    assert visit["elapsed_ms"] is not None and visit["elapsed_ms"] < 10_000  # within the cut
    stored = _status(cli, ws, "--window", "1h")["sites"][0]
    assert stored["failures"] == 1
    assert reason in _finding(stored, "unreachable")["samples"][0]["error"]


def test_columns_and_links_are_sampled_from_the_navigation(cli, make_workspace, site):
    ws = make_workspace(sites=[("门户市", site.url("/portal/"), "city")])
    for _ in range(2):
        result = cli("monitor", "tick", *FAST, "--columns-every", "0", "-w", str(ws.root))
        assert result.exit_code == 0, result.output
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        rows = {r["栏目"]: r for r in monitor.columns_table("门户市", 3600)}
        findings = {f.rule: f for f in monitor.findings("门户市", 3600)}
    assert set(rows) == {"工作动态", "通知公告", "人事信息", "专题专栏", "政策文件"}
    assert [rows[n]["state"] for n in ("工作动态", "通知公告", "人事信息", "专题专栏", "政策文件")
            ] == ["fresh", "stale", "undated", "empty", "closed"]
    assert rows["工作动态"]["类别"] == "动态要闻" and rows["工作动态"]["条目数"] == 4
    assert rows["工作动态"]["距今天数"] == 3 and rows["通知公告"]["距今天数"] == 400
    columns = findings["columns_stale"]
    assert columns.figures["not_updated"] == 3 and columns.figures["empty"] == 1
    assert columns.figures["not_updated_frequent"] == 2
    assert findings["home_stale"].level == "ok" and findings["home_stale"].figures["days"] == 0
    dead = findings["dead_links"]
    # /missing.html and the 政策文件 column failed in both samples; both on the home page
    assert dead.figures["dead_home"] == 2 and dead.level == "warning"
    assert sorted(s["url"].rsplit(":", 1)[1].split("/", 1)[1] for s in dead.samples) == [
        "missing.html", "portal/gone/"]
    assert [s["checks"] for s in dead.samples] == [2, 2]


def test_recorded_pages_are_columns_too(cli, make_workspace, site):
    from govaudit.store import PageRef, Store

    ws = make_workspace(sites=[("测试市", site.url("/flaky/"), "city")])
    Store(ws).record_page(PageRef("测试市", site.url("/portal/notice/")))
    result = cli("monitor", "tick", *FAST, "-w", str(ws.root))
    assert result.exit_code == 0, result.output
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        (row,) = monitor.columns_table("测试市", 3600)
    assert (row["栏目"], row["类别"], row["state"]) == ("通知公告", "通知公告/政策文件", "stale")


# -- one monitor per workspace, Ctrl-C, restarts -----------------------------------------------


def _wait_for(predicate, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.1)


def _visits_stored(ws) -> int:
    """How many visits the workspace's monitor store holds now (0 before it has its tables)."""
    with contextlib.closing(sqlite3.connect(ws.data_dir / FILE_NAME, timeout=30)) as db:
        try:
            return int(db.execute("SELECT count(*) FROM visits").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def test_a_second_monitor_refuses_naming_the_first_and_ctrl_c_resumes(ws, site):
    first = subprocess.Popen([*GOVAUDIT, "monitor", "start", "--every", "1s", "--for", "1h",
                              *FAST], cwd=ws.root, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        lock = ws.data_dir / "monitor.lock"
        _wait_for(lambda: lock.is_file() and lock.read_text().strip() == str(first.pid))
        # Ctrl-C once the monitor has said a round with a visit in it
        assert first.stdout is not None
        _wait_for(lambda: re.search(r"\b[1-9]\d* visit\(s\)", first.stdout.readline()))
        second = run_cli("monitor", "tick", cwd=ws.root)
        assert second.returncode == 1
        assert f"another monitor is running on this workspace (PID {first.pid}" in second.stderr
        first.send_signal(signal.SIGINT)
        out, err = first.communicate(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 130
    assert err.strip().count("\n") == 0 and "monitor stopped after" in err, err
    assert "Traceback" not in err
    said = int(err.split("monitor stopped after ")[1].split()[0])
    with sqlite3.connect(ws.data_dir / FILE_NAME) as db:
        assert said >= 1 and db.execute("SELECT count(*) FROM visits").fetchone()[0] == said
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        campaign, resumed = monitor.campaign(1.0, 3600.0, [])
    assert resumed and campaign.until > time.time()


def test_a_killed_monitor_keeps_the_visits_of_its_earlier_rounds(ws, site):
    first = subprocess.Popen([*GOVAUDIT, "monitor", "start", "--every", "1s", "--for", "1h",
                              *FAST], cwd=ws.root, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _visits_stored(ws) >= 2)  # on disk while the monitor runs on
    finally:
        first.kill()
        first.wait(timeout=30)
    assert site.state.home_hits - _visits_stored(ws) <= 2  # at most the visits in flight are lost


@pytest.mark.parametrize(("sites", "named", "says"), [
    ([], (), "no sites to monitor yet; add them with 'govaudit sites import FILE'"),
    ([("成都发布", "weixin:成都发布", "wechat"), ("天府市民云", "天府市民云", "app")], (),
     "the 2 site(s) chosen have none (成都发布 (weixin:成都发布), 天府市民云 (天府市民云))"),
    ([("成都发布", "weixin:成都发布", "wechat"), ("四川发布", "https://weibo.com/scfb", "weibo")],
     ("--site", "成都发布"), "the 1 site(s) chosen have none (成都发布 (weixin:成都发布))"),
], ids=["no sites", "new-media accounts only", "an account named"])
def test_start_without_a_web_site_says_so_in_one_line(cli, make_workspace, sites, named, says):
    ws = make_workspace("cstc-2020-newmedia", sites=sites)
    result = cli("monitor", "start", "--every", "1s", "--for", "2s", *named, *FAST,
                 "-w", str(ws.root))
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], lines
    assert not (ws.data_dir / "monitor.lock").exists()  # refused before it began


def test_restart_never_catches_up_missed_slots():
    interval = 1800.0
    offset = slot_offset("测试市", interval)
    assert 0 <= offset < interval and offset == slot_offset("测试市", interval)
    later = NOW + 5 * interval  # five slots missed while stopped
    upcoming = next_slot("测试市", interval, later)
    assert later < upcoming <= later + interval
    assert (upcoming - offset) % interval == pytest.approx(0, abs=1e-6)


def test_a_full_disk_stops_the_monitor_with_one_message(ws, site):
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        monitor.record(visits=[Visit("测试市", NOW + i, True, 200) for i in range(50)])
    db = ws.data_dir / FILE_NAME
    sqlite3.connect(db).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    limit = 48 * 1024  # bytes any file may grow to, the WAL included

    def small_disk() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([*GOVAUDIT, "monitor", "start", "--every", "1s", "--for", "1h",
                           "--columns-every", "0", *FAST], cwd=ws.root, capture_output=True,
                          text=True, timeout=120, preexec_fn=small_disk, env=env)
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "cannot write the monitoring samples" in lines[0]
    assert "samples already written are kept" in lines[0]
    rows = sqlite3.connect(db).execute("SELECT count(*) FROM visits").fetchone()[0]
    assert rows >= 50


# -- the gov-2019 lines over samples with explicit times ------------------------------------


def _week(site: str, failed_per_day: int, per_day: int = 20, days: int = 7,
          now: float = NOW) -> list[Visit]:
    visits = []
    for day in range(days):
        for i in range(per_day):
            when = now - day * DAY - (i + 0.5) * DAY / per_day
            visits.append(Visit(site, when, i >= failed_per_day,
                                200 if i >= failed_per_day else None,
                                "" if i >= failed_per_day else "deadline of 15s exceeded",
                                120.0))
    return visits


@pytest.mark.parametrize(("failed", "per_day", "level"), [
    (1, 20, "veto"),        # 5%
    (3, 60, "veto"),        # 5%
    (2, 60, "warning"),     # 3.3%
    (1, 40, "ok"),          # 2.5%
    (0, 48, "ok"),
    (2, 19, "insufficient-data"),  # fewer than 20 visits a day
])
def test_unreachable_veto_at_5_and_warning_at_3_percent(make_workspace, failed, per_day, level):
    ws = make_workspace(sites=[("测试市", "http://127.0.0.1:9/", "city")])
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        monitor.record(visits=_week("测试市", failed, per_day))
        (finding,) = [f for f in monitor.findings("测试市", 7 * DAY, NOW)
                      if f.rule == "unreachable"]
    assert finding.level == level, finding.detail
    assert finding.figures["visits"] == 7 * per_day
    assert finding.figures["failures"] == 7 * failed
    assert len(finding.samples) == min(20, 7 * failed)


def test_six_days_of_visits_are_not_yet_a_week(make_workspace):
    ws = make_workspace(sites=[("测试市", "http://127.0.0.1:9/", "city")])
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        monitor.record(visits=_week("测试市", 5, 20, days=6))
        (finding,) = [f for f in monitor.findings("测试市", 7 * DAY, NOW)
                      if f.rule == "unreachable"]
    assert finding.level == "insufficient-data"
    assert finding.figures["days_with_enough_visits"] == 6


def _home(site: str, newest: str | None, fingerprint: str = "", when: float = NOW) -> Visit:
    return Visit(site, when, True, 200, newest_date=newest, fingerprint=fingerprint)


# a line of N days is broken from N + 1 days on (govaudit.page.dates.is_stale): a home page
# exactly 14 days old meets the 14-day line, as a column does
@pytest.mark.parametrize(("days", "level"), [(15, "veto"), (14, "warning"), (11, "warning"),
                                             (10, "ok"), (3, "ok")])
def test_home_page_not_updated(make_workspace, days, level):
    ws = make_workspace(sites=[("测试市", "http://127.0.0.1:9/", "city")])
    newest = (china_date(NOW) - timedelta(days=days)).isoformat()
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        monitor.record(visits=[_home("测试市", newest, when=NOW - 60)])
        finding = next(f for f in monitor.findings("测试市", 7 * DAY, NOW)
                       if f.rule == "home_stale")
    assert (finding.level, finding.figures["days"]) == (level, days)


def _column(site: str, name: str, kind: str, age: int | None, items: int = 3,
            when: float = NOW - 60, ok: bool = True) -> ColumnSample:
    newest = (china_date(NOW) - timedelta(days=age)).isoformat() if age is not None else None
    return ColumnSample(site, f"http://127.0.0.1:9/{name}/", name, kind, newest, items,
                        items if age is not None else 0, items == 0, ok, "", when)


def test_a_navigation_home_page_is_judged_by_its_second_level_pages(make_workspace):
    ws = make_workspace(sites=[("测试市", "http://127.0.0.1:9/", "city")])
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        monitor.record(visits=[_home("测试市", None, "abc", NOW - 60)],
                       columns=[_column("测试市", "a", "news", 20),
                                _column("测试市", "b", "other", 16)])
        finding = next(f for f in monitor.findings("测试市", 7 * DAY, NOW)
                       if f.rule == "home_stale")
    assert finding.level == "veto" and finding.figures["days"] == 16
    assert "second-level" in finding.figures["source"]
    assert finding.samples[0]["url"].endswith("/b/")


def test_an_undated_home_page_that_never_changes_is_not_updated(make_workspace):
    ws = make_workspace(sites=[("测试市", "http://127.0.0.1:9/", "city")])
    visits = [_home("测试市", None, "same", NOW - d * DAY) for d in range(16)]
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        monitor.record(visits=visits)
        stale = next(f for f in monitor.findings("测试市", 30 * DAY, NOW)
                     if f.rule == "home_stale")
        monitor.record(visits=[_home("测试市", None, "new", NOW - 2 * DAY + 1)])
        fresh = next(f for f in monitor.findings("测试市", 30 * DAY, NOW)
                     if f.rule == "home_stale")
    assert stale.level == "veto" and stale.figures["days"] == 15
    assert fresh.level == "ok"


@pytest.mark.parametrize(("columns", "level", "why"), [
    ([("news", 15)] * 5, "veto", "5 动态 not updated in 2 weeks"),
    ([("news", 15)] * 2 + [("notice", 200)] * 3, "veto", "5 动态/通知公告"),
    ([("news", 15)] * 4 + [("plan", 400)] * 2, "warning", "6 not updated"),
    ([("news", 15)] * 4 + [("plan", 400)] * 6, "veto", "10 not updated"),
    ([("notice", 100)] * 8 + [("plan", 300)] * 4, "ok", "inside their lines"),
    ([("news", None)] * 5, "veto", "undated items count as not updated"),
    ([("other", "empty")] * 2, "warning", "2 empty columns"),
    ([("other", "empty")] * 5, "veto", "5 empty columns"),
    ([("other", 900)] * 12, "ok", "columns without a line"),
])
def test_columns_not_updated(make_workspace, columns, level, why):
    ws = make_workspace(sites=[("测试市", "http://127.0.0.1:9/", "city")])
    samples = [_column("测试市", f"c{i}", kind, None if age in (None, "empty") else age,
                       0 if age == "empty" else 3) for i, (kind, age) in enumerate(columns)]
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        monitor.record(columns=samples)
        finding = next(f for f in monitor.findings("测试市", 7 * DAY, NOW)
                       if f.rule == "columns_stale")
    assert finding.level == level, (why, finding.detail)


def test_no_columns_sampled_is_insufficient_data(make_workspace):
    ws = make_workspace(sites=[("测试市", "http://127.0.0.1:9/", "city")])
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        finding = next(f for f in monitor.findings("测试市", 7 * DAY, NOW)
                       if f.rule == "columns_stale")
    assert finding.level == "insufficient-data"


def test_a_link_is_dead_only_when_every_check_in_the_window_failed(make_workspace):
    home = "http://127.0.0.1:9/"
    ws = make_workspace(sites=[("测试市", home, "city")])

    def link(page: str, url: str, ok: bool, when: float) -> LinkSample:
        return LinkSample("测试市", page, url, ok, 200 if ok else 404, "", when)

    samples = []
    for i, when in enumerate((NOW - 3 * DAY, NOW - DAY, NOW - 60)):
        samples += [link(home, "http://x/dead-home", False, when),
                    link(home, "http://x/flaky", i != 1, when),
                    link(home + "news/", "http://x/dead-inner", False, when)]
    samples.append(link(home, "http://x/old-dead", False, NOW - 30 * DAY))  # before the window
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        monitor.record(links=samples)
        finding = next(f for f in monitor.findings("测试市", 7 * DAY, NOW)
                       if f.rule == "dead_links")
    assert finding.figures == {"checked": 3, "dead_home": 1, "dead_other": 1}
    assert [(s["url"], s["home"], s["checks"]) for s in finding.samples] == [
        ("http://x/dead-home", True, 3), ("http://x/dead-inner", False, 3)]


def test_the_clock_set_back_leaves_the_window_sane(cli, make_workspace):
    ws = make_workspace(sites=[("测试市", "http://127.0.0.1:9/", "city")])
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        # written while the clock ran an hour ahead: 10 visits, all failed
        monitor.record(visits=[Visit("测试市", NOW + 600 + i, False, None, "refused")
                               for i in range(10)])
        # then the clock is set back: new visits carry earlier times than those on disk
        monitor.record(visits=[Visit("测试市", NOW - 60 * i, True, 200) for i in range(20)])
        (status,) = monitor.status(3600, ["测试市"], now=NOW)
        timeline = monitor.timeline("测试市", 3600, now=NOW, buckets=6)
    assert (status.figures.visits, status.figures.failures, status.figures.future) == (20, 0, 10)
    assert status.to_dict()["future_samples"] == 10
    assert sum(ok for *_, ok, _ in timeline) == 20 and sum(f for *_, f in timeline) == 0
    # once the clock passes them again, they count
    later = NOW + 1200
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        (status,) = monitor.status(600, ["测试市"], now=later)
    assert (status.figures.visits, status.figures.failures, status.figures.future) == (10, 10, 0)


# -- what the report, workbook and suggestions use -----------------------------------------------


def test_timeline_buckets_and_svg(make_workspace):
    ws = make_workspace(sites=[("测试市", "http://127.0.0.1:9/", "city")])
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        monitor.record(visits=_week("测试市", 1, 20, days=2))
        buckets = monitor.timeline("测试市", 4 * DAY, now=NOW, buckets=4)
    assert [(ok, failed) for _, _, ok, failed in buckets] == [(0, 0), (0, 0), (19, 1), (19, 1)]
    assert buckets[0][0] == NOW - 4 * DAY and buckets[-1][1] == NOW
    svg = timeline_svg(buckets + [(NOW, NOW + 1, 1, 0), (NOW, NOW + 1, 0, 2)], line=0.05,
                       title="测试市 <可用性>")
    root = ET.fromstring(svg)
    rects = root.findall("{http://www.w3.org/2000/svg}rect")
    assert [r.get("fill") for r in rects] == ["#d0d0d0", "#d0d0d0", "#d43c3c", "#d43c3c",
                                              "#2e9d4f", "#d43c3c"]
    assert "19+1" not in svg and "20 visit(s), 1 failed (5%)" in svg
    assert "测试市 &lt;可用性&gt;" in svg
    assert timeline_svg([(NOW, NOW + 1, 99, 1)], line=0.05).count("#e8a317") == 1


def test_monitoring_sheet_rows_and_suggestions(make_workspace):
    ws = make_workspace("cstc-2020-local", sites=[("测试市", "http://127.0.0.1:9/", "city"),
                                                  ("好市", "http://127.0.0.1:8/", "city")])
    fresh = china_date(NOW).isoformat()
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        monitor.record(visits=_week("测试市", 2, 20) + _week("好市", 0, 20)
                       + [_home("好市", fresh, when=NOW - 30)],
                       columns=[_column("好市", "n", "news", 1)],
                       links=[LinkSample("好市", "http://127.0.0.1:8/", "http://127.0.0.1:8/a",
                                         True, 200, "", NOW - 30)])
        rows = monitor.sheet_rows(7 * DAY, now=NOW)
        statuses = {s.site: s for s in monitor.status(7 * DAY, now=NOW)}
    bad = next(r for r in rows if r["站点"] == "测试市")
    assert (bad["访问次数"], bad["失败次数"], bad["故障率"], bad["站点无法访问"]) == (
        140, 14, 0.1, "单项否决")
    assert bad["监测窗口"] == "7d" and "站点无法访问说明" in bad
    checklist = load_checklist(checklist_path("cstc-2020-local"))
    city = Site("测试市", "http://127.0.0.1:9/", "city")
    window = Window(NOW, 7 * DAY)
    suggested = monitor_suggestions(checklist, city, statuses["测试市"].findings,
                                    statuses["测试市"].figures, window)
    assert suggested["daily-operations.q1"][0] == "no"
    assert "站点无法访问 veto" in suggested["daily-operations.q1"][1]  # the run's language (en)
    assert "daily-operations.q4" not in suggested  # no column samples: nothing to say
    good = monitor_suggestions(checklist, Site("好市", "", "city"), statuses["好市"].findings,
                               statuses["好市"].figures, window)
    assert good == {
        "daily-operations.q1": ("yes", good["daily-operations.q1"][1]),
        "daily-operations.q2": ("yes", good["daily-operations.q2"][1]),
        "daily-operations.q4": ("yes", good["daily-operations.q4"][1])}


def test_a_workspace_rule_file_overrides_the_shipped_one(cli, make_workspace):
    ws = make_workspace(sites=[("测试市", "http://127.0.0.1:9/", "city")])
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        monitor.record(visits=_week("测试市", 1, 20, now=time.time()))
    assert _finding(_status(cli, ws)["sites"][0], "unreachable")["level"] == "veto"
    shipped = (Path(__file__).parents[1] / "govaudit" / "monitor" / "gov-2019.toml").read_text(
        encoding="utf-8")
    (ws.root / "gov-2019.toml").write_text(shipped.replace("veto = 0.05", "veto = 0.5"),
                                           encoding="utf-8")
    assert _finding(_status(cli, ws)["sites"][0], "unreachable")["level"] == "warning"
    (ws.root / "gov-2019.toml").write_text("[unreachable]\nveto = 'x'\n", encoding="utf-8")
    result = cli("monitor", "status", "-w", str(ws.root))
    assert result.exit_code == 1 and "gov-2019.toml: missing rule table(s)" in result.output
    result = cli("monitor", "status", "--rules", "nope", "-w", str(ws.root))
    assert result.exit_code == 1 and "unknown rule set 'nope'" in result.output


def test_column_names_are_classified_by_an_editable_table(make_workspace):
    from govaudit.monitor.config import column_table

    ws = make_workspace()
    table = column_table(ws.root)
    assert [table.classify(n) for n in ("工作动态", "通知公告", "政策文件", "人事信息",
                                        "规划计划", "领导信息")] == [
        "news", "notice", "notice", "plan", "plan", "other"]
    (ws.root / "monitor-columns.toml").write_text(
        '[kinds.news]\nwords = ["领导"]\n', encoding="utf-8")
    assert column_table(ws.root).classify("领导信息") == "news"
    (ws.root / "monitor-columns.toml").write_text('[kinds.news]\nwords = 3\n', encoding="utf-8")
    from govaudit.errors import GovauditError

    with pytest.raises(GovauditError, match="monitor-columns.toml: \\[kinds.news\\] words"):
        column_table(ws.root)


def test_dates_in_items():
    """The monitor reads a page with the page model's rules (govaudit.page), as check does."""
    from govaudit.page import Page
    from govaudit.page.columns import column_state, find_columns
    from govaudit.page.dates import publication_date
    from govaudit.probes.html import normalise_text

    today = china_date(NOW)  # 2026-11-20

    def entry_date(text: str) -> str | None:
        found = publication_date([normalise_text(text)], "", today)
        return found.isoformat() if found else None

    assert entry_date("标题 2026-11-19") == "2026-11-19"
    assert entry_date("标题 2026/3/5") == "2026-03-05"
    assert entry_date("标题 2026年11月2日") == "2026-11-02"
    assert entry_date("标题 [11-18]") == "2026-11-18"
    assert entry_date("标题 [12-25]") == "2025-12-25"  # not in the future
    assert entry_date("标题 2027-01-01") is None
    assert entry_date("今天是2026年11月20日") is None
    assert entry_date("第12-3号文件") is None
    html = ("<nav><a href='/news/'>工作动态</a><a href='/'>首页</a></nav>"
            "<ul><li><a href='/a'>一条足够长的新闻标题</a> 2026-11-18</li>"
            "<li><a href='/b'>另一条足够长的新闻标题</a></li><li><a href='/c'>短</a></li></ul>")
    page = Page(html, "http://example.org/", today=today)
    state = column_state(page)
    assert (state.items, state.dated, state.newest.isoformat()) == (2, 1, "2026-11-18")
    assert [(c.name, c.url) for c in find_columns(page)] == [
        ("工作动态", "http://example.org/news/")]
    assert fingerprint(page) and next(iter(page.targets.checkable)) == "http://example.org/news/"


def test_a_dead_link_shows_its_latest_answer_and_the_page_it_is_on(make_workspace):
    """A link that answered 503 while the site was down, then 404: the finding (and the
    report's 首页失效链接, which shows it) gives the latest answer; a dead link of another page
    names that page; a host with no DNS answer is never dead."""
    home = "http://127.0.0.1:9/"
    ws = make_workspace(sites=[("测试市", home, "city")])
    samples = [LinkSample("测试市", home, "http://x/gone", False, 503, "", NOW - 2 * DAY),
               LinkSample("测试市", home, "http://x/gone", False, 404, "", NOW - DAY),
               LinkSample("测试市", home + "news/", "http://x/inner", False, 410, "", NOW - 60),
               LinkSample("测试市", home, "http://nothing.invalid/", False, None,
                          "DNS lookup failed (Could not resolve host)", NOW - 60)]
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        monitor.record(links=samples)
        figures = monitor.figures("测试市", 7 * DAY, NOW)
        finding = next(f for f in monitor.findings("测试市", 7 * DAY, NOW)
                       if f.rule == "dead_links")
    dead = {d.url: d for d in figures.dead_links}
    assert set(dead) == {"http://x/gone", "http://x/inner"}
    gone, inner = dead["http://x/gone"], dead["http://x/inner"]
    assert (gone.status, gone.problem) == (404, "HTTP 404")
    assert (inner.home, inner.page) == (False, home + "news/")
    assert [d.url for d in figures.unjudged_links] == ["http://nothing.invalid/"]
    assert [s["problem"] for s in finding.samples] == ["HTTP 404", "HTTP 410"]
    assert finding.figures == {"checked": 3, "dead_home": 1, "dead_other": 1}
