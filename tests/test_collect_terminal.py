"""`govaudit collect` driven through a real terminal (pexpect): keys in, store out."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from govaudit.capture.live import CAPTURE_TIMEOUT
from govaudit.probes.registry import probe_result
from govaudit.store import Site, Store

FIXTURE = Path(__file__).parent / "fixtures" / "collect.yaml"
SITES = [("成都市", "http://cd.example/", "city")]
TIMEOUT = 45  # per expected screen; generous for a loaded 2-core machine


class Term:
    """The collect program in a pseudo-terminal, with waits on what the screen says."""

    def __init__(self, cwd: Path, *args: str, timeout: float = TIMEOUT,
                 display: str | None = None, lang: str | None = None) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        if display:
            env["DISPLAY"] = display
        if lang:  # the locale's language (the suite runs in English)
            env.update(LANG=lang, LC_ALL=lang)
        env.update(NO_COLOR="1", PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm",
                   COLUMNS="140", LINES="50", PYTHONUNBUFFERED="1")
        self.child = pexpect.spawn(sys.executable, ["-m", "commands", "collect", *args],
                                   cwd=str(cwd), env=env, encoding="utf-8",
                                   dimensions=(50, 140), timeout=timeout)
        self.transcript: list[str] = []

    def expect(self, text: str, timeout: float = -1) -> None:
        """Wait for `text`, at most `timeout` seconds (-1: the terminal's own timeout)."""
        try:
            self.child.expect_exact(text, timeout=timeout)
        except (pexpect.TIMEOUT, pexpect.EOF):
            raise AssertionError(f"never saw {text!r}; screen ended with:\n"
                                 f"{_plain(self.child.before or '')[-2500:]}") from None
        self.transcript.append(_plain(self.child.before) + text)

    def question(self, qid: str, progress: str | None = None) -> None:
        """Wait for the panel of a question (and its progress, e.g. '2/6')."""
        if progress:
            self.expect(f"question {progress}")
        self.expect(f"{qid} (")

    def choose(self, key: str = "") -> None:
        """Answer a select prompt: a number moves the pointer, Enter takes it."""
        self.expect("Enter · b back")
        if key:
            self.child.send(key)
        self.child.send("\r")

    def key(self, key: str) -> None:
        """A navigation key (b/s/q/c) at a select prompt."""
        self.expect("Enter · b back")
        self.child.send(key)

    def type(self, text: str) -> None:
        """Answer a typed prompt (count or text), or give a :command there."""
        self.expect(":b back")
        self.child.send(text + "\r")

    def note(self, text: str = "") -> None:
        self.expect("note")  # the note prompt (the choices above it say no "note")
        self.child.send(text + "\r")

    def finish(self, timeout: float = -1) -> tuple[int, str]:
        self.child.expect(pexpect.EOF, timeout=timeout)
        rest = _plain(self.child.before or "")
        self.child.close()
        return self.child.exitstatus, "".join(self.transcript) + rest


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def answers(ws) -> dict:
    return {a.question: a for a in Store(ws).answers("成都市")}


@pytest.fixture
def ws(make_workspace):
    return make_workspace(FIXTURE, sites=SITES)


def test_a_session_with_back_skip_logic_graded_count_text_and_notes(ws):
    term = Term(ws.root, "--site", "成都市")
    term.question("disclosure.q1", "1/7")
    term.choose("2")  # 否: the follow-up q2 is hidden
    term.note("导航栏未见专栏")
    term.question("disclosure.q3", "2/6")
    term.type("十二")  # not a number: refused, the prompt stays
    term.expect("a whole number ≥ 0")
    term.child.send("\x15" + "12\r")  # Ctrl-U clears the line
    term.note()
    term.question("disclosure.q4", "3/6")
    term.type(":b")
    term.question("disclosure.q3", "2/6")
    term.expect("current answer: 12个")
    term.type(":b")  # q2 is hidden: back goes to q1
    term.question("disclosure.q1", "1/6")
    term.choose("1")  # 是 now: q2 is asked
    term.note("专栏在页面底部")
    term.expect("saved disclosure.q1 = 是 (was 否)")
    term.question("disclosure.q2", "2/7")
    term.choose("2")  # 中
    term.note("栏目较全")
    term.question("disclosure.q4", "4/7")  # q3 is answered already
    term.type("首页有专栏入口")
    term.note()
    term.question("ipv6.q1", "5/7")
    term.key("s")
    term.question("ipv6.q2", "6/7")
    term.choose("1")
    term.note()
    term.question("innovation.q1", "7/7")
    term.choose("3")  # 差
    term.note()
    status, screen = term.finish()
    assert status == 0, screen
    stored = answers(ws)
    assert {q: a.value for q, a in stored.items()} == {
        "disclosure.q1": "yes", "disclosure.q2": "中", "disclosure.q3": 12,
        "disclosure.q4": "首页有专栏入口", "ipv6.q2": "yes", "innovation.q1": "差"}
    q1 = stored["disclosure.q1"]
    assert q1.note == "专栏在页面底部" and q1.evaluator == "张三"
    assert [h["value"] for h in q1.history] == ["no"] and q1.history[0]["note"] == "导航栏未见专栏"
    assert stored["disclosure.q2"].note == "栏目较全"
    # answered 6, changed 1, skipped 1, unknown 0, notes 2, evidence 0, unanswered 1/7
    assert re.search(r"成都市\s*│\s*6\s*│\s*1\s*│\s*1\s*│\s*0\s*│\s*2\s*│\s*0\s*│\s*1/7", screen)

    again = Term(ws.root)
    again.expect("Resuming 成都市 at question 5/7 (ipv6.q1): 6 of 7 answered already.")
    again.question("ipv6.q1", "5/7")
    again.key("q")
    status, _ = again.finish()
    assert status == 0


def test_sigkill_loses_nothing_and_the_next_run_resumes(ws):
    term = Term(ws.root)
    term.question("disclosure.q1", "1/7")
    term.choose("1")
    term.note()
    term.question("disclosure.q2", "2/7")
    term.choose("1")
    term.note("内容完整")
    term.question("disclosure.q3", "3/7")
    term.type("7")
    term.note()
    term.question("disclosure.q4", "4/7")
    term.expect(":b back")  # the fourth question is on screen: kill the terminal's program
    os.kill(term.child.pid, signal.SIGKILL)
    term.child.expect(pexpect.EOF)
    term.child.close()
    assert term.child.signalstatus == signal.SIGKILL
    stored = answers(ws)
    assert {q: a.value for q, a in stored.items()} == {
        "disclosure.q1": "yes", "disclosure.q2": "好", "disclosure.q3": 7}
    assert stored["disclosure.q2"].note == "内容完整"

    again = Term(ws.root, "--site", "成都市")
    again.expect("Resuming 成都市 at question 4/7 (disclosure.q4): 3 of 7 answered already.")
    again.question("disclosure.q4", "4/7")
    again.type("")  # empty text: skipped
    again.question("ipv6.q1", "5/7")
    again.child.send("\x03")  # Ctrl-C: ends the session, keeps everything
    again.expect("Interrupted")
    status, screen = again.finish()
    assert status == 130
    assert re.search(r"成都市\s*│\s*0\s*│\s*0\s*│\s*1\s*│", screen)  # q4 skipped
    assert len(answers(ws)) == 3


def test_redo_preselects_values_and_keeps_history(ws):
    store = Store(ws)
    store.save_answer("成都市", "ipv6.q1", "ipv6", "yes", "张三")
    store.save_answer("成都市", "ipv6.q2", "ipv6", "no", "张三", note="二级页面不通")
    store.save_probe_results("成都市", map(probe_result, [{
        "probe": "ipv6", "host": "cd.example", "aaaa": ["2001:db8::1"], "has_aaaa": True,
        "reachable": True, "status": 200, "error": "", "site": "成都市",
        "time": "2026-11-22T08:00:00Z"}]))
    term = Term(ws.root, "--site", "成都市", "--indicator", "ipv6", "--redo")
    term.question("ipv6.q1", "1/2")
    term.expect("current answer: 是")
    term.expect("probe suggests 是 — cd.example has AAAA 2001:db8::1; HTTP 200 over IPv6")
    term.choose()  # Enter keeps 是
    term.note()
    term.question("ipv6.q2", "2/2")
    term.expect("current answer: 否")
    term.choose("1")  # 否 -> 是
    term.expect("Enter keeps “二级页面不通”")
    term.child.send("已修复\r")
    term.expect("saved ipv6.q2 = 是 (was 否)")
    status, screen = term.finish()
    assert status == 0
    stored = answers(ws)
    assert stored["ipv6.q1"].value == "yes" and stored["ipv6.q1"].history == []
    q2 = stored["ipv6.q2"]
    assert q2.value == "yes" and q2.note == "已修复"
    assert q2.history == [{"value": "no", "evaluator": "张三", "time": q2.history[0]["time"],
                           "note": "二级页面不通"}]
    assert re.search(r"成都市\s*│\s*2\s*│\s*1\s*│\s*0\s*│", screen)
    # the normal walk has nothing left in this indicator
    done = Term(ws.root, "--site", "成都市", "--indicator", "ipv6")
    done.expect("all 2 questions answered")
    assert done.finish()[0] == 0


def test_without_a_terminal_it_points_to_answer_file(ws):
    result = subprocess.run([sys.executable, "-m", "commands", "collect"], cwd=ws.root,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "govaudit answer --file" in result.stderr
    assert "Traceback" not in result.stderr


def test_open_without_display_captures_headless(ws, serve_dir, tmp_path):
    site = tmp_path / "site"
    (site / "open").mkdir(parents=True)
    (site / "index.html").write_text(
        '<html><head><meta charset="utf-8"><title>成都市人民政府</title></head>'
        '<body><h1>首页</h1><a href="open/">政府信息公开</a></body></html>', encoding="utf-8")
    (site / "open" / "index.html").write_text(
        '<html><head><meta charset="utf-8"><title>政府信息公开专栏</title></head>'
        '<body><h1>政府信息公开</h1><p>法定主动公开内容</p></body></html>', encoding="utf-8")
    base = serve_dir(site)
    Store(ws).add_sites([Site("温江区", f"{base}/", "city")])
    term = Term(ws.root, "--site", "温江区", "--open", timeout=90)
    term.expect("no display here")
    term.expect("Capture headless instead?")
    term.child.send("\r")  # the first choice: yes
    term.question("disclosure.q1", "1/7")
    term.key("c")  # before answering: the capture waits for the answer
    term.expect("Capture which page?")
    term.child.send("\r")  # the checklist page /open/, resolved against the site
    term.expect("captured ev-")
    term.question("disclosure.q1", "1/7")
    term.expect("evidence: 1 capture(s)")
    term.choose("1")
    term.note()
    term.question("disclosure.q2", "2/7")
    term.key("b")
    term.question("disclosure.q1", "1/7")
    term.key("c")  # answered already: linked at once
    term.expect("Capture which page?")
    term.child.send("\x1b[B\x1b[B\r")  # another URL…
    term.expect("URL")
    term.child.send(f"{base}/\r")
    term.expect("captured ev-")
    term.key("q")
    status, screen = term.finish(timeout=90)
    assert status == 0, screen

    store = Store(ws)
    records = store.evidence("温江区")
    assert len(records) == 2
    first, second = records
    assert first["question"] == second["question"] == "disclosure.q1"
    assert first["final_url"] == f"{base}/open/" and first["title"] == "政府信息公开专栏"
    assert second["requested_url"] == f"{base}/" and second["title"] == "成都市人民政府"
    assert first["run"] == second["run"] and first["status"] == 200
    for record in records:
        assert {f["kind"] for f in record["files"]} == {"png", "html", "mhtml"}
        for entry in record["files"]:
            data = (ws.root / entry["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert len(data) == entry["bytes"]
    [answer] = store.answers("温江区")
    assert answer.value == "yes" and answer.evidence == [first["id"], second["id"]]
    assert {(p.url, p.question) for p in store.pages("温江区")} == {
        (f"{base}/open/", "disclosure.q1"), (f"{base}/", "disclosure.q1")}
    manifest = ws.evidence_dir / f"manifest-{first['run']}.json"
    assert manifest.is_file() and "政府信息公开专栏" in manifest.read_text(encoding="utf-8")
    assert re.search(r"温江区\s*│\s*1\s*│\s*0\s*│\s*0\s*│\s*0\s*│\s*0\s*│\s*2\s*│", screen)


@pytest.fixture
def x_display():
    """A virtual X display (Xvfb) for a visible browser; skipped where Xvfb is missing."""
    if not shutil.which("Xvfb"):
        pytest.skip("Xvfb is not installed: the visible-window path needs a display")
    server = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1600x1000x24",
                               "-nolisten", "tcp"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        number = server.stdout.readline().strip()
        assert number.isdigit(), "Xvfb did not report its display"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def test_open_with_a_display_captures_the_page_in_view(ws, serve_dir, tmp_path, x_display):
    site = tmp_path / "site"
    (site / "open").mkdir(parents=True)
    (site / "index.html").write_text("<title>首页</title>", encoding="utf-8")
    (site / "open" / "index.html").write_text(
        '<meta charset="utf-8"><title>政府信息公开专栏</title><p>公开</p>', encoding="utf-8")
    base = serve_dir(site)
    Store(ws).add_sites([Site("温江区", f"{base}/", "city")])
    term = Term(ws.root, "--site", "温江区", "--open", timeout=90, display=x_display)
    term.question("disclosure.q1", "1/7")
    term.key("c")  # the indicator's page opened in its own tab, in front
    # past the tool's own capture limit, so that a stalled capture shows its message
    term.expect("captured ev-", timeout=CAPTURE_TIMEOUT + 30)
    term.key("q")
    status, screen = term.finish(timeout=90)
    assert status == 0, screen
    assert "no display" not in screen
    [record] = Store(ws).evidence("温江区")
    assert record["final_url"] == f"{base}/open/" and record["title"] == "政府信息公开专栏"
    assert record["question"] == "disclosure.q1" and not record["error"]


def test_every_site_in_turn_without_notes(make_workspace):
    ws = make_workspace(FIXTURE, sites=[("成都市", "http://cd.example/", "city"),
                                        ("郫都区", "http://pidu.example/", "county")])
    term = Term(ws.root, "--indicator", "service", "--no-notes")
    term.expect("成都市 (city) · site 1/2 · question 1/2")
    term.choose("1")
    term.expect("成都市 (city) · site 1/2 · question 2/2")
    term.choose("4")  # 无法判断
    term.expect("郫都区 (county) · site 2/2 · question 1/1")  # ipv6.q2 is for cities only
    term.choose("2")
    status, screen = term.finish()
    assert status == 0, screen
    assert "备注" not in screen
    store = Store(ws)
    assert {(a.site, a.question, a.value) for a in store.answers()} == {
        ("成都市", "ipv6.q1", "yes"), ("成都市", "ipv6.q2", "unknown"),
        ("郫都区", "ipv6.q1", "no")}
    assert re.search(r"成都市\s*│\s*2\s*│\s*0\s*│\s*0\s*│\s*1\s*│", screen)  # one unknown
    assert re.search(r"郫都区\s*│\s*1\s*│", screen)
    only_bonus = Term(ws.root, "--indicator", "innovation")
    only_bonus.expect("郫都区: nothing to ask at level county for the chosen indicator(s)")
    only_bonus.question("innovation.q1", "1/1")
    only_bonus.key("q")
    assert only_bonus.finish()[0] == 0


def test_ctrl_d_in_a_typed_answer_ends_like_quit(ws):
    term = Term(ws.root, "--indicator", "disclosure")
    term.question("disclosure.q1", "1/4")
    term.choose("3")  # 不适用: the follow-up (q1 == yes) is not asked
    term.note()
    term.question("disclosure.q3", "2/3")
    term.expect(":b back")
    term.child.sendeof()
    term.expect("Ended: every answer given before this question is saved.")
    status, screen = term.finish()
    assert status == 0, screen
    assert "Traceback" not in screen
    assert {a.question: a.value for a in Store(ws).answers("成都市")} == {"disclosure.q1": "na"}


def test_back_at_the_note_and_skip_logic_says_so(ws):
    term = Term(ws.root, "--site", "成都市")
    term.question("disclosure.q1", "1/7")
    term.choose("2")  # 否
    term.note(":b")  # back: the question's choices again, nothing saved
    term.choose("1")  # 是
    assert "saved disclosure.q1" not in "".join(term.transcript)
    term.note()
    term.expect("saved disclosure.q1 = 是")
    term.question("disclosure.q2", "2/7")
    term.key("b")
    term.question("disclosure.q1", "1/7")
    term.choose("2")  # 否 now: q2 is left out, and the screen says so
    term.note()
    term.expect("skipped disclosure.q2: asked only when q1 == yes")
    term.question("disclosure.q3", "2/6")
    term.type(":q")
    status, screen = term.finish()
    assert status == 0, screen
    stored = answers(ws)
    assert stored["disclosure.q1"].value == "no"
    assert [h["value"] for h in stored["disclosure.q1"].history] == ["yes"]


def test_the_prompts_in_chinese(ws):
    """A Chinese locale: the panel, the choices, the keys, the note, a refused count and the
    summary are in Chinese; the checklist's own text is shown as written."""
    term = Term(ws.root, "--site", "成都市", lang="zh_CN.UTF-8")
    term.expect("问题 1/7")
    term.expect("disclosure.q1 答案")
    term.expect("Enter · b 返回 · s 跳过 · q 退出")
    term.child.send("2\r")  # 否
    term.expect("备注")
    term.child.send("\r")
    term.expect("disclosure.q3 答案")
    term.expect(":b 返回")
    term.child.send("十二\r")
    term.expect("≥ 0 的整数、na 或 unknown")
    term.child.send("\x15:q\r")
    code, screen = term.finish()
    assert code == 0, screen
    assert "本次评估" in screen and "已保存 disclosure.q1 = " in screen
    assert "saved" not in screen and "This session" not in screen
