"""`--json` on the commands that report something: what the text says, as data."""

from __future__ import annotations

import json
from pathlib import Path

from govaudit.checklist.loader import load_checklist
from tests.conftest import FIXTURES, run_cli


def test_log_verify_json_says_whole_or_where_broken(make_workspace) -> None:
    ws = make_workspace(sites=[("成都市", "http://cd.example/", "city")])
    for value in ("yes", "no"):
        assert run_cli("answer", "成都市", "a1.q1", value, cwd=ws.root).returncode == 0
    done = run_cli("log", "verify", "--json", cwd=ws.root)
    assert done.returncode == 0, done.stderr
    whole = json.loads(done.stdout)
    assert whole["ok"] is True and whole["entries"] >= 2 and whole["broken"] is None
    log = Path(whole["path"])
    lines = log.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["actor"] = "李四"  # an entry changed after it was written
    lines[0] = json.dumps(first, ensure_ascii=False)
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run_cli("log", "verify", "--json", cwd=ws.root)
    assert done.returncode == 1
    broken = json.loads(done.stdout)
    assert broken["ok"] is False and broken["broken"] == 1 and broken["reason"]


def test_checklist_validate_json(tmp_path: Path) -> None:
    done = run_cli("checklist", "validate", str(FIXTURES / "mini.yaml"), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    mini = load_checklist(FIXTURES / "mini.yaml")
    assert json.loads(done.stdout) == {
        "path": str(FIXTURES / "mini.yaml"), "valid": True, "id": "mini",
        "version": mini.version, "indicators": len(mini.indicators),
        "questions": len(mini.questions), "notes": list(mini.unpublished)}


def test_evidence_sign_json_lists_what_it_signed(make_workspace, serve_dir,
                                                 tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.html").write_text(
        "<html><head><meta charset='utf-8'><title>成都市</title></head><body>首页</body></html>",
        encoding="utf-8")
    ws = make_workspace(sites=[("成都市", f"{serve_dir(folder)}/", "city")])
    assert run_cli("evidence", cwd=ws.root).returncode == 0
    key = tmp_path / "key.pem"
    assert run_cli("evidence", "keygen", "--key", str(key), "--signer", "张三",
                   cwd=ws.root).returncode == 0
    done = run_cli("evidence", "sign", "--json", cwd=ws.root)
    assert done.returncode == 0, done.stderr
    signed = json.loads(done.stdout)
    [manifest] = [p.relative_to(ws.root).as_posix()
                  for p in (ws.root / "evidence").glob("manifest-*.json")]
    assert signed == {"signer": "张三", "signed": [manifest + ".sig"]}  # the signatures written
    again = json.loads(run_cli("evidence", "sign", "--json", cwd=ws.root).stdout)
    assert again == {"signer": "张三", "signed": []}  # nothing left to sign


def test_sites_import_json_says_what_it_would_do_and_did(make_workspace, tmp_path: Path) -> None:
    ws = make_workspace(sites=[("成都市", "http://www.chengdu.gov.cn/", "county"),
                               ("青羊区", "http://qingyang.example/", "county")])
    listed = tmp_path / "assigned.csv"
    listed.write_text("名称,网址,级别\n成都市,http://www.chengdu.gov.cn/,市\n"
                      "温江区,wenjiang.example,区\n", encoding="utf-8")
    planned = run_cli("sites", "import", str(listed), "--json", cwd=ws.root)
    assert planned.returncode == 0, planned.stderr
    plan = json.loads(planned.stdout)
    assert plan["applied"] is False
    assert [s["name"] for s in plan["added"]] == ["温江区"]
    assert plan["added"][0]["url"] == "http://wenjiang.example/"
    assert plan["changed"] == [{"name": "成都市", "fields": {"level": ["county", "city"]}}]
    assert plan["missing"] == ["青羊区"] and plan["unchanged"] == []
    assert len(plan["notes"]) == 1  # the URL completed with http://
    applied = json.loads(run_cli("sites", "import", str(listed), "--yes", "--json",
                                 cwd=ws.root).stdout)
    assert applied["applied"] is True


def test_import_json_counts_what_it_took(make_workspace, tmp_path: Path) -> None:
    sites = [("成都市", "http://cd.example/", "city")]
    mine = make_workspace(sites=sites, name="mine")
    theirs = make_workspace(sites=sites, evaluator="李四", name="theirs")
    assert run_cli("answer", "成都市", "a1.q1", "yes", cwd=theirs.root).returncode == 0
    assert run_cli("answer", "成都市", "a1.q3", "4", cwd=theirs.root).returncode == 0
    workbook = tmp_path / "theirs.xlsx"
    assert run_cli("export", "-o", str(workbook), cwd=theirs.root).returncode == 0
    done = run_cli("import", str(workbook), "--json", cwd=mine.root)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["rows"], result["new"], result["updated"], result["kept"]) == (2, 2, 0, 0)
    assert result["evaluators"] == ["李四"] and result["sites_added"] == []
    assert result["path"] == str(workbook)


def test_report_json_names_what_it_wrote(make_workspace) -> None:
    ws = make_workspace(sites=[("成都市", "http://cd.example/", "city"),
                               ("青羊区", "http://qy.example/", "county")])
    done = run_cli("report", "--json", cwd=ws.root)
    assert done.returncode == 0, done.stderr
    written = json.loads(done.stdout)
    index = Path(written["report"])
    assert index.is_file() and written["url"] == index.resolve().as_uri()
    assert written["pages"] == ["sites/成都市.html", "sites/青羊区.html"]
    assert all((index.parent / page).is_file() for page in written["pages"])
