"""`monitor status --server`: the rule set's findings from the server's samples.

The 故障率 figures come from the daily roll-ups for the days before today (China days) and
from the raw visits for today, so that a window of 90 days reads 90 rows per site, not 4,000
visits; the failures listed are the raw failures (kept beyond the retention). The home
page's newest date is its latest visit that opened; columns and links are read from the raw
samples of the last COLUMN_SPAN (every site's columns are sampled several times a day).
The findings are those of the single-machine monitor (govaudit.monitor.findings), applied to
figures filled from here. A day here is a China calendar day: day 0 is today so far.
Home pages that show no dates are judged by their columns' dates only (the fingerprint
history is not read here).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from govaudit.fleet.partitions import DEAD_VERDICTS, china_midnight
from govaudit.monitor.config import RuleSet
from govaudit.monitor.durations import DAY, china_date, utc_iso
from govaudit.monitor.findings import (
    SAMPLES_SHOWN,
    ColumnFigures,
    FailedVisit,
    FailingLink,
    HomeVisit,
    SiteFigures,
    Window,
    site_findings,
    stored_verdict,
)
from govaudit.monitor.shots import FailureShot
from govaudit.page.verdicts import verdict_reason

COLUMN_SPAN = 2 * DAY  # seconds of raw column and link samples read
# a time as utc_iso writes it, made by the server (formatting 100,000s in Python is slow)
ISO = ("to_char(x.time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '+00:00'")
# per site: the days back from today and their visits judged (the roll-ups before today,
# today's raw visits), and the window's totals
DAYS_SQL = """
WITH days AS (
    SELECT site, day, visits, failures, undecided, challenged FROM daily
    WHERE day >= %(first)s AND day < %(today)s AND site = ANY(%(sites)s)
    UNION ALL
    SELECT site, %(today)s::date, count(*) FILTER (WHERE outcome <> 'challenge'),
           count(*) FILTER (WHERE NOT ok AND outcome <> 'challenge'),
           count(*) FILTER (WHERE outcome = 'challenge'),
           count(*) FILTER (WHERE outcome LIKE 'challenge%%') FROM visits
    WHERE time >= %(since)s AND time <= %(end)s AND site = ANY(%(sites)s) GROUP BY site)
SELECT site, array_agg(%(today)s::date - day), array_agg(visits), sum(visits),
       sum(failures), sum(undecided), sum(challenged)
FROM days GROUP BY site
"""


def _stamp(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def load_server_figures(conn: psycopg.Connection, window: Window, sites: list[str],
                        home_urls: dict[str, str]) -> dict[str, SiteFigures]:
    """The figures of `sites` over the window, from roll-ups and recent raw samples."""
    out = {name: SiteFigures(name) for name in sites}
    today = china_date(window.end)
    first = china_date(window.start)
    start, end = _stamp(window.start), _stamp(window.end)
    today_start = max(china_midnight(today), start)
    for site, back, counted, visits, failures, undecided, challenged in conn.execute(
            DAYS_SQL, {"first": first, "today": today, "since": today_start, "end": end,
                       "sites": sites}).fetchall():
        f = out[site]
        f.per_day = {d: n for d, n in zip(back, counted, strict=True) if n}
        f.visits, f.failures = int(visits), int(failures)
        f.undecided, f.challenged = int(undecided), int(challenged)
    for site, visit, when, status, error, elapsed in conn.execute(
            f"SELECT s.site, x.visit, {ISO}, x.status, x.error, x.elapsed_ms "
            "FROM unnest(%s::text[]) AS s(site) CROSS JOIN LATERAL (SELECT visit, time, status, "
            "error, elapsed_ms FROM failures WHERE site = s.site AND time >= %s AND time <= %s "
            "ORDER BY time DESC LIMIT %s) AS x", (sites, start, end, SAMPLES_SHOWN)).fetchall():
        out[site].failed.append(FailedVisit(visit, when, status, error, elapsed))
    for site, visit, when, evidence, error, taken, shows, after in conn.execute(
            f"SELECT s.site, x.visit, {ISO}, x.evidence, x.error, "
            f"{ISO.replace('x.time', 'x.taken')}, x.shows, "
            "round(extract(epoch FROM x.taken - x.time))::int "
            "FROM unnest(%s::text[]) AS s(site) CROSS JOIN LATERAL (SELECT visit, time, "
            "evidence, error, taken, shows FROM shots WHERE site = s.site AND time >= %s "
            "AND time <= %s ORDER BY time DESC LIMIT %s) AS x",
            (sites, start, end, SAMPLES_SHOWN)).fetchall():
        out[site].shots.append(FailureShot(visit, when, taken, after, evidence, error, shows))
    for site, visit, when, newest, fingerprint in conn.execute(
            f"SELECT s.site, x.id, {ISO}, x.newest_date, x.fingerprint "
            "FROM unnest(%s::text[]) AS s(site) CROSS JOIN LATERAL (SELECT id, time, "
            "newest_date, fingerprint FROM visits WHERE site = s.site AND ok AND time >= %s "
            "AND time <= %s ORDER BY time DESC LIMIT 1) AS x", (sites, start, end)).fetchall():
        f = out[site]
        f.home_newest = newest
        f.home_visit = HomeVisit(visit, when, newest, fingerprint)
    recent = max(start, end - timedelta(seconds=COLUMN_SPAN))
    _columns(conn, out, sites, recent, end)
    _links(conn, out, sites, recent, end, home_urls)
    return out


def _iso(when: datetime) -> str:
    return utc_iso(when.timestamp())


def _columns(conn: psycopg.Connection, out: dict[str, SiteFigures], sites: list[str],
             start: datetime, end: datetime) -> None:
    span = (start, end, sites)
    latest_ok = {(r[1], r[2]): r for r in conn.execute(
        "SELECT DISTINCT ON (site, url) id, site, url, time, newest_date, items, dated, empty "
        "FROM columns WHERE ok AND time >= %s AND time <= %s AND site = ANY(%s) "
        "ORDER BY site, url, time DESC", span)}
    for cid, site, url, name, kind, when, ok, error in conn.execute(
            "SELECT DISTINCT ON (site, url) id, site, url, name, kind, time, ok, error "
            "FROM columns WHERE time >= %s AND time <= %s AND site = ANY(%s) "
            "ORDER BY site, url, time DESC", span):
        good = latest_ok.get((site, url))
        out[site].columns.append(ColumnFigures(
            url, name, kind, good[0] if good else cid, _iso(good[3] if good else when),
            good is not None, "" if ok else error, good[4] if good else None,
            good[5] if good else 0, good[6] if good else 0, bool(good[7]) if good else False))


def _links(conn: psycopg.Connection, out: dict[str, SiteFigures], sites: list[str],
           start: datetime, end: datetime, home_urls: dict[str, str]) -> None:
    """As govaudit.monitor.findings._links: links checked, and those that never worked in
    the span, dead or never judged, each with its latest check."""
    span = (start, end, sites)
    for site, n in conn.execute("SELECT site, count(DISTINCT url) FROM links WHERE time >= %s "
                                "AND time <= %s AND site = ANY(%s) GROUP BY site", span):
        out[site].links_checked = n
    failing = conn.execute(
        "SELECT site, url, array_agg(DISTINCT page), count(*), "
        "(array_agg(ARRAY[id::text, extract(epoch FROM time)::text, page, "
        "coalesce(status::text, ''), error, verdict] ORDER BY time DESC))[1:1], "
        f"bool_or(verdict IN {DEAD_VERDICTS!r}) "
        "FROM links WHERE time >= %s AND time <= %s AND site = ANY(%s) GROUP BY site, url "
        "HAVING NOT bool_or(ok) ORDER BY site, url", span).fetchall()
    for site, url, pages, checks, latest, dead in failing:
        lid, when, page, status, error, verdict_text = latest[0]
        code = int(status) if status else None
        verdict = stored_verdict(verdict_text, code, error)
        home = home_urls.get(site)
        f = out[site]
        entry = FailingLink(url, list(pages), page, home in pages if home else False, checks,
                            int(lid), utc_iso(float(when)), code, error, verdict.value,
                            verdict_reason(verdict, code, error))
        (f.dead_links if dead or verdict.dead else f.unjudged_links).append(entry)


def server_findings(conn: psycopg.Connection, rules: RuleSet, window: Window,
                    sites: dict[str, str]) -> list[tuple[SiteFigures, list[Any]]]:
    """[(figures, findings)] of each site ({name: home URL}) over the window."""
    figures = load_server_figures(conn, window, list(sites), sites)
    return [(figures[name], site_findings(figures[name], rules, window)) for name in sites]
