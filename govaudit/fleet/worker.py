"""A worker: takes visit and screenshot jobs from the queue and does them, on any machine.

Up to `concurrency` jobs are held at once, each under a lease that a heartbeat renews every
third of it. A visit is made by the single-machine monitor's Visitor (the same requests,
page model and verdicts); its samples are not written as it goes but kept with the job and
committed together with the job's end (`_complete_visit`): a worker killed at any moment
loses only the visits still in flight, which other workers make again once the lease has
run out, and a visit finished is never lost nor counted twice. A failed visit queues a
screenshot job, once per failure streak of a site; a worker with a workspace and a browser
takes it.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

import psycopg

from govaudit.errors import GovauditError
from govaudit.fleet import queue
from govaudit.fleet.connection import ServerSettings, connect, connect_async
from govaudit.fleet.partitions import ensure_partitions
from govaudit.fleet.schema import migrate
from govaudit.model import Site
from govaudit.monitor.config import ColumnTable
from govaudit.monitor.db import ColumnSample, LinkSample, Visit
from govaudit.monitor.db import _row as sample_row
from govaudit.monitor.visits import Shot, VisitOptions, Visitor, VisitResult

# takes [(site, failed visit id)] and returns {site: Shot}, in a thread (Monitor._screenshots)
Shooter = Callable[[list[tuple[Site, int]], VisitOptions], dict[str, Shot]]
RETRY_AFTER = 30.0  # seconds before a job that raised is offered again


@dataclass
class WorkerOptions:
    """How a worker runs."""

    concurrency: int = 20  # jobs held (visits in flight) at once
    lease: float = queue.LEASE  # seconds a job stays held without a heartbeat
    until_idle: bool = False  # stop when no job is queued or running anywhere
    poll: float = 1.0  # seconds between two looks at the queue when it is empty
    name: str = ""  # default: host:pid:random


@dataclass
class WorkerSummary:
    name: str
    visits: int = 0
    failures: int = 0
    shots: int = 0
    lost: int = 0  # jobs finished after their lease went to another worker: not kept
    errors: list[str] = field(default_factory=list)


class HeldSamples:
    """The Visitor's sample sink in a worker: nothing is written as the visit goes; the
    samples stay in the VisitResult and are committed with the job (`_complete_visit`)."""

    def __init__(self) -> None:
        self.deep: dict[str, float] = {}  # when each site's columns were last sampled

    def add_batch(self, visits: list[tuple[Visit, Callable[[int], None]]],
                  columns: list[ColumnSample], links: list[LinkSample]) -> None:
        return None

    def last_deep(self, site: str, now: float) -> float | None:
        last = self.deep.get(site)
        return last if last is not None and last <= now else None

    def streak_has_shot(self, site: str, when: float) -> bool:
        return True  # screenshots are jobs of their own (queued at the visit's completion)

    def add_shot(self, site: str, visit: int, time: float, evidence: str, error: str,
                 taken: float | None = None, shows: str = "") -> None:
        return None


def _stamp(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


VISIT_FIELDS = [f.name for f in fields(Visit)]
COLUMN_FIELDS = [f.name for f in fields(ColumnSample)]
LINK_FIELDS = [f.name for f in fields(LinkSample)]
INSERT_VISIT = (f"INSERT INTO visits (round, job, worker, {', '.join(VISIT_FIELDS)}) VALUES "
                f"(%s, %s, %s, {', '.join('%s' for _ in VISIT_FIELDS)}) RETURNING id")
INSERT_COLUMN = (f"INSERT INTO columns (visit, {', '.join(COLUMN_FIELDS)}) VALUES "
                 f"(%s, {', '.join('%s' for _ in COLUMN_FIELDS)})")
INSERT_LINK = (f"INSERT INTO links (visit, {', '.join(LINK_FIELDS)}) VALUES "
               f"(%s, {', '.join('%s' for _ in LINK_FIELDS)})")
INSERT_FAILURE = ("INSERT INTO failures (visit, time, site, round, worker, status, error, "
                  "elapsed_ms, outcome) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)")
# a screenshot job for a failed visit, unless its failure streak (since the site's last
# visit that opened) already has one
QUEUE_SHOT = """
INSERT INTO jobs (round, kind, site, payload)
SELECT %(round)s, 'shot', %(site)s, %(payload)s
WHERE NOT EXISTS (
    SELECT 1 FROM shots s WHERE s.site = %(site)s AND s.time > %(since)s
    UNION ALL
    SELECT 1 FROM jobs j WHERE j.kind = 'shot' AND j.site = %(site)s
        AND (j.payload->>'time')::timestamptz > %(since)s)
ON CONFLICT (round, kind, site) DO NOTHING
"""
LAST_OPENED = "SELECT max(time) FROM visits WHERE site = %s AND ok AND time <= %s"


def _with_time(row: tuple[Any, ...], names: list[str]) -> tuple[Any, ...]:
    at = names.index("time")
    return (*row[:at], _stamp(row[at]), *row[at + 1:])


class LostLease(Exception):
    """The job went to another worker before this one finished it: nothing is kept."""


class Worker:
    def __init__(self, settings: ServerSettings, table: ColumnTable, options: WorkerOptions,
                 shooter: Shooter | None = None,
                 on_visit: Callable[[VisitResult], None] | None = None) -> None:
        self.settings = settings
        self.table = table
        self.options = options
        self.shooter = shooter
        self.on_visit = on_visit
        self.name = options.name or (f"{socket.gethostname()}:{os.getpid()}:"
                                     f"{secrets.token_hex(3)}")
        self.summary = WorkerSummary(self.name)
        self.sink = HeldSamples()
        self.visitors: dict[int, Visitor] = {}
        self.round_options: dict[int, VisitOptions] = {}
        self.held: dict[int, queue.Job] = {}
        self.commit_lock = asyncio.Lock()
        self.stopping = False

    def prepare(self) -> None:
        """Migrate the schema and make this month's partitions (a sync connection)."""
        with connect(self.settings, autocommit=True) as conn:
            migrate(conn)
            now = datetime.now(UTC)
            ensure_partitions(conn, now, now)

    async def run(self) -> WorkerSummary:
        await asyncio.to_thread(self.prepare)
        self.conn = await connect_async(self.settings, autocommit=True)
        self.commit = await connect_async(self.settings)
        try:
            await self.conn.execute(
                "INSERT INTO workers (name, host, pid) VALUES (%s, %s, %s)",
                (self.name, socket.gethostname(), os.getpid()))
            beat = asyncio.create_task(self._heartbeat())
            try:
                await self._loop()
            finally:
                beat.cancel()
                await self._release()
                for visitor in self.visitors.values():
                    await visitor.finish()
        finally:
            await self.conn.close()
            await self.commit.close()
        return self.summary

    async def _loop(self) -> None:
        tasks: set[asyncio.Task[None]] = set()
        try:
            while not self.stopping:
                free = self.options.concurrency - len(self.held)
                taken = await self._claim(free) if free > 0 else []
                for job in taken:
                    self.held[job.id] = job
                    task = asyncio.create_task(self._work(job))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                if not taken and not self.held and self.options.until_idle:
                    row = await (await self.conn.execute(queue.OPEN_SQL)).fetchone()
                    if row is not None and row[0] == 0:
                        break
                if tasks:
                    await asyncio.wait(tasks, timeout=self.options.poll if not taken else 0.05,
                                       return_when=asyncio.FIRST_COMPLETED)
                else:
                    await asyncio.sleep(self.options.poll)
        finally:
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _claim(self, count: int) -> list[queue.Job]:
        args = {"n": count, "worker": self.name, "lease": self.options.lease}
        await self.conn.execute(queue.ABANDON_SQL)
        rows = await (await self.conn.execute(queue.CLAIM_STALE_SQL, args)).fetchall()
        if len(rows) < count:
            args["n"] = count - len(rows)
            rows += await (await self.conn.execute(queue.CLAIM_QUEUED_SQL, args)).fetchall()
        return [queue.job_of(tuple(row)) for row in rows]

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.options.lease / 3)
            await self.conn.execute(queue.HEARTBEAT_SQL, (self.options.lease, self.name,
                                                          list(self.held)))
            await self.conn.execute("UPDATE workers SET seen = now() WHERE name = %s",
                                    (self.name,))

    async def _release(self) -> None:
        """Give the jobs still held back to the queue (a worker stopped by Ctrl-C)."""
        if self.held:
            await self.conn.execute(queue.RELEASE_SQL, (self.name, list(self.held)))
            self.held.clear()

    async def _options(self, round_id: int) -> VisitOptions:
        if round_id not in self.round_options:
            row = await (await self.conn.execute("SELECT options FROM rounds WHERE id = %s",
                                                 (round_id,))).fetchone()
            given = dict(row[0]) if row else {}
            given["skip_hosts"] = tuple(given.get("skip_hosts") or ())
            known = {f.name for f in fields(VisitOptions)}
            self.round_options[round_id] = VisitOptions(
                **{k: v for k, v in given.items() if k in known})
        return self.round_options[round_id]

    async def _visitor(self, round_id: int) -> Visitor:
        if round_id not in self.visitors:
            options = await self._options(round_id)
            # screenshots are jobs of their own, not the Visitor's
            self.visitors[round_id] = Visitor(self.sink, _without_shots(options), self.table)
        return self.visitors[round_id]

    async def _work(self, job: queue.Job) -> None:
        try:
            if job.kind == "visit":
                await self._visit(job)
            else:
                await self._shoot(job)
        except LostLease:
            self.summary.lost += 1
        except (GovauditError, psycopg.Error, OSError, ValueError) as exc:
            self.summary.errors.append(f"{job.site}: {exc}")
            await self.conn.execute(
                "UPDATE jobs SET state = 'queued', worker = NULL, lease_until = NULL, "
                "not_before = now() + %s * interval '1 second', error = %s "
                "WHERE id = %s AND worker = %s AND state = 'running'",
                (RETRY_AFTER, str(exc)[:500], job.id, self.name))
        finally:
            self.held.pop(job.id, None)

    async def _visit(self, job: queue.Job) -> None:
        visitor = await self._visitor(job.round)
        if job.last_deep is not None:
            self.sink.deep[job.site] = job.last_deep.timestamp()
        url = str(job.payload.get("url") or "")
        visitor.recorded[job.site] = [str(u) for u in job.payload.get("recorded") or []]
        result = await visitor.visit(Site(job.site, url, ""))
        options = await self._options(job.round)
        await self._complete_visit(job, result, options.screenshots)
        self.summary.visits += 1
        self.summary.failures += not result.visit.ok
        if self.on_visit is not None:
            self.on_visit(result)

    async def _complete_visit(self, job: queue.Job, result: VisitResult,
                              screenshots: bool) -> None:
        """The visit's samples and its job's end, in one transaction; twice at most, when
        the visit's month had no partition yet."""
        for attempt in range(2):
            try:
                async with self.commit_lock:
                    await self._write_visit(job, result, screenshots)
                return
            except psycopg.errors.CheckViolation as exc:  # no partition for its time
                if attempt or "no partition" not in str(exc):
                    raise
                when = _stamp(result.visit.time)
                await asyncio.to_thread(_partitions_for, self.settings, when)

    async def _write_visit(self, job: queue.Job, result: VisitResult,
                           screenshots: bool) -> None:
        visit = result.visit
        conn = self.commit
        async with conn.transaction():
            finished = await (await conn.execute(queue.FINISH_SQL,
                                                 (job.id, self.name))).fetchone()
            if finished is None:
                raise LostLease(job.id)
            row = await (await conn.execute(INSERT_VISIT, (
                job.round, job.id, self.name,
                *_with_time(sample_row(visit), VISIT_FIELDS)))).fetchone()
            assert row is not None
            visit_id = int(row[0])
            async with conn.cursor() as cursor:
                if result.columns:
                    await cursor.executemany(INSERT_COLUMN, [
                        (visit_id, *_with_time(sample_row(c), COLUMN_FIELDS))
                        for c in result.columns])
                if result.links:
                    await cursor.executemany(INSERT_LINK, [
                        (visit_id, *_with_time(sample_row(x), LINK_FIELDS))
                        for x in result.links])
            failed = not visit.ok and visit.outcome != "challenge"
            if failed:
                when = _stamp(visit.time)
                await conn.execute(INSERT_FAILURE, (
                    visit_id, when, visit.site, job.round, self.name, visit.status,
                    sample_row(visit)[VISIT_FIELDS.index("error")], visit.elapsed_ms,
                    visit.outcome))
                if screenshots:
                    opened = await (await conn.execute(LAST_OPENED, (visit.site, when))
                                    ).fetchone()
                    since = opened[0] if opened and opened[0] else datetime(1970, 1, 1,
                                                                             tzinfo=UTC)
                    await conn.execute(QUEUE_SHOT, {
                        "round": job.round, "site": visit.site, "since": since,
                        "payload": json.dumps({"url": job.payload.get("url"),
                                               "visit": visit_id, "time": when.isoformat()})})
        result.written(visit_id)

    async def _shoot(self, job: queue.Job) -> None:
        """A screenshot of a site whose visit failed, by this worker's browser."""
        if self.shooter is None:  # no workspace here: leave it to a worker that has one
            await self.conn.execute(queue.RELEASE_SQL, (self.name, [job.id]))
            self.held.pop(job.id, None)
            return
        options = await self._options(job.round)
        visit_id = int(job.payload.get("visit") or 0)
        site = Site(job.site, str(job.payload.get("url") or ""), "")
        try:
            taken = await asyncio.to_thread(self.shooter, [(site, visit_id)], options)
        except Exception as exc:  # noqa: BLE001 - no browser must not stop the worker
            taken = {site.name: ("", str(exc), None, "")}
        evidence, error, at, shows = taken.get(site.name, ("", "not captured", None, ""))
        when = datetime.fromisoformat(str(job.payload.get("time")))
        async with self.commit_lock, self.commit.transaction():
            finished = await (await self.commit.execute(queue.FINISH_SQL,
                                                        (job.id, self.name))).fetchone()
            if finished is None:
                raise LostLease(job.id)
            await self.commit.execute(
                "INSERT INTO shots (site, visit, time, evidence, error, taken, shows, worker) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (site.name, visit_id, when, evidence, error,
                 _stamp(at) if at is not None else None, shows, self.name))
        self.summary.shots += 1


def _without_shots(options: VisitOptions) -> VisitOptions:
    from dataclasses import replace

    return replace(options, screenshots=False)


def _partitions_for(settings: ServerSettings, when: datetime) -> None:
    with connect(settings, autocommit=True) as conn:
        ensure_partitions(conn, when, when)


def run_worker(settings: ServerSettings, table: ColumnTable, options: WorkerOptions,
               shooter: Shooter | None = None,
               on_visit: Callable[[VisitResult], None] | None = None) -> WorkerSummary:
    """Take jobs until stopped (Ctrl-C: the jobs held go back to the queue), or, with
    `until_idle`, until no job is left queued or running."""
    import govaudit.asyncrun as asyncrun

    worker = Worker(settings, table, options, shooter, on_visit)
    return asyncrun.run(worker.run())
