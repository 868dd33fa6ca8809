"""What `govaudit check` says beside the links it could not check."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli

PAGE = ('<!doctype html><html><head><meta charset="utf-8"><title>成都市人民政府</title></head>'
        '<body><a href="http://10.0.0.5/admin/">内网管理</a>'
        '<a href="index.html">首页</a></body></html>')


def test_a_link_refused_for_its_private_address_comes_with_the_option_that_allows_it(
        make_workspace, serve_dir, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    ws = make_workspace(sites=[("成都市", f"{serve_dir(folder)}/index.html", "city")])
    done = run_cli("check", "--probe", "links", "--timeout", "3", cwd=ws.root,
                   env={"COLUMNS": "200"})
    assert "http://10.0.0.5/admin/" in done.stdout, done.stdout + done.stderr
    assert "[netpolicy:private]" in done.stdout
    assert "--allow-private allows private addresses" in done.stdout, done.stdout
