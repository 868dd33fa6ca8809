"""Messages in Chinese by default and in English on request, from gettext catalogs that are
complete and compiled."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from govaudit import glossary, i18n
from govaudit.errors import ChecklistError, GovauditError, OptionError, RowsError, UsageError
from tests.conftest import FIXTURES, app_commands

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "govaudit" / "locale"
CJK = re.compile(r"[\u4e00-\u9fff]")
# babel.cfg and the Makefile's keywords
METHODS = [("govaudit/**.py", "python"), ("commands/**.py", "python"),
           ("govaudit/report/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
            "NP_": ((1, "c"), 2)}


def _catalog(lang: str):
    with open(LOCALE / i18n.CATALOGS[lang] / "LC_MESSAGES" / "govaudit.po", "rb") as f:
        return read_po(f)


@pytest.fixture
def language():
    """Set the language for one test; the locale's afterwards."""
    yield i18n.set_language
    i18n.set_language(None)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_compiled_catalogs_are_those_of_the_po_files(lang):
    """The .mo files are committed: each must be what `make messages` compiles from its .po."""
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(lang))
    mo = LOCALE / i18n.CATALOGS[lang] / "LC_MESSAGES" / "govaudit.mo"
    assert mo.read_bytes() == compiled.getvalue(), f"{mo} is stale: run make messages"


def test_every_message_in_the_code_has_its_chinese():
    """Every message the code marks (_, N_, ngettext, pgettext, NP_) is in the Chinese catalog
    with a translation (run make messages, then translate what it added)."""
    zh = _catalog("zh")
    found = {(context, msgid if isinstance(msgid, str) else msgid[0])
             for _file, _line, msgid, _comments, context in
             extract_from_dir(ROOT, METHODS, keywords=KEYWORDS)}
    untranslated = []
    for context, msgid in sorted(found, key=str):
        message = zh.get(msgid, context=context)
        text = message.string if message is not None else ""
        text = text if isinstance(text, str) else text[0]
        if not text or (message is not None and message.fuzzy):
            untranslated.append((context, msgid))
    assert not untranslated, f"{len(untranslated)} without Chinese: {untranslated[:10]}"


def test_every_help_is_in_chinese_and_in_english(cli):
    """Each command's --help: in zh every option's help has Chinese and the titles are
    Chinese; in en no Chinese but what the messages quote (省/市/县, 行政区划…)."""
    for path, _command in app_commands():
        zh = cli("--lang", "zh", *path, "--help")
        assert zh.exit_code == 0, (path, zh.output)
        assert "用法：" in zh.output and "选项" in zh.output, path
        for line in zh.output.splitlines():
            if re.match(r"\s{2}(-\w|--\w)", line) and "  " in line.strip():
                assert CJK.search(line), f"govaudit {' '.join(path)} --help: {line!r}"
        en = cli("--lang", "en", *path, "--help")
        assert "Usage:" in en.output and "Options" in en.output, path
        assert "用法" not in en.output and "显示本帮助" not in en.output, path


def test_the_language_comes_from_the_option_the_workspace_or_the_locale(tmp_path,
                                                                        monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    try:
        assert i18n.choose([], tmp_path) == "en"
        monkeypatch.setenv("LANG", "C.UTF-8")
        assert i18n.choose([], tmp_path) == "zh"  # neither English nor Chinese: Chinese
        monkeypatch.setenv("LC_ALL", "en_GB.UTF-8")
        assert i18n.choose([], tmp_path) == "en"  # LC_ALL before LANG
        (tmp_path / "govaudit.toml").write_text('language = "zh"\n', encoding="utf-8")
        (tmp_path / "sub").mkdir()
        assert i18n.choose([], tmp_path / "sub") == "zh"  # the workspace's, upwards
        assert i18n.choose(["--lang", "en", "status"], tmp_path) == "en"
        assert i18n.choose(["-w", str(tmp_path), "status"], ROOT) == "zh"
        assert i18n.choose(["--lang=zh"], ROOT) == "zh"
    finally:
        i18n.set_language(None)


def test_the_workspace_language_applies_to_the_cli(cli, make_workspace):
    ws = make_workspace()
    config = ws.root / "govaudit.toml"
    config.write_text('language = "zh"\n' + config.read_text(encoding="utf-8"),
                      encoding="utf-8")
    out = cli("status", cwd=ws.root).output
    assert "网站" in out and "级别" in out, out
    assert "site" in cli("--lang", "en", "status", cwd=ws.root).output


def test_every_error_class_in_both_languages(language):
    """Each message is made in the language of the moment the error is raised."""
    cases = {"zh": ("c.yaml：1 个问题", "s.csv：1 行有错误，未导入任何内容"),
             "en": ("c.yaml: 1 problem(s)", "s.csv: 1 bad row(s), nothing was imported")}
    for lang, (checklist, rows) in cases.items():
        language(lang)
        assert str(ChecklistError("c.yaml", ["a"])).startswith(checklist)
        assert str(RowsError("s.csv", ["row 2: x"])).startswith(rows)
    # the others carry the message they are given (each raise translates its own)
    for cls in (GovauditError, UsageError):
        assert str(cls("x")) == "x"
    assert str(OptionError("samples", "must be ≥ 1")) == "samples must be ≥ 1"


def test_one_name_for_each_thing(language):
    language("zh")
    assert [glossary.level(x) for x in ("province", "city", "county")] == ["省级", "市级", "县级"]
    assert [glossary.verdict(x) for x in ("ok", "warning", "veto", "insufficient-data")] == \
        ["正常", "预警", "单项否决", "数据不足"]
    assert (glossary.term("provisional"), glossary.term("unknown"),
            glossary.term("broken link")) == ("暂定", "无法判断", "失效链接")
    assert glossary.level("county", "en") == "county"
    language("en")
    assert glossary.verdict("insufficient-data") == "insufficient data"
    assert glossary.level("zz") == "zz"  # an id without a name is shown as it is


def test_every_check_a_probe_writes_has_a_name(language):
    """The report names each content and conformance check (隐藏链接, not hidden-links): every
    check id written in the probes' code is in the glossary."""
    checks = Path(__file__).parent.parent / "govaudit" / "probes" / "checks"
    written = set()
    for module in ("content.py", "conformance.py"):
        source = (checks / module).read_text("utf-8")
        written |= set(re.findall(r'(?:\brow|CheckRow|passed|not_checked)\("([a-z][a-z0-9.-]*)"',
                                  source))
        written |= set(re.findall(r'\("([a-z][a-z0-9.-]*)", found\.', source))
    assert {"names", "hidden-links", "https.certificate", "zoom"} <= written
    language("zh")
    unnamed = sorted(c for c in written if glossary.check(c) == c or glossary.check(c).isascii()
                     and c not in ("https.hsts", "ipv6"))
    assert not unnamed, unnamed
    assert glossary.check("hidden-links") == "隐藏链接"
    assert glossary.check("hidden-links", "en") == "hidden links"


def test_messages_that_use_a_term_use_its_one_name():
    """A Chinese message whose English says 'provisional' or 'broken link' says 暂定 or 失效链接
    (or takes the term as a placeholder)."""
    for message in _catalog("zh"):
        english = message.id if isinstance(message.id, str) else message.id[0]
        chinese = message.string if isinstance(message.string, str) else message.string[0]
        for word, name in (("provisional", "暂定"), ("broken link", "失效链接")):
            if message.id and word in english.lower() and "{" + word not in english:
                assert name in chinese, (english, chinese)


def test_the_main_flows_in_chinese(cli, make_workspace):
    ws = make_workspace()
    question = ws.checklist.questions[0].id
    site = cli("--lang", "zh", "sites", "add", "成都市", "http://cd.example/", "--level", "市",
               cwd=ws.root)
    assert "已添加 成都市（市级）" in site.output, site.output
    cli("--lang", "zh", "answer", "成都市", question, "yes", cwd=ws.root)
    again = cli("--lang", "zh", "answer", "成都市", question, "no", cwd=ws.root)
    assert "（原为 " in again.output, again.output
    score = cli("--lang", "zh", "score", cwd=ws.root).output
    assert "网站" in score and "级别" in score and "市级" in score, score
    error = cli("--lang", "zh", "answer", "成都市", cwd=ws.root)
    assert error.exit_code == 2
    assert "错误：用法：govaudit answer 网站 问题 值" in error.output, error.output
    missing = cli("--lang", "zh", "answer", "无此网站", question, "yes", cwd=ws.root)
    assert missing.exit_code == 1 and "错误：" in missing.output


def test_command_output_in_chinese(cli, make_workspace, tmp_path):
    """What checklist validate, export and import print, in Chinese."""
    ws = make_workspace()
    valid = cli("--lang", "zh", "checklist", "validate", str(FIXTURES / "mini.yaml"), cwd=ws.root)
    assert valid.exit_code == 0 and "：有效 — " in valid.output and "个指标" in valid.output, \
        valid.output
    out = tmp_path / "out.xlsx"
    written = cli("--lang", "zh", "export", "-o", str(out), cwd=ws.root)
    assert written.exit_code == 0 and f"已写入 {out}" in written.output, written.output
    imported = cli("--lang", "zh", "import", str(out), cwd=ws.root)
    assert imported.exit_code == 0 and "导入 0 个答案" in imported.output, imported.output
    assert "Imported" not in imported.output


def test_the_core_signals_and_the_cli_words_the_option(cli, make_workspace, tmp_path, language):
    """The core's message names no option or command; the CLI adds them, in its language."""
    from govaudit.errors import GovauditError
    from govaudit.tables import read_grids

    table = tmp_path / "sites.csv"
    table.write_text("名称,网址,级别\n", encoding="utf-8")
    language("en")
    with pytest.raises(GovauditError) as raised:
        read_grids(table, sheet="Sheet1")
    assert "--sheet" not in str(raised.value)
    assert (raised.value.hint, raised.value.hint_args) == ("drop_sheet", {"sheet": "Sheet1"})
    ws = make_workspace()
    cli("sites", "add", "成都市", "http://cd.example/", "--level", "city", cwd=ws.root)
    en = cli("--lang", "en", "answer", "成都市", "zz.q9", "yes", cwd=ws.root)
    assert en.exit_code == 1
    assert "unknown question 'zz.q9'" in en.output
    assert "; 'govaudit checklist show' lists them" in en.output, en.output
    zh = cli("--lang", "zh", "answer", "成都市", "zz.q9", "yes", cwd=ws.root)
    assert "未知问题 'zz.q9'（指标体系 " in zh.output, zh.output
    assert "；'govaudit checklist show' 可列出全部" in zh.output, zh.output
    csv = cli("--lang", "zh", "sites", "import", str(table), "--sheet", "Sheet1", cwd=ws.root)
    assert "CSV 文件没有工作表；去掉 --sheet Sheet1" in csv.output, csv.output


def test_a_refusal_is_known_by_its_mark_in_either_language(language):
    """Whether a destination was refused is decided by a mark no language changes, and the
    recorded reason names no CLI option."""
    from govaudit.netpolicy import refusal_text, refused_private, scheme_refusal

    for lang in i18n.LANGUAGES:
        language(lang)
        private = refusal_text(("http", "10.0.0.1", 80), "10.0.0.1", redirect=True)
        scheme = scheme_refusal("ftp://example.org/x")
        assert refused_private(private) and refused_private(scheme), (private, scheme)
        assert "--" not in private + scheme
        assert ("已拒绝" in private) == (lang == "zh") and "[netpolicy:private]" in private
    assert not refused_private("connection refused")
    # what earlier versions recorded is still read as a refusal
    assert refused_private("redirect to a private address 10.0.0.1 (http://10.0.0.1) refused; "
                           "--allow-private allows it")
