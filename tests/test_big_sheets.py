"""A sheet filled to row 1,048,576: `import`, `export merge` and `sites import` refuse it
with one message naming the file, the sheet and the row count, before any reader holds it.

The workbooks are built once per session (raw XML into the zip); benchmarks/hostile_bench.py
measures the time and peak memory of these refusals.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govaudit.store import Store
from govaudit.workspace import open_workspace
from tests.big_sheets import LAST_ROW, answers_rows, fill_sheet, sites_rows
from tests.conftest import FIXTURES, run_cli

ROWS = f"{LAST_ROW:,} rows"


@pytest.fixture(scope="session")
def big_books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A workspace, its export, and copies whose Answers / site sheet reach the last row."""
    folder = tmp_path_factory.mktemp("big")
    assert run_cli("init", "ws", "--checklist", str(FIXTURES / "mini.yaml"),
                   "--evaluator", "张三", cwd=folder).returncode == 0
    ws = folder / "ws"
    (folder / "sites.csv").write_text("name,url,level\n成都市,https://cd.example.cn,city\n",
                                      encoding="utf-8")
    assert run_cli("sites", "import", str(folder / "sites.csv"), cwd=ws).returncode == 0
    assert run_cli("answer", "成都市", "a1.q1", "yes", cwd=ws).returncode == 0
    assert run_cli("export", "-o", str(folder / "team.xlsx"), cwd=ws).returncode == 0
    head = [["网站"], ["site", "", "", "", "question", "", "value"]]
    answers = fill_sheet(folder / "team.xlsx", folder / "answers-1048576.xlsx", "Answers",
                         head, answers_rows(["成都市"], "a1.q1"), "AEG")
    sites = fill_sheet(folder / "team.xlsx", folder / "sites-1048576.xlsx", "Summary",
                       [["name", "url", "level"]], sites_rows(), "ABC")
    return {"ws": ws, "team": folder / "team.xlsx", "answers": answers, "sites": sites}


def _refused(result, path: Path, sheet: str) -> None:
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert f"{path}: refused: sheet {sheet} has {ROWS}" in out, out
    assert "Traceback" not in out and out.count("error:") == 1, out


def test_import_refuses_a_full_answers_sheet(big_books: dict[str, Path]) -> None:
    ws, path = big_books["ws"], big_books["answers"]
    _refused(run_cli("import", str(path), cwd=ws), path, "Answers")
    assert [(a.site, a.question, a.value) for a in Store(open_workspace(ws, explicit=True))
            .answers()] == [("成都市", "a1.q1", "yes")]


def test_export_merge_refuses_a_full_answers_sheet(big_books: dict[str, Path],
                                                    tmp_path: Path) -> None:
    path, out = big_books["answers"], tmp_path / "merged.xlsx"
    result = run_cli("export", "merge", str(big_books["team"]), str(path), "-o", str(out),
                     cwd=big_books["ws"])
    _refused(result, path, "Answers")
    assert not out.exists()


def test_sites_import_refuses_a_full_site_list(big_books: dict[str, Path],
                                               tmp_path: Path) -> None:
    path = shutil.copy(big_books["sites"], tmp_path / "站点名单.xlsx")
    result = run_cli("sites", "import", str(path), "--sheet", "Summary", cwd=big_books["ws"])
    _refused(result, Path(path), "Summary")


def test_a_table_below_the_row_limit_is_still_read(big_books: dict[str, Path],
                                                   tmp_path: Path) -> None:
    path = fill_sheet(big_books["team"], tmp_path / "sites-2000.xlsx", "Summary",
                      [["name", "url", "level"]], sites_rows(), "ABC", rows=2001)
    assert run_cli("init", "small", "--checklist", str(FIXTURES / "mini.yaml"),
                   "--evaluator", "张三", cwd=tmp_path).returncode == 0
    result = run_cli("sites", "import", str(path), "--sheet", "Summary", cwd=tmp_path / "small")
    assert result.returncode == 0 and "2000 added" in result.stdout, \
        result.stdout + result.stderr
