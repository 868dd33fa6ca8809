"""The checks together from govaudit.toml [content]: bad input is a reason, the batch goes on."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest

from govaudit.content.attachments import Attachment
from govaudit.content.checker import ContentChecker
from govaudit.content.html_blocks import page_text
from govaudit.content.model import InputProblem, PageText, TextBlock
from govaudit.content.names import NearMiss
from govaudit.content.personal import PersonalData
from govaudit.content.settings import ContentSettings
from govaudit.content.words import WordHit
from govaudit.errors import OptionError
from tests.content_helpers import EXAMPLES, ON, id_number

TOML = """
[content]
names = ["lists/names.yaml", "lists/undated.yaml"]
words = ["lists/words.yaml", "lists/gbk.txt"]
confusions = "lists/confusions.txt"
holidays = "lists/holidays.yaml"
max_page_chars = 100000

[[content.messages]]
name = "某CMS"
item = "div.xf > div.row"
asked = "i.d1"
answered = ["已反馈"]
"""


@pytest.fixture
def checker(tmp_path: Path) -> ContentChecker:
    lists = tmp_path / "lists"
    shutil.copytree(EXAMPLES, lists)
    (lists / "undated.yaml").write_text("kind: names\npeople: [张三丰]\n", encoding="utf-8")
    (lists / "gbk.txt").write_bytes("# valid_from: 2026-01-01\n# valid_until: 2026-12-31\n"
                                    "测试词\n".encode("gbk"))
    settings = ContentSettings.from_toml(tomllib.loads(TOML)["content"], tmp_path)
    assert settings.messages[0].answered == ("已反馈",)
    return ContentChecker(settings, ON)


def test_lists_that_cannot_be_used_are_reasons_and_the_others_are_used(checker):
    reasons = sorted(p.reason for p in checker.problems)
    assert len(reasons) == 2
    assert "gbk.txt: not UTF-8 text (it looks like GBK/GB18030)" in reasons[0]
    assert "undated.yaml: no valid_from or valid_until" in reasons[1]
    html = ("<html><body><p>市委书记张三风在会上讲话，文中有测试词。</p>"
            f"<table><tr><td>张三</td><td>{id_number()}</td></tr></table>"
            "<img src='a.png' alt='示例市人民政府办工室'></body></html>")
    found = checker.check_page(page_text(html, "http://127.0.0.1/a.html"))
    kinds = sorted(type(f).__name__ for f in found)
    assert kinds == ["NearMiss", "NearMiss", "PersonalData", "WordHit"]
    alt = next(f for f in found if isinstance(f, NearMiss) and f.found.endswith("办工室"))
    assert alt.evidence.path.endswith("img:nth-child(3)[alt]")


def test_a_page_of_a_million_characters_is_checked_in_part_and_said(checker):
    text = "政务公开" * 250_000 + "测试词"
    found = checker.check_page(PageText("http://127.0.0.1/big", (TextBlock(text, "p"),)))
    [cut] = [f for f in found if isinstance(f, InputProblem)]
    assert "1,000,003 characters of text; only the first 100,000 were checked" in cut.reason
    assert not [f for f in found if isinstance(f, WordHit)]


def test_an_attachment_is_read_and_checked_and_a_bad_one_is_a_reason(checker):
    files = Path(__file__).parent / "content_corpus" / "files"
    found = checker.check_attachment(Attachment(
        "名单.xls", (files / "list-plain.xls").read_bytes(), "http://127.0.0.1/f/名单.xls"))
    personal = [f for f in found if isinstance(f, PersonalData)]
    assert len(personal) == 6
    assert personal[0].evidence.path == "名单.xls: sheet 公示名单 row 3"
    assert personal[0].evidence.url == "http://127.0.0.1/f/名单.xls"
    bad = checker.check_attachment(Attachment("坏.docx", b"PK\x03\x04broken"))
    assert [type(f).__name__ for f in bad] == ["InputProblem"]


def test_bad_settings_name_the_setting(tmp_path: Path):
    with pytest.raises(OptionError, match="content.max_page_chars must be a whole number"):
        ContentSettings.from_toml({"max_page_chars": "many"}, tmp_path)
    with pytest.raises(OptionError, match="content.messages #1 needs at least item and asked"):
        ContentSettings.from_toml({"messages": [{"item": "li"}]}, tmp_path)


def test_the_readme_script_runs_as_written(tmp_path: Path):
    """The script of the README's "Content checks" section, run by a real interpreter."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Content checks\n", 1)[1].split("\n## ", 1)[0]
    script = section.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "lists").mkdir()
    today = date.today()
    for name in ("names.yaml", "words.yaml", "confusions.txt"):
        text = (EXAMPLES / name).read_text(encoding="utf-8")
        text = re.sub(r"valid_from: \S+", f"valid_from: {today - timedelta(days=1)}", text)
        text = re.sub(r"valid_until: \S+", f"valid_until: {today + timedelta(days=1)}", text)
        (tmp_path / "lists" / name).write_text(text, encoding="utf-8")
    idn = id_number()
    page = f"<p>市委书记张三风讲话，文中有测试词。</p><p>身份证号{idn}</p>"
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["names", "words", "personal"]
    assert "张三风 should be 张三丰" in lines[0]
    assert "> p:nth-child(1) | 市委书记张三风讲话" in lines[0]  # where, and the text around it
    assert idn not in done.stdout and f"{idn[:6]}********{idn[-4:]}" in lines[2]
