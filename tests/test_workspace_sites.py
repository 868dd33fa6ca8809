"""Workspaces and sites: init, finding the workspace, importing site lists."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import Workbook

from govaudit.store import Store
from govaudit.workspace import open_workspace


def test_init_copies_a_checklist_file(tmp_path: Path, cli, mini_checklist: Path):
    result = cli("init", str(tmp_path / "audit"), "--checklist", str(mini_checklist),
                 "--evaluator", "张三")
    assert result.exit_code == 0, result.output
    ws = open_workspace(tmp_path / "audit", explicit=True)
    assert ws.evaluator == "张三"
    copied = tmp_path / "audit" / "checklist-mini.yaml"
    assert copied.read_text(encoding="utf-8") == mini_checklist.read_text(encoding="utf-8")
    assert ws.checklist.id == "mini"
    # found from a sub-folder, upwards
    sub = tmp_path / "audit" / "evidence"
    assert open_workspace(sub).root == ws.root
    again = cli("init", str(tmp_path / "audit"), "--checklist", str(mini_checklist),
                "--evaluator", "张三")
    assert again.exit_code == 1 and "already exists" in again.output


def test_no_workspace_is_one_clear_message(tmp_path: Path, cli):
    result = cli("status", cwd=tmp_path)
    assert result.exit_code == 1
    assert "no govaudit workspace" in result.output and "Traceback" not in result.output
    result = cli("score", "--workspace", str(tmp_path))
    assert result.exit_code == 1 and "not a govaudit workspace" in result.output


def test_sites_csv_encodings_and_headers(make_workspace, cli, tmp_path: Path):
    ws = make_workspace()
    (tmp_path / "utf8bom.csv").write_bytes(
        "名称,网址,级别,地区\n成都市,https://www.chengdu.gov.cn,市,四川\n".encode("utf-8-sig"))
    (tmp_path / "gbk.csv").write_bytes(
        "网站名称,网址,级别\n郫都区,http://www.pidu.gov.cn,区县\n".encode("gbk"))
    (tmp_path / "english.csv").write_text(
        "name,url,level,group\nMianyang,http://www.my.gov.cn,city,A\n", encoding="utf-8")
    for name in ("utf8bom.csv", "gbk.csv", "english.csv"):
        result = cli("sites", "import", str(tmp_path / name), "--yes", cwd=ws.root)
        assert result.exit_code == 0, result.output
    sites = {s.name: s for s in Store(ws).sites()}
    assert sites["成都市"].level == "city" and sites["成都市"].region == "四川"
    assert sites["郫都区"].level == "county"
    assert sites["Mianyang"].group == "A"
    listed = json.loads(cli("sites", "list", "--json", cwd=ws.root).output)
    assert [s["name"] for s in listed["sites"]] == ["成都市", "郫都区", "Mianyang"]


def test_sites_xlsx(make_workspace, cli, tmp_path: Path):
    ws = make_workspace()
    book = Workbook()
    book.active.append(["名称", "网址", "级别"])
    book.active.append(["绵阳市", "http://www.my.gov.cn", "city"])
    book.save(tmp_path / "s.xlsx")
    assert cli("sites", "import", str(tmp_path / "s.xlsx"), cwd=ws.root).exit_code == 0
    assert [s.name for s in Store(ws).sites()] == ["绵阳市"]


def test_bad_rows_reject_the_whole_file(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=[("成都市", "https://www.chengdu.gov.cn", "city")])
    (tmp_path / "bad.csv").write_text(
        "name,url,level\n"
        "好市,https://good.example,city\n"
        "无网址市,,city\n"
        "错协议,ftp://x.example,city\n"
        "省级,https://p.example,province\n"
        "好市,https://dup.example,city\n"
        "成都市,https://www.chengdu.gov.cn,city\n",
        encoding="utf-8")
    result = cli("sites", "import", str(tmp_path / "bad.csv"), cwd=ws.root)
    assert result.exit_code == 1
    out = result.output
    assert "4 bad row(s), nothing was imported" in out
    assert "row 3: no URL" in out
    assert "row 4: URL 'ftp://x.example' is not http(s)" in out
    assert "row 5: level 'province' is not a level of mini" in out
    assert "row 6: duplicate name '好市' (also row 2)" in out
    assert "row 7" not in out  # a site already here is updated by a re-import, not refused
    assert [s.name for s in Store(ws).sites()] == ["成都市"]


def test_unreadable_sites_file(make_workspace, cli, tmp_path: Path):
    ws = make_workspace()
    (tmp_path / "x.csv").write_bytes(b"\xff\xfe\x00\x01garbage\x80\x81")
    result = cli("sites", "import", str(tmp_path / "x.csv"), cwd=ws.root)
    assert result.exit_code == 1 and "Traceback" not in result.output
    result = cli("sites", "import", str(tmp_path / "missing.csv"), cwd=ws.root)
    assert result.exit_code == 1 and "no such file" in result.output
    (tmp_path / "fake.xlsx").write_text("not a zip")
    result = cli("sites", "import", str(tmp_path / "fake.xlsx"), cwd=ws.root)
    assert result.exit_code == 1 and "fake.xlsx" in result.output
