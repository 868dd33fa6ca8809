"""The monitoring's part of the report: per site an availability timeline (inline SVG), the
failure share against the veto line, the findings, dead links and the column freshness table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from govaudit.model import Site

if TYPE_CHECKING:  # the monitor is imported when the report has monitoring
    from govaudit.checklist import Checklist
    from govaudit.monitor import Monitor
    from govaudit.monitor.findings import FailingLink
    from govaudit.monitor.shots import FailureShot

TIMELINE_BUCKETS = 56  # a week in 3-hour bars


@dataclass
class MonitoringView:
    window: str
    visits: int
    failures: int
    rate: float | None
    line: float  # the share of failed visits that is a veto (gov-2019: 5%)
    level: str
    timeline: Markup  # inline <svg>: rects and titles only, every text escaped
    findings: list[dict[str, str]] = field(default_factory=list)
    columns: list[dict[str, Any]] = field(default_factory=list)
    dead_home: list[FailingLink] = field(default_factory=list)
    dead_other: list[FailingLink] = field(default_factory=list)
    suggestions: dict[str, tuple[str, str]] = field(default_factory=dict)
    screenshots: list[FailureShot] = field(default_factory=list)  # after failed visits

    @property
    def over_line(self) -> bool:
        return self.rate is not None and self.rate >= self.line


def monitoring_views(monitor: Monitor, checklist: Checklist, sites: list[Site],
                     length: float | None = None) -> dict[str, MonitoringView]:
    """{site: MonitoringView} for the sites the monitor has samples of ({} without a monitor)."""
    import govaudit.glossary as glossary
    from govaudit.monitor import DEFAULT_WINDOW, format_duration, monitor_suggestions
    from govaudit.monitor.views import timeline_svg

    if not monitor.has_samples or not sites:
        return {}
    length = DEFAULT_WINDOW if length is None else length
    by_name = {s.name: s for s in sites}
    out: dict[str, MonitoringView] = {}
    with monitor:
        now = monitor.clock()
        line = float(monitor.rules.get("unreachable", "veto"))
        for status in monitor.status(length, list(by_name), now):
            f = status.figures
            if not f.visits and not f.columns and not f.links_checked:
                continue
            svg = timeline_svg(monitor.timeline(status.site, length, now, TIMELINE_BUCKETS),
                               line=line, title=f"{status.site} 可用性")
            out[status.site] = MonitoringView(
                format_duration(length), f.visits, f.failures, f.rate, line, status.worst,
                Markup(svg),
                [{"name": x.name, "level": x.level, "label": glossary.verdict(x.level, "zh"),
                  "detail": x.detail} for x in status.findings],
                monitor.columns_table(status.site, length, now),
                [d for d in f.dead_links if d.home],
                [d for d in f.dead_links if not d.home],
                monitor_suggestions(checklist, by_name[status.site],
                                    status.findings, f, monitor.window(length, now)),
                monitor.screenshots(status.site))
    return out
