"""Monthly partitions of the raw samples, the daily roll-ups, and the retention.

A partition holds one month in China time (UTC+8), so that a China day, the unit of the
roll-ups and of the 故障率 line, never spans two partitions. Partitions are made ahead of
time (`ensure_partitions`, by the scheduler each round and by a worker that meets a time
without one). `apply_retention` rolls up every day of a month before it drops that month's
partitions whole (visits, columns, links): failures, screenshots and roll-ups are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import psycopg

from govaudit.page.dates import CHINA_TZ

PARTITIONED = ("visits", "columns", "links")
WORKERS = "govaudit_worker"  # the role that owns the partitioned tables (0003_roles.sql)
MONTHS_AHEAD = 2  # partitions made past the current month
LOCK_KEY = 0x6D_0E_17_02  # held while partitions are made or dropped
PARTITION_NAME = re.compile(r"^visits_y(\d{4})m(\d{2})$")
# a link is dead when a check judged it so: govaudit.page.verdicts.LinkVerdict.dead
DEAD_VERDICTS = ("broken", "soft-404")


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def china_midnight(day: date) -> datetime:
    """The start of a China day, as an aware datetime."""
    return datetime.combine(day, time(0), CHINA_TZ)


def china_day(when: datetime) -> date:
    return when.astimezone(CHINA_TZ).date()


def ensure_partitions(conn: psycopg.Connection, first: datetime, last: datetime) -> list[str]:
    """The monthly partitions covering [first, last] (and MONTHS_AHEAD beyond); those made."""
    made: list[str] = []
    month = month_start(china_day(first))
    end = month_start(china_day(last))
    for _ in range(MONTHS_AHEAD):
        end = next_month(end)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        have = {row[0] for row in conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'visits'::regclass")}
        while month <= end:
            suffix = f"y{month.year:04d}m{month.month:02d}"
            if f"visits_{suffix}" not in have:
                lower, upper = china_midnight(month), china_midnight(next_month(month))
                for table in PARTITIONED:
                    conn.execute(f"CREATE TABLE IF NOT EXISTS {table}_{suffix} PARTITION OF "
                                 f"{table} FOR VALUES FROM ('{lower.isoformat()}') "
                                 f"TO ('{upper.isoformat()}')")
                    # any worker drops it past the retention, not only the one that made it
                    conn.execute(f"ALTER TABLE {table}_{suffix} OWNER TO {WORKERS}")
                made.append(suffix)
            month = next_month(month)
    return made


def partition_months(conn: psycopg.Connection) -> list[date]:
    """The months that have partitions, oldest first."""
    months = []
    for (name,) in conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'visits'::regclass"):
        match = PARTITION_NAME.match(name)
        if match:
            months.append(date(int(match[1]), int(match[2]), 1))
    return sorted(months)


ROLLUP_SQL = f"""
WITH v AS (
    SELECT (time AT TIME ZONE 'Asia/Shanghai')::date AS day, site,
           count(*) FILTER (WHERE outcome <> 'challenge') AS visits,
           count(*) FILTER (WHERE NOT ok AND outcome <> 'challenge') AS failures,
           count(*) FILTER (WHERE outcome = 'challenge') AS undecided,
           count(*) FILTER (WHERE outcome LIKE 'challenge%%') AS challenged,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed_ms) FILTER (WHERE ok) AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY elapsed_ms) FILTER (WHERE ok) AS p95,
           max(elapsed_ms) FILTER (WHERE ok) AS mx
    FROM visits WHERE time >= %(start)s AND time < %(end)s GROUP BY 1, 2),
l AS (
    SELECT (time AT TIME ZONE 'Asia/Shanghai')::date AS day, site,
           count(DISTINCT url) AS checked,
           count(DISTINCT url) FILTER (WHERE verdict IN {DEAD_VERDICTS!r}) AS dead
    FROM links WHERE time >= %(start)s AND time < %(end)s GROUP BY 1, 2),
c AS (
    SELECT (time AT TIME ZONE 'Asia/Shanghai')::date AS day, site,
           count(DISTINCT url) AS sampled
    FROM columns WHERE time >= %(start)s AND time < %(end)s GROUP BY 1, 2)
INSERT INTO daily (day, site, visits, failures, undecided, challenged, p50_ms, p95_ms, max_ms,
                   links_checked, dead_links, columns, rolled)
SELECT v.day, v.site, v.visits, v.failures, v.undecided, v.challenged, v.p50, v.p95, v.mx,
       coalesce(l.checked, 0), coalesce(l.dead, 0), coalesce(c.sampled, 0), now()
FROM v LEFT JOIN l USING (day, site) LEFT JOIN c USING (day, site)
ON CONFLICT (day, site) DO UPDATE SET
    visits = excluded.visits, failures = excluded.failures, undecided = excluded.undecided,
    challenged = excluded.challenged, p50_ms = excluded.p50_ms, p95_ms = excluded.p95_ms,
    max_ms = excluded.max_ms, links_checked = excluded.links_checked,
    dead_links = excluded.dead_links, columns = excluded.columns, rolled = excluded.rolled
"""


def roll_up(conn: psycopg.Connection, first: date, last: date) -> int:
    """Recompute the roll-ups of the China days first..last from the raw samples; rows
    written. A day whose raw samples are gone keeps its roll-up (no group, no row)."""
    with conn.transaction():
        cursor = conn.execute(ROLLUP_SQL, {"start": china_midnight(first),
                                           "end": china_midnight(last + timedelta(days=1))})
        return cursor.rowcount


def apply_retention(conn: psycopg.Connection, days: float, now: datetime | None = None
                    ) -> list[str]:
    """Drop the months whose every sample is older than `days` (their days rolled up first);
    the months dropped ("y2026m01")."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=days)
    dropped = []
    for month in partition_months(conn):
        end = next_month(month)
        if china_midnight(end) > cutoff:
            continue
        roll_up(conn, month, end - timedelta(days=1))
        suffix = f"y{month.year:04d}m{month.month:02d}"
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            for table in PARTITIONED:
                conn.execute(f"DROP TABLE IF EXISTS {table}_{suffix}")
        dropped.append(suffix)
    return dropped


def retention_days(conn: psycopg.Connection) -> float:
    row = conn.execute("SELECT value FROM settings WHERE key = 'retention_days'").fetchone()
    return float(row[0]) if row else 60.0


def set_retention_days(conn: psycopg.Connection, days: float) -> None:
    with conn.transaction():
        conn.execute("INSERT INTO settings (key, value) VALUES ('retention_days', %s) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (f"{days:g}",))


def days_between(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
