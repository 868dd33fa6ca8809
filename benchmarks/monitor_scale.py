"""Monitoring at national scale on loopback: 14,000 sites, 3 worker processes, PostgreSQL.

- A throwaway PostgreSQL cluster (tests/pg_cluster.py) and one asyncio server in a process
  of its own serving every site by path (tests/fleet_sites.py: a home page with a dated
  list, a column and two links; every 50th site answers 503; `--delay` seconds per answer).
  All sites share one host here, so the per-host pacing is off (`--host-interval 0s`):
  each site gets a handful of requests per round, as 14,000 real hosts would.
- Round 1 (`monitor schedule --once --no-spread`, a 30-minute round's jobs queued at once,
  so that its time is the capacity): every site's first visit, columns and links sampled
  too. One worker is killed -9 when a third of the visits are in; the others finish. Lost
  visits: sites of the round with no visit, plus visits the killed worker had committed
  that are gone (both must be 0); sites visited twice are counted too.
- Round 2: a steady round (columns are sampled every 6 h: home pages only).
- Per round: wall time, worker CPU per visit (user + system of every worker process, from
  wait4), rows and bytes written; per day (48 rounds, columns/links 4 times a day): raw
  rows and bytes, and after the roll-ups (what outlives the retention).
- `monitor status --server` at 90 days: 90 days of roll-ups and raw failures generated for
  every site (one failure a site a day), then the status over a 90-day window, in process
  and as the command (process start included).

Run: .venv/bin/python benchmarks/monitor_scale.py [--sites 14000] [--workers 3]
     [--concurrency 40] [--delay 0.05] [--quick] (1,000 sites)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from govaudit import Audit, VisitOptions  # noqa: E402
from govaudit.fleet.partitions import china_day, roll_up  # noqa: E402
from govaudit.fleet.schema import migrate  # noqa: E402
from govaudit.server.cluster import free_port  # noqa: E402
from govaudit.store import Site, Store  # noqa: E402
from tests.pg_cluster import throwaway_cluster  # noqa: E402

GOVAUDIT = [sys.executable, "-m", "commands"]
FAIL_EVERY = 50
ROUNDS_PER_DAY = 48  # every 30 minutes
DEEP_PER_DAY = 4  # columns and links every 6 hours
RAW = ("visits", "columns", "links", "failures")


def name(n: int) -> str:
    return f"站点{n:05d}"


def table_bytes(conn: psycopg.Connection, table: str) -> int:
    """The table's size with its indexes, partitions included."""
    row = conn.execute(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
        "LEFT JOIN pg_inherits i ON i.inhrelid = c.oid "
        "WHERE c.oid = %s::regclass OR i.inhparent = %s::regclass",
        (f"govaudit_monitor.{table}", f"govaudit_monitor.{table}")).fetchone()
    return int(row[0]) if row else 0


def counts(conn: psycopg.Connection) -> dict[str, tuple[int, int]]:
    return {t: (conn.execute(f"SELECT count(*) FROM govaudit_monitor.{t}").fetchone()[0],
                table_bytes(conn, t)) for t in (*RAW, "jobs", "daily")}


def run_round(args: argparse.Namespace, audit: Audit, conn: psycopg.Connection, env: dict,
              kill: bool) -> dict:
    before = counts(conn)
    options = VisitOptions(host_interval=0.0, allow_private=True, screenshots=False,
                           concurrency=args.concurrency, timeout=15.0)
    chosen = [name(n) for n in range(1, args.visit_sites + 1)]
    audit.monitor.schedule(1800.0, 1800.0, chosen, options, spread=False, once=True)
    round_id = conn.execute("SELECT max(id) FROM govaudit_monitor.rounds").fetchone()[0]
    started = time.monotonic()
    procs = [subprocess.Popen([*GOVAUDIT, "monitor", "worker", "--until-idle", "--lease",
                               f"{args.lease}s", "--concurrency", str(args.concurrency)],
                              cwd=audit.root, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
             for _ in range(args.workers)]
    cpu = 0.0
    killed_kept: set[int] = set()
    victim = procs[0]
    if kill:
        target = args.visit_sites // 3
        while conn.execute("SELECT count(*) FROM govaudit_monitor.visits WHERE round = %s",
                           (round_id,)).fetchone()[0] < target:
            time.sleep(0.2)
        os.kill(victim.pid, signal.SIGKILL)
        killed_kept = {r[0] for r in conn.execute(
            "SELECT id FROM govaudit_monitor.visits WHERE round = %s AND worker LIKE %s",
            (round_id, f"%:{victim.pid}:%"))}
        print(f"  killed worker {victim.pid} after {time.monotonic() - started:.1f} s; it had "
              f"committed {len(killed_kept):,} visit(s)", flush=True)
    for proc in procs:
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        cpu += usage.ru_utime + usage.ru_stime
        if (proc is not victim or not kill) and proc.returncode != 0:
            print(proc.stderr.read().decode() if proc.stderr else "", file=sys.stderr)
            raise SystemExit(f"worker {proc.pid} exited {proc.returncode}")
    took = time.monotonic() - started
    per_site = dict(conn.execute("SELECT site, count(*) FROM govaudit_monitor.visits "
                                 "WHERE round = %s GROUP BY site", (round_id,)).fetchall())
    visits = sum(per_site.values())
    still = {r[0] for r in conn.execute("SELECT id FROM govaudit_monitor.visits WHERE "
                                        "round = %s", (round_id,))}
    after = counts(conn)
    return {"round": round_id, "seconds": took, "visits": visits,
            "missing": args.visit_sites - len(per_site),
            "twice": sum(1 for n in per_site.values() if n > 1),
            "killed_lost": len(killed_kept - still), "killed_kept": len(killed_kept),
            "cpu": cpu, "rows": {t: after[t][0] - before[t][0] for t in RAW},
            "bytes": {t: after[t][1] - before[t][1] for t in RAW}}


def generate_history(conn: psycopg.Connection, sites: int, days: int) -> float:
    """`days` of roll-ups and one raw failure a site a day, before today; seconds taken."""
    started = time.monotonic()
    today = china_day(datetime.now(UTC))
    with conn.transaction():
        conn.execute(
            "INSERT INTO govaudit_monitor.daily (day, site, visits, failures, undecided, "
            "challenged, p50_ms, p95_ms, max_ms, links_checked, dead_links, columns) "
            "SELECT %s::date - d, format('站点%%s', lpad(n::text, 5, '0')), 48, 1, 0, 0, "
            "120 + n %% 50, 400 + n %% 300, 2000, 20, n %% 3, 2 "
            "FROM generate_series(1, %s) AS d, generate_series(1, %s) AS n "
            "ON CONFLICT DO NOTHING", (today, days, sites))
        conn.execute(
            "INSERT INTO govaudit_monitor.failures (visit, time, site, status, error, "
            "elapsed_ms, outcome) "
            "SELECT -((d - 1) * %s + n), (%s::date - d)::timestamp AT TIME ZONE "
            "'Asia/Shanghai' + (n %% 86400) * interval '1 second', "
            "format('站点%%s', lpad(n::text, 5, '0')), 503, 'HTTP 503', 35, 'down' "
            "FROM generate_series(1, %s) AS d, generate_series(1, %s) AS n",
            (sites, today, days, sites))
    conn.execute("ANALYZE govaudit_monitor.daily")
    conn.execute("ANALYZE govaudit_monitor.failures")
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=14_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=40)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--lease", type=float, default=15.0)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--visit-sites", type=int, default=0,
                        help="visit only this many of the sites in the two rounds (default: "
                             "all); the per-day and per-round figures are scaled to --sites")
    parser.add_argument("--quick", action="store_true", help="1,000 sites")
    args = parser.parse_args()
    if args.quick:
        args.sites = 1000
    args.visit_sites = min(args.visit_sites or args.sites, args.sites)
    scale = args.sites / args.visit_sites
    port = free_port()
    server = subprocess.Popen([sys.executable, str(ROOT / "tests" / "fleet_sites.py"),
                               str(port), str(args.delay), str(FAIL_EVERY)])
    try:
        with tempfile.TemporaryDirectory() as tmp, throwaway_cluster() as pg:
            pg.create_database("monitor")
            env = {**os.environ, **pg.environ(dbname="monitor"), "PYTHONPATH": str(ROOT)}
            os.environ.update(pg.environ(dbname="monitor"))
            audit = Audit.create(Path(tmp) / "ws", checklist="cstc-2020-local",
                                 evaluator="bench")
            Store(audit.workspace).add_sites([
                Site(name(n), f"http://127.0.0.1:{port}/s/{n}/", "county")
                for n in range(1, args.sites + 1)])
            print(f"{args.sites:,} sites on 127.0.0.1:{port} (answers after {args.delay:g} s), "
                  f"{args.visit_sites:,} visited in each round, {args.workers} workers × "
                  f"{args.concurrency} visits in flight", flush=True)
            with psycopg.connect(pg.conninfo(dbname="monitor",
                                             options="-c search_path=govaudit_monitor"),
                                 autocommit=True) as conn:
                migrate(conn)
                results = []
                for number, kill in ((1, True), (2, False)):
                    result = run_round(args, audit, conn, env, kill)
                    results.append(result)
                    kind = "first (columns and links too)" if number == 1 else "steady"
                    print(f"round {number}, {kind}: {result['visits']:,} visits in "
                          f"{result['seconds']:.1f} s ({result['seconds'] / 1800:.1%} of the "
                          f"30-minute interval); worker CPU {result['cpu']:.1f} s = "
                          f"{result['cpu'] / max(1, result['visits']) * 1000:.1f} ms per visit",
                          flush=True)
                    print(f"  rows {json.dumps(result['rows'])}; bytes "
                          f"{json.dumps(result['bytes'])}", flush=True)
                    if scale != 1:
                        print(f"  at {args.sites:,} sites: {result['seconds'] * scale:.0f} s "
                              "(scaled from the wall time; the CPU per visit stays)", flush=True)
                    if kill:
                        print(f"  lost visits: {result['missing'] + result['killed_lost']} "
                              f"(sites without a visit {result['missing']}, committed by the "
                              f"killed worker and gone {result['killed_lost']} of "
                              f"{result['killed_kept']:,}); sites visited twice: "
                              f"{result['twice']}", flush=True)
                deep, steady = results
                per_day_rows = round(scale * (
                    (ROUNDS_PER_DAY - DEEP_PER_DAY) * sum(steady["rows"].values())
                    + DEEP_PER_DAY * sum(deep["rows"].values())))
                per_day_bytes = scale * (
                    (ROUNDS_PER_DAY - DEEP_PER_DAY) * sum(steady["bytes"].values())
                    + DEEP_PER_DAY * sum(deep["bytes"].values()))
                today = china_day(datetime.now(UTC))
                started = time.monotonic()
                rolled = roll_up(conn, today, today)
                roll_seconds = time.monotonic() - started
                failures_per_day = round(scale * ROUNDS_PER_DAY * steady["rows"]["failures"])
                print(f"per day at {args.sites:,} sites (48 rounds, 4 with columns and links): "
                      f"raw {per_day_rows:,} rows, {per_day_bytes / 1e6:,.0f} MB; roll-up of "
                      f"today {rolled:,} rows in {roll_seconds:.2f} s", flush=True)
                generated = generate_history(conn, args.sites, args.days)
                (daily_rows, daily_bytes), (failure_rows, failure_bytes) = (
                    counts(conn)["daily"], counts(conn)["failures"])
                # bytes a row, from the tables at 90 days (a small table's pages overstate it)
                kept_per_day = daily_bytes / daily_rows * args.sites \
                    + failure_bytes / failure_rows * failures_per_day
                print(f"generated {args.days} days of roll-ups and failures for "
                      f"{args.sites:,} sites in {generated:.0f} s: daily {daily_rows:,} rows, "
                      f"failures {failure_rows:,} rows, "
                      f"{(daily_bytes + failure_bytes) / 1e6:,.0f} MB", flush=True)
                print(f"kept beyond the retention, per day: {args.sites:,} roll-up rows + "
                      f"{failures_per_day:,} failures = {kept_per_day / 1e6:,.1f} MB "
                      f"(raw: {per_day_bytes / 1e6:,.0f} MB)", flush=True)
            started = time.monotonic()
            report = audit.monitor.status(args.days * 86400.0, server=True)
            in_process = time.monotonic() - started
            started = time.monotonic()
            done = subprocess.run([*GOVAUDIT, "monitor", "status", "--server", "--window",
                                   f"{args.days}d", "--json"], cwd=audit.root, env=env,
                                  capture_output=True, text=True, timeout=600)
            command = time.monotonic() - started
            if done.returncode != 0:
                raise SystemExit(done.stderr)
            shown = json.loads(done.stdout)["sites"]
            print(f"monitor status --server over {args.days} days, {len(report.sites):,} "
                  f"sites: {in_process:.2f} s in process, {command:.2f} s as the command "
                  f"({len(shown):,} sites, {sum(s['visits'] for s in shown):,} visits)",
                  flush=True)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
