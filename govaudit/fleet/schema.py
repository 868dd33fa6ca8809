"""The monitor's schema on the server: numbered SQL files (migrations/NNNN_name.sql) applied
in order, in the schema `govaudit_monitor`, with a `schema_version` table of its own there
(the team server's migrations and version table are not touched).

Each migration runs in a transaction of its own together with its row in schema_version,
under an advisory lock, so that two processes migrating at once apply each file once and a
failed one leaves the schema as it was before it. Workers and the scheduler migrate when
they connect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import psycopg

from govaudit.errors import GovauditError
from govaudit.fleet.connection import SCHEMA
from govaudit.i18n import _

MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
LOCK_KEY = 0x6D_0E_17_01  # the advisory lock the monitor's migrations hold


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """The migrations shipped with govaudit, in order."""
    found = []
    for entry in resources.files("govaudit.fleet").joinpath("migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    return found


def applied_version(conn: psycopg.Connection) -> int:
    """The last migration applied (0: none)."""
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL",
                       (f"{SCHEMA}.schema_version",)).fetchone()
    if not row or not row[0]:
        return 0
    row = conn.execute(f"SELECT max(version) FROM {SCHEMA}.schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(conn: psycopg.Connection) -> list[Migration]:
    """Apply the migrations the server has not had yet; those applied now."""
    done: list[Migration] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.schema_version (version int "
                     "PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL "
                     "DEFAULT now())")
    for migration in migrations():
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            if conn.execute(f"SELECT 1 FROM {SCHEMA}.schema_version WHERE version = %s",
                            (migration.version,)).fetchone():
                continue
            conn.execute(f"SET LOCAL search_path TO {SCHEMA}")
            try:
                conn.execute(migration.sql.encode())
            except psycopg.Error as exc:
                raise GovauditError(_("monitor migration {name} failed, nothing of it was "
                                      "applied: {error}").format(
                    name=f"{migration.version:04d}_{migration.name}.sql", error=exc)) from None
            conn.execute(f"INSERT INTO {SCHEMA}.schema_version (version, name) "
                         "VALUES (%s, %s)", (migration.version, migration.name))
        done.append(migration)
    if applied_version(conn) > migrations()[-1].version:
        raise GovauditError(_("the monitoring server's schema is newer than this govaudit "
                              "knows: upgrade govaudit"))
    return done
