"""Other processes: two writers on one workspace, and SIGKILL during `export --into`.

The suite runs short loops (a few dozen kills, under a minute); benchmarks/hostile_bench.py
runs the same loops with 200 kills and more and prints the counts.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from govaudit.store import Store
from tests.conftest import GOVAUDIT, kills

SITES = [("成都市", "https://cd.example.cn", "city"), ("郫都区", "http://pd.example.cn", "county")]
WRITER = """
import pathlib, sys, time
from govaudit.store import Store
from govaudit.workspace import open_workspace
store = Store(open_workspace(sys.argv[1], explicit=True))
gate = pathlib.Path(sys.argv[4])
(gate / sys.argv[2]).touch()
deadline = time.monotonic() + 120
while len(list(gate.iterdir())) < 2 and time.monotonic() < deadline:
    time.sleep(0.001)
for i in range(int(sys.argv[3])):
    store.save_answer('成都市', 'a1.q3', 'a1', i, sys.argv[2])
"""


def two_writers(root: Path, count: int, gate: Path) -> dict[str, list[int]]:
    """Two processes each save `count` answers at once (each starts its first save when both
    are ready, in the empty folder `gate`); the values each one's record holds."""
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(root), who, str(count),
                               str(gate)])
             for who in ("甲", "乙")]
    assert [p.wait(timeout=600) for p in procs] == [0, 0]
    from govaudit.workspace import open_workspace
    answers = Store(open_workspace(root, explicit=True)).answers("成都市")
    return {a.evaluator: [h["value"] for h in a.history] + [a.value] for a in answers}


def test_two_writers_lose_nothing(make_workspace, tmp_path: Path) -> None:
    ws = make_workspace(sites=SITES)
    (tmp_path / "gate").mkdir()
    kept = two_writers(ws.root, 150, tmp_path / "gate")
    assert kept == {"甲": list(range(150)), "乙": list(range(150))}


def team_workbook(path: Path) -> Path:
    """The team's own workbook: a sheet of its own that --into must keep."""
    book = Workbook()
    book.active.title = "说明"
    book["说明"]["A1"] = "团队汇总表"
    for row in range(2, 2000):
        book["说明"].cell(row, 1, f"第{row}行")
    book.save(path)
    return path


def intact(path: Path) -> bool:
    """The team's workbook opens and still holds its own sheet."""
    book = load_workbook(path, read_only=True)
    try:
        return next(book["说明"].iter_rows(max_row=1, values_only=True))[0] == "团队汇总表"
    finally:
        book.close()


def kill_loop(args: list[str], cwd: Path, check: Callable[[int], None], runs: int,
              seconds: float, seed: int = 15) -> dict[str, int]:
    """Start `govaudit ARGS` `runs` times, SIGKILL each at a random moment of its run, and
    call check(run) after each, for about `seconds` (longer, up to four times as long, until
    one run was killed). Returns how many were killed and how many finished."""
    rng = random.Random(seed)
    started = time.monotonic()
    first = subprocess.run([*GOVAUDIT, *args], cwd=cwd, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    # the shortest whole run so far: a first run slowed by a busy moment (the suite starting)
    # must not put every kill after the runs have ended
    whole = time.monotonic() - started
    counts = {"runs": 1, "killed": 0, "finished": 1}
    for run in range(1, runs):
        spent = time.monotonic() - started
        if spent > seconds and (counts["killed"] or spent > 4 * seconds):
            break
        begun = time.monotonic()
        proc = subprocess.Popen([*GOVAUDIT, *args], cwd=cwd, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            code = proc.wait(timeout=rng.uniform(0.2, 0.95) * whole)  # it ended by itself
            whole = min(whole, time.monotonic() - begun)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            code = proc.wait(timeout=60)
        counts["runs"] += 1
        counts["killed" if code == -signal.SIGKILL else "finished"] += 1
        check(run)
    return counts


@pytest.mark.kill_loop
def test_export_into_survives_sigkill(make_workspace, tmp_path: Path) -> None:
    ws = make_workspace(sites=SITES)
    Store(ws).save_answer("成都市", "a1.q1", "a1", "yes", "张三")
    team = team_workbook(tmp_path / "团队汇总.xlsx")

    def check(run: int) -> None:
        assert intact(team), f"run {run}: the team's workbook is damaged"

    # at most 20 s: tests/test_kill_loops.py kills `export --into` 20 times (200 in `make
    # soak`) and checks every backup and state; this one checks the team's own sheet survives
    counts = kill_loop(["export", "--into", str(team)], ws.root, check, runs=kills(25), seconds=20)
    assert counts["killed"] > 0, counts
    assert "Summary" in load_workbook(team, read_only=True).sheetnames
