"""govaudit score: totals, bonus, grade band and dense rank per site."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.table import Table

from govaudit.scoring import SHOWN_DECIMALS

from .common import JsonOption, WorkspaceOption, console, open_audit, print_json

if TYPE_CHECKING:
    from govaudit.checklist import Checklist
    from govaudit.model import SiteScore


def score(workspace: WorkspaceOption = None, json: JsonOption = False) -> None:
    """Score every site from the answers stored."""
    audit = open_audit(workspace)
    report = audit.score()
    if json:
        print_json(report.to_dict())
        return
    checklist = audit.checklist
    tops = [t for t in checklist.tops if not t.bonus]
    # one column per first-level indicator only where the terminal has room for them
    wide = console.width >= 72 + 8 * len(tops)
    if not report.weighted:
        table = Table("site", "level", "answered", *[t.name for t in tops] if wide else (),
                      title=f"{checklist.name}: mean fraction earned per first-level indicator")
        for s in report.sites:
            table.add_row(s.site, s.level, f"{s.answered}/{s.questions}",
                          *[_mean_fraction(checklist, s.fractions, t.id) for t in tops]
                          if wide else ())
        console.print(table)
        console.print(f"{checklist.id} publishes no weights: totals, grades and ranks need "
                      "weights (copy the checklist, add weights, and init with that file). "
                      "`govaudit score --json` has the fraction of every indicator.",
                      markup=False)
        return
    table = Table("group", "rank", "site", "level", "total", "bonus", "grade", "answered",
                  *[t.name for t in tops] if wide else (), title=checklist.name)
    ordered = sorted(report.sites, key=lambda s: (checklist.group_order(s.group), s.rank or 0,
                                                  s.site))
    for s in ordered:
        table.add_row(s.group, str(s.rank), s.site, s.level, f"{s.total:.{SHOWN_DECIMALS}f}",
                      f"{s.bonus:.2f}", s.grade, f"{s.answered}/{s.questions}{open_mark(s)}",
                      *[f"{s.tops.get(t.id, 0):.2f}" for t in tops] if wide else ())
    console.print(table)
    if report.settlement_note():
        console.print(report.settlement_note(), markup=False)
    for line in report.notes():
        console.print(line, markup=False)
    if not wide:
        console.print("A wider terminal shows each first-level indicator; "
                      "`govaudit score --json` has every indicator.", markup=False)


def _mean_fraction(checklist: Checklist, fractions: Mapping[str, float | None],
                   top_id: str) -> str:
    values = [f for i in checklist.indicators if i.path_ids[0] == top_id
              and (f := fractions.get(i.id)) is not None]
    return f"{sum(values) / len(values):.2f}" if values else ""


def open_mark(score: SiteScore) -> str:
    """' (provisional, 12.50 open)' while questions are unanswered or unknown."""
    if not score.provisional:
        return ""
    return f" (provisional, {score.open_points or 0:.2f} open)"

