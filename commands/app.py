"""The `govaudit` entry point: registers each command module."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import typer
from typer._click.exceptions import UsageError as ClickUsageError
from typer.core import TyperCommand

from govaudit.i18n import LANGUAGES, N_, _, choose

from . import answer, backup, checklist, init, review, score, server, sites, status
from . import check as check_command
from . import collect as collect_command
from . import demo as demo_command
from . import doctor as doctor_command
from . import evidence as evidence_command
from . import export as export_command
from . import import_workbook as import_command
from . import log as log_command
from . import monitor as monitor_command
from . import report as report_command
from . import sync as sync_command
from .common import GovauditCommand, GovauditGroup, ValueCommand, err_console, report_error
from .usage import show_usage_error

# The commands in the order of an evaluator's day, under the panel help lists them in.
DAY = [
    (N_("Set up"), ["init", "doctor", "checklist", "sites"]),
    (N_("Assess the sites"), ["check", "evidence", "collect", "answer", "status"]),
    (N_("Results and the team"), ["score", "review", "adjudicate", "export", "import", "report",
                                  "log", "backup", "sync", "server"]),
    (N_("Over weeks"), ["monitor"]),
    (N_("Try it"), ["demo"]),
]
ORDER = [name for _panel, names in DAY for name in names]


class LazyCommands(MutableMapping[str, Any]):
    """The root's commands, each built by typer the first time it is asked for: building all
    of them (their parameters read from the functions' annotations) took most of
    `govaudit --help`'s start-up, and a command needs only its own."""

    def __init__(self) -> None:
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in ORDER:
                raise KeyError(name)
            self._built[name] = _build(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter([*ORDER, *(n for n in self._built if n not in ORDER)])

    def __len__(self) -> int:
        return len(list(iter(self)))

    @property
    def built(self) -> list[str]:
        """The commands built so far."""
        return list(self._built)


class RootGroup(GovauditGroup):
    """govaudit itself: its commands listed in the order of the day (DAY), each built when it
    is used (LazyCommands)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands()

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The commands under their panels, from their help alone (none is built)."""
        self.list_panels(formatter, [(name, _listing(name)) for name in ORDER])

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # the language, before any help is written or message shown: --lang, the
        # workspace's `language`, the locale, else Chinese
        choose(args)
        try:
            return super().parse_args(ctx, args)
        except ClickUsageError as exc:
            show_usage_error(exc, err_console)
            raise typer.Exit(2) from None


app = typer.Typer(
    cls=RootGroup,
    help=N_("Evaluate government websites by hand, with evidence: checklists, screenshots, "
            "probes, scores and the team's Excel workbook."),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# each command's help: the msgid its module marks (HELP), shown translated
HELPS = {"init": init.HELP, "check": check_command.HELP, "collect": collect_command.HELP,
         "answer": answer.HELP, "status": status.HELP, "score": score.HELP,
         "import": import_command.HELP, "report": report_command.HELP,
         "doctor": doctor_command.HELP, "demo": demo_command.HELP, "backup": backup.HELP,
         "sync": sync_command.HELP, "review": review.REVIEW_HELP,
         "adjudicate": review.ADJUDICATE_HELP}
COMMANDS: dict[str, Callable[..., Any]] = {
    "init": init.init, "check": check_command.check, "collect": collect_command.collect,
    "answer": answer.answer, "status": status.status, "score": score.score,
    "import": import_command.import_workbook, "report": report_command.report,
    "doctor": doctor_command.doctor, "demo": demo_command.demo, "backup": backup.backup,
    "sync": sync_command.sync,
    "review": review.review, "adjudicate": review.adjudicate,
}
# answer takes values such as -1 (after --); check lists the probes in its help
COMMAND_CLASSES: dict[str, type[TyperCommand]] = {"answer": ValueCommand,
                                                  "adjudicate": ValueCommand,
                                                  "check": check_command.CheckCommand}
DEFAULT_CLASS = GovauditCommand  # help in the current language
GROUPS = {
    "sites": sites.app, "monitor": monitor_command.app, "evidence": evidence_command.app,
    "export": export_command.app, "checklist": checklist.app, "server": server.app,
    "log": log_command.app,
}
PANELS = {name: panel for panel, names in DAY for name in names}


def _build(name: str) -> Any:
    """The click command of one of the root's commands, as typer makes it."""
    if name in GROUPS:
        command: Any = typer.main.get_group(GROUPS[name])
        command.name = name
    else:
        one = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                          rich_markup_mode=None)
        one.command(name, help=HELPS[name], cls=COMMAND_CLASSES.get(name, DEFAULT_CLASS))(
            COMMANDS[name])
        command = typer.main.get_command(one)
    command.rich_help_panel = PANELS[name]
    return command


def _listing(name: str) -> Any:
    """What the root's help lists of a command: its name, help and panel, not built."""
    help = GROUPS[name].info.help if name in GROUPS else HELPS[name]
    return DEFAULT_CLASS(name, help=help if isinstance(help, str) else None,
                         rich_help_panel=PANELS[name])


def _show_version(value: bool) -> None:
    if value:
        from govaudit import __version__

        typer.echo(f"govaudit {__version__}")
        raise typer.Exit()


def _check_language(value: str | None) -> str | None:
    if value is not None and value not in LANGUAGES:
        raise typer.BadParameter(_("{value!r} is not one of: en, zh").format(value=value))
    return value


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help=N_("Show the version and exit."),
                                 is_eager=True, callback=_show_version),
    lang: str | None = typer.Option(
        None, "--lang", metavar="<en|zh>", callback=_check_language, show_default=False,
        help=N_("The language of messages and help: zh (the default) or en; else the "
                "workspace's `language`, else the locale (LANG=en_US.UTF-8 is English).")),
) -> None:
    # the language was chosen from the arguments before they were parsed (RootGroup)
    pass


def undecodable_argument(args: list[str]) -> str | None:
    """Why an argument cannot be used, when one holds bytes that are not UTF-8 text.

    Python keeps such bytes (a name typed in GBK or Latin-1, a file name from another
    system) as lone surrogates; they cannot be stored, written or shown. One message,
    naming the argument as its bytes, before any command runs.
    """
    for number, arg in enumerate(args, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError as exc:
            raw = os.fsencode(arg)
            bad = arg[exc.start].encode("utf-8", "surrogateescape")
            shown = raw.decode("ascii", "backslashreplace")
            return _("argument {number} ({shown}) is not UTF-8 text (byte 0x{byte:02X}); "
                     "give names and paths in UTF-8 (rename a file whose name is in another "
                     "encoding); nothing was done").format(number=number, shown=shown,
                                                           byte=bad[0])
    return None


def main() -> None:
    choose(sys.argv[1:])
    problem = undecodable_argument(sys.argv[1:])
    if problem is not None:
        report_error(problem)
        sys.exit(2)
    app()
