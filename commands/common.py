"""What every command shares: the workspace option, consoles, clean errors."""

from __future__ import annotations

import errno
import json
import os
import re
import shlex
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from typer._click.exceptions import UsageError as ClickUsageError
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandFunctionType

from commands.hints import error_text
from commands.usage import show_usage_error
from govaudit.errors import GovauditError, OptionError, UsageError
from govaudit.i18n import N_, _

if TYPE_CHECKING:
    from govaudit import Audit

    from .console import SafeConsole


class _LazyConsole:
    """A SafeConsole made when first used: `govaudit --help` does not import rich."""

    def __init__(self, **settings: Any) -> None:
        self._settings = settings
        self._console: SafeConsole | None = None

    def _made(self) -> SafeConsole:
        if self._console is None:
            from .console import SafeConsole

            self._console = SafeConsole(**self._settings)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self._made(), name)

    # rich's Live (under Progress) buffers its last frame in `with console:`
    def __enter__(self) -> Any:
        return self._made().__enter__()

    def __exit__(self, *exc: object) -> None:
        self._made().__exit__(*exc)


console = cast("SafeConsole", _LazyConsole(highlight=False, soft_wrap=True, markup=False))
err_console = cast("SafeConsole", _LazyConsole(stderr=True, highlight=False, soft_wrap=True,
                                               markup=False))

WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w",
                 help=N_("Workspace folder (default: the nearest one upwards)."),
                 show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help=N_("Print JSON instead of a table."))]
# score and report: ranks within groups, or grade bands in 行政区划 order (CSTC from 2023)
PublishOption = Annotated[str | None, typer.Option(
    "--publish", metavar="<ranks|bands>",
    help=N_("ranks: dense ranks within each ranking group; bands: each grade band's sites in "
            "行政区划 order, as CSTC published from 2023 (default: the checklist's publish)."),
    show_default=False)]
# the team server (sync, score, report, server …): a libpq service, else the environment
ServiceOption = Annotated[str | None, typer.Option(
    "--service", metavar="<name>", help=N_("The libpq service to connect through (default: "
    "[server] service of govaudit.toml, else PGHOST, PGUSER… of the environment)."),
    show_default=False)]
ServerOption = Annotated[bool, typer.Option(
    "--server", help=N_("Read the answers and sites from the team server (as your role may "
    "see them), not this workspace: the team's live progress."))]
# the monitoring's window (monitor status/apply, report, export): a duration back from now
MonitorWindowOption = Annotated[str | None, typer.Option(
    "--window", metavar="<duration>", help=N_("The monitoring window shown, back from now "
                                              "(e.g. 7d, 90d, 3600s; default 7d)."),
    show_default=False)]


def duration(value: str, option: str, allow_zero: bool = False) -> float:
    """Seconds in a duration option (5s, 30m, 7d…); a usage error naming the option."""
    from govaudit import parse_duration

    try:
        return parse_duration(value, allow_zero=allow_zero)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=f"'{option}'") from None


def window_seconds(value: str | None) -> float | None:
    return None if value is None else duration(value, "--window")


@contextmanager
def sigterm_as_ctrl_c() -> Iterator[None]:
    """SIGTERM (systemd's stop, `timeout` in cron) stops as Ctrl-C does: what is done is saved."""
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def report_error(message: str) -> None:
    err_console.print(_("error: {message}").format(message=message), style="red", markup=False)


def print_notices(notices: list[str], warnings: list[str], limit: int = 50) -> None:
    """What a reader did about a file (`note:`, the first `limit`), then its warnings."""
    for notice in notices[:limit]:
        console.print(_("note: {notice}").format(notice=notice), markup=False)
    if len(notices) > limit:
        console.print(_("note: … and {count} more").format(count=len(notices) - limit),
                      markup=False)
    for warning in warnings:
        console.print(_("warning: {warning}").format(warning=warning), markup=False,
                      style="yellow")


# Library parameters whose option is spelled otherwise.
# typer's own words in a help record, which it writes in English
_HELP_WORDS = (("[default: ", N_("[default: ")), ("; default: ", N_("; default: ")),
               ("[required]", N_("[required]")), ("; required]", N_("; required]")))
# the help of the options typer and click add
N_("Show this message and exit.")
N_("Install completion for the current shell.")
N_("Show completion for the current shell, to copy it or customize the installation.")


@contextmanager
def translated(*holders: Any) -> Iterator[None]:
    """The `help` of commands and parameters in the current language while help is written:
    the help given in the code is the catalogs' msgid (marked with N_())."""
    saved = [(h, h.help) for h in holders if getattr(h, "help", None)]
    for holder, text in saved:
        holder.help = _(text)
    try:
        yield
    finally:
        for holder, text in saved:
            holder.help = text


# click's words in a usage line
USAGE_PIECES = {"[OPTIONS]": N_("[OPTIONS]"), "COMMAND [ARGS]...": N_("COMMAND [ARGS]...")}


class TranslatedHelp:
    """Help written in the current language: the command's help, its options' and arguments'
    help, the usage line and the section titles (the language is chosen before help is
    written: i18n.choose)."""

    help: str | None

    def format_help_text(self, ctx: Any, formatter: Any) -> None:
        with translated(self):
            super().format_help_text(ctx, formatter)  # type: ignore[misc]

    def get_short_help_str(self, limit: int = 45) -> str:
        with translated(self):
            return cast(str, super().get_short_help_str(limit))  # type: ignore[misc]

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        pieces = [_(USAGE_PIECES.get(piece, piece))
                  for piece in self.collect_usage_pieces(ctx)]  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_("Usage: "))

    def format_options(self, ctx: Any, formatter: Any) -> None:
        records: dict[str, list[tuple[str, str]]] = {"argument": [], "option": []}
        for param in self.get_params(ctx):  # type: ignore[attr-defined]
            with translated(param):
                record = param.get_help_record(ctx)
            if record is not None and param.param_type_name in records:
                name, text = record
                for word, msgid in _HELP_WORDS:
                    text = text.replace(word, _(msgid))
                records[param.param_type_name].append((name, text))
        for kind, title in (("argument", _("Arguments")), ("option", _("Options"))):
            if records[kind]:
                with formatter.section(title):
                    formatter.write_dl(records[kind])
        if hasattr(self, "format_commands"):
            self.format_commands(ctx, formatter)


class GovauditCommand(TranslatedHelp, TyperCommand):
    """A command whose help is shown in the current language."""


class GovauditTyper(typer.Typer):
    """A Typer whose commands are GovauditCommands unless given another class."""

    def command(self, *args: Any, cls: type[TyperCommand] | None = None,
                **kwargs: Any) -> Callable[[CommandFunctionType], CommandFunctionType]:
        return super().command(*args, cls=cls or GovauditCommand, **kwargs)


class GovauditGroup(TranslatedHelp, TyperGroup):
    """Turns a GovauditError or a file-system error anywhere below into one message, exit 1."""

    # What to do about the errors a full disk, a read-only or locked-down folder cause.
    OS_HINTS = {
        errno.ENOSPC: N_("free some space, then run the command again"),
        errno.EDQUOT: N_("free some space or ask for a larger quota, then run the command "
                         "again"),
        errno.EFBIG: N_("free some space or raise the file-size limit, then run the command "
                        "again"),
        errno.EROFS: N_("work in a copy of the workspace on a writable disk"),
        errno.EACCES: N_("check who owns the folder and its permissions"),
        errno.EPERM: N_("check who owns the folder and its permissions"),
        errno.ENAMETOOLONG: N_("use a shorter name or a shorter folder path"),
    }

    def invoke(self, ctx: Any) -> Any:  # click's Context, which typer vendors
        try:
            return super().invoke(ctx)
        except ClickUsageError as exc:
            show_usage_error(exc, err_console)
            raise typer.Exit(2) from None
        except (OptionError, UsageError) as exc:
            report_error(error_text(exc))
            raise typer.Exit(2) from None
        except GovauditError as exc:
            report_error(error_text(exc))
            raise typer.Exit(1) from None
        except OSError as exc:
            report_error(self.os_error_message(exc))
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            report_error(_("interrupted; everything saved before this point is kept"))
            raise typer.Exit(130) from None

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The commands under their help panels (rich_help_panel), in listed order."""
        self.list_panels(formatter, [(name, self.get_command(ctx, name))
                                     for name in self.list_commands(ctx)])

    @staticmethod
    def list_panels(formatter: Any, commands: list[tuple[str, Any]]) -> None:
        """(name, command) under their panels, names padded to one column."""
        panels: dict[str, list[tuple[str, Any]]] = {}
        for name, cmd in commands:
            if cmd is not None and not cmd.hidden:
                panel = _(getattr(cmd, "rich_help_panel", None) or N_("Commands"))
                panels.setdefault(panel, []).append((name, cmd))
        if not panels:
            return
        width = max(len(n) for rows in panels.values() for n, _ in rows)
        limit = formatter.width - 6 - width
        for panel, rows in panels.items():
            with formatter.section(panel):  # names padded: one column across the panels
                formatter.write_dl([(n.ljust(width), c.get_short_help_str(limit))
                                    for n, c in rows])

    @classmethod
    def os_error_message(cls, exc: OSError) -> str:
        """One line: the file, what went wrong, what to do."""
        message = exc.strerror or str(exc) or type(exc).__name__
        hint = cls.OS_HINTS.get(exc.errno or 0)
        if hint:
            message += f": {_(hint)}"
        where = exc.filename
        if isinstance(where, (str, bytes, os.PathLike)):
            path = Path(os.fsdecode(where))
            # An atomic writer's temporary file: the folder is what the user can act on.
            if path.name.startswith(".") and path.name.endswith(".tmp"):
                message = _("{folder}: cannot write a file there ({problem})").format(
                    folder=path.parent, problem=message)
            else:
                message = f"{path}: {message}"
        # what the writer says became of the data, else the rule every writer keeps
        outcome = "; ".join(getattr(exc, "__notes__", ())) or \
            _("what was saved before is unchanged")
        return _("{message}; {outcome}").format(message=message, outcome=outcome)


_NUMBER = re.compile(r"-\d[\d.]*")
_SHELL_SPECIAL = re.compile(r"[\s'\"\\$`&|;<>()*?\[\]{}#~!]")


def _shell_word(text: str) -> str:
    """`text` as typed in a shell: quoted only where the shell would split or expand it (a
    Chinese name stays as it is)."""
    return shlex.quote(text) if not text or _SHELL_SPECIAL.search(text) else text


class ValueCommand(GovauditCommand):
    """A command given values that may start with '-' (a count of -1): Click reads '-1' as an
    option; its error then says to put '--' before the value, with the command line that does."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        given = list(args)  # the parser consumes `args`
        try:
            return super().parse_args(ctx, args)
        except Exception as exc:  # click's NoSuchOption (typer vendors click)
            option = getattr(exc, "option_name", None)
            if isinstance(option, str) and _NUMBER.fullmatch(option) and option in given:
                at = given.index(option)
                rest = given[at:]
                if any(t.startswith("-") and not _NUMBER.fullmatch(t) for t in rest):
                    line = f"{ctx.command_path} [OPTIONS] … -- {option}"  # options go first
                else:
                    line = " ".join([ctx.command_path, *map(_shell_word, given[:at]), "--", *rest])
                exc.message = _(  # type: ignore[attr-defined]
                    "No such option: {option}. A value that starts with '-' goes after '--', "
                    "the options before it: {line}").format(option=option, line=line)
            raise


def new_app(help_text: str) -> typer.Typer:
    """A group of commands; `help_text` marked with N_() (translated when shown)."""
    return GovauditTyper(cls=GovauditGroup, help=help_text, no_args_is_help=True,
                         pretty_exceptions_enable=False, rich_markup_mode=None)


def here(path: Path) -> Path:
    """A path typed on the command line, from the folder the command runs in (the library
    reads a relative path from the workspace folder)."""
    return path.expanduser().absolute()


def open_audit(workspace: Path | None) -> Audit:
    """The workspace of --workspace, or the nearest one upwards."""
    from govaudit import Audit

    return Audit.open(workspace)


def print_json(data: Any) -> None:
    """JSON on stdout; DEL and C1 characters, which JSON leaves raw, as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    sys.stdout.write(re.sub("[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")
