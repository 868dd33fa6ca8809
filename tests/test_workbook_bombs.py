"""Workbooks built to exhaust memory are refused with one message before any parser reads
them, by every command that reads an xlsx.

Each runs the real program in a subprocess under RLIMIT_AS (2 GiB): before these checks,
`<c r="A1" r="XFD1048576">` made calamine ask for 512 GB and abort (exit 134), and a shared
string repeated in thousands of cells, or a shared-strings table declaring billions of
strings, asked for gigabytes; under the limit a regression fails instead of swapping.
"""

from __future__ import annotations

import resource
from pathlib import Path

import pytest
from big_sheets import merged_over, shared_strings_bomb, two_references
from conftest import run_govaudit
from openpyxl import Workbook

from govaudit.checklist import load_checklist
from govaudit.store import Answer, Site, Store
from govaudit.workbook.content import answers_content
from govaudit.workbook.export import write_workbook
from govaudit.workbook.safety import check_xlsx

FIXTURE = Path(__file__).parent / "fixtures" / "mini.yaml"
CHECKLIST = load_checklist(FIXTURE)
SITES = [("成都市", "https://cd.example.cn", "city"), ("郫都区", "http://pd.example.cn", "county")]
MEMORY_LIMIT = 2 << 30
COMMANDS = ["import", "export merge", "sites import", "answer --file", "checklist import"]


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _teammate(folder: Path) -> Path:
    answers = [Answer("成都市", "a1.q1", "a1", "yes", "李四", "2026-11-22T08:15:00.000+00:00")]
    return write_workbook(answers_content(CHECKLIST, [Site(n, u, lv) for n, u, lv in SITES],
                                          answers), folder / "李四.xlsx")


def _table(path: Path, *rows: list[object]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.active.title = "Sheet1"
    book.save(path)
    return path


def _plain(command: str, folder: Path) -> tuple[Path, str]:
    """A file `command` reads, made as its users make them, and the sheet it reads."""
    if command in ("import", "export merge"):
        return _teammate(folder), "Answers"
    if command == "sites import":
        return _table(folder / "sites.xlsx", ["name", "url", "level"],
                      ["新都区", "https://xd.example.cn", "county"]), "Sheet1"
    if command == "answer --file":
        return _table(folder / "answers.xlsx", ["site", "question", "value"],
                      ["成都市", "a1.q1", "yes"]), "Sheet1"
    return _table(folder / "指标.xlsx",
                  ["一级指标", "二级指标", "三级指标", "评估要点说明", "权重"],
                  ["信息发布", "政府信息公开", "——", "是否开设栏目", 10]), "Sheet1"


def _args(command: str, path: Path, folder: Path) -> list[str]:
    return {"import": ["import", str(path)],
            "export merge": ["export", "merge", str(path), "-o", str(folder / "team.xlsx")],
            "sites import": ["sites", "import", str(path)],
            "answer --file": ["answer", "--file", str(path)],
            "checklist import": ["checklist", "import", str(path), "-o",
                                 str(folder / "imported.yaml")]}[command]


def _assert_refused(done, path: Path, *words: str) -> None:
    output = done.stdout + done.stderr
    assert done.returncode == 1, f"exit {done.returncode}: {output[-2000:]}"
    assert "Traceback" not in output and "panicked" not in output
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert str(path) in lines[0]
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_cell_tag_with_two_references_is_refused(command: str, make_workspace,
                                                   tmp_path: Path):
    ws = make_workspace(sites=SITES)
    source, sheet = _plain(command, tmp_path)
    path = two_references(source, tmp_path / f"two-r-{source.name}", sheet)
    assert path.stat().st_size < 30_000
    # a process of its own: the memory limit holds for the command, not for the test run
    done = run_govaudit(*_args(command, path, tmp_path), cwd=ws.root,
                        preexec_fn=_limit_memory)
    _assert_refused(done, path, f"sheet {sheet}", "two cell references",
                    'r="XFD1048576"')
    assert not (tmp_path / "team.xlsx").exists() and not (tmp_path / "imported.yaml").exists()
    assert Store(ws).answers() == []
    assert [s.name for s in Store(ws).sites()] == [name for name, _u, _l in SITES]


BOMBS = {
    # 350 KB: one 900 KB string in 5,000 cells, 4.5 GB once read
    "repeated string": {"text_bytes": 900_000, "cells": 5_000},
    # 6 KB: a table declaring 4 billion strings, 96 GB reserved before one is read
    "declared count": {"text_bytes": 10, "cells": 1, "unique_count": 4_000_000_000},
}


@pytest.mark.parametrize("bomb", list(BOMBS))
@pytest.mark.parametrize("command", ["import", "sites import"])
def test_a_shared_strings_bomb_is_refused_within_the_memory_limit(
        command: str, bomb: str, make_workspace, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    source, sheet = _plain(command, tmp_path)
    path = shared_strings_bomb(source, tmp_path / "bomb.xlsx", sheet, **BOMBS[bomb])
    assert path.stat().st_size < 400_000
    # a process of its own: the memory limit holds for the command, not for the test run
    done = run_govaudit(*_args(command, path, tmp_path), cwd=ws.root,
                        preexec_fn=_limit_memory)
    _assert_refused(done, path, "shared-strings")
    assert Store(ws).answers() == []
    assert [s.name for s in Store(ws).sites()] == [name for name, _u, _l in SITES]


@pytest.fixture(scope="module")
def long_list(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site list of 20,000 rows, written once: the tests read it and write copies."""
    return _table(tmp_path_factory.mktemp("long") / "list.xlsx", ["name", "url", "level"],
                  *[[f"站点{i}", f"https://s{i}.example.cn", "city"] for i in range(20_000)])


def test_a_merged_range_beyond_the_table_is_cut_to_it(make_workspace, tmp_path: Path,
                                                      long_list: Path):
    """A1:XFD20001 over a 3-column list: filling it made 327 million cells (MemoryError)."""
    ws = make_workspace(sites=SITES)
    path = merged_over(long_list, tmp_path / "merged.xlsx", "Sheet1", "A1:XFD20001")
    # a process of its own: the memory limit holds for the command, not for the test run
    done = run_govaudit("sites", "import", str(path), cwd=ws.root, preexec_fn=_limit_memory)
    # every cell of the list now holds its top-left "name": no url column, one message
    _assert_refused(done, path, "missing the column(s) url")


def test_merged_ranges_filling_too_many_cells_are_refused(make_workspace, tmp_path: Path,
                                                          long_list: Path):
    ws = make_workspace(sites=SITES)
    path = merged_over(long_list, tmp_path / "merged.xlsx", "Sheet1", *["A2:C20001"] * 300)
    # a process of its own: the memory limit holds for the command, not for the test run
    done = run_govaudit("sites", "import", str(path), cwd=ws.root, preexec_fn=_limit_memory)
    _assert_refused(done, path, "merged cells of sheet Sheet1 cover 18,000,000 cells")


def test_a_long_shared_string_used_once_among_many_short_ones_is_read(tmp_path: Path):
    """The rough bound (cells × longest string) is over the limit; the exact count is not."""
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "url", "level", "note"])
    sheet["D2"] = "长" * 32_000
    for row in range(2, 20_002):
        sheet.cell(row, 1, f"站点{row % 50}")
    book.save(tmp_path / "sites.xlsx")
    check_xlsx(tmp_path / "sites.xlsx")  # no refusal
