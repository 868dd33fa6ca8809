"""govaudit status: how far each site's assessment has come."""

from __future__ import annotations

from rich.table import Table

from commands.common import JsonOption, WorkspaceOption, console, open_ws, print_json


def status(workspace: WorkspaceOption = None, json: JsonOption = False) -> None:
    """Per site: answered / total questions."""
    from govaudit.scoring import score_sites
    from govaudit.store import Store

    ws = open_ws(workspace)
    store = Store(ws)
    report = score_sites(ws.checklist, store.sites(), store.answers(), ws.settlement)
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
    if not rows:
        console.print("No sites yet: govaudit sites import FILE")
