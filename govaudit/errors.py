"""Errors a user can cause. Commands print their message and exit 1: no traceback.

The messages are in the current language (govaudit.i18n), made when the error is raised."""

from __future__ import annotations

from govaudit.i18n import _


class GovauditError(Exception):
    """A problem the user can fix; the message names the file, row, id or URL."""


class ChecklistError(GovauditError):
    """A checklist file that cannot be used; carries every problem found."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        listed = "\n".join(f"  {p}" for p in problems)
        super().__init__(_("{path}: {count} problem(s)\n{listed}").format(
            path=path, count=len(problems), listed=listed))


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

    def __init__(self, field: str, detail: str) -> None:
        self.field = field
        self.detail = detail
        super().__init__(f"{field} {detail}")


class UsageError(GovauditError):
    """A value given on the command line (a name, an argument) that cannot be used: exit 2."""
