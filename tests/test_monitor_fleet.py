"""Monitoring across machines on a real PostgreSQL (the session's throwaway cluster): the
monitor's own schema and migrations, rounds taken by worker processes (one killed -9 in
the middle), the monthly partitions, the retention and the daily roll-ups."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from govaudit.fleet import partitions, queue
from govaudit.fleet.connection import ServerSettings, connect
from govaudit.fleet.schema import migrate
from govaudit.fleet.worker import LostLease, Worker, WorkerOptions
from govaudit.monitor.config import column_table
from govaudit.monitor.db import Visit
from govaudit.monitor.visits import VisitResult
from tests.conftest import run_cli
from tests.fleet_sites import Sites
from tests.monitor_kills import GOVAUDIT

SITES = 80
FAIL_EVERY = 20  # sites 20, 40, … answer 503
PATH = "-c search_path=govaudit_monitor"


@pytest.fixture
def server_env(postgres, monkeypatch, request):
    """A new database on the session's cluster, reached through libpq's environment (as a
    worker on another machine would be, with no password in the workspace)."""
    name = "mon_" + request.node.name.lower()[:40].replace("[", "_").replace("]", "")
    postgres.create_database(name)
    env = postgres.environ(dbname=name)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def conn(server_env):
    with connect(ServerSettings(), autocommit=True) as c:
        migrate(c)
        yield c


def test_the_monitor_migrates_in_a_schema_of_its_own_once(server_env):
    with connect(ServerSettings(), autocommit=True) as c:
        c.execute("CREATE TABLE public.schema_version (version int)")  # the team server's
        assert [m.version for m in migrate(c)] == [1, 2, 3]
        assert migrate(c) == []
        rows = c.execute("SELECT version, name FROM govaudit_monitor.schema_version "
                         "ORDER BY version").fetchall()
        assert rows == [(1, "samples"), (2, "queue"), (3, "roles")]
        assert c.execute("SELECT count(*) FROM public.schema_version").fetchone()[0] == 0
        # visits are partitioned by month
        kind = c.execute("SELECT relkind FROM pg_class WHERE oid = "
                         "'govaudit_monitor.visits'::regclass").fetchone()[0]
        assert kind == "p"


def test_no_password_in_the_workspace_and_a_clear_error_without_a_server(tmp_path,
                                                                          monkeypatch):
    from govaudit.errors import GovauditError

    config = tmp_path / "govaudit.toml"
    config.write_text('[server]\nservice = "team"\npassword = "x"\n', encoding="utf-8")
    with pytest.raises(GovauditError, match="must not hold a password"):
        ServerSettings.from_config(config)
    for name in ("PGSERVICE", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(GovauditError, match="no monitoring server is set"):
        connect(ServerSettings())


def _visit(conn, site: str, when: datetime, ok: bool = True, elapsed: float = 100.0,
           outcome: str = "") -> int:
    row = conn.execute(
        "INSERT INTO visits (time, site, ok, status, elapsed_ms, outcome, error) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (when, site, ok, 200 if ok else 503, elapsed,
         outcome or ("opened" if ok else "down"), "" if ok else "HTTP 503")).fetchone()
    if not ok and outcome != "challenge":
        conn.execute("INSERT INTO failures (visit, time, site, status, error, elapsed_ms) "
                     "VALUES (%s, %s, %s, 503, 'HTTP 503', %s)", (row[0], when, site, elapsed))
    return int(row[0])


def test_roll_ups_equal_the_raw_counts(conn):
    now = datetime.now(UTC)
    partitions.ensure_partitions(conn, now - timedelta(days=3), now)
    day0 = partitions.china_midnight(partitions.china_day(now) - timedelta(days=2))
    expected: dict[tuple[str, object], list[float]] = {}
    for d in range(3):
        for s in range(4):
            site = f"站{s}"
            for i in range(10 + s + d):
                when = day0 + timedelta(days=d, hours=i % 20, minutes=i)
                ok = (i + s) % 7 != 0
                outcome = "challenge" if i == 3 and s == 1 else ""
                _visit(conn, site, when, ok and not outcome, 50.0 + 10 * i + s, outcome)
                expected.setdefault((site, (day0 + timedelta(days=d)).date()), []).append(0)
    partitions.roll_up(conn, day0.date(), partitions.china_day(now))
    rolled = {(r[0], r[1]): r[2:] for r in conn.execute(
        "SELECT site, day, visits, failures, undecided, p50_ms, p95_ms, max_ms FROM daily")}
    raw = {(r[0], r[1]): r[2:] for r in conn.execute(
        "SELECT site, (time AT TIME ZONE 'Asia/Shanghai')::date, "
        "count(*) FILTER (WHERE outcome <> 'challenge'), "
        "count(*) FILTER (WHERE NOT ok AND outcome <> 'challenge'), "
        "count(*) FILTER (WHERE outcome = 'challenge'), array_agg(elapsed_ms) "
        "FILTER (WHERE ok) FROM visits GROUP BY 1, 2")}
    assert set(rolled) == set(raw) == set(expected) and len(rolled) == 12
    for key, (visits, failures, undecided, latencies) in raw.items():
        got = rolled[key]
        assert got[:3] == (visits, failures, undecided)
        ordered = sorted(latencies)
        assert got[5] == pytest.approx(max(ordered))
        assert got[3] == pytest.approx(_percentile(ordered, 0.5), rel=1e-5)
        assert got[4] == pytest.approx(_percentile(ordered, 0.95), rel=1e-5)
    assert sum(v[0] + v[2] for v in rolled.values()) == conn.execute(
        "SELECT count(*) FROM visits").fetchone()[0]


def _percentile(ordered: list[float], q: float) -> float:
    """percentile_cont: linear between the two nearest ranks."""
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def test_retention_drops_old_months_whole_and_keeps_roll_ups_and_failures(conn):
    now = datetime.now(UTC)
    old = now - timedelta(days=120)
    partitions.ensure_partitions(conn, old, now)
    months_before = partitions.partition_months(conn)
    for i in range(6):
        _visit(conn, "甲", old + timedelta(hours=i), ok=i % 3 != 0)
        _visit(conn, "甲", now - timedelta(minutes=i + 1), ok=True)
    assert partitions.apply_retention(conn, 30, now) == [
        f"y{m.year:04d}m{m.month:02d}" for m in months_before
        if partitions.china_midnight(partitions.next_month(m)) <= now - timedelta(days=30)]
    after = partitions.partition_months(conn)
    assert partitions.month_start(partitions.china_day(old)) not in after
    assert partitions.month_start(partitions.china_day(now)) in after
    # the old raw visits are gone with their partitions; today's stay
    assert conn.execute("SELECT count(*) FROM visits").fetchone()[0] == 6
    assert conn.execute("SELECT count(*) FROM visits WHERE time < %s",
                        (now - timedelta(days=30),)).fetchone()[0] == 0
    # their day was rolled up before the drop, and the failures are kept
    day = partitions.china_day(old)
    rolled = conn.execute("SELECT sum(visits), sum(failures) FROM daily WHERE day <= %s",
                          (day + timedelta(days=1),)).fetchone()
    assert tuple(rolled) == (6, 2)
    assert conn.execute("SELECT count(*) FROM failures WHERE time < %s",
                        (now - timedelta(days=30),)).fetchone()[0] == 2
    # a later roll-up of those days keeps what they said
    partitions.roll_up(conn, day - timedelta(days=1), day + timedelta(days=1))
    assert tuple(conn.execute("SELECT sum(visits), sum(failures) FROM daily WHERE day <= %s",
                              (day + timedelta(days=1),)).fetchone()) == (6, 2)


def test_a_worker_that_lost_its_lease_commits_nothing(conn, server_env):
    round_id, _ = queue.enqueue_round(conn, 60, {}, [queue.SiteJob("甲", "http://a.test/")])
    settings = ServerSettings()
    partitions.ensure_partitions(conn, datetime.now(UTC), datetime.now(UTC))

    async def scenario() -> None:
        first = Worker(settings, column_table(), WorkerOptions(name="first", lease=30))
        second = Worker(settings, column_table(), WorkerOptions(name="second", lease=30))
        for w in (first, second):
            w.conn = await psycopg.AsyncConnection.connect(autocommit=True, options=PATH)
            w.commit = await psycopg.AsyncConnection.connect(options=PATH)
        try:
            [job] = await first._claim(5)
            assert await second._claim(5) == []  # held
            await first.conn.execute("UPDATE jobs SET lease_until = now() - interval '1 s'")
            [again] = await second._claim(5)  # the lease ran out: another worker takes it
            assert again.id == job.id and again.attempts == 2
            late = VisitResult(Visit("甲", time.time(), True, 200), 0)
            with pytest.raises(LostLease):
                await first._write_visit(job, late, False)
            await second._write_visit(again, VisitResult(Visit("甲", time.time(), True, 200),
                                                          0), False)
        finally:
            for w in (first, second):
                await w.conn.close()
                await w.commit.close()

    asyncio.run(scenario())
    assert conn.execute("SELECT worker FROM visits").fetchall() == [("second",)]
    assert queue.round_counts(conn, round_id) == {"done": 1}


def _wait(predicate, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_two_worker_processes_one_killed_mid_round_lose_no_visit_and_visit_each_site_once(
        make_workspace, server_env, tmp_path):
    sites = Sites(delay=0.2, fail_every=FAIL_EVERY).start()
    try:
        ws = make_workspace(sites=[(f"站点{n:03d}", sites.url(n), "county")
                                   for n in range(1, SITES + 1)])
        queued = run_cli("monitor", "schedule", "--once", "--no-spread", "--host-interval",
                         "0s", "--allow-private", "--no-screenshots", "--timeout", "20",
                         cwd=ws.root)
        assert queued.returncode == 0, queued.stderr
        env = {**os.environ, **server_env}
        log = tmp_path / "workers"
        log.mkdir()
        procs = [subprocess.Popen([*GOVAUDIT, "monitor", "worker", "--until-idle", "--lease",
                                   "3s", "--concurrency", "6"], cwd=ws.root, env=env,
                                  stdout=(log / f"{i}.out").open("w"),
                                  stderr=(log / f"{i}.err").open("w"))
                 for i in range(2)]
        victim, survivor = procs
        try:
            with connect(ServerSettings(), autocommit=True) as c:
                def committed_by_victim() -> int:
                    return c.execute("SELECT count(*) FROM visits WHERE worker LIKE %s",
                                     (f"%:{victim.pid}:%",)).fetchone()[0]

                _wait(lambda: committed_by_victim() >= 8, 90, "the first worker's visits")
                os.kill(victim.pid, signal.SIGKILL)
                victim.wait(10)
                kept = {r[0] for r in c.execute("SELECT id FROM visits WHERE worker LIKE %s",
                                                (f"%:{victim.pid}:%",))}
                held = c.execute("SELECT count(*) FROM jobs WHERE state = 'running' AND "
                                 "worker LIKE %s", (f"%:{victim.pid}:%",)).fetchone()[0]
                assert held > 0, "the kill came with no visit in flight"
                assert survivor.wait(180) == 0, (log / "1.err").read_text()

                per_site = dict(c.execute("SELECT site, count(*) FROM visits GROUP BY site"))
                assert len(per_site) == SITES and set(per_site.values()) == {1}
                assert kept <= {r[0] for r in c.execute("SELECT id FROM visits")}
                states = dict(c.execute("SELECT state, count(*) FROM jobs GROUP BY state"))
                assert states == {"done": SITES}
                taken_over = c.execute("SELECT count(*) FROM jobs WHERE attempts = 2 AND "
                                       "worker NOT LIKE %s", (f"%:{victim.pid}:%",)).fetchone()[0]
                assert taken_over == held
                failed = {r[0] for r in c.execute("SELECT site FROM failures")}
                assert failed == {f"站点{n:03d}" for n in range(FAIL_EVERY, SITES + 1,
                                                                 FAIL_EVERY)}
                # every site's home page was really fetched (the victim's in-flight ones twice)
                assert set(sites.homes) == set(range(1, SITES + 1))
                today = partitions.china_day(datetime.now(UTC))
                partitions.roll_up(c, today - timedelta(days=1), today)
                assert c.execute("SELECT sum(visits), sum(failures) FROM daily").fetchone() \
                    == (SITES, len(failed))
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait(10)
        shown = run_cli("monitor", "status", "--server", "--window", "1d", "--json",
                        cwd=ws.root)
        assert shown.returncode == 0, shown.stderr
        report = json.loads(shown.stdout)
        by_site = {s["site"]: s for s in report["sites"]}
        assert len(by_site) == SITES
        assert by_site["站点020"]["visits"] == 1 and by_site["站点020"]["failures"] == 1
        assert by_site["站点001"]["visits"] == 1 and by_site["站点001"]["failures"] == 0
    finally:
        sites.stop()


def test_a_visit_in_a_month_without_a_partition_makes_it_and_is_kept(conn, server_env):
    queue.enqueue_round(conn, 60, {}, [queue.SiteJob("乙", "http://b.test/")])
    later = datetime.now(UTC) + timedelta(days=200)  # past the months made ahead
    assert partitions.month_start(partitions.china_day(later)) not in \
        partitions.partition_months(conn)

    async def scenario() -> None:
        worker = Worker(ServerSettings(), column_table(), WorkerOptions(name="w", lease=30))
        worker.conn = await psycopg.AsyncConnection.connect(autocommit=True, options=PATH)
        worker.commit = await psycopg.AsyncConnection.connect(options=PATH)
        try:
            [job] = await worker._claim(1)
            visit = Visit("乙", later.timestamp(), False, 503, "HTTP 503", outcome="down")
            await worker._complete_visit(job, VisitResult(visit, 0), False)
        finally:
            await worker.conn.close()
            await worker.commit.close()

    asyncio.run(scenario())
    assert partitions.month_start(partitions.china_day(later)) in \
        partitions.partition_months(conn)
    assert conn.execute("SELECT count(*) FROM visits").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM failures").fetchone()[0] == 1


def test_a_spread_round_waits_for_each_sites_slot_and_keeps_the_server_in_order(conn):
    from govaudit.fleet.schedule import queue_round
    from govaudit.monitor.schedule import slot_offset
    from govaudit.monitor.visits import VisitOptions

    now = datetime.now(UTC)
    sites = [queue.SiteJob(f"站{n}", f"http://s{n}.test/") for n in range(30)]
    done = queue_round(conn, sites, 1800.0, VisitOptions(timeout=9.0), spread=True,
                       retention=45, now=now)
    assert done.jobs == 30
    slots = dict(conn.execute("SELECT site, not_before FROM jobs WHERE round = %s",
                              (done.round,)))
    for site in sites:
        assert slots[site.site].timestamp() == pytest.approx(
            now.timestamp() + slot_offset(site.site, 1800.0), abs=0.01)
    stored = conn.execute("SELECT options FROM rounds WHERE id = %s",
                          (done.round,)).fetchone()[0]
    assert stored["timeout"] == 9.0 and stored["skip_hosts"] == []
    assert partitions.retention_days(conn) == 45
    # this month and the next two have their partitions
    month = partitions.month_start(partitions.china_day(now))
    assert partitions.partition_months(conn)[:3] == [
        month, partitions.next_month(month), partitions.next_month(partitions.next_month(month))]
