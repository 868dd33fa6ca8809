"""Data safety of the store and the terminal: file names, atomic batches, counts, escapes."""

from __future__ import annotations

import json
import random
import re
import shutil
import signal
import subprocess
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govaudit.errors import GovauditError
from govaudit.filenames import safe_name
from govaudit.model import Evidence
from govaudit.probes.checks.ipv6 import Ipv6Result
from govaudit.store import Site, Store
from govaudit.workspace import open_workspace
from tests.conftest import GOVAUDIT, kills, run_cli, run_govaudit

# "a/b" becomes "a_b-c14cddc0", which is also a plain site name
TWINS = [("a/b", "https://ab.example", "city"), ("a_b-c14cddc0", "https://abc.example", "city")]


def _fold(name: str) -> str:
    """How a disk that ignores case and normalisation compares names (canonical caseless)."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


# -- point 1: one file per site, never shared ------------------------------------------------

def test_point1_sites_whose_file_names_collided_keep_their_own_answers(make_workspace, cli):
    ws = make_workspace(sites=TWINS)
    for site, value in (("a/b", "yes"), ("a_b-c14cddc0", "no")):
        for question in ("a1.q1", "a2.q1"):
            result = cli("answer", site, question, value, cwd=ws.root)
            assert result.exit_code == 0, result.output
    store = Store(ws)
    assert {(a.question, a.value) for a in store.answers("a/b")} == {("a1.q1", "yes"),
                                                                  ("a2.q1", "yes")}
    assert {(a.site, a.value) for a in store.answers("a_b-c14cddc0")} == {
        ("a_b-c14cddc0", "no")}
    assert len(store.answers()) == 4
    scored = json.loads(cli("score", "--json", cwd=ws.root).output)["sites"]
    a2 = {s["site"]: s["indicators"]["a2"] for s in scored}
    assert a2 == {"a/b": 4, "a_b-c14cddc0": 0}


def test_point1_evidence_and_probe_records_stay_with_their_site(make_workspace):
    ws = make_workspace(sites=TWINS)
    store = Store(ws)
    store.add_evidence([Evidence("ev-1", "", "a/b", question="a1.q1")])
    store.add_evidence([Evidence("ev-2", "", "a_b-c14cddc0", question="a1.q1")])
    store.save_probe_results("a/b", [Ipv6Result(reachable=True)])
    store.save_probe_results("a_b-c14cddc0", [Ipv6Result(reachable=False)])
    assert [r["id"] for r in store.evidence("a/b")] == ["ev-1"]
    assert [r["id"] for r in store.evidence("a_b-c14cddc0")] == ["ev-2"]
    assert sorted(r["id"] for r in store.evidence()) == ["ev-1", "ev-2"]
    assert store.probe_results("a/b")["ipv6"].reachable is True
    assert store.probe_results("a_b-c14cddc0")["ipv6"].reachable is False
    # linking evidence to a question's answers touches only that site's answers
    store.save_answer("a/b", "a1.q1", "a1", "yes", "张三")
    store.save_answer("a_b-c14cddc0", "a1.q1", "a1", "no", "张三")
    assert store.link_evidence("a/b", "a1.q1", "ev-1") == 1
    assert store.answers("a_b-c14cddc0")[0].evidence == []
    assert store.delete_answers("a_b-c14cddc0", ["a1.q1"], "张三") == 1
    assert [a.value for a in store.answers("a/b")] == ["yes"]


CLASHES = [
    ("A", "a"), ("Beijing", "beijing"), ("ß", "ss"), ("\u212a", "k"),  # Kelvin sign, k
    ("\u00e9", "e\u0301"),  # é written NFC and NFD
    ("a/b", "a_b-c14cddc0"), ("a/b", "A_B-C14CDDC0"), ("站", "站-" + "0" * 8),
    ("con", "_con"), ("x" * 200, "x" * 201), ("\uf900", "\u8c48"),  # compatibility ideograph
]


@pytest.mark.parametrize("first,second", CLASHES)
def test_point1_file_names_differ_on_case_and_normalisation_insensitive_disks(
        first: str, second: str):
    assert _fold(safe_name(first)) != _fold(safe_name(second))


NAME_CHARS = st.sampled_from("aAbB/_-. 0c1de9fé\u0301ßsK\u212a站\uf900") | st.characters(
    exclude_categories=("Cs",))


@settings(max_examples=300, deadline=None)
@given(st.text(NAME_CHARS, min_size=1, max_size=12))
def test_point1_file_names_never_fold_together(name: str):
    """A name, its case and normalisation variants, and its own file name as a site name."""
    variants = {name, name.upper(), name.lower(), name.casefold(), safe_name(name),
                safe_name(name).upper(), *(unicodedata.normalize(form, name)
                                           for form in ("NFC", "NFD", "NFKC"))}
    folded = {_fold(safe_name(v)) for v in variants}
    assert len(folded) == len(variants), variants


def test_point1_a_site_whose_file_name_would_collide_is_refused(make_workspace, cli, tmp_path):
    # two names that differ only in characters a file name cannot hold, with the same
    # 8-hex hash: found by a search, as an attacker would
    first, second = "站/</:|", "站:/|?/"
    assert safe_name(first) == safe_name(second)
    ws = make_workspace(sites=[(first, "https://one.example", "city")])
    with pytest.raises(GovauditError, match="would share") as caught:
        Store(ws).add_sites([Site(second, "https://t.example", "city")])
    assert first in str(caught.value) and second in str(caught.value)
    assert [s.name for s in Store(ws).sites()] == [first]
    sites = tmp_path / "sites.csv"
    sites.write_text(f"name,url,level\n{second},https://t.example,city\n", encoding="utf-8")
    result = cli("sites", "import", str(sites), "--yes", cwd=ws.root)
    assert result.exit_code == 1 and "would share" in result.output


def test_point1_a_record_in_another_site_file_is_not_returned(make_workspace):
    ws = make_workspace(sites=[("甲市", "https://a.example", "city"),
                               ("乙市", "https://b.example", "city")])
    store = Store(ws)
    store.save_answer("甲市", "a1.q1", "a1", "yes", "张三")
    store.add_evidence([Evidence("ev-1", "", "甲市")])
    for kind in ("answers", "evidence"):
        folder = ws.data_dir / kind
        shutil.copy(folder / f"{safe_name('甲市')}.json", folder / f"{safe_name('乙市')}.json")
    assert store.answers("乙市") == [] and store.evidence("乙市") == []
    assert len(store.answers()) == 1 and len(store.evidence()) == 1
    # a save for 乙市 keeps the stray record where it is, unreturned and not overwritten
    store.save_answer("乙市", "a1.q1", "a1", "no", "张三")
    assert {(a.site, a.value) for a in store.answers()} == {("甲市", "yes"), ("乙市", "no")}


def _legacy_file(path: Path, table: str, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({table: {str(i): r for i, r in enumerate(records, 1)}},
                               ensure_ascii=False), encoding="utf-8")


def _answer(site: str, question: str, value: object) -> dict:
    return {"site": site, "question": question, "indicator": question.split(".")[0],
            "value": value, "evaluator": "张三", "time": "2026-01-01T00:00:00.000+00:00",
            "note": "", "evidence": [], "history": []}


def test_point1_workspace_written_by_the_earlier_naming_still_loads(make_workspace):
    """Files named by the earlier rule ('Beijing.json', one shared 'a_b-c14cddc0.json')."""
    ws = make_workspace(sites=[*TWINS, ("Beijing", "https://bj.example", "city")])
    data = ws.data_dir
    _legacy_file(data / "answers" / "Beijing.json", "answers", [_answer("Beijing", "a1.q1", "yes")])
    _legacy_file(data / "answers" / "a_b-c14cddc0.json", "answers",
                 [_answer("a/b", "a1.q1", "yes"), _answer("a_b-c14cddc0", "a2.q1", "no")])
    _legacy_file(data / "evidence" / "Beijing.json", "evidence",
                 [{"id": "ev-1", "site": "Beijing"}])
    _legacy_file(data / "probes" / "Beijing.json", "probes",
                 [{"probe": "ipv6", "reachable": True, "site": "Beijing"}])
    store = Store(ws)
    assert [(a.question, a.value) for a in store.answers("Beijing")] == [("a1.q1", "yes")]
    assert [(a.question, a.value) for a in store.answers("a/b")] == [("a1.q1", "yes")]
    assert [(a.question, a.value) for a in store.answers("a_b-c14cddc0")] == [("a2.q1", "no")]
    assert len(store.answers()) == 3
    assert [r["id"] for r in store.evidence("Beijing")] == ["ev-1"]
    assert store.probe_results("Beijing")["ipv6"].reachable is True
    # the next save moves the site to its own file and keeps what was there
    store.save_answer("Beijing", "a1.q1", "a1", "no", "张三")
    store.save_answer("a_b-c14cddc0", "a1.q1", "a1", "yes", "张三")
    [beijing] = store.answers("Beijing")
    assert beijing.value == "no" and [h["value"] for h in beijing.history] == ["yes"]
    assert {(a.question, a.value) for a in store.answers("a_b-c14cddc0")} == {
        ("a2.q1", "no"), ("a1.q1", "yes")}
    assert [(a.question, a.value) for a in store.answers("a/b")] == [("a1.q1", "yes")]
    assert len(store.answers()) == 4


# -- point 4: answer --file applies the whole file or nothing --------------------------------

RUN_SITES = [(f"站点{i:02d}", f"https://s{i}.example", "city") for i in range(20)]
RUN_QUESTIONS = ("a1.q1", "a1.q2", "a1.q3", "a2.q1", "b1.q1")


def _run_file(folder: Path, run: int) -> Path:
    """~100 answers over 20 sites; every note names the run."""
    values = {"a1.q1": "yes", "a1.q2": "好中差"[run % 3], "a1.q3": str(run),
              "a2.q1": "no" if run % 2 else "yes", "b1.q1": "优差"[run % 2]}
    rows = ["site,question,value,note"] + [f"{site},{q},{values[q]},run{run}"
                                           for site, _, _ in RUN_SITES for q in RUN_QUESTIONS]
    path = folder / f"run{run}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _answer_files(data: Path) -> dict[str, int]:
    folder = data / "answers"
    return {p.name: p.stat().st_ino for p in folder.glob("*.json")} if folder.is_dir() else {}


def _interrupt_loop(ws, tmp_path: Path, sig: int, runs: int, seconds: float) -> int:
    """Interrupt `answer --file` runs with `sig`; after each, that file is all there or absent.

    The signal lands, in turn: just after the first answers file was replaced (inside
    the save), just after the batch's journal appeared, or at a random moment of a run.
    Returns how many runs died with their batch half applied (and were finished later).
    """
    rng = random.Random(sig * 1000 + runs)
    total = len(RUN_SITES) * len(RUN_QUESTIONS)
    started = time.monotonic()
    # the real program: the runs below are killed by signals, and this one sets their pace
    assert run_govaudit("answer", "--file", str(_run_file(tmp_path, 0)), cwd=ws.root
                        ).returncode == 0
    whole = time.monotonic() - started  # how long one run takes on this machine
    cut = 0
    for run in range(1, runs):
        if time.monotonic() - started > seconds:
            break
        path = _run_file(tmp_path, run)
        before = _answer_files(ws.data_dir)
        proc = subprocess.Popen([*GOVAUDIT, "answer", "--file", str(path)], cwd=ws.root,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        waits = (lambda before=before: _answer_files(ws.data_dir) != before,
                 lambda: any(ws.data_dir.glob("*journal*")), None)
        until = waits[run % 3]
        if until is None:
            time.sleep(rng.uniform(0.3, 1.1) * whole)
        else:
            deadline = time.monotonic() + 30
            while proc.poll() is None and time.monotonic() < deadline and not until():
                time.sleep(0.0005)
            time.sleep(rng.uniform(0, 0.005))
        if proc.poll() is None:
            proc.send_signal(sig)
        proc.wait(timeout=30)
        cut += (ws.data_dir / "journal.json").exists()
        answers = Store(open_workspace(ws.root, explicit=True)).answers()
        mine = sum(a.note == f"run{run}" for a in answers)
        assert mine in (0, total), f"run {run}: {mine} of {total} answers applied"
        assert len(answers) == total
        assert not list(ws.data_dir.glob("*journal*"))
    return cut


@pytest.mark.kill_loop
def test_point4_answer_file_is_all_or_nothing_under_sigkill(make_workspace, tmp_path: Path):
    _interrupt_loop(make_workspace(sites=RUN_SITES), tmp_path, signal.SIGKILL, kills(40), 45)


@pytest.mark.kill_loop
def test_point4_answer_file_is_all_or_nothing_under_ctrl_c(make_workspace, tmp_path: Path):
    _interrupt_loop(make_workspace(sites=RUN_SITES), tmp_path, signal.SIGINT, kills(15), 25)


# -- point 9: counts are bounded at the door, and a stored monster is a clear error ----------

def test_point9_huge_count_is_refused_at_the_door(make_workspace, cli, mini_checklist,
                                                  tmp_path: Path):
    from govaudit.checklist import load_checklist

    count = load_checklist(mini_checklist).question("a1.q3")
    assert count.parse_value("1000000000") == 10**9 and count.parse_value(10**9) == 10**9
    for bad in ("1" * 400, "9" * 5000, str(10**9 + 1), 10**400, 1e300, float("inf")):
        with pytest.raises(ValueError, match=r"a1\.q3.*1000000000"):
            count.parse_value(bad)
    ws = make_workspace(sites=[("成都市", "https://www.chengdu.gov.cn", "city")])
    result = cli("answer", "成都市", "a1.q3", "1" * 400, cwd=ws.root)
    assert result.exit_code == 1 and "a1.q3" in result.output
    assert "1000000000" in result.output and "Traceback" not in result.output
    rows = tmp_path / "answers.csv"
    rows.write_text(f"site,question,value\n成都市,a1.q1,yes\n成都市,a1.q3,{'1' * 400}\n",
                    encoding="utf-8")
    result = cli("answer", "--file", str(rows), cwd=ws.root)
    assert result.exit_code == 1 and "row 3: a1.q3" in result.output
    assert Store(ws).answers() == []


@pytest.mark.parametrize("command", [("score",), ("status",), ("export",), ("report",)])
def test_point9_huge_count_already_stored_gives_a_clear_error(make_workspace, cli, command):
    ws = make_workspace(sites=[("成都市", "https://www.chengdu.gov.cn", "city")])
    Store(ws).save_answer("成都市", "a1.q3", "a1", int("1" * 400), "张三")  # an old workspace
    result = cli(*command, cwd=ws.root)
    assert result.exit_code == 1, result.output
    assert "成都市" in result.output and "a1.q3" in result.output
    assert "Traceback" not in result.output and "OverflowError" not in result.output


# -- point 10: no control character reaches the terminal -------------------------------------

EVIL = "evil\x1b]0;pwned\x07\x1b[2J"
SHOWN = "evil\\x1b]0;pwned\\x07\\x1b[2J"


def _clean(result: subprocess.CompletedProcess) -> str:
    out = result.stdout + result.stderr
    for raw in ("\x1b", "\x07", "\x9b"):
        assert raw not in out, (raw, out)
    return out


def test_point10_control_characters_are_escaped_in_every_output(tmp_path: Path, mini_checklist):
    def run(*args: str, cwd: Path = tmp_path) -> subprocess.CompletedProcess:
        return run_cli(*args, cwd=cwd, env={"COLUMNS": "200"})

    for name in ("one", "two"):
        assert run("init", name, "--checklist", str(mini_checklist), "--evaluator", "张三"
                   ).returncode == 0
    one, two = tmp_path / "one", tmp_path / "two"
    sites = tmp_path / "sites.csv"
    sites.write_text(f"name,url,level\n{EVIL},https://evil.example,city\n"
                     "c1\x9b2J,https://c1.example,city\n", encoding="utf-8")
    out = _clean(run("sites", "import", str(sites), cwd=one))
    assert "2 added, 0 changed" in out
    assert run("answer", EVIL, "a1.q1", "yes", "--note", "n\x1b[31m", cwd=one).returncode == 0
    for command in (("sites", "list"), ("status",), ("score",), ("answer", EVIL, "a1.q3", "3")):
        out = _clean(run(*command, cwd=one))
        assert SHOWN in out, (command, out)
        assert "c1\\x9b2J" in out or command[0] == "answer", (command, out)
    out = _clean(run("answer", EVIL, "a1.q9", "yes", cwd=one))  # an error naming the site
    assert "a1.q9" in out
    exported = run("export", cwd=one)
    assert exported.returncode == 0, exported.stderr
    # a teammate's workbook whose site cells spell the control characters as _x001B_
    [book] = (one / "exports").glob("*.xlsx")
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(hostile, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b"evil]0;pwned[2J",
                                    b"evil_x001B_]0;pwned_x0007__x001B_[2J")
            target.writestr(item, data)
    out = _clean(run("import", str(hostile), "--add-sites", cwd=two))
    assert "Added 1 site(s)" in out and SHOWN in out
    listed = run("sites", "list", "--json", cwd=two)
    assert [s["name"] for s in json.loads(_clean(listed))["sites"]] == [EVIL]


def test_point10_console_escapes_text_and_table_cells():
    from rich.table import Table
    from rich.text import Text

    from commands.console import SafeConsole

    table = Table("site", "note")
    table.add_row("a\x1b[2Jb", Text("c\x1b]0;x\x07d", style="red"))
    table.add_row(Text.assemble(("x\x1b", "bold"), ("\x9by", "green")), "plain")
    shown = {}
    for terminal in (False, True):
        console = SafeConsole(width=80, force_terminal=terminal, highlight=False, markup=False,
                              color_system="standard" if terminal else None)
        with console.capture() as captured:
            console.print(table)
            console.print("e\x1b[31mf", Text("g\x00h"), "[link=https://x.example]i[/link]")
        shown[terminal] = captured.get()
    plain = shown[False]
    assert "\x1b" not in plain and "\x07" not in plain and "\x9b" not in plain
    for text in ("│ a\\x1b[2Jb  │ c\\x1b]0;xd │", "│ x\\x1b\\x9by │ plain      │",
                 "e\\x1b[31mf g\\x00h [link=https://x.example]i[/link]"):
        assert text in plain, (text, plain)
    # on a terminal the only escapes are the console's own colours
    assert "\x1b" not in re.sub(r"\x1b\[[0-9;]*m", "", shown[True])
