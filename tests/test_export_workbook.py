"""govaudit export: the workbook re-read cell by cell; hostile text stays text; round trip."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from govaudit.checklist import load_checklist
from govaudit.model import Evidence
from govaudit.scoring import score_sites
from govaudit.store import Answer, Site, Store
from govaudit.workbook.content import WorkbookContent, about_rows
from govaudit.workbook.export import write_workbook
from govaudit.workbook.layout import MAX_HYPERLINKS
from govaudit.workbook.reading import read_sheets

HOSTILE = {
    "formula": '=HYPERLINK("http://x","y")',
    "at": "@SUM(1)",
    "nul": "a\x00b\x07c",
    "plus": "+1+1",
    "minus": "-2",
    "tab": "\tcmd",
    "cr": "\rcmd",
    "error": "#N/A",
}
SITES = [("成都市", "https://cd.example.cn", "city"), ("郫都区", "http://pd.example.cn", "county")]


def _fill(ws) -> Store:
    store = Store(ws)
    t = "2026-11-22T08:15:0{}.123+00:00"
    store.save_answer("成都市", "a1.q1", "a1", "yes", "张三", note=HOSTILE["formula"],
                      evidence=["ev-000000000001"], time=t.format(1))
    store.save_answer("成都市", "a1.q2", "a1", "中", "张三", note=HOSTILE["at"], time=t.format(2))
    store.save_answer("成都市", "a1.q3", "a1", 12, "张三", note=HOSTILE["nul"], time=t.format(3))
    store.save_answer("成都市", "a2.q1", "a2", "no", "张三", note=HOSTILE["plus"],
                      time=t.format(4))
    store.save_answer("郫都区", "a1.q1", "a1", "no", "张三", note=HOSTILE["minus"],
                      time=t.format(5))
    store.save_answer("郫都区", "a1.q3", "a1", 3, "张三", note=HOSTILE["tab"], time=t.format(6))
    store.save_answer("郫都区", "b1.q1", "b1", "优", "李四", note=HOSTILE["cr"], time=t.format(7))
    store.save_answer("郫都区", "a2.q1", "a2", "na", "张三", note=HOSTILE["error"],
                      time=t.format(8))
    evidence = ws.root / "evidence" / "成都市" / "home page.png"
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(b"\x89PNG fake")
    store.add_evidence([Evidence.from_dict({
        "id": "ev-000000000001", "run": "r", "site": "成都市", "indicator": "a1",
        "question": "a1.q1", "requested_url": "https://cd.example.cn",
        "final_url": "=cmd|' /C calc'!A0", "status": 200, "ip": "", "title": "成都",
        "time": "2026-11-22T08:15:00Z", "files": [
            {"kind": "png", "path": "evidence/成都市/home page.png", "sha256": "ab" * 32,
             "bytes": 9}], "error": ""})])
    return store


def _rows(sheet) -> list[list]:
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_export_cell_by_cell(make_workspace, cli):
    ws = make_workspace(sites=SITES)
    _fill(ws)
    result = cli("export", cwd=ws.root)
    assert result.exit_code == 0, result.output
    path = ws.root / "exports" / "ws-张三.xlsx"
    assert path.is_file() and str(path.name) in result.output
    book = load_workbook(path)
    assert book.sheetnames == ["Summary", "Scores", "Answers", "Evidence", "Checklist", "审计日志",
                               "About"]

    answers = book["Answers"]
    rows = _rows(answers)
    # the columns printed first (one line per answer), then the rest
    assert rows[0][:7] == ["网站", "问题编号", "答案", "答案（中文）", "评估人", "复核状态", "问题"]
    assert rows[1] == ["site", "question", "value", "value_label", "evaluator", "review",
                       "question_text", "level", "indicator", "indicator_path", "time", "note",
                       "evidence", "written", "review_reason", "reviewer", "review_time",
                       "review_version", "review_written"]
    assert rows[0][10] == "时间（UTC+8）"  # 08:15 UTC, as stored, is 16:15 in China
    assert rows[2] == ["成都市", "a1.q1", "yes", "是", "张三", "待复核", "是否有", "市级", "a1",
                       "甲 > 甲一", dt.datetime(2026, 11, 22, 16, 15, 1, 123000),
                       HOSTILE["formula"], "ev-000000000001", "yes", None, None, None, None,
                       "待复核"]
    assert all(answers.column_dimensions[c].hidden for c in "NRS")
    assert str(answers.print_area) == "'Answers'!$A$3:$F$10"
    assert rows[4][1:4] + rows[4][6:7] == ["a1.q3", 12, None, "数量"]  # a real number
    notes = [r[11] for r in rows[2:]]
    expected = [HOSTILE["formula"], HOSTILE["at"], "abc", HOSTILE["plus"], HOSTILE["minus"],
                HOSTILE["tab"], HOSTILE["error"], HOSTILE["cr"]]
    assert notes == expected
    for row in answers.iter_rows(min_row=3):
        note = row[11]
        assert note.data_type == "s"
        if note.value[0] in "=+-@\t\r#":
            assert note.quotePrefix, note.value  # Excel's "forced text" flag
    # no formula anywhere in the package
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    assert answers.freeze_panes == "A3"
    assert answers.auto_filter.ref == "A2:S10"
    lists = {dv.formula1: str(dv.sqref) for dv in answers.data_validations.dataValidation}
    # rows 3-6 成都市 a1.q1 a1.q2 a1.q3 a2.q1; rows 7-10 郫都区 a1.q1 a1.q3 a2.q1 b1.q1
    assert lists == {'"yes,no,na,unknown"': "C3 C6:C7 C9", '"好,中,差,na,unknown"': "C4",
                     '"优,差,na,unknown"': "C10",
                     '"是,否,不适用,无法判断"': "D3 D6:D7 D9", '"好,中,差,不适用,无法判断"': "D4",
                     '"优,差,不适用,无法判断"': "D10", '"待复核,有问题,通过,退回"': "F3:F10"}

    summary = book["Summary"]
    srows = _rows(summary)
    report = score_sites(ws.checklist, Store(ws).sites(), Store(ws).answers(), "张三")
    by_site = {s.site: s for s in report.sites}
    assert srows[1][:10] == ["site", "level", "total", "provisional", "bonus", "grade", "rank",
                             "rank_group", "top.a", "top.b"]
    for row in srows[2:]:
        score = by_site[row[0]]
        assert row[2] == round(score.total, 2) and row[5] == score.grade
        assert row[3] == ("暂定" if score.provisional else None)
        assert row[6] == score.rank and row[10:13] == [score.answered, score.questions,
                                                        dict((s[0], s[1]) for s in SITES)[row[0]]]
    assert summary.freeze_panes == "B3"
    assert len(summary._charts) == 1
    ranges = [str(cf.sqref) for cf in summary.conditional_formatting]
    assert ranges == ["C3:C4 F3:F4"]
    assert len(summary.conditional_formatting["C3:C4 F3:F4"]) == len(ws.checklist.grades)

    scores = _rows(book["Scores"])
    assert scores[1] == ["site", "level", "ind.a1", "ind.a2", "ind.b1"]
    assert scores[2][2] == pytest.approx(by_site["成都市"].indicators["a1"])

    evidence = book["Evidence"]
    erows = _rows(evidence)
    assert erows[2][0] == "ev-000000000001" and erows[2][5] == "=cmd|' /C calc'!A0"
    assert evidence.cell(3, 6).data_type == "s"
    link = evidence.cell(3, 10).hyperlink.target
    assert link == "../evidence/%E6%88%90%E9%83%BD%E5%B8%82/home%20page.png"
    assert (path.parent / unquote(link)).is_file()
    assert erows[2][7] == dt.datetime(2026, 11, 22, 16, 15)  # China time

    checklist = _rows(book["Checklist"])
    assert checklist[1][:8] == ["indicator", "code", "level1", "level2", "level3", "bonus",
                                "weight.city", "weight.county"]
    assert checklist[2][:8] == ["a1", "1.1", "甲", "甲一", None, None, 6, 5]
    about = {r[1]: r[2] for r in _rows(book["About"])[2:]}
    assert about["checklist_id"] == "mini" and about["checklist_version"] == "1"
    assert about["evaluators"] == "张三, 李四" and about["hyperlinks"] == 1
    assert isinstance(about["exported"], dt.datetime)


def test_round_trip_gives_identical_answers(make_workspace, cli, tmp_path: Path):
    first = make_workspace(sites=SITES)
    _fill(first)
    out1 = tmp_path / "first.xlsx"
    assert cli("export", "-o", str(out1), cwd=first.root).exit_code == 0
    empty = make_workspace(evaluator="王五", name="empty")
    result = cli("import", str(out1), "--add-sites", cwd=empty.root)
    assert result.exit_code == 0, result.output
    assert "8 new" in result.output and "Added 2 site(s)" in result.output
    out2 = tmp_path / "second.xlsx"
    assert cli("export", "-o", str(out2), cwd=empty.root).exit_code == 0
    one, two = read_sheets(out1), read_sheets(out2)
    assert len(one["Answers"]) == 10
    assert one["Answers"] == two["Answers"]
    assert one["Summary"] == two["Summary"] and one["Scores"] == two["Scores"]
    # importing the same file again changes nothing
    again = cli("import", str(out1), cwd=empty.root)
    assert "0 new, 0 updated, 8 unchanged" in again.output


def test_a_workbook_in_utc_from_an_earlier_version_is_read_in_utc(make_workspace, cli,
                                                                    tmp_path: Path):
    """Workbooks written before the times were shown in China time said UTC in their time
    headers: their times are read as UTC, and give the answers as they were stored."""
    first = make_workspace(sites=SITES)
    _fill(first)
    stored = {(a.site, a.question): a.time for a in Store(first).answers()}
    out = tmp_path / "earlier.xlsx"
    assert cli("export", "-o", str(out), cwd=first.root).exit_code == 0
    book = load_workbook(out)
    answers = book["Answers"]
    ids = [c.value for c in answers[2]]
    time = ids.index("time") + 1
    answers.cell(1, time).value = "时间（UTC）"
    for row in range(3, answers.max_row + 1):
        answers.cell(row, time).value -= dt.timedelta(hours=8)
    for row in book["About"].iter_rows(min_row=3):
        if row[1].value == "exported":
            row[0].value = "导出时间（UTC）"
            row[2].value -= dt.timedelta(hours=8)
    book.save(out)
    other = make_workspace(evaluator="王五", name="other")
    result = cli("import", str(out), "--add-sites", cwd=other.root)
    assert result.exit_code == 0, result.output
    assert {(a.site, a.question): a.time for a in Store(other).answers()} == stored


def test_evidence_hyperlinks_stop_at_excel_limit(tmp_path: Path, mini_checklist: Path):
    checklist = load_checklist(mini_checklist)
    sites = [Site("成都市", "https://cd.example.cn", "city")]
    answers = [Answer("成都市", "a1.q1", "a1", "yes", "张三", "2026-11-22T08:15:00.000+00:00")]
    extra = 25
    evidence = [{"evidence": f"ev-{i:012x}", "site": "成都市", "file": f"evidence/cd/{i}.png"}
                for i in range(MAX_HYPERLINKS + extra)]
    content = WorkbookContent(checklist, sites, answers, score_sites(checklist, sites, answers),
                              evidence, about_rows(checklist, "export", answers),
                              evidence_root=tmp_path)
    out = write_workbook(content, tmp_path / "many.xlsx")
    with zipfile.ZipFile(out) as archive:
        sheet = archive.read("xl/worksheets/sheet4.xml").decode()
        rels = archive.read("xl/worksheets/_rels/sheet4.xml.rels").decode()
    assert len(re.findall(r"<hyperlink ", sheet)) == MAX_HYPERLINKS
    assert rels.count('TargetMode="External"') == MAX_HYPERLINKS
    about = {r[1]: r[2] for r in read_sheets(out)["About"][2:]}
    assert about["hyperlinks"] == MAX_HYPERLINKS and about["unlinked"] == extra


def test_export_refuses_an_open_workbook(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    target = tmp_path / "团队.xlsx"
    (tmp_path / "~$团队.xlsx").write_bytes(b"owner")
    result = cli("export", "-o", str(target), cwd=ws.root)
    assert result.exit_code == 1 and "looks open" in result.output
    assert not target.exists()
