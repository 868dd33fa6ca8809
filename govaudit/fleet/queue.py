"""The job queue: rounds of visit jobs (and screenshot jobs), taken by workers with
FOR UPDATE SKIP LOCKED, each held under a lease its worker renews (the heartbeat).

A job's life: queued → running (a worker took it: `worker`, `lease_until`, `attempts`) →
done (its samples committed in the same transaction, `complete_visit`), or back to another
worker when its lease runs out (the worker died or hung), or abandoned after MAX_ATTEMPTS
takings (a site that kills every worker that visits it). A completion is refused unless
the job is still the worker's own and running: a worker that lost its lease commits
nothing, so a visit is kept once per job, never twice.

Why not procrastinate: its workers mark a job done in a transaction of their own after
the task returns, so a worker killed between the two re-runs a visit whose samples are
already committed (a site visited twice in a round). Here the samples and the job's end
are one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

MAX_ATTEMPTS = 3
LEASE = 60.0  # seconds a job is held without a heartbeat


@dataclass(frozen=True)
class Job:
    id: int
    round: int
    kind: str
    site: str
    payload: dict[str, Any]
    attempts: int
    last_deep: datetime | None = None  # when the site's columns were last sampled


@dataclass(frozen=True)
class SiteJob:
    """One site's visit in a round: its name, address, recorded pages and slot."""

    site: str
    url: str
    recorded: tuple[str, ...] = ()
    not_before: datetime | None = None


def enqueue_round(conn: psycopg.Connection, every: float, options: dict[str, Any],
                  sites: Iterable[SiteJob]) -> tuple[int, int]:
    """A new round and a visit job per site, in one transaction; (round id, jobs)."""
    chosen = list(sites)
    with conn.transaction():
        row = conn.execute("INSERT INTO rounds (every_s, options, sites) VALUES (%s, %s, %s) "
                           "RETURNING id", (every, json.dumps(options), len(chosen))).fetchone()
        assert row is not None
        round_id = int(row[0])
        with conn.cursor().copy("COPY jobs (round, kind, site, payload, not_before) "
                                "FROM STDIN") as copy:
            for s in chosen:
                copy.write_row((round_id, "visit", s.site,
                                json.dumps({"url": s.url, "recorded": list(s.recorded)},
                                           ensure_ascii=False),
                                s.not_before or datetime.now().astimezone()))
    return round_id, len(chosen)


def _claim_sql(where: str) -> str:
    return f"""
WITH picked AS (
    SELECT id FROM jobs WHERE {where} ORDER BY not_before, id LIMIT %(n)s
    FOR UPDATE SKIP LOCKED)
UPDATE jobs j SET state = 'running', worker = %(worker)s, attempts = j.attempts + 1,
       lease_until = now() + %(lease)s * interval '1 second'
FROM picked WHERE j.id = picked.id
RETURNING j.id, j.round, j.kind, j.site, j.payload, j.attempts,
    (SELECT max(v.time) FROM visits v WHERE v.site = j.site AND v.deep)
"""


ABANDON_SQL = (f"UPDATE jobs SET state = 'abandoned', finished = now(), error = "
               f"'taken {MAX_ATTEMPTS} times, never finished (its workers died)' "
               f"WHERE state = 'running' AND lease_until < now() AND attempts >= {MAX_ATTEMPTS}")
CLAIM_STALE_SQL = _claim_sql("state = 'running' AND lease_until < now()")
CLAIM_QUEUED_SQL = _claim_sql("state = 'queued' AND not_before <= now()")
HEARTBEAT_SQL = ("UPDATE jobs SET lease_until = now() + %s * interval '1 second' "
                 "WHERE worker = %s AND state = 'running' AND id = ANY(%s)")
RELEASE_SQL = ("UPDATE jobs SET state = 'queued', worker = NULL, lease_until = NULL, "
               "attempts = greatest(attempts - 1, 0) "
               "WHERE worker = %s AND state = 'running' AND id = ANY(%s)")
FINISH_SQL = ("UPDATE jobs SET state = 'done', finished = now(), lease_until = NULL "
              "WHERE id = %s AND worker = %s AND state = 'running' RETURNING id")
OPEN_SQL = "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')"


def job_of(row: tuple[Any, ...]) -> Job:
    payload = row[4] if isinstance(row[4], dict) else json.loads(row[4])
    return Job(int(row[0]), int(row[1]), str(row[2]), str(row[3]), payload, int(row[5]),
               row[6])


def round_counts(conn: psycopg.Connection, round_id: int) -> dict[str, int]:
    """{state: jobs} of a round's visits."""
    return {str(state): int(n) for state, n in conn.execute(
        "SELECT state, count(*) FROM jobs WHERE round = %s AND kind = 'visit' GROUP BY state",
        (round_id,))}


def forget_finished(conn: psycopg.Connection, days: float) -> int:
    """Delete the jobs finished more than `days` ago (the samples stay); how many."""
    with conn.transaction():
        cursor = conn.execute("DELETE FROM jobs WHERE state IN ('done', 'abandoned') AND "
                              "finished < now() - %s * interval '1 day'", (days,))
        conn.execute("DELETE FROM rounds r WHERE created < now() - %s * interval '1 day' "
                     "AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.round = r.id)", (days,))
        return cursor.rowcount
