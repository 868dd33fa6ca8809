"""govaudit backup: a copy of a workspace in use that holds everything acknowledged before it
began (monitoring samples through SQLite's backup API, answers under the workspace lock),
restored and opened as a workspace."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

import govaudit
from govaudit import Audit
from govaudit.monitor import Monitor
from govaudit.monitor.db import FILE_NAME
from govaudit.store import Store
from govaudit.workspace import open_workspace
from tests.busy_workspace import ANSWERS, SAMPLES, Writer
from tests.monitor_kills import ARGS, GOVAUDIT, ROOT, SiteServer, make_workspace

SITES = [("成都市", "http://127.0.0.1:9/", "city"), ("郫都区", "http://127.0.0.1:8/", "county")]
def _restore(backup: Path, folder: Path) -> Path:
    if backup.suffix == ".zip":
        with zipfile.ZipFile(backup) as archive:
            archive.extractall(folder)
        return folder
    return backup


@pytest.mark.parametrize("name", ["backup", "backup.zip"])
def test_a_backup_taken_while_writers_run_holds_all_they_acknowledged(make_workspace,
                                                                      tmp_path, name):
    ws = make_workspace(sites=SITES)
    govaudit.Audit.open(ws.root).answer("成都市", "a1.q1", "yes")
    writers = [Writer(SAMPLES, ws.data_dir), Writer(ANSWERS, ws.root)]
    try:
        deadline = time.monotonic() + 60
        while min(w.acknowledged for w in writers) < 100:
            assert time.monotonic() < deadline, "the writers never got going"
            assert all(w.proc.poll() is None for w in writers)
            time.sleep(0.01)
        assert (ws.data_dir / f"{FILE_NAME}-wal").is_file()
        samples, answers = (w.acknowledged for w in writers)
        result = govaudit.Audit.open(ws.root).backup(tmp_path / name)
        after = writers[0].pause()  # what it had written when the backup was done, or more
    finally:
        for writer in writers:
            writer.stop()
    assert result.path == tmp_path / name and result.visits is not None
    assert samples <= result.visits <= after + 1
    restored = _restore(result.path, tmp_path / "restored")
    assert not (restored / "data" / f"{FILE_NAME}-wal").exists()  # one file, complete
    with sqlite3.connect(restored / "data" / FILE_NAME) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        times = {int(t) for (t,) in db.execute("SELECT time FROM visits")}
    assert set(range(1, samples + 1)) <= times, "samples acknowledged before the backup lost"
    audit = govaudit.Audit.open(restored)
    [answer] = audit.answers("郫都区")
    assert answer.value >= answers  # the latest acknowledged value, or one saved after it
    assert [h["value"] for h in answer.history] == list(range(1, answer.value))
    assert {s.name for s in audit.sites} == {"成都市", "郫都区"}
    assert audit.answers("成都市")[0].value == "yes"
    with Audit(open_workspace(restored, explicit=True)).monitor() as monitor:
        assert monitor.status(10**10, now=10**6)[0].figures.visits == len(times)


def _visit_ids(db: Path) -> set[int]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return {i for (i,) in conn.execute("SELECT id FROM visits")}
    except sqlite3.OperationalError:  # no table yet
        return set()
    finally:
        conn.close()


def test_a_backup_taken_while_monitor_start_runs_holds_every_visit_committed(tmp_path):
    server = SiteServer()
    try:
        root = make_workspace(tmp_path / "ws", server)
        db = root / "data" / FILE_NAME
        monitor = subprocess.Popen([*GOVAUDIT, *ARGS["start"]], cwd=root,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while len(committed := _visit_ids(db)) < 8:
                assert time.monotonic() < deadline and monitor.poll() is None, monitor.stderr
                time.sleep(0.05)
            result = govaudit.Audit.open(root).backup(tmp_path / "while-monitoring.zip")
        finally:
            monitor.send_signal(signal.SIGTERM)
            _, err = monitor.communicate(timeout=60)
    finally:
        server.close()
    assert monitor.returncode == 130, err
    restored = _restore(result.path, tmp_path / "restored")
    kept = _visit_ids(restored / "data" / FILE_NAME)
    assert committed <= kept <= _visit_ids(db) and len(kept) == result.visits


def test_a_backup_has_the_workspace_but_not_its_passwords_unless_asked(make_workspace,
                                                                        tmp_path, cli):
    ws = make_workspace()
    audit = govaudit.Audit.open(ws.root)
    audit.sites.add("甲市", "http://auditor:s3cret-pw@127.0.0.1:9/", "city")
    audit.answer("甲市", "a1.q1", "yes")
    (ws.evidence_dir / "甲市").mkdir()
    (ws.evidence_dir / "甲市" / "shot.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    (ws.exports_dir / "report.html").write_text("made again by report")
    with Monitor(ws, Store(ws), ws.checklist) as monitor:
        monitor.db  # noqa: B018 - a monitor database, no samples yet

    done = cli("backup", str(tmp_path / "plain.zip"), "-w", str(ws.root))
    assert done.exit_code == 0, done.output
    assert f"backup written: {tmp_path / 'plain.zip'}" in done.output
    assert "0 monitoring visit(s)" in done.output
    assert "data/credentials.json (the sites' passwords) left out" in done.output
    with zipfile.ZipFile(tmp_path / "plain.zip") as archive:
        names = set(archive.namelist())
        assert b"s3cret-pw" not in b"".join(archive.read(n) for n in names)
    assert {"govaudit.toml", "data/sites.json", "data/monitor.sqlite",
            "evidence/甲市/shot.png"} <= names
    assert not [n for n in names if n.startswith("exports/") or n.endswith(
        ("credentials.json", ".lock", "-wal", "-shm"))], names

    done = cli("backup", str(tmp_path / "whole"), "--with-credentials", "--json",
               "-w", str(ws.root))
    assert done.exit_code == 0, done.output
    shown = json.loads(done.stdout)
    assert shown["credentials"] is True and shown["backup"] == str(tmp_path / "whole")
    secrets = tmp_path / "whole" / "data" / "credentials.json"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600 and b"s3cret-pw" in secrets.read_bytes()
    assert [s.url for s in govaudit.Audit.open(tmp_path / "whole").sites] == [
        "http://127.0.0.1:9/"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers


def test_a_backup_never_replaces_a_file_nor_goes_inside_the_workspace(make_workspace,
                                                                      tmp_path, cli):
    ws = make_workspace(sites=SITES)
    (tmp_path / "old.zip").write_bytes(b"keep me")
    (tmp_path / "empty").mkdir()
    for dest, says in [(tmp_path / "old.zip", "already exists"),
                       (tmp_path / "empty", "already exists"),
                       (ws.root / "backup.zip", "inside the workspace"),
                       (ws.data_dir / "copy", "inside the workspace")]:
        done = cli("backup", str(dest), "-w", str(ws.root))
        assert done.exit_code == 1 and says in done.output, done.output
        assert done.output.count("\n") == 1 and "Traceback" not in done.output
    assert (tmp_path / "old.zip").read_bytes() == b"keep me"
    assert not any((tmp_path / "empty").iterdir())
    done = cli("backup", str(ws.exports_dir / "backup.zip"), "-w", str(ws.root))
    assert done.exit_code == 0, done.output
