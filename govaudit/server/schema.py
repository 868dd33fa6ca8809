"""The server's schema: numbered SQL files (migrations/NNNN_name.sql) applied in order.

`schema_version` lists the ones applied. Each migration runs in a transaction of its own
together with its row there, under an advisory lock, so that two `migrate` at once apply
each file once, and a failed one leaves the schema as the one before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import psycopg

from govaudit.errors import GovauditError
from govaudit.i18n import _

MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
LOCK_KEY = 0x60_0A_0D_17  # the advisory lock migrations hold


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """The migrations shipped with govaudit, in order."""
    found = []
    for entry in resources.files("govaudit.server").joinpath("migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    return found


def latest_version() -> int:
    return migrations()[-1].version


def applied_version(conn: psycopg.Connection) -> int:
    """The last migration applied to the connected database (0: none, or no schema)."""
    exists = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(conn: psycopg.Connection) -> list[Migration]:
    """Apply the migrations the database has not had yet; those applied now."""
    done: list[Migration] = []
    conn.autocommit = True
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version int PRIMARY KEY, "
                     "name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())")
    for migration in migrations():
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            if conn.execute("SELECT 1 FROM schema_version WHERE version = %s",
                            (migration.version,)).fetchone():
                continue
            try:
                conn.execute(migration.sql.encode())
            except psycopg.Error as exc:
                raise GovauditError(_(
                    "migration {version:04d}_{name}.sql failed, nothing of it was applied: "
                    "{error}").format(version=migration.version, name=migration.name,
                                      error=exc)) from None
            conn.execute("INSERT INTO schema_version (version, name) VALUES (%s, %s)",
                         (migration.version, migration.name))
        done.append(migration)
    return done


def check_current(conn: psycopg.Connection, where: str) -> None:
    """Refuse a database whose schema is older or newer than this govaudit's."""
    have, want = applied_version(conn), latest_version()
    if have < want:
        raise GovauditError(_(
            "{where}: the server's schema is at version {have}, this govaudit needs "
            "{want}").format(where=where, have=have, want=want), hint="migrate")
    if have > want:
        raise GovauditError(_(
            "{where}: the server's schema is at version {have}, newer than this govaudit knows "
            "({want}): upgrade govaudit").format(where=where, have=have, want=want))
