"""A column that is absent, emptied or turned into formulas never wipes what was there.

- An absent Answers column (备注 deleted) means "no change" for that field, in `import`,
  `export merge` and `answer --file`: every note stays, and the reader says the column
  is absent.
- A column that becomes empty for most rows at once is a warning naming the column and
  the number of rows, in `import` and `export merge`.
- A note that became a formula (a sort can turn text starting with '=' into one) is not
  taken: each such row is named, and the answer keeps the note it had.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from openpyxl import load_workbook

from govaudit.checklist import load_checklist
from govaudit.store import Answer, Site, Store
from govaudit.workbook.content import answers_content
from govaudit.workbook.export import write_workbook
from govaudit.workbook.reading import read_sheets

FIXTURE = Path(__file__).parent / "fixtures" / "mini.yaml"
CHECKLIST = load_checklist(FIXTURE)
SITES = [("成都市", "https://cd.example.cn", "city"), ("郫都区", "http://pd.example.cn", "county")]
MONDAY = "2026-11-16T08:00:00.000+00:00"
FRIDAY = "2026-11-20T08:00:00.000+00:00"
# (site, question, value, note): four answers, each with its note
ROWS = [("成都市", "a1.q1", "yes", "首页底部有链接"), ("成都市", "a1.q3", 4, "四项服务"),
        ("成都市", "a2.q1", "no", "未见栏目"), ("郫都区", "a1.q1", "yes", "=备注以等号开头")]


def _answers(evaluator: str = "李四", time: str = MONDAY, change: bool = False) -> list[Answer]:
    """ROWS as answers; with `change`, a1.q1 of 成都市 answered 'no' instead."""
    out = []
    for site, question, value, note in ROWS:
        if change and (site, question) == ("成都市", "a1.q1"):
            value = "no"
        out.append(Answer(site, question, question.split(".")[0], value, evaluator, time, note))
    return out


def _book(path: Path, answers: list[Answer]) -> Path:
    sites = [Site(n, u, lv) for n, u, lv in SITES]
    return write_workbook(answers_content(CHECKLIST, sites, answers), path)


def _edit(path: Path, change: Callable, out: Path | None = None) -> Path:
    """Apply `change(sheet, columns)` to the Answers sheet (columns: id -> 1-based index)."""
    book = load_workbook(path)
    sheet = book["Answers"]
    columns = {cell.value: cell.column for cell in sheet[2] if cell.value}
    change(sheet, columns)
    book.save(out or path)
    return out or path


def _delete(name: str) -> Callable:
    return lambda sheet, columns: sheet.delete_cols(columns[name])


def _clear(name: str) -> Callable:
    def change(sheet, columns) -> None:
        for row in range(3, sheet.max_row + 1):
            sheet.cell(row, columns[name]).value = None
    return change


def _formulas(sheet, columns) -> None:
    """Every note a formula, as a sort that turned text into formulas leaves them."""
    for row in range(3, sheet.max_row + 1):
        sheet.cell(row, columns["note"]).value = f'=UPPER("{row}")'


def _notes(ws) -> dict[tuple[str, str], str]:
    return {(a.site, a.question): a.note for a in Store(ws).answers()}


def _merged_notes(path: Path) -> dict[tuple[str, str, str], str]:
    rows = read_sheets(path)["Answers"]
    ids = rows[1]
    return {(r[ids.index("site")], r[ids.index("question")], r[ids.index("evaluator")]):
            r[ids.index("note")] for r in rows[2:]}


EXPECTED = {(site, question): note for site, question, _v, note in ROWS}


# --- import ---------------------------------------------------------------------------

def test_import_of_a_workbook_without_its_note_column_keeps_every_note(make_workspace, cli,
                                                                      tmp_path: Path):
    ws = make_workspace(sites=SITES)
    book = _book(tmp_path / "李四.xlsx", _answers())
    assert cli("import", str(book), cwd=ws.root).exit_code == 0
    assert _notes(ws) == EXPECTED
    _edit(book, _delete("note"))
    result = cli("import", str(book), cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert "0 updated, 4 unchanged" in result.output
    assert "has no column 备注 (note)" in result.output
    assert _notes(ws) == EXPECTED
    assert all(not a.history for a in Store(ws).answers())


def test_import_of_changed_values_without_the_note_column_keeps_the_notes(make_workspace, cli,
                                                                         tmp_path: Path):
    ws = make_workspace(sites=SITES)
    assert cli("import", str(_book(tmp_path / "mon.xlsx", _answers())), cwd=ws.root
               ).exit_code == 0
    friday = _edit(_book(tmp_path / "fri.xlsx", _answers(time=FRIDAY, change=True)),
                   _delete("note"))
    result = cli("import", str(friday), cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert "1 updated, 3 unchanged" in result.output
    assert _notes(ws) == EXPECTED
    changed = next(a for a in Store(ws).answers() if (a.site, a.question) == ("成都市", "a1.q1"))
    assert changed.value == "no" and changed.note == "首页底部有链接"


def test_import_warns_when_a_column_becomes_empty_for_most_rows(make_workspace, cli,
                                                               tmp_path: Path):
    ws = make_workspace(sites=SITES)
    book = _book(tmp_path / "李四.xlsx", _answers())
    assert cli("import", str(book), cwd=ws.root).exit_code == 0
    _edit(book, _clear("note"))
    result = cli("import", str(book), cwd=ws.root)
    assert result.exit_code == 0, result.output
    warning = next(line for line in result.output.splitlines() if line.startswith("warning:"))
    assert "备注 (note) is empty in 4 of the 4 Answers rows" in warning and str(book) in warning
    # one note cleared on purpose is no warning
    other = make_workspace(sites=SITES, name="other")
    one = _book(tmp_path / "one.xlsx", _answers())
    assert cli("import", str(one), cwd=other.root).exit_code == 0
    _edit(one, lambda sheet, columns: setattr(sheet.cell(3, columns["note"]), "value", None))
    result = cli("import", str(one), cwd=other.root)
    assert result.exit_code == 0 and "1 updated" in result.output
    assert "warning:" not in result.output


def test_import_does_not_take_notes_that_became_formulas(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    book = _book(tmp_path / "李四.xlsx", _answers())
    assert cli("import", str(book), cwd=ws.root).exit_code == 0
    _edit(book, _formulas)
    result = cli("import", str(book), cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert "0 updated, 4 unchanged" in result.output
    named = [line for line in result.output.splitlines() if "is a formula" in line]
    assert len(named) == 4
    assert any("Answers row 3 (成都市 · a1.q1 · 李四): 备注 (note) is a formula" in line
               for line in named)
    assert _notes(ws) == EXPECTED


# --- export merge -----------------------------------------------------------------------

def test_merge_keeps_notes_a_later_workbook_without_its_note_column_does_not_tell(
        make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    monday = _book(tmp_path / "mon.xlsx", _answers())
    friday = _edit(_book(tmp_path / "fri.xlsx", _answers(time=FRIDAY, change=True)),
                   _delete("note"))
    out = tmp_path / "team.xlsx"
    result = cli("export", "merge", str(monday), str(friday), "-o", str(out), cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert f"{friday}: sheet Answers has no column 备注 (note)" in result.output
    assert _merged_notes(out) == {(s, q, "李四"): n for (s, q), n in EXPECTED.items()}
    rows = read_sheets(out)["Answers"]
    site, question, value = (rows[1].index(c) for c in ("site", "question", "value"))
    assert [r[value] for r in rows[2:] if r[site] == "成都市" and r[question] == "a1.q1"] == [
        "no"]


def test_merge_of_a_workbook_without_notes_says_so(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    book = _edit(_book(tmp_path / "李四.xlsx", _answers()), _delete("note"))
    result = cli("export", "merge", str(book), "-o", str(tmp_path / "team.xlsx"), cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert "has no column 备注 (note)" in result.output


def test_merge_warns_when_a_workbook_empties_most_notes(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    monday = _book(tmp_path / "mon.xlsx", _answers())
    friday = _edit(_book(tmp_path / "fri.xlsx", _answers(time=FRIDAY)), _clear("note"))
    result = cli("export", "merge", str(monday), str(friday), "-o", str(tmp_path / "t.xlsx"),
                 cwd=ws.root)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert str(friday) in warnings[0]
    assert "备注 (note) is empty in 4 of the 4 Answers rows" in warnings[0]


def test_merge_does_not_take_notes_that_became_formulas(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    monday = _book(tmp_path / "mon.xlsx", _answers())
    friday = _edit(_book(tmp_path / "fri.xlsx", _answers(time=FRIDAY, change=True)),
                   _formulas)
    out = tmp_path / "team.xlsx"
    result = cli("export", "merge", str(monday), str(friday), "-o", str(out), cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert sum("is a formula" in line for line in result.output.splitlines()) == 4
    assert _merged_notes(out) == {(s, q, "李四"): n for (s, q), n in EXPECTED.items()}


# --- answer --file ----------------------------------------------------------------------

def test_answer_file_without_a_note_column_keeps_the_notes(make_workspace, cli,
                                                          tmp_path: Path):
    ws = make_workspace(sites=SITES)
    Store(ws).save_answers(_answers("张三"))
    csv = tmp_path / "answers.csv"
    csv.write_text("site,question,value\n成都市,a1.q1,no\n郫都区,a1.q1,no\n", encoding="utf-8")
    result = cli("answer", "--file", str(csv), cwd=ws.root)
    assert result.exit_code == 0, result.output
    answers = {(a.site, a.question): a for a in Store(ws).answers()}
    assert answers[("成都市", "a1.q1")].value == "no"
    assert _notes(ws) == EXPECTED
    # the exported Answers sheet without its note column, given to answer --file
    book = _edit(_book(tmp_path / "张三.xlsx", _answers("张三", FRIDAY)), _delete("note"))
    assert cli("answer", "--file", str(book), "--sheet", "Answers", cwd=ws.root
               ).exit_code == 0
    assert _notes(ws) == EXPECTED


def test_answer_file_does_not_take_notes_that_became_formulas(make_workspace, cli,
                                                             tmp_path: Path):
    ws = make_workspace(sites=SITES)
    Store(ws).save_answers(_answers("张三"))
    book = _edit(_book(tmp_path / "张三.xlsx", _answers("张三", FRIDAY, change=True)),
                 _formulas)
    result = cli("answer", "--file", str(book), "--sheet", "Answers", cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert sum("is a formula" in line for line in result.output.splitlines()) == 4
    assert "sheet Answers row 3 (成都市 · a1.q1)" in result.output
    assert _notes(ws) == EXPECTED
