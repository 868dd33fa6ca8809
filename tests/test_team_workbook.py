"""The team workbook as a team works in it: a Summary that adds up and prints, Chinese
throughout, and a lead's edits that come back on import."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from govaudit.store import Store

CHECKLIST = """\
id: capped
name: 封顶
version: "1"
levels: [city, county]
totals: {main: 10, bonus: 5}
bonus_cap: 5
indicators:
  - id: a
    name: 甲
    children:
      - id: a1
        name: 甲一
        weights: {city: 7, county: 7}
        questions:
          - {id: q1, type: yes_no, text: 是否有}
          - {id: q2, type: yes_no, text: 是否全}
          - {id: q3, type: yes_no, text: 是否新}
      - id: a2
        name: 甲二
        weights: {city: 3, county: 3}
        questions:
          - {id: q1, type: yes_no, text: 是否}
  - id: b
    name: 优秀创新案例
    bonus: true
    total: 5
    children:
      - id: b1
        name: 案例一
        weights: {city: 5, county: 5}
        questions: [{id: q1, type: yes_no, text: 案例一}]
      - id: b2
        name: 案例二
        weights: {city: 5, county: 5}
        questions: [{id: q1, type: yes_no, text: 案例二}]
"""
# Inserted out of order: the Summary sorts them by group (地市 before 区县), then rank.
SITES = [("郫都区", "http://pd.example.cn", "county"), ("自贡市", "http://zg.example.cn", "city"),
         ("成都市", "https://cd.example.cn", "city")]
TIME = "2026-11-22T08:15:00.000+00:00"


def _rows(sheet) -> list[list]:
    return [[c.value for c in row] for row in sheet.iter_rows()]


def _workspace(make_workspace, tmp_path: Path):
    path = tmp_path / "capped.yaml"
    path.write_text(CHECKLIST, encoding="utf-8")
    ws = make_workspace(checklist=path, sites=SITES)
    store = Store(ws)
    for site, values in (("郫都区", "yyyy" "yy"), ("自贡市", "ynny" "nn"), ("成都市", "yyny" "yy")):
        for qid, value in zip(("a1.q1", "a1.q2", "a1.q3", "a2.q1", "b1.q1", "b2.q1"), values,
                              strict=True):
            store.save_answer(site, qid, qid.split(".")[0], "yes" if value == "y" else "no",
                              "张三", time=TIME)
    return ws


def test_summary_adds_up_sorts_by_group_and_rank_and_prints(make_workspace, cli,
                                                             tmp_path: Path):
    ws = _workspace(make_workspace, tmp_path)
    result = cli("export", cwd=ws.root)
    assert result.exit_code == 0, result.output
    book = load_workbook(ws.root / "exports" / "ws-张三.xlsx")
    summary = book["Summary"]
    rows = _rows(summary)
    ids = rows[1]
    table = [dict(zip(ids, r, strict=True)) for r in rows[2:]]
    assert [(r["site"], r["level"], r["rank_group"], r["rank"]) for r in table] == [
        ("成都市", "市级", "地市", 1), ("自贡市", "市级", "地市", 2), ("郫都区", "县级", "区县", 1)]
    for row in table:
        # the bonus column holds the capped bonus: the first-level columns add up to the total
        assert row["top.b"] == row["bonus"] <= 5
        assert round(row["top.a"] + row["top.b"], 2) == row["total"]
        for key in ("total", "bonus", "top.a", "top.b"):
            assert row[key] == round(row[key], 2)
    chengdu = table[0]
    assert chengdu["top.b"] == 5 and chengdu["total"] == 12.67  # 7 × 2/3 + 3 + min(10, 5)
    assert summary.page_setup.paperSize == 9  # A4
    assert summary.page_setup.orientation == "portrait"  # two first-level columns: narrow
    assert summary.sheet_properties.pageSetUpPr.fitToPage
    assert (summary.page_setup.fitToWidth, summary.page_setup.fitToHeight) == (1, 0)
    assert summary.print_title_rows == "$1:$1"  # the Chinese header; the id row never prints
    assert str(summary.print_area).startswith("'Summary'!$A$3:")


def _edit(path: Path, row: int, **cells: str) -> None:
    book = load_workbook(path)
    sheet = book["Answers"]
    ids = [c.value for c in sheet[2]]
    for key, value in cells.items():
        sheet.cell(row, ids.index(key) + 1).value = value
    book.save(path)


def _answer_rows(path: Path) -> dict[tuple[str, str], int]:
    rows = _rows(load_workbook(path)["Answers"])
    ids = rows[1]
    return {(r[ids.index("site")], r[ids.index("question")]): n
            for n, r in enumerate(rows[2:], 3)}


def test_a_leads_edits_come_back(make_workspace, cli, tmp_path: Path):
    ws = _workspace(make_workspace, tmp_path)
    out = tmp_path / "lead.xlsx"
    assert cli("export", "-o", str(out), cwd=ws.root).exit_code == 0
    at = _answer_rows(out)
    # the value column changed (the Chinese column still says 是), the time left alone
    _edit(out, at[("成都市", "a1.q1")], value="no")
    # only the Chinese column changed
    _edit(out, at[("成都市", "a1.q2")], value_label="不适用")
    # the value column in Chinese
    _edit(out, at[("自贡市", "a1.q2")], value="是", value_label="是")
    result = cli("import", str(out), cwd=ws.root)
    assert result.exit_code == 0, result.output
    answers = {(a.site, a.question): a for a in Store(ws).answers()}
    assert answers[("成都市", "a1.q1")].value == "no"
    assert answers[("成都市", "a1.q1")].history[-1]["value"] == "yes"
    assert answers[("成都市", "a1.q2")].value == "na"
    assert answers[("自贡市", "a1.q2")].value == "yes"
    assert answers[("郫都区", "a1.q1")].value == "yes"  # untouched rows stay as they were


def test_a_row_whose_two_answer_columns_disagree_is_refused(make_workspace, cli,
                                                            tmp_path: Path):
    ws = _workspace(make_workspace, tmp_path)
    out = tmp_path / "lead.xlsx"
    assert cli("export", "-o", str(out), cwd=ws.root).exit_code == 0
    row = _answer_rows(out)[("成都市", "a1.q1")]
    _edit(out, row, value="no", value_label="不适用")
    before = {(a.site, a.question): a.value for a in Store(ws).answers()}
    result = cli("import", str(out), cwd=ws.root)
    assert result.exit_code == 1
    assert f"Answers row {row}" in result.output and "disagree" in result.output
    assert "Traceback" not in result.output
    assert {(a.site, a.question): a.value for a in Store(ws).answers()} == before
