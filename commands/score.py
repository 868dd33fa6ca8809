"""govaudit score: totals, bonus, grade band and dense rank per site; verdicts by a
deduction scheme, and its sampling summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from govaudit.i18n import N_, _

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


HELP = N_("Score every site from the answers stored (--server: the team server's).")


def score(workspace: WorkspaceOption = None, json: JsonOption = False,
          publish: PublishOption = None, server: ServerOption = False,
          service: ServiceOption = None) -> None:
    from rich.table import Table

    from govaudit import SHOWN_DECIMALS, check_publish, glossary

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
        table = Table(_("site"), _("level"), _("answered"),
                      *[t.name for t in tops] if wide else (),
                      title=_("{checklist}: mean fraction earned per first-level "
                              "indicator").format(checklist=checklist.name))
        for s in report.sites:
            table.add_row(s.site, glossary.level(s.level), f"{s.answered}/{s.questions}",
                          *[_mean_fraction(checklist, s.fractions, t.id) for t in tops]
                          if wide else ())
        console.print(table)
        console.print(_("{checklist} publishes no weights: totals, grades and ranks need "
                        "weights (copy the checklist, add weights, and init with that file). "
                        "`govaudit score --json` has the fraction of every "
                        "indicator.").format(checklist=checklist.id), markup=False)
        return
    if (publish or checklist.publish) == "bands" and checklist.grades:
        console.print(_bands_table(report))
    elif checklist.deduction:
        console.print(_verdicts_table(report))
    else:
        table = Table(_("group"), _("rank"), _("site"), _("level"), _("total"), _("bonus"),
                      _("grade"), _("answered"), *[t.name for t in tops] if wide else (),
                      title=checklist.name)
        for group, s in ranked_rows(report):
            table.add_row(group, _rank(s, group), s.site, glossary.level(s.level),
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
        console.print(_("A wider terminal shows each first-level indicator; "
                        "`govaudit score --json` has every indicator."), markup=False)


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

    from govaudit import glossary

    checklist = report.checklist
    table = Table(_("group"), _("rank"), Column(_("site"), min_width=4), _("level"),
                  Column(_("verdict"), no_wrap=True), _("total"), _("part 2"), _("bonus"),
                  _("answered"), _("reason"), title=checklist.name)
    for group, s in ranked_rows(report):
        table.add_row(group, _rank(s, group), s.site, glossary.level(s.level), s.verdict,
                      _total(s),
                      "—" if s.part2 is None else f"{s.part2:.2f}",
                      "—" if s.bonus is None else f"{s.bonus:.2f}",
                      f"{s.answered}/{s.questions}{open_mark(s)}",
                      "; ".join(x for x in (s.reason, s.scaled) if x))
    return table


def _bands_table(report: ScoreReport) -> Table:
    """Each band's sites in 行政区划 order, without ranks (CSTC 2023)."""
    from rich.table import Table

    from govaudit import glossary

    table = Table(_("band"), _("site"), _("level"), _("region"), _("total"),
                  title=_("{checklist} (by band; in 行政区划 order within a band)").format(
                      checklist=report.checklist.name))
    for name, label, scores in report.by_band():
        for s in scores:
            table.add_row(f"{name} {label}", s.site, glossary.level(s.level), s.region,
                          _total(s))
    return table


def _print_sampling(report: ScoreReport) -> None:
    from rich.table import Table

    from govaudit import glossary

    sampling = report.sampling()
    table = Table(_("group"), _("sites"), _("passed (合格)"), _("failed (不合格)"),
                  _("pass rate (合格率)"), glossary.term("provisional"),
                  title=_("Sampling: pass rate per ranking group"))
    for g in [*sampling.groups, sampling.total]:
        table.add_row(g.name, str(g.sites), str(g.passed), str(g.failed),
                      "—" if g.rate is None else f"{g.rate:.1%}", str(g.provisional))
    console.print(table)
    if sampling.problems:
        console.print(_("Most frequent problems:"), markup=False)
        for p in sampling.problems:
            kind = glossary.verdict("veto") if p.part == "veto" else _("deduction (扣分)")
            console.print(_("  {count} site(s) [{kind}] {item}: {text} ({question})").format(
                count=len(p.sites), kind=kind, item=p.item, text=p.text, question=p.question),
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
    from govaudit import glossary

    return _(" ({provisional}, {open:.2f} open)").format(
        provisional=glossary.term("provisional"), open=score.open_points or 0)
