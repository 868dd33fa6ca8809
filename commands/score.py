"""govaudit score: totals, bonus, grade band and dense rank per site."""

from __future__ import annotations

from rich.table import Table

from commands.common import JsonOption, WorkspaceOption, console, open_ws, print_json


def score(workspace: WorkspaceOption = None, json: JsonOption = False) -> None:
    """Score every site from the answers stored."""
    from govaudit.scoring import score_sites
    from govaudit.store import Store

    ws = open_ws(workspace)
    store = Store(ws)
    report = score_sites(ws.checklist, store.sites(), store.answers(), ws.evaluator)
    if json:
        print_json(report.to_dict())
        return
    checklist = ws.checklist
    if not report.weighted:
        table = Table("site", "level", "answered", *[i.code for i in checklist.indicators],
                      title=f"{checklist.name}: fraction earned per indicator")
        for s in report.sites:
            table.add_row(s.site, s.level, f"{s.answered}/{s.questions}",
                          *["" if s.fractions.get(i.id) is None else f"{s.fractions[i.id]:.2f}"
                            for i in checklist.indicators])
        console.print(table)
        console.print(f"{checklist.id} publishes no weights: totals, grades and ranks need "
                      "weights (copy the checklist, add weights, and init with that file).",
                      markup=False)
        return
    table = Table("rank", "site", "level", "total", "bonus", "grade", "answered",
                  *[t.name for t in checklist.tops if not t.bonus], title=checklist.name)
    ordered = sorted(report.sites, key=lambda s: (s.level, s.rank or 0, s.site))
    for s in ordered:
        mark = "" if s.complete else " (incomplete)"
        table.add_row(str(s.rank), s.site, s.level, f"{s.total:.2f}", f"{s.bonus:.2f}",
                      s.grade, f"{s.answered}/{s.questions}{mark}",
                      *[f"{s.tops.get(t.id, 0):.2f}" for t in checklist.tops if not t.bonus])
    console.print(table)
    if any(not s.complete for s in report.sites):
        console.print("Incomplete sites score unanswered and 'unknown' questions as 0 for now.")
