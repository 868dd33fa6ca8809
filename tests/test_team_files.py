"""Files a team shares: workbooks, evidence and store files follow the umask, as `cp` would."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import run_cli

SITES = [("成都市", "https://cd.example.cn", "city")]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600)])
def test_exported_files_follow_the_umask(make_workspace, tmp_path: Path, umask: int,
                                         expected: int):
    ws = make_workspace(sites=SITES)
    note = tmp_path / "page.png"
    note.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    old = os.umask(umask)
    try:
        answered = run_cli("answer", "成都市", "a1.q1", "yes", cwd=ws.root)
        assert answered.returncode == 0, answered.stderr
        exported = run_cli("export", cwd=ws.root)
        assert exported.returncode == 0, exported.stderr
    finally:
        os.umask(old)
    workbook = ws.root / "exports" / "ws-张三.xlsx"
    assert _mode(workbook) == expected
    stored = list((ws.data_dir / "answers").glob("*.json"))  # made under this umask
    assert stored and {_mode(p) for p in stored} == {expected}
    assert _mode(ws.data_dir / "sites.json") == 0o644  # replaced, it keeps its mode as cp does


def test_the_secrets_file_stays_private_under_any_umask(make_workspace):
    from govaudit.credentials import credentials_path, save_credentials
    from govaudit.store import Store

    ws = make_workspace(sites=SITES)
    old = os.umask(0o022)
    try:
        save_credentials(Store(ws), {"成都市": ("user", "secret")})
    finally:
        os.umask(old)
    assert _mode(credentials_path(Store(ws))) == 0o600
