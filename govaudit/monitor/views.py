"""What the report, the workbook and the suggestions take from the monitoring: pure functions."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

from govaudit.checklist import Checklist
from govaudit.model import Site
from govaudit.monitor.config import ColumnTable, RuleSet
from govaudit.monitor.durations import china_date
from govaudit.monitor.findings import (
    INSUFFICIENT,
    LEVEL_LABELS,
    OK,
    VETO,
    WARNING,
    Finding,
    SiteFigures,
    column_state,
)

Bucket = tuple[float, float, int, int]  # (start, end, visits that opened, failed visits)
COLUMN_STATES = {"fresh": "更新正常", "stale": "未按时更新", "undated": "条目无日期（视为未更新）",
                 "empty": "空白栏目", "closed": "无法打开", "free": "无更新要求"}
# which findings answer which `auto:` probe of the checklists' 日常运维 questions
AUTO_RULES = {"availability": ("unreachable",), "links": ("dead_links",),
              "freshness": ("home_stale", "columns_stale")}


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
        newest = column["newest_date"]
        days = (today - datetime.fromisoformat(newest).date()).days if newest else None
        state = column_state(column, rules, today)
        rows.append({"栏目": column["name"], "类别": table.label(column["kind"]),
                     "网址": column["url"], "最新日期": newest or "",
                     "距今天数": days, "更新期限（天）": ages.get(column["kind"]),
                     "条目数": column["items"], "有日期条目": column["dated"],
                     "状态": COLUMN_STATES[state], "采样时间": column["time"],
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


def monitor_suggestions(checklist: Checklist, site: Site,
                        findings: list[Finding]) -> dict[str, tuple[str, str]]:
    """{question id: (value, detail)} for the 日常运维 questions the findings can answer.

    A yes/no question whose `auto:` is availability, links or freshness gets "no" when a
    finding behind it is a veto (dead links: a warning), "yes" when all are ok (or only
    warned), and nothing while data is insufficient. A person confirms them.
    """
    by_rule = {f.rule: f for f in findings}
    out: dict[str, tuple[str, str]] = {}
    for question in checklist.questions_at(site.level):
        rules = AUTO_RULES.get(question.auto.strip())
        if not rules or question.type != "yes_no":
            continue
        found = [by_rule[r] for r in rules if r in by_rule]
        if not found:
            continue
        bad_levels = (VETO, WARNING) if rules == ("dead_links",) else (VETO,)
        bad = [f for f in found if f.level in bad_levels]
        detail = "; ".join(f"{f.name} {LEVEL_LABELS[f.level]}: {f.detail}" for f in found)
        if bad:
            out[question.id] = ("no", f"monitoring: {detail}")
        elif all(f.level in (OK, WARNING) for f in found) and not any(
                f.level == INSUFFICIENT for f in found):
            out[question.id] = ("yes", f"monitoring: {detail}")
    return out
