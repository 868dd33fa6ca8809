"""export --into: only govaudit's sheets change; the team's sheets, images, charts survive."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.drawing.image import Image
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from PIL import Image as PILImage

from govaudit.model import Evidence
from govaudit.store import Store
from govaudit.workbook.reading import read_sheets

SITES = [("成都市", "https://cd.example.cn", "city"), ("郫都区", "http://pd.example.cn", "county")]


def _template(path: Path) -> Path:
    book = Workbook()
    notes = book.active
    notes.title = "说明"
    notes["A1"] = "团队汇总表"
    notes["A1"].font = Font(bold=True, size=16, color="C00000")
    notes["A2"].fill = PatternFill("solid", fgColor="FFFF00")
    notes["A2"] = "=SUM(B3:B5)"
    for i, value in enumerate((3, 5, 8), start=3):
        notes.cell(i, 2, value)
    dv = DataValidation(type="list", formula1='"通过,不通过"')
    dv.add("C3:C5")
    notes.add_data_validation(dv)
    png = io.BytesIO()
    PILImage.new("RGB", (40, 20), (200, 30, 30)).save(png, format="PNG")
    png.seek(0)
    notes.add_image(Image(png), "E2")
    chart = LineChart()
    chart.add_data(Reference(notes, min_col=2, min_row=3, max_row=5))
    notes.add_chart(chart, "E10")
    book.create_sheet("领导批示")["A1"] = "同意"
    book.save(path)
    return path


def _check_team_sheets(path: Path) -> None:
    book = load_workbook(path)
    notes = book["说明"]
    assert notes["A1"].value == "团队汇总表"
    assert notes["A1"].font.bold and notes["A1"].font.color.rgb == "00C00000"
    assert notes["A2"].value == "=SUM(B3:B5)"  # the team's own formula stays a formula
    assert notes["A2"].fill.fgColor.rgb == "00FFFF00"
    assert [notes.cell(i, 2).value for i in (3, 4, 5)] == [3, 5, 8]
    assert [str(dv.sqref) for dv in notes.data_validations.dataValidation] == ["C3:C5"]
    assert len(notes._images) == 1 and len(notes._charts) == 1
    assert book["领导批示"]["A1"].value == "同意"


def test_into_keeps_the_team_sheets(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    store = Store(ws)
    store.save_answer("成都市", "a1.q1", "a1", "yes", "张三", note="=danger()")
    store.add_evidence([Evidence.from_dict({
        "id": f"ev-00000000000{i}", "site": "成都市", "question": "a1.q1",
        "time": "2026-11-22T08:15:00Z", "error": "",
        "files": [{"kind": "png", "path": f"evidence/cd/{i}.png"}]}) for i in range(2)])
    team = _template(tmp_path / "团队汇总.xlsx")
    result = cli("export", "--into", str(team), cwd=ws.root)
    assert result.exit_code == 0, result.output
    book = load_workbook(team)
    assert book.sheetnames == ["说明", "领导批示", "Summary", "Scores", "Answers", "Evidence",
                               "Checklist", "审计日志", "About"]
    _check_team_sheets(team)
    backups = sorted(tmp_path.glob("团队汇总.backup-*.xlsx"))
    assert len(backups) == 1 and load_workbook(backups[0]).sheetnames == ["说明", "领导批示"]
    answers = book["Answers"]
    note = next(c for c in answers[2] if c.value == "note").column_letter
    assert answers[f"{note}3"].value == "=danger()" and answers[f"{note}3"].data_type == "s"
    assert len(book["Summary"]._charts) == 1
    links = [(c.coordinate, c.hyperlink.ref, c.hyperlink.target)
             for row in book["Evidence"].iter_rows(min_row=3) for c in row if c.hyperlink]
    assert links == [("J3", "J3", "ws/evidence/cd/0.png"),
                     ("J4", "J4", "ws/evidence/cd/1.png")]

    # the team moves govaudit's sheets before its own; a second update keeps that order
    book.move_sheet("领导批示", offset=7)
    book.save(team)
    store.save_answer("郫都区", "a1.q1", "a1", "no", "张三")
    result = cli("export", "--into", str(team), cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert load_workbook(team).sheetnames == ["说明", "Summary", "Scores", "Answers", "Evidence",
                                              "Checklist", "审计日志", "About", "领导批示"]
    _check_team_sheets(team)
    answers = read_sheets(team)["Answers"]
    assert [r[0] for r in answers[2:]] == ["成都市", "郫都区"]
    assert len(list(tmp_path.glob("团队汇总.backup-*.xlsx"))) == 2


def test_into_refuses_an_open_workbook(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    team = _template(tmp_path / "团队汇总.xlsx")
    before = team.read_bytes()
    (tmp_path / "~$团队汇总.xlsx").write_bytes(b"\0")
    result = cli("export", "--into", str(team), cwd=ws.root)
    assert result.exit_code == 1 and "looks open" in result.output
    assert team.read_bytes() == before
    assert not list(tmp_path.glob("*.backup-*"))


def test_into_refuses_sheets_that_are_not_govaudits(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    book = Workbook()
    book.active.title = "Summary"
    book.active["A1"] = "我们自己的汇总"
    book.save(tmp_path / "own.xlsx")
    result = cli("export", "--into", str(tmp_path / "own.xlsx"), cwd=ws.root)
    assert result.exit_code == 1 and "no govaudit About sheet" in result.output
    assert load_workbook(tmp_path / "own.xlsx")["Summary"]["A1"].value == "我们自己的汇总"
    missing = cli("export", "--into", str(tmp_path / "none.xlsx"), cwd=ws.root)
    assert missing.exit_code == 1 and "no such workbook" in missing.output
