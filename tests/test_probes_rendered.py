"""Footers written by scripts: `check` reads the rendered page from a capture or with --render."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from govaudit.store import Store

FIXTURE = Path(__file__).parent / "fixtures" / "probes.yaml"
FAST = ("--samples", "1", "--interval", "0", "--timeout", "5", "--link-timeout", "3",
        "--probe", "marks")
ICP = "蜀ICP备05003205号-1"
FOOTER = f"主办单位：测试市人民政府办公厅 {ICP} 网站标识码：5101000001"
WRITTEN = ("<html><head><meta charset=utf-8><title>写入</title></head><body><p>首页</p>"
           f"<script>document.write('<div id=\"footer\">{FOOTER}</div>')</script>"
           "</body></html>")
FILLED = ("<html><head><meta charset=utf-8><title>填充</title></head><body><p>首页</p>"
          "<div id=\"footer\"></div><script src=\"/footer.js\"></script></body></html>")
FOOTER_JS = f"document.getElementById('footer').textContent = '{FOOTER}';"


@pytest.fixture
def pages(tmp_path: Path, serve_dir):
    root = tmp_path / "site"
    for folder, html in (("written", WRITTEN), ("filled", FILLED)):
        (root / folder).mkdir(parents=True)
        (root / folder / "index.html").write_text(html, encoding="utf-8")
    (root / "footer.js").write_text(FOOTER_JS, encoding="utf-8")
    return serve_dir(root)


@pytest.fixture
def ws(make_workspace, pages):
    base = pages.rstrip("/")
    return make_workspace(FIXTURE, sites=[("写入市", f"{base}/written/", "city"),
                                          ("填充市", f"{base}/filled/", "city")])


def marks(root: Path, *args: str) -> dict[str, dict]:
    done = run_cli("check", "--json", *FAST, *args, cwd=root)
    assert done.returncode == 0, done.stderr
    return {s["site"]: s["probes"]["marks"] for s in json.loads(done.stdout)["sites"]}


def test_a_page_that_lists_nothing_but_runs_scripts_is_read_as_rendered(ws):
    """Neither home page lists anything in its HTML, and a script stands in its main region:
    the page as fetched cannot tell what a reader sees, so it is read in Chromium (no capture
    is kept), and the footers the scripts write are found."""
    for found in marks(ws.root).values():
        assert (found["icp"], found["sponsor"], found["site_code"]) == (
            ICP, "测试市人民政府办公厅", "5101000001")
        assert found["details"]["icp"]["source"] == "rendered"
    assert Store(ws).evidence("写入市") == []


def test_check_after_evidence_reads_the_rendered_footer(ws):
    captured = run_cli("evidence", "--json", cwd=ws.root)
    assert captured.returncode == 0, captured.stderr
    for found in marks(ws.root).values():
        assert (found["icp"], found["sponsor"], found["site_code"]) == (
            ICP, "测试市人民政府办公厅", "5101000001")
        assert found["details"]["icp"]["source"] == "rendered"
        assert found["source"] == "static+rendered"
    stored = Store(ws).probe_results("写入市")["marks"]
    assert stored.details["icp"].by_script
    assert f"ICP备案号: {ICP} (written by script)" in stored.summary()


def test_check_render_without_a_capture(ws):
    for found in marks(ws.root, "--render").values():
        assert found["icp"] == ICP
        assert found["details"]["icp"]["source"] == "rendered"
    table = run_cli("check", *FAST, "--render", "--site", "填充市", cwd=ws.root,
                    env={"COLUMNS": "400"})
    assert "written by script" in table.stdout
    assert Store(ws).evidence("填充市") == []  # rendering for the probes is no capture
