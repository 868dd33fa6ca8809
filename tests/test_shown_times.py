"""What the CLI shows a person: times in China time with the zone, URLs in their IRI form
(the store keeps UTC and the exact URL)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from govaudit.audit import Audit
from govaudit.chinatime import china_time
from govaudit.probes.registry import probe_result
from govaudit.store import Store
from tests.conftest import run_cli

STORED = "2026-11-22T08:00:00Z"  # 16:00 in China


def test_check_shows_a_stored_result_in_china_time(make_workspace) -> None:
    ws = make_workspace(sites=[("成都市", "http://cd.example/", "city")])
    Store(ws).save_probe_results("成都市", [probe_result({
        "probe": "ipv6", "host": "cd.example", "aaaa": ["2001:db8::1"], "has_aaaa": True,
        "reachable": True, "status": 200, "error": "", "site": "成都市", "time": STORED})])
    done = run_cli("check", "--apply", "--probe", "ipv6", cwd=ws.root, env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2026-11-22 16:00 (UTC+8)" in done.stdout, done.stdout
    assert "08:00" not in done.stdout


def test_log_show_in_china_time(make_workspace) -> None:
    ws = make_workspace(sites=[("成都市", "http://cd.example/", "city")])
    answered = run_cli("answer", "成都市", "a1.q1", "yes", cwd=ws.root)
    assert answered.returncode == 0, answered.stdout + answered.stderr
    [entry] = [e for e in Audit(ws).log() if e.question == "a1.q1"]
    done = run_cli("log", "show", cwd=ws.root)
    assert done.returncode == 0, done.stderr
    assert china_time(entry.time, seconds=True) in done.stdout, done.stdout
    assert entry.time not in done.stdout  # the stored UTC text is not what a person reads
    assert china_time(entry.time, seconds=True).endswith("(UTC+8)")


def test_evidence_shows_the_url_decoded(make_workspace, serve_dir, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "预算公开.html").write_text(
        "<html><head><meta charset='utf-8'><title>预算公开</title></head><body>预算</body></html>",
        encoding="utf-8")
    url = f"{serve_dir(folder)}/{quote('预算公开.html')}"
    ws = make_workspace(sites=[("成都市", url, "city")])
    done = run_cli("evidence", cwd=ws.root, env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "/预算公开.html" in done.stdout and "%E9" not in done.stdout, done.stdout
    [record] = Store(ws).evidence()
    assert record["requested_url"] == url  # stored exact


def test_sites_add_and_list_show_the_url_decoded(make_workspace) -> None:
    ws = make_workspace()
    url = f"http://www.example.gov.cn/{quote('预算公开')}/"
    added = run_cli("sites", "add", "成都市", url, "--level", "city", cwd=ws.root)
    assert added.returncode == 0, added.stderr
    listed = run_cli("sites", "list", cwd=ws.root, env={"COLUMNS": "200"})
    for shown in (added.stdout, listed.stdout):
        assert "http://www.example.gov.cn/预算公开/" in shown and "%E9" not in shown, shown
    [site] = Store(ws).sites()
    assert site.url == url  # stored exact
