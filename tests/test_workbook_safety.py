"""Untrusted workbooks: zip bombs, XML attacks, not-a-workbook, and every bad row named."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from govaudit.errors import GovauditError
from govaudit.store import Answer, Site, Store
from govaudit.workbook.content import answers_content
from govaudit.workbook.export import write_workbook
from govaudit.workbook.safety import check_xlsx, clean_text, needs_text_type

SITES = [("成都市", "https://cd.example.cn", "city"), ("郫都区", "http://pd.example.cn", "county")]
T = "2026-11-22T08:15:00.000+00:00"


def _teammate_file(tmp_path: Path, checklist, name: str = "李四.xlsx") -> Path:
    sites = [Site(n, u, lv) for n, u, lv in SITES]
    answers = [Answer("成都市", "a1.q1", "a1", "yes", "李四", T),
               Answer("郫都区", "a1.q3", "a1", 4, "李四", T, "=1+1")]
    return write_workbook(answers_content(checklist, sites, answers), tmp_path / name)


def _edit(path: Path, out: Path, replace: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
    return out


def test_text_rules():
    assert clean_text("a\x00b\x1fc\ud800d") == "abcd"
    assert clean_text("line\nnext\ttab") == "line\nnext\ttab"
    assert len(clean_text("x" * 40_000)) == 32_767
    for risky in ("=1", "+1", "-1", "@a", "\tx", "\rx", "#REF!"):
        assert needs_text_type(risky)
    assert not needs_text_type("1=1") and not needs_text_type("#1")


def test_zip_bomb_is_refused_before_parsing(tmp_path: Path, make_workspace, cli):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            block = b"\0" * (1 << 20)
            for _ in range(600):
                part.write(block)
    assert bomb.stat().st_size < 5 * 2**20
    with pytest.raises(GovauditError, match="zip bomb"):
        check_xlsx(bomb)
    ws = make_workspace(sites=SITES)
    result = cli("import", str(bomb), cwd=ws.root)
    assert result.exit_code == 1 and "zip bomb" in result.output
    assert "Traceback" not in result.output


def test_high_ratio_part_is_refused(tmp_path: Path):
    dense = tmp_path / "dense.xlsx"
    with zipfile.ZipFile(dense, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", b"a" * (20 * 2**20))
    with pytest.raises(GovauditError, match="inflates|compression ratio"):
        check_xlsx(dense)


def test_billion_laughs_is_refused(tmp_path: Path, mini_checklist: Path, make_workspace, cli):
    from govaudit.checklist import load_checklist

    good = _teammate_file(tmp_path, load_checklist(mini_checklist))
    lol = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'.encode()
                      for i in range(1, 10)).replace(b"&lol0;", b"&lol;")
           + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b"<sheetData><row><c t=\"inlineStr\"><is><t>&lol9;</t></is></c></row></sheetData>"
           b"</worksheet>")
    attack = _edit(good, tmp_path / "lol.xlsx", {"xl/worksheets/sheet3.xml": lol})
    ws = make_workspace(sites=SITES)
    result = cli("import", str(attack), cwd=ws.root)
    assert result.exit_code == 1
    assert "DTD" in result.output and "billion laughs" in result.output
    assert Store(ws).answers() == []


@pytest.mark.parametrize("content, message", [
    (b"site,question,value\n", "not an .xlsx workbook (not a zip archive)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old .xls"),
])
def test_not_a_workbook(tmp_path: Path, make_workspace, cli, content: bytes, message: str):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(content)
    ws = make_workspace(sites=SITES)
    result = cli("import", str(path), cwd=ws.root)
    assert result.exit_code == 1 and message in result.output


def test_missing_sheet_and_column(tmp_path: Path, make_workspace, cli):
    ws = make_workspace(sites=SITES)
    book = Workbook()
    book.active.title = "Sheet1"
    book.save(tmp_path / "plain.xlsx")
    result = cli("import", str(tmp_path / "plain.xlsx"), cwd=ws.root)
    assert result.exit_code == 1 and "no sheet named Answers" in result.output

    book = Workbook()
    sheet = book.active
    sheet.title = "Answers"
    sheet.append(["网站", "问题编号", "评估人", "时间（UTC）"])
    sheet.append(["site", "question", "evaluator", "time"])
    sheet.append(["成都市", "a1.q1", "李四", "2026-11-22T08:15:00Z"])
    book.save(tmp_path / "nocol.xlsx")
    result = cli("import", str(tmp_path / "nocol.xlsx"), cwd=ws.root)
    assert result.exit_code == 1 and "missing the column(s) value" in result.output


def test_hand_made_answers_sheet_with_chinese_headers(tmp_path: Path, make_workspace, cli):
    ws = make_workspace(sites=SITES)
    book = Workbook()
    sheet = book.active
    sheet.title = "Answers"
    sheet.append(["网站", "问题编号", "答案", "评估人", "时间（UTC）", "备注"])
    sheet.append(["成都市", "a1.q1", "是", "李四", "2026-11-22 08:15:00", "手填"])
    sheet.append(["郫都区", "a1.q3", 7, "李四", "2026-11-22T08:16:00Z", None])
    book.save(tmp_path / "hand.xlsx")
    result = cli("import", str(tmp_path / "hand.xlsx"), cwd=ws.root)
    assert result.exit_code == 0, result.output
    stored = {(a.site, a.question): a for a in Store(ws).answers()}
    assert stored[("成都市", "a1.q1")].value == "yes"
    assert stored[("成都市", "a1.q1")].time == "2026-11-22T08:15:00.000+00:00"
    assert stored[("郫都区", "a1.q3")].value == 7


def _bad_workbook(tmp_path: Path, ws) -> Path:
    """A teammate's workbook with seven bad rows appended (rows 5 to 11)."""
    good = _teammate_file(tmp_path, ws.checklist)
    from openpyxl import load_workbook

    book = load_workbook(good)
    answers = book["Answers"]
    ids = [cell.value for cell in answers[2]]

    def append(site: str, question: str, value: str, evaluator: str = "李四",
               time: str = "2026-11-22") -> None:
        given = {"site": site, "level": "city", "indicator": "a1", "question": question,
                 "value": value, "evaluator": evaluator, "time": time}
        answers.append([given.get(i) for i in ids])

    append("无名县", "a1.q1", "yes")
    append("成都市", "a9.q9", "yes")
    append("成都市", "a1.q2", "棒")
    append("郫都区", "a2.q1", "maybe")
    append("成都市", "a2.q1", "no", evaluator="")
    append("成都市", "a1.q1", "no")
    append("郫都区", "a1.q1", "no", time="soon")
    book.save(tmp_path / "bad.xlsx")
    return tmp_path / "bad.xlsx"


SAID = {
    "en": ["7 problem(s), nothing was written", "Answers row 5: unknown site '无名县'",
           "Answers row 6: unknown question 'a9.q9'",
           "Answers row 7: site 成都市: a1.q2: '棒' is not one of 好/中/差",
           "Answers row 8: site 郫都区: a2.q1: 'maybe' is not a yes/no answer",
           "Answers row 9: no evaluator",
           "Answers row 10: a1.q1 for 成都市 by 李四 is also in row 3",
           "Answers row 11: time 'soon' is not a date and time"],
    # what an evaluator typed wrong, said in their language
    "zh": ["7 处问题，未写入任何内容", "Answers 第 5 行：未知网站 '无名县'",
           "Answers 第 8 行：网站 郫都区：a2.q1：'maybe' 不是“是/否”答案",
           "Answers 第 9 行：没有评估人", "Answers 第 10 行：李四 对 成都市 的 a1.q1 也在第 3 行"],
}


@pytest.mark.parametrize("lang", SAID)
def test_every_bad_row_is_named_and_nothing_is_saved(lang: str, tmp_path: Path,
                                                     make_workspace, cli):
    from tests.english import data_words, english_words

    ws = make_workspace(sites=SITES)
    result = cli("--lang", lang, "import", str(_bad_workbook(tmp_path, ws)), cwd=ws.root)
    assert result.exit_code == 1, result.output
    missing = [line for line in SAID[lang] if line not in result.output]
    assert missing == [], result.output
    if lang == "zh":  # the sheet's name, the answers' ids and what was typed stay as they are
        allowed = data_words(["Answers Summary", "maybe soon yes no na unknown y n mini"])
        assert english_words(result.output, ids=("a1.q1", "a1.q2", "a2.q1", "a9.q9"),
                             data=allowed) == []
    assert Store(ws).answers() == []


def test_other_checklist_needs_force(tmp_path: Path, make_workspace, cli):
    ws = make_workspace(sites=SITES)
    good = _teammate_file(tmp_path, ws.checklist)
    from openpyxl import load_workbook

    book = load_workbook(good)
    for row in book["About"].iter_rows(min_row=3):
        if row[1].value == "checklist_version":
            row[2].value = "2"
    book.save(tmp_path / "v2.xlsx")
    result = cli("import", str(tmp_path / "v2.xlsx"), cwd=ws.root)
    assert result.exit_code == 1
    assert "made from checklist mini version 2" in result.output and "--force" in result.output
    assert Store(ws).answers() == []
    forced = cli("import", str(tmp_path / "v2.xlsx"), "--force", cwd=ws.root)
    assert forced.exit_code == 0, forced.output
    assert {a.note for a in Store(ws).answers()} == {"", "=1+1"}
