"""Hostile site names through the CLI: nothing is written outside the workspace, no two sites
share a file, and a NUL, a line break or a text-direction mark is refused with one message.

Names come in by `sites add` and by a site list (xlsx and csv), then go through `answer`,
`evidence` (a real page on 127.0.0.1, real Chromium), `evidence attach`, `evidence export`,
`export` and `report`. Every file under the test's own folder is listed before and after.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest

from govaudit.report.build import site_page_name
from govaudit.store import Store
from govaudit.workspace import open_workspace
from tests.conftest import run_cli

PAGE = ('<!doctype html><html><head><meta charset="utf-8"><title>某市政府</title></head>'
        '<body><h1>政务公开</h1></body></html>')
BY_ADD = ["../../etc/passwd", "CON", "a/b", "x" * 300, "🏛️政府👩‍💻", "a\\b", "..", "/etc/shadow"]
BY_XLSX = ["../../../outside", "AUX.txt", "nul", "COM1", "政府 .", "a_b", "%2e%2e%2fup", "~root"]
BY_CSV = ["LPT9", "..\\..\\win", "x" * 299 + "y", "$(touch pwned)"]
REFUSED = ["new\nline", "cr\rname", "rtl\u202eabc", "iso\u2066x\u2069", "ls\u2028x"]


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if not p.is_dir()}


@pytest.fixture
def page(tmp_path: Path, serve_dir) -> str:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    return serve_dir(folder) + "/index.html"


def _ok(*args: str, cwd: Path) -> str:
    done = run_cli(*args, cwd=cwd)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    return done.stdout


@pytest.mark.timeout(900)  # about 60 real commands and a capture batch, on a busy machine
def test_hostile_names_stay_inside_the_workspace_and_apart(tmp_path: Path, page: str,
                                                          mini_checklist: Path) -> None:
    parent = tmp_path / "parent"
    parent.mkdir()
    passwd = hashlib.sha256(Path("/etc/passwd").read_bytes()).hexdigest()
    _ok("init", "ws", "--checklist", str(mini_checklist), "--evaluator", "张三", cwd=parent)
    ws = parent / "ws"
    (parent / "lists").mkdir()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "url", "level"])
    for name in BY_XLSX:
        sheet.append([name, page, "city"])
    book.save(parent / "lists" / "sites.xlsx")
    rows = "".join(f'"{name}",{page},city\n' for name in BY_CSV)
    (parent / "lists" / "sites.csv").write_text("name,url,level\n" + rows, encoding="utf-8")
    shot = parent / "lists" / "shot.txt"
    shot.write_text("手机截图说明", encoding="utf-8")
    bad = parent / "lists" / "bad.csv"
    bad.write_text(f"name,url,level\nok市,{page},city\n\"nul\x00name\",{page},city\n"
                   f"\"two\nlines\",{page},city\n", encoding="utf-8")
    before = _files(tmp_path)

    for name in BY_ADD:
        _ok("sites", "add", "-l", "city", name, page, cwd=ws)
    _ok("sites", "import", str(parent / "lists" / "sites.xlsx"), "--yes", cwd=ws)
    _ok("sites", "import", str(parent / "lists" / "sites.csv"), "--yes", cwd=ws)
    names = BY_ADD + BY_XLSX + BY_CSV
    assert sorted(s.name for s in Store(open_workspace(ws)).sites()) == sorted(names)

    # refused, one message each, nothing added: exit 2 on the command line, the row from a file
    for name in REFUSED:
        done = run_cli("sites", "add", "-l", "city", name, page, cwd=ws)
        assert done.returncode == 2, (name, done.stderr)
        assert done.stderr.count("error:") == 1 and "site name refused" in done.stderr
        assert "one line of visible text" in done.stderr and "\n" not in done.stderr.strip()
    done = run_cli("sites", "import", str(bad), "--yes", cwd=ws)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "2 bad row(s)" in done.stderr and "U+0000" in done.stderr and "U+000A" in done.stderr
    assert "row 3" in done.stderr and "row 4" in done.stderr
    assert len(Store(open_workspace(ws)).sites()) == len(names)

    for name in names:
        _ok("answer", name, "a1.q1", "yes", "--note", name, cwd=ws)
        _ok("evidence", "attach", name, "a1.q1", str(shot), cwd=ws)
    _ok("evidence", "--timeout", "20", cwd=ws)
    for name in names[:4]:
        _ok("evidence", "export", name, cwd=ws)
    _ok("export", cwd=ws)
    _ok("report", cwd=ws)
    assert run_cli("evidence", "verify", cwd=ws).returncode == 0

    after = _files(tmp_path)
    new = after - before
    assert new, "nothing was written"
    outside = sorted(str(p) for p in new if not p.resolve().is_relative_to(ws.resolve()))
    assert outside == []
    assert all(not p.is_symlink() for p in new)
    assert hashlib.sha256(Path("/etc/passwd").read_bytes()).hexdigest() == passwd
    assert not Path("/etc/shadow-evidence.zip").exists()

    # every record's files are its site's own, and every site has its own files
    owners: dict[str, set[str]] = defaultdict(set)
    store = Store(open_workspace(ws))
    for record in store.evidence():
        for entry in record["files"]:
            owners[entry["path"]].add(record["site"])
    assert all(len(sites) == 1 for sites in owners.values())
    captured = {record["site"] for record in store.evidence()
                if record["requested_url"] and record["status"] == 200 and not record["error"]}
    assert captured == set(names)
    assert len({site_page_name(n).casefold() for n in names}) == len(names)
    report = ws / "exports" / "report"
    for name in names:
        assert (report / "sites" / site_page_name(name)).is_file() or \
            (report / site_page_name(name)).is_file(), name
    data_files = [p.name.casefold() for p in (ws / "data" / "answers").glob("*.json")]
    assert len(data_files) == len(set(data_files)) == len(names)
    # every name is a short, portable file name
    for path in new:
        part = os.fsencode(path.name)
        assert len(part) <= 255 and b"\x00" not in part
