"""Roles and row-level security, enforced by PostgreSQL: each test connects as each role."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.types.json import Jsonb
from server_helpers import make_team

INSERT = ("INSERT INTO answers (site, question, evaluator, version, indicator, value, answered)"
          " VALUES (%s, %s, %s, %s, 'a1', %s, '2026-12-01T00:00:00+00:00')")


@pytest.fixture
def team(postgres, monkeypatch):
    """Two evaluators (成都 to 张三, 绵阳 to 李四), a lead, one answer each."""
    team = make_team(postgres, monkeypatch)
    team.add("张三")
    team.add("李四")
    team.add("王五", lead=True)
    with team.connect() as owner:
        for site in ("成都市", "绵阳市"):
            owner.execute("INSERT INTO sites (name, url, level) VALUES (%s, %s, 'city')",
                          (site, f"http://{site}.gov.cn/"))
    with team.server() as server:
        server.assign("张三", ["成都市"])
        server.assign("李四", ["绵阳市"])
    with team.connect(team.roles["张三"]) as conn:
        conn.execute(INSERT, ("成都市", "a1.q1", "张三", "v1", Jsonb("yes")))
    with team.connect(team.roles["李四"]) as conn:
        conn.execute(INSERT, ("绵阳市", "a1.q1", "李四", "v1", Jsonb("no")))
    return team


def _rows(conn: psycopg.Connection, query: str) -> list[tuple]:
    return conn.execute(query).fetchall()


def test_an_evaluator_reads_only_their_own_assignments_sites_and_answers(team):
    with team.connect(team.roles["张三"]) as conn:
        assert _rows(conn, "SELECT site, evaluator FROM assignments") == [("成都市", "张三")]
        assert _rows(conn, "SELECT name FROM sites") == [("成都市",)]
        assert _rows(conn, "SELECT site, evaluator, value FROM answers") == [
            ("成都市", "张三", "yes")]
        assert _rows(conn, "SELECT name FROM evaluators") == [("张三",)]
        # asking for the other's rows by name finds nothing
        assert _rows(conn, "SELECT * FROM answers WHERE evaluator = '李四'") == []


@pytest.mark.parametrize("row", [
    ("绵阳市", "a1.q2", "张三", "v2", "yes"),  # a site assigned to another
    ("成都市", "a1.q2", "李四", "v2", "yes"),  # an answer in another's name
    ("绵阳市", "a1.q1", "李四", "v9", "yes"),  # another's answer, another version
], ids=["other-site", "other-name", "other-answer"])
def test_an_evaluator_cannot_write_another_evaluators_rows(team, row):
    site, question, evaluator, version, value = row
    with team.connect(team.roles["张三"]) as conn, pytest.raises(
            psycopg.errors.InsufficientPrivilege, match="row-level security"):
        conn.execute(INSERT, (site, question, evaluator, version, Jsonb(value)))
    with team.connect() as owner:
        assert owner.execute("SELECT count(*) FROM answers").fetchone() == (2,)


def test_an_evaluator_cannot_change_or_delete_answers_nor_assign_themselves(team):
    with team.connect(team.roles["李四"]) as conn:
        for statement in ("UPDATE answers SET value = '\"yes\"'",
                          "DELETE FROM answers",
                          "INSERT INTO assignments (site, evaluator) VALUES ('成都市', '李四')",
                          "UPDATE evaluators SET lead = true",
                          "INSERT INTO sites (name, url, level) VALUES ('x', 'http://x/', 'city')"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    with team.connect() as owner:
        assert owner.execute("SELECT count(*) FROM answers WHERE value = '\"no\"'"
                             ).fetchone() == (1,)
        assert owner.execute("SELECT count(*) FROM assignments").fetchone() == (2,)


def test_an_evaluator_cannot_pose_as_another_role(team):
    with team.connect(team.roles["张三"]) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f'SET ROLE "{team.roles["李四"]}"')
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f'SET SESSION AUTHORIZATION "{team.roles["李四"]}"')


def test_the_lead_reads_and_changes_every_row(team):
    with team.connect(team.roles["王五"]) as conn:
        assert len(_rows(conn, "SELECT * FROM assignments")) == 2
        assert sorted(_rows(conn, "SELECT site, evaluator FROM answers")) == [
            ("成都市", "张三"), ("绵阳市", "李四")]
        conn.execute(INSERT, ("绵阳市", "a1.q2", "李四", "v2", Jsonb(3)))
        conn.execute("INSERT INTO assignments (site, evaluator) VALUES ('成都市', '李四')")
        conn.execute("DELETE FROM answers WHERE version = 'v2'")
    # the new assignment shows 成都市 to 李四 at once
    with team.connect(team.roles["李四"]) as conn:
        assert sorted(_rows(conn, "SELECT name FROM sites")) == [("成都市",), ("绵阳市",)]


def _entries(actor: str, count: int = 1) -> list[tuple[str, int, str, str]]:
    """A chain of `count` entries as the server takes them: (chain, seq, hash, body)."""
    from govaudit.auditlog import GENESIS, Change, chained
    from govaudit.server.logsync import body

    entries = chained([Change("answer", "save", "成都市")] * count, actor, (0, GENESIS))
    return [(entries[0].hash, e.seq, e.hash, body(e)) for e in entries]


LOG = ("INSERT INTO audit_log (chain, evaluator, seq, hash, body, prev_hash, logged, actor, "
       "action) VALUES (%s, %s, %s, %s, %s, '', '', '', '')")


def test_the_audit_log_is_append_only_for_every_role(team):
    [(chain, seq, hash_, body)] = _entries("王五")
    with team.connect(team.roles["王五"]) as lead:
        lead.execute(LOG, (chain, "王五", seq, hash_, body))
        for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log",
                          "TRUNCATE audit_log"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                lead.execute(statement)
    with team.connect(team.roles["张三"]) as evaluator:
        for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                evaluator.execute(statement)
    with team.connect() as owner:  # the owner too
        for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log",
                          "TRUNCATE audit_log"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                owner.execute(statement)
        assert owner.execute("SELECT actor FROM audit_log").fetchall() == [("王五",)]


def test_an_evaluator_reads_only_their_own_reviews_and_audit_entries(team):
    review = ("INSERT INTO review_states (record, site, question, evaluator, state, reviewer, "
              "changed, answer_time, note) VALUES (%s, '成都市', 'a1.q1', %s, 'approved', "
              "'王五', '2026-12-02T00:00:00+00:00', '2026-12-01T00:00:00+00:00', '')")
    adjudication = ("INSERT INTO adjudications (record, site, question, value, adjudicator, "
                    "decided, reason) VALUES (%s, %s, 'a1.q1', '\"yes\"', '王五', "
                    "'2026-12-02T00:00:00+00:00', '核实')")
    with team.server() as server:
        server.assign("李四", ["成都市"])  # 成都市 assessed twice
    with team.connect(team.roles["王五"]) as lead:  # only the lead sets them
        lead.execute(review, ("r1", "张三"))
        lead.execute(review, ("r2", "李四"))
        lead.execute(adjudication, ("d1", "成都市"))
        lead.execute(adjudication, ("d2", "绵阳市"))
        assert len(_rows(lead, "SELECT * FROM review_states")) == 2
    for name in ("张三", "李四"):
        [(chain, seq, hash_, body)] = _entries(name)
        with team.connect(team.roles[name]) as conn:
            conn.execute(LOG, (chain, name, seq, hash_, body))
    with team.connect(team.roles["张三"]) as conn:
        assert _rows(conn, "SELECT evaluator FROM review_states") == [("张三",)]
        assert _rows(conn, "SELECT site FROM adjudications") == [("成都市",)]
        assert _rows(conn, "SELECT evaluator FROM audit_log") == [("张三",)]
        assert _rows(conn, "SELECT * FROM audit_log WHERE evaluator = '李四'") == []
        for statement, params in ((review, ("r3", "张三")), (adjudication, ("d3", "成都市"))):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement, params)
        # nor push entries in another's name
        [(chain, seq, hash_, body)] = _entries("张三")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(LOG, (chain, "李四", seq, hash_, body))
    with team.connect(team.roles["李四"]) as conn:
        assert _rows(conn, "SELECT evaluator FROM review_states") == [("李四",)]
        assert _rows(conn, "SELECT evaluator FROM audit_log") == [("李四",)]
    with team.connect(team.roles["王五"]) as lead:
        assert sorted(_rows(lead, "SELECT evaluator FROM audit_log")) == [("张三",), ("李四",)]
