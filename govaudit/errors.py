"""Errors a user can cause. Commands print their message and exit 1: no traceback.

The messages are in the current language (govaudit.i18n), made when the error is raised.
They say what is wrong, never how to say it on a command line: what the user can do next is a
signal (`hint`, with its `hint_args`), which the front end words (the CLI names its own
options and commands; see commands/hints.py)."""

from __future__ import annotations

from govaudit.i18n import _


class GovauditError(Exception):
    """A problem the user can fix; the message names the file, row, id or URL.

    `hint` names what to do next (an id such as "force" or "allow_private"); `hint_args`
    are its data (the file, the site…). Both are for the front end to word."""

    def __init__(self, *args: object, hint: str | None = None,
                 hint_args: dict[str, object] | None = None) -> None:
        super().__init__(*args)
        self.hint = hint
        self.hint_args = dict(hint_args or {})


class ChecklistError(GovauditError):
    """A checklist file that cannot be used; carries every problem found."""

    def __init__(self, path: str, problems: list[str], hint: str | None = None,
                 hint_args: dict[str, object] | None = None) -> None:
        self.path = path
        self.problems = problems
        listed = "\n".join(f"  {p}" for p in problems)
        super().__init__(_("{path}: {count} problem(s)\n{listed}").format(
            path=path, count=len(problems), listed=listed), hint=hint, hint_args=hint_args)


class RowsError(GovauditError):
    """An input file rejected as a whole, with every bad row listed."""

    def __init__(self, path: str, problems: list[str], what: str | None = None,
                 footer: str = "") -> None:
        self.path = path
        self.problems = problems
        listed = "\n".join(f"  {p}" for p in problems)
        what = _("nothing was imported") if what is None else what
        super().__init__(_("{path}: {count} bad row(s), {what}\n{listed}").format(
            path=path, count=len(problems), what=what, listed=listed)
                         + (f"\n{footer}" if footer else ""))


class OptionError(GovauditError):
    """A bad value for a named setting: a parameter of the library, an option of the CLI.

    The message names the setting as the library does (`samples`); the CLI shows
    it as its option (`--samples`) and exits 2, as for any usage error.
    """

    def __init__(self, field: str, detail: str, hint: str | None = None,
                 hint_args: dict[str, object] | None = None) -> None:
        self.field = field
        self.detail = detail
        super().__init__(f"{field} {detail}", hint=hint, hint_args=hint_args)


class UsageError(GovauditError):
    """A value given on the command line (a name, an argument) that cannot be used: exit 2."""


class ConflictError(UsageError):
    """Two settings given together that exclude each other (`fields`, as the library names
    them): the CLI names its options."""

    def __init__(self, *fields: str) -> None:
        self.fields = fields
        super().__init__(_("give only one of: {fields}").format(fields=", ".join(fields)))
