"""Findings: a rule set applied to the samples of a window [now - window, now].

Every figure is read from the store in a few grouped queries for all sites at once,
so that `monitor status` over a thousand sites stays well under a second or two.
Samples dated after `now` (the clock was set back after they were written) are left
out of every figure and counted as `future`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import govaudit.glossary as glossary
from govaudit.chinatime import china_time
from govaudit.i18n import _
from govaudit.monitor.config import RuleSet
from govaudit.monitor.db import UNDECIDED, MonitorDB
from govaudit.monitor.durations import DAY, china_date, format_duration, utc_iso
from govaudit.monitor.shots import FailureShot, shot_row
from govaudit.page.dates import age_days, is_stale
from govaudit.page.verdicts import LinkVerdict, link_verdict, verdict_reason

VETO, WARNING, OK, INSUFFICIENT = "veto", "warning", "ok", "insufficient-data"
LEVELS = (VETO, WARNING, OK, INSUFFICIENT)
# the verdicts' names in the monitoring sheet, which is Chinese: the glossary's
LEVEL_LABELS = {level: glossary.verdict(level, "zh") for level in (VETO, WARNING, OK, INSUFFICIENT)}
SAMPLES_SHOWN = 20  # supporting samples listed per finding (the figures count them all)
# A failed visit: one that did not open (a challenge no browser decided is not one).
FAILED = f"(ok = 0 AND outcome != '{UNDECIDED}')"


@dataclass(frozen=True)
class Window:
    """The time span the figures cover: [start, end], epoch seconds (end is "now")."""

    end: float
    length: float

    @property
    def start(self) -> float:
        return self.end - self.length

    def to_dict(self) -> dict[str, Any]:
        return {"start": utc_iso(self.start), "end": utc_iso(self.end),
                "length": format_duration(self.length)}


@dataclass
class Finding:
    """One rule applied to one site: its level, its figures and the samples behind them."""

    rule: str
    name: str
    level: str
    detail: str
    figures: dict[str, Any] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "name": self.name, "level": self.level,
                "detail": self.detail, "figures": self.figures, "samples": self.samples}


@dataclass(frozen=True)
class FailedVisit:
    """A visit of the window that did not open (the newest SAMPLES_SHOWN are kept)."""

    id: int
    time: str  # UTC, ISO 8601
    status: int | None
    error: str | None
    elapsed_ms: int | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class HomeVisit:
    """The window's latest visit whose home page opened."""

    id: int
    time: str  # UTC, ISO 8601
    newest_date: str | None  # the newest date the home page lists
    fingerprint: str  # of the items it lists (for home pages without dates)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ColumnFigures:
    """One column page over the window: its latest sample, with the figures of its latest
    sample that opened."""

    url: str
    name: str
    kind: str
    id: int  # the sample the figures are from
    time: str  # UTC, ISO 8601
    opened: bool  # a sample opened in the window
    error: str | None  # why the latest sample did not open ("" when it did)
    newest_date: str | None
    items: int
    dated: int  # items with a date
    empty: bool


@dataclass(frozen=True)
class FailingLink:
    """A link that never worked in the window, with its latest check (its latest that found
    it dead, when one did)."""

    url: str
    pages: list[str]  # the pages it was found on
    page: str  # the page of the latest check
    home: bool  # found on the home page
    checks: int
    id: int
    time: str  # UTC, ISO 8601
    status: int | None
    error: str | None
    verdict: str  # a LinkVerdict's value
    problem: str  # the verdict said in words


@dataclass
class SiteFigures:
    """The window's samples of one site, reduced."""

    site: str
    visits: int = 0  # visits judged: opened or failed (a challenge no browser decided is not)
    failures: int = 0
    future: int = 0
    challenged: int = 0  # visits answered by an anti-bot challenge (a browser decided most)
    undecided: int = 0  # of those, the ones no browser decided: neither opened nor failed
    per_day: dict[int, int] = field(default_factory=dict)  # days back from now -> visits
    failed: list[FailedVisit] = field(default_factory=list)
    first_visit: float | None = None  # the earliest visit (read for undated home pages only)
    home_newest: str | None = None
    home_visit: HomeVisit | None = None  # the latest visit that opened
    unchanged_since: float | None = None  # fingerprint unchanged since (undated home pages)
    columns: list[ColumnFigures] = field(default_factory=list)
    links_checked: int = 0
    dead_links: list[FailingLink] = field(default_factory=list)
    unjudged_links: list[FailingLink] = field(default_factory=list)  # never judged
    shots: list[FailureShot] = field(default_factory=list)  # of failed visits, newest first

    @property
    def rate(self) -> float | None:
        return self.failures / self.visits if self.visits else None


def load_figures(db: MonitorDB, window: Window, sites: list[str],
                 home_urls: dict[str, str] | None = None) -> dict[str, SiteFigures]:
    """The figures of `sites` over the window.

    The sites are one JSON parameter: SQLite then searches the (site, time, ok) index
    once per site and range, instead of reading every sample of the window by time.
    """
    where = " AND site IN (SELECT value FROM json_each(?))"
    names = [json.dumps(list(sites), ensure_ascii=False)]
    span = (window.start, window.end)
    out = {name: SiteFigures(name) for name in sites}
    for row in db.query("SELECT site, CAST((? - time) / 86400 AS INTEGER) AS day, "
                        f"count(*) AS n, sum({FAILED}) AS failed, "
                        f"sum(outcome = '{UNDECIDED}') AS undecided, "
                        "sum(outcome LIKE 'challenge%') AS challenged FROM visits "
                        f"WHERE time >= ? AND time <= ?{where} GROUP BY site, day",
                        (window.end, *span, *names)):
        f = out[row["site"]]
        judged = row["n"] - (row["undecided"] or 0)
        if judged:
            f.per_day[row["day"]] = judged
        f.visits += judged
        f.failures += row["failed"] or 0
        f.undecided += row["undecided"] or 0
        f.challenged += row["challenged"] or 0
    for row in db.query(f"SELECT site, count(*) AS n FROM visits WHERE time > ?{where} "
                        "GROUP BY site", (window.end, *names)):
        out[row["site"]].future = row["n"]
    for row in db.query("SELECT id, site, time, status, error, elapsed_ms FROM visits "
                        f"WHERE {FAILED} AND time >= ? AND time <= ?{where} ORDER BY time DESC",
                        (*span, *names)):
        f = out[row["site"]]
        if len(f.failed) < SAMPLES_SHOWN:
            f.failed.append(FailedVisit(row["id"], utc_iso(row["time"]), row["status"],
                                        row["error"], row["elapsed_ms"]))
    for row in db.query("SELECT visit, site, time, evidence, error, taken, shows FROM shots "
                        f"WHERE time >= ? AND time <= ?{where} ORDER BY time DESC",
                        (*span, *names)):
        f = out[row["site"]]
        if len(f.shots) < SAMPLES_SHOWN:
            f.shots.append(shot_row(row))
    # the latest visit that opened, found by walking each site's index backwards
    for row in db.query(
            "SELECT v.id, v.site, v.time, v.newest_date, v.fingerprint "
            "FROM json_each(?) AS s JOIN visits AS v ON v.id = (SELECT id FROM visits "
            "WHERE site = s.value AND ok = 1 AND time >= ? AND time <= ? "
            "ORDER BY time DESC LIMIT 1)", (*names, *span)):
        f = out[row["site"]]
        f.home_newest = row["newest_date"]
        f.home_visit = HomeVisit(row["id"], utc_iso(row["time"]), row["newest_date"],
                                 row["fingerprint"])
    _unchanged(db, out, window.end)
    _columns(db, out, span, where, names)
    _links(db, out, span, where, names, home_urls or {})
    return out


def _unchanged(db: MonitorDB, out: dict[str, SiteFigures], end: float) -> None:
    """For home pages without dates: since when they list the same items."""
    for f in out.values():
        if f.home_visit is None or f.home_newest or not f.home_visit.fingerprint:
            continue
        first = db.query("SELECT min(time) AS t FROM visits WHERE site = ? AND time <= ?",
                         (f.site, end))
        f.first_visit = first[0]["t"] if first else None
        rows = db.query("SELECT max(time) AS t FROM visits WHERE site = ? AND ok = 1 "
                        "AND fingerprint != '' AND fingerprint != ? AND time <= ?",
                        (f.site, f.home_visit.fingerprint, end))
        changed = rows[0]["t"] if rows else None
        if changed is None:
            f.unchanged_since = f.first_visit
            continue
        after = db.query("SELECT min(time) AS t FROM visits WHERE site = ? AND ok = 1 "
                         "AND time > ? AND time <= ?", (f.site, changed, end))
        f.unchanged_since = after[0]["t"] if after else None


def _columns(db: MonitorDB, out: dict[str, SiteFigures], span: tuple[float, float],
             where: str, names: list[str]) -> None:
    latest_ok: dict[tuple[str, str], Any] = {}
    for row in db.query("SELECT id, site, url, max(time) AS time, newest_date, items, dated, "
                        "empty FROM columns "
                        f"WHERE ok = 1 AND time >= ? AND time <= ?{where} GROUP BY site, url",
                        (*span, *names)):
        latest_ok[(row["site"], row["url"])] = row
    for row in db.query("SELECT id, site, url, name, kind, max(time) AS time, ok, error "
                        f"FROM columns WHERE time >= ? AND time <= ?{where} "
                        "GROUP BY site, url ORDER BY site, id", (*span, *names)):
        good = latest_ok.get((row["site"], row["url"]))
        out.setdefault(row["site"], SiteFigures(row["site"])).columns.append(ColumnFigures(
            row["url"], row["name"], row["kind"], (good or row)["id"],
            utc_iso((good or row)["time"]), good is not None, "" if row["ok"] else row["error"],
            good["newest_date"] if good else None, good["items"] if good else 0,
            good["dated"] if good else 0, bool(good["empty"]) if good else False))


def _links(db: MonitorDB, out: dict[str, SiteFigures], span: tuple[float, float], where: str,
           names: list[str], home_urls: dict[str, str]) -> None:
    """Links checked, and those that never worked in the window: dead when a check judged
    them dead (4xx/5xx, a soft 404), else never judged (no answer, a challenge). Each shows
    its latest such check."""
    for row in db.query("SELECT site, count(DISTINCT url) AS n FROM links "
                        f"WHERE time >= ? AND time <= ?{where} GROUP BY site", (*span, *names)):
        out.setdefault(row["site"], SiteFigures(row["site"])).links_checked = row["n"]
    failing = db.query("SELECT site, url, group_concat(DISTINCT page) AS pages, count(*) AS n "
                       f"FROM links WHERE time >= ? AND time <= ?{where} GROUP BY site, url "
                       "HAVING max(ok) = 0 ORDER BY site, url", (*span, *names))
    for row in failing:
        checks = db.query("SELECT id, time, page, status, error, verdict FROM links "
                          "WHERE site = ? AND url = ? AND time >= ? AND time <= ? "
                          "ORDER BY time DESC, id DESC", (row["site"], row["url"], *span))
        verdicts = [(c, stored_verdict(c["verdict"], c["status"], c["error"])) for c in checks]
        dead = [(c, v) for c, v in verdicts if v.dead]
        latest, verdict = (dead or verdicts)[0]
        pages = (row["pages"] or "").split(",")
        home = home_urls.get(row["site"])
        f = out.setdefault(row["site"], SiteFigures(row["site"]))
        (f.dead_links if dead else f.unjudged_links).append(FailingLink(
            row["url"], pages, latest["page"], home in pages if home else False, row["n"],
            latest["id"], utc_iso(latest["time"]), latest["status"], latest["error"],
            verdict.value, verdict_reason(verdict, latest["status"], latest["error"])))


def stored_verdict(verdict: str, status: int | None, error: str) -> LinkVerdict:
    """A stored check's verdict; rows stored before verdicts were, judged from their status
    and error by the same rule."""
    try:
        return LinkVerdict(verdict)
    except ValueError:
        return link_verdict(status, error or "")


# -- the rules -----------------------------------------------------------------------


def _level(value: float, veto: float | None, warning: float | None) -> str:
    if veto is not None and value >= veto:
        return VETO
    if warning is not None and value >= warning:
        return WARNING
    return OK


def unreachable(f: SiteFigures, rules: RuleSet, window: Window) -> Finding:
    rule = "unreachable"
    min_days = int(rules.number(rule, "min_days") or 0)
    per_day = rules.number(rule, "min_visits_per_day") or 0
    veto, warning = rules.number(rule, "veto"), rules.number(rule, "warning")
    whole_days = int(window.length // DAY)
    full = sorted(d for d, n in f.per_day.items() if d < whole_days and n >= per_day)
    figures = {"visits": f.visits, "failures": f.failures,
               "rate": round(f.rate, 4) if f.rate is not None else None,
               "days_with_enough_visits": len(full), "min_days": min_days,
               "min_visits_per_day": int(per_day), "veto": veto, "warning": warning,
               "future_samples": f.future}
    figures.update(challenged=f.challenged, undecided=f.undecided)
    rate_text = (_("{failures} of {visits} visits failed ({rate:.1%})").format(
        failures=f.failures, visits=f.visits, rate=f.rate) if f.visits
                 else _("no visits in the window"))
    if f.challenged:
        rate_text += _("; {challenged} answered by an anti-bot challenge, decided in a "
                       "browser").format(challenged=f.challenged)
        if f.undecided:
            rate_text += _(" ({undecided} not decided: not counted)").format(
                undecided=f.undecided)
    if f.shots:
        shot = f.shots[0]
        rate_text += _("; screenshot of the failed visit at {shot}: {shot2}").format(
            shot=china_time(shot.time, seconds=True), shot2=shot.label())
    if len(full) < min_days:
        detail = (_(
            "{rate_text}; the line needs {min_days} day(s) with ≥ {value} visits each, the "
            "window {format_duration} has {count}").format(
            rate_text=rate_text, min_days=min_days, value=int(per_day),
            format_duration=format_duration(window.length), count=len(full)))
        return Finding(rule, rules.title(rule), INSUFFICIENT, detail, figures,
                       [v.to_dict() for v in f.failed])
    level = _level(f.rate or 0.0, veto, warning)
    line = _("veto at {veto:.0%}").format(veto=veto) if veto is not None else _("no veto line")
    return Finding(rule, rules.title(rule), level, f"{rate_text} ({line})", figures,
                   [v.to_dict() for v in f.failed])


def days_since(newest: str | None, today: date) -> int | None:
    """Days from a stored ISO date to `today` (age_days), None without one."""
    if not newest:
        return None
    try:
        return age_days(date.fromisoformat(newest), today)
    except ValueError:
        return None


def _stale_level(days: float, veto: float | None, warning: float | None) -> str:
    """A line of N days is broken from N + 1 days on (is_stale): the veto, else the warning."""
    if veto is not None and is_stale(days, veto):
        return VETO
    if warning is not None and is_stale(days, warning):
        return WARNING
    return OK


def home_stale(f: SiteFigures, rules: RuleSet, window: Window) -> Finding:
    rule = "home_stale"
    veto, warning = rules.number(rule, "veto_days"), rules.number(rule, "warning_days")
    today = china_date(window.end)
    figures: dict[str, Any] = {"veto_days": veto, "warning_days": warning}
    if f.home_visit is None:
        return Finding(rule, rules.title(rule), INSUFFICIENT,
                       _("the home page did not open in the window"), figures)
    samples = [f.home_visit.to_dict()]
    days = days_since(f.home_newest, today)
    source = "the home page"
    if days is None:  # a navigation page: the second-level pages tell
        newest = max((c.newest_date for c in f.columns if c.newest_date), default=None)
        days = days_since(newest, today)
        if days is not None:
            source = "the second-level pages (the home page shows no dates)"
            samples = [{"id": c.id, "time": c.time, "url": c.url, "newest_date": c.newest_date}
                       for c in f.columns if c.newest_date == newest]
    if days is not None:
        figures.update(days=days, source=source)
        level = _stale_level(days, veto, warning)
        return Finding(rule, rules.title(rule), level,
                       _("newest date on {source}: {days} day(s) before {today}").format(
                           source=source, days=days, today=today), figures,
                       samples)
    if f.unchanged_since is None:
        return Finding(rule, rules.title(rule), INSUFFICIENT,
                       _("no dates on the home page or its columns"), figures, samples)
    unchanged = (window.end - f.unchanged_since) / DAY
    figures.update(days=round(unchanged, 1), source="unchanged items")
    level = _stale_level(unchanged, veto, warning)
    if level == OK and unchanged < (warning or veto or 0):
        monitored = (window.end - (f.first_visit or window.end)) / DAY
        if f.unchanged_since == f.first_visit and monitored < (warning or veto or 0):
            level = INSUFFICIENT
    return Finding(rule, rules.title(rule), level,
                   _(
                       "no dates shown; the home page lists the same items for {unchanged:.1f} "
                       "day(s)").format(unchanged=unchanged), figures, samples)


def column_status(column: ColumnFigures, rules: RuleSet, today: date) -> str:
    """A sampled column against the rule set's lines: fresh, stale (not updated), empty,
    undated (items without dates: not updated), closed (did not open in the window) or free
    (a kind without a line)."""
    ages = rules.get("columns_stale", "max_age_days")
    limit = ages.get(column.kind)
    if not column.opened:
        return "closed"
    if column.empty:
        return "empty"
    if limit is None:
        return "free"
    if not column.newest_date:
        return "undated"
    days = days_since(column.newest_date, today)
    return "stale" if days is not None and is_stale(days, limit) else "fresh"


NOT_UPDATED = ("stale", "undated", "closed")


def columns_stale(f: SiteFigures, rules: RuleSet, window: Window) -> Finding:
    rule = "columns_stale"
    today = china_date(window.end)
    ages = rules.get("columns_stale", "max_age_days")
    frequent = set(rules.get(rule, "frequent_kinds"))
    states = [(c, column_status(c, rules, today)) for c in f.columns]
    behind = [c for c, s in states if s in NOT_UPDATED and c.kind in ages]
    behind_frequent = [c for c in behind if c.kind in frequent]
    empty = [c for c, s in states if s == "empty"]
    figures = {"columns": len(f.columns), "not_updated": len(behind),
               "not_updated_frequent": len(behind_frequent), "empty": len(empty),
               "max_age_days": dict(ages)}
    samples = [{"id": c.id, "time": c.time, "url": c.url, "name": c.name, "kind": c.kind,
                "newest_date": c.newest_date, "state": s}
               for c, s in states if s in (*NOT_UPDATED, "empty")]
    if not f.columns:
        return Finding(rule, rules.title(rule), INSUFFICIENT,
                       _("no column pages sampled in the window"), figures)
    level = OK
    n = rules.number
    if (_level(len(behind_frequent), n(rule, "veto_frequent"), None) == VETO
            or _level(len(behind), n(rule, "veto_all"), None) == VETO
            or _level(len(empty), n(rule, "veto_empty"), None) == VETO):
        level = VETO
    elif (_level(len(behind_frequent), None, n(rule, "warning_frequent")) == WARNING
          or _level(len(behind), None, n(rule, "warning_all")) == WARNING
          or _level(len(empty), None, n(rule, "warning_empty")) == WARNING):
        level = WARNING
    detail = (f"{len(f.columns)} column(s): {len(behind)} not updated "
              f"({len(behind_frequent)} of them 动态/通知公告/政策), {len(empty)} empty")
    return Finding(rule, rules.title(rule), level, detail, figures, samples[:SAMPLES_SHOWN])


def dead_links(f: SiteFigures, rules: RuleSet, window: Window) -> Finding:
    rule = "dead_links"
    home = [d for d in f.dead_links if d.home]
    other = [d for d in f.dead_links if not d.home]
    figures = {"checked": f.links_checked, "dead_home": len(home), "dead_other": len(other)}
    samples = [{"id": d.id, "time": d.time, "url": d.url, "home": d.home, "pages": d.pages,
                "page": d.page, "checks": d.checks, "problem": d.problem} for d in home + other]
    if not f.links_checked:
        return Finding(rule, rules.title(rule), INSUFFICIENT, _("no links checked in the window"),
                       figures)
    level = WARNING if (_level(len(home), None, rules.number(rule, "warning_home")) == WARNING
                        or _level(len(other), None, rules.number(rule, "warning_other"))
                        == WARNING) else OK
    detail = (_(
        "{count} dead link(s) on the home page, {count2} on other pages (never worked in the "
        "window and answered 4xx/5xx or a soft 404; {links_checked} checked").format(
        count=len(home), count2=len(other), links_checked=f.links_checked))
    if f.unjudged_links:
        detail += _("; {count} could not be judged from here").format(
            count=len(f.unjudged_links))
    detail += ")"
    return Finding(rule, rules.title(rule), level, detail, figures, samples[:SAMPLES_SHOWN])


RULE_FUNCTIONS = (unreachable, home_stale, columns_stale, dead_links)


def site_findings(f: SiteFigures, rules: RuleSet, window: Window) -> list[Finding]:
    return [rule(f, rules, window) for rule in RULE_FUNCTIONS]

