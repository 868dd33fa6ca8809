"""Site and answer lists shaped like real ones: title rows, two header rows, merged cells."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from govaudit.store import Store

TITLE = "2026年度政府网站检查任务分配表（张三）"


def _assignment(path: Path) -> Path:
    """A merged title row, two header rows with a merged group cell, 级别 merged down."""
    book = Workbook()
    sheet = book.active
    sheet.title = "市县"
    sheet.append([TITLE])
    sheet.merge_cells("A1:F1")
    sheet.append(["序号", "单位名称", "门户网站网址", "行政级别", "联系人", None])
    sheet.append([None, None, None, None, "姓名", "电话"])
    for col in "ABCD":  # the single headers span both header rows
        sheet.merge_cells(f"{col}2:{col}3")
    sheet.merge_cells("E2:F2")
    sheet.append([1, "成都市", "http://www.chengdu.gov.cn/", "市", "李四", "028-1"])
    sheet.append([2, "绵阳市", "http://www.my.gov.cn/", None, "王五", "0816-1"])
    sheet.append([3, "郫都区", "http://www.pidu.gov.cn/", "县", "赵六", "028-2"])
    sheet.merge_cells("D4:D5")  # 市 covers 成都市 and 绵阳市
    notes = book.create_sheet("说明")
    notes.append(["请于12月底前完成"])
    other = book.create_sheet("第二批")
    other.append(["单位名称", "网址/域名", "行政级别"])
    other.append(["德阳市", "http://www.deyang.gov.cn/", "市"])
    book.save(path)
    return path


def test_real_assignment_layout_every_sheet(make_workspace, cli, tmp_path: Path):
    ws = make_workspace()
    result = cli("sites", "import", str(_assignment(tmp_path / "a.xlsx")), cwd=ws.root)
    assert result.exit_code == 0, result.output
    sites = {s.name: s for s in Store(ws).sites()}
    assert list(sites) == ["成都市", "绵阳市", "郫都区", "德阳市"]
    assert sites["绵阳市"].level == "city" and sites["郫都区"].level == "county"


def test_sheet_option_reads_one_sheet(make_workspace, cli, tmp_path: Path):
    ws = make_workspace()
    path = _assignment(tmp_path / "a.xlsx")
    result = cli("sites", "import", str(path), "--sheet", "第二批", cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert [s.name for s in Store(ws).sites()] == ["德阳市"]
    result = cli("sites", "import", str(path), "--sheet", "无此表", cwd=ws.root)
    assert result.exit_code == 1 and "no sheet named '无此表'" in result.output
    assert "市县" in result.output and "Traceback" not in result.output


def test_errors_name_file_sheet_and_row(make_workspace, cli, tmp_path: Path):
    ws = make_workspace()
    path = _assignment(tmp_path / "a.xlsx")
    from openpyxl import load_workbook

    book = load_workbook(path)
    book["第二批"].append(["广元市", "ftp://x.example", "市"])
    book.save(path)
    result = cli("sites", "import", str(path), cwd=ws.root)
    assert result.exit_code == 1, result.output
    assert "a.xlsx" in result.output
    assert "sheet 第二批 row 3: URL 'ftp://x.example' is not http(s)" in result.output
    assert Store(ws).sites() == []


def test_missing_header_names_the_columns(make_workspace, cli, tmp_path: Path):
    ws = make_workspace()
    book = Workbook()
    book.active.title = "名单"
    book.active.append([TITLE])
    book.active.append(["单位名称", "备注"])
    book.save(tmp_path / "h.xlsx")
    result = cli("sites", "import", str(tmp_path / "h.xlsx"), cwd=ws.root)
    assert result.exit_code == 1
    assert "sheet 名单 is missing the column(s) url" in result.output
    assert "门户网站网址" in result.output


def test_answer_file_sheets(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=[("成都市", "http://127.0.0.1:1/", "city")])
    qid = ws.checklist.questions[0].id
    book = Workbook()
    book.active.title = "一"
    book.active.append(["答题表"])
    book.active.append(["网站", "问题编号", "答案"])
    book.active.append(["成都市", qid, "yes"])
    book.create_sheet("二").append(["site", "question", "value"])
    book["二"].append(["成都市", "nope.q9", "yes"])
    book.save(tmp_path / "ans.xlsx")
    result = cli("answer", "--file", str(tmp_path / "ans.xlsx"), cwd=ws.root)
    assert result.exit_code == 1 and "sheet 二 row 2: unknown question 'nope.q9'" in result.output
    result = cli("answer", "--file", str(tmp_path / "ans.xlsx"), "--sheet", "一", cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert [a.question for a in Store(ws).answers()] == [qid]
