"""Rounds: every site's visit once, queued for the workers at each interval.

Each round first keeps the server in order: the partitions ahead, the roll-ups of yesterday
and today, the retention (months past it rolled up and dropped), and the jobs finished days
ago forgotten. Then it queues a visit job per site: at once, or (`spread`) at the site's own
slot inside the interval, as the single-machine monitor schedules it (slot_offset), so that
visits spread evenly and a site keeps its time of day.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import psycopg

from govaudit.fleet import queue
from govaudit.fleet.connection import ServerSettings, connect
from govaudit.fleet.partitions import (
    apply_retention,
    china_day,
    ensure_partitions,
    retention_days,
    roll_up,
    set_retention_days,
)
from govaudit.fleet.schema import migrate
from govaudit.monitor.schedule import slot_offset
from govaudit.monitor.visits import VisitOptions

FORGET_JOBS_AFTER = 2.0  # days a finished job is kept (its samples are kept as retained)


@dataclass(frozen=True)
class RoundQueued:
    """What queueing one round did."""

    round: int
    jobs: int
    dropped: list[str]  # months dropped by the retention
    rolled: int  # roll-up rows written
    at: float


def maintain(conn: psycopg.Connection, now: datetime, retention: float | None) -> tuple[
        list[str], int]:
    """Partitions ahead, today's and yesterday's roll-ups, the retention; (dropped, rolled)."""
    ensure_partitions(conn, now, now)
    if retention is not None:
        set_retention_days(conn, retention)
    today = china_day(now)
    rolled = roll_up(conn, today - timedelta(days=1), today)
    dropped = apply_retention(conn, retention_days(conn), now)
    queue.forget_finished(conn, FORGET_JOBS_AFTER)
    return dropped, rolled


def queue_round(conn: psycopg.Connection, sites: list[queue.SiteJob], every: float,
                options: VisitOptions, spread: bool, retention: float | None = None,
                now: datetime | None = None) -> RoundQueued:
    """Keep the server in order, then queue one round of `sites`."""
    now = now or datetime.now(UTC)
    dropped, rolled = maintain(conn, now, retention)
    start = now.timestamp()
    if spread:
        sites = [queue.SiteJob(s.site, s.url, s.recorded, datetime.fromtimestamp(
            start + slot_offset(s.site, every), UTC)) for s in sites]
    round_id, jobs = queue.enqueue_round(conn, every, _plain(options), sites)
    return RoundQueued(round_id, jobs, dropped, rolled, start)


def _plain(options: VisitOptions) -> dict[str, object]:
    data = asdict(options)
    data["skip_hosts"] = list(options.skip_hosts)
    return data


def run_schedule(settings: ServerSettings, sites: Callable[[], list[queue.SiteJob]],
                 every: float, until: float, options: VisitOptions, spread: bool,
                 retention: float | None, once: bool,
                 on_round: Callable[[RoundQueued], None] | None = None,
                 clock: Callable[[], float] = time.time) -> int:
    """Queue a round now and then every `every` seconds until `until` (epoch seconds), or
    once; the rounds queued. Ctrl-C stops between rounds."""
    done = 0
    with connect(settings, autocommit=True) as conn:
        migrate(conn)
        next_at = clock()
        while True:
            queued = queue_round(conn, sites(), every, options, spread, retention)
            done += 1
            if on_round is not None:
                on_round(queued)
            next_at += every
            if once or next_at >= until:
                return done
            time.sleep(max(0.0, next_at - clock()))
