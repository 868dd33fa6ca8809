"""`govaudit doctor`: browser, version, CJK font, workspace; exit 1 when capture cannot work."""

from __future__ import annotations

import json
from pathlib import Path

from govaudit.browser import find_browser
from tests.conftest import run_cli


def checks_of(stdout: str) -> dict[str, dict[str, str]]:
    return {c["name"]: c for c in json.loads(stdout)["checks"]}


def test_doctor_reports_a_working_machine(make_workspace) -> None:
    ws = make_workspace()
    done = run_cli("doctor", "--json", cwd=ws.root)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert data["ok"] is True
    checks = checks_of(done.stdout)
    info = find_browser()
    assert checks["browser"]["status"] == "ok"
    assert info.path in checks["browser"]["detail"] and info.version in checks["browser"]["detail"]
    assert checks["launch"]["status"] == "ok"
    assert checks["CJK font"]["status"] == "ok"
    assert checks["workspace"] == {"name": "workspace", "status": "ok",
                                   "detail": f"{ws.root} (writable)"}
    human = run_cli("doctor", cwd=ws.root)
    assert human.returncode == 0
    assert "Capture can work here." in human.stdout


def test_doctor_fails_without_a_browser(tmp_path: Path) -> None:
    done = run_cli("doctor", cwd=tmp_path, env={"GOVAUDIT_BROWSER": str(tmp_path / "no-chrome")})
    assert done.returncode == 1
    assert "playwright install chromium" in done.stdout
    assert "Capture cannot work until this is fixed: browser." in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_doctor_fails_without_a_cjk_font(tmp_path: Path) -> None:
    # a real fontconfig that knows no fonts at all
    config = tmp_path / "fonts.conf"
    config.write_text(f'<?xml version="1.0"?><fontconfig><dir>{tmp_path / "none"}</dir>'
                      f'<cachedir>{tmp_path / "cache"}</cachedir></fontconfig>')
    done = run_cli("doctor", "--json", cwd=tmp_path, env={"FONTCONFIG_FILE": str(config)})
    assert done.returncode == 1
    font = checks_of(done.stdout)["CJK font"]
    assert font["status"] == "fail"
    assert "fonts-noto-cjk" in font["detail"]


def test_doctor_on_a_missing_workspace(tmp_path: Path) -> None:
    done = run_cli("doctor", "--json", "--workspace", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert done.returncode == 1
    workspace = checks_of(done.stdout)["workspace"]
    assert workspace["status"] == "fail" and "not a govaudit workspace" in workspace["detail"]
