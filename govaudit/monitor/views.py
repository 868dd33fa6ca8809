"""What the report, the workbook and the suggestions take from the monitoring: pure functions."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

import govaudit.glossary as glossary
from govaudit.checklist import Checklist
from govaudit.i18n import _
from govaudit.model import LinkRow, Monitored, ProbeResult, Site
from govaudit.monitor.config import ColumnTable, RuleSet
from govaudit.monitor.durations import china_date, utc_iso
from govaudit.monitor.findings import (
    INSUFFICIENT,
    LEVEL_LABELS,
    VETO,
    WARNING,
    FailingLink,
    Finding,
    SiteFigures,
    Window,
    column_status,
    days_since,
)
from govaudit.probes.checks.availability import AvailabilityResult
from govaudit.probes.checks.freshness import FreshnessResult, PageDates, newest_page
from govaudit.probes.checks.links import LinksResult

Bucket = tuple[float, float, int, int]  # (start, end, visits that opened, failed visits)
COLUMN_STATES = {"fresh": "更新正常", "stale": "未按时更新", "undated": "条目无日期（视为未更新）",
                 "empty": "空白栏目", "closed": "无法打开", "free": "无更新要求"}
# The probes whose answers the monitoring gives, and the rules of the rule set that judge
# them, each with the level from which the answer is "no": 站点无法访问 and the 更新 rules
# at their veto (单项否决; a warning, 预警, still answers yes, and says so), dead links at
# their only line, the warning.
JUDGED_BY = {"availability": (("unreachable", VETO),), "links": (("dead_links", WARNING),),
             "freshness": (("home_stale", VETO), ("columns_stale", VETO))}


def timeline_svg(buckets: list[Bucket], line: float = 0.05, width: int = 600,
                 height: int = 36, title: str = "") -> str:
    """An inline <svg>: one bar per bucket, coloured by its share of failed visits.

    Green: every visit opened; amber: failures below `line`; red: at or above it;
    grey: no visit. Each bar's tooltip gives its time span and figures.
    """
    count = max(1, len(buckets))
    bar = width / count
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="monitor-timeline" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title or "availability timeline")}">']
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for i, (start, end, ok, failed) in enumerate(buckets):
        total = ok + failed
        if total == 0:
            colour, share = "#d0d0d0", None
        else:
            share = failed / total
            colour = "#2e9d4f" if failed == 0 else ("#e8a317" if share < line else "#d43c3c")
        when = (f"{_utc(start)} – {_utc(end)}: "
                + (f"{total} visit(s), {failed} failed ({share:.0%})" if share is not None
                   else "no visit"))
        parts.append(f'<rect x="{i * bar:.2f}" y="0" width="{max(bar - 1, 0.5):.2f}" '
                     f'height="{height}" fill="{colour}"><title>{escape(when)}</title></rect>')
    parts.append("</svg>")
    return "".join(parts)


def _utc(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M")


def columns_rows(figures: SiteFigures, rules: RuleSet, table: ColumnTable,
                 now: float) -> list[dict[str, Any]]:
    """The column freshness table of one site, one row per column (Chinese headers)."""
    today = china_date(now)
    ages = rules.get("columns_stale", "max_age_days")
    rows = []
    for column in figures.columns:
        newest = column.newest_date
        days = (today - datetime.fromisoformat(newest).date()).days if newest else None
        state = column_status(column, rules, today)
        rows.append({"栏目": column.name, "类别": table.label(column.kind),
                     "网址": column.url, "最新日期": newest or "",
                     "距今天数": days, "更新期限（天）": ages.get(column.kind),
                     "条目数": column.items, "有日期条目": column.dated,
                     "状态": COLUMN_STATES[state], "采样时间": column.time,
                     "state": state})
    return rows


def sheet_rows(figures: dict[str, SiteFigures], findings: dict[str, list[Finding]],
               window: str) -> list[dict[str, Any]]:
    """The rows of a `Monitoring` sheet: one per site, Chinese headers."""
    rows = []
    for site, f in figures.items():
        row: dict[str, Any] = {"站点": site, "监测窗口": window, "访问次数": f.visits,
                               "失败次数": f.failures,
                               "故障率": round(f.rate, 4) if f.rate is not None else None}
        for finding in findings.get(site, []):
            row[finding.name] = LEVEL_LABELS[finding.level]
            row[f"{finding.name}说明"] = finding.detail
        rows.append(row)
    return rows


def monitored_results(site: Site, figures: SiteFigures, window: Window
                      ) -> dict[str, ProbeResult]:
    """The window's figures of one site as the typed results of the probes they measure:
    availability (visits, failures, challenges), links (checked; dead: answered 4xx/5xx or a
    soft 404; could not be judged: never answered, or a challenge; each with its stored
    verdict) and freshness (the home page's and its columns' newest dates, as check reads
    them)."""
    time = utc_iso(window.end)
    today = china_date(window.end)
    f = figures
    availability = AvailabilityResult(
        site=site.name, time=time, samples=f.visits + f.undecided, failures=f.failures,
        refused=f.undecided, challenged=f.challenged,
        failure_rate=round(f.rate, 4) if f.rate is not None else 0.0,
        errors=tuple(sorted({v.error for v in f.failed if v.error})))

    def row(d: FailingLink) -> LinkRow:
        plain = d.verdict in ("broken", "works")
        return LinkRow(d.url, d.status, (d.error or "") if plain else d.problem,
                       d.page or (d.pages[0] if d.pages else ""), verdict=d.verdict)

    broken = tuple(row(d) for d in f.dead_links)
    unchecked = tuple(row(d) for d in f.unjudged_links)
    answered = f.links_checked - len(unchecked)
    links = LinksResult(site=site.name, time=time, checked=f.links_checked,
                        broken_count=len(broken), broken=broken,
                        broken_ratio=round(len(broken) / answered, 6) if answered > 0 else None,
                        unchecked_count=len(unchecked), unchecked=unchecked)
    home = PageDates(site.url, f.home_newest, days_since(f.home_newest, today))
    pages = [home, *(PageDates(c.url, c.newest_date, days_since(c.newest_date, today),
                               c.dated, column=c.name, items=c.items, empty=c.empty,
                               error="" if c.opened else (c.error or "did not open"))
                     for c in f.columns)]
    newest = newest_page(pages)
    freshness = FreshnessResult(site=site.name, time=time,
                                latest=newest.latest if newest else None,
                                days=newest.days if newest else None,
                                source=newest.url if newest else None,
                                today=today.isoformat(), pages=tuple(pages))
    return {"availability": availability, "links": links, "freshness": freshness}


def monitored_verdicts(findings: list[Finding]) -> dict[str, Monitored]:
    """By probe: how the rule set's levels answer it (JUDGED_BY), and the note that says so.

    No when a judging rule reaches its line; nothing while a rule lacks the data; else
    yes, and a rule inside its warning band (预警) is named as such in the note.
    """
    by_rule = {f.rule: f for f in findings}
    out: dict[str, Monitored] = {}
    for probe, judges in JUDGED_BY.items():
        found = [(by_rule[rule], line) for rule, line in judges if rule in by_rule]
        if not found:
            continue
        levels = "; ".join(f"{f.name} {glossary.verdict(f.level)}: {f.detail}"
                           for f, _unused in found)
        crossed = [f for f, line in found if f.level in (VETO, line)]
        if crossed:
            out[probe] = Monitored(False, _("monitoring: {levels}").format(levels=levels))
        elif any(f.level == INSUFFICIENT for f, _unused in found):
            out[probe] = Monitored(None, _("monitoring: {levels}").format(levels=levels))
        else:
            warned = [_band(f) for f, _unused in found if f.level == WARNING]
            out[probe] = Monitored(True, _("monitoring: {levels}").format(levels=levels) + "".join(
                _("; answered yes, but {band}").format(band=w) for w in warned))
    return out


def _band(finding: Finding) -> str:
    """'站点无法访问 is within the warning band (预警 from 3%, 单项否决 from 5%)'."""
    f = finding.figures
    lines = ""
    if isinstance(f.get("warning"), float | int) and isinstance(f.get("veto"), float | int):
        lines = _(" ({warning} from {warning_at:.0%}, {veto} from {veto_at:.0%})").format(
            warning=glossary.verdict(WARNING), warning_at=f["warning"],
            veto=glossary.verdict(VETO), veto_at=f["veto"])
    elif isinstance(f.get("warning_days"), float | int) and \
            isinstance(f.get("veto_days"), float | int):
        lines = _(" ({warning} from {warning_at:g} days, {veto} from {veto_at:g} days)").format(
            warning=glossary.verdict(WARNING), warning_at=f["warning_days"],
            veto=glossary.verdict(VETO), veto_at=f["veto_days"])
    return _("{name} is within the warning band{lines}").format(name=finding.name, lines=lines)


def monitor_suggestions(checklist: Checklist, site: Site, findings: list[Finding],
                        figures: SiteFigures, window: Window) -> dict[str, tuple[str, str]]:
    """{question id: (value, note)} for the questions whose `auto:` the monitoring answers
    (日常运维: availability, links, freshness).

    The figures become the probes' typed results, and each probe's registered suggestion
    rule answers from them as it does from a check; the rule set's levels decide yes or
    no (monitored_verdicts) and the note begins "monitoring:" with them. A person
    confirms them.
    """
    from govaudit.suggestions import suggestions_for

    found = suggestions_for(checklist, site, monitored_results(site, figures, window),
                            monitored_verdicts(findings))
    return {**{qid: (s.value, s.detail) for qid, s in found.items()},
            **problem_answers(checklist, site, findings)}


# The veto and deduction questions the rule set's lines answer, by `auto:` key: the rule, and
# the figures whose sum is the count a count question asks (None: a yes/no, the rule's veto).
PROBLEM_LINES: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "availability": ("unreachable", None),  # 站点无法访问
    "freshness": ("home_stale", None),  # 首页不更新
    "freshness.columns_frequent": ("columns_stale", ("not_updated_frequent",)),
    "freshness.columns_behind": ("columns_stale", ("not_updated",)),
    "freshness.columns_empty": ("columns_stale", ("empty",)),  # 空白栏目
    "links": ("dead_links", ("dead_home", "dead_other")),  # 不可用的链接
}


def problem_answers(checklist: Checklist, site: Site, findings: list[Finding]
                    ) -> dict[str, tuple[str, str]]:
    """{question id: (value, note)} for the veto and deduction questions (yes: the problem is
    found) whose `auto:` a line of the rule set answers: a yes/no is yes at the rule's veto
    level, else no; a count is the rule's figures; nothing while the rule lacks the data."""
    by_rule = {f.rule: f for f in findings}
    out: dict[str, tuple[str, str]] = {}
    for question in checklist.questions_at(site.level):
        line = next((PROBLEM_LINES[k] for k in question.autos if k in PROBLEM_LINES), None)
        if not question.finds_problems or line is None:
            continue
        rule, counted = line
        finding = by_rule.get(rule)
        if finding is None or finding.level == INSUFFICIENT:
            continue
        note = _("monitoring: {levels}").format(
            levels=f"{finding.name} {glossary.verdict(finding.level)}: {finding.detail}")
        if question.type == "yes_no" and counted is None:
            out[question.id] = ("yes" if finding.level == VETO else "no", note)
        elif question.type == "count" and counted is not None:
            total = sum(int(finding.figures.get(key) or 0) for key in counted)
            out[question.id] = (str(total), note)
    return out

