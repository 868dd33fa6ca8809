"""The Python API: `govaudit.Audit`, used as a script would use it, against real sites.

These tests read like the manual: each one is a short script over `govaudit.Audit`.
"""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from PIL import Image

import govaudit
from govaudit.browser import BrowserNotFound, find_browser

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>成都市人民政府</title></head>
<body><h1>成都市人民政府</h1><a href="zwgk/">政府信息公开</a>
<footer>网站标识码：5101000012 蜀ICP备05001234号 川公网安备 51010402000123号</footer>
</body></html>"""


@pytest.fixture
def site_url(tmp_path: Path, serve_dir) -> str:
    root = tmp_path / "site"
    (root / "zwgk").mkdir(parents=True)
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    (root / "zwgk" / "index.html").write_text("<p>公开</p>", encoding="utf-8")
    return serve_dir(root) + "/"


def _assigned(path: Path, url: str) -> Path:
    wb = Workbook()
    sheet = wb.active
    sheet.append(["名称", "网址", "级别"])
    sheet.append(["郫都区", url, "县"])
    wb.save(path)
    return path


def test_the_library_script_runs_as_written(tmp_path: Path, site_url: str):
    """The script of the README's "Python API" section, run by a real interpreter."""
    try:
        find_browser()
    except BrowserNotFound as exc:
        pytest.skip(f"no Chromium on this machine: {exc}")
    _assigned(tmp_path / "assigned.xlsx", site_url)
    script = textwrap.dedent(f"""
        import govaudit
        from pathlib import Path
        audit = govaudit.Audit.create("audit-2026", checklist="cstc-2020-local", evaluator="张三")
        audit = govaudit.Audit.open("audit-2026")            # or the folder you are in
        audit.sites.add("成都市", "{site_url}", "city")
        audit.sites.import_file(Path("assigned.xlsx").resolve())   # relative: audit-2026/…
        audit.answer("成都市", "statutory-disclosure.q1", "yes", note="首页有栏目")
        for s in audit.score(): print(s.site, s.total, s.bonus, s.grade, s.rank)
        audit.check(); audit.capture(); audit.export("exports/me.xlsx"); audit.report("exports/report")
        audit.backup("exports/audit-2026-backup.zip")   # a consistent copy, also while in use
    """)  # noqa: E501
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["成都市", "郫都区"]
    assert lines[0].split()[3:] == ["起步", "1"]
    # relative paths are the workspace's, wherever the script runs
    assert (tmp_path / "audit-2026" / "exports" / "me.xlsx").is_file()
    assert (tmp_path / "audit-2026" / "exports" / "report" / "index.html").is_file()
    assert not (tmp_path / "exports").exists()
    assert (tmp_path / "audit-2026" / "exports" / "audit-2026-backup.zip").is_file()
    audit = govaudit.Audit.open(tmp_path / "audit-2026")
    assert {e.site for e in audit.evidence() if not e.error} == {"成都市", "郫都区"}
    assert audit.store.probe_results("成都市")["availability"].failures == 0


def test_relative_paths_are_read_from_the_workspace(make_workspace, tmp_path: Path,
                                                    monkeypatch, cli):
    """Every method that reads or writes a file takes a relative path from the workspace."""
    ws = make_workspace(sites=[("成都市", "https://cd.example.cn", "city")])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    audit = govaudit.Audit.open(ws.root)
    audit.answer("成都市", "a1.q1", "yes")
    assert audit.export("exports/me.xlsx").path == ws.root / "exports" / "me.xlsx"
    assert (ws.root / "exports" / "me.xlsx").is_file()
    assert audit.report("exports/report") == ws.root / "exports" / "report" / "index.html"
    merged = audit.merge(["exports/me.xlsx"], "exports/team.xlsx")
    assert Path(merged.path) == ws.root / "exports" / "team.xlsx"
    assert audit.import_workbook("exports/team.xlsx").rows == 1
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (0, 0, 200)).save(buffer, "PNG")
    (ws.root / "shot.png").write_bytes(buffer.getvalue())
    assert audit.attach("成都市", "a1.q1", "shot.png").site == "成都市"
    assert audit.export_evidence("成都市", "exports/cd.zip").path == ws.root / "exports" / "cd.zip"
    (ws.root / "more.csv").write_text("名称,网址,级别\n郫都区,http://pd.example.cn/,county\n",
                                      encoding="utf-8")
    assert [s.name for s in audit.sites.import_file("more.csv").added] == ["郫都区"]
    (ws.root / "answers.csv").write_text("site,question,value\n郫都区,a1.q1,no\n",
                                         encoding="utf-8")
    assert len(audit.answer_file("answers.csv")) == 1
    assert audit.keygen("keys/me.pem", "张三").private == ws.root / "keys" / "me.pem"
    shipped = Path(govaudit.__file__).parent / "monitor" / "gov-2019.toml"
    (ws.root / "mine.toml").write_bytes(shipped.read_bytes())
    with audit.monitor("mine.toml") as monitor:
        assert monitor.rules.id
    assert audit.path("~/x") == Path.home() / "x"
    assert audit.path(elsewhere / "x") == elsewhere / "x"
    assert list(elsewhere.iterdir()) == []
    # the commands read them from the folder they run in
    result = cli("export", "-o", "mine.xlsx", "-w", str(ws.root), cwd=elsewhere)
    assert result.exit_code == 0, result.output
    assert (elsewhere / "mine.xlsx").is_file()


def test_open_finds_the_workspace_upwards(make_workspace, monkeypatch):
    ws = make_workspace(sites=[("成都市", "https://cd.example.cn", "city")])
    (ws.root / "notes").mkdir()
    monkeypatch.chdir(ws.root / "notes")
    audit = govaudit.Audit.open()
    assert audit.root == ws.root.resolve()
    assert [s.name for s in audit.sites] == ["成都市"]
    with pytest.raises(govaudit.GovauditError, match="not a govaudit workspace"):
        govaudit.Audit.open(ws.root / "notes")


def test_answers_score_and_history(make_workspace):
    ws = make_workspace(sites=[("成都市", "https://cd.example.cn", "city"),
                               ("郫都区", "http://pd.example.cn", "county")])
    audit = govaudit.Audit.open(ws.root)
    first = audit.answer("成都市", "a1.q1", "是")
    again = audit.answer("成都市", "a1.q1", "no", note="复核")
    assert (first.value, again.value, again.note) == ("yes", "no", "复核")
    assert [h["value"] for h in again.history] == ["yes"]
    with pytest.raises(govaudit.GovauditError, match="a9.q1"):
        audit.answer("成都市", "a9.q1", "yes")
    report = audit.score()
    assert len(report) == 2 and {s.site for s in report} == {"成都市", "郫都区"}
    assert report.site("成都市") is not None


def test_a_workbook_round_trip_scores_the_same(make_workspace, tmp_path: Path):
    ws = make_workspace(sites=[("成都市", "https://cd.example.cn", "city")])
    audit = govaudit.Audit.open(ws.root)
    audit.answer("成都市", "a1.q1", "yes")
    book = audit.export(tmp_path / "me.xlsx").path
    assert load_workbook(book, read_only=True).sheetnames[0] == "Summary"
    other = govaudit.Audit.create(tmp_path / "lead", checklist=str(ws.root / ws.checklist_ref)
                                  if ws.checklist_ref.endswith(".yaml") else ws.checklist_ref,
                                  evaluator="王五")
    other.import_workbook(book, add_sites=True)
    assert [(s.site, s.total) for s in other.score()] == [(s.site, s.total)
                                                         for s in audit.score()]


def test_the_installed_cli_names_its_version(tmp_path: Path):
    done = subprocess.run([sys.executable, "-m", "commands", "--version"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(Path(__file__).resolve().parent.parent),
                               "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"govaudit {govaudit.__version__}"
