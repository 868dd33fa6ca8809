"""govaudit score: totals, bonus, grade band and dense rank per site; verdicts by a
deduction scheme, and its sampling summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .common import (
    JsonOption,
    PublishOption,
    ServerOption,
    ServiceOption,
    WorkspaceOption,
    console,
    open_audit,
    print_json,
)

if TYPE_CHECKING:
    from rich.table import Table

    from govaudit import Checklist, ScoreReport, SiteScore


def score(workspace: WorkspaceOption = None, json: JsonOption = False,
          publish: PublishOption = None, server: ServerOption = False,
          service: ServiceOption = None) -> None:
    """Score every site from the answers stored (--server: the team server's)."""
    from rich.table import Table

    from govaudit import SHOWN_DECIMALS, check_publish

    audit = open_audit(workspace)
    report = audit.score(server=server or bool(service), service=service)
    if json:
        print_json(report.to_dict())
        return
    checklist = audit.checklist
    check_publish(publish)
    tops = [t for t in checklist.tops if not t.bonus]
    # one column per first-level indicator only where the terminal has room for them
    wide = console.width >= 72 + 8 * len(tops) and not checklist.deduction
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
    if (publish or checklist.publish) == "bands" and checklist.grades:
        console.print(_bands_table(report))
    elif checklist.deduction:
        console.print(_verdicts_table(report))
    else:
        table = Table("group", "rank", "site", "level", "total", "bonus", "grade", "answered",
                      *[t.name for t in tops] if wide else (), title=checklist.name)
        for group, s in ranked_rows(report):
            table.add_row(group, _rank(s, group), s.site, s.level,
                          f"{s.total:.{SHOWN_DECIMALS}f}", f"{s.bonus:.2f}", s.grade,
                          f"{s.answered}/{s.questions}{open_mark(s)}",
                          *[f"{s.tops.get(t.id, 0):.2f}" for t in tops] if wide else ())
        console.print(table)
    if checklist.deduction:
        _print_sampling(report)
    if report.settlement_note():
        console.print(report.settlement_note(), markup=False)
    for line in report.notes():
        console.print(line, markup=False)
    if not wide and not checklist.deduction:
        console.print("A wider terminal shows each first-level indicator; "
                      "`govaudit score --json` has every indicator.", markup=False)


def ranked_rows(report: ScoreReport) -> list[tuple[str, SiteScore]]:
    """(group, site) rows by ranking group in the checklist's order, then rank and name: a
    site in several groups (副省级城市 and 省会城市) is listed in each, as published."""
    checklist = report.checklist
    rows = [(group, s) for s in report.sites for group in (s.groups or (s.group,))]
    return sorted(rows, key=lambda r: (checklist.group_order(r[0]), r[1].ranks.get(r[0]) is None,
                                       r[1].ranks.get(r[0]) or 0, r[1].site))


def _rank(score: SiteScore, group: str) -> str:
    rank = score.ranks.get(group)
    return "—" if rank is None else str(rank)


def _total(score: SiteScore) -> str:
    from govaudit import SHOWN_DECIMALS

    return "—" if score.total is None else f"{score.total:.{SHOWN_DECIMALS}f}"


def _verdicts_table(report: ScoreReport) -> Table:
    from rich.table import Column, Table

    checklist = report.checklist
    table = Table("group", "rank", Column("site", min_width=4), "level",
                  Column("verdict", no_wrap=True), "total", "part 2", "bonus", "answered",
                  "reason", title=checklist.name)
    for group, s in ranked_rows(report):
        table.add_row(group, _rank(s, group), s.site, s.level, s.verdict, _total(s),
                      "—" if s.part2 is None else f"{s.part2:.2f}",
                      "—" if s.bonus is None else f"{s.bonus:.2f}",
                      f"{s.answered}/{s.questions}{open_mark(s)}",
                      "; ".join(x for x in (s.reason, s.scaled) if x))
    return table


def _bands_table(report: ScoreReport) -> Table:
    """Each band's sites in 行政区划 order, without ranks (CSTC 2023)."""
    from rich.table import Table

    table = Table("band", "site", "level", "region", "total",
                  title=f"{report.checklist.name} (by band; 同档内按照行政区划序列排序)")
    for name, label, scores in report.by_band():
        for s in scores:
            table.add_row(f"{name} {label}", s.site, s.level, s.region, _total(s))
    return table


def _print_sampling(report: ScoreReport) -> None:
    from rich.table import Table

    sampling = report.sampling()
    table = Table("group", "sites", "合格", "不合格", "合格率", "provisional",
                  title="Sampling: pass rate per ranking group")
    for g in [*sampling.groups, sampling.total]:
        table.add_row(g.name, str(g.sites), str(g.passed), str(g.failed),
                      "—" if g.rate is None else f"{g.rate:.1%}", str(g.provisional))
    console.print(table)
    if sampling.problems:
        console.print("Most frequent problems:", markup=False)
        for p in sampling.problems:
            kind = "单项否决" if p.part == "veto" else "扣分"
            console.print(f"  {len(p.sites)} site(s) [{kind}] {p.item}: {p.text} ({p.question})",
                          markup=False)


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
