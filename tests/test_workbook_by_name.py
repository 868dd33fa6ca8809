"""The workbook writer addresses every cell by its column's name.

A column inserted anywhere in a sheet's layout moves every value, link, colour,
dropdown and chart reference with the column it belongs to; nothing lands in the
neighbour's cell.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from PIL import Image

from govaudit import Audit
from govaudit.workbook import layout
from govaudit.workbook.layout import Column

CHECKLIST = Path(__file__).parent / "fixtures" / "mini.yaml"
INSERTED = Column("inserted", "插入的列", 7)
# what differs between two workspaces made seconds apart: times and evidence ids
UNLIKE = ("time", "evidence", "file")
TABLES = ("SUMMARY_HEAD", "ANSWERS_COLUMNS", "EVIDENCE_COLUMNS", "CHECKLIST_HEAD",
          "SCORES_HEAD", "ABOUT_COLUMNS")


def _workbook(tmp_path: Path) -> Path:
    audit = Audit.create(tmp_path / "ws", checklist=str(CHECKLIST), evaluator="张三")
    audit.sites.add("成都市", "https://cd.example.cn", "city")
    audit.sites.add("郫都区", "http://pd.example.cn", "county")
    shot = tmp_path / "首页.png"
    Image.new("RGB", (40, 30), "white").save(shot)
    audit.attach("成都市", "a1.q1", shot)
    for site, value in (("成都市", "yes"), ("郫都区", "no")):
        audit.answer(site, "a1.q1", value, note="首页底部")
        audit.answer(site, "a1.q3", 4)
        audit.answer(site, "a2.q1", "yes")
    return audit.export(tmp_path / "团队.xlsx").path


def _ids(sheet) -> dict[str, str]:
    """Column id (the second header row) -> column letter."""
    return {cell.value: cell.column_letter for cell in sheet[2] if cell.value}


def _by_id(sheet) -> list[dict[str, object]]:
    ids = {cell.column: cell.value for cell in sheet[2] if cell.value}
    return [{ids[c.column]: c.value for c in row if c.column in ids}
            for row in sheet.iter_rows(min_row=3) if any(c.value for c in row)]


@pytest.fixture(params=["first", "middle"])
def inserted(request, monkeypatch) -> str:
    """Every table of the layout with one more column, first or in the middle."""
    for name in TABLES:
        columns = list(getattr(layout, name))
        columns.insert(0 if request.param == "first" else len(columns) // 2, INSERTED)
        monkeypatch.setattr(layout, name, tuple(columns))
    return request.param


def test_an_inserted_column_moves_every_cell_with_it(tmp_path: Path, inserted: str) -> None:
    plain = load_workbook(_workbook(tmp_path / "plain"))
    book = load_workbook(_workbook(tmp_path / "wide"))
    for name in ("Summary", "Answers", "Evidence", "Checklist", "Scores"):
        sheet = book[name]
        assert "inserted" in _ids(sheet), name
        rows = _by_id(sheet)
        assert rows and all(row.get("inserted") is None for row in rows), name
        # every value sits under the same id as in the workbook without the column
        expected = _by_id(plain[name])
        assert len(rows) == len(expected), name
        for got, want in zip(rows, expected, strict=True):
            for key, value in want.items():
                if key not in UNLIKE:
                    assert got[key] == value, (name, key)


def test_the_evidence_link_stays_on_the_file_cell(tmp_path: Path, inserted: str) -> None:
    sheet = load_workbook(_workbook(tmp_path))["Evidence"]
    letters = _ids(sheet)
    linked = [c for row in sheet.iter_rows(min_row=3) for c in row if c.hyperlink]
    assert len(linked) == 1
    assert linked[0].column_letter == letters["file"]
    assert linked[0].value.endswith(".png")
    kind = sheet[f"{letters['kind']}{linked[0].row}"].value
    assert kind and not str(kind).endswith(".png")


def test_colours_dropdowns_and_the_chart_follow_their_columns(tmp_path: Path,
                                                              inserted: str) -> None:
    book = load_workbook(_workbook(tmp_path))
    summary = book["Summary"]
    letters = _ids(summary)
    ranges = {str(r.sqref) for r in summary.conditional_formatting}
    assert ranges, "the grade colours are written"
    for sqref in ranges:
        columns = {part.split(":")[0].rstrip("0123456789") for part in sqref.split()}
        assert columns == {letters["total"], letters["grade"]}
    for rules in summary.conditional_formatting:
        for rule in rules.rules:
            assert f"${letters['total']}3" in rule.formula[0]
            assert f"${letters['provisional']}3" in rule.formula[0]
    chart = summary._charts[0]
    data = chart.series[0].val.numRef.f
    assert f"${letters['total']}$3" in data
    categories = chart.series[0].cat
    assert f"${letters['site']}$3" in (categories.numRef or categories.strRef).f
    answers = book["Answers"]
    letters = _ids(answers)
    validated = {part.split(":")[0].rstrip("0123456789")
                 for v in answers.data_validations.dataValidation
                 for part in str(v.sqref).split()}
    assert validated == {letters["value"], letters["value_label"], letters["review"]}


def test_a_row_named_with_a_column_the_sheet_lacks_is_an_error(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from govaudit.workbook.cells import SheetWriter

    writer = SheetWriter(Workbook().active)
    writer.table([Column("site", "网站", 10), Column("total", "总分", 8)])
    writer.append_named({"total": 3})
    assert [c.value for c in writer.ws[3]] == [None, 3]
    with pytest.raises(KeyError, match="no column 'grade'"):
        writer.append_named({"grade": "优"})
    assert get_column_letter(writer.number("total")) == writer.letter("total") == "B"
