"""govaudit status: how far each site's assessment has come."""

from __future__ import annotations

from govaudit.i18n import N_, _

from .common import JsonOption, WorkspaceOption, console, open_audit, print_json

HELP = N_("Per site: answered / total questions.")


def status(workspace: WorkspaceOption = None, json: JsonOption = False) -> None:
    from rich.table import Table

    from govaudit import PROVISIONAL_NOTE, glossary

    report = open_audit(workspace).score()
    if json:
        print_json({"sites": [{"site": s.site, "level": s.level, "group": s.group,
                               "answered": s.answered, "questions": s.questions,
                               "provisional": s.provisional,
                               "open_points": s.open_points,
                               **({"verdict": s.verdict} if s.verdict else {})}
                              for s in report.sites]})
        return
    table = Table(_("site"), _("level"), _("group"), _("answered"), _("questions"), _("done"),
                  _("total"))
    for s in report.sites:
        share = s.answered / s.questions if s.questions else 1.0
        total = "" if s.total is None else f"{s.total:.2f}"
        if s.provisional and s.total is not None:
            total += _(" {provisional}, {open:.2f} open").format(
                provisional=glossary.term("provisional"), open=s.open_points or 0)
        if s.verdict:  # a deduction scheme: 合格/不合格 and why
            total = " ".join(x for x in (s.verdict, total, s.reason) if x)
        table.add_row(s.site, glossary.level(s.level), s.group, str(s.answered), str(s.questions),
                      f"{share:.0%}", total)
    console.print(table)
    if any(s.provisional for s in report.sites) and report.weighted:
        console.print(_(PROVISIONAL_NOTE), markup=False)
    if report.settlement_note():
        console.print(report.settlement_note(), markup=False)
    if not report.sites:
        console.print(_("No sites yet: govaudit sites import FILE"))
