"""The HTML report, opened in real headless Chromium: rows, marks, images, escaping, scripts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from govaudit import Audit, Evidence, glossary
from govaudit.probes.registry import probe_result
from govaudit.report.build import site_page_name
from govaudit.scoring import consolidate, score_sites
from govaudit.store import Answer, Site, Store
from govaudit.workspace import Workspace, init_workspace

FIXTURES = Path(__file__).parent / "fixtures"
HOSTILE = "<script>alert(1)</script>"
HOSTILE_SITE = f"{HOSTILE}市"
HOSTILE_NOTE = "<img src=x onerror=alert(2)>"
MARKS = {"yes": "✓", "no": "✗", "na": "—", "unknown": "?"}
TIME = "2026-11-22T08:15:00+00:00"


def _png(path: Path, colour: str, size: tuple[int, int] = (800, 600)) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, colour)
    image.paste(Image.new("RGB", (size[0], 80), "darkred"), (0, 0))
    image.save(path)
    return path.read_bytes()


def _record(ws: Workspace, site: str, rid: str, files: list[tuple[str, str, str]], *,
            question: str = "", indicator: str = "", title: str = "首页",
            url: str = "https://a.example.gov.cn/", error: str = "") -> dict[str, Any]:
    """An evidence record as the contract describes it; files are (kind, path, colour)."""
    entries = []
    for kind, relative, colour in files:
        path = ws.root / relative
        if colour == "html":
            path.write_text(f"<title>{title}</title>", encoding="utf-8")
            data = path.read_bytes()
        elif colour:
            size = (1366, 3000) if colour == "tall" else (800, 600)
            data = _png(path, "white" if colour == "tall" else colour, size)
        else:
            data = b"gone"  # recorded, but the file is not there
        entries.append({"kind": kind, "path": relative,
                        "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})
    return {"id": rid, "run": "20261122T081500Z-ab12", "site": site, "indicator": indicator,
            "question": question, "requested_url": url, "final_url": url,
            "status": None if error else 200, "ip": "127.0.0.1", "title": title,
            "time": "2026-11-22T08:15:00Z", "viewport": "1366x768", "device": "",
            "user_agent": "Mozilla/5.0", "browser": "Chromium 156.0", "govaudit": "0.1.0",
            "duration_ms": 800, "capped_height": None, "files": entries, "error": error}


def make_report_workspace(root: Path) -> Workspace:
    ws = init_workspace(root, str(FIXTURES / "mini.yaml"), "张三")
    store = Store(ws)
    store.add_sites([Site("甲市", "https://a.example.gov.cn/", "city"),
                     Site(HOSTILE_SITE, "javascript:alert(6)", "city"),
                     Site("丙县", "https://c.example.gov.cn/", "county")])
    folder = "evidence/甲市"
    records = [
        _record(ws, "甲市", "ev-000000000001", [("png", f"{folder}/home.png", "tall"),
                                                ("html", f"{folder}/home.html", "html")],
                title=HOSTILE),
        _record(ws, "甲市", "ev-000000000002", [("png", f"{folder}/q1.png", "navy")],
                question="a1.q1", indicator="a1", title="政府信息公开"),
        _record(ws, "甲市", "ev-000000000003", [("png", f"{folder}/a1.png", "green")],
                indicator="a1", title="栏目页"),
        _record(ws, "甲市", "ev-000000000004",
                [("attachment", f"{folder}/phone.png", "orange")], title="手机截图"),
        _record(ws, "甲市", "ev-000000000005", [("png", f"{folder}/changed.png", "purple")],
                question="a1.q3", indicator="a1", title="改过的截图"),
        _record(ws, "甲市", "ev-000000000006", [("png", f"{folder}/missing.png", "")],
                question="a1.q3", indicator="a1", title="丢失的截图"),
        _record(ws, "甲市", "ev-000000000007", [], title="", url="https://down.example.gov.cn/",
                error="net::ERR_NAME_NOT_RESOLVED"),
    ]
    _png(ws.root / folder / "changed.png", "yellow")  # changed after capture
    hostile = _record(ws, HOSTILE_SITE, "ev-000000000008",
                      [("png", "evidence/hostile/home.png", "gray")], title=HOSTILE,
                      url="javascript:alert(7)")
    store.add_evidence([Evidence.from_dict(r) for r in (*records, hostile)])
    store.save_answers([
        Answer("甲市", "a1.q1", "a1", "yes", "张三", TIME, note=HOSTILE_NOTE),
        Answer("甲市", "a1.q2", "a1", "中", "张三", TIME),
        Answer("甲市", "a1.q3", "a1", 7, "张三", TIME),
        Answer("甲市", "a2.q1", "a2", "yes", "probe", TIME),
        Answer("甲市", "a2.q1", "a2", "no", "李四", TIME, evidence=["ev-000000000004"]),
        Answer("甲市", "b1.q1", "b1", "优", "张三", TIME),
        Answer(HOSTILE_SITE, "a1.q1", "a1", "no", HOSTILE, TIME, note=HOSTILE),
        Answer(HOSTILE_SITE, "a1.q3", "a1", "na", "张三", TIME),
        Answer(HOSTILE_SITE, "a2.q1", "a2", "unknown", "张三", TIME),
    ])
    store.save_probe_results("甲市", map(probe_result, [
        {"probe": "marks", "site": "甲市", "url": "https://a.example.gov.cn/", "time": TIME,
         "site_code": "1100000001", "icp": "京ICP备05070218号-1", "police": None,
         "conac": False, "conac_url": None, "sponsor": HOSTILE, "organizer": None,
         "sitemap": None, "where": {}},
        {"probe": "links", "site": "甲市", "url": "https://a.example.gov.cn/", "time": TIME,
         "checked": 12, "broken": [
             {"url": "https://a.example.gov.cn/old/旧栏目.html", "status": 404, "error": "",
              "found_on": "https://a.example.gov.cn/", "text": "旧栏目"},
             {"url": "javascript:alert(8)", "status": None, "error": "bad URL",
              "found_on": "https://a.example.gov.cn/", "text": HOSTILE}]},
        {"probe": "ipv6", "site": "甲市", "url": "https://a.example.gov.cn/", "time": TIME,
         "failed": True, "error": "DNS lookup failed"},
    ]))
    return ws


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Workspace, Path]:
    ws = make_report_workspace(tmp_path_factory.mktemp("report") / "ws")
    return ws, Audit(ws).report()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    from govaudit.browser import find_browser, launch_args

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=find_browser().path, args=launch_args())
        yield chromium
        chromium.close()


class Opened:
    """A report page in Chromium, with every request and dialog it caused."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" else None)
        self.page.goto(path.resolve().as_uri(), wait_until="load")

    def __enter__(self) -> Opened:
        return self

    def __exit__(self, *exc: object) -> None:
        self.page.close()


def _pages(index: Path) -> list[Path]:
    return [index, *sorted((index.parent / "sites").glob("*.html"))]


def test_overview_rows_match_the_scores(report, browser):
    ws, index = report
    store = Store(ws)
    scores = {s.site: s for s in score_sites(ws.checklist, store.sites(), store.answers(),
                                             ws.evaluator).sites}
    with Opened(browser, index) as opened:
        rows = opened.page.eval_on_selector_all("#sites tbody tr", """rows => rows.map(r => ({
            site: r.dataset.site, link: r.querySelector('a').textContent,
            cells: Array.from(r.cells).map(c => c.textContent.trim()),
            colour: getComputedStyle(r.querySelector('.grade')).backgroundColor}))""")
        assert opened.errors == [] and opened.dialogs == []
    assert sorted(r["site"] for r in rows) == sorted(scores)
    for row in rows:
        score = scores[row["site"]]
        rank, name, level, total, bonus, grade, answered = row["cells"][:7]
        assert row["link"] == name == score.site
        # the level by its one name (市级 for city), as the CLI and the workbook show it
        assert (int(rank), level, grade) == (score.rank, glossary.level(score.level, "zh"),
                                             score.grade)
        assert float(total) == pytest.approx(score.total, abs=0.01)
        assert float(bonus) == pytest.approx(score.bonus, abs=0.01)
        assert answered == f"{score.answered}/{score.questions}"
        assert row["colour"] not in ("", "rgba(0, 0, 0, 0)")  # coloured by band
    assert scores["甲市"].total > 0 and scores["甲市"].rank == 1


@pytest.mark.parametrize("site", ["甲市", HOSTILE_SITE, "丙县"])
def test_site_page_marks_match_the_store(report, browser, site):
    ws, index = report
    store = Store(ws)
    chosen = consolidate(store.answers(site), ws.evaluator)
    with Opened(browser, index.parent / "sites" / site_page_name(site)) as opened:
        shown = dict(opened.page.eval_on_selector_all(
            "tr.question", "rows => rows.map(r => [r.dataset.question, "
            "r.querySelector('td.mark').textContent.trim()])"))
    level = store.site(site).level
    expected = {q.id for q in ws.checklist.questions_at(level)}
    assert set(shown) == expected
    for qid, mark in shown.items():
        answer = chosen.get((site, qid))
        if answer is None:
            assert mark in ("未答", "跳过"), qid
        elif answer.value in MARKS:
            assert mark == MARKS[str(answer.value)], qid
        else:
            assert mark == str(answer.value), qid
    if site == "甲市":
        assert (shown["a1.q1"], shown["a1.q2"], shown["a1.q3"], shown["a2.q1"]) == (
            "✓", "中", "7", "✗")  # 李四's ✗ beats the probe's ✓
    if site == HOSTILE_SITE:
        assert (shown["a1.q1"], shown["a1.q2"], shown["a1.q3"], shown["a2.q1"]) == (
            "✗", "跳过", "—", "?")


def test_every_image_loads_and_nothing_leaves_the_folder(report, browser):
    _ws, index = report
    counted = 0
    for path in _pages(index):
        with Opened(browser, path) as opened:
            images = opened.page.eval_on_selector_all(
                "img", "imgs => imgs.map(i => [i.getAttribute('src'), i.complete, "
                "i.naturalWidth])")
            assert opened.errors == [], path
            assert all(url.startswith("file://") for url in opened.requests), opened.requests
        for src, complete, width in images:
            assert complete and width > 0, f"{path.name}: {src} did not load"
        counted += len(images)
        if path.name == site_page_name("甲市"):
            # home (tall), question, indicator and attached shots; the changed one is withheld
            assert len(images) == 4
    assert counted == 5


def test_hostile_text_is_shown_as_text(report, browser):
    _ws, index = report
    for path in _pages(index):
        with Opened(browser, path) as opened:
            page = opened.page
            assert page.evaluate("document.scripts.length") == 1  # only the report's own
            assert page.locator("a[href^='javascript:']").count() == 0
            if path.name == site_page_name(HOSTILE_SITE):
                assert page.locator("h1").text_content() == HOSTILE_SITE
                assert page.locator("figure .ev-title").first.text_content() == HOSTILE
                assert page.locator("figure .ev-url").first.text_content().strip() == \
                    "javascript:alert(7)"
                note = page.locator("tr[data-question='a1.q1'] td.note")
                assert note.text_content() == HOSTILE
                assert HOSTILE in page.locator("tr[data-question='a1.q1'] td.who").inner_text()
            if path.name == site_page_name("甲市"):
                note = page.locator("tr[data-question='a1.q1'] td.note")
                assert note.text_content() == HOSTILE_NOTE and note.locator("img").count() == 0
                assert HOSTILE in page.locator("table.broken").inner_text()
                assert HOSTILE in page.locator("table.marks").inner_text()
            if path == index:
                assert HOSTILE_SITE in page.locator("#sites").inner_text()
            assert opened.dialogs == [], path


def test_sorting_and_filtering_work_without_a_server(report, browser):
    _ws, index = report
    with Opened(browser, index) as opened:
        page = opened.page

        def visible() -> list[str]:
            return page.eval_on_selector_all(
                "#sites tbody tr", "rows => rows.filter(r => !r.hidden).map(r => r.dataset.site)")

        assert len(visible()) == 3
        page.fill("#filter-text", "甲")
        assert visible() == ["甲市"]
        assert page.text_content("#shown-count") == "显示 1 / 3"
        page.fill("#filter-text", "")
        page.select_option("#filter-level", "county")
        assert visible() == ["丙县"]
        page.select_option("#filter-level", "")
        def totals() -> list[float]:
            return page.eval_on_selector_all(
                "#sites tbody tr", "rows => rows.map(r => parseFloat(r.cells[3].textContent))")

        page.click("#sites thead th:nth-child(4)")  # 总分, ascending
        assert totals() == sorted(totals()) and visible()[-1] == "甲市"
        page.click("#sites thead th:nth-child(4)")
        assert totals() == sorted(totals(), reverse=True) and visible()[0] == "甲市"
        assert page.get_attribute("#sites thead th:nth-child(4)", "aria-sort") == "descending"


def test_site_page_lists_evidence_facts_and_problems(report):
    ws, index = report
    html = (index.parent / "sites" / site_page_name("甲市")).read_text(encoding="utf-8")
    records = Store(ws).evidence("甲市")
    good = records[1]["files"][0]["sha256"]
    assert good in html and "2026-11-22 16:15:00 (UTC+8)" in html  # SHA-256 and capture time
    assert "changed since capture" in html and "file missing" in html
    assert "采集失败：net::ERR_NAME_NOT_RESOLVED" in html
    assert "https://a.example.gov.cn/old/旧栏目.html" in html  # broken link with its URL
    assert "检测 ipv6 失败：DNS lookup failed" in html
    assert "公安机关备案号" in html and "未找到" in html
    thumbs = sorted((index.parent / "thumbs").glob("*.jpg"))
    assert len(thumbs) == 5
    tall = Image.open(index.parent / "thumbs" / f"{records[0]['files'][0]['sha256']}.jpg")
    assert tall.size == (320, 240)  # the top of a 1366×3000 page, not a sliver


def test_thumbnails_are_reused_and_changes_are_caught(tmp_path):
    ws = make_report_workspace(tmp_path / "ws")
    index = Audit(ws).report()
    thumbs = index.parent / "thumbs"
    before = {p.name: p.stat().st_mtime_ns for p in thumbs.glob("*.jpg")}
    Audit(ws).report()
    assert {p.name: p.stat().st_mtime_ns for p in thumbs.glob("*.jpg")} == before
    _png(ws.root / "evidence/甲市/q1.png", "pink")  # edited after capture
    page = Audit(ws).report().parent / "sites" / site_page_name("甲市")
    assert page.read_text(encoding="utf-8").count("changed since capture") == 2


def test_report_command_with_site_filter(cli, tmp_path):
    ws = make_report_workspace(tmp_path / "ws2")
    out = tmp_path / "out"
    result = cli("report", "-w", str(ws.root), "-o", str(out), "--site", "丙县")
    assert result.exit_code == 0, result.output
    assert str(out / "index.html") in result.output
    html = (out / "index.html").read_text(encoding="utf-8")
    assert html.count('<tr data-site="') == 1 and 'data-site="丙县"' in html
    assert [p.name for p in (out / "sites").iterdir()] == ["丙县.html"]
    bad = cli("report", "-w", str(ws.root), "--site", "无此站")
    assert bad.exit_code == 1 and "error: unknown site '无此站'" in bad.output
    assert "Traceback" not in bad.output


def test_unweighted_checklist_report(tmp_path):
    ws = init_workspace(tmp_path / "ws", "cstc-2021-digital-gov", "张三")
    store = Store(ws)
    level = ws.checklist.levels[0]
    store.add_sites([Site("成都市", "https://www.chengdu.gov.cn/", level)])
    question = ws.checklist.questions[0]
    store.save_answer("成都市", question.id, question.indicator_id, "yes", "张三")
    index = Audit(ws).report()
    html = index.read_text(encoding="utf-8")
    assert "未公布权重" in html and "<svg" not in html
    page = (index.parent / "sites" / "成都市.html").read_text(encoding="utf-8")
    assert f'data-question="{question.id}" data-value="yes"' in page


def test_screenshot_helper_writes_a_small_png(report, tmp_path):
    from govaudit.report.screenshot import screenshot_report

    _ws, index = report
    out = screenshot_report(index, tmp_path / "docs" / "report.png", width=1000, height=600)
    image = Image.open(out)
    assert image.size == (750, 450)
    assert out.stat().st_size < 200_000
    assert len(image.convert("RGB").getcolors(1 << 20) or []) > 10  # not a blank page


def test_probe_suggestions_are_shown_beside_the_answers(tmp_path):
    import lxml.html

    ws = init_workspace(tmp_path / "ws", "cstc-2020-local", "张三")
    store = Store(ws)
    store.add_sites([Site("成都市", "https://www.chengdu.gov.cn/", "city")])
    store.save_probe_results("成都市", map(probe_result, [
        {"probe": "marks", "site": "成都市", "url": "https://www.chengdu.gov.cn/", "time": TIME,
         "site_code": "5101000035", "icp": "蜀ICP备05003303号", "police": None,
         "conac": True, "conac_url": "https://bszs.conac.cn/sitename?id=1", "sponsor": "成都市政府",
         "organizer": None, "sitemap": None, "where": {"icp": "footer"}}]))
    store.save_answer("成都市", "site-marks.q4", "site-marks", "no", "张三", note="页脚被遮挡")
    page = Audit(ws).report().parent / "sites" / "成都市.html"
    tree = lxml.html.fromstring(page.read_text(encoding="utf-8"))

    def cells(qid: str) -> tuple[str, str]:
        [row] = tree.xpath(f"//tr[@data-question='{qid}']")
        return (row.xpath("string(td[@class='mark'])").strip(),
                row.xpath("string(td[@class='suggestion'])").strip())

    mark, suggestion = cells("site-marks.q4")
    assert mark == "✗" and suggestion.startswith("✓") and "蜀ICP备05003303号" in suggestion
    assert cells("site-marks.q2")[1].startswith("✓")  # the conac badge, not yet answered
    assert cells("site-marks.q2")[0] == "未答"


def _local_targets(opened: Opened, page: Path) -> list[Path]:
    """Every file an img or a link of the open page points at (web links left out)."""
    from urllib.parse import unquote, urlsplit

    refs = opened.page.eval_on_selector_all(
        "img[src], a[href]", "els => els.map(e => e.getAttribute('src') || e.getAttribute('href'))")
    targets = []
    for ref in refs:
        parts = urlsplit(ref)
        if parts.scheme or ref.startswith("#"):
            continue
        targets.append((page.parent / unquote(parts.path)).resolve())
    return targets


def test_a_copied_report_folder_still_shows_its_evidence(tmp_path, browser, cli):
    import shutil

    ws = make_report_workspace(tmp_path / "ws")
    built = tmp_path / "built"
    assert cli("report", "-w", str(ws.root), "-o", str(built)).exit_code == 0
    copied = tmp_path / "share" / "报告"
    shutil.copytree(built, copied)
    shutil.rmtree(built)
    shutil.rmtree(ws.root / "evidence")  # the copy needs nothing of the workspace
    linked = 0
    for page in _pages(copied / "index.html"):
        with Opened(browser, page) as opened:
            images = opened.page.eval_on_selector_all(
                "img", "imgs => imgs.map(i => [i.getAttribute('src'), i.naturalWidth])")
            targets = _local_targets(opened, page)
            assert opened.errors == [], page
        assert all(width > 0 for _src, width in images), images
        for target in targets:
            assert target.is_relative_to(copied.resolve()), target
            if target.name != "missing.png":  # recorded, but never there
                assert target.is_file(), f"{page.name}: {target} is not in the folder"
        linked += sum(1 for t in targets if "evidence" in t.parts)
    assert linked >= 5
    assert (copied / "evidence" / "甲市" / "home.html").is_file()
    assert not (copied / "evidence" / "甲市" / "missing.png").exists()


def test_link_evidence_keeps_relative_links_to_the_workspace(tmp_path, browser, cli):
    ws = make_report_workspace(tmp_path / "ws")
    out = tmp_path / "linked"
    assert cli("report", "-w", str(ws.root), "-o", str(out), "--link-evidence").exit_code == 0
    assert not (out / "evidence").exists()
    page = out / "sites" / site_page_name("甲市")
    with Opened(browser, page) as opened:
        targets = [t for t in _local_targets(opened, page) if "evidence" in t.parts]
        assert opened.errors == []
    assert targets and all(t.is_relative_to((ws.root / "evidence").resolve()) for t in targets)
    assert all(t.is_file() for t in targets if t.name != "missing.png")
    html = page.read_text(encoding="utf-8")
    assert 'href="../../ws/evidence/' in html  # relative, so the pair can move together
