"""Errors a user can cause. Commands print their message and exit 1: no traceback.

The messages are in the current language (govaudit.i18n), made when the error is raised.
They say what is wrong, never how to say it on a command line: what the user can do next is a
signal (`hint`, with its `hint_args`), which the front end words (the CLI names its own
options and commands; see commands/hints.py)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

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
                 footer: str = "", total: int | None = None) -> None:
        """`total`: the problems found, when `problems` lists only the first of them."""
        self.path = path
        self.problems = problems
        listed = "\n".join(f"  {p}" for p in problems)
        what = _("nothing was imported") if what is None else what
        counted = (_("{path}: {count} bad row(s), {what}") if total is None
                   else _("{path}: {count} problem(s), {what}")).format(
            path=path, count=len(problems) if total is None else total, what=what)
        super().__init__(f"{counted}\n{listed}" + (f"\n{footer}" if footer else ""))


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
    """Settings that exclude each other (`fields`, as the library names them) given together,
    or, with `none_given`, none of them where one is needed: the CLI names its options."""

    def __init__(self, *fields: str, none_given: bool = False) -> None:
        self.fields = fields
        self.none_given = none_given
        text = _("give one of: {fields}") if none_given else _("give only one of: {fields}")
        super().__init__(text.format(fields=", ".join(fields)))


SHOWN_NAMES = 10  # known names an error lists before "… and N more"


def closest(given: str, known: Sequence[str], n: int = 5) -> list[str]:
    """The known names `given` most likely meant, best first: those that hold it or that it
    holds (青山 → 青山县), then the nearest by spelling (site-mark.q2 → site-marks.q2)."""
    text = given.strip().casefold()
    if not text:
        return []
    folded = {name: name.casefold() for name in known}
    holding = [name for name, f in folded.items() if text in f or (f and f in text)]
    holding.sort(key=lambda name: abs(len(folded[name]) - len(text)))
    near = difflib.get_close_matches(text, list(folded.values()), n=n, cutoff=0.6)
    by_fold = {f: name for name, f in folded.items()}
    return list(dict.fromkeys([*holding, *(by_fold[f] for f in near)]))[:n]


def listed(names: Sequence[str], limit: int = SHOWN_NAMES) -> str:
    """'a, b, c' or, past `limit`, 'a, b, … and 12 more'."""
    shown = ", ".join(names[:limit])
    if len(names) <= limit:
        return shown
    return _("{shown} … and {count} more").format(shown=shown, count=len(names) - limit)


def checklist_where(checklist: object) -> str:
    """'checklist ID': where an unknown question or indicator was looked for."""
    return _("checklist {id}").format(id=getattr(checklist, "id", checklist))


class UnknownName(GovauditError):
    """A name that is not known: a site, a question, an indicator. `candidates` are the known
    names it most likely meant (best first), `known` every known name; the message offers
    the candidates and lists the known names ("… and N more" past a few)."""

    def __init__(self, kind: str, given: str, known: Sequence[str], where: str = "",
                 hint: str | None = None) -> None:
        self.kind = kind  # what `given` names: "site", "question", "indicator"
        self.given = given
        self.known = list(known)
        self.candidates = closest(given, self.known)
        kinds = {"site": _("unknown site {given!r}"), "question": _("unknown question {given!r}"),
                 "indicator": _("unknown indicator {given!r}")}
        message = kinds.get(kind, _("unknown {kind} {given!r}")).format(given=given, kind=kind)
        if where:
            message = _("{message} in {where}").format(message=message, where=where)
        if self.candidates:
            message += _("; did you mean {candidates}?").format(
                candidates=_(" or ").join(self.candidates))
        if kind == "site":
            message += _(" (sites: {known})").format(
                known=listed(self.known) if self.known else _("none yet"))
        super().__init__(message, hint=hint)
