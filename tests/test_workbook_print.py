"""The team workbook a director prints: a 120-site merged workbook, converted to PDF by
LibreOffice, fits in about 40 A4 pages with no text under 8 pt, the id row never printed,
provisional totals marked."""

from __future__ import annotations

import random
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

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


def team_workbook(make_workspace, folder: Path, sites: int = SITES) -> Path:
    """Two evaluators assess the same `sites` sites; one in 20 of their answers disagree;
    merged with the default settlement (a disagreement stays open)."""
    ws = make_workspace(evaluator="组长", name="team")
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
    Audit(ws).merge(files, folder / "team.xlsx")
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
