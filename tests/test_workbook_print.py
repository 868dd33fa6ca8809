"""The team workbook a director prints: a 120-site merged workbook, converted to PDF by
LibreOffice, fits in about 40 A4 pages with no text under 8 pt, the id row never printed,
provisional totals marked."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from govaudit import Audit
from govaudit.answers import level_problem
from govaudit.store import Answer, Site, Store
from govaudit.workbook.content import answers_content
from govaudit.workbook.export import write_workbook

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
SITES = 120
MAX_PAGES = 40
MIN_POINTS = 8.0
TIME = "2026-12-05T14:45:00.000+00:00"  # 22:45 in China


def _value(question, rng: random.Random) -> str | int:
    if question.type == "yes_no":
        return rng.choice(("yes", "yes", "yes", "no"))
    if question.type == "graded":
        return rng.choice([c.label for c in question.choices])
    return rng.randint(0, 30)


def team_workbook(make_workspace, folder: Path, sites: int = SITES,
                  checklist: str | Path | None = None, print_to: Path | None = None) -> Path:
    """Two evaluators assess the same `sites` sites; one in 20 of their answers disagree;
    merged with the default settlement (a disagreement stays open); its copy to print
    written to `print_to`."""
    ws = make_workspace(evaluator="组长", name="team",
                        **({"checklist": checklist} if checklist else {}))
    listed = [Site(f"{'青山' if n % 3 else '白河'}{n:03d}{'区' if n % 2 else '市'}",
                   f"https://s{n}.example.gov.cn/", "county" if n % 2 else "city")
              for n in range(sites)]
    Store(ws).add_sites(listed)
    checklist = ws.checklist
    files = []
    for index, who in enumerate(("张三", "李四")):
        rng, noise = random.Random(7), random.Random(index)
        answers = []
        for site in listed:
            for question in checklist.questions:
                if level_problem(checklist, site, question):
                    continue
                value = _value(question, rng)
                if index and noise.random() < 0.05:
                    value = _value(question, noise)
                answers.append(Answer(site.name, question.id, question.indicator_id, value,
                                      who, TIME))
        out = folder / f"{who}.xlsx"
        write_workbook(answers_content(checklist, listed, answers), out)
        files.append(out)
    Audit(ws).merge(files, folder / "team.xlsx", print_to=print_to)
    return folder / "team.xlsx"


def pdf_of(workbook: Path, tmp_path: Path) -> Path:
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run([SOFFICE, "--headless", "--norestore", f"-env:UserInstallation={profile}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(workbook)],
                   check=True, capture_output=True, timeout=240)
    return tmp_path / "pdf" / (workbook.stem + ".pdf")


def printed_text(pdf: Path) -> tuple[int, list[tuple[str, float]], list[str]]:
    """Pages, every text run with its size on the page (points), each page's text."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    runs: list[tuple[str, float]] = []
    number = [0]
    pages = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if not text.strip():
            return
        # the text matrix, then the page's transformation: the height of a glyph on paper
        a, b, c, d = tm[0], tm[1], tm[2], tm[3]
        ca, cb, cc, cd = cm[0], cm[1], cm[2], cm[3]
        y_b, y_d = c * ca + d * cc, c * cb + d * cd
        runs.append((f"p{number[0]}:{text.strip()}", size * (y_b ** 2 + y_d ** 2) ** 0.5))
        del a, b

    for page in reader.pages:
        number[0] += 1
        pages.append(page.extract_text(visitor_text=visit))
    return len(reader.pages), runs, pages


def sheet_pages(pages: list[str], name: str) -> Counter[str]:
    """How many pages each sheet printed on, by the heading each page carries."""
    from govaudit.workbook.layout import SHEET_TITLES

    titles = {f"{name}\u3000{title}": sheet for sheet, title in SHEET_TITLES.items()}
    return Counter(next((sheet for title, sheet in titles.items() if title in page), "?")
                   for page in pages)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_a_120_site_team_workbook_prints_in_40_readable_pages(make_workspace, tmp_path: Path):
    team = team_workbook(make_workspace, tmp_path)
    pdf = pdf_of(team, tmp_path)
    count, runs, pages = printed_text(pdf)
    per_sheet = sheet_pages(pages, "迷你")
    sizes = [size for _, size in runs]
    print(f"workbook_print: {count} A4 pages ({dict(per_sheet)}); text {min(sizes):.1f} to "
          f"{max(sizes):.1f} pt")
    assert count <= MAX_PAGES  # the whole file, every sheet
    # every answer printed, one line each: the site, the question, the answer, who, the review
    answers = [page for page in pages if "迷你\u3000答题记录" in page]
    assert len(answers) == per_sheet["Answers"]
    printed = "\n".join(answers)
    assert printed.count("待复核") == 2 * SITES * 5  # two evaluators, five questions a site
    assert "网站 问题编号 答案 答案（中文） 评估人 复核状态" in printed  # the header on each page
    assert "a1.q1 yes 是 张三 待复核" in printed
    assert all(f"{n:03d}" in printed for n in range(SITES))
    assert "?" not in per_sheet  # every page says what it is
    small = [(text, size) for text, size in runs if size < MIN_POINTS]
    assert not small, small[:10]
    everything = "\n".join(pages)
    assert "rank_group" not in everything and "top.a" not in everything  # the id row
    about = [(*row, None, None, None) for row in
             load_workbook(team)["About"].iter_rows(values_only=True)]
    made = next(row[2] for row in about if row[1] == "exported")  # in China time
    assert "评估结果汇总" in pages[0] and "第 1 页，共" in pages[0]
    assert made.strftime("%Y-%m-%d") in pages[0]  # the date in China, not in UTC
    assert "暂定" in pages[0]


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_the_copy_to_print_of_a_2020_team_workbook_prints_in_40_readable_pages(
        make_workspace, tmp_path: Path):
    """The 2020 local checklist: 116 questions a site, 25,920 answers in the team's workbook,
    whose Answers sheet alone prints on about 500 pages; its copy to print holds the
    results."""
    copy = tmp_path / "打印.xlsx"
    team = team_workbook(make_workspace, tmp_path, checklist="cstc-2020-local", print_to=copy)
    # calamine reads the sheet names alone; openpyxl's read-only mode would parse every
    # sheet of 25,920 answers to find sizes the file does not state
    assert CalamineWorkbook.from_path(str(team)).sheet_names == [
        "Summary", "Scores", "Answers", "Evidence", "Checklist", "Conflicts", "Agreement",
        "About"]  # the team's workbook keeps every row
    count, runs, pages = printed_text(pdf_of(copy, tmp_path))
    per_sheet = sheet_pages(pages, "地方政府网站绩效评估指标")
    sizes = [size for _, size in runs]
    print(f"workbook_print 2020: {count} A4 pages ({dict(per_sheet)}); text "
          f"{min(sizes):.1f} to {max(sizes):.1f} pt")
    assert count <= MAX_PAGES
    assert set(per_sheet) == {"Summary", "Scores", "Checklist", "Agreement", "About"}
    small = [(text, size) for text, size in runs if size < MIN_POINTS]
    assert not small, small[:10]
    summary = "\n".join(page for page in pages if "评估结果汇总" in page)
    # every site ranked, one page across: each page of rows has the last top column
    # (its header wraps: 优秀创新 案例)
    assert all(f"{n:03d}" in summary for n in range(SITES))
    assert all("优秀创新" in page for page in pages if "评估结果汇总" in page
               and "市级" in page)
    assert "暂定" in summary
    agreement = "\n".join(page for page in pages if "评估一致性" in page)
    # an indicator's path is never cut (it wraps: the lines joined read it whole)
    assert "信息发布>政府信息公开>法定主动公开" in "".join(agreement.split())
    assert "信息发布>中心工作落实宣传>深化“放管服”改革" in "".join(agreement.split())
    assert "分歧题目" not in agreement  # the questions are the Conflicts sheet's
    about = dict(row[1:3] for row in load_workbook(copy)["About"].iter_rows(
        min_row=3, values_only=True))
    assert about["kind"] == "print" and about["answers"] == 2 * 12_960


def test_the_summary_marks_provisional_totals_and_prints_its_chart_below(make_workspace,
                                                                         tmp_path: Path):
    team = team_workbook(make_workspace, tmp_path, sites=12)
    book = load_workbook(team)
    summary = book["Summary"]
    ids = [c.value for c in summary[2]]
    rows = [dict(zip(ids, (c for c in row), strict=True))
            for row in summary.iter_rows(min_row=3)]
    provisional = [r for r in rows if r["provisional"].value == "暂定"]
    final = [r for r in rows if r["provisional"].value is None]
    assert provisional and final  # disagreements stay open under the default settlement
    for row in provisional:
        assert row["total"].fill.fgColor.rgb.endswith("D9D9D9")
        assert row["grade"].fill.fgColor.rgb.endswith("D9D9D9")
    for row in rows:
        assert row["total"].number_format == "0.00"
    # the grade colours never apply to a provisional row
    [rules] = [r.rules for r in summary.conditional_formatting]
    assert all('$D3=""' in rule.formula[0] for rule in rules)
    [chart] = summary._charts
    assert chart.anchor._from.col == 0 and chart.anchor._from.row >= len(rows) + 2
    # the id row never prints: the print area starts below it, the Chinese header repeats
    assert summary.print_title_rows == "$1:$1"
    assert str(summary.print_area).startswith("'Summary'!$A$3:")
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert setup.paperSize == 9 and setup.fitToHeight == 0, sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert "第 &P 页" in sheet.oddFooter.center.text, sheet.title
    assert book["Scores"]["C3"].number_format == "0.00"


def test_export_and_merge_write_a_copy_to_print_beside_the_workbook(make_workspace, cli,
                                                                     tmp_path: Path):
    ws = make_workspace(sites=[("成都市", "https://cd.example.cn", "city")], name="lead")
    Store(ws).save_answers([Answer("成都市", "a1.q1", "a1", value, who, TIME)
                            for who, value in (("张三", "yes"), ("李四", "no"))])
    result = cli("--lang", "zh", "export", "-o", "mine.xlsx", "--print", "打印.xlsx",
                 cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert f"已写出打印用副本 {ws.root / '打印.xlsx'}" in result.output
    book = load_workbook(ws.root / "打印.xlsx", read_only=True)
    assert book.sheetnames == ["Summary", "Scores", "Checklist", "About"]
    assert "Answers" in load_workbook(ws.root / "mine.xlsx", read_only=True).sheetnames
    # the copy is no workbook to import: said so, nothing imported
    result = cli("--lang", "zh", "import", "打印.xlsx", cwd=ws.root)
    assert result.exit_code == 1
    assert "打印.xlsx：打印用副本，不含答案" in result.output, result.output

    files = [ws.root / "mine.xlsx"]
    result = cli("--lang", "en", "export", "merge", *map(str, files), "-o", "team.xlsx",
                 "--print", "team-print.xlsx", "--json", cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["printed"] == str(ws.root / "team-print.xlsx")
    assert load_workbook(ws.root / "team-print.xlsx", read_only=True).sheetnames == [
        "Summary", "Scores", "Checklist", "Agreement", "About"]
    # a copy under the workbook's own name, or beside --into: usage errors, nothing written
    before = (ws.root / "team.xlsx").read_bytes()
    result = cli("--lang", "en", "export", "merge", *map(str, files), "-o", "team.xlsx",
                 "--print", "team.xlsx", cwd=ws.root)
    assert result.exit_code == 2
    assert "--print" in result.output and "a name of its own" in result.output
    assert (ws.root / "team.xlsx").read_bytes() == before
    result = cli("--lang", "en", "export", "--into", "team.xlsx", "--print", "p.xlsx",
                 cwd=ws.root)
    assert result.exit_code == 2 and "either --into or --print" in result.output, result.output
    assert not (ws.root / "p.xlsx").exists()
