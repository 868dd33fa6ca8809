"""govaudit status: how far each site's assessment has come."""

from __future__ import annotations

from rich.table import Table

from commands.common import JsonOption, WorkspaceOption, console, open_audit, print_json


def status(workspace: WorkspaceOption = None, json: JsonOption = False) -> None:
    """Per site: answered / total questions."""
    report = open_audit(workspace).score()
    if json:
        print_json({"sites": [{"site": s.site, "level": s.level, "answered": s.answered,
                               "questions": s.questions} for s in report.sites]})
        return
    table = Table("site", "level", "answered", "questions", "done")
    for s in report.sites:
        share = s.answered / s.questions if s.questions else 1.0
        table.add_row(s.site, s.level, str(s.answered), str(s.questions), f"{share:.0%}")
    console.print(table)
    if report.settlement_note():
        console.print(report.settlement_note(), markup=False)
    if not report.sites:
        console.print("No sites yet: govaudit sites import FILE")
