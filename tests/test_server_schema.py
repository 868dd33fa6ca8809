"""The server's schema: numbered migrations, applied once each, in order."""

from __future__ import annotations

import psycopg
import pytest
from server_helpers import make_team

from govaudit import Audit, GovauditError


def test_migrate_applies_each_migration_once_and_records_it(postgres, monkeypatch):
    from govaudit.server.schema import latest_version, migrations

    team = make_team(postgres, monkeypatch)  # migrated once
    with team.server() as server:
        assert server.migrate() == []  # nothing left to apply
        assert server.version() == latest_version() >= 2
    with team.connect() as conn:
        rows = conn.execute("SELECT version, name FROM schema_version ORDER BY version"
                            ).fetchall()
        tables = {r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert rows == [(m.version, m.name) for m in migrations()]
    assert {"sites", "assignments", "answers", "evaluators", "evidence", "evidence_files",
            "review_states", "adjudications", "audit_log", "schema_version"} <= tables


def test_the_cli_migrates_a_new_database_and_says_what_it_applied(postgres, monkeypatch,
                                                                  cli, tmp_path):
    dbname = postgres.create_database("fresh_cli")
    for key, value in postgres.environ(dbname=dbname).items():
        monkeypatch.setenv(key, value)
    first = cli("server", "migrate", cwd=tmp_path)
    assert first.exit_code == 0, first.output
    assert "0001_tables" in first.output and "0003_audit_log_append_only" in first.output
    again = cli("server", "migrate", cwd=tmp_path)
    assert again.exit_code == 0 and "up to date" in again.output


def test_sync_refuses_a_database_without_the_schema(postgres, monkeypatch, tmp_path):
    dbname = postgres.create_database("unmigrated")
    for key, value in postgres.environ(dbname=dbname).items():
        monkeypatch.setenv(key, value)
    audit = Audit.create(tmp_path / "ws", checklist="cstc-2020-local", evaluator="张三")
    with pytest.raises(GovauditError, match="schema is at version 0") as raised:
        audit.sync()
    assert raised.value.hint == "migrate"  # the CLI says: run 'govaudit server migrate'…


def test_a_failed_migration_leaves_nothing_of_it(postgres, monkeypatch):
    """A migration that fails part-way is rolled back whole; the database stays usable."""
    from govaudit.migrations import Migrations
    from govaudit.server import schema

    dbname = postgres.create_database("half")
    with psycopg.connect(postgres.conninfo(dbname=dbname)) as conn:
        broken = schema.Migration(1, "broken", "CREATE TABLE a (n int); SELECT * FROM nowhere;")
        monkeypatch.setattr(Migrations, "files", lambda self: [broken])
        with pytest.raises(GovauditError, match="0001_broken.sql of the schema public failed, "
                           "nothing of it"):
            schema.migrate(conn)
        assert conn.execute("SELECT to_regclass('a')").fetchone() == (None,)
        assert schema.applied_version(conn) == 0


def test_two_migrations_at_once_apply_each_file_once(postgres):
    import threading

    from govaudit.server.schema import migrate, migrations

    dbname = postgres.create_database("twice")
    applied: list[list[int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def run() -> None:
        with psycopg.connect(postgres.conninfo(dbname=dbname)) as conn:
            start.wait()
            try:
                applied.append([m.version for m in migrate(conn)])
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(v for done in applied for v in done) == [m.version for m in migrations()]
