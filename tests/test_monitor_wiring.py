"""The monitor inside the rest of govaudit: logins and the address policy of its visits, its
findings as suggested answers, the report's timeline and column table, the workbook's
Monitoring sheet, and the screenshots of failed visits."""

from __future__ import annotations

import base64
import json
import sqlite3
from html import unescape
from pathlib import Path

from conftest import run_cli
from test_data_safety_urls import _Handler

from govaudit.chinatime import china_time
from govaudit.monitor.db import FILE_NAME
from govaudit.store import Store

FAST = ("--timeout", "3", "--host-interval", "0s", "--columns-every", "0")
QUIET = (*FAST, "--no-screenshots")
PASSWORD = "s3cret-monitor-pw"


def _rows(ws_root: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(ws_root / "data" / FILE_NAME) as db:
        return db.execute(sql).fetchall()


# -- logins and private addresses ------------------------------------------------------------


def test_visits_log_in_with_the_sites_credentials(make_workspace, serve) -> None:
    class Handler(_Handler):
        def do_GET(self) -> None:  # noqa: N802
            given = self.headers.get("Authorization", "").removeprefix("Basic ")
            if base64.b64decode(given or b"").decode() != f"auditor:{PASSWORD}":
                return self.send(401, "login", {"WWW-Authenticate": 'Basic realm="gov"'})
            if self.path == "/":
                return self.send(200, "<html><body><nav><a href='/news/'>工作动态</a></nav>"
                                      "<a href='/gone'>一个失效的链接文字</a></body></html>")
            if self.path == "/news/":
                return self.send(200, "<html><body><ul><li><a href='/a'>一条足够长的新闻标题"
                                      "</a> 2026-11-18</li></ul></body></html>")
            return self.send(404, "not found")

    port = serve(Handler)
    ws = make_workspace()
    added = run_cli("sites", "add", "甲市", f"http://auditor:{PASSWORD}@127.0.0.1:{port}/",
                         "--level", "city", cwd=ws.root)
    assert added.returncode == 0, added.stderr
    done = run_cli("monitor", "tick", *QUIET, "--json", cwd=ws.root)
    assert done.returncode == 0, done.stderr
    [visit] = json.loads(done.stdout)["visits"]
    assert (visit["ok"], visit["status"]) == (True, 200)
    assert _rows(ws.root, "SELECT name, ok FROM columns") == [("工作动态", 1)]
    links = dict(_rows(ws.root, "SELECT url, status FROM links"))
    assert links[f"http://127.0.0.1:{port}/gone"] == 404  # checked logged in: 404, not 401
    assert f"http://127.0.0.1:{port}/news/" in links
    assert PASSWORD not in (ws.root / "data" / FILE_NAME).read_bytes().decode("latin-1")

    (ws.data_dir / "credentials.json").unlink()
    done = run_cli("monitor", "tick", *QUIET, "--json", cwd=ws.root)
    [visit] = json.loads(done.stdout)["visits"]
    assert (visit["ok"], visit["status"], visit["error"]) == (False, 401, "HTTP 401")


def test_visits_refuse_private_destinations_but_not_the_sites_own(make_workspace,
                                                                   serve) -> None:
    class Inner(_Handler):
        def do_GET(self) -> None:  # noqa: N802
            self.send(200, "<html><body><ul><li><a href='/x'>内部管理系统的页面标题</a>"
                           " 2026-11-18</li></ul></body></html>")

    inner = f"http://127.0.0.1:{serve(Inner)}"

    class Outer(_Handler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path in ("/jump/", "/news/"):
                return self.send(302, "", {"Location": f"{inner}{self.path}"})
            return self.send(200, "<html><body><nav><a href='/news/'>工作动态</a>"
                                  f"</nav><a href='{inner}/secret'>内部链接的文字</a>"
                                  "<a href='/ok'>本站链接的文字</a></body></html>")

    outer = f"http://127.0.0.1:{serve(Outer)}"
    ws = make_workspace(sites=[("本市", f"{outer}/", "city"), ("跳转市", f"{outer}/jump/", "city")])
    done = run_cli("monitor", "tick", *QUIET, "--json", cwd=ws.root)
    assert done.returncode == 0, done.stderr
    visits = {v["site"]: v for v in json.loads(done.stdout)["visits"]}
    assert visits["本市"]["ok"] is True  # the site's own page is on a private address
    refused = "refused [netpolicy:private]"
    assert not visits["跳转市"]["ok"] and visits["跳转市"]["error"].startswith(
        "redirect to a private address 127.0.0.1") and refused in visits["跳转市"]["error"]
    [(column_ok, column_error)] = _rows(ws.root, "SELECT ok, error FROM columns")
    assert not column_ok and column_error.startswith("redirect to a private address")
    # a refused link is not checked, so it is not a dead link either
    assert [u for (u,) in _rows(ws.root, "SELECT url FROM links")] == [f"{outer}/ok"]

    done = run_cli("monitor", "tick", *QUIET, "--allow-private", "--json", cwd=ws.root)
    visits = {v["site"]: v for v in json.loads(done.stdout)["visits"]}
    assert visits["跳转市"]["ok"] is True
    assert f"{inner}/secret" in {u for (u,) in _rows(ws.root, "SELECT url FROM links")}


def test_passwords_in_links_never_reach_the_store_or_the_report(make_workspace,
                                                              serve) -> None:
    """Links on the home page and on a column, a redirect and a query token carrying
    secrets: the samples keep
    each URL as govaudit.urls.redact_url leaves it, in the SQLite file, its -wal and the
    report's pages."""
    secrets = ["pw-link-1", "pw-upper-2", "pw-relative-3", "pw-on-column-4", "pw-redirect-5",
               "tok-query-6", "pw%2Fencoded-7"]

    class Handler(_Handler):
        def do_GET(self) -> None:  # noqa: N802
            here = f"127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/start":
                return self.send(302, "", {"Location": f"http://u:{secrets[4]}@{here}/"})
            if self.path == "/":
                return self.send(200, (
                    "<html><body><nav><a href='/news/'>工作动态</a></nav>"
                    f"<a href='http://u:{secrets[0]}@{here}/gone1'>失效的链接一</a>"
                    f"<a href='HTTP://U:{secrets[1]}@{here.upper()}/gone2'>失效的链接二</a>"
                    f"<a href='//u:{secrets[2]}@{here}/gone3'>失效的链接三</a>"
                    f"<a href='/gone4?access_token={secrets[5]}'>失效的链接四</a>"
                    f"<a href='http://u:{secrets[6]}@{here}/gone5'>失效的链接五</a>"
                    "</body></html>"))
            if self.path == "/news/":
                return self.send(200, "<html><body><ul><li><a href='/a'>一条足够长的新闻标题"
                                      "</a> 2026-11-18</li></ul><a href='http://u:"
                                      f"{secrets[3]}@{here}/gone6'>栏目上的失效链接</a>"
                                      "</body></html>")
            return self.send(404, "not found")

    port = serve(Handler)
    ws = make_workspace(sites=[("甲市", f"http://127.0.0.1:{port}/start", "city")])
    db = ws.data_dir / FILE_NAME
    from govaudit.monitor import Monitor

    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        monitor.db  # noqa: B018 - the file exists before the tick
    reader = sqlite3.connect(db)  # held open: the tick's samples stay in the -wal
    try:
        reader.execute("SELECT count(*) FROM visits").fetchone()
        done = run_cli("monitor", "tick", *QUIET, cwd=ws.root)
        assert done.returncode == 0, done.stderr
        wal = db.with_name(db.name + "-wal")
        assert wal.is_file() and wal.stat().st_size > 0
        stored = (db.read_bytes() + wal.read_bytes()).decode("latin-1")
        links = [u for (u,) in reader.execute("SELECT url FROM links")]
        columns = [u for (u,) in reader.execute("SELECT url FROM columns")]
        [(final,)] = reader.execute("SELECT final_url FROM visits").fetchall()
    finally:
        reader.close()
    assert columns == [f"http://127.0.0.1:{port}/news/"]
    assert sorted(links) == sorted([*(f"http://127.0.0.1:{port}/gone{i}" for i in (1, 2, 3, 5, 6)),
                                    f"http://127.0.0.1:{port}/gone4?access_token=REDACTED",
                                    f"http://127.0.0.1:{port}/a",
                                    f"http://127.0.0.1:{port}/news/"]), links
    assert final == f"http://127.0.0.1:{port}/"
    report = run_cli("report", cwd=ws.root)
    assert report.returncode == 0, report.stderr
    pages = "".join(p.read_text(encoding="utf-8") for p in
                    (ws.exports_dir / "report").rglob("*.html"))
    assert "/gone1" in pages and "/gone6" in pages and "工作动态" in pages  # dead links, column
    for secret in secrets:
        assert secret not in stored, f"{secret} in monitor.sqlite or its -wal"
        assert secret not in pages, f"{secret} in the report"


# -- findings as suggested answers -----------------------------------------------------------


def _week(site: str, failed_per_day: int, now: float, per_day: int = 20) -> list:
    from govaudit.monitor import Visit

    day = 86400.0
    return [Visit(site, now - d * day - (i + 0.5) * day / per_day, i >= failed_per_day,
                  200 if i >= failed_per_day else 500,
                  "" if i >= failed_per_day else "HTTP 500", 80.0)
            for d in range(7) for i in range(per_day)]


def test_monitor_apply_answers_daily_operations_never_over_a_person(make_workspace) -> None:
    import time

    from govaudit import Audit
    from govaudit.probes.registry import probe_result
    from govaudit.store import Store

    ws = make_workspace("cstc-2020-local", sites=[("坏市", "http://127.0.0.1:9/", "city"),
                                                  ("人市", "http://127.0.0.1:8/", "city")])
    now = time.time()
    audit = Audit.open(ws.root)
    with audit.monitor() as monitor:
        monitor.record(visits=_week("坏市", 2, now) + _week("人市", 2, now))
    audit.answer("人市", "daily-operations.q1", "yes", note="checked by hand")
    done = run_cli("monitor", "apply", "--window", "7d", cwd=ws.root)
    assert done.returncode == 0, done.stderr
    assert "1 answer(s) saved" in done.stdout
    answers = {(a.site, a.question): a for a in Store(ws).answers()}
    bad = answers[("坏市", "daily-operations.q1")]
    assert (bad.value, bad.evaluator) == ("no", "probe")
    assert bad.note.startswith("monitoring: 站点无法访问 veto")
    assert "140" in bad.note and "14" in bad.note  # the figures behind it
    kept = answers[("人市", "daily-operations.q1")]
    assert (kept.value, kept.evaluator, kept.note) == ("yes", "张三", "checked by hand")
    # applied again: nothing new
    assert "0 answer(s) saved" in run_cli("monitor", "apply", cwd=ws.root).stdout

    # a later one-off check (3 requests, all answered) does not replace weeks of monitoring
    Store(ws).save_probe_results("坏市", [probe_result(
        {"probe": "availability", "samples": 3, "failures": 0, "status": 200,
         "latency_median_ms": 9.0, "errors": [], "site": "坏市",
         "time": "2026-11-20T00:00:00Z"}, "availability")])
    audit.apply_suggestions(["坏市"])
    again = {(a.site, a.question): a for a in Store(ws).answers()}[("坏市", "daily-operations.q1")]
    assert (again.value, again.note) == ("no", bad.note)


# -- the report and the workbook -------------------------------------------------------------


def _monitored_workspace(make_workspace):
    """Two sites with a week of samples written through the API (one failing 10%), columns
    and links; one site never monitored."""
    import time

    from govaudit.monitor import ColumnSample, LinkSample, Monitor

    ws = make_workspace("cstc-2020-local", sites=[
        ("坏市", "http://127.0.0.1:9/", "city"), ("好市", "http://127.0.0.1:8/", "city"),
        ("<b>未测市</b>", "http://127.0.0.1:7/", "city")])
    now = time.time()
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        monitor.record(
            visits=_week("坏市", 2, now) + _week("好市", 0, now),
            columns=[ColumnSample("坏市", "http://127.0.0.1:9/news/", "工作动态<script>", "news",
                                  "2020-01-02", 5, 5, False, True, "", now - 60),
                     ColumnSample("坏市", "http://127.0.0.1:9/blank/", "专题专栏", "other",
                                  None, 0, 0, True, True, "", now - 60)],
            # answered 503 while the site was down, then 404: the latest answer is shown
            links=[LinkSample("坏市", "http://127.0.0.1:9/", "http://127.0.0.1:9/gone", False,
                              503 if i else 404, "", now - 60 - i) for i in range(2)]
            + [LinkSample("坏市", "http://127.0.0.1:9/news/", "http://127.0.0.1:9/old", False,
                          None, "connection refused", now - 60),
               LinkSample("坏市", "http://127.0.0.1:9/news/", "http://127.0.0.1:9/old404",
                          False, 404, "", now - 60)])
    return ws


def test_report_shows_the_timeline_figures_and_columns_of_the_store(make_workspace) -> None:
    import xml.etree.ElementTree as ET

    from playwright.sync_api import sync_playwright

    from govaudit.browser import find_browser, launch_args
    from govaudit.monitor import Monitor
    from govaudit.report.build import site_page_name

    ws = _monitored_workspace(make_workspace)
    done = run_cli("report", cwd=ws.root)
    assert done.returncode == 0, done.stderr
    index = ws.exports_dir / "report" / "index.html"
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        status = {s.site: s for s in monitor.status()}
        columns = monitor.columns_table("坏市")
        buckets = monitor.timeline("坏市", buckets=56)
    bad = status["坏市"].figures
    assert (bad.visits, bad.failures) == (140, 14)
    html = (index.parent / "sites" / site_page_name("坏市")).read_text(encoding="utf-8")
    svg = html[html.index("<svg"):html.index("</svg>") + 6]
    root = ET.fromstring(svg)  # well-formed, and inert: shapes and titles only
    assert {el.tag.rsplit("}", 1)[-1] for el in root.iter()} == {"svg", "title", "rect"}
    assert not any(k.lower().startswith("on") or "href" in k.lower()
                   for el in root.iter() for k in el.attrib)

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=find_browser().path, args=launch_args())
        try:
            page = chromium.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((index.parent / "sites" / site_page_name("坏市")).as_uri())
            shown = page.eval_on_selector("#monitoring", """s => ({
                visits: s.querySelector('#monitor-visits').textContent,
                failures: s.querySelector('#monitor-failures').textContent,
                rate: s.querySelector('#monitor-rate').textContent,
                bars: Array.from(s.querySelectorAll('svg rect')).map(r => r.getAttribute('fill')),
                width: s.querySelector('svg').getBoundingClientRect().width,
                findings: Object.fromEntries(Array.from(s.querySelectorAll(
                    '.monitor-findings tr[data-rule]')).map(r => [r.dataset.rule,
                    r.cells[1].textContent])),
                columns: Array.from(s.querySelectorAll('.monitor-columns tbody tr')).map(
                    r => Array.from(r.cells).map(c => c.textContent)),
                dead: Array.from(s.querySelectorAll('.monitor-dead')).map(u => u.textContent)})""")
            page.goto(index.as_uri())
            overview = page.eval_on_selector_all("#monitoring-sites tbody tr", """rows =>
                rows.map(r => [r.dataset.site, ...Array.from(r.cells).slice(1, 4).map(
                    c => c.textContent)])""")
        finally:
            chromium.close()
    assert errors == []
    assert (shown["visits"], shown["failures"], shown["rate"]) == ("140", "14", "10.0%")
    assert len(shown["bars"]) == 56 and shown["width"] > 100
    expected = ["#d43c3c" if bad and bad / (ok + bad) >= 0.05 else "#2e9d4f" if ok else
                "#d0d0d0" for _, _, ok, bad in buckets]
    assert shown["bars"] == expected and expected.count("#d43c3c") == 7
    assert shown["findings"]["站点无法访问"] == "单项否决"
    assert [row[0] for row in shown["columns"]] == [c["栏目"] for c in columns]
    assert [row[6] for row in shown["columns"]] == [c["状态"] for c in columns]
    assert "http://127.0.0.1:9/gone" in shown["dead"][0]
    assert "最近一次：HTTP 404，2 次检查" in shown["dead"][0] and "503" not in shown["dead"][0]
    # a dead link of another page names that page; a refused connection is no dead link
    assert "http://127.0.0.1:9/old404" in shown["dead"][1]
    assert "所在页面 http://127.0.0.1:9/news/" in shown["dead"][1]
    assert "http://127.0.0.1:9/old " not in " ".join(shown["dead"]) + " "
    assert overview == [["坏市", "140", "14", "10.0%"], ["好市", "140", "0", "0.0%"]]


def test_export_has_a_monitoring_sheet_with_the_stores_figures(make_workspace) -> None:
    from openpyxl import load_workbook

    from govaudit.monitor import Monitor

    ws = _monitored_workspace(make_workspace)
    done = run_cli("export", cwd=ws.root)
    assert done.returncode == 0, done.stderr
    [path] = ws.exports_dir.glob("*.xlsx")
    book = load_workbook(path)
    assert book.sheetnames[-2:] == ["Monitoring", "About"]
    sheet = book["Monitoring"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    headers, ids = rows[0], rows[1]
    assert ids[:5] == ["site", "window", "visits", "failures", "rate"]
    assert headers[:5] == ["站点", "监测窗口", "访问次数", "失败次数", "故障率"]
    by_site = {r[0]: dict(zip(ids, r, strict=True)) for r in rows[2:]}
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        statuses = {s.site: s for s in monitor.status()}
    assert set(by_site) == set(statuses)
    for name, status in statuses.items():
        row = by_site[name]
        assert (row["visits"], row["failures"]) == (status.figures.visits,
                                                    status.figures.failures)
        assert row["rate"] == (round(status.figures.rate, 4) if status.figures.visits else None)
        for finding in status.findings:
            assert row[finding.rule] == {"veto": "单项否决", "warning": "预警", "ok": "正常",
                                         "insufficient-data": "数据不足"}[finding.level]
            assert row[f"{finding.rule}.detail"] == finding.detail
    assert by_site["坏市"]["unreachable"] == "单项否决" and by_site["坏市"]["rate"] == 0.1
    assert sheet.cell(3, 5).number_format == "0.0%"
    # a column name from a site is text, never a formula
    assert all(not str(c.value).startswith("=") for row in sheet.iter_rows() for c in row
               if c.data_type == "f")

    # a workspace never monitored gets no Monitoring sheet (and no monitor file)
    plain = make_workspace(name="plain")
    assert run_cli("export", cwd=plain.root).returncode == 0
    [other] = plain.exports_dir.glob("*.xlsx")
    assert "Monitoring" not in load_workbook(other).sheetnames
    assert not (plain.data_dir / "monitor.sqlite").exists()


def test_report_and_export_show_the_window_asked_for(make_workspace) -> None:
    import re

    from openpyxl import load_workbook

    from govaudit.monitor import Monitor
    from govaudit.report.build import site_page_name

    ws = _monitored_workspace(make_workspace)
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        day = {s.site: s.figures for s in monitor.status(86400)}
    assert (day["坏市"].visits, day["坏市"].failures) == (20, 2)  # a week holds 140

    done = run_cli("export", "-o", "day.xlsx", "--window", "1d", cwd=ws.root)
    assert done.returncode == 0, done.stderr
    rows = [[c.value for c in row] for row in load_workbook(ws.root / "day.xlsx")["Monitoring"]
            .iter_rows()]
    by_site = {r[0]: dict(zip(rows[1], r, strict=True)) for r in rows[2:]}
    assert {r["window"] for r in by_site.values()} == {"1d"}
    assert (by_site["坏市"]["visits"], by_site["坏市"]["failures"]) == (20, 2)

    done = run_cli("report", "--window", "86400s", cwd=ws.root)
    assert done.returncode == 0, done.stderr
    html = (ws.exports_dir / "report" / "sites" / site_page_name("坏市")).read_text("utf-8")
    assert "最近 1d" in html
    assert re.search(r'id="monitor-visits">(\d+)<', html).group(1) == "20"  # type: ignore[union-attr]
    index = (ws.exports_dir / "report" / "index.html").read_text("utf-8")
    assert "最近 1d" in index

    for command in (["report"], ["export"]):
        bad = run_cli(*command, "--window", "soon", cwd=ws.root)
        assert bad.returncode == 2 and "--window" in bad.stderr and "Traceback" not in bad.stderr


# -- screenshots of failed visits --------------------------------------------------------------


def test_a_failed_visit_keeps_one_screenshot_per_failure_streak(
        make_workspace, serve) -> None:
    from govaudit.store import Store

    state = {"down": True}

    class Handler(_Handler):
        def do_GET(self) -> None:  # noqa: N802
            if state["down"]:
                return self.send(503, "<html><body><h1>系统维护中</h1></body></html>")
            return self.send(200, "<html><body><p>首页</p></body></html>")

    ws = make_workspace("cstc-2020-local",
                        sites=[("维护市", f"http://127.0.0.1:{serve(Handler)}/", "city")])

    def tick() -> dict:
        done = run_cli("monitor", "tick", *FAST, "--json", cwd=ws.root)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)["visits"][0]

    first = tick()
    assert (first["ok"], first["status"]) == (False, 503)
    assert not tick()["ok"]  # the same streak: no second screenshot
    state["down"] = False
    assert tick()["ok"]
    state["down"] = True
    third = tick()
    assert not third["ok"]

    shots = _rows(ws.root, "SELECT visit, evidence, error FROM shots ORDER BY visit")
    assert [visit for visit, _, _ in shots] == [first["id"], third["id"]]
    records = {r["id"]: r for r in Store(ws).evidence("维护市")}
    for _, evidence, _ in shots:
        record = records[evidence]
        assert record["question"] == "daily-operations.q1" and record["status"] == 503
        [png] = [f for f in record["files"] if f["kind"] == "png"]
        assert (ws.root / png["path"]).stat().st_size > 0

    report = run_cli("report", cwd=ws.root)
    assert report.returncode == 0, report.stderr
    from govaudit.report.build import site_page_name

    page = (ws.exports_dir / "report" / "sites" / site_page_name("维护市")).read_text("utf-8")
    # each screenshot says when it was taken, after the failed visit, and what it shows
    assert "访问失败后的截图 2 张" in page
    taken = _rows(ws.root, "SELECT time, taken, shows FROM shots ORDER BY visit")
    for when, at, shows in taken:
        assert at is not None and at >= when
        assert shows.startswith("the site's error page (HTTP 503)")
        # in the report's language, what it shows as the run stored it
        assert f"在失败访问 {round(at - when)} 秒后拍摄，画面为{shows}" in unescape(page)
    q1 = page[page.index('data-question="daily-operations.q1"'):]
    assert q1.index("evidence-row") < q1.index('data-question="daily-operations.q2"')


def test_a_screenshot_taken_once_the_site_answers_again_says_so(make_workspace, serve) -> None:
    """The home page fails the visit (503) and works by the time the browser gets there: the
    screenshot is kept, labelled with when it was taken and that it shows the page working,
    never as a picture of the failure."""
    from govaudit.monitor import Monitor, VisitOptions

    answered: list[int] = []

    class Handler(_Handler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path != "/":
                return self.send(404, "")
            answered.append(503 if not answered else 200)
            if answered[-1] == 503:
                return self.send(503, "<html><body><h1>系统维护中</h1></body></html>")
            return self.send(200, "<html><head><title>恢复市人民政府</title></head>"
                                  "<body><p>首页</p></body></html>")

    ws = make_workspace("cstc-2020-local",
                        sites=[("恢复市", f"http://127.0.0.1:{serve(Handler)}/", "city")])
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        [visit] = monitor.tick(options=VisitOptions(
            timeout=5, host_interval=0, allow_private=True, screenshots=True, browser=False))
        [shot] = monitor.screenshots("恢复市")
        [finding] = [f for f in monitor.findings("恢复市", 7 * 86400, monitor.clock())
                     if f.rule == "unreachable"]
    assert (visit.visit.ok, visit.visit.status) == (False, 503) and answered[:2] == [503, 200]
    assert shot.evidence and shot.taken is not None and shot.after is not None \
        and shot.after >= 0
    assert shot.shows == "the page working (HTTP 200) 「恢复市人民政府」"
    assert shot.label() == (f"taken {shot.after} s after the failed visit; "
                            "shows the page working (HTTP 200) 「恢复市人民政府」")
    assert shot.label("zh") == (f"在失败访问 {shot.after} 秒后拍摄，"
                                "画面为the page working (HTTP 200) 「恢复市人民政府」")
    shown = china_time(shot.time, seconds=True)  # the failed visit's time, in China
    assert f"screenshot of the failed visit at {shown}: {shot.label()}" in finding.detail
