"""The exported workbook opens in LibreOffice, hostile text stays text, a re-save reads back."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest

from govaudit.store import Store
from govaudit.workbook.reading import read_sheets

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: apt-get install -y "
    "libreoffice-calc to run this check")
SITES = [("成都市", "https://cd.example.cn", "city"), ("郫都区", "http://pd.example.cn", "county")]
NOTES = ['=HYPERLINK("http://x","y")', "@SUM(1)", "+1+1", "-2", "#N/A"]
ALL_SHEETS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def _convert(source: Path, target: str, out: Path, profile: Path) -> None:
    subprocess.run([SOFFICE, "--headless", "--norestore",
                    f"-env:UserInstallation={profile.as_uri()}", "--convert-to", target,
                    "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=180)


def test_libreoffice_opens_and_resaves_the_workbook(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    store = Store(ws)
    questions = ["a1.q1", "a2.q1", "a1.q3", "a2.q1", "a1.q1"]
    values: list[str | int] = ["yes", "no", 5, "na", "no"]
    for i, (question, value, note) in enumerate(zip(questions, values, NOTES, strict=True)):
        site = SITES[i // 3][0]
        store.save_answer(site, question, question.split(".")[0], value, "张三", note=note,
                          time=f"2026-11-22T08:15:0{i}.250+00:00")
    exported = ws.root / "exports" / "book.xlsx"
    assert cli("export", "-o", str(exported), cwd=ws.root).exit_code == 0
    profile = tmp_path / "lo-profile"

    _convert(exported, ALL_SHEETS_CSV, tmp_path / "csv", profile)
    with (tmp_path / "csv" / "book-Answers.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    note = rows[1].index("note")
    assert sorted(r[note] for r in rows[2:]) == sorted(NOTES)  # as typed: nothing evaluated
    with (tmp_path / "csv" / "book-Summary.csv").open(encoding="utf-8") as handle:
        assert [r[0] for r in csv.reader(handle)][2:] == ["成都市", "郫都区"]

    # A teammate opens the file in LibreOffice and saves it: govaudit reads it the same.
    _convert(exported, "xlsx", tmp_path / "resaved", profile)
    resaved = tmp_path / "resaved" / "book.xlsx"
    assert read_sheets(resaved)["Answers"] == read_sheets(exported)["Answers"]
    empty = make_workspace(evaluator="王五", name="empty")
    result = cli("import", str(resaved), "--add-sites", cwd=empty.root)
    assert result.exit_code == 0, result.output
    again = tmp_path / "again.xlsx"
    assert cli("export", "-o", str(again), cwd=empty.root).exit_code == 0
    assert read_sheets(again)["Answers"] == read_sheets(exported)["Answers"]


def _layout(path: Path) -> dict[str, tuple]:
    """Per sheet: paper, orientation, fit to one page wide, repeated rows, hidden columns."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    try:
        return {ws.title: (ws.page_setup.paperSize, ws.page_setup.orientation,
                           bool(ws.sheet_properties.pageSetUpPr
                                and ws.sheet_properties.pageSetUpPr.fitToPage),
                           ws.page_setup.fitToWidth, ws.print_title_rows,
                           sorted(k for k, d in ws.column_dimensions.items() if d.hidden))
                for ws in book.worksheets}
    finally:
        book.close()


def test_print_setup_and_the_hidden_column_survive_a_libreoffice_save(make_workspace, cli,
                                                                       tmp_path: Path):
    ws = make_workspace(sites=SITES)
    Store(ws).save_answer("成都市", "a1.q1", "a1", "yes", "张三")
    exported = ws.root / "exports" / "book.xlsx"
    assert cli("export", "-o", str(exported), cwd=ws.root).exit_code == 0
    before = _layout(exported)
    # what the export sets: A4 (9), portrait where narrow, one page wide, the Chinese header
    # repeated
    assert before["Summary"][:5] == (9, "portrait", True, 1, "$1:$1")
    assert before["Answers"][5], "the Answers sheet has its hidden 'as exported' column"
    _convert(exported, "xlsx", tmp_path / "resaved", tmp_path / "lo-profile")
    after = _layout(tmp_path / "resaved" / "book.xlsx")
    for sheet, layout in before.items():
        if layout[0] is not None:  # a sheet the export sets up for printing keeps it
            assert after[sheet][:5] == layout[:5], sheet
        assert after[sheet][5] == layout[5], sheet  # the same columns stay hidden
