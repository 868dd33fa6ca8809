"""`govaudit evidence`, `evidence attach` and `evidence verify` as a user runs them."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from govaudit.evidence import attach, verify
from govaudit.store import Site, Store
from tests.conftest import run_cli

PAGE = ('<!doctype html><html><head><meta charset="utf-8"><title>某市政府</title></head>'
        '<body><h1>政务公开</h1><div style="height:1200px"></div></body></html>')


@pytest.fixture
def served(tmp_path: Path, serve_dir) -> str:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    (folder / "zwgk.html").write_text(PAGE.replace("政务公开", "政府信息公开"), encoding="utf-8")
    return serve_dir(folder)


def refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/"


def test_evidence_json_shape_and_exit_codes(make_workspace, served: str) -> None:
    ws = make_workspace(sites=[("成都市", f"{served}/index.html", "city")])
    done = run_cli("evidence", "--json", "--concurrency", "2", cwd=ws.root)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) == {"captures", "failed", "skipped"} and data["failed"] == 0
    assert data["skipped"] == []
    [capture] = data["captures"]
    assert set(capture) == {"site", "url", "final_url", "status", "title", "files", "error",
                            "failure", "failed", "navigation", "blocked"}
    assert capture["failed"] is False and capture["blocked"] == []
    assert [hop["via"] for hop in capture["navigation"]] == [""]
    assert capture["title"] == "某市政府" and capture["status"] == 200
    assert [f["kind"] for f in capture["files"]] == ["png", "html", "mhtml"]
    for entry in capture["files"]:
        assert set(entry) == {"kind", "path", "sha256"}
        assert not Path(entry["path"]).is_absolute()
        data_bytes = (ws.root / entry["path"]).read_bytes()
        assert hashlib.sha256(data_bytes).hexdigest() == entry["sha256"]

    # one page for an indicator, recorded for later runs; then a failing site: exit 1
    done = run_cli("evidence", "--site", "成都市", "--indicator", "a2",
                   "--url", f"{served}/zwgk.html", "--json", cwd=ws.root)
    assert done.returncode == 0, done.stderr
    [page] = Store(ws).pages("成都市")
    assert (page.url, page.indicator) == (f"{served}/zwgk.html", "a2")
    Store(ws).add_sites([Site("关闭市", refused_url(), "city")])
    done = run_cli("evidence", cwd=ws.root)
    assert done.returncode == 1
    assert "connection refused" in done.stdout
    assert "2 captured, 1 failed" in done.stdout
    assert len(Store(ws).evidence()) == 5


def test_attach_links_the_answer_and_verify_finds_changes(make_workspace, cli,
                                                          tmp_path: Path) -> None:
    ws = make_workspace(sites=[("成都市", "https://www.chengdu.gov.cn/", "city")])
    store = Store(ws)
    store.save_answer("成都市", "a1.q1", "a1", "no", "张三", note="微信公众号无菜单")
    shot = tmp_path / "手机 截图:1.png"
    Image.new("RGB", (64, 48), "navy").save(shot, "PNG")
    record = attach(ws, ws.checklist, Store(ws), "成都市", "a1.q1", shot)
    assert record.question == "a1.q1" and record.indicator == "a1"
    [entry] = record.files
    assert entry.kind == "png" and entry.bytes == shot.stat().st_size
    copied = ws.root / entry.path
    assert copied.read_bytes() == shot.read_bytes() and ":" not in copied.name
    assert store.answers("成都市")[0].evidence == [record.id]
    assert verify(ws, Store(ws)).ok

    result = cli("evidence", "attach", "成都市", "a2.q1", str(shot), "--json", cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["question"] == "a2.q1"
    assert cli("evidence", "verify", cwd=ws.root).exit_code == 0

    # one changed byte in a PNG is found, and so is a missing file and a changed manifest
    data = bytearray(copied.read_bytes())
    data[20] ^= 1
    copied.write_bytes(bytes(data))
    result = cli("evidence", "verify", "--json", cwd=ws.root)
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert [(p["path"], p["problem"], p["record"]) for p in problems] == [
        (entry.path, "changed", record.id)]
    second = json.loads(cli("evidence", "attach", "成都市", "a2.q1", str(shot), "--json",
                            cwd=ws.root).stdout)
    (ws.root / second["files"][0]["path"]).unlink()
    manifest = next(ws.evidence_dir.glob("manifest-*.json"))
    manifest.write_text(manifest.read_text(encoding="utf-8") + " ", encoding="utf-8")
    result = cli("evidence", "verify", cwd=ws.root)
    assert result.exit_code == 1
    found = {p.problem for p in verify(ws, Store(ws)).problems}
    assert found == {"changed", "missing"}
    assert len(verify(ws, Store(ws)).problems) == 3
    assert "3 problems" in result.stdout


def test_attach_refuses_unknown_ids_and_missing_files(make_workspace, cli,
                                                      tmp_path: Path) -> None:
    ws = make_workspace(sites=[("成都市", "https://www.chengdu.gov.cn/", "city")])
    shot = tmp_path / "a.jpg"
    shot.write_bytes(b"jpeg")
    for args, message in [
        (("杭州市", "a1.q1", str(shot)), "unknown site '杭州市'"),
        (("成都市", "zz.q9", str(shot)), "unknown question 'zz.q9'"),
        (("成都市", "a1.q1", str(tmp_path / "none.png")), "no such file"),
    ]:
        result = cli("evidence", "attach", *args, cwd=ws.root)
        assert result.exit_code == 1
        assert message in result.stderr
        assert "Traceback" not in result.output
    assert Store(ws).evidence() == []
    assert list(ws.evidence_dir.iterdir()) == []


def test_help_does_not_import_playwright() -> None:
    code = ("import sys, commands.app; "
            "print(sorted(m for m in ('playwright', 'PIL', 'httpx', 'openpyxl') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent.parent).stdout
    assert "playwright" not in out
