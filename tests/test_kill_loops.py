"""SIGKILL loops of 200 kills during `answer --file`, `collect` and `export --into`, and a
handful of SIGKILLs and SIGTERMs during `monitor tick` and `monitor start`.

`make soak` runs the loops in full (GOVAUDIT_KILLS=200); `make test` makes 20 kills in each.

Each loop reuses one workspace and kills the real program at a seeded random moment of
its run (the delay drawn from a measured whole run, or just after its write began).
After every kill: no acknowledged answer is lost, the store loads, and the team's
workbook opens with openpyxl, keeps its own sheet, and every backup is whole; no visit the
monitor finished is missing from monitor.sqlite (tests/monitor_kills.py). The counts
(kills, kills that landed mid-write, the states left) are printed; run with -s to see them.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pexpect
import pytest
from openpyxl import load_workbook

from govaudit.store import Store
from govaudit.workbook.backups import backups
from govaudit.workspace import open_workspace
from tests.conftest import GOVAUDIT, kills
from tests.monitor_kills import GRACE, kill_monitor
from tests.test_collect_terminal import FIXTURE, Term
from tests.test_data_safety_store import RUN_QUESTIONS, RUN_SITES, _run_file
from tests.test_hostile_kills import team_workbook

KILLS = kills(200)
MONITOR_KILLS = int(os.environ.get("GOVAUDIT_MONITOR_KILLS", "2"))  # per command and signal
SEED = 20150


def _report(name: str, seed: int, counts: Counter[str], started: float) -> None:
    print(f"\n{name}: seed {seed}, {counts['kills']} kills ({counts['mid-write']} mid-write), "
          f"states {dict(sorted((k, v) for k, v in counts.items() if k.startswith('='))) }, "
          f"{counts['finished']} finished runs, {time.monotonic() - started:.1f} s")


def _kill_at(proc: subprocess.Popen[bytes], delay: float, wrote: object = None) -> bool:
    """SIGKILL `proc` after `delay` s, or `delay` s after wrote() first holds. True: killed."""
    if callable(wrote):
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline and not wrote():
            time.sleep(0.0005)
    try:
        proc.wait(timeout=delay)  # it ended by itself first: returns when it did
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=60) == -signal.SIGKILL


# -- answer --file ----------------------------------------------------------------------------

SITES, QUESTIONS = RUN_SITES, RUN_QUESTIONS


def _answers_file(folder: Path, run: int) -> Path:
    return _run_file(folder, run).replace(folder / "answers.csv")


def _runs_stored(root: Path) -> Counter[str]:
    return Counter(a.note for a in Store(open_workspace(root, explicit=True)).answers())


@pytest.mark.kill_loop
@pytest.mark.timeout(120 + 15 * KILLS)  # real runs on a busy machine: 3120 s for 200 kills
def test_answer_file_survives_200_sigkills(make_workspace, tmp_path: Path) -> None:
    ws = make_workspace(sites=SITES)
    data = ws.data_dir
    total = len(SITES) * len(QUESTIONS)
    rng = random.Random(SEED)
    started = time.monotonic()
    first = subprocess.run([*GOVAUDIT, "answer", "--file", str(_answers_file(tmp_path, 0))],
                           cwd=ws.root, capture_output=True)
    assert first.returncode == 0, first.stderr
    whole = time.monotonic() - started
    acknowledged = stored = 0  # the last run the tool confirmed; the run the store holds
    counts: Counter[str] = Counter(finished=1)
    run = 0
    while counts["kills"] < KILLS:
        run += 1
        assert run < 3 * KILLS, counts
        path = _answers_file(tmp_path, run)
        before = {p.name: p.stat().st_mtime_ns for p in (data / "answers").glob("*.json")}

        def wrote(before: dict[str, int] = before) -> bool:
            return any(data.glob("*journal*")) or any(
                p.stat().st_mtime_ns != before.get(p.name) for p in
                (data / "answers").glob("*.json"))

        when = (rng.uniform(0.3, 1.0) * whole, None) if run % 2 else (rng.uniform(0, .004),
                                                                        wrote)
        begun = time.monotonic()
        proc = subprocess.Popen([*GOVAUDIT, "answer", "--file", str(path)], cwd=ws.root,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        killed = _kill_at(proc, *when)
        if not killed:  # the shortest whole run so far (see export --into)
            whole = min(whole, time.monotonic() - begun)
        left = {p.name for p in data.iterdir()}
        mid = any("journal" in name or name.endswith(".tmp") for name in left)
        where = f"run {run}, seed {SEED}, kill after {when[0]:.4f} s" + \
            (" from its first write" if when[1] else "")
        notes = _runs_stored(ws.root)
        assert sum(notes.values()) == total, f"{where}: {notes}"
        assert len(notes) == 1, f"{where}: half a batch applied: {notes}"
        now = int(next(iter(notes)).removeprefix("run"))
        assert now in (stored, run) and now >= acknowledged, \
            f"{where}: the store holds run {now} after runs {stored}/{acknowledged}"
        assert not [n for n in os.listdir(data) if "journal" in n], f"{where}: journal left"
        if killed:
            counts["kills"] += 1
            counts["mid-write"] += mid
            counts["=" + ("old" if now == stored else "new")] += 1
        else:
            counts["finished"] += 1
            acknowledged = run
            assert now == run, f"{where}: finished but the store holds run {now}"
        stored = now
    _report("answer --file", SEED, counts, started)
    assert counts["mid-write"] > 0 and counts["=new"] > 0 and counts["=old"] > 0, counts


# -- export --into ----------------------------------------------------------------------------

def _book_note(path: Path) -> str:
    """The run named in the workbook's Answers sheet; fails unless it opens and keeps 说明."""
    book = load_workbook(path, read_only=True)
    try:
        assert next(book["说明"].iter_rows(max_row=1, values_only=True))[0] == "团队汇总表"
        assert book["说明"].max_row == 1999
        if "Answers" not in book.sheetnames:
            return ""
        for row in book["Answers"].iter_rows(values_only=True):
            for cell in row:
                if isinstance(cell, str) and cell.startswith("run"):
                    return cell
        return ""
    finally:
        book.close()


@pytest.mark.kill_loop
@pytest.mark.timeout(120 + 15 * KILLS)  # real runs on a busy machine: 3120 s for 200 kills
def test_export_into_survives_200_sigkills(make_workspace, tmp_path: Path) -> None:
    ws = make_workspace(sites=SITES[:2])
    store = Store(ws)
    folder = tmp_path / "team"
    folder.mkdir()
    team = folder / "团队汇总.xlsx"
    team_workbook(team)
    rng = random.Random(SEED + 1)
    args = [*GOVAUDIT, "export", "--into", str(team)]
    store.save_answer(SITES[0][0], "a1.q1", "a1", "yes", "张三", note="run0")
    started = time.monotonic()
    assert subprocess.run(args, cwd=ws.root, capture_output=True).returncode == 0
    # the shortest whole run so far: a run slowed by a busy moment must not make every kill
    # wait as long, so that it comes after the run ended
    whole = time.monotonic() - started
    acknowledged = shown = "run0"
    counts: Counter[str] = Counter(finished=1)
    verified: dict[Path, tuple[int, int]] = {}  # backups that opened whole: their stat
    run = 0
    while counts["kills"] < KILLS:
        run += 1
        assert run < 3 * KILLS, counts
        store.save_answer(SITES[0][0], "a1.q1", "a1", "yes", "张三", note=f"run{run}")
        copies = set(backups(team))

        def wrote(copies: set[Path] = copies) -> bool:
            return set(backups(team)) != copies or len(os.listdir(folder)) > len(copies) + 1

        when = (rng.uniform(0.2, 1.0) * whole, None) if run % 4 else (rng.uniform(0, .02),
                                                                        wrote)
        begun = time.monotonic()
        proc = subprocess.Popen(args, cwd=ws.root, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        killed = _kill_at(proc, *when)
        if not killed:
            whole = min(whole, time.monotonic() - begun)
        where = f"run {run}, seed {SEED + 1}, kill after {when[0]:.4f} s" + \
            (" from its first write" if when[1] else "")
        # a backup made, or a temporary file left: the kill came after the writing began
        mid = set(backups(team)) != copies or len(os.listdir(folder)) > len(backups(team)) + 1
        try:
            now = _book_note(team)
        except Exception as exc:
            raise AssertionError(f"{where}: the team's workbook is damaged ({exc})") from None
        assert now in (shown, f"run{run}"), f"{where}: it shows {now}, before {shown}"
        for copy in backups(team):
            stat = copy.stat()
            if verified.get(copy) == (stat.st_mtime_ns, stat.st_size):
                continue  # read whole after an earlier run, and not touched since
            try:
                _book_note(copy)
            except Exception as exc:
                raise AssertionError(f"{where}: backup {copy.name} is damaged ({exc})") from None
            verified[copy] = (stat.st_mtime_ns, stat.st_size)
        if killed:
            counts["kills"] += 1
            counts["mid-write"] += mid
            counts["=" + ("old" if now == shown else "new")] += 1
        else:
            counts["finished"] += 1
            acknowledged = f"run{run}"
            assert now == acknowledged, f"{where}: finished but the workbook shows {now}"
        shown = now
        for stray in set(folder.iterdir()) - {team, *backups(team)}:
            stray.unlink()  # a killed run's temporary file; the next run must not need it
    _report("export --into", SEED + 1, counts, started)
    assert counts["mid-write"] > 0 and counts["=new"] > 0 and counts["=old"] > 0, counts


# -- collect ----------------------------------------------------------------------------------

# (question, how it is answered, the key or text, the stored value) for run r
def _plan(run: int, rng: random.Random) -> list[tuple[str, str, str, object]]:
    grade = rng.randrange(3)
    last = rng.randrange(3)
    return [("disclosure.q1", "choose", "1", "yes"),
            ("disclosure.q2", "choose", str(grade + 1), "好中差"[grade]),
            ("disclosure.q3", "type", str(run), run),
            ("disclosure.q4", "type", f"run{run}", f"run{run}"),
            ("ipv6.q1", "choose", str(run % 2 + 1), ("yes", "no")[run % 2]),
            ("ipv6.q2", "choose", str((run + 1) % 2 + 1), ("yes", "no")[(run + 1) % 2]),
            ("innovation.q1", "choose", str(last + 1), "优良差"[last])]


@pytest.mark.kill_loop
@pytest.mark.timeout(120 + 15 * KILLS)  # real runs on a busy machine: 3120 s for 200 kills
def test_collect_survives_200_sigkills(make_workspace) -> None:
    ws = make_workspace(FIXTURE, sites=[("成都市", "http://cd.example/", "city")])
    rng = random.Random(SEED + 2)
    started = time.monotonic()
    whole = 0.0
    truth: dict[str, object] = {}  # what the screen confirmed saved, question by question
    counts: Counter[str] = Counter()
    run = 0
    while counts["kills"] < KILLS:
        run += 1
        assert run < 3 * KILLS, counts
        term = Term(ws.root, "--site", "成都市", "--redo", "--no-notes", timeout=30)
        delay = rng.uniform(0.1, 0.9) * whole if whole else None
        timer = threading.Timer(delay, os.kill, (term.child.pid, signal.SIGKILL)) \
            if delay is not None else None
        begun = time.monotonic()
        if timer:
            timer.start()
        confirmed, pending = 0, None
        try:
            for qid, how, key, value in _plan(run, rng):
                term.question(qid)
                pending = (qid, value)
                if how == "choose":
                    term.choose(key)
                else:
                    term.type(key)
                term.expect(f"saved {qid} = ")
                truth[qid] = value
                confirmed, pending = confirmed + 1, None
            term.child.expect(pexpect.EOF, timeout=30)
        except AssertionError:
            pass  # killed: the screen ended early
        finally:
            if timer:
                timer.cancel()
            term.child.close(force=True)
        where = f"run {run}, seed {SEED + 2}, kill after {delay or 0:.3f} s"
        stored = {a.question: a.value for a in Store(open_workspace(ws.root, explicit=True))
                  .answers("成都市")}
        if pending and stored.get(pending[0]) == pending[1]:
            truth[pending[0]] = pending[1]  # saved, killed before the screen said so
        lost = {q: (v, stored.get(q)) for q, v in truth.items() if stored.get(q) != v}
        assert not lost, f"{where}: confirmed answers lost (confirmed, stored): {lost}"
        if term.child.signalstatus == signal.SIGKILL:
            counts["kills"] += 1
            if pending:  # killed between the key and the screen's "saved"
                counts["mid-write"] += 1
                counts["=unconfirmed one " + ("saved" if stored.get(pending[0]) == pending[1]
                                              else "not saved")] += 1
            counts[f"={confirmed} confirmed"] += 1
        else:
            assert term.child.exitstatus == 0, (where, term.transcript[-3:])
            counts["finished"] += 1
            whole = min(whole or 1e9, time.monotonic() - begun)
    _report("collect", SEED + 2, counts, started)
    kinds = [k for k in counts if k.endswith(" confirmed")]
    # kills land at several points of the form (a 20-kill smoke run on a busy machine lands
    # most of them before the first answer)
    assert counts["mid-write"] > 0 and len(kinds) > (3 if KILLS >= 100 else 1), counts


# -- monitor tick and monitor start ------------------------------------------------------------

@pytest.mark.parametrize("command", ["tick", "start"])
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_monitor_keeps_every_visit_it_finished(tmp_path: Path, command: str,
                                                        sig: signal.Signals) -> None:
    """Four fast sites and one slow one; killed while the fast visits finish, and later
    while only the slow visit is in flight (cron's `timeout`, systemd's stop)."""
    seed = SEED + 3
    rng = random.Random(f"{seed}-{command}-{sig.name}")
    started = time.monotonic()
    counts: Counter[str] = Counter()
    for run in range(MONITOR_KILLS):
        delay = rng.uniform(0.2, 0.8) if run % 2 == 0 else rng.uniform(1.0, 3.0)
        outcome = kill_monitor(tmp_path / f"run{run}", command, sig, delay)
        where = f"run {run}, seed {seed}: {outcome.describe()}"
        assert not outcome.lost, f"{where}: finished visits lost"
        assert not outcome.phantom, f"{where}: rows for visits the server never completed"
        assert not outcome.late, f"{where}: finished visits not on disk yet"
        if sig == signal.SIGTERM:
            assert outcome.returncode == 130, (where, outcome.stderr)
            assert "Traceback" not in outcome.stderr and outcome.stderr.strip().count(
                "\n") == 0, outcome.stderr
        else:
            assert outcome.returncode == -signal.SIGKILL, where
        counts["kills"] += 1
        counts["served"] += outcome.completed
        counts["due"] += outcome.must
        counts["rows"] += outcome.stored
    print(f"\nmonitor {command} {sig.name}: seed {seed}, {counts['kills']} kills, "
          f"{counts['served']} visits served, {counts['due']} of them {GRACE} s before a "
          f"kill, {counts['rows']} rows, {time.monotonic() - started:.1f} s")
    assert counts["due"] > 0, counts
