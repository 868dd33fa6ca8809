"""Usage errors exit 2 with one message and no traceback, for every command and subcommand.

The commands are walked from the app object, so that a new command is covered as soon as it
is registered: an unknown option, a missing argument, an option without its value and a
value of the wrong type. Options that cannot go together are listed by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from commands.app import app
from tests.conftest import AppRunner, app_commands

COMMANDS = list(app_commands())
IDS = [" ".join(path) or "govaudit" for path, _ in COMMANDS]


def _usage_error(args: list[str], cwd: Path) -> str:
    """Run `govaudit ARGS` in process from `cwd`; it must exit 2 with one message."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        result = AppRunner().invoke(app, args)
    shown = f"govaudit {' '.join(args)}:\n{result.output}"
    assert isinstance(result.exception, SystemExit), (shown, result.exception)
    assert result.exit_code == 2, shown
    assert "Traceback" not in result.output, shown
    errors = [line for line in result.output.splitlines()
              if line.startswith(("Error:", "error:"))]
    assert len(errors) == 1, shown
    return errors[0]


def test_every_command_is_walked() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"answer", "export", "export merge", "monitor tick", "evidence attach",
            "checklist import", "sites import"} <= names
    assert {"init", "export merge", "evidence attach"} <= {" ".join(p) for p, _ in REQUIRED}
    assert {"check", "evidence", "monitor tick"} <= {" ".join(p) for p, _ in VALUED}


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_unknown_option_exits_2(path: tuple[str, ...], command: Any, tmp_path: Path) -> None:
    assert "No such option" in _usage_error([*path, "--no-such-option"], tmp_path)


REQUIRED = [(path, command) for path, command in COMMANDS
            if any(p.required for p in command.params)]
# options that take a value (not flags)
VALUED = [(path, [p for p in command.params if p.param_type_name == "option" and not p.is_flag
                  and p.opts[0].startswith("--")]) for path, command in COMMANDS]
VALUED = [(path, options) for path, options in VALUED if options]


@pytest.mark.parametrize(("path", "command"), REQUIRED, ids=[" ".join(p) for p, _ in REQUIRED])
def test_missing_argument_exits_2(path: tuple[str, ...], command: Any, tmp_path: Path) -> None:
    assert "Missing" in _usage_error(list(path), tmp_path)


@pytest.mark.parametrize(("path", "options"), VALUED,
                         ids=[" ".join(p) or "govaudit" for p, _ in VALUED])
def test_option_without_its_value_or_of_the_wrong_type_exits_2(
        path: tuple[str, ...], options: list[Any], tmp_path: Path) -> None:
    for option in options:
        assert "requires an argument" in _usage_error([*path, option.opts[0]], tmp_path)
        if option.type_descriptor.annotation in (int, float, int | None, float | None):
            message = _usage_error([*path, option.opts[0], "many"], tmp_path)
            assert option.opts[0] in message, message


# what cannot go together, and what is needed, that the parser cannot tell
CONFLICTS = [
    ["answer"],
    ["answer", "成都市"],
    ["answer", "成都市", "a1.q1"],
    ["answer", "--file", "answers.csv", "成都市", "a1.q1", "yes"],
    ["export", "-o", "a.xlsx", "--into", "b.xlsx"],
    ["check", "--rerun"],
    ["evidence", "--cdp-endpoint", "http://127.0.0.1:9222", "--browser-endpoint",
     "ws://127.0.0.1:3000/"],
]


@pytest.mark.parametrize("args", CONFLICTS, ids=[" ".join(a) for a in CONFLICTS])
def test_conflicting_or_incomplete_arguments_exit_2(args: list[str], make_workspace,
                                                    tmp_path: Path) -> None:
    """Inside a workspace and outside one: the usage is checked before the workspace."""
    ws = make_workspace(sites=[("成都市", "https://www.chengdu.gov.cn/", "city")])
    inside = _usage_error(args, ws.root)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert _usage_error(args, outside) == inside
    assert "workspace" not in inside


@pytest.mark.parametrize("args", [
    ["score", "--no-such-option"], ["sites", "add"], ["no-such-command"],
    ["answer", "a", "b", "c", "d"], ["check", "--depth", "x"], ["monitor", "status", "--window"],
    ["--no-such-option"]], ids=" ".join)
def test_usage_errors_are_chinese_by_default(args: list[str], tmp_path: Path) -> None:
    """click's own words (usage, where help is, the error) in the default language."""
    from tests.conftest import run_cli
    from tests.english import english_words

    done = run_cli(*args, cwd=tmp_path, env={"LANG": "zh_CN.UTF-8", "LC_ALL": "zh_CN.UTF-8"})
    assert done.returncode == 2, done.stderr
    assert "错误：" in done.stderr and "Traceback" not in done.stderr, done.stderr
    # ids: the commands' names and their parameters' (click names a missing one by its name)
    ids = {*args, *(name for path, _c in COMMANDS for name in path),
           *(p.name for _p, command in COMMANDS for p in command.params if p.name)}
    assert not english_words(done.stdout + done.stderr, ids=ids), done.stderr
