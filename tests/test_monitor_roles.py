"""The monitor's schema on the team server, connected to as each role: a worker writes the
monitor's tables (and makes their partitions) but reads nothing of the team's; the lead
reads the monitor's tables and writes none; an evaluator gets nothing there."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg
import pytest
from server_helpers import make_team

from govaudit.fleet import partitions, queue, schedule
from govaudit.fleet.schema import migrate

VISIT = ("INSERT INTO govaudit_monitor.visits (time, site, ok, status) "
         "VALUES (now(), '成都市', true, 200)")


@pytest.fixture
def team(postgres, monkeypatch):
    """A team server with the monitor's schema, a lead, an evaluator and a worker."""
    team = make_team(postgres, monkeypatch)
    team.add("王五", lead=True)
    team.add("张三")
    with team.connect() as owner:
        migrate(owner)
        worker = f"w_{uuid.uuid4().hex[:10]}"
        owner.execute(f'CREATE ROLE "{worker}" LOGIN IN ROLE govaudit_worker')
    team.roles["worker"] = worker
    return team


def _monitor(team, name: str) -> psycopg.Connection:
    return psycopg.connect(team.postgres.conninfo(team.roles[name], team.dbname,
                                                  options="-c search_path=govaudit_monitor"),
                           autocommit=True)


def test_a_worker_writes_the_monitor_and_makes_and_drops_its_partitions(team):
    far = datetime(2031, 5, 1, tzinfo=UTC)
    with team.connect() as owner:  # partitions another role made
        owner.execute("SET search_path TO govaudit_monitor")
        partitions.ensure_partitions(owner, far, far)
    with _monitor(team, "worker") as conn:
        assert migrate(conn) == []  # up to date: a worker connects without creating anything
        schedule.maintain(conn, datetime.now(UTC), 60)  # partitions, roll-ups, retention
        round_id, jobs = queue.enqueue_round(conn, 60.0, {}, [queue.SiteJob(
            "成都市", "http://www.chengdu.gov.cn/")])
        assert jobs == 1
        conn.execute(VISIT)
        conn.execute("UPDATE govaudit_monitor.jobs SET state = 'done' WHERE round = %s",
                     (round_id,))
        dropped = partitions.apply_retention(conn, 60, datetime(2032, 1, 1, tzinfo=UTC))
        assert "y2031m05" in dropped
        for statement in ("SELECT * FROM public.answers", "SELECT * FROM public.sites",
                          "SELECT * FROM public.audit_log"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_the_lead_reads_the_monitor_and_writes_nothing_there(team):
    with _monitor(team, "worker") as conn:
        now = datetime.now(UTC)
        partitions.ensure_partitions(conn, now, now)
        conn.execute(VISIT)
    with _monitor(team, "王五") as conn:
        assert conn.execute("SELECT site, status FROM govaudit_monitor.visits").fetchall() == [
            ("成都市", 200)]
        for table in ("daily", "failures", "shots", "jobs", "rounds", "workers", "columns",
                      "links", "settings"):
            conn.execute(f"SELECT count(*) FROM govaudit_monitor.{table}")
        for statement in (VISIT, "DELETE FROM govaudit_monitor.visits",
                          "UPDATE govaudit_monitor.settings SET value = '1'",
                          "CREATE TABLE govaudit_monitor.mine (n int)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_an_evaluator_gets_nothing_in_the_monitors_schema(team):
    with _monitor(team, "张三") as conn:
        for statement in ("SELECT * FROM govaudit_monitor.visits",
                          "SELECT * FROM govaudit_monitor.daily", VISIT):
            with pytest.raises(psycopg.errors.InsufficientPrivilege,
                               match="permission denied for schema govaudit_monitor"):
                conn.execute(statement)
