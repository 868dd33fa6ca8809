"""govaudit status: how far each site's assessment has come."""

from __future__ import annotations

from rich.table import Table

from commands.common import JsonOption, WorkspaceOption, console, open_audit, print_json


def status(workspace: WorkspaceOption = None, json: JsonOption = False) -> None:
    """Per site: answered / total questions."""
    report = open_audit(workspace).score()
    rows = [{"site": s.site, "level": s.level, "answered": s.answered, "questions": s.questions}
            for s in report.sites]
    if json:
        print_json({"sites": rows})
        return
    table = Table("site", "level", "answered", "questions", "done")
    for row in rows:
        share = row["answered"] / row["questions"] if row["questions"] else 1.0
        table.add_row(row["site"], row["level"], str(row["answered"]), str(row["questions"]),
                      f"{share:.0%}")
    console.print(table)
    if report.settlement_note():
        console.print(report.settlement_note(), markup=False)
    if not rows:
        console.print("No sites yet: govaudit sites import FILE")
