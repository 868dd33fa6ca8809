"""The README is the manual: every command and option is in it, and its reference is current.

The command reference at the end of README.md is written by cog from the CLI's own
--help. After changing a command, run `.venv/bin/cog -r README.md`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cogapp import Cog

from commands.app import app
from tests.conftest import AppRunner, app_commands

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


COMMANDS = list(app_commands())


def _guide() -> str:
    """The README without its generated reference: the part people write."""
    return README.split("<!-- [[[cog", 1)[0]


@pytest.mark.parametrize("path", [" ".join(p) for p, _ in COMMANDS if p])
def test_every_command_is_explained(path: str):
    assert re.search(rf"govaudit {re.escape(path)}\b", _guide()), (
        f"'govaudit {path}' is not explained in README.md")


@pytest.mark.parametrize("path,option", [
    (" ".join(p), opt) for p, command in COMMANDS for param in command.params
    if param.param_type_name == "option" and not getattr(param, "hidden", False)
    for opt in param.opts if opt.startswith("--") and p
    and opt not in ("--help", "--version", "--install-completion", "--show-completion")])
def test_every_option_is_in_the_reference(path: str, option: str):
    section = README.split(f"### govaudit {path}\n", 1)
    assert len(section) == 2, f"README.md has no reference section for 'govaudit {path}'"
    assert option in section[1].split("\n### ", 1)[0], (
        f"'govaudit {path} {option}' is missing from README.md; run .venv/bin/cog -r README.md")


def test_the_reference_is_current():
    status = Cog().main(["cog", "--check", str(ROOT / "README.md")])
    assert status == 0, "README.md's reference is out of date: run .venv/bin/cog -r README.md"


def reference() -> str:
    """The README's command reference: each command's --help, as the CLI prints it."""
    runner = AppRunner()
    out = []
    for path, _command in COMMANDS:
        if not path:
            continue
        result = runner.invoke(app, ["--lang", "en", *path, "--help"], prog_name="govaudit",
                               terminal_width=100,
                               env={"COLUMNS": "100", "TERM": "dumb"})
        out.append(f"### govaudit {' '.join(path)}\n\n```\n{result.output.rstrip()}\n```\n")
    return "\n".join(out)


def probe_table() -> str:
    """docs/probes.md's table of the registered probes, as the registry declares them."""
    from govaudit.probes import registry

    rows = ["| probe | finds | `auto:` keys it answers | reads |", "| --- | --- | --- | --- |"]
    rows += [f"| `{p.name}` | {p.title} | {', '.join(f'`{k}`' for k in p.answers)} | "
             f"{', '.join(p.reads)} |" for p in registry.probes()]
    return "\n".join(rows) + "\n"


def test_the_probe_table_is_current():
    status = Cog().main(["cog", "--check", str(ROOT / "docs" / "probes.md")])
    assert status == 0, "docs/probes.md's probe table is out of date: run .venv/bin/cog -r " \
                        "docs/probes.md"


def test_help_lists_the_commands_in_the_order_of_the_day():
    text = AppRunner().invoke(app, ["--help"]).output
    panels = ["Set up:", "Assess the sites:", "Results and the team:", "Over weeks:", "Try it:"]
    assert [text.index(p) for p in panels] == sorted(text.index(p) for p in panels)
    names = [line.split()[0] for line in text.split("Set up:", 1)[1].splitlines()
             if line.startswith("  ")]
    assert names == ["init", "doctor", "checklist", "sites", "check", "evidence", "collect",
                     "answer", "status", "score", "review", "adjudicate", "export", "import",
                     "report", "log", "backup", "sync", "server", "monitor", "demo"]
    # one column for the descriptions across the panels
    starts = {line.index(line.split()[1]) for line in text.split("Set up:", 1)[1].splitlines()
              if line.startswith("  ")}
    assert len(starts) == 1


def test_help_shows_every_value_one_way():
    """Every option's value and argument is shown as <kind> (`--site <name>`, `<path>`),
    never in a second style such as NAME or DIR."""
    runner = AppRunner()
    for path, command in COMMANDS:
        if getattr(command, "commands", None):
            continue
        shown = runner.invoke(app, [*path, "--help"], terminal_width=200).output
        options = shown.split("Options:", 1)[-1]
        assert not re.findall(r"--[a-z-]+ [A-Z]{2,}\b", options), (path, options)
