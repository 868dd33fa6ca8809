"""System monitoring over weeks: scheduled visits, a SQLite time series, the gov-2019 lines.

`Audit.monitor()` opens it (`Monitor(folder, store, checklist)`): `tick()` visits every site
once, `start()` keeps visiting on a schedule, `status()` applies a rule set over a window, and
`timeline()`, `columns_table()`, `sheet_rows()` give the report and the workbook their
figures; `timeline_svg()` draws a timeline and `monitor_suggestions()` turns findings
into suggested answers for the 日常运维 questions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import govaudit.asyncrun as asyncrun
from govaudit.checklist import Checklist
from govaudit.errors import GovauditError
from govaudit.i18n import _
from govaudit.model import Site
from govaudit.monitor.config import ColumnTable, RuleSet, column_table, rule_set
from govaudit.monitor.db import ColumnSample, LinkSample, MonitorDB, Visit
from govaudit.monitor.durations import DAY, format_duration, parse_duration, utc_iso
from govaudit.monitor.findings import (
    LEVELS,
    Finding,
    SiteFigures,
    Window,
    load_figures,
    site_findings,
)
from govaudit.monitor.lock import monitor_lock
from govaudit.monitor.shots import FailureShot, shot_row, shot_shows, shot_time
from govaudit.monitor.views import (
    Bucket,
    columns_rows,
    monitor_suggestions,
    sheet_rows,
    timeline_svg,
)

if TYPE_CHECKING:  # visiting (the HTTP client, the page parser) is imported when it is used
    from govaudit.evidence import EvidenceFolder
    from govaudit.monitor.schedule import Campaign, RoundSummary
    from govaudit.monitor.visits import Shot, VisitOptions, Visitor, VisitResult
    from govaudit.store import Store

DEFAULT_WINDOW = 7 * DAY


@dataclass
class SiteStatus:
    """One site over a window: visits, failures, the failure rate and the findings."""

    site: str
    figures: SiteFigures
    findings: list[Finding]

    @property
    def worst(self) -> str:
        levels = [f.level for f in self.findings]
        return next((level for level in LEVELS if level in levels), "ok")

    def to_dict(self) -> dict[str, Any]:
        f = self.figures
        return {"site": self.site, "visits": f.visits, "failures": f.failures,
                "rate": round(f.rate, 4) if f.rate is not None else None,
                "future_samples": f.future, "level": self.worst,
                "findings": [x.to_dict() for x in self.findings]}


@dataclass
class MonitorStatus:
    """Every chosen site over a window, by a rule set (`audit.monitor.status`)."""

    window: Window
    rules: RuleSet
    sites: list[SiteStatus]

    def to_dict(self) -> dict[str, Any]:
        return {"window": self.window.to_dict(), "rules": self.rules.id,
                "sites": [s.to_dict() for s in self.sites]}


class Monitor:
    """The monitoring of one workspace."""

    def __init__(self, folder: EvidenceFolder, store: Store, checklist: Checklist,
                 rules: str = "gov-2019", clock: Callable[[], float] = time.time) -> None:
        """`folder`: the workspace, where the rule-set and column files are and the
        screenshots go; the samples are kept in the store's data folder."""
        self.folder = folder
        self.checklist = checklist
        self.store = store
        self.rules_name = rules
        self.clock = clock
        self._db: MonitorDB | None = None

    @property
    def has_samples(self) -> bool:
        """Whether this workspace has been monitored (its time series exists)."""
        from govaudit.monitor.db import FILE_NAME

        return (self.store.root / FILE_NAME).is_file()

    @property
    def db(self) -> MonitorDB:
        if self._db is None:
            self._db = MonitorDB.for_workspace(self.store.root)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def rules(self) -> RuleSet:
        return rule_set(self.rules_name, self.folder.root)

    @property
    def columns(self) -> ColumnTable:
        return column_table(self.folder.root)

    def sites(self, names: Iterable[str] | None = None) -> list[Site]:
        """The sites visited: all (or the named) with an http(s) address."""
        from govaudit.sites import web_address

        return [s for s in self.store.select(names) if web_address(s) is None]

    def skipped(self, names: Iterable[str] | None = None) -> list[str]:
        """Why each site without an http(s) address (a new-media account) is not visited."""
        from govaudit.sites import web_address

        return [reason for s in self.store.select(names) if (reason := web_address(s))]

    def _nothing_to_visit(self, names: Iterable[str] | None) -> GovauditError:
        """The error of a run that would visit nothing: no sites, or no web address."""
        from govaudit.sites import web_address

        accounts = [s for s in self.store.select(names) if web_address(s)]
        if not accounts:
            return GovauditError(_("no sites to monitor yet"), hint="add_site")
        shown = ", ".join(f"{s.name} ({s.url})" if s.url else s.name for s in accounts[:5])
        more = _(" and {count} more").format(count=len(accounts) - 5) if len(accounts) > 5 else ""
        return GovauditError(_(
            "no web site to monitor: the monitor visits http(s) addresses, and the {count} "
            "site(s) chosen have none ({shown}{more})").format(
            count=len(accounts), shown=shown, more=more), hint="add_site")

    # -- visiting ----------------------------------------------------------------------

    def _visitor(self, sites: list[Site], options: VisitOptions) -> tuple[Visitor, list[Site]]:
        """The visitor of a run, and the sites as it visits them (without `user:pass@`)."""
        from govaudit.credentials import load_credentials
        from govaudit.monitor.visits import Visitor
        from govaudit.urls import origin_logins

        recorded: dict[str, list[str]] = {}
        wanted = {s.name for s in sites}
        for page in self.store.pages():
            if page.site in wanted and page.url not in recorded.setdefault(page.site, []):
                recorded[page.site].append(page.url)
        clean, logins = origin_logins(sites, load_credentials(self.store))
        visitor = Visitor(self.db, options, self.columns, recorded, self.clock, logins)
        if options.screenshots:
            visitor.shooter = lambda failed: self._screenshots(failed, options)
        return visitor, clean

    def _screenshots(self, failed: list[tuple[Site, int]], options: VisitOptions
                     ) -> dict[str, Shot]:
        """Capture the home pages of sites whose visit failed (govaudit.capture), as evidence
        for the 故障率 question; {site: (evidence id, error, when it was taken, what it
        shows)}: a screenshot is taken after the failed visit, and may show the page working
        again."""
        from govaudit.capture import CaptureOptions, Target, run_captures

        question = next((q for q in self.checklist.questions
                         if "availability" in q.autos), None)
        targets = [Target(site.name, site.url, question.indicator_id if question else "",
                          question.id if question else "") for site, _ in failed]
        run = run_captures(self.folder, self.store, targets, CaptureOptions(
            timeout_s=max(options.timeout, 5.0), allow_private=options.allow_private,
            mhtml=False), concurrency=2)
        return {r.site: (r.id if r.files else "", r.error, shot_time(r), shot_shows(r))
                for r in run.records}

    def screenshots(self, site: str) -> list[FailureShot]:
        """The screenshots taken after failed visits of `site`, newest first: the failed
        visit's time, when the screenshot was taken (`after`: seconds later) and what it
        shows (`label`: the two in words)."""
        return [shot_row(row) for row in self.db.query(
            "SELECT visit, time, evidence, error, taken, shows FROM shots WHERE site = ? "
            "ORDER BY time DESC", (site,))]

    def tick(self, names: Iterable[str] | None = None, options: VisitOptions | None = None,
             on_visit: Callable[[VisitResult], None] | None = None) -> list[VisitResult]:
        """One round: every site (or the named ones) visited once, now."""
        from govaudit.monitor.schedule import run_round
        from govaudit.monitor.visits import VisitOptions

        sites = self.sites(names)
        options = options or VisitOptions()
        self.rules  # noqa: B018 - a broken rule or column file is refused before any visit
        with monitor_lock(self.store.root):
            visitor, sites = self._visitor(sites, options)
            return asyncrun.run(run_round(visitor, sites, on_visit))

    def campaign(self, every: float, length: float, names: list[str]) -> tuple[Campaign, bool]:
        """The run `start` continues (same interval and sites, not over yet), or a new one."""
        from govaudit.monitor.schedule import Campaign

        now = self.clock()
        stored = Campaign.from_json(self.db.meta("campaign"))
        if (stored is not None and stored.every == every and stored.sites == names
                and stored.until > now):
            return stored, True
        return Campaign(now, every, now + length, names), False

    def start(self, every: float, length: float, names: Iterable[str] | None = None,
              options: VisitOptions | None = None,
              on_start: Callable[[Campaign, bool, int], None] | None = None,
              on_visit: Callable[[VisitResult], None] | None = None,
              on_summary: Callable[[RoundSummary], None] | None = None) -> Campaign:
        """Visit every site once per `every` seconds until the campaign's end.

        A resumed run keeps the skipped hosts it was started with, unless `options` names
        others."""
        from govaudit.monitor.schedule import run_schedule
        from govaudit.monitor.visits import VisitOptions

        chosen = list(names or [])
        sites = self.sites(chosen)
        if not sites:
            raise self._nothing_to_visit(chosen)
        options = options or VisitOptions()
        self.rules  # noqa: B018 - refuse a broken rule or column file before any visit
        with monitor_lock(self.store.root):
            campaign, resumed = self.campaign(every, length, chosen)
            if resumed and not options.skip_hosts:  # the run's own, unless given anew
                options = replace(options, skip_hosts=tuple(campaign.skip_hosts))
            campaign.skip_hosts = list(options.skip_hosts)
            self.db.set_meta("campaign", campaign.to_json())
            if on_start is not None:
                on_start(campaign, resumed, len(sites))
            visitor, sites = self._visitor(sites, options)
            asyncrun.run(run_schedule(visitor, sites, every, campaign.until, on_visit, on_summary))
        return campaign

    # -- samples written directly (imports, tests) ------------------------------------

    def record(self, visits: Iterable[Visit] = (), columns: Iterable[ColumnSample] = (),
               links: Iterable[LinkSample] = ()) -> None:
        """Append samples with their own times (each kind in one transaction)."""
        visits, columns, links = list(visits), list(columns), list(links)
        if visits:
            self.db.add_visits(visits)
        if columns:
            self.db.add_columns(columns)
        if links:
            self.db.add_links(links)

    # -- reading -------------------------------------------------------------------------

    def window(self, length: float = DEFAULT_WINDOW, now: float | None = None) -> Window:
        return Window(self.clock() if now is None else now, length)

    def status(self, length: float = DEFAULT_WINDOW, names: Iterable[str] | None = None,
               now: float | None = None) -> list[SiteStatus]:
        """Every site (or the named ones) over the window, with the rule set's findings."""
        sites = self.sites(names)
        window = self.window(length, now)
        rules = self.rules
        figures = load_figures(self.db, window, [s.name for s in sites],
                               {s.name: s.url for s in sites})
        return [SiteStatus(s.name, figures[s.name], site_findings(figures[s.name], rules,
                                                                  window)) for s in sites]

    def findings(self, site: str, length: float = DEFAULT_WINDOW,
                 now: float | None = None) -> list[Finding]:
        return self.status(length, [site], now)[0].findings

    def figures(self, site: str, length: float = DEFAULT_WINDOW,
                now: float | None = None) -> SiteFigures:
        return self.status(length, [site], now)[0].figures

    def timeline(self, site: str, length: float = DEFAULT_WINDOW, now: float | None = None,
                 buckets: int = 56) -> list[Bucket]:
        """[(start, end, visits that opened, failed visits)] over the window, oldest first."""
        window = self.window(length, now)
        size = window.length / max(1, buckets)
        counts = {row["b"]: (row["good"] or 0, row["bad"] or 0) for row in self.db.query(
            "SELECT min(CAST((time - ?) / ? AS INTEGER), ?) AS b, sum(ok) AS good, "
            "sum(ok = 0) AS bad FROM visits WHERE site = ? AND time >= ? AND time <= ? "
            "GROUP BY b", (window.start, size, buckets - 1, site, window.start, window.end))}
        return [(window.start + i * size, window.start + (i + 1) * size,
                 *counts.get(i, (0, 0))) for i in range(buckets)]

    def columns_table(self, site: str, length: float = DEFAULT_WINDOW,
                      now: float | None = None) -> list[dict[str, Any]]:
        """The column freshness table of a site (Chinese headers; `state` for colouring)."""
        window = self.window(length, now)
        return columns_rows(self.figures(site, length, window.end), self.rules, self.columns,
                            window.end)

    def suggestions(self, checklist: Checklist, length: float = DEFAULT_WINDOW,
                    names: Iterable[str] | None = None, now: float | None = None
                    ) -> dict[str, dict[str, tuple[str, str]]]:
        """{site: {question id: (value, detail)}}: the findings as answers to the 日常运维
        questions (a person confirms them)."""
        by_name = {s.name: s for s in self.sites(names)}
        window = self.window(length, now)
        return {status.site: monitor_suggestions(checklist, by_name[status.site],
                                                 status.findings, status.figures, window)
                for status in self.status(length, list(by_name), window.end)}

    def sheet_rows(self, length: float = DEFAULT_WINDOW,
                   now: float | None = None) -> list[dict[str, Any]]:
        """The rows of the workbook's `Monitoring` sheet."""
        statuses = self.status(length, now=now)
        return sheet_rows({s.site: s.figures for s in statuses},
                          {s.site: s.findings for s in statuses}, format_duration(length))


def __getattr__(name: str) -> Any:
    if name in ("Campaign", "RoundSummary"):
        from govaudit.monitor import schedule

        return getattr(schedule, name)
    if name in ("VisitOptions", "VisitResult"):
        from govaudit.monitor import visits

        return getattr(visits, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")



__all__ = ["DEFAULT_WINDOW", "Campaign", "ColumnSample", "Finding", "GovauditError",
           "LinkSample", "Monitor", "MonitorStatus", "RoundSummary", "SiteStatus", "Visit",
           "VisitOptions",
           "format_duration", "monitor_suggestions", "parse_duration", "timeline_svg",
           "utc_iso"]
