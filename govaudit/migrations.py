"""The one runner of numbered SQL migrations, for the team server's schema and the monitor's.

A package ships `migrations/NNNN_name.sql`; a `Migrations` names the package, the database
schema the files are applied in (with a `schema_version` table of its own there) and the
advisory lock key. Each migration runs in a transaction of its own together with its row in
schema_version, under the advisory lock, so that two processes migrating at once apply
each file once, and a failed one leaves the schema as it was before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import psycopg
from psycopg import sql

from govaudit.errors import GovauditError
from govaudit.i18n import _

MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def file(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"


@dataclass(frozen=True)
class Migrations:
    """The migrations of `package` (its migrations/ folder), applied in `schema` under the
    advisory lock `lock_key`."""

    package: str
    schema: str
    lock_key: int

    def files(self) -> list[Migration]:
        """The migrations shipped with govaudit, in order."""
        found = []
        for entry in resources.files(self.package).joinpath("migrations").iterdir():
            match = MIGRATION_NAME.match(entry.name)
            if match:
                found.append(Migration(int(match[1]), match[2],
                                       entry.read_text(encoding="utf-8")))
        found.sort(key=lambda m: m.version)
        return found

    def latest_version(self) -> int:
        return self.files()[-1].version

    @property
    def _versions(self) -> sql.Composed:
        return sql.SQL("{}.schema_version").format(sql.Identifier(self.schema))

    def _has_versions(self, conn: psycopg.Connection) -> bool:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL",
                           (f"{self.schema}.schema_version",)).fetchone()
        return bool(row and row[0])

    def applied_version(self, conn: psycopg.Connection) -> int:
        """The last migration applied to the connected database (0: none, or no schema)."""
        if not self._has_versions(conn):
            return 0
        row = conn.execute(sql.SQL("SELECT max(version) FROM {}").format(self._versions)
                           ).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def migrate(self, conn: psycopg.Connection) -> list[Migration]:
        """Apply the migrations the database has not had yet; those applied now. A
        database whose schema is newer than this govaudit's is refused."""
        done: list[Migration] = []
        shipped = self.files()
        conn.autocommit = True
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (self.lock_key,))
            # made only when missing: a role that may write the tables but not create
            # anything (a worker) migrates a schema that is up to date
            if not conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s",
                                (self.schema,)).fetchone():
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(self.schema)))
            if not self._has_versions(conn):
                conn.execute(sql.SQL(
                    "CREATE TABLE {} (version int PRIMARY KEY, name text NOT NULL, "
                    "applied timestamptz NOT NULL DEFAULT now())").format(self._versions))
        for migration in shipped:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (self.lock_key,))
                if conn.execute(sql.SQL("SELECT 1 FROM {} WHERE version = %s").format(
                        self._versions), (migration.version,)).fetchone():
                    continue
                conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(
                    sql.Identifier(self.schema)))
                try:
                    conn.execute(migration.sql.encode())
                except psycopg.Error as exc:
                    raise GovauditError(_(
                        "migration {file} of the schema {schema} failed, nothing of it was "
                        "applied: {error}").format(file=migration.file, schema=self.schema,
                                                   error=exc)) from None
                conn.execute(sql.SQL("INSERT INTO {} (version, name) VALUES (%s, %s)").format(
                    self._versions), (migration.version, migration.name))
            done.append(migration)
        have, want = self.applied_version(conn), shipped[-1].version
        if have > want:
            raise GovauditError(_(
                "the schema {schema} is at version {have}, newer than this govaudit knows "
                "({want}): upgrade govaudit").format(schema=self.schema, have=have, want=want))
        return done
