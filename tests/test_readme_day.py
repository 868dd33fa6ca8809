"""The README's day of an evaluator runs as written, in Chinese (the default language), and
prints no English word apart from ids, URLs, file paths and data."""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

import openpyxl
import pexpect

from govaudit.probes.registry import probe_names
from govaudit.samples import copy_samples
from govaudit.workspace import open_workspace
from tests.conftest import app_commands, run_cli
from tests.english import data_words, english_words
from tests.test_docs import README

README_URL = "http://www.chengdu.gov.cn/"
CHINESE = {"LANG": "zh_CN.UTF-8", "LC_ALL": "zh_CN.UTF-8"}
# ids the output names: the content and conformance checks' kinds, the refusal marks
CHECK_IDS = ("outbound", "metadata", "domain", "certificate", "redirect", "netpolicy", "private",
             "scheme", "accessibility", "agefriendly", "search", "hidden_links", "names",
             "words", "personal", "attachments", "text", "workdays", "lists", "wcag")


def day_block() -> list[str]:
    """The command lines of the first ```sh block after '## A day of an evaluator'."""
    section = README.split("## A day of an evaluator", 1)[1]
    found = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert found, "README.md has no shell block in its day of an evaluator"
    return [line for line in found.group(1).splitlines() if line.strip()]


def collect_in_a_terminal(args: list[str], cwd: Path) -> str:
    """`govaudit collect ARGS` in a pseudo-terminal in Chinese: take the headless browser the
    prompt offers, capture, accept the first question's suggestion, quit. The screen, plain."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(CHINESE, NO_COLOR="1", PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", COLUMNS="140",
               LINES="50", PYTHONUNBUFFERED="1")
    child = pexpect.spawn(sys.executable, ["-m", "commands", *args], cwd=str(cwd), env=env,
                          encoding="utf-8", dimensions=(50, 140), timeout=60)
    screen: list[str] = []

    def wait(text: str) -> None:
        child.expect_exact(text)
        screen.append(child.before + text)

    wait("改用无界面浏览器截图吗")
    wait("回车确定")
    child.send("\r")  # the first choice: yes
    wait("q 退出")
    child.send("c")
    wait("其他网址")  # which of the site's URLs: the first
    child.send("\r")
    wait("已为")
    wait("q 退出")
    child.send("\r")
    wait("备注")
    child.send("\r")
    wait("已保存")
    wait("q 退出")
    child.send("q")
    child.expect(pexpect.EOF)
    screen.append(child.before)
    child.close()
    assert child.exitstatus == 0, "".join(screen)
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", "".join(screen))


def test_the_readme_day_runs_as_written_and_speaks_chinese(tmp_path: Path, serve_dir) -> None:
    sites = tmp_path / "sites"
    copy_samples(sites)
    base = serve_dir(sites)
    assigned = openpyxl.Workbook()
    assigned.active.append(["名称", "网址", "级别"])
    assigned.active.append(["青羊区", f"{base}/neglected/", "区"])
    here = tmp_path
    printed: list[tuple[str, str]] = []
    for line in day_block():
        args = shlex.split(line.replace(README_URL, f"{base}/portal/"), comments=True)
        if args[0] == "cd":
            here = here / args[1]
            assigned.save(here / "assigned.xlsx")  # the list the evaluator was given
            continue
        assert args[0] == "govaudit", line
        if args[1] == "collect":
            printed.append((line, collect_in_a_terminal(args[1:], here)))
            continue
        done = run_cli(*args[1:], cwd=here, env={**CHINESE, "COLUMNS": "200"})
        # check's exit 1 says a site has a problem (the neglected one has), not a failure
        assert done.returncode in ((0, 1) if args[1] == "check" else (0,)), (
            line, done.stdout, done.stderr)
        printed.append((line, done.stdout + done.stderr))
    assert [line for line, _ in printed if "collect" in line], "the day has no collect"
    assert (here / "exports" / "report" / "index.html").is_file()

    checklist = open_workspace(here, explicit=True).checklist
    ids = {*probe_names(), *CHECK_IDS, checklist.id, *(name for path, _c in app_commands()
                                                        for name in path)}
    data = data_words(["青羊区", "成都市", "张三", "audit-2026"])
    ids |= {q.id for q in checklist.questions} | {i.id for i in checklist.indicators}
    data |= data_words([checklist.name, checklist.source, checklist.grades_source,
                        *(i.name for i in checklist.indicators),
                        *(i.description for i in checklist.indicators),
                        *(q.text for q in checklist.questions),
                        *(q.hint for q in checklist.questions)])
    english = [f"{line.split('#')[0].strip()}: {word}" for line, text in printed
               for word in english_words(text, ids=ids, data=data)]
    assert not english, "English in the Chinese day:\n" + "\n".join(english)
