"""The team server's schema: this package's numbered migrations, applied by the one runner
(govaudit.migrations) in the schema `public`, `schema_version` listing those applied; and
the check that a database's schema is the one this govaudit knows.
"""

from __future__ import annotations

import psycopg

from govaudit.errors import GovauditError
from govaudit.i18n import _
from govaudit.migrations import Migration, Migrations

TEAM = Migrations("govaudit.server", "public", 0x60_0A_0D_17)

__all__ = ["TEAM", "Migration", "applied_version", "check_current", "latest_version",
           "migrate", "migrations"]


def migrations() -> list[Migration]:
    """The migrations shipped with govaudit, in order."""
    return TEAM.files()


def latest_version() -> int:
    return TEAM.latest_version()


def applied_version(conn: psycopg.Connection) -> int:
    """The last migration applied to the connected database (0: none, or no schema)."""
    return TEAM.applied_version(conn)


def migrate(conn: psycopg.Connection) -> list[Migration]:
    """Apply the migrations the database has not had yet; those applied now."""
    return TEAM.migrate(conn)


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
