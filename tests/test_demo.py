"""`govaudit demo` end to end: the real program, real Chromium, the sample sites on 127.0.0.1."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from govaudit.browser import BrowserNotFound, find_browser
from tests.conftest import run_cli, run_govaudit


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    try:
        find_browser()
    except BrowserNotFound as exc:
        pytest.skip(f"no Chromium on this machine: {exc}")
    cwd = tmp_path_factory.mktemp("demo")
    # the real program once, from start-up to its last line, as data; the checks below run
    # in process (its text, in Chinese: test_the_demo_speaks_chinese_by_default)
    result = run_govaudit("demo", "out", "--json", cwd=cwd, timeout=300)
    return cwd / "out", result


def test_demo_json_names_its_outputs_and_gives_the_scores(demo_run):
    folder, result = demo_run
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    done = json.loads(result.stdout)  # nothing but the JSON on stdout
    ws = folder / "audit-demo"
    assert Path(done["workspace"]).resolve() == ws.resolve()
    assert Path(done["report"]).name == "index.html" and Path(done["report"]).is_file()
    assert Path(done["workbook"]).suffix == ".xlsx" and Path(done["workbook"]).is_file()
    assert done["captures"] >= 9 and done["capture_failures"] == []
    scores = json.loads(run_cli("score", "--json", cwd=ws).stdout)
    assert done["scores"]["sites"] == scores["sites"]


def test_demo_scores_order_the_sites_as_their_quality(demo_run):
    folder, _ = demo_run
    scores = json.loads(run_cli("score", "--json", cwd=folder / "audit-demo").stdout)
    by_site = {s["site"]: s for s in scores["sites"]}
    assert by_site["清源市"]["rank"] == 1
    assert by_site["古城市"]["rank"] == 2
    assert by_site["旧港市"]["rank"] == 3
    assert by_site["清源市"]["total"] > 85 > by_site["古城市"]["total"] > by_site["旧港市"]["total"]
    assert by_site["清源市"]["bonus"] > 0


def test_demo_workbook_matches_the_scores(demo_run):
    folder, _ = demo_run
    scores = json.loads(run_cli("score", "--json", cwd=folder / "audit-demo").stdout)
    workbook = next((folder / "audit-demo" / "exports").glob("*.xlsx"))
    book = load_workbook(workbook, read_only=True)
    assert {"Summary", "Scores", "Answers", "Evidence", "Checklist", "About"} <= set(
        book.sheetnames)
    rows = list(book["Summary"].iter_rows(values_only=True))
    ids = rows[1]
    summary = {r[ids.index("site")]: r for r in rows[2:] if r[0]}
    for site in scores["sites"]:
        row = summary[site["site"]]
        # the Summary shows totals to 2 decimals
        assert row[ids.index("total")] == pytest.approx(round(site["total"], 2), abs=1e-9)
        assert row[ids.index("rank")] == site["rank"]
    answers = list(book["Answers"].iter_rows(values_only=True))
    assert len(answers) > 250


def test_demo_evidence_and_report(demo_run):
    folder, _ = demo_run
    ws = folder / "audit-demo"
    manifests = list((ws / "evidence").glob("manifest-*.json"))
    assert len(manifests) == 1
    assert run_cli("evidence", "verify", cwd=ws).returncode == 0
    pngs = list((ws / "evidence").rglob("*.png"))
    assert len(pngs) >= 9  # three home pages and the recorded column pages
    index = ws / "exports" / "report" / "index.html"
    html = index.read_text(encoding="utf-8")
    for site in ("清源市", "旧港市", "古城市"):
        assert site in html
    # self-contained: no script, style or font fetched from anywhere
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html)


def test_demo_replaces_its_own_output_but_not_other_folders(tmp_path: Path):
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run_cli("demo", str(other), cwd=tmp_path)
    assert result.returncode == 1
    assert "not empty" in result.stderr and "Traceback" not in result.stderr
    assert (other / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_the_demo_speaks_chinese_by_default(tmp_path: Path, cli):
    """The first thing a new evaluator runs says every step, header and level in Chinese."""
    from tests.english import english_words

    try:
        find_browser()
    except BrowserNotFound as exc:
        pytest.skip(f"no Chromium on this machine: {exc}")
    result = cli("--lang", "zh", "demo", "out", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "[1/6] 复制三个示例网站" in result.output
    assert "排名" in result.output and "市级" in result.output
    assert "（0 个失败）" in result.output
    assert "index.html" in result.output and ".xlsx" in result.output
    # the scores printed are the scores the store gives
    scores = json.loads(run_cli("score", "--json", cwd=tmp_path / "out" / "audit-demo").stdout)
    printed = {line.split("│")[2].strip(): line for line in result.output.splitlines()
               if line.count("│") > 5}
    for site in scores["sites"]:
        cells = [c.strip() for c in printed[site["site"]].split("│")]
        assert cells[1] == str(site["rank"])
        assert cells[4] == f"{site['total']:.2f}"
        assert cells[6] == site["grade"]
    # the checklist's id, the evaluator id of the probes and the commands offered are ids
    shown = re.sub(r"\bout/\S+", " ", result.output)  # the paths of the outputs
    found = english_words(shown, ids=("cstc-2020-local", "probe"))
    assert found == [], found
