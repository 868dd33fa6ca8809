"""Answers: value spellings, history, all-or-nothing files, durability, locking."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from govaudit.checklist import load_checklist
from govaudit.store import Store
from govaudit.workspace import open_workspace

SITES = [("成都市", "https://www.chengdu.gov.cn", "city"),
         ("郫都区", "http://pidu.example", "county")]


@pytest.mark.parametrize("typed,stored", [
    ("yes", "yes"), ("是", "yes"), ("Y", "yes"), ("1", "yes"), ("√", "yes"),
    ("no", "no"), ("否", "no"), ("n", "no"), ("0", "no"), ("×", "no"),
    ("na", "na"), ("不适用", "na"), ("unknown", "unknown"), ("无法判断", "unknown"),
])
def test_yes_no_spellings(mini_checklist: Path, typed: str, stored: str):
    question = load_checklist(mini_checklist).question("a1.q1")
    assert question.parse_value(typed) == stored


def test_graded_and_count_values(mini_checklist: Path):
    checklist = load_checklist(mini_checklist)
    graded, count = checklist.question("a1.q2"), checklist.question("a1.q3")
    assert graded.parse_value("中") == "中" and graded.parse_value("3") == "差"
    assert count.parse_value("12") == 12 and count.parse_value(7.0) == 7
    for bad, question in (("4", graded), ("很好", graded), ("-1", count), ("1.5", count)):
        with pytest.raises(ValueError, match=question.id):
            question.parse_value(bad)


def test_answer_keeps_history_evaluator_time_note(make_workspace, cli):
    ws = make_workspace(sites=SITES)
    result = cli("answer", "成都市", "a1.q1", "是", "--note", "首页底部有依申请公开入口",
                 cwd=ws.root)
    assert result.exit_code == 0, result.output
    assert cli("answer", "成都市", "a1.q1", "no", cwd=ws.root).exit_code == 0
    [answer] = Store(ws).answers("成都市")
    assert answer.value == "no" and answer.evaluator == "张三"
    assert answer.history[0]["value"] == "yes"
    assert answer.history[0]["note"] == "首页底部有依申请公开入口"
    assert answer.time.endswith("+00:00")


def test_answering_again_keeps_the_note_unless_one_is_given(make_workspace, cli,
                                                             tmp_path: Path):
    ws = make_workspace(sites=SITES)

    def stored() -> tuple[object, str]:
        [answer] = Store(ws).answers("成都市")
        return answer.value, answer.note

    assert cli("answer", "成都市", "a1.q1", "yes", "--note", "首页有栏目",
               cwd=ws.root).exit_code == 0
    same = cli("answer", "成都市", "a1.q1", "yes", cwd=ws.root)
    assert same.exit_code == 0 and stored() == ("yes", "首页有栏目")
    changed = cli("answer", "成都市", "a1.q1", "no", cwd=ws.root)
    assert stored() == ("no", "首页有栏目")
    assert "note kept: 首页有栏目" in " ".join(changed.output.split())
    assert cli("answer", "成都市", "a1.q1", "no", "--note", "栏目已撤", cwd=ws.root).exit_code == 0
    assert stored() == ("no", "栏目已撤")
    assert cli("answer", "成都市", "a1.q1", "no", "--note", "", cwd=ws.root).exit_code == 0
    assert stored() == ("no", "")
    # a file row without a note keeps the stored one, as the command does
    assert cli("answer", "成都市", "a1.q1", "yes", "--note", "又开了", cwd=ws.root).exit_code == 0
    rows = tmp_path / "answers.csv"
    rows.write_text("site,question,value,note\n成都市,a1.q1,yes,\n", encoding="utf-8")
    assert cli("answer", "--file", str(rows), cwd=ws.root).exit_code == 0
    assert stored() == ("yes", "又开了")
    # another evaluator's answer starts without this one's note
    import govaudit

    other = govaudit.Audit.open(ws.root).answer("成都市", "a1.q1", "yes", evaluator="李四")
    assert other.note == ""


def test_an_empty_evaluator_is_refused(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    for blank in ("", "  "):
        result = cli("answer", "成都市", "a1.q1", "yes", "--evaluator", blank, cwd=ws.root)
        assert result.exit_code == 2, result.output
        assert "--evaluator is empty" in result.output
    rows = tmp_path / "answers.csv"
    rows.write_text("site,question,value\n成都市,a1.q1,yes\n", encoding="utf-8")
    result = cli("answer", "--file", str(rows), "--evaluator", "", cwd=ws.root)
    assert result.exit_code == 2 and "--evaluator is empty" in result.output
    assert Store(ws).answers("成都市") == []


def test_a_negative_value_on_the_command_line_is_explained(make_workspace, cli):
    ws = make_workspace(checklist="cstc-2020-local",
                        sites=[("青山县", "http://qs.example.cn/", "county")])
    result = cli("answer", "青山县", "survey-feedback.q1", "-1", cwd=ws.root)
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert "No such option: -1" in out
    assert "answer 青山县 survey-feedback.q1 -- -1" in out, out  # after "govaudit"
    # after --, the value reaches validation, which says what a count may be
    given = cli("answer", "青山县", "survey-feedback.q1", "--", "-1", cwd=ws.root)
    assert given.exit_code == 1
    assert "survey-feedback.q1: '-1' is not a whole number from 0" in given.output
    assert Store(ws).answers("青山县") == []
    # an option that is not a number is still Click's own message
    typo = cli("answer", "青山县", "survey-feedback.q1", "3", "--nite", "x", cwd=ws.root)
    assert typo.exit_code == 2 and "No such option: --nite" in typo.output
    assert "-- -" not in typo.output


def test_bad_single_answers(make_workspace, cli):
    ws = make_workspace(sites=SITES)
    cases = [
        (("nowhere", "a1.q1", "yes"), "unknown site 'nowhere'"),
        (("成都市", "a1.q9", "yes"), "unknown question 'a1.q9'"),
        (("成都市", "a1.q1", "maybe"), "'maybe' is not a yes/no answer"),
        (("成都市", "a1.q3", "lots"), "'lots' is not a whole number"),
    ]
    for args, message in cases:
        result = cli("answer", *args, cwd=ws.root)
        assert result.exit_code == 1, args
        assert message in result.output and "Traceback" not in result.output
    assert Store(ws).answers() == []


def test_bad_answers_are_said_in_chinese_under_the_chinese_interface(make_workspace, cli,
                                                                    tmp_path: Path):
    """The value an evaluator typed wrong, and the file whose rows are wrong, in Chinese."""
    from tests.english import english_words

    ws = make_workspace(sites=SITES)
    cases = [(("成都市", "a1.q1", "maybe"), "a1.q1：'maybe' 不是“是/否”答案"),
             (("成都市", "a1.q2", "棒"), "a1.q2：'棒' 不是 好/中/差 之一"),
             (("成都市", "a1.q3", "lots"), "a1.q3：'lots' 不是0 到 1000000000 之间的整数")]
    for args, message in cases:
        result = cli("--lang", "zh", "answer", *args, cwd=ws.root)
        assert result.exit_code == 1 and message in result.output, result.output
        # the question, what was typed and the values one may type are as they are
        typed = (args[1], args[2], "yes", "no", "na", "unknown", "y", "n")
        assert english_words(result.output, ids=typed) == [], result.output
    bad = tmp_path / "answers.csv"
    bad.write_text("site,question,value,note\n成都市,a1.q1,maybe,\n成都市,a1.q1,yes,\n",
                   encoding="utf-8")
    result = cli("--lang", "zh", "answer", "--file", str(bad), cwd=ws.root)
    assert result.exit_code == 1 and "2 行有错误，未保存任何内容" in result.output, result.output
    assert "第 2 行：a1.q1：'maybe' 不是“是/否”答案" in result.output
    assert Store(ws).answers() == []


def test_answer_file_is_all_or_nothing(make_workspace, cli, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    bad = tmp_path / "answers.csv"
    bad.write_text("site,question,value,note\n"
                   "成都市,a1.q1,yes,ok\n"
                   "成都市,a1.q2,很好,\n"
                   "北京市,a1.q1,yes,\n"
                   "郫都区,a1.q7,no,\n"
                   "成都市,a1.q1,no,again\n", encoding="utf-8")
    result = cli("answer", "--file", str(bad), cwd=ws.root)
    assert result.exit_code == 1
    assert "4 bad row(s), nothing was saved" in result.output
    for row in ("row 3:", "row 4: unknown site '北京市'", "row 5: unknown question 'a1.q7'",
                "row 6: a1.q1 for 成都市 is also in row 2"):
        assert row in result.output
    assert Store(ws).answers() == []
    good = tmp_path / "good.csv"
    good.write_text("site,question,value,note\n成都市,a1.q1,是,首页\n成都市,a1.q3,12,\n"
                    "郫都区,a2.q1,no,\n", encoding="utf-8")
    result = cli("answer", "--file", str(good), cwd=ws.root)
    assert result.exit_code == 0, result.output
    values = {(a.site, a.question): a.value for a in Store(ws).answers()}
    assert values == {("成都市", "a1.q1"): "yes", ("成都市", "a1.q3"): 12,
                      ("郫都区", "a2.q1"): "no"}


def _many_sites_workspace(make_workspace, count: int):
    sites = [(f"站点{i:04d}", f"https://s{i}.example", "city") for i in range(count)]
    return make_workspace(sites=sites), sites


def test_kill_during_bulk_import_leaves_a_loadable_store(make_workspace, tmp_path: Path):
    ws, sites = _many_sites_workspace(make_workspace, 1500)
    rows = ["site,question,value"] + [f"{name},{q},{v}" for name, _, _ in sites
                                      for q, v in (("a1.q1", "yes"), ("a1.q3", "3"),
                                                   ("a2.q1", "no"))]
    data = tmp_path / "bulk.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    folder = ws.data_dir / "answers"
    proc = subprocess.Popen([sys.executable, "-m", "commands", "answer", "--file", str(data)],
                            cwd=ws.root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (folder.is_dir() and any(folder.iterdir())):
        time.sleep(0.002)
    time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    store = Store(open_workspace(ws.root, explicit=True))
    answers = store.answers()  # every file parses
    for path in folder.glob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))
    per_site: dict[str, int] = {}
    for answer in answers:
        per_site[answer.site] = per_site.get(answer.site, 0) + 1
    # killed in the middle of the save: the batch's journal was applied on opening the store
    assert len(per_site) == len(sites), len(per_site)
    assert set(per_site.values()) == {3}
    assert not (ws.data_dir / "journal.json").exists()
    # the next run completes the import
    subprocess.run([sys.executable, "-m", "commands", "answer", "--file", str(data)],
                   cwd=ws.root, check=True, capture_output=True)
    assert len(Store(ws).answers()) == 3 * len(sites)


def test_concurrent_processes_do_not_lose_answers(make_workspace, tmp_path: Path):
    ws = make_workspace(sites=SITES)
    code = """
import sys
from govaudit.store import Store
from govaudit.workspace import open_workspace
store = Store(open_workspace(sys.argv[1], explicit=True))
who = sys.argv[2]
for i in range(60):
    store.save_answer('成都市', 'a1.q3', 'a1', i, who)
"""
    procs = [subprocess.Popen([sys.executable, "-c", code, str(ws.root), who])
             for who in ("甲", "乙", "丙")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    answers = {a.evaluator: a for a in Store(ws).answers("成都市")}
    assert set(answers) == {"甲", "乙", "丙"}
    for answer in answers.values():
        assert answer.value == 59
        assert [h["value"] for h in answer.history] == list(range(59))


def test_store_files_are_replaced_atomically(make_workspace):
    ws = make_workspace(sites=SITES)
    store = Store(ws)
    store.save_answer("成都市", "a1.q1", "a1", "yes", "张三")
    path = next((ws.data_dir / "answers").glob("*.json"))
    before = os.stat(path).st_ino
    store.save_answer("成都市", "a1.q1", "a1", "no", "张三")
    assert os.stat(path).st_ino != before  # a new file renamed over the old one
    assert not list(path.parent.glob(".*.tmp"))
